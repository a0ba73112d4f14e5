"""Engine helpers callable from bank formulas.

Each helper works on one scalar coordinate: it puts ``theta`` in a ``(1, 2)`` array
whose second coordinate stays 0, feeds the gradient ``(g, 0)`` to the engine's own
optimizer (``quizapp.optim.make(...).init/update``) or schedule, and reads the first
coordinate back. So a number in a question is the number the simulator computes.

Helpers check their arguments and raise :class:`~quizapp.bank.errors.FormulaError`
with a plain message. Step counts are capped at :data:`MAX_HELPER_STEPS`, and every
evaluation of a formula has a budget of :data:`STEP_BUDGET` helper steps in total, so
no formula can run for long. Results are memoised (the helpers are pure).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from quizapp.bank.errors import FormulaError

MAX_HELPER_STEPS = 5000        # k, t or steps of one helper call
STEP_BUDGET = 20_000           # helper steps in one evaluation of one formula
MAX_SCHEDULE_STEP = 1_000_000  # t of a schedule helper (closed form, no loop)
MAX_ABS = 1e12                 # magnitude limit for helper inputs


class Budget:
    """Counts helper steps used by one formula evaluation."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = STEP_BUDGET

    def reset(self) -> None:
        self.left = STEP_BUDGET

    def charge(self, helper: str, steps: int) -> None:
        self.left -= max(int(steps), 1)
        if self.left < 0:
            raise FormulaError(f"{helper}: this formula asks for more than {STEP_BUDGET} "
                               "optimizer steps in total; use fewer or smaller step counts")


# ------------------------------------------------------------------ argument checks


def _num(helper: str, name: str, value: Any) -> float:
    if isinstance(value, str) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise FormulaError(f"{helper}: {name} must be a number, got {value!r}")
    try:
        v = float(value)
    except OverflowError:
        raise FormulaError(f"{helper}: {name} is too large") from None
    if not math.isfinite(v) or abs(v) > MAX_ABS:
        raise FormulaError(f"{helper}: {name} must be a finite number of size at most 1e12, got {v!r}")
    return v


def _count(helper: str, name: str, value: Any, lo: int = 1, hi: int = MAX_HELPER_STEPS) -> int:
    if isinstance(value, bool) or isinstance(value, str):
        raise FormulaError(f"{helper}: {name} must be a whole number, got {value!r}")
    try:
        ok = float(value).is_integer()
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise FormulaError(f"{helper}: {name} must be a whole number, got {value!r}")
    n = int(value)
    if n < lo or n > hi:
        raise FormulaError(f"{helper}: {name} must be between {lo} and {hi}, got {n}")
    return n


def _name(helper: str, what: str, value: Any) -> str:
    if not isinstance(value, str):
        raise FormulaError(f"{helper}: {what} must be a name in quotes, e.g. \"adam\", got {value!r}")
    return value


def _engine(helper: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except FormulaError:
        raise
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise FormulaError(f"{helper}: {exc}") from None


# ------------------------------------------------------------------ engine runs

_G_INDEX = 0  # the coordinate a helper reads back


def _grad_row(g: float) -> np.ndarray:
    return np.array([[g, 0.0]])


@lru_cache(maxsize=32768)
def _constant_gradient_run(name: str, hyper: tuple, theta: float, g: float, k: int,
                           lr: float) -> tuple[float, float, dict[str, float]]:
    """k updates of optimizer ``name`` with the same gradient g from theta.

    Returns (theta after k-1 steps, theta after k steps, the state's first
    coordinate after k steps as {field: float}).
    """
    from quizapp.optim import make

    opt = make(name, lr=lr, **dict(hyper))
    params = np.array([[theta, 0.0]])
    grads = _grad_row(g)
    state = opt.init(params)
    before = params
    with np.errstate(all="ignore"):
        for _ in range(k):
            before = params
            params, state = opt.update(grads, state, params, lr)
    fields = {name: float(np.asarray(value)[0, _G_INDEX])
              for name, value in state._asdict().items() if name != "count"}
    return float(before[0, _G_INDEX]), float(params[0, _G_INDEX]), fields


@lru_cache(maxsize=32768)
def _quadratic(name: str, hyper: tuple, theta: float, curvature: float, lr: float, k: int) -> float:
    from quizapp.optim import make

    opt = make(name, lr=lr, **dict(hyper))
    params = np.array([[theta, 0.0]])
    state = opt.init(params)
    with np.errstate(all="ignore"):
        for _ in range(k):
            params, state = opt.update(curvature * params, state, params, lr)
    return float(params[0, _G_INDEX])


@lru_cache(maxsize=4096)
def _simulate(surface: str, optimizer: str, lr: float, steps: int, x0: float, y0: float):
    from quizapp.optim import simulate

    run = simulate(surface, optimizer, steps=steps, start=(x0, y0), hyper={"lr": lr})
    return float(run.loss[-1]), float(run.path[-1, 0]), float(run.path[-1, 1])


def _state(state: dict[str, float], field: str) -> float:
    return state[field]


# ------------------------------------------------------------------ the helpers
# Each takes the evaluation Budget as first argument; formulas.py binds it.


def steps_per_epoch(budget: Budget, samples, batch_size) -> int:
    from quizapp.optim import steps_per_epoch as spe

    h = "steps_per_epoch"
    n = _count(h, "samples", samples, 1, 10**12)
    b = _count(h, "batch_size", batch_size, 1, 10**12)
    return int(_engine(h, lambda: spe(n, b)))


def bias_correction(budget: Budget, beta, t) -> float:
    """1 - beta**t, read from the engine: Adam's raw first moment after t gradients of 1."""
    h = "bias_correction"
    beta = _num(h, "beta", beta)
    t = _count(h, "t", t)
    budget.charge(h, t)
    _, _, state = _engine(h, lambda: _constant_gradient_run("adam", (("beta1", beta),), 0.0, 1.0, t, 1.0))
    return _state(state, "exp_avg")


def sgd_step(budget: Budget, theta, g, lr, weight_decay=0) -> float:
    h = "sgd_step"
    theta, g, lr = _num(h, "theta", theta), _num(h, "g", g), _num(h, "lr", lr)
    wd = _num(h, "weight_decay", weight_decay)
    budget.charge(h, 1)
    _, after, _ = _engine(h, lambda: _constant_gradient_run("sgd", (("weight_decay", wd),), theta, g, 1, lr))
    return after


def momentum_velocity(budget: Budget, g, beta, k) -> float:
    h = "momentum_velocity"
    g, beta, k = _num(h, "g", g), _num(h, "beta", beta), _count(h, "k", k)
    budget.charge(h, k)
    _, _, state = _engine(h, lambda: _constant_gradient_run("momentum", (("beta", beta),), 0.0, g, k, 1.0))
    return _state(state, "velocity")


def momentum_position(budget: Budget, theta, g, lr, beta, k) -> float:
    h = "momentum_position"
    theta, g, lr = _num(h, "theta", theta), _num(h, "g", g), _num(h, "lr", lr)
    beta, k = _num(h, "beta", beta), _count(h, "k", k)
    budget.charge(h, k)
    _, after, _ = _engine(h, lambda: _constant_gradient_run("momentum", (("beta", beta),), theta, g, k, lr))
    return after


def sgd_momentum_buffer(budget: Budget, g, momentum, k, dampening=0) -> float:
    h = "sgd_momentum_buffer"
    g, m, k = _num(h, "g", g), _num(h, "momentum", momentum), _count(h, "k", k)
    d = _num(h, "dampening", dampening)
    if m <= 0:
        raise FormulaError(f"{h}: momentum must be > 0 (torch keeps no buffer without momentum)")
    budget.charge(h, k)
    _, _, state = _engine(h, lambda: _constant_gradient_run(
        "sgd", (("momentum", m), ("dampening", d)), 0.0, g, k, 1.0))
    return _state(state, "momentum_buffer")


def quadratic_run(budget: Budget, optimizer, theta, curvature, lr, k, **hyper) -> float:
    h = "quadratic_run"
    name = _name(h, "optimizer", optimizer)
    theta, c, lr = _num(h, "theta", theta), _num(h, "curvature", curvature), _num(h, "lr", lr)
    k = _count(h, "k", k, 0)
    clean = []
    for key, value in sorted(hyper.items()):
        if isinstance(value, bool):
            clean.append((key, value))
        else:
            clean.append((key, _num(h, key, value)))
    budget.charge(h, k)
    return _engine(h, lambda: _quadratic(name, tuple(clean), theta, c, lr, k))


def _adam_moments(h: str, budget: Budget, g, beta1, beta2, t):
    t = _count(h, "t", t)
    budget.charge(h, t)
    _, _, state = _engine(h, lambda: _constant_gradient_run(
        "adam", (("beta1", beta1), ("beta2", beta2)), 0.0, g, t, 1.0))
    return state, t


def adam_m(budget: Budget, g, beta1, t) -> float:
    h = "adam_m"
    state, _ = _adam_moments(h, budget, _num(h, "g", g), _num(h, "beta1", beta1), 0.999, t)
    return _state(state, "exp_avg")


def adam_v(budget: Budget, g, beta2, t) -> float:
    h = "adam_v"
    state, _ = _adam_moments(h, budget, _num(h, "g", g), 0.9, _num(h, "beta2", beta2), t)
    return _state(state, "exp_avg_sq")


def adam_m_hat(budget: Budget, g, beta1, t) -> float:
    h = "adam_m_hat"
    beta1 = _num(h, "beta1", beta1)
    state, t = _adam_moments(h, budget, _num(h, "g", g), beta1, 0.999, t)
    return _state(state, "exp_avg") / (1 - beta1 ** t)


def adam_v_hat(budget: Budget, g, beta2, t) -> float:
    h = "adam_v_hat"
    beta2 = _num(h, "beta2", beta2)
    state, t = _adam_moments(h, budget, _num(h, "g", g), 0.9, beta2, t)
    return _state(state, "exp_avg_sq") / (1 - beta2 ** t)


def adam_step(budget: Budget, g, lr, beta1=0.9, beta2=0.999, eps=1e-8, t=1) -> float:
    h = "adam_step"
    g, lr = _num(h, "g", g), _num(h, "lr", lr)
    hyper = (("beta1", _num(h, "beta1", beta1)), ("beta2", _num(h, "beta2", beta2)),
             ("eps", _num(h, "eps", eps)))
    t = _count(h, "t", t)
    budget.charge(h, t)
    before, after, _ = _engine(h, lambda: _constant_gradient_run("adam", hyper, 0.0, g, t, lr))
    return abs(after - before)


def _first_decayed_step(h: str, optimizer: str, budget: Budget, theta, g, lr, weight_decay,
                        beta1, beta2, eps) -> float:
    """θ after one step of ``optimizer`` with weight decay (decoupled for adamw, L2 for adam)."""
    theta, g, lr = _num(h, "theta", theta), _num(h, "g", g), _num(h, "lr", lr)
    hyper = (("weight_decay", _num(h, "weight_decay", weight_decay)),
             ("beta1", _num(h, "beta1", beta1)), ("beta2", _num(h, "beta2", beta2)),
             ("eps", _num(h, "eps", eps)))
    budget.charge(h, 1)
    _, after, _ = _engine(h, lambda: _constant_gradient_run(optimizer, hyper, theta, g, 1, lr))
    return after


def adamw_step(budget: Budget, theta, g, lr, weight_decay=0.01, beta1=0.9, beta2=0.999,
               eps=1e-8) -> float:
    return _first_decayed_step("adamw_step", "adamw", budget, theta, g, lr, weight_decay,
                               beta1, beta2, eps)


def adam_l2_step(budget: Budget, theta, g, lr, weight_decay, beta1=0.9, beta2=0.999,
                 eps=1e-8) -> float:
    return _first_decayed_step("adam_l2_step", "adam", budget, theta, g, lr, weight_decay,
                               beta1, beta2, eps)


def adagrad_effective_lr(budget: Budget, lr, g, k, eps=1e-10) -> float:
    h = "adagrad_effective_lr"
    lr, g, k, eps = _num(h, "lr", lr), _num(h, "g", g), _count(h, "k", k), _num(h, "eps", eps)
    budget.charge(h, k)
    _, _, state = _engine(h, lambda: _constant_gradient_run("adagrad", (("eps", eps),), 0.0, g, k, lr))
    denom = math.sqrt(_state(state, "sum")) + eps
    if denom == 0:
        raise FormulaError(f"{h}: the denominator is 0 (g = 0 and eps = 0)")
    return lr / denom


def adagrad_step(budget: Budget, g, lr, k, eps=1e-10) -> float:
    h = "adagrad_step"
    g, lr, k, eps = _num(h, "g", g), _num(h, "lr", lr), _count(h, "k", k), _num(h, "eps", eps)
    budget.charge(h, k)
    before, after, _ = _engine(h, lambda: _constant_gradient_run("adagrad", (("eps", eps),), 0.0, g, k, lr))
    return abs(after - before)


def _rmsprop(h: str, budget: Budget, g, alpha, k, eps, lr=1.0):
    g, alpha, k, eps = _num(h, "g", g), _num(h, "alpha", alpha), _count(h, "k", k), _num(h, "eps", eps)
    lr = _num(h, "lr", lr)
    budget.charge(h, k)
    return _engine(h, lambda: _constant_gradient_run(
        "rmsprop", (("alpha", alpha), ("eps", eps)), 0.0, g, k, lr))


def rmsprop_square_avg(budget: Budget, g, alpha, k) -> float:
    _, _, state = _rmsprop("rmsprop_square_avg", budget, g, alpha, k, 1e-8)
    return _state(state, "square_avg")


def rmsprop_denominator(budget: Budget, g, alpha, k, eps=1e-8) -> float:
    h = "rmsprop_denominator"
    _, _, state = _rmsprop(h, budget, g, alpha, k, eps)
    return math.sqrt(_state(state, "square_avg")) + _num(h, "eps", eps)


def rmsprop_step(budget: Budget, g, lr, alpha, k, eps=1e-8) -> float:
    before, after, _ = _rmsprop("rmsprop_step", budget, g, alpha, k, eps, lr)
    return abs(after - before)


def clip_coef(budget: Budget, norm, max_norm) -> float:
    from quizapp.optim.simulate import CLIP_EPS

    h = "clip_coef"
    norm, max_norm = _num(h, "norm", norm), _num(h, "max_norm", max_norm)
    if norm < 0 or max_norm <= 0:
        raise FormulaError(f"{h}: norm must be >= 0 and max_norm > 0")
    return min(1.0, max_norm / (norm + CLIP_EPS))


def clipped_norm(budget: Budget, gx, gy, max_norm) -> float:
    """Clip the gradient (gx, gy) exactly as the simulator does and return its norm."""
    from quizapp.optim.simulate import CLIP_EPS

    h = "clipped_norm"
    gx, gy, max_norm = _num(h, "gx", gx), _num(h, "gy", gy), _num(h, "max_norm", max_norm)
    if max_norm <= 0:
        raise FormulaError(f"{h}: max_norm must be > 0")
    grads = np.array([[gx, gy]])
    norm = np.sqrt(np.sum(grads * grads, axis=1, keepdims=True))
    clipped = grads * np.minimum(max_norm / (norm + CLIP_EPS), 1.0)
    return float(np.sqrt(np.sum(clipped * clipped)))


def _schedule(h: str, name: str, lr, t, **args) -> float:
    from quizapp.optim import schedules

    lr = _num(h, "lr", lr)
    t = _count(h, "t", t, 0, MAX_SCHEDULE_STEP)
    return float(_engine(h, lambda: schedules.make(name, lr, **args)(t)))


def step_lr(budget: Budget, lr, t, step_size, gamma) -> float:
    h = "step_lr"
    return _schedule(h, "step", lr, t, step_size=_count(h, "step_size", step_size, 1, 10**9),
                     gamma=_num(h, "gamma", gamma))


def exponential_lr(budget: Budget, lr, t, gamma) -> float:
    h = "exponential_lr"
    return _schedule(h, "exponential", lr, t, gamma=_num(h, "gamma", gamma))


def cosine_lr(budget: Budget, lr, t, T_max, eta_min=0) -> float:
    h = "cosine_lr"
    return _schedule(h, "cosine", lr, t, T_max=_count(h, "T_max", T_max, 1, 10**9),
                     eta_min=_num(h, "eta_min", eta_min))


def linear_lr(budget: Budget, lr, t, start_factor, end_factor, total_iters) -> float:
    h = "linear_lr"
    return _schedule(h, "linear", lr, t, start_factor=_num(h, "start_factor", start_factor),
                     end_factor=_num(h, "end_factor", end_factor),
                     total_iters=_count(h, "total_iters", total_iters, 1, 10**9))


def warmup_cosine_lr(budget: Budget, lr, t, warmup_steps, total_steps, eta_min=0) -> float:
    h = "warmup_cosine_lr"
    return _schedule(h, "warmup_cosine", lr, t,
                     warmup_steps=_count(h, "warmup_steps", warmup_steps, 0, 10**9),
                     total_steps=_count(h, "total_steps", total_steps, 1, 10**9),
                     eta_min=_num(h, "eta_min", eta_min))


def _simulated(h: str, budget: Budget, surface, optimizer, lr, steps, x0, y0):
    from quizapp.optim import SURFACE_NAMES

    surface = _name(h, "surface", surface)
    optimizer = _name(h, "optimizer", optimizer)
    if surface not in SURFACE_NAMES:
        raise FormulaError(f"{h}: unknown surface {surface!r}; choose one of: {', '.join(SURFACE_NAMES)}")
    lr, x0, y0 = _num(h, "lr", lr), _num(h, "x0", x0), _num(h, "y0", y0)
    steps = _count(h, "steps", steps, 0)
    budget.charge(h, steps)
    return _engine(h, lambda: _simulate(surface, optimizer, lr, steps, x0, y0))


def simulate_loss(budget: Budget, surface, optimizer, lr, steps, x0, y0) -> float:
    return _simulated("simulate_loss", budget, surface, optimizer, lr, steps, x0, y0)[0]


def simulate_x(budget: Budget, surface, optimizer, lr, steps, x0, y0) -> float:
    return _simulated("simulate_x", budget, surface, optimizer, lr, steps, x0, y0)[1]


def simulate_y(budget: Budget, surface, optimizer, lr, steps, x0, y0) -> float:
    return _simulated("simulate_y", budget, surface, optimizer, lr, steps, x0, y0)[2]


#: name -> helper(budget, *args, **kwargs); the public names formulas may call.
ENGINE_HELPERS: dict[str, Callable[..., Any]] = {
    f.__name__: f for f in (
        steps_per_epoch, bias_correction, sgd_step, momentum_velocity, momentum_position,
        sgd_momentum_buffer, quadratic_run, adam_m_hat, adam_v_hat, adam_m, adam_v, adam_step,
        adamw_step, adam_l2_step, adagrad_effective_lr, adagrad_step, rmsprop_square_avg,
        rmsprop_denominator, rmsprop_step, clip_coef, clipped_norm, step_lr, exponential_lr,
        cosine_lr, linear_lr, warmup_cosine_lr, simulate_loss, simulate_x, simulate_y,
    )
}


# ------------------------------------------------------------------ training-lab runs
# Tiny networks trained live by the training lab's engine (quizapp.optim.train) on the
# "bank moons": 100 noisy moons points (noise 0.35) from the seed, 80 for training and
# 20 for validation, a relu MLP and plain minibatches. Each run is charged its number of
# optimizer steps times (1 + weights // 256), so a big network costs more.

LAB_MOONS = {"n": 100, "noise": 0.35}
MAX_LAB_EPOCHS = 200


@lru_cache(maxsize=1024)
def _lab_run(optimizer: str, lr: float, epochs: int, seed: int, batch_size: int, hidden: int,
             depth: int, init_scale: float, weight_decay: float, momentum: float,
             clip_norm: float, patience: int) -> dict[str, Any]:
    from quizapp.optim.train import LaneSpec, Trainer, TrainSpec

    hyper = {}
    if weight_decay:
        hyper["weight_decay"] = weight_decay
    if momentum:
        hyper["momentum" if optimizer != "momentum" else "beta"] = momentum
    spec = TrainSpec(dataset="moons", dataset_params=LAB_MOONS, hidden=(hidden,) * depth,
                     init_scale=init_scale, batch_size=batch_size, epochs=epochs, seed=seed,
                     early_stop=patience or None)
    lane = LaneSpec(optimizer, lr=lr, hyper=hyper, clip_norm=clip_norm or None)
    t = Trainer(spec, [lane]).run()
    h = t.history
    e = int(h.epochs_done[0])
    val = h.val_loss[0, :e]
    return {
        "val_loss": float(val[-1]) if e else math.nan,
        "train_loss": float(h.train_loss[0, e - 1]) if e else math.nan,
        "val_accuracy": float(h.val_accuracy[0, e - 1]) if e else math.nan,
        "best_epoch": h.best_epoch[0] or 0,
        "best_val_loss": float(np.nanmin(val)) if e else math.nan,
        "stop_epoch": h.early_stopped_epoch[0] or e,
        "diverged_step": h.diverged_step[0] or 0,
        "first_grad_norm": float(h.grad_norm[0, 0]),
        "steps_per_epoch": t.steps_per_epoch,
    }


def _lab(h: str, budget: Budget, optimizer, lr, epochs, seed=0, batch_size=16, hidden=8, depth=1,
         init_scale=1, weight_decay=0, momentum=0, clip_norm=0, patience=0) -> dict[str, Any]:
    from quizapp.optim import OPTIMIZERS

    optimizer = _name(h, "optimizer", optimizer)
    if optimizer not in OPTIMIZERS:
        raise FormulaError(f"{h}: unknown optimizer {optimizer!r}; choose one of: {', '.join(OPTIMIZERS)}")
    lr = _num(h, "lr", lr)
    epochs = _count(h, "epochs", epochs, 1, MAX_LAB_EPOCHS)
    seed = _count(h, "seed", seed, 0, 2**31 - 1)
    batch_size = _count(h, "batch_size", batch_size, 1, 80)
    hidden = _count(h, "hidden", hidden, 1, 64)
    depth = _count(h, "depth", depth, 1, 3)
    init_scale = _num(h, "init_scale", init_scale)
    weight_decay, momentum = _num(h, "weight_decay", weight_decay), _num(h, "momentum", momentum)
    clip_norm = _num(h, "clip_norm", clip_norm)
    patience = _count(h, "patience", patience, 0, MAX_LAB_EPOCHS)
    steps = epochs * -(-80 // batch_size)
    weights = 3 * hidden + (depth - 1) * (hidden * hidden + hidden) + 2 * hidden + 2
    budget.charge(h, steps * (1 + weights // 256))  # a bigger network costs more per step
    return _engine(h, lambda: _lab_run(optimizer, lr, epochs, seed, batch_size, hidden, depth,
                                       init_scale, weight_decay, momentum, clip_norm, patience))


def train_val_loss(budget: Budget, optimizer, lr, epochs, seed=0, batch_size=16, hidden=8, depth=1, init_scale=1, weight_decay=0, momentum=0, clip_norm=0) -> float:
    """Validation loss after ``epochs`` epochs on the bank moons."""
    return _lab("train_val_loss", budget, optimizer, lr, epochs, seed=seed, batch_size=batch_size, hidden=hidden, depth=depth, init_scale=init_scale, weight_decay=weight_decay, momentum=momentum, clip_norm=clip_norm)["val_loss"]


def train_loss(budget: Budget, optimizer, lr, epochs, seed=0, batch_size=16, hidden=8, depth=1, init_scale=1, weight_decay=0, momentum=0, clip_norm=0) -> float:
    """Loss on the whole training split after ``epochs`` epochs on the bank moons."""
    return _lab("train_loss", budget, optimizer, lr, epochs, seed=seed, batch_size=batch_size, hidden=hidden, depth=depth, init_scale=init_scale, weight_decay=weight_decay, momentum=momentum, clip_norm=clip_norm)["train_loss"]


def train_val_accuracy(budget: Budget, optimizer, lr, epochs, seed=0, batch_size=16, hidden=8, depth=1, init_scale=1, weight_decay=0, momentum=0, clip_norm=0) -> float:
    """Validation accuracy (0..1) after ``epochs`` epochs on the bank moons."""
    return _lab("train_val_accuracy", budget, optimizer, lr, epochs, seed=seed, batch_size=batch_size, hidden=hidden, depth=depth, init_scale=init_scale, weight_decay=weight_decay, momentum=momentum, clip_norm=clip_norm)["val_accuracy"]


def best_val_epoch(budget: Budget, optimizer, lr, epochs, seed=0, batch_size=16, hidden=8, depth=1, init_scale=1, weight_decay=0, momentum=0, clip_norm=0) -> int:
    """The epoch (1-based) with the lowest validation loss."""
    return _lab("best_val_epoch", budget, optimizer, lr, epochs, seed=seed, batch_size=batch_size, hidden=hidden, depth=depth, init_scale=init_scale, weight_decay=weight_decay, momentum=momentum, clip_norm=clip_norm)["best_epoch"]


def best_val_loss(budget: Budget, optimizer, lr, epochs, seed=0, batch_size=16, hidden=8, depth=1, init_scale=1, weight_decay=0, momentum=0, clip_norm=0) -> float:
    """The lowest validation loss over the epochs."""
    return _lab("best_val_loss", budget, optimizer, lr, epochs, seed=seed, batch_size=batch_size, hidden=hidden, depth=depth, init_scale=init_scale, weight_decay=weight_decay, momentum=momentum, clip_norm=clip_norm)["best_val_loss"]


def early_stop_epoch(budget: Budget, optimizer, lr, epochs, patience, seed=0, batch_size=16, hidden=8, depth=1, init_scale=1, weight_decay=0, momentum=0, clip_norm=0) -> int:
    """The epoch after which early stopping with ``patience`` halts (``epochs`` if never)."""
    h = "early_stop_epoch"
    patience = _count(h, "patience", patience, 1, MAX_LAB_EPOCHS)
    return _lab(h, budget, optimizer, lr, epochs, patience=patience, seed=seed, batch_size=batch_size, hidden=hidden, depth=depth, init_scale=init_scale, weight_decay=weight_decay, momentum=momentum, clip_norm=clip_norm)["stop_epoch"]


def diverged_step(budget: Budget, optimizer, lr, epochs, seed=0, batch_size=16, hidden=8, depth=1, init_scale=1, weight_decay=0, momentum=0, clip_norm=0) -> int:
    """The 1-based step whose minibatch loss was not finite, or 0 if the run never diverged."""
    return _lab("diverged_step", budget, optimizer, lr, epochs, seed=seed, batch_size=batch_size, hidden=hidden, depth=depth, init_scale=init_scale, weight_decay=weight_decay, momentum=momentum, clip_norm=clip_norm)["diverged_step"]


def first_grad_norm(budget: Budget, seed=0, init_scale=1, hidden=8, depth=1, batch_size=16) -> float:
    """Global gradient norm of the very first minibatch (all parameters, before clipping)."""
    return _lab("first_grad_norm", budget, "sgd", 0.1, 1, seed=seed, init_scale=init_scale,
                hidden=hidden, depth=depth, batch_size=batch_size)["first_grad_norm"]


def clip_coef_first_step(budget: Budget, clip_norm, seed=0, init_scale=1, hidden=8, depth=1,
                         batch_size=16) -> float:
    """The factor clipping at ``clip_norm`` applies to the first minibatch gradient."""
    h = "clip_coef_first_step"
    clip_norm = _num(h, "clip_norm", clip_norm)
    if clip_norm <= 0:
        raise FormulaError(f"{h}: clip_norm must be > 0, got {clip_norm!r}")
    norm = first_grad_norm(budget, seed=seed, init_scale=init_scale, hidden=hidden, depth=depth,
                           batch_size=batch_size)
    return min(1.0, clip_norm / (norm + 1e-6))


ENGINE_HELPERS.update({
    f.__name__: f for f in (
        train_val_loss, train_loss, train_val_accuracy, best_val_epoch, best_val_loss,
        early_stop_epoch, diverged_step, first_grad_norm, clip_coef_first_step,
    )
})
