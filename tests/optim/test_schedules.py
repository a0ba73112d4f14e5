"""Schedules against their closed forms, step by step, and their argument checks."""
import math

import numpy as np
import pytest

from quizapp.optim import SCHEDULES, simulate, simulate_batch
from quizapp.optim import schedules

STEPS = np.arange(0, 1000)
LR = 0.3


def closed_step(t, step_size, gamma=0.1):
    return LR * gamma ** math.floor(t / step_size)


def closed_exponential(t, gamma):
    return LR * math.exp(t * math.log(gamma))


def closed_cosine(t, T_max, eta_min=0.0):
    return eta_min + 0.5 * (LR - eta_min) * (1 + math.cos(t / T_max * math.pi))


def closed_linear(t, start_factor=1 / 3, end_factor=1.0, total_iters=5):
    if t >= total_iters:
        return LR * end_factor
    return LR * (start_factor * (total_iters - t) + end_factor * t) / total_iters


def closed_warmup_cosine(t, warmup_steps, total_steps, eta_min=0.0, start_factor=0.0):
    if t < warmup_steps:
        return LR * (start_factor + (1 - start_factor) * t / warmup_steps)
    if t >= total_steps:
        return eta_min
    frac = (t - warmup_steps) / (total_steps - warmup_steps)
    return eta_min + 0.5 * (LR - eta_min) * (1 + math.cos(math.pi * frac))


CASES = [
    ("constant", {}, lambda t: LR),
    ("step", {"step_size": 30}, lambda t: closed_step(t, 30)),
    ("step", {"step_size": 7, "gamma": 0.5}, lambda t: closed_step(t, 7, 0.5)),
    ("step", {"step_size": 100, "gamma": 1.5}, lambda t: closed_step(t, 100, 1.5)),
    ("exponential", {"gamma": 0.99}, lambda t: closed_exponential(t, 0.99)),
    ("exponential", {"gamma": 1.001}, lambda t: closed_exponential(t, 1.001)),
    ("cosine", {"T_max": 100}, lambda t: closed_cosine(t, 100)),
    ("cosine", {"T_max": 250, "eta_min": 0.01}, lambda t: closed_cosine(t, 250, 0.01)),
    ("cosine", {"T_max": 1}, lambda t: closed_cosine(t, 1)),
    ("linear", {}, lambda t: closed_linear(t)),
    ("linear", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 50},
     lambda t: closed_linear(t, 0.1, 1.0, 50)),
    ("linear", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 400},
     lambda t: closed_linear(t, 1.0, 0.0, 400)),
    ("warmup_cosine", {"warmup_steps": 50, "total_steps": 600},
     lambda t: closed_warmup_cosine(t, 50, 600)),
    ("warmup_cosine", {"warmup_steps": 0, "total_steps": 300, "eta_min": 0.001},
     lambda t: closed_warmup_cosine(t, 0, 300, 0.001)),
    ("warmup_cosine", {"warmup_steps": 10, "total_steps": 20, "start_factor": 0.5, "eta_min": 0.05},
     lambda t: closed_warmup_cosine(t, 10, 20, 0.05, 0.5)),
]


@pytest.mark.parametrize("name,args,closed", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_schedule_equals_closed_form_at_every_step(name, args, closed):
    sched = schedules.make(name, LR, **args)
    got = schedules.values(sched, len(STEPS))
    expected = np.array([closed(int(t)) for t in STEPS])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_landmarks():
    cos = schedules.make("cosine", 1.0, T_max=100, eta_min=0.2)
    assert cos(0) == 1.0
    assert cos(50) == pytest.approx(0.6, rel=1e-15)
    assert cos(100) == pytest.approx(0.2, rel=1e-15)
    # past T_max the curve climbs back, as torch's CosineAnnealingLR does
    assert cos(150) == pytest.approx(0.6, rel=1e-14)
    assert cos(200) == pytest.approx(1.0, rel=1e-15)
    step = schedules.make("step", 1.0, step_size=10, gamma=0.5)
    assert [step(t) for t in (0, 9, 10, 19, 20, 35)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.125]
    lin = schedules.make("linear", 1.0, start_factor=0.25, end_factor=1.0, total_iters=4)
    assert [lin(t) for t in range(7)] == [0.25, 0.4375, 0.625, 0.8125, 1.0, 1.0, 1.0]
    wc = schedules.make("warmup_cosine", 1.0, warmup_steps=4, total_steps=8)
    assert [wc(t) for t in range(4)] == [0.0, 0.25, 0.5, 0.75]
    assert wc(4) == 1.0
    assert wc(6) == pytest.approx(0.5, rel=1e-15)
    assert wc(8) == 0.0 and wc(1000) == 0.0


def test_every_named_schedule_is_covered():
    assert {c[0] for c in CASES} == set(SCHEDULES)


def test_run_records_the_scheduled_rate_of_each_step():
    run = simulate("valley", "adam", steps=120, hyper={"lr": LR},
                   schedule=("cosine", {"T_max": 50, "eta_min": 0.01}))
    np.testing.assert_allclose(run.lr, [closed_cosine(t, 50, 0.01) for t in range(120)], rtol=1e-12)


@pytest.mark.parametrize("spec", [
    "linear",
    ("linear", {}),
    ("linear", None),
    {"name": "linear"},
    {"name": "linear", "args": {"total_iters": 5}},
    lambda lr: schedules.linear(lr),
])
def test_schedule_spec_forms(spec):
    run = simulate("valley", "sgd", steps=8, hyper={"lr": LR}, schedule=spec)
    np.testing.assert_allclose(run.lr, [closed_linear(t) for t in range(8)], rtol=1e-14)


def test_schedules_scale_each_rate_of_a_batch():
    lrs = np.array([0.01, 0.1, 0.3])
    batch = simulate_batch("valley", "sgd", steps=60, hyper={"lr": lrs},
                           schedule=("step", {"step_size": 20, "gamma": 0.5}))
    expected = lrs[:, None] * 0.5 ** (np.arange(60)[None, :] // 20)
    np.testing.assert_allclose(batch.lr, expected, rtol=1e-15)


def test_huge_growth_gives_an_infinite_rate_not_an_exception():
    sched = schedules.make("exponential", 1e-3, gamma=2.0)
    assert sched(2000) == math.inf
    step = schedules.make("step", 1e-3, step_size=1, gamma=1e6)
    assert step(100) == math.inf
    # a run whose gradient is zero still stops (0 * inf) instead of crashing
    run = simulate("valley", "sgd", steps=1100, start=(0.0, 0.0), hyper={"lr": 1e-3},
                   schedule=("exponential", {"gamma": 2.0}))
    assert run.diverged_at == 1025
    assert run.lr[-1] == math.inf


def test_arguments_are_checked_when_the_schedule_is_built():
    with pytest.raises(ValueError, match=r"Invalid gamma: 0.0"):
        schedules.make("step", 0.1, step_size=3, gamma=0.0)
    with pytest.raises(ValueError, match=r"Invalid gamma: inf"):
        schedules.exponential(0.1, gamma=float("inf"))
    with pytest.raises(ValueError, match=r"Invalid step_size: True"):
        schedules.make("step", 0.1, step_size=True)
    with pytest.raises(ValueError, match=r"Invalid T_max: nan"):
        schedules.make("cosine", 0.1, T_max=float("nan"))
    with pytest.raises(ValueError, match=r"Invalid total_iters: 0"):
        schedules.make("linear", 0.1, total_iters=0)
    with pytest.raises(ValueError, match=r"Invalid eta_min: None \(eta_min must be a number\)"):
        schedules.make("cosine", 0.1, T_max=3, eta_min=None)
    with pytest.raises(ValueError, match=r"Invalid start_factor: 1.5"):
        schedules.make("warmup_cosine", 0.1, warmup_steps=1, total_steps=5, start_factor=1.5)
    with pytest.raises(ValueError, match=r"Schedule step: .*step_size"):
        schedules.make("step", 0.1)
    with pytest.raises(ValueError, match=r"Unknown schedule 'cosin'"):
        schedules.make("cosin", 0.1)
