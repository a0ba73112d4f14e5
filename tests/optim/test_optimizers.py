"""Optimizer conventions checked by hand, convergence, and the table of bad inputs."""
import inspect

import numpy as np
import pytest

from quizapp.optim import (
    HYPER_HELP, OPTIMIZERS, defaults, get_surface, make, simulate, simulate_batch,
)

# valley: f = x^2/20 + y^2, grad = (x/10, 2y).  Start (10, 1): g1 = (1, 2).
START = (10.0, 1.0)


def _points(run):
    return run.path[1], run.path[2]


# ----------------------------------------------------------------- by hand


def test_chapter_momentum_is_an_ema_of_gradients():
    # v1 = (1-beta) g1 = 0.1*(1, 2);  theta1 = (10, 1) - 0.5*v1 = (9.95, 0.9)
    # g2 = (0.995, 1.8);  v2 = 0.9*v1 + 0.1*g2 = (0.1895, 0.36)
    # theta2 = theta1 - 0.5*v2 = (9.85525, 0.72)
    run = simulate("valley", "momentum", steps=2, start=START,
                   hyper={"lr": 0.5, "beta": 0.9}, record_state=True)
    p1, p2 = _points(run)
    np.testing.assert_allclose(p1, [9.95, 0.9], rtol=1e-14)
    np.testing.assert_allclose(p2, [9.85525, 0.72], rtol=1e-14)
    np.testing.assert_allclose(run.states["velocity"], [[0.1, 0.2], [0.1895, 0.36]], rtol=1e-14)
    np.testing.assert_allclose(run.states["grad"], [[1.0, 2.0], [0.995, 1.8]], rtol=1e-14)


def test_chapter_momentum_starts_from_zero_velocity_and_keeps_beta_share():
    opt = make("momentum", lr=1.0, beta=0.75)
    params = np.zeros((1, 2))
    state = opt.init(params)
    assert state.count == 0
    np.testing.assert_array_equal(state.velocity, 0.0)
    g = np.array([[4.0, -8.0]])
    for expected in ([1.0, -2.0], [1.75, -3.5], [2.3125, -4.625]):
        params, state = opt.update(g, state, params, 1.0)
        np.testing.assert_allclose(state.velocity, [expected], rtol=1e-15)
    assert state.count == 3
    # theta moved by -(v1 + v2 + v3)
    np.testing.assert_allclose(params, [[-5.0625, 10.125]], rtol=1e-15)


def test_torch_sgd_buffer_starts_at_the_first_gradient():
    # buf1 = g1 = (1, 2);  theta1 = (10, 1) - 0.5*(1, 2) = (9.5, 0)
    # g2 = (0.95, 0);  buf2 = 0.9*(1, 2) + (0.95, 0) = (1.85, 1.8)
    # theta2 = (9.5, 0) - 0.5*(1.85, 1.8) = (8.575, -0.9)
    run = simulate("valley", "sgd", steps=2, start=START,
                   hyper={"lr": 0.5, "momentum": 0.9}, record_state=True)
    p1, p2 = _points(run)
    np.testing.assert_allclose(p1, [9.5, 0.0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(p2, [8.575, -0.9], rtol=1e-14)
    np.testing.assert_allclose(run.states["momentum_buffer"], [[1.0, 2.0], [1.85, 1.8]], rtol=1e-14)


def test_torch_sgd_dampening_is_skipped_on_the_first_step():
    # buf1 = g1 (no dampening at step 1);  buf2 = 0.9*(1, 2) + 0.5*(0.95, 0) = (1.375, 1.8)
    run = simulate("valley", "sgd", steps=2, start=START,
                   hyper={"lr": 0.5, "momentum": 0.9, "dampening": 0.5})
    p1, p2 = _points(run)
    np.testing.assert_allclose(p1, [9.5, 0.0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(p2, [8.8125, -0.9], rtol=1e-14)


@pytest.mark.parametrize("spec", [("nesterov", {}), ("sgd", {"nesterov": True})])
def test_nesterov_two_steps_by_hand(spec):
    # step 1: buf1 = g1 = (1, 2); d1 = g1 + 0.9*buf1 = (1.9, 3.8); theta1 = (9.05, -0.9)
    # step 2: g2 = (0.905, -1.8); buf2 = 0.9*(1, 2) + g2 = (1.805, 0)
    #         d2 = g2 + 0.9*buf2 = (2.5295, -1.8); theta2 = (9.05 - 1.26475, -0.9 + 0.9)
    name, extra = spec
    run = simulate("valley", name, steps=2, start=START,
                   hyper={"lr": 0.5, "momentum": 0.9, **extra})
    p1, p2 = _points(run)
    np.testing.assert_allclose(p1, [9.05, -0.9], rtol=1e-14)
    np.testing.assert_allclose(p2, [7.78525, 0.0], rtol=1e-14, atol=1e-15)


def test_plain_sgd_step_and_l2_weight_decay():
    # d = g + wd*theta = (1 + 0.1*10, 2 + 0.1*1) = (2, 2.1);  theta1 = (10, 1) - 0.1*d
    run = simulate("valley", "sgd", steps=1, start=START, hyper={"lr": 0.1, "weight_decay": 0.1})
    np.testing.assert_allclose(run.path[1], [9.8, 0.79], rtol=1e-14)


def test_first_adam_step_moves_each_coordinate_by_about_lr():
    # m_hat = g, v_hat = g^2, so the step is lr * g / (|g| + eps)
    lr, eps = 0.1, 1e-8
    run = simulate("valley", "adam", steps=1, start=START, hyper={"lr": lr})
    np.testing.assert_allclose(run.path[1], [10 - lr * 1 / (1 + eps), 1 - lr * 2 / (2 + eps)],
                               rtol=1e-14)


def test_adamw_decays_weights_with_the_scheduled_rate_before_the_adam_step():
    lr, wd, eps = 0.1, 0.5, 1e-8
    run = simulate("valley", "adamw", steps=1, start=START, hyper={"lr": lr, "weight_decay": wd})
    expected = np.array(START) * (1 - lr * wd) - lr * np.array([1, 2]) / (np.array([1, 2]) + eps)
    np.testing.assert_allclose(run.path[1], expected, rtol=1e-14)
    # Adam's weight decay, by contrast, enters the gradient: g' = g + wd*theta
    run = simulate("valley", "adam", steps=1, start=START, hyper={"lr": lr, "weight_decay": wd})
    g = np.array([1, 2]) + wd * np.array(START)
    np.testing.assert_allclose(run.path[1], np.array(START) - lr * g / (g + eps), rtol=1e-14)


def test_adagrad_accumulates_squared_gradients():
    # sum1 = g1^2 = (1, 4): theta1 = theta0 - lr * g1 / (|g1| + eps) = (10 - 1, 1 - 1) = (9, 0)
    # g2 = (0.9, 0); sum2 = (1.81, 4): theta2 = (9 - 0.9/sqrt(1.81), 0)
    run = simulate("valley", "adagrad", steps=2, start=START, hyper={"lr": 1.0, "eps": 0.0},
                   record_state=True)
    p1, p2 = _points(run)
    np.testing.assert_allclose(p1, [9.0, 0.0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(p2, [9 - 0.9 / np.sqrt(1.81), 0.0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(run.states["sum"][-1], [1.81, 4.0], rtol=1e-14)


def test_state_is_visible_for_every_optimizer():
    for name in OPTIMIZERS:
        run = simulate("booth", name, steps=3, record_state=True)
        assert "grad" in run.states and "update" in run.states
        for key, arr in run.states.items():
            assert arr.shape[0] == 3, (name, key)
        np.testing.assert_allclose(run.states["update"], np.diff(run.path, axis=0), rtol=1e-12,
                                   atol=1e-15)


# every flag that switches a branch of an update, as scalars and as per-run arrays
_BRANCHES = [
    ("sgd", {}), ("sgd", {"momentum": 0.9, "dampening": 0.2, "weight_decay": 0.1}),
    ("sgd", {"momentum": [0.0, 0.9, 0.5], "nesterov": [False, True, False]}),
    ("momentum", {}), ("nesterov", {"weight_decay": 0.1}),
    ("adagrad", {"lr_decay": 0.1, "weight_decay": 0.1}),
    ("rmsprop", {}), ("rmsprop", {"momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("rmsprop", {"momentum": [0.0, 0.9, 0.5], "centered": [True, False, True]}),
    ("adam", {"weight_decay": 0.1}), ("adam", {"amsgrad": [True, False, True]}),
    ("adamw", {"amsgrad": True}),
    ("nadam", {"weight_decay": 0.1}), ("nadam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("nadam", {"weight_decay": 0.1, "decoupled_weight_decay": [True, False, True]}),
    ("radam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
]


@pytest.mark.parametrize("name,hyper", _BRANCHES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(_BRANCHES)])
def test_an_update_never_writes_into_its_inputs(name, hyper):
    # the updates reuse their own temporaries in place; gradients, weights and the old
    # state must stay as they were (the trainer and the simulator keep reading them)
    rng = np.random.default_rng(3)
    opt = make(name, lr=0.01, **hyper)
    params = rng.standard_normal((3, 6))
    state = opt.init(params)
    for step in range(3):
        grads = rng.standard_normal((3, 6))
        before = [grads.copy(), params.copy()] + [np.array(v, copy=True) for v in state]
        lr = 0.01 if step != 1 else np.array([[0.01], [0.02], [0.03]])
        new, new_state = opt.update(grads, state, params, lr)
        after = [grads, params] + [np.asarray(v) for v in state]
        for b, a in zip(before, after):
            np.testing.assert_array_equal(a, b)
        assert new is not params and not any(new is v for v in state)
        params, state = new, new_state


def test_defaults_are_torch_defaults():
    assert defaults("sgd") == dict(lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False,
                                   weight_decay=0.0)
    assert defaults("adam") == dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                                    weight_decay=0.0, amsgrad=False)
    assert defaults("adamw")["weight_decay"] == 1e-2
    assert defaults("adagrad") == dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                                       initial_accumulator_value=0.0, eps=1e-10)
    assert defaults("rmsprop") == dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0,
                                       momentum=0.0, centered=False)
    assert defaults("nadam")["lr"] == 2e-3 and defaults("nadam")["momentum_decay"] == 4e-3
    assert defaults("momentum")["beta"] == 0.9


def test_every_hyper_parameter_has_help_text():
    for name, factory in OPTIMIZERS.items():
        for param in inspect.signature(factory).parameters:
            assert HYPER_HELP.get(param), f"{name}.{param} has no help text"


# ---------------------------------------------------------------- convergence

VALLEY_RUNS = [
    ("adam", {"lr": 0.1}),
    ("momentum", {"lr": 0.5, "beta": 0.9}),
    ("sgd", {"lr": 0.4, "momentum": 0.9}),
    ("nesterov", {"lr": 0.4, "momentum": 0.9}),
    ("sgd", {"lr": 0.4}),
    ("adagrad", {"lr": 1.0}),
]


@pytest.mark.parametrize("name,hyper", VALLEY_RUNS, ids=lambda v: str(v))
def test_reaches_the_valley_minimum(name, hyper):
    run = simulate("valley", name, steps=800, hyper=hyper)
    assert run.diverged_at is None
    assert np.linalg.norm(run.path[-1]) < 1e-8
    assert run.loss[-1] < 1e-15
    assert run.loss[-1] < 1e-12 * run.loss[0]


ROSENBROCK_RUNS = [
    ("adam", {"lr": 0.01}, 5000),
    ("sgd", {"lr": 1e-3, "momentum": 0.9}, 4000),
    ("nesterov", {"lr": 1e-3, "momentum": 0.9}, 4000),
    ("momentum", {"lr": 1e-2, "beta": 0.9}, 4000),
]


@pytest.mark.parametrize("name,hyper,steps", ROSENBROCK_RUNS, ids=lambda v: str(v))
def test_reaches_the_rosenbrock_minimum(name, hyper, steps):
    run = simulate("rosenbrock", name, steps=steps, hyper=hyper)
    assert tuple(run.path[0]) == get_surface("rosenbrock").start
    assert run.diverged_at is None
    np.testing.assert_allclose(run.path[-1], [1.0, 1.0], atol=1e-6)
    assert run.loss[-1] < 1e-12


def test_plain_sgd_is_still_far_from_the_rosenbrock_minimum():
    # the contrast the chapter draws: without momentum the banana valley is slow
    run = simulate("rosenbrock", "sgd", steps=3000, hyper={"lr": 1e-3})
    assert run.loss[-1] > 1e-3
    fast = simulate("rosenbrock", "sgd", steps=3000, hyper={"lr": 1e-3, "momentum": 0.9})
    assert fast.loss[-1] < 1e-6 * run.loss[-1]


# ---------------------------------------------------------------- bad inputs


def _sim(**kw):
    args = dict(surface="valley", optimizer="sgd", steps=5)
    args.update(kw)
    return lambda: simulate(args.pop("surface"), args.pop("optimizer"), **args)


def _batch(**kw):
    args = dict(surface="valley", optimizer="sgd", steps=5)
    args.update(kw)
    return lambda: simulate_batch(args.pop("surface"), args.pop("optimizer"), **args)


BAD_INPUTS = [
    ("lr zero", lambda: make("sgd", lr=0), "Invalid lr: 0.0 (lr must be > 0)"),
    ("lr negative", lambda: make("adam", lr=-0.1), "Invalid lr: -0.1"),
    ("lr nan", lambda: make("adam", lr=float("nan")), "Invalid lr: nan"),
    ("lr inf", lambda: make("adam", lr=float("inf")), "Invalid lr: inf"),
    ("lr text", lambda: make("adam", lr="fast"), "lr must be a number, got 'fast'"),
    ("lr one bad in batch", lambda: make("adam", lr=[0.1, 0.0]), "Invalid lr: [0.1 0. ]"),
    ("beta1 one", lambda: make("adam", beta1=1.0), "Invalid beta1: 1.0 (beta1 must be in [0, 1))"),
    ("beta2 negative", lambda: make("adamw", beta2=-0.1), "Invalid beta2: -0.1"),
    ("beta2 above one", lambda: make("nadam", beta2=1.5), "Invalid beta2: 1.5"),
    ("radam beta1", lambda: make("radam", beta1=1.0), "Invalid beta1: 1.0"),
    ("momentum beta", lambda: make("momentum", beta=1.0), "Invalid beta: 1.0 (beta must be in [0, 1))"),
    ("momentum beta negative", lambda: make("momentum", beta=-0.5), "Invalid beta: -0.5"),
    ("eps negative", lambda: make("adam", eps=-1e-8), "Invalid eps: -1e-08 (eps must be >= 0)"),
    ("adagrad eps", lambda: make("adagrad", eps=-1.0), "Invalid eps: -1.0"),
    ("rmsprop eps", lambda: make("rmsprop", eps=-1.0), "Invalid eps: -1.0"),
    ("rmsprop alpha", lambda: make("rmsprop", alpha=1.0), "Invalid alpha: 1.0 (alpha must be in [0, 1))"),
    ("weight decay negative", lambda: make("sgd", weight_decay=-1), "Invalid weight_decay: -1.0"),
    ("sgd momentum negative", lambda: make("sgd", momentum=-0.9), "Invalid momentum: -0.9"),
    ("adagrad lr_decay", lambda: make("adagrad", lr_decay=-0.1), "Invalid lr_decay: -0.1"),
    ("adagrad accumulator", lambda: make("adagrad", initial_accumulator_value=-1),
     "Invalid initial_accumulator_value: -1.0"),
    ("nadam momentum_decay", lambda: make("nadam", momentum_decay=-1), "Invalid momentum_decay: -1.0"),
    ("nesterov without momentum", lambda: make("sgd", nesterov=True),
     "nesterov=True needs momentum > 0 (momentum=0.0)"),
    ("nesterov zero momentum", lambda: make("nesterov", momentum=0.0),
     "nesterov=True needs momentum > 0"),
    ("nesterov with dampening", lambda: make("sgd", momentum=0.9, nesterov=True, dampening=0.1),
     "nesterov=True needs dampening = 0 (dampening=0.1)"),
    ("boolean as text", lambda: make("adam", amsgrad="yes"), "amsgrad must be true or false, got 'yes'"),
    ("boolean as number", lambda: make("rmsprop", centered=1), "centered must be true or false, got 1"),
    ("unknown optimizer", lambda: make("lion"), "Unknown optimizer 'lion'; choose one of: sgd"),
    ("unknown hyper", lambda: make("adam", betas=(0.9, 0.99)),
     "Unknown hyper-parameter 'betas' for adam; valid: lr, beta1, beta2"),
    ("hyper of another optimizer", lambda: make("momentum", momentum=0.9),
     "Unknown hyper-parameter 'momentum' for momentum; valid: lr, beta"),
    ("nested hyper list", lambda: make("adam", lr=[[0.1, 0.2]]), "lr must be a number or a 1-D list"),
    ("unknown surface", _sim(surface="moon"), "Unknown surface 'moon'; choose one of: rosenbrock"),
    ("unknown optimizer in run", _sim(optimizer="lion"), "Unknown optimizer 'lion'"),
    ("surface options", lambda: get_surface("valley", samples=3), "Surface valley takes no options"),
    ("regression option", lambda: get_surface("regression", batchsize=3),
     "Unknown option 'batchsize' for surface regression"),
    ("regression batch", lambda: get_surface("regression", samples=10, batch_size=11),
     "Invalid batch_size: 11 (must be between 1 and samples=10)"),
    ("regression samples", lambda: get_surface("regression", samples=1), "Invalid samples: 1"),
    ("custom without formula", lambda: get_surface("custom"), "Surface custom needs a formula"),
    ("bad schedule name", _sim(schedule="warmup"), "Unknown schedule 'warmup'; choose one of: constant"),
    ("bad schedule arg", _sim(schedule=("cosine", {"T_max": 10, "eta": 0.1})),
     "Unknown argument 'eta' for schedule cosine; valid: T_max, eta_min"),
    ("missing schedule arg", _sim(schedule="cosine"), "Schedule cosine:"),
    ("schedule T_max zero", _sim(schedule=("cosine", {"T_max": 0})),
     "Invalid T_max: 0 (T_max must be a whole number >= 1)"),
    ("schedule T_max text", _sim(schedule=("cosine", {"T_max": "ten"})),
     "Invalid T_max: 'ten' (T_max must be a number)"),
    ("schedule step_size fraction", _sim(schedule=("step", {"step_size": 2.5})),
     "Invalid step_size: 2.5"),
    ("schedule gamma zero", _sim(schedule=("exponential", {"gamma": 0})),
     "Invalid gamma: 0.0 (gamma must be in (0.0, 1000000.0])"),
    ("schedule start_factor", _sim(schedule=("linear", {"start_factor": 0})),
     "Invalid start_factor: 0.0"),
    ("schedule end_factor", _sim(schedule=("linear", {"end_factor": 1.5})), "Invalid end_factor: 1.5"),
    ("warmup longer than total", _sim(schedule=("warmup_cosine", {"warmup_steps": 10, "total_steps": 10})),
     "Invalid total_steps: 10 (must exceed warmup_steps=10)"),
    ("warmup negative", _sim(schedule=("warmup_cosine", {"warmup_steps": -1, "total_steps": 10})),
     "Invalid warmup_steps: -1"),
    ("eta_min negative", _sim(schedule=("cosine", {"T_max": 10, "eta_min": -1})), "Invalid eta_min: -1.0"),
    ("clip zero", _sim(clip_norm=0.0), "Invalid clip_norm: 0.0 (must be > 0)"),
    ("clip negative", _sim(clip_norm=-1.0), "Invalid clip_norm: -1.0"),
    ("clip nan", _sim(clip_norm=float("nan")), "Invalid clip_norm: nan"),
    ("noise negative", _sim(noise=-0.1), "Invalid noise: -0.1 (sigma must be >= 0)"),
    ("start three numbers", _sim(start=(1.0, 2.0, 3.0)), "start must be a point (x, y)"),
    ("start not finite", _sim(start=(float("nan"), 0.0)), "start must be finite"),
    ("start wrong shape", _batch(start=[[1.0, 2.0, 3.0]]), "start must be a point (x, y) or a list"),
    ("steps negative", _sim(steps=-1), "Invalid steps: -1"),
    ("steps too many", _sim(steps=2_000_000), "Invalid steps: 2000000"),
    ("list in single run", _sim(hyper={"lr": [0.1, 0.2]}), "lr must be a single value here"),
    ("noise list in single run", _sim(noise=[0.1, 0.2]), "noise must be a single value here"),
    ("clip list in single run", _sim(clip_norm=[1.0]), "clip_norm must be a single value here"),
    ("starts in single run", _sim(start=[[0.0, 1.0], [1.0, 2.0]]),
     "start must be a single point (x, y) here"),
    ("seed negative", _sim(noise=0.1, seed=-1), "Invalid seed: -1 (seed must be a whole number >= 0)"),
    ("seed fraction", _sim(noise=0.1, seed=1.5), "Invalid seed: 1.5"),
    ("seed boolean", _sim(seed=True), "Invalid seed: True"),
    ("seed in batch", _batch(hyper={"lr": [0.1, 0.2]}, noise=0.1, seed=[1, -2]), "Invalid seed: -2"),
    ("batch sizes disagree", _batch(hyper={"lr": [0.1, 0.2], "momentum": [0.1, 0.2, 0.3]}),
     "momentum has 3 values but the batch has 2"),
    ("batch start disagrees", _batch(hyper={"lr": [0.1, 0.2]}, start=[[0, 1], [1, 2], [2, 3]]),
     "start has 3 points but the batch has 2"),
    ("batch seeds disagree", _batch(hyper={"lr": [0.1, 0.2]}, noise=0.1, seed=[1, 2, 3]),
     "seed has 3 values but the batch has 2"),
    ("batch nested", _batch(clip_norm=[[1.0, 2.0]]), "clip_norm must be one value or a 1-D list"),
]


@pytest.mark.parametrize("call,message", [pytest.param(c, m, id=i) for i, c, m in BAD_INPUTS])
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)
    assert "\n" not in str(info.value)
