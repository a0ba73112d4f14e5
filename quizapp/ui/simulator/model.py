"""The simulator's state as plain data, and everything computed from it (Qt-free).

The page (``sim_page``) edits a :class:`SimState`; this module turns it into engine
calls, lab-notebook configs and outcomes, state-panel rows and export files. Nothing
here imports Qt or matplotlib, so it is tested without a display.

A *lane* is one optimizer run of a race: optimizer, hyper-parameters, schedule,
clipping, noise, seed and (for ``regression``) batch size. The surface, start point
and number of steps are shared by every lane.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import numpy as np

from quizapp import optim
from quizapp.optim import schedules as _schedules
from quizapp.optim.formula import FormulaError
from quizapp.optim.simulate import path_loss

#: Colour-blind-safe lane colours (Okabe and Ito), readable on light and dark maps.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2", "#F0E442",
           "#999999")

#: Surfaces offered by the picker; "custom" takes a formula.
SURFACE_CHOICES = tuple(optim.SURFACE_NAMES) + ("custom",)

#: Schedules, in the picker's order, with a one-line explanation each.
SCHEDULE_HELP = {
    "constant": "The same rate at every step.",
    "step": "Multiply the rate by gamma every step_size steps (StepLR).",
    "exponential": "Multiply the rate by gamma at every step (ExponentialLR).",
    "cosine": "Glide from the rate down to eta_min along half a cosine over T_max steps.",
    "linear": "Ramp the rate linearly from start_factor to end_factor over total_iters steps; "
              "start_factor < 1 with end_factor 1 is a warmup followed by a constant rate.",
    "warmup_cosine": "Warm up linearly for warmup_steps, then follow a cosine down to eta_min "
                     "at total_steps.",
}
SCHEDULE_ARG_HELP = {
    "step_size": "Steps between two decays.",
    "gamma": "Factor applied at each decay.",
    "T_max": "Steps of the half cosine.",
    "eta_min": "The rate at the bottom of the cosine.",
    "start_factor": "Fraction of the rate at step 0.",
    "end_factor": "Fraction of the rate at the end of the ramp.",
    "total_iters": "Steps of the linear ramp.",
    "warmup_steps": "Steps of the linear warmup from start_factor x rate up to the rate.",
    "total_steps": "Step at which the cosine reaches eta_min.",
}
MAX_STEPS = 5000
MAX_LANES = 8


# --------------------------------------------------------------------- the state


@dataclass
class Lane:
    """One optimizer of a race. ``hyper`` always holds every knob of the optimizer."""

    optimizer: str = "sgd"
    label: str = ""
    color: str = PALETTE[0]
    hyper: dict[str, Any] = field(default_factory=dict)
    schedule: dict[str, Any] | None = None  # {"name": ..., "args": {...}}
    clip_norm: float | None = None
    noise: float = 0.0
    seed: int = 0
    batch_size: int | None = None
    visible: bool = True

    def __post_init__(self) -> None:
        full = optim.defaults(self.optimizer)
        full.update(self.hyper)
        self.hyper = full
        if not self.label:
            self.label = display_name(self.optimizer)

    @property
    def lr(self) -> float:
        return float(self.hyper["lr"])


@dataclass
class SimState:
    """Everything the simulator page shows, as data (saved in QSettings as JSON)."""

    surface: str = "valley"
    formula: str = "x^2 + 3*y^2"
    samples: int = 64
    data_seed: int = 0
    start: tuple[float, float] = (-9.0, 3.0)
    steps: int = 80
    lanes: list[Lane] = field(default_factory=list)
    preset: str | None = None  # id of the preset this state came from (its caption is shown)
    modified: bool = False  # changed since the preset was loaded

    def to_json(self) -> str:
        data = asdict(self)
        data["start"] = list(self.start)
        return json.dumps(data, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "SimState":
        """Rebuild a state; anything unreadable raises ValueError (the caller falls back)."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("simulator settings are not an object")
        lanes = [Lane(**lane) for lane in data.pop("lanes", [])]
        data["start"] = tuple(float(v) for v in data.get("start", (0.0, 0.0)))
        state = cls(**data, lanes=lanes)
        check_state(state)
        return state

    def copy(self) -> "SimState":
        return copy.deepcopy(self)


def display_name(optimizer: str) -> str:
    return {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
            "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW", "nadam": "NAdam",
            "radam": "RAdam"}.get(optimizer, optimizer)


def next_color(used: Iterable[str]) -> str:
    used = {c.lower() for c in used}
    for color in PALETTE:
        if color.lower() not in used:
            return color
    return PALETTE[len(used) % len(PALETTE)]


def check_state(state: SimState) -> None:
    """Raise ValueError naming the first thing wrong with a state (used on reload)."""
    if state.surface not in SURFACE_CHOICES:
        raise ValueError(f"unknown surface {state.surface!r}")
    if not 1 <= int(state.steps) <= MAX_STEPS:
        raise ValueError(f"steps must be in 1..{MAX_STEPS}")
    if not all(math.isfinite(v) for v in state.start):
        raise ValueError("start must be finite")
    for lane in state.lanes:
        optim.make(lane.optimizer, **lane.hyper)


def state_from_preset(preset) -> SimState:
    """A :class:`SimState` holding every lane of a :class:`quizapp.presets.Preset`."""
    options = dict(preset.surface_options)
    state = SimState(surface=preset.surface, start=tuple(preset.start), steps=preset.steps,
                     preset=preset.id)
    if preset.surface == "regression":
        state.samples = int(options.get("samples", 64))
        state.data_seed = int(options.get("seed", 0))
    if preset.surface == "custom":
        state.formula = str(options.get("formula", state.formula))
    used: list[str] = []
    for lane in preset.lanes:
        color = lane.color or next_color(used)
        used.append(color)
        state.lanes.append(Lane(optimizer=lane.optimizer, label=lane.label, color=color,
                                hyper=dict(lane.hyper),
                                schedule=copy.deepcopy(lane.schedule),
                                clip_norm=lane.clip_norm, noise=lane.noise, seed=lane.seed,
                                batch_size=lane.batch_size))
    return state


def state_from_configs(configs: list[dict[str, Any]], labels: list[str] | None = None) -> SimState:
    """Rebuild a race from lab-notebook configs (they must share one surface)."""
    if not configs:
        raise ValueError("no runs to load")
    first = configs[0]
    surface = first.get("surface", "valley")
    options = dict(first.get("surface_options") or {})
    state = SimState(surface=surface, start=tuple(first.get("start") or (0.0, 0.0)),
                     steps=int(first.get("steps", 100)))
    if surface == "regression":
        state.samples = int(options.get("samples", 64))
        state.data_seed = int(options.get("seed", 0))
    if surface == "custom":
        state.formula = str(options.get("formula", state.formula))
    used: list[str] = []
    for i, config in enumerate(configs):
        if config.get("surface") != surface:
            continue
        color = next_color(used)
        used.append(color)
        opts = config.get("surface_options") or {}
        label = labels[i] if labels and i < len(labels) else ""
        state.lanes.append(Lane(optimizer=config["optimizer"], label=label, color=color,
                                hyper=dict(config.get("hyper") or {}),
                                schedule=copy.deepcopy(config.get("schedule")),
                                clip_norm=config.get("clip_norm"),
                                noise=float(config.get("noise") or 0.0),
                                seed=int(config.get("seed") or 0),
                                batch_size=opts.get("batch_size") if surface == "regression" else None))
    return state


# --------------------------------------------------------------------- surfaces


_SURFACES: dict[str, optim.Surface] = {}


def surface_options(state: SimState, lane: Lane | None = None) -> dict[str, Any]:
    if state.surface == "regression":
        options = {"samples": int(state.samples), "seed": int(state.data_seed)}
        batch = lane.batch_size if lane is not None and lane.batch_size else None
        options["batch_size"] = int(batch if batch else min(16, state.samples))
        return options
    if state.surface == "custom":
        return {"formula": state.formula}
    return {}


def build_surface(state: SimState, lane: Lane | None = None) -> optim.Surface:
    """The engine surface for ``state`` (cached); raises ValueError/FormulaError if invalid."""
    options = surface_options(state, lane)
    key = json.dumps([state.surface, options], sort_keys=True)
    if key not in _SURFACES:
        if len(_SURFACES) > 64:
            _SURFACES.clear()
        _SURFACES[key] = optim.get_surface(state.surface, **options)
    return _SURFACES[key]


def check_formula(text: str) -> tuple[bool, str]:
    """Feedback for the formula field while it is typed: (ok, message)."""
    try:
        surface = optim.get_surface("custom", formula=text)
    except (FormulaError, ValueError) as exc:
        return False, str(exc)
    (mx, my), = surface.minima
    return True, f"OK: lowest point on the view ≈ {surface.min_value:.4g} at ({mx:.3g}, {my:.3g})"


def gap_base(surface: optim.Surface) -> float | None:
    """What the loss plot subtracts (the known minimum), or None when there is none."""
    return surface.min_value


# ------------------------------------------------------------------------- runs


def lane_config(state: SimState, lane: Lane) -> dict[str, Any]:
    """The lab-notebook config of ``lane`` (``store.record_run``'s shape)."""
    schedule = None
    if lane.schedule and lane.schedule.get("name", "constant") != "constant":
        schedule = {"name": lane.schedule["name"], "args": dict(lane.schedule.get("args", {}))}
    return {
        "surface": state.surface,
        "surface_options": surface_options(state, lane),
        "optimizer": lane.optimizer,
        "hyper": {k: (bool(v) if isinstance(v, bool) else v) for k, v in lane.hyper.items()},
        "schedule": schedule,
        "clip_norm": lane.clip_norm,
        "noise": float(lane.noise),
        "seed": int(lane.seed),
        "start": [float(state.start[0]), float(state.start[1])],
        "steps": int(state.steps),
    }


def config_key(config: dict[str, Any]) -> str:
    return json.dumps(config, sort_keys=True, default=str)


_RUNS: dict[str, optim.Run] = {}


def compute(state: SimState, lane: Lane) -> optim.Run:
    """Simulate one lane (with its state recorded for the state panel); cached by config.

    Raises ValueError (or FormulaError) when a value is invalid; never raises for a
    run that diverges: that is a result.
    """
    task = lane_task(state, lane)
    run = cached_run(task.key)
    if run is None:
        run = run_lane_tasks([task])[task.key]
    return run


@dataclass(frozen=True)
class LaneTask:
    """One lane's engine call as plain data, checked and ready to run (on any thread).

    ``call`` holds :func:`quizapp.optim.simulate_batch`'s keyword arguments; nothing in
    it refers to the page's state, so the page may go on editing while a worker runs it.
    """

    key: str  # the cache key: the lane's notebook config
    call: dict[str, Any]


def lane_task(state: SimState, lane: Lane) -> LaneTask:
    """The engine call of ``lane``; raises ValueError (or FormulaError) when a value is invalid."""
    config = lane_config(state, lane)
    sched = config["schedule"]
    call = dict(surface=build_surface(state, lane), optimizer=lane.optimizer, steps=int(state.steps),
                start=(float(state.start[0]), float(state.start[1])), hyper=dict(lane.hyper),
                schedule=None if sched is None else (sched["name"], dict(sched["args"])),
                clip_norm=lane.clip_norm, noise=float(lane.noise), seed=lane.seed)
    if _prepare(call)["fallback"]:  # the engine's own checks, now (not later on a worker)
        optim.simulate_batch(**dict(call, steps=0))
    return LaneTask(config_key(config), call)


def cached_run(key: str) -> optim.Run | None:
    return _RUNS.get(key)


def run_lane_tasks(tasks: list[LaneTask], stop=None) -> dict[str, optim.Run]:
    """Run the lanes (one loop for all of them, see :func:`simulate_many`) and cache each
    run under its key; {} when ``stop`` stopped it (see :func:`drive`)."""
    return drive(iter_lane_tasks(tasks), stop) or {}


def iter_lane_tasks(tasks: list[LaneTask]):
    """:func:`run_lane_tasks` one step at a time: a generator of (step, steps) whose
    return value is the runs by key (see :func:`drive`)."""
    todo: dict[str, LaneTask] = {}
    for task in tasks:
        todo.setdefault(task.key, task)
    batches = yield from iter_many([t.call for t in todo.values()], record_state=True)
    runs = {key: batch.row(0) for key, batch in zip(todo, batches)}
    store_runs(runs)
    return runs


def drive(work, stop=None):
    """Run a generator of (step, steps) to its end and give its return value; None when
    ``stop(step, steps)`` returns True (checked at every step)."""
    try:
        while True:
            step, steps = next(work)
            if stop is not None and stop(step, steps):
                work.close()
                return None
    except StopIteration as end:
        return end.value


def store_runs(runs: dict[str, optim.Run]) -> None:
    if len(_RUNS) + len(runs) > 256:
        _RUNS.clear()
    _RUNS.update(runs)


# ------------------------------------------------------------- many runs at once


def _prepare(call: dict[str, Any]) -> dict[str, Any]:
    """Check one engine call as :func:`quizapp.optim.simulate_batch` checks it and build
    what the loop needs; raises ValueError with the engine's own message when a value is
    invalid."""
    surface = call["surface"]
    if isinstance(surface, str):
        surface = optim.get_surface(surface)
    steps = int(call["steps"])
    hyper = dict(call.get("hyper") or {})
    opt = optim.make(call["optimizer"], **hyper)
    k = 1
    for value in hyper.values():
        if isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) >= 1:
            k = len(value)
    simple = (0 <= steps <= 1_000_000
              and all(np.ndim(call.get(n)) == 0 for n in ("clip_norm", "noise", "seed"))
              and np.shape(call.get("start")) == (2,))
    clip, noise, seed = call.get("clip_norm"), float(call.get("noise") or 0.0), call.get("seed", 0)
    if simple:
        whole = isinstance(seed, (int, np.integer)) or (
            isinstance(seed, (float, np.floating)) and float(seed).is_integer())
        simple = (not isinstance(seed, (bool, np.bool_)) and whole and seed >= 0
                  and (clip is None or (math.isfinite(clip) and clip > 0))
                  and math.isfinite(noise) and noise >= 0
                  and all(math.isfinite(v) for v in call["start"]))
    if not simple:  # anything out of the ordinary: the engine says what is wrong (or runs it)
        return {"fallback": True}
    sched = call.get("schedule")
    if sched is None or sched[0] == "constant":
        lr_fn = _schedules.constant(opt.hyper["lr"])
    else:
        name, args = sched
        _schedules.make(name, 1.0, **args)  # checked now, before any work
        lr_fn = _schedules.make(name, opt.hyper["lr"], **args)
    return {"fallback": False, "surface": surface, "opt": opt, "lr_fn": lr_fn, "k": k,
            "steps": steps, "start": np.asarray(call["start"], dtype=float),
            "clip": None if clip is None else np.full((1, 1), float(clip)),
            "sigma": np.full((1, 1), noise), "seed": int(seed),
            "constant": sched is None or sched[0] == "constant",
            # a data-set gradient is summed over samples: its rounding may depend on how
            # many rows share the call, so such a surface gets one call per lane
            "pointwise": not surface.stochastic and not hasattr(surface, "samples")}


def simulate_many(calls: list[dict[str, Any]], record_state: bool = False,
                  stop=None) -> list[optim.BatchRun] | None:
    """Several engine calls (``simulate_batch`` keyword arguments) in one loop over the
    steps, each giving exactly the rows ``simulate_batch`` gives.

    The engine's cost is per step, not per row (a step of 40 rows costs about what a
    step of one row costs), so eight lanes in one loop cost much less than eight loops:
    per step, each surface's gradient is one call for every row on it, then each call's
    own noise, clipping and optimizer update, then one divergence test for all rows.
    Calls out of the ordinary (several starts, per-row noise...) go to the engine.
    ``stop``: see :func:`drive` (then the result is None).
    """
    return drive(iter_many(calls, record_state), stop)


def iter_many(calls: list[dict[str, Any]], record_state: bool = False, keep_path: bool = True):
    """:func:`simulate_many` (or, without ``keep_path``, :func:`sweep_many`) as a generator
    of (step, steps), so a caller can run it in slices between other work."""
    preps = [_prepare(c) for c in calls]
    fused = [i for i, p in enumerate(preps) if not p["fallback"]]
    if fused:  # one loop needs one length
        keep = preps[fused[0]]["steps"]
        fused = [i for i in fused if preps[i]["steps"] == keep]
    out: list = [None] * len(calls)
    for i, call in enumerate(calls):
        if i not in fused:
            batch = optim.simulate_batch(**call, record_state=record_state)
            out[i] = batch if keep_path else (batch.final_loss(), batch.diverged_at)
    if fused:
        results = yield from _fused_loop([preps[i] for i in fused], record_state, keep_path)
        for i, result in zip(fused, results):
            out[i] = result
    return out


def sweep_many(calls: list[dict[str, Any]], stop=None) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """LR sweeps (``simulate_batch`` keyword arguments with ``hyper["lr"]`` an array) in one
    loop, keeping only what the sweep plot needs: per call, the final loss of each rate (at
    its divergence point for a diverged row) and ``diverged_at`` (-1: never). None if stopped."""
    return drive(iter_many(calls, keep_path=False), stop)


_LIMIT = 1e10  # the engine's divergence limit (quizapp.optim.simulate.DIVERGENCE_LIMIT)
_CLIP_EPS = 1e-6  # added to the norm, as torch's clip_grad_norm_ does


def _fused_loop(preps: list[dict[str, Any]], record_state: bool, keep_path: bool = True):
    """The loop of :func:`simulate_many`. Without ``keep_path`` (a sweep) no trajectory is
    kept: each call gives (final loss, diverged_at) per row, as ``BatchRun.final_loss()``
    and ``BatchRun.diverged_at`` would give them."""
    from quizapp.optim import simulate as _sim

    limit = getattr(_sim, "DIVERGENCE_LIMIT", _LIMIT)
    clip_eps = getattr(_sim, "CLIP_EPS", _CLIP_EPS)
    steps = preps[0]["steps"]
    # rows: each call owns a slice; rows on one pointwise surface share a gradient call
    slices, n = [], 0
    for p in preps:
        slices.append(slice(n, n + p["k"]))
        n += p["k"]
    grad_groups: list[tuple[Any, slice | np.ndarray]] = []
    by_surface: dict[int, list[int]] = {}
    for i, p in enumerate(preps):
        if p["pointwise"]:
            by_surface.setdefault(id(p["surface"]), []).append(i)
        else:
            grad_groups.append((p["surface"], slices[i]))
    for members in by_surface.values():
        rows = np.concatenate([np.arange(slices[i].start, slices[i].stop) for i in members])
        whole = len(rows) == rows[-1] - rows[0] + 1
        grad_groups.append((preps[members[0]]["surface"],
                            slice(int(rows[0]), int(rows[-1]) + 1) if whole else rows))
    single = grad_groups[0][0] if len(grad_groups) == 1 and grad_groups[0][1] == slice(0, n) else None
    params = np.empty((n, 2))
    for p, sl in zip(preps, slices):
        params[sl] = p["start"]
    # step-major while running (each step writes one contiguous block), row-major at the end
    path = np.full((steps + 1, n, 2), np.nan) if keep_path else None
    final = None if keep_path else np.full((n, 2), np.nan)  # where each row ended
    lrs = np.full((n, steps), np.nan)
    diverged_at = np.full(n, -1, dtype=np.int64)
    if keep_path:
        path[0] = params
    recorded: list[dict[str, np.ndarray]] = [{} for _ in preps]
    # per call: [index, slice, rows, update, state, lr_fn, constant rate, sigma, draws, clip]
    work = []
    for i, (p, sl) in enumerate(zip(preps, slices)):
        draws = None
        if float(p["sigma"][0, 0]) > 0:
            draws = np.random.default_rng(p["seed"]).standard_normal((steps, 2))
        const = p["lr_fn"](0) if p["constant"] else None
        work.append([i, sl, p["k"], p["opt"].update, p["opt"].init(params[sl].copy()), p["lr_fn"],
                     const, p["sigma"], draws, p["clip"]])
    done = [steps] * len(preps)  # steps each call took (the engine stops a call when all its rows diverged)
    live = list(work)
    active = np.ones(n, dtype=bool)
    all_active = True
    with np.errstate(all="ignore"):
        for t in range(steps):
            yield t, steps
            # fresh arrays every step, as in the engine: an optimizer may keep a reference
            # (SGD's momentum buffer starts as the first gradient itself)
            if single is not None:
                grads = single.grad(params, t)
            else:
                grads = np.empty((n, 2))
                for surface, rows in grad_groups:
                    grads[rows] = surface.grad(params[rows], t)
            new_params = params.copy() if len(live) < len(work) else np.empty((n, 2))
            for w in live:
                i, sl, k, update, state, lr_fn, const, sigma, draws, clip = w
                if const is None:
                    lr_t = lr_fn(t)
                    lrs[sl, t] = np.reshape(lr_t, -1)
                else:
                    lr_t = const
                g = grads[sl]
                if draws is not None:
                    g = g + sigma * draws[t]
                if clip is not None:
                    norm = np.sqrt(np.sum(g * g, axis=1, keepdims=True))
                    g = g * np.minimum(clip / (norm + clip_eps), 1.0)
                old = params[sl]
                new, w[4] = update(g, state, old, lr_t)
                new_params[sl] = new
                if record_state:
                    _record(recorded[i], t, steps, k, g, new - old, w[4])
            ok = (np.abs(new_params) <= limit).all(axis=1)
            if all_active:
                if keep_path:
                    path[t + 1] = new_params
                if ok.all():
                    params = new_params
                    continue
                all_active = False
                diverged_at[~ok] = t + 1
                if not keep_path:  # a diverged row ends at the point that failed the test
                    final[~ok] = new_params[~ok]
                newly = True
                active = ok
            else:
                if keep_path:
                    path[t + 1][active] = new_params[active]
                fresh = active & ~ok
                newly = fresh.any()
                if newly:
                    diverged_at[fresh] = t + 1
                    if not keep_path:
                        final[fresh] = new_params[fresh]
                    active = active & ok
            params = np.where(active[:, None], new_params, params)
            if newly:
                for w in list(live):
                    if not active[w[1]].any():
                        live.remove(w)
                        done[w[0]] = t + 1
                if not live:
                    break
    if not keep_path:
        final[active] = params[active]
        out = []
        for p, sl in zip(preps, slices):
            with np.errstate(all="ignore"):
                out.append((p["surface"].loss(final[sl]), diverged_at[sl].copy()))
        return out
    out = []
    for i, (p, sl) in enumerate(zip(preps, slices)):
        sub = np.ascontiguousarray(path[:, sl].transpose(1, 0, 2))
        if p["constant"]:
            lrs[sl, : done[i]] = np.reshape(work[i][6], -1)[:, None] if p["k"] > 1 or np.ndim(work[i][6]) else work[i][6]
        st = {name: arr[:, : done[i]] for name, arr in recorded[i].items()}
        out.append(optim.BatchRun(sub, path_loss(p["surface"], sub), lrs[sl].copy(),
                                  diverged_at[sl].copy(), st))
    return out


def _record(into: dict[str, np.ndarray], t: int, steps: int, k: int, grad, update, state) -> None:
    """Keep step ``t``'s gradient, update and optimizer state (copied: nothing may change them later)."""
    values = {"grad": grad, "update": update}
    for name, value in state._asdict().items():
        if name != "count":
            value = np.asarray(value)
            if value.shape[0:1] != (k,) or value.ndim != 2:  # shared by the batch
                value = np.broadcast_to(value, (k, value.shape[-1]))
            values[name] = value
    for name, value in values.items():
        arr = into.get(name)
        if arr is None:
            arr = into[name] = np.zeros((k, steps) + value.shape[1:], dtype=value.dtype)
        arr[:, t] = value


def outcome(surface: optim.Surface, run: optim.Run) -> dict[str, Any]:
    """The lab-notebook outcome of a run."""
    diverged = run.diverged_at is not None
    final = run.path[-1]
    finite = bool(np.all(np.isfinite(final)))
    final_loss = float(run.loss[-1]) if np.isfinite(run.loss[-1]) and not diverged else None
    distance = None
    if finite and not diverged and surface.minima:
        distance = float(min(math.hypot(final[0] - mx, final[1] - my) for mx, my in surface.minima))
    return {
        "final_loss": final_loss,
        "steps": int(run.steps),
        "diverged_at": run.diverged_at,
        "final_point": [float(final[0]), float(final[1])] if finite else None,
        "min_distance": distance,
    }


def schedule_values(lane: Lane, steps: int) -> np.ndarray:
    """The scheduled rate at each step (for the preview); raises ValueError if invalid."""
    sched = lane.schedule or {"name": "constant", "args": {}}
    fn = _schedules.make(sched["name"], lane.lr, **sched.get("args", {}))
    return _schedules.values(fn, steps)


def schedule_arg_defaults(name: str, steps: int) -> dict[str, Any]:
    """Arguments for schedule ``name`` that fit a run of ``steps`` steps."""
    tenth = max(1, steps // 10)
    return {
        "constant": {},
        "step": {"step_size": max(1, steps // 3), "gamma": 0.1},
        "exponential": {"gamma": 0.99},
        "cosine": {"T_max": steps, "eta_min": 0.0},
        "linear": {"start_factor": 0.1, "end_factor": 1.0, "total_iters": tenth},
        "warmup_cosine": {"warmup_steps": tenth, "total_steps": max(steps, tenth + 1),
                          "eta_min": 0.0, "start_factor": 0.0},
    }[name]


_FIELD = re.compile(r"Invalid (\w+)")


def field_of_error(message: str) -> str | None:
    """The knob an engine error names (``"Invalid lr: ..."`` -> ``"lr"``)."""
    m = _FIELD.search(message)
    return m.group(1) if m else None


def validate_lane(state: SimState, lane: Lane) -> dict[str, str]:
    """Problems with a lane's values, by field name (empty when it can run)."""
    errors: dict[str, str] = {}
    try:
        optim.make(lane.optimizer, **lane.hyper)
    except ValueError as exc:
        errors[field_of_error(str(exc)) or "lr"] = str(exc)
    if lane.schedule and lane.schedule.get("name", "constant") != "constant":
        try:
            _schedules.make(lane.schedule["name"], 1.0, **lane.schedule.get("args", {}))
        except ValueError as exc:
            errors[f"schedule.{field_of_error(str(exc)) or 'name'}"] = str(exc)
    if lane.clip_norm is not None and not (math.isfinite(lane.clip_norm) and lane.clip_norm > 0):
        errors["clip_norm"] = "clip norm must be a number > 0"
    if not (math.isfinite(lane.noise) and lane.noise >= 0):
        errors["noise"] = "noise must be a number >= 0"
    if state.surface == "regression" and lane.batch_size is not None:
        if not 1 <= lane.batch_size <= state.samples:
            errors["batch_size"] = f"batch size must be between 1 and the {state.samples} samples"
    return errors


# --------------------------------------------------------------- state panel


@dataclass(frozen=True)
class StateRow:
    symbol: str  # in the chapter's notation (plain Unicode)
    meaning: str
    values: tuple[float, ...]  # one per coordinate, or a single number


def _pair(arr: np.ndarray, t: int) -> tuple[float, float]:
    row = np.asarray(arr[t], dtype=float).reshape(-1)
    if row.size == 1:
        return (float(row[0]), float(row[0]))
    return (float(row[0]), float(row[1]))


def state_rows(lane: Lane, run: optim.Run, step: int) -> list[StateRow]:
    """What happened at ``step`` (the update that produced point ``step``), with numbers.

    Step 0 is the start: only the position and loss. For step t >= 1 the rows show the
    gradient g that was used (after noise and clipping), the optimizer's state after
    the update, the update Δθ and the per-coordinate effective rate.
    """
    step = max(0, min(step, run.steps))
    rows = [StateRow("θ", "position (x, y)", tuple(float(v) for v in run.path[step])),
            StateRow("L(θ)", "loss here", (float(run.loss[step]),))]
    if step == 0:
        return rows
    t = step - 1
    s = run.states
    lr_t = float(run.lr[t])
    hyper = lane.hyper
    rows.append(StateRow("η", "learning rate of this step", (lr_t,)))
    rows.append(StateRow("g", "gradient used (after noise and clipping)", _pair(s["grad"], t)))
    name = lane.optimizer
    eff: tuple[float, float] | None = (lr_t, lr_t)
    eff_meaning = "effective step per unit gradient: η"
    with np.errstate(all="ignore"):
        if name == "momentum":
            rows.append(StateRow("v", "velocity: v ← βv + (1−β)g", _pair(s["velocity"], t)))
        elif name in ("sgd", "nesterov") and "momentum_buffer" in s and float(hyper.get("momentum", 0)) > 0:
            rows.append(StateRow("v", "momentum buffer: v ← μv + g (starts at g)",
                                 _pair(s["momentum_buffer"], t)))
        elif name == "adagrad":
            total = np.asarray(s["sum"][t], dtype=float)
            rows.append(StateRow("G", "running sum of g²", _pair(s["sum"], t)))
            clr = lr_t / (1 + t * float(hyper.get("lr_decay", 0.0)))
            eff = tuple(clr / (np.sqrt(total) + float(hyper["eps"])))
            eff_meaning = "effective step: η / (√G + ε)"
        elif name == "rmsprop":
            sq = np.asarray(s["square_avg"][t], dtype=float)
            rows.append(StateRow("E[g²]", "moving average of g² (α)", _pair(s["square_avg"], t)))
            eff = tuple(lr_t / (np.sqrt(sq) + float(hyper["eps"])))
            eff_meaning = "effective step: η / (√E[g²] + ε)"
        elif name in ("adam", "adamw", "nadam", "radam"):
            b1, b2 = float(hyper["beta1"]), float(hyper["beta2"])
            m = np.asarray(s["exp_avg"][t], dtype=float)
            v = np.asarray(s["exp_avg_sq"][t], dtype=float)
            if name in ("adam", "adamw") and bool(hyper.get("amsgrad")):
                v = np.asarray(s["max_exp_avg_sq"][t], dtype=float)
            m_hat = m / (1 - b1 ** step)
            v_hat = v / (1 - b2 ** step)
            rows.append(StateRow("m", "first moment: m ← β₁m + (1−β₁)g", _pair(s["exp_avg"], t)))
            rows.append(StateRow("v", "second moment: v ← β₂v + (1−β₂)g²", _pair(s["exp_avg_sq"], t)))
            rows.append(StateRow("m̂", "bias-corrected m / (1 − β₁ᵗ)", tuple(float(x) for x in m_hat)))
            rows.append(StateRow("v̂", "bias-corrected v / (1 − β₂ᵗ)", tuple(float(x) for x in v_hat)))
            eff = tuple(lr_t / (np.sqrt(v_hat) + float(hyper["eps"])))
            eff_meaning = "effective step: η / (√v̂ + ε)"
    rows.append(StateRow("Δθ", "the update taken", _pair(s["update"], t)))
    if eff is not None:
        rows.append(StateRow("η_eff", eff_meaning, tuple(float(x) for x in eff)))
    return rows


def arrow_vectors(run: optim.Run, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The map's arrows at ``step``: (where the update started, -g used, Δθ taken).

    They show the same update as :func:`state_rows` and the state panel: the one that
    led from point ``step - 1`` to point ``step``. At step 0 nothing has happened yet,
    so there is no arrow (None), nor after a run left the finite numbers.
    """
    if step < 1 or step > run.steps:
        return None
    t = step - 1
    origin = np.asarray(run.path[t], dtype=float)
    if not np.all(np.isfinite(origin)):
        return None
    g = np.asarray(run.states["grad"][t], dtype=float).reshape(-1)[:2]
    upd = np.asarray(run.states["update"][t], dtype=float).reshape(-1)[:2]
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(upd))):
        return None
    return origin, -g, upd


def format_number(value: float) -> str:
    """Compact numbers for the state panel: 4 significant digits, short exponents."""
    if value is None or not np.isfinite(value):
        return "—" if value is None else str(value)
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.4g}"
    mantissa, exp = f"{value:.3e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"


# ------------------------------------------------------------------------- export


def export_json(state: SimState, runs: dict[int, optim.Run], lanes: list[Lane]) -> str:
    """All trajectories with their configs and outcomes, as JSON text."""
    out = {"format": "quizapp-trajectories/1", "surface": state.surface,
           "surface_options": surface_options(state), "lanes": []}
    for i, lane in enumerate(lanes):
        run = runs.get(i)
        if run is None:
            continue
        surface = build_surface(state, lane)
        entry = {"label": lane.label, "color": lane.color, "config": lane_config(state, lane),
                 "outcome": outcome(surface, run)}
        entry.update(run.to_json())
        out["lanes"].append(entry)
    return json.dumps(out, indent=1, allow_nan=False)


def export_csv(state: SimState, runs: dict[int, optim.Run], lanes: list[Lane]) -> str:
    """One row per lane and step: label, optimizer, step, x, y, loss, lr."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["lane", "label", "optimizer", "step", "x", "y", "loss", "lr"])
    for i, lane in enumerate(lanes):
        run = runs.get(i)
        if run is None:
            continue
        for t in range(len(run.path)):
            lr = run.lr[t] if t < len(run.lr) else ""
            x, y = run.path[t]
            writer.writerow([i, lane.label, lane.optimizer, t, _cell(x), _cell(y),
                             _cell(run.loss[t]), _cell(lr)])
    return buf.getvalue()


def _cell(v: Any) -> str:
    if v == "":
        return ""
    v = float(v)
    return repr(v) if math.isfinite(v) else ""
