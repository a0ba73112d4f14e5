"""Every engine helper against an independent hand computation (plain arithmetic)."""
import math

import pytest

from quizapp.bank import FormulaError, evaluate_text


def ev(text, **names):
    return evaluate_text(text, names)


def close(a, b, rel=1e-12, abs_=1e-15):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def test_steps_per_epoch():
    assert ev("steps_per_epoch(64, 16)") == 4
    assert ev("steps_per_epoch(65, 16)") == 5  # a last, smaller batch is still a step
    assert ev("steps_per_epoch(n, b)", n=1000, b=32) == 32


def test_bias_correction():
    assert close(ev("bias_correction(0.9, 3)"), 1 - 0.9 * 0.9 * 0.9)
    assert close(ev("bias_correction(0.999, 1)"), 0.001, rel=1e-9)


def test_sgd_step():
    assert close(ev("sgd_step(1.0, 2.0, 0.1)"), 1.0 - 0.1 * 2.0)
    # weight decay folded into the gradient: theta - lr*(g + wd*theta)
    assert close(ev("sgd_step(1.0, 2.0, 0.1, weight_decay=0.5)"), 1.0 - 0.1 * (2.0 + 0.5 * 1.0))


def test_momentum_velocity_and_position():
    v, vs = 0.0, []
    for _ in range(3):
        v = 0.9 * v + 0.1 * 2.0
        vs.append(v)
    assert close(ev("momentum_velocity(2, 0.9, 3)"), vs[-1])
    assert close(vs[-1], (1 - 0.9 ** 3) * 2)
    assert close(ev("momentum_position(1, 2, 0.1, 0.9, 3)"), 1 - 0.1 * (0.2 + 0.38 + 0.542))


def test_sgd_momentum_buffer_torch_convention():
    assert close(ev("sgd_momentum_buffer(2, 0.9, 1)"), 2.0)           # buffer starts at g
    assert close(ev("sgd_momentum_buffer(2, 0.9, 3)"), 0.9 * (0.9 * 2 + 2) + 2)
    assert close(ev("sgd_momentum_buffer(2, 0.9, 3, dampening=0.5)"), 0.9 * (0.9 * 2 + 1) + 1)
    with pytest.raises(FormulaError, match="momentum must be > 0"):
        ev("sgd_momentum_buffer(2, 0, 3)")


def test_quadratic_run_each_optimizer():
    # f = c/2 theta^2, gradient c*theta
    assert close(ev('quadratic_run("sgd", 1, 2, 0.1, 3)'), 0.8 ** 3)
    # chapter momentum
    th, v = 1.0, 0.0
    for _ in range(2):
        v = 0.9 * v + 0.1 * (2 * th)
        th -= 0.1 * v
    assert close(ev('quadratic_run("momentum", 1, 2, 0.1, 2, beta=0.9)'), th)
    # torch nesterov: buf = g then momentum*buf + g; direction g + momentum*buf
    th, buf = 1.0, None
    for _ in range(2):
        g = 2 * th
        buf = g if buf is None else 0.9 * buf + g
        th -= 0.1 * (g + 0.9 * buf)
    assert close(ev('quadratic_run("nesterov", 1, 2, 0.1, 2, momentum=0.9)'), th)
    assert close(th, 0.2224)
    # adam's first step has size lr
    assert close(ev('quadratic_run("adam", 1, 2, 0.1, 1)'), 1 - 0.1 * 2 / (2 + 1e-8))
    # adagrad two steps
    th, s = 1.0, 0.0
    for _ in range(2):
        g = 2 * th
        s += g * g
        th -= 0.1 * g / (math.sqrt(s) + 1e-10)
    assert close(ev('quadratic_run("adagrad", 1, 2, 0.1, 2)'), th)
    # rmsprop one step, alpha 0.9
    assert close(ev('quadratic_run("rmsprop", 1, 2, 0.01, 1, alpha=0.9)'),
                 1 - 0.01 * 2 / (math.sqrt(0.1 * 4) + 1e-8))
    assert ev('quadratic_run("sgd", 1.5, 2, 0.1, 0)') == 1.5


def test_adam_moments():
    assert close(ev("adam_m(2, 0.9, 2)"), 0.9 * 0.2 + 0.1 * 2)
    assert close(ev("adam_v(2, 0.999, 2)"), 0.999 * 0.004 + 0.001 * 4, rel=1e-10)
    assert close(ev("adam_m_hat(2, 0.9, 2)"), 2.0, rel=1e-12)
    assert close(ev("adam_v_hat(2, 0.999, 2)"), 4.0, rel=1e-9)
    assert close(ev("adam_m_hat(-3, 0.8, 7)"), -3.0, rel=1e-12)


def test_adam_step_is_about_lr():
    # the chapter's example: eta = 0.001, g = 20 -> first step 0.001 (the answer 0.02 is lr*g for SGD)
    assert close(ev("adam_step(20, 0.001)"), 0.001 * 20 / (20 + 1e-8))
    assert close(ev("adam_step(0.5, 0.01, t=5)"), 0.01 * 0.5 / (0.5 + 1e-8), rel=1e-9)
    assert close(ev("adam_step(2, 0.1, eps=1)"), 0.1 * 2 / (2 + 1))


def test_adamw_and_adam_l2():
    # AdamW: shrink theta by (1 - lr*wd), then the Adam step of size lr*g/(|g|+eps)
    assert close(ev("adamw_step(1.0, 2.0, 0.1, weight_decay=0.1)"),
                 1.0 * (1 - 0.1 * 0.1) - 0.1 * 2 / (2 + 1e-8))
    assert close(ev("adamw_step(1.0, 2.0, 0.1)"), 1.0 * (1 - 0.1 * 0.01) - 0.1 * 2 / (2 + 1e-8))
    # Adam + L2: the decay joins the gradient and is normalised away on the first step
    assert close(ev("adam_l2_step(1.0, 2.0, 0.1, 0.5)"), 1.0 - 0.1 * 2.5 / (2.5 + 1e-8))


def test_adagrad():
    assert close(ev("adagrad_effective_lr(0.1, 2, 4)"), 0.1 / (math.sqrt(4 * 4) + 1e-10))
    assert close(ev("adagrad_step(2, 0.1, 4)"), 0.1 * 2 / (math.sqrt(16) + 1e-10), rel=1e-9)
    assert close(ev("adagrad_step(2, 0.1, 1)"), 0.1 * 2 / (2 + 1e-10))


def test_rmsprop():
    assert close(ev("rmsprop_square_avg(2, 0.9, 2)"), 0.9 * (0.1 * 4) + 0.1 * 4)
    assert close(ev("rmsprop_denominator(2, 0.9, 2)"), math.sqrt(0.76) + 1e-8)
    assert close(ev("rmsprop_step(2, 0.01, 0.9, 2)"), 0.01 * 2 / (math.sqrt(0.76) + 1e-8), rel=1e-9)


def test_clipping():
    assert close(ev("clip_coef(10, 5)"), 5 / (10 + 1e-6))
    assert ev("clip_coef(1, 5)") == 1.0
    assert close(ev("clipped_norm(3, 4, 1)"), 5 * 1 / (5 + 1e-6))
    assert close(ev("clipped_norm(3, 4, 100)"), 5.0)


def test_schedules():
    assert close(ev("step_lr(0.1, 25, 10, 0.5)"), 0.1 * 0.5 ** 2)
    assert close(ev("exponential_lr(0.1, 3, 0.5)"), 0.1 * 0.125)
    assert close(ev("cosine_lr(0.1, 50, 100)"), 0.05)
    assert close(ev("cosine_lr(0.1, 50, 100, eta_min=0.01)"), 0.01 + 0.09 * 0.5)
    assert close(ev("linear_lr(0.1, 2, 0.5, 1.0, 4)"), 0.1 * (0.5 + 0.5 * 2 / 4))
    assert ev("warmup_cosine_lr(0.1, 0, 10, 110)") == 0.0          # warmup starts at 0
    assert close(ev("warmup_cosine_lr(0.1, 5, 10, 110)"), 0.05)
    assert close(ev("warmup_cosine_lr(0.1, 10, 10, 110)"), 0.1)
    assert close(ev("warmup_cosine_lr(0.1, 60, 10, 110)"), 0.05)


def test_simulate_helpers_on_booth():
    # one SGD step on booth from (0, 0): gradient (2(-7) + 4(-5), 4(-7) + 2(-5)) = (-34, -38)
    x, y = 0.0 + 0.01 * 34, 0.0 + 0.01 * 38
    loss = (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2
    assert close(ev('simulate_x("booth", "sgd", 0.01, 1, 0, 0)'), x)
    assert close(ev('simulate_y("booth", "sgd", 0.01, 1, 0, 0)'), y)
    assert close(ev('simulate_loss("booth", "sgd", 0.01, 1, 0, 0)'), loss, rel=1e-12)
    assert close(ev('simulate_loss("booth", "adam", 0.01, 0, 1, 3)'), 0.0)


@pytest.mark.parametrize("text, words", [
    ("momentum_velocity(2, 0.9, 5001)", "between 1 and 5000"),
    ('simulate_loss("booth", "sgd", 0.01, 10**6, 0, 0)', "between 0 and 5000"),
    ('simulate_loss("nowhere", "sgd", 0.01, 1, 0, 0)', "unknown surface"),
    ('simulate_loss("booth", "lbfgs", 0.01, 1, 0, 0)', "Unknown optimizer"),
    ("adam_step(2, 0.1, t=2.5)", "whole number"),
    ('adam_step("x", 0.1)', "must be a number"),
    ("momentum_velocity(2, 1.5, 3)", "beta"),
    ('quadratic_run("sgd", 1, 2, 0.1, 3, betas=1)', "Unknown hyper-parameter"),
    ("step_lr(0.1, -1, 10, 0.5)", "between 0"),
])
def test_helpers_reject_bad_arguments(text, words):
    with pytest.raises(FormulaError, match=words):
        ev(text)


def test_step_budget_per_formula():
    # each call is within the per-call cap, but together they exceed the per-formula budget
    text = " + ".join(['simulate_loss("booth", "sgd", 0.001, 5000, 0, 0)'] * 5)
    with pytest.raises(FormulaError, match="optimizer steps in total"):
        ev(text)
