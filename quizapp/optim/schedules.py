"""Learning-rate schedules as ``step -> lr`` functions.

Each factory takes the base rate ``lr`` (a number, or an array of K rates for a
batched run) and returns a function of the step index ``t = 0, 1, 2, ...``: the rate
used by the t-th optimizer step. Each equals ``torch.optim.lr_scheduler``'s value
after ``t`` calls of ``scheduler.step()``:

* ``step``         StepLR:            ``lr * gamma ** (t // step_size)``
* ``exponential``  ExponentialLR:     ``lr * gamma ** t``
* ``cosine``       CosineAnnealingLR: ``eta_min + (lr - eta_min) * (1 + cos(pi t / T_max)) / 2``
* ``linear``       LinearLR:          ``lr * (start + (end - start) * min(t, total) / total)``
* ``warmup_cosine``: linear warmup for ``warmup_steps`` steps, then cosine decay to
  ``eta_min`` at ``total_steps``; held at ``eta_min`` afterwards.

Arguments are checked when the schedule is built (as optax does), so a bad value
fails before any run starts.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

Schedule = Callable[[int], Any]


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"Invalid {name}: {value!r} ({name} must be a number)")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid {name}: {value!r} ({name} must be a number)") from None


def _positive_int(name: str, value: Any) -> int:
    number = _number(name, value)
    if not number.is_integer() or number < 1:
        raise ValueError(f"Invalid {name}: {value!r} ({name} must be a whole number >= 1)")
    return int(number)


def _power(gamma: float, n: int) -> float:
    """``gamma ** n``, or inf where Python's float power would raise OverflowError."""
    try:
        return gamma ** n
    except OverflowError:
        return math.inf


def _in_range(name: str, value: Any, lo: float, hi: float, *, lo_open=False) -> float:
    value = _number(name, value)
    ok = (value > lo if lo_open else value >= lo) and value <= hi
    if not ok or not math.isfinite(value):
        left = "(" if lo_open else "["
        raise ValueError(f"Invalid {name}: {value!r} ({name} must be in {left}{lo}, {hi}])")
    return value


def constant(lr: Any) -> Schedule:
    return lambda t: lr


def step(lr: Any, step_size: int, gamma: float = 0.1) -> Schedule:
    step_size = _positive_int("step_size", step_size)
    gamma = _in_range("gamma", gamma, 0.0, 1e6, lo_open=True)
    return lambda t: lr * _power(gamma, t // step_size)


def exponential(lr: Any, gamma: float) -> Schedule:
    gamma = _in_range("gamma", gamma, 0.0, 1e6, lo_open=True)
    return lambda t: lr * _power(gamma, t)


def cosine(lr: Any, T_max: int, eta_min: float = 0.0) -> Schedule:
    T_max = _positive_int("T_max", T_max)
    eta_min = _in_range("eta_min", eta_min, 0.0, math.inf)
    return lambda t: eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


def linear(lr: Any, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
           total_iters: int = 5) -> Schedule:
    start_factor = _in_range("start_factor", start_factor, 0.0, 1.0, lo_open=True)
    end_factor = _in_range("end_factor", end_factor, 0.0, 1.0)
    total_iters = _positive_int("total_iters", total_iters)

    def schedule(t: int):
        frac = min(t, total_iters) / total_iters
        return lr * (start_factor + (end_factor - start_factor) * frac)

    return schedule


def warmup_cosine(lr: Any, warmup_steps: int, total_steps: int, eta_min: float = 0.0,
                  start_factor: float = 0.0) -> Schedule:
    """Linear warmup from ``start_factor*lr`` to ``lr``, then cosine decay to ``eta_min``."""
    number = _number("warmup_steps", warmup_steps)
    if not number.is_integer() or number < 0:
        raise ValueError(f"Invalid warmup_steps: {warmup_steps!r} (warmup_steps must be a whole number >= 0)")
    warmup_steps = int(number)
    total_steps = _positive_int("total_steps", total_steps)
    if total_steps <= warmup_steps:
        raise ValueError(f"Invalid total_steps: {total_steps!r} (must exceed warmup_steps={warmup_steps})")
    eta_min = _in_range("eta_min", eta_min, 0.0, math.inf)
    start_factor = _in_range("start_factor", start_factor, 0.0, 1.0)

    def schedule(t: int):
        if t < warmup_steps:
            return lr * (start_factor + (1 - start_factor) * t / warmup_steps)
        progress = min(t - warmup_steps, total_steps - warmup_steps) / (total_steps - warmup_steps)
        return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * progress)) / 2

    return schedule


SCHEDULES: dict[str, Callable[..., Schedule]] = {
    "constant": constant,
    "step": step,
    "exponential": exponential,
    "cosine": cosine,
    "linear": linear,
    "warmup_cosine": warmup_cosine,
}


def make(name: str, lr: Any, **args: Any) -> Schedule:
    """Build schedule ``name`` for base rate ``lr``; unknown names and arguments raise ValueError."""
    import inspect

    try:
        factory = SCHEDULES[name]
    except KeyError:
        raise ValueError(f"Unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}") from None
    params = list(inspect.signature(factory).parameters)[1:]
    unknown = sorted(set(args) - set(params))
    if unknown:
        raise ValueError(f"Unknown argument {unknown[0]!r} for schedule {name}; valid: {', '.join(params)}")
    try:
        return factory(lr, **args)
    except TypeError as exc:  # a required argument is missing
        raise ValueError(f"Schedule {name}: {exc}") from None


def values(schedule: Schedule, steps: int) -> np.ndarray:
    """The rates for steps 0..steps-1 as an array (for previews and plots)."""
    return np.array([np.asarray(schedule(t), dtype=float) for t in range(steps)])
