"""Runs: one optimizer configuration, or K of them at once, on a surface.

The engine always works on K rows at a time; :func:`simulate` is the K = 1 case and
:func:`simulate_batch` the general one (an LR sweep is K learning rates, a
start-point grid is K start points). Each row follows exactly the arithmetic it
would follow alone, so a batched run equals K separate runs.

A step is: gradient (of the minibatch, for ``regression``) -> plus Gaussian noise
``sigma * N(0, 1)`` from the run's seed -> clipped by global norm as
``torch.nn.utils.clip_grad_norm_`` does -> optimizer update with the scheduled rate.
A row stops at the first step whose parameters are not finite or exceed 1e10 in
absolute value: ``diverged_at`` is the number of steps taken then, and that point is
the last one of the trajectory.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from quizapp.optim import optimizers as _opt
from quizapp.optim import schedules as _sched
from quizapp.optim.surfaces import Surface, get as get_surface

DIVERGENCE_LIMIT = 1e10
CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_ adds this to the norm

ScheduleSpec = Any  # None | "name" | ("name", {args}) | {"name":..., "args":...} | callable(lr) -> Schedule


@dataclass
class Run:
    """One trajectory. ``path[i]`` is the point after i steps; ``lr[t]`` the rate of step t."""

    path: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    diverged_at: int | None
    states: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return len(self.path) - 1

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def to_json(self) -> dict[str, Any]:
        return {
            "path": [[_num(x), _num(y)] for x, y in self.path],
            "loss": [_num(v) for v in self.loss],
            "lr": [_num(v) for v in self.lr],
            "diverged_at": self.diverged_at,
        }


def _num(v: float) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


@dataclass
class BatchRun:
    """K trajectories as arrays; rows after a divergence are NaN."""

    path: np.ndarray  # (K, steps+1, 2)
    loss: np.ndarray  # (K, steps+1)
    lr: np.ndarray  # (K, steps)
    diverged_at: np.ndarray  # (K,), -1 where the row never diverged
    states: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (K, steps, ...)

    @property
    def size(self) -> int:
        return self.path.shape[0]

    def final_loss(self) -> np.ndarray:
        """The loss at each row's last point (its divergence point for a diverged row)."""
        rows = np.arange(self.size)
        last = np.where(self.diverged_at >= 0, self.diverged_at, self.path.shape[1] - 1)
        return self.loss[rows, last]

    def row(self, k: int) -> Run:
        d = int(self.diverged_at[k])
        n = d + 1 if d >= 0 else self.path.shape[1]
        states = {name: arr[k, : n - 1] for name, arr in self.states.items()}
        return Run(self.path[k, :n].copy(), self.loss[k, :n].copy(), self.lr[k, : n - 1].copy(),
                   d if d >= 0 else None, states)


def _schedule_builder(spec: ScheduleSpec) -> Callable[[Any], _sched.Schedule]:
    if spec is None:
        return _sched.constant
    if callable(spec):
        return spec
    if isinstance(spec, str):
        name, args = spec, {}
    elif isinstance(spec, Mapping):
        name, args = spec["name"], dict(spec.get("args", {}))
    else:
        name, args = spec
        args = dict(args or {})
    _sched.make(name, 1.0, **args)  # validate now, before any work
    return lambda lr: _sched.make(name, lr, **args)


def _batched(name: str, value: Any, k: int | None) -> tuple[Any, int | None]:
    """Return value as a (K, 1) array when it is a sequence, and the K it implies."""
    if isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) >= 1:
        arr = np.asarray(value)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one value or a 1-D list of values")
        if k is not None and len(arr) != k:
            raise ValueError(f"{name} has {len(arr)} values but the batch has {k}")
        return arr, len(arr)
    return value, k


def path_loss(surface: Surface, path: np.ndarray) -> np.ndarray:
    """The loss at every point of a (K, n, 2) path (NaN where the path is NaN), in chunks
    small enough that a data-set surface does not build one huge array."""
    k, n, _ = path.shape
    width = k * int(getattr(surface, "samples", 1))  # numbers touched per path step
    chunk = max(1, (1 << 22) // max(width, 1))
    if chunk >= n:
        return surface.loss(path)
    out = np.empty((k, n))
    for s in range(0, n, chunk):
        out[:, s:s + chunk] = surface.loss(path[:, s:s + chunk])
    return out


def _check_seed(value: Any) -> None:
    whole = (isinstance(value, (int, np.integer))
             or (isinstance(value, (float, np.floating)) and float(value).is_integer()))
    if isinstance(value, (bool, np.bool_)) or not whole or value < 0:
        raise ValueError(f"Invalid seed: {value!r} (seed must be a whole number >= 0)")


def simulate_batch(surface: Surface | str, optimizer: str, *, steps: int,
                   start: Any = None, hyper: Mapping[str, Any] | None = None,
                   schedule: ScheduleSpec = None, clip_norm: Any = None,
                   noise: Any = 0.0, seed: Any = 0, record_state: bool = False) -> BatchRun:
    """Run K configurations of one optimizer at once.

    Any hyper-parameter, ``start`` (shape (K, 2)), ``clip_norm``, ``noise`` and
    ``seed`` may hold K values; the others are shared by every row.
    """
    if isinstance(surface, str):
        surface = get_surface(surface)
    steps = int(steps)
    if steps < 0 or steps > 1_000_000:
        raise ValueError(f"Invalid steps: {steps} (must be between 0 and 1,000,000)")
    hyper = dict(hyper or {})

    k: int | None = None
    for name, value in hyper.items():
        _, k = _batched(name, value, k)
    clip_norm, k = _batched("clip_norm", clip_norm, k)
    noise, k = _batched("noise", noise, k)
    seed, k = _batched("seed", seed, k)
    for s in np.asarray(seed, dtype=object).reshape(-1):
        _check_seed(s)
    starts = np.asarray(surface.start if start is None else start, dtype=float)
    if starts.ndim == 1:
        if starts.shape != (2,):
            raise ValueError(f"start must be a point (x, y), got {start!r}")
        starts = starts[None, :]
    if starts.ndim != 2 or starts.shape[1] != 2:
        raise ValueError("start must be a point (x, y) or a list of points")
    if k is not None and starts.shape[0] not in (1, k):
        raise ValueError(f"start has {starts.shape[0]} points but the batch has {k}")
    k = max(k or 1, starts.shape[0])
    if not np.all(np.isfinite(starts)):
        raise ValueError("start must be finite")
    starts = np.broadcast_to(starts, (k, 2)).copy()

    opt = _opt.make(optimizer, **hyper)
    lr_fn = _schedule_builder(schedule)(opt.hyper["lr"])

    if clip_norm is not None:
        clip = np.asarray(clip_norm, dtype=float).reshape(-1, 1)
        if np.any(~np.isfinite(clip) | (clip <= 0)):
            raise ValueError(f"Invalid clip_norm: {clip_norm!r} (must be > 0)")
    sigma = np.asarray(noise, dtype=float).reshape(-1, 1)
    if np.any(~np.isfinite(sigma) | (sigma < 0)):
        raise ValueError(f"Invalid noise: {noise!r} (sigma must be >= 0)")
    noisy = bool(np.any(sigma > 0))
    if noisy:
        seeds = np.broadcast_to(np.asarray(seed).reshape(-1), (k,))
        cache: dict[int, np.ndarray] = {}
        draws = []
        for s in seeds:
            s = int(s)
            if s not in cache:
                cache[s] = np.random.default_rng(s).standard_normal((steps, 2))
            draws.append(cache[s])
        noise_draws = np.stack(draws, axis=0)  # (K, steps, 2)

    path = np.full((k, steps + 1, 2), np.nan)
    lrs = np.full((k, steps), np.nan)
    diverged_at = np.full(k, -1, dtype=np.int64)
    recorded: dict[str, list[np.ndarray]] = {}

    # The hot loop: per step only the gradient, the update and one divergence test.
    # The loss is computed afterwards for the whole path at once (same numbers).
    params = starts
    path[:, 0] = params
    state = opt.init(params)
    active = np.ones(k, dtype=bool)
    all_active = True
    with np.errstate(all="ignore"):
        for t in range(steps):
            lr_t = lr_fn(t)
            lrs[:, t] = np.reshape(lr_t, -1)
            grads = surface.grad(params, t)
            if noisy:
                grads = grads + sigma * noise_draws[:, t]
            if clip_norm is not None:
                norm = np.sqrt(np.sum(grads * grads, axis=1, keepdims=True))
                coef = np.minimum(clip / (norm + CLIP_EPS), 1.0)
                grads = grads * coef
            new_params, state = opt.update(grads, state, params, lr_t)
            if record_state:  # references, not copies: the optimizers never update in place
                recorded.setdefault("grad", []).append(grads)
                recorded.setdefault("update", []).append(new_params - params)
                for name, value in state._asdict().items():
                    if name != "count":
                        if value.shape[0:1] != (k,) or value.ndim != 2:  # shared by the batch
                            value = np.broadcast_to(value, (k, value.shape[-1]))
                        recorded.setdefault(name, []).append(value)
            # |p| <= limit is False for nan and inf too: one test covers "not finite" and "too big"
            ok = (np.abs(new_params) <= DIVERGENCE_LIMIT).all(axis=1)
            if all_active:
                path[:, t + 1] = new_params
                if ok.all():
                    params = new_params
                    continue
                all_active = False
                diverged_at[~ok] = t + 1
                active = ok
            else:
                path[active, t + 1] = new_params[active]
                diverged_at[active & ~ok] = t + 1
                active = active & ok
            if not active.any():
                break
            params = np.where(active[:, None], new_params, params)
    loss = path_loss(surface, path)
    states = {name: np.stack(vals, axis=1) for name, vals in recorded.items()}
    return BatchRun(path, loss, lrs, diverged_at, states)


def simulate(surface: Surface | str, optimizer: str, *, steps: int, start: Any = None,
             hyper: Mapping[str, Any] | None = None, schedule: ScheduleSpec = None,
             clip_norm: float | None = None, noise: float = 0.0, seed: int = 0,
             record_state: bool = False) -> Run:
    """Run one configuration; the trajectory ends at divergence if there is one."""
    singles = dict(hyper or {}, clip_norm=clip_norm, noise=noise, seed=seed)
    for name, value in singles.items():
        if np.ndim(value) > 0:
            raise ValueError(f"{name} must be a single value here (use simulate_batch for many)")
    if start is not None and np.ndim(start) > 1:
        raise ValueError("start must be a single point (x, y) here (use simulate_batch for many)")
    batch = simulate_batch(surface, optimizer, steps=steps, start=start, hyper=hyper,
                           schedule=schedule, clip_norm=clip_norm, noise=noise, seed=seed,
                           record_state=record_state)
    return batch.row(0)


def sweep(surface: Surface | str, optimizer: str, *, lrs: Any, steps: int, start: Any = None,
          hyper: Mapping[str, Any] | None = None, **kwargs: Any) -> BatchRun:
    """An LR sweep: one batched run with one row per learning rate."""
    hyper = dict(hyper or {})
    hyper["lr"] = np.asarray(lrs, dtype=float)
    return simulate_batch(surface, optimizer, steps=steps, start=start, hyper=hyper, **kwargs)
