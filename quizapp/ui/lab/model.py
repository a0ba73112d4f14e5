"""The Lab page's state as plain data, and everything computed from it (Qt-free).

The page edits a :class:`LabState`: what every lane shares (data, model, loop, seed) and
the lanes (:class:`LabLane`, the simulator's lane plus a warmup). This module turns it
into the training engine's :class:`~quizapp.optim.train.TrainSpec` and
:class:`~quizapp.optim.train.LaneSpec`, applies a symptom's lever, loads a preset's
stage, drives a run a slice at a time (:class:`LabRun`, called from the page's worker
thread) and keeps what the plots show (:class:`Series`, on the window's thread).

Nothing here imports Qt or matplotlib.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from quizapp import lab_presets
from quizapp.optim import data as _data
from quizapp.optim import optimizers as _opt
from quizapp.optim import schedules as _schedules
from quizapp.optim import symptoms as _symptoms
from quizapp.optim import train as _train
from quizapp.ui.simulator.model import PALETTE, Lane, display_name, next_color

MAX_LANES = _train.MAX_LANES
BOUNDARY_GRID = 64  # points per side of the decision-boundary grid (moons)
MISCLASSIFIED = 8  # images shown on digits
DIGITS_ROWS = 1797


@dataclass
class LabLane(Lane):
    """One lane: the simulator's lane (optimizer, hyper with lr, schedule, clipping,
    colour, label) plus ``warmup`` steps. Its ``noise``, ``seed`` and ``batch_size`` are
    not used: the lab's lanes share the data, the minibatches and the seed."""

    warmup: int = 0


@dataclass
class LabState:
    """Everything the Lab page shows, as data (saved in QSettings as JSON)."""

    dataset: str = "moons"
    moons_n: int = 400
    moons_noise: float = 0.2
    hidden: tuple[int, ...] = (32,)
    activation: str = "relu"
    init_scale: float = 1.0
    batch_size: int = 32
    epochs: int = 30
    val_fraction: float = 0.2
    augment: bool = False
    early_stop: int | None = None
    seed: int = 0
    lanes: list[LabLane] = field(default_factory=list)
    preset: str | None = None  # key of the lab preset this state came from
    stage: int = 0  # which stage of that preset
    modified: bool = False  # changed since the stage was loaded

    # ------------------------------------------------------------ engine specs
    def spec(self) -> _train.TrainSpec:
        params = {"n": int(self.moons_n), "noise": float(self.moons_noise)} if self.dataset == "moons" else {}
        return _train.TrainSpec(dataset=self.dataset, dataset_params=params, hidden=tuple(self.hidden),
                                activation=self.activation, init_scale=self.init_scale,
                                batch_size=self.batch_size, epochs=self.epochs,
                                val_fraction=self.val_fraction, augment=self.augment,
                                early_stop=self.early_stop, seed=self.seed)

    def lane_specs(self) -> list[_train.LaneSpec]:
        return [lane_spec(lane) for lane in self.lanes]

    def set_spec(self, spec: _train.TrainSpec) -> None:
        """Take every shared setting from ``spec``."""
        self.dataset = spec.dataset
        params = dict(spec.dataset_params or {})
        self.moons_n = int(params.get("n", self.moons_n))
        self.moons_noise = float(params.get("noise", self.moons_noise))
        self.hidden = tuple(int(h) for h in spec.hidden)
        self.activation = spec.activation
        self.init_scale = float(spec.init_scale)
        self.batch_size = int(spec.batch_size)
        self.epochs = int(spec.epochs)
        self.val_fraction = float(spec.val_fraction)
        self.augment = bool(spec.augment)
        self.early_stop = None if spec.early_stop is None else int(spec.early_stop)
        self.seed = int(spec.seed)

    # ------------------------------------------------------------ persistence
    def to_json(self) -> str:
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        return json.dumps(data, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "LabState":
        """Rebuild a state; anything unreadable raises ValueError (the caller falls back)."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("lab settings are not an object")
        known = {f.name for f in fields(cls)}
        lane_fields = {f.name for f in fields(LabLane)}
        lanes = [LabLane(**{k: v for k, v in lane.items() if k in lane_fields})
                 for lane in data.pop("lanes", []) if isinstance(lane, dict)]
        data = {k: v for k, v in data.items() if k in known}
        data["hidden"] = tuple(int(h) for h in data.get("hidden", (32,)))
        state = cls(**data, lanes=lanes)
        problem = check_state(state)
        if problem:
            raise ValueError(problem)
        return state

    def copy(self) -> "LabState":
        return LabState.from_json(self.to_json())


# ---------------------------------------------------------------- conversions


def lane_spec(lane: LabLane) -> _train.LaneSpec:
    """The engine's :class:`LaneSpec` for a lane of the page."""
    sched = lane.schedule or {}
    name = sched.get("name", "constant")
    hyper = {k: v for k, v in lane.hyper.items() if k != "lr"}
    return _train.LaneSpec(optimizer=lane.optimizer, lr=float(lane.hyper["lr"]), hyper=hyper,
                           schedule=None if name == "constant" else name,
                           schedule_args=dict(sched.get("args", {})) if name != "constant" else {},
                           warmup=int(lane.warmup), clip_norm=lane.clip_norm, label=lane.label)


def lane_from_spec(spec: _train.LaneSpec, color: str) -> LabLane:
    """A page lane for an engine :class:`LaneSpec` (every hyper-parameter filled in)."""
    hyper = dict(spec.full_hyper())
    hyper["lr"] = spec.base_lr()
    schedule = None
    if spec.schedule not in (None, "", "constant"):
        schedule = {"name": spec.schedule, "args": dict(spec.schedule_args or {})}
    return LabLane(optimizer=spec.optimizer, label=spec.label or display_name(spec.optimizer), color=color,
                   hyper=hyper, schedule=schedule, clip_norm=None if spec.clip_norm is None else float(spec.clip_norm),
                   warmup=int(spec.warmup))


def state_from_specs(spec: _train.TrainSpec, lanes: list[_train.LaneSpec], preset: str | None = None,
                     stage: int = 0) -> LabState:
    state = LabState(preset=preset, stage=stage)
    state.set_spec(spec.check())
    used: list[str] = []
    for ls in lanes:
        color = next_color(used)
        used.append(color)
        state.lanes.append(lane_from_spec(ls, color))
    fill_schedule_lengths(state)
    return state


def fill_schedule_lengths(state: LabState) -> None:
    """Write the run's length into schedules that leave it out (as the engine would), so
    the lane editor shows every argument."""
    try:
        total = total_steps(state)
    except ValueError:
        return
    for lane in state.lanes:
        if not lane.schedule:
            continue
        args = lane.schedule.setdefault("args", {})
        if lane.schedule["name"] == "cosine":
            args.setdefault("T_max", total)
        if lane.schedule["name"] == "warmup_cosine":
            args.setdefault("total_steps", total)


def default_state() -> LabState:
    """The race shown on the first start: three optimizers on the moons."""
    spec = _train.TrainSpec(dataset="moons", hidden=(32,), epochs=30, batch_size=32, seed=0)
    lanes = [_train.LaneSpec("sgd", lr=0.1, label="SGD"),
             _train.LaneSpec("sgd", lr=0.1, hyper={"momentum": 0.9}, label="SGD + momentum 0.9"),
             _train.LaneSpec("adam", lr=0.01, label="Adam")]
    return state_from_specs(spec, lanes)


def state_from_stage(preset_key: str, stage: int = 0) -> LabState:
    preset = lab_presets.get(preset_key)
    stage = max(0, min(int(stage), len(preset.stages) - 1))
    s = preset.stages[stage]
    return state_from_specs(s.spec, list(s.lanes), preset=preset.key, stage=stage)


def check_state(state: LabState) -> str | None:
    """What is wrong with a state (first problem), or None when it can train."""
    try:
        state.spec().check()
    except (ValueError, TypeError) as exc:
        return str(exc)
    if not 1 <= len(state.lanes) <= MAX_LANES:
        return f"between 1 and {MAX_LANES} lanes"
    try:
        total = total_steps(state)
    except ValueError as exc:
        return str(exc)
    for lane in state.lanes:
        try:
            ls = lane_spec(lane)
            _opt.make(ls.optimizer, lr=ls.base_lr(), **ls.full_hyper())
            sched = ls.schedule_config(total)
            if sched is not None:
                _schedules.make(sched["name"], 1.0, **sched["args"])
            if not 0 <= int(lane.warmup) <= _train.MAX_STEPS:
                return f"{lane.label}: warmup must be between 0 and {_train.MAX_STEPS} steps"
        except (ValueError, TypeError) as exc:
            return f"{lane.label}: {exc}"
    return None


def rows(state: LabState) -> int:
    return DIGITS_ROWS if state.dataset == "digits" else int(state.moons_n)


def train_rows(state: LabState) -> int:
    n = rows(state)
    n_val = min(int(round(n * float(state.val_fraction))), n - 1)
    return n - n_val


def steps_per_epoch(state: LabState) -> int:
    return math.ceil(train_rows(state) / max(1, int(state.batch_size)))


def total_steps(state: LabState) -> int:
    """Steps of the whole run; ValueError past the engine's limit."""
    total = steps_per_epoch(state) * int(state.epochs)
    if total > _train.MAX_STEPS:
        raise ValueError(f"this run would take {total} steps; the lab allows {_train.MAX_STEPS}")
    return total


def apply_lever(state: LabState, lane: int, lever: _symptoms.Lever) -> LabState:
    """A copy of ``state`` with ``lever``'s changes applied to lane ``lane``.

    Keys of the shared spec (batch size, init scale, augmentation, early stopping) change
    every lane, as they must: the lanes share data, model and loop.
    """
    new = state.copy()
    target = new.lanes[lane]
    spec, ls = _train.apply_changes(new.spec(), lane_spec(target), lever.changes)
    new.set_spec(spec.check())
    ls.full_hyper()  # a lever that names a setting the optimizer lacks fails here
    changed = lane_from_spec(ls, target.color)
    changed.visible = target.visible
    if ls.optimizer != target.optimizer or target.label in ("", display_name(target.optimizer)):
        changed.label = display_name(ls.optimizer)
    else:
        changed.label = target.label
    new.lanes[lane] = changed
    new.modified = True
    fill_schedule_lengths(new)
    return new


def lever_target(lever: _symptoms.Lever) -> str:
    """``"lane"`` when the lever changes one lane, ``"all"`` when it changes shared settings."""
    shared = set(_train.TrainSpec.__dataclass_fields__)
    return "all" if any(k in shared for k in lever.changes) else "lane"


# ---------------------------------------------------------------- a run


@dataclass
class Snapshot:
    """What a slice of training added, ready for the window (all copies)."""

    first: int  # 1-based global step of the slice's first column
    last: int
    loss: np.ndarray  # (K, n)
    grad_norm: np.ndarray
    lr: np.ndarray
    update_ratio: np.ndarray  # (K, n, L)
    epochs: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]  # (epoch, train_loss, val_loss, val_acc)
    stopped: list[tuple[int, str]]
    symptoms: dict[int, list[_symptoms.Symptom]] | None  # None: not looked at in this slice
    boundary: tuple[int, np.ndarray] | None  # (lane, P(class 1) on the grid) for moons
    misclassified: tuple[int, list[dict[str, Any]]] | None  # (lane, rows) for digits
    done: bool
    elapsed: float = 0.0  # seconds the slice took


class LabRun:
    """One run of the page's lanes, advanced a slice at a time (from the worker thread).

    The window reads only the :class:`Snapshot` objects it is handed; ``selected`` (the
    lane whose boundary or mistakes are drawn) may be set from the window at any time.
    """

    def __init__(self, state: LabState):
        self.state = state.copy()
        self.spec = self.state.spec().check()
        self.lanes = self.state.lane_specs()
        self.trainer: _train.Trainer | None = None
        self.selected = 0
        self._grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._last_view_step = -1
        self._view_lane = -1

    def build(self) -> _train.Trainer:
        self.trainer = _train.Trainer(self.spec, self.lanes)
        # a step-less call sets up the engine's one-time helpers (the BLAS thread limit
        # looks through the loaded libraries once) before the window waits for steps
        self.trainer.run_steps(0)
        if self.spec.dataset == "moons":
            self.grid()
        return self.trainer

    @property
    def done(self) -> bool:
        return self.trainer is not None and self.trainer.done

    def grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xs, ys, points) of the decision-boundary grid over the moons data."""
        if self._grid is None:
            X = self.trainer.data.X
            lo, hi = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
            xs = np.linspace(lo[0], hi[0], BOUNDARY_GRID)
            ys = np.linspace(lo[1], hi[1], BOUNDARY_GRID)
            gx, gy = np.meshgrid(xs, ys)
            self._grid = (xs, ys, np.column_stack([gx.ravel(), gy.ravel()]))
        return self._grid

    def boundary(self, lane: int) -> np.ndarray:
        """P(class 1) of lane ``lane`` on the grid, shaped (ny, nx); NaN where not finite."""
        xs, ys, pts = self.grid()
        p = self.trainer.predict_proba(lane, pts)[:, 1].reshape(len(ys), len(xs))
        return np.where(np.isfinite(p), p, np.nan)

    def view(self, force: bool = False):
        """The boundary (moons) or the mistakes (digits) of the selected lane, or None
        when nothing changed since the last call."""
        t = self.trainer
        lane = max(0, min(int(self.selected), t.k - 1))
        if not force and lane == self._view_lane and t.step == self._last_view_step:
            return None, None
        if (not force and lane == self._view_lane and self.spec.dataset == "digits"
                and t.epoch == self._last_view_step // t.steps_per_epoch):
            return None, None  # the mistakes are looked up once per epoch
        self._view_lane, self._last_view_step = lane, t.step
        if self.spec.dataset == "moons":
            return (lane, self.boundary(lane)), None
        return None, (lane, t.misclassified(lane, MISCLASSIFIED))

    def advance(self, n: int, look: bool = True) -> Snapshot:
        """Train up to ``n`` steps; ``look`` also runs the symptom detector and the view."""
        import time

        t0 = time.perf_counter()
        t = self.trainer
        s = t.run_steps(n)
        h = t.history
        epochs = [(e, h.train_loss[:, e - 1].copy(), h.val_loss[:, e - 1].copy(),
                   h.val_accuracy[:, e - 1].copy()) for e in s.epochs]
        symptoms = boundary = mistakes = None
        if look or t.done or s.stopped or s.epochs:
            symptoms = {k: _symptoms.detect(h, k) for k in range(t.k)}
            boundary, mistakes = self.view(force=t.done)
        return Snapshot(s.first, s.last, s.loss, s.grad_norm, s.lr, s.update_ratio, epochs, s.stopped,
                        symptoms, boundary, mistakes, t.done, time.perf_counter() - t0)


class Series:
    """Everything the plots show, filled slice by slice on the window's thread."""

    def __init__(self, lanes: int, total_steps: int, epochs: int, layers: int, steps_per_epoch: int):
        self.k, self.total, self.epochs, self.layers = lanes, total_steps, epochs, layers
        self.steps_per_epoch = steps_per_epoch
        self.loss = np.full((lanes, total_steps), np.nan)
        self.grad_norm = np.full((lanes, total_steps), np.nan)
        self.lr = np.full((lanes, total_steps), np.nan)
        self.update_ratio = np.full((lanes, total_steps, layers), np.nan)
        self.train_loss = np.full((lanes, epochs), np.nan)
        self.val_loss = np.full((lanes, epochs), np.nan)
        self.val_accuracy = np.full((lanes, epochs), np.nan)
        self.step = 0
        self.epoch = 0
        self.stopped: dict[int, tuple[str, int]] = {}  # lane -> (reason, step)
        self.symptoms: dict[int, list[_symptoms.Symptom]] = {}
        self.boundary: tuple[int, np.ndarray] | None = None
        self.misclassified: tuple[int, list[dict[str, Any]]] | None = None
        self.done = False

    @classmethod
    def for_state(cls, state: LabState) -> "Series":
        layers = len(state.hidden) + 1
        return cls(len(state.lanes), total_steps(state), int(state.epochs), layers, steps_per_epoch(state))

    def add(self, snap: Snapshot) -> None:
        cols = slice(snap.first - 1, snap.last)
        if snap.last >= snap.first:
            self.loss[:, cols] = snap.loss
            self.grad_norm[:, cols] = snap.grad_norm
            self.lr[:, cols] = snap.lr
            self.update_ratio[:, cols] = snap.update_ratio
            self.step = snap.last
        for e, tl, vl, va in snap.epochs:
            self.train_loss[:, e - 1] = tl
            self.val_loss[:, e - 1] = vl
            self.val_accuracy[:, e - 1] = va
            self.epoch = max(self.epoch, e)
        for lane, why in snap.stopped:
            step = snap.last
            if why == "diverged":  # the step whose loss was not finite
                bad = np.flatnonzero(~np.isfinite(self.loss[lane, :snap.last]))
                step = int(bad[0]) + 1 if len(bad) else snap.last
            self.stopped[lane] = (why, step)
        if snap.symptoms is not None:
            self.symptoms = snap.symptoms
        if snap.boundary is not None:
            self.boundary = snap.boundary
        if snap.misclassified is not None:
            self.misclassified = snap.misclassified
        self.done = snap.done


# ---------------------------------------------------------------- notebook


def notebook_items(state: LabState, trainer: _train.Trainer, stopped: bool = False) -> list[tuple[dict, dict]]:
    """``(config, outcome)`` for every lane that took a step: the chapter's record
    (optimizer, lr, batch_size, weight_decay, seed, scheduler) plus model and data."""
    items = []
    for k, lane in enumerate(trainer.lanes):
        if int(trainer.history.steps_taken[k]) == 0:
            continue
        config = _train.notebook_record(trainer.spec, lane)
        outcome = _train.notebook_outcome(trainer, k)
        outcome["label"] = lane.label or lane.name  # a name, not a knob: kept out of the diff
        if stopped and not trainer.done:
            outcome["stopped_by_you"] = True
        items.append((config, outcome))
    return items


def _g(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def notebook_row(entry) -> dict[str, str]:
    """Table cells for one training run of the notebook (an ``Entry``)."""
    c, o = entry.config, entry.outcome
    sched = c.get("scheduler") or {}
    data = c.get("data") or {}
    model = c.get("model") or {}
    warm = c.get("warmup") or 0
    schedule = sched.get("name", "") if isinstance(sched, dict) else ""
    if warm:
        schedule = (schedule + " + " if schedule else "") + f"warmup {warm}"
    if o.get("diverged_at") is not None:
        result = f"NaN at step {o['diverged_at']}"
    elif o.get("final_val_loss") is not None:
        result = f"val {o['final_val_loss']:.3g}"
        if o.get("final_val_accuracy") is not None:
            result += f", acc {o['final_val_accuracy']:.0%}"
    elif o.get("final_loss") is not None:
        result = f"loss {o['final_loss']:.3g}"
    else:
        result = ""
    if o.get("early_stopped_epoch"):
        result += f" (stopped early, epoch {o['early_stopped_epoch']})"
    elif o.get("stopped_by_you"):
        result += " (stopped)"
    hidden = "-".join(str(h) for h in model.get("hidden", []))
    return {
        "id": str(entry.id),
        "optimizer": str(c.get("optimizer", "?")),
        "lr": _g(c.get("lr")),
        "batch_size": _g(c.get("batch_size")),
        "weight_decay": _g(c.get("weight_decay")),
        "seed": _g(c.get("seed")),
        "scheduler": schedule,
        "data": f"{data.get('dataset', '?')} {hidden} {model.get('activation', '')}".strip(),
        "result": result,
        "changed": "" if getattr(entry, "changed", None) is None else str(entry.changed),
    }


def state_from_configs(configs: list[dict[str, Any]], labels: list[str] | None = None) -> LabState:
    """Rebuild a race from lab-notebook configs (training runs). The first run sets the
    data, model and loop; runs on other data or another model are left out."""
    configs = [c for c in configs if isinstance(c, dict) and c.get("kind") == "train"]
    if not configs:
        raise ValueError("no training runs to load")
    first = configs[0]

    def shared(c: dict) -> tuple:
        return (json.dumps(c.get("model"), sort_keys=True), json.dumps(c.get("data"), sort_keys=True),
                c.get("batch_size"), c.get("seed"))

    data, model = dict(first.get("data") or {}), dict(first.get("model") or {})
    params = {k: data[k] for k in ("n", "noise") if k in data} if data.get("dataset") == "moons" else {}
    spec = _train.TrainSpec(dataset=data.get("dataset", "moons"), dataset_params=params,
                            hidden=tuple(model.get("hidden") or (32,)),
                            activation=model.get("activation", "relu"),
                            init_scale=float(model.get("init_scale", 1.0)),
                            batch_size=int(first.get("batch_size", 32)), epochs=int(data.get("epochs", 10)),
                            val_fraction=float(data.get("val_fraction", 0.2)),
                            augment=bool(data.get("augment", False)), early_stop=data.get("early_stop"),
                            seed=int(first.get("seed", 0)))
    lanes = []
    for i, c in enumerate(configs):
        if shared(c) != shared(first) or len(lanes) >= MAX_LANES:
            continue
        hyper = dict(c.get("hyper") or {})
        if c.get("weight_decay") is not None:
            hyper["weight_decay"] = c["weight_decay"]
        sched = c.get("scheduler") or None
        label = labels[i] if labels and i < len(labels) else ""
        lanes.append(_train.LaneSpec(optimizer=c["optimizer"], lr=float(c["lr"]), hyper=hyper,
                                     schedule=sched["name"] if sched else None,
                                     schedule_args=dict(sched.get("args") or {}) if sched else {},
                                     warmup=int(c.get("warmup") or 0), clip_norm=c.get("clip_norm"),
                                     label=label))
    state = state_from_specs(spec, lanes)
    problem = check_state(state)
    if problem:
        raise ValueError(problem)
    return state


def is_training_run(entry) -> bool:
    return isinstance(entry.config, dict) and entry.config.get("kind") == "train"


# ---------------------------------------------------------------- text


def preset_choices() -> list[tuple[str, str]]:
    return [(p.key, p.title) for p in lab_presets.PRESETS]


def layer_names(state: LabState) -> list[str]:
    inputs = 64 if state.dataset == "digits" else 2
    classes = 10 if state.dataset == "digits" else 2
    sizes = [inputs, *state.hidden, classes]
    return [f"layer {i + 1} ({a}→{b})" for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]


def describe_lane(lane: LabLane) -> str:
    """One line for the lane list and tooltips: optimizer, lr and the extras."""
    parts = [f"{lane.optimizer}, lr {lane.hyper['lr']:g}"]
    sched = (lane.schedule or {}).get("name")
    if sched and sched != "constant":
        parts.append(sched)
    if lane.warmup:
        parts.append(f"warmup {lane.warmup}")
    if lane.clip_norm is not None:
        parts.append(f"clip {lane.clip_norm:g}")
    wd = lane.hyper.get("weight_decay")
    if wd:
        parts.append(f"wd {wd:g}")
    return ", ".join(parts)


__all__ = ["LabLane", "LabState", "LabRun", "Series", "Snapshot", "lane_spec", "lane_from_spec",
           "state_from_specs", "state_from_stage", "default_state", "apply_lever", "check_state",
           "notebook_items", "notebook_row", "total_steps", "steps_per_epoch", "PALETTE"]
