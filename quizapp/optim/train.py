"""Train K configurations of one small network at once: the training lab's engine.

Vocabulary:

* :class:`TrainSpec`: what every lane shares: the data (``dataset`` and
  ``dataset_params``), the model (``hidden``, ``activation``, ``init_scale``), the
  loop (``batch_size``, ``epochs``, ``val_fraction``, ``augment``, ``early_stop``) and
  the ``seed``.
* :class:`LaneSpec`: what one lane changes: the optimizer and its settings, the
  learning rate, the schedule and warmup, gradient clipping.
* :class:`Trainer`: builds the data, the initial weights and the minibatch order once
  from the seed and advances all lanes together, a slice of steps at a time
  (:meth:`Trainer.run_steps`), so a window can draw each slice as it comes.
* :class:`History`: everything recorded, as NumPy arrays indexed ``[lane, step]`` or
  ``[lane, epoch]``.

Because the data, the initial weights, the minibatch order and the augmentation are
the same for every lane, two lanes differ only by their optimizer settings: the race
compares like with like. A lane trained in a batch of K gives the numbers it gives
alone.

One step, for every lane still running (t counts steps from 0, epochs from 1):

1. the minibatch (rows of a fresh permutation of the training rows at the start of
   each epoch; augmented when ``augment`` is on);
2. loss and gradient (:mod:`quizapp.optim.mlp`); a loss that is not finite stops
   the lane: its ``diverged_step`` is this step (1-based), no update (a gradient that
   overflows makes the weights, and so the next loss, non-finite, as in torch);
3. the gradient's global norm over all parameters (recorded before clipping), then
   ``torch.nn.utils.clip_grad_norm_``'s rule when ``clip_norm`` is set:
   ``g *= min(1, clip_norm / (norm + 1e-6))``;
4. the optimizer update with the rate ``lr_t = schedule(t) * warmup(t)``, where
   ``warmup(t) = min(1, (t + 1) / warmup)``;
5. at the end of an epoch: loss on the whole training split (no augmentation),
   loss and accuracy on the validation split, and early stopping (a lane stops when
   its validation loss has not improved on its best for ``early_stop`` epochs).
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from quizapp.optim import data as _data
from quizapp.optim import mlp as _mlp
from quizapp.optim import optimizers as _opt
from quizapp.optim import schedules as _sched

DATASETS = ("moons", "digits")
MOONS_DEFAULTS = {"n": 400, "noise": 0.2}
MAX_STEPS = 100_000
MAX_LANES = 8
MAX_WIDTH = 4096
MAX_WEIGHTS = 2_000_000  # numbers in all lanes' networks together (memory stays small)
CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_ adds this to the norm
JITTER_SIGMA = 0.05  # moons augmentation: Gaussian noise on each input


# ---------------------------------------------------------------------- specs


@dataclass(frozen=True)
class TrainSpec:
    """What every lane shares. ``dataset_params`` for moons: ``n`` and ``noise``.

    ``early_stop`` is a patience in epochs (``None``: off); it needs a validation split.
    """

    dataset: str = "moons"
    dataset_params: Mapping[str, Any] = field(default_factory=dict)
    hidden: tuple[int, ...] = (32,)
    activation: str = "relu"
    init_scale: float = 1.0
    batch_size: int = 32
    epochs: int = 10
    val_fraction: float = 0.2
    augment: bool = False
    early_stop: int | None = None
    seed: int = 0

    def check(self) -> "TrainSpec":
        """Return a normalised copy (tuples, ints); ValueError naming the bad field."""
        if self.dataset not in DATASETS:
            raise ValueError(f"Unknown dataset {self.dataset!r}; choose one of: {', '.join(DATASETS)}")
        params = dict(self.dataset_params or {})
        if self.dataset == "moons":
            unknown = sorted(set(params) - set(MOONS_DEFAULTS))
            if unknown:
                raise ValueError(f"Unknown moons setting {unknown[0]!r}; valid: n, noise")
            params = {**MOONS_DEFAULTS, **params}
        elif params:
            raise ValueError("the digits data set takes no settings")
        hidden = tuple(_whole(f"hidden layer width", h, 1, MAX_WIDTH) for h in self.hidden)
        if len(hidden) > 8:
            raise ValueError("Invalid hidden: at most 8 hidden layers")
        if self.activation not in _mlp.ACTIVATIONS:
            raise ValueError(f"Invalid activation {self.activation!r}; choose relu or tanh")
        init_scale = float(self.init_scale)
        if not math.isfinite(init_scale) or init_scale <= 0:
            raise ValueError(f"Invalid init_scale: {self.init_scale!r} (must be > 0)")
        early = None if self.early_stop is None else _whole("early_stop", self.early_stop, 1, 10_000)
        val_fraction = float(self.val_fraction)
        if not 0 <= val_fraction < 1:
            raise ValueError(f"Invalid val_fraction: {self.val_fraction!r} (must be in [0, 1))")
        if early is not None and val_fraction == 0:
            raise ValueError("early_stop needs a validation split (val_fraction > 0)")
        return replace(self, dataset_params=params, hidden=hidden, init_scale=init_scale,
                       batch_size=_whole("batch_size", self.batch_size, 1, 1_000_000),
                       epochs=_whole("epochs", self.epochs, 1, 100_000), val_fraction=val_fraction,
                       augment=bool(self.augment), early_stop=early,
                       seed=_whole("seed", self.seed, 0, 2**63 - 1))


@dataclass(frozen=True)
class LaneSpec:
    """One lane's optimizer settings.

    ``lr`` ``None`` means the optimizer's default; ``hyper`` holds the other
    hyper-parameters by torch name (``momentum``, ``beta2``, ``weight_decay``...).
    ``schedule`` names one of :data:`quizapp.optim.schedules.SCHEDULES` with
    ``schedule_args``; a missing ``T_max`` (cosine) or ``total_steps`` (warmup_cosine)
    defaults to the run's total number of steps. ``warmup`` is a number of steps of
    linear warmup multiplied into any schedule. ``clip_norm`` ``None``: no clipping.
    """

    optimizer: str = "adam"
    lr: float | None = None
    hyper: Mapping[str, Any] = field(default_factory=dict)
    schedule: str | None = None
    schedule_args: Mapping[str, Any] = field(default_factory=dict)
    warmup: int = 0
    clip_norm: float | None = None
    label: str = ""

    @property
    def name(self) -> str:
        """A short label for legends: ``label``, else e.g. ``adam lr=0.001``."""
        if self.label:
            return self.label
        return f"{self.optimizer} lr={self.base_lr():g}"

    def base_lr(self) -> float:
        return float(self.lr if self.lr is not None else _opt.defaults(self.optimizer)["lr"])

    def full_hyper(self) -> dict[str, Any]:
        """Every hyper-parameter the optimizer uses, defaults included, lr excluded."""
        valid = _opt.defaults(self.optimizer)
        hyper = dict(self.hyper or {})
        if "lr" in hyper:
            raise ValueError("give the learning rate as lr, not inside hyper")
        unknown = sorted(set(hyper) - set(valid))
        if unknown:
            raise ValueError(f"Unknown hyper-parameter {unknown[0]!r} for {self.optimizer}; "
                             f"valid: {', '.join(valid)}")
        out = {k: v for k, v in valid.items() if k != "lr"}
        out.update(hyper)
        return out

    def schedule_config(self, total_steps: int) -> dict[str, Any] | None:
        """``{"name", "args"}`` with the defaulted length filled in, or None for constant."""
        if self.schedule in (None, "", "constant") and not self.schedule_args:
            return None
        name = self.schedule or "constant"
        args = dict(self.schedule_args or {})
        if name == "cosine":
            args.setdefault("T_max", total_steps)
        if name == "warmup_cosine":
            args.setdefault("total_steps", total_steps)
        return {"name": name, "args": args}


def _whole(name: str, value: Any, lo: int, hi: int) -> int:
    ok = isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, (bool, np.bool_)) or not ok or not lo <= value <= hi:
        raise ValueError(f"Invalid {name}: {value!r} (must be a whole number from {lo} to {hi})")
    return int(value)


# ---------------------------------------------------------------------- data


@dataclass
class Dataset:
    """Inputs, labels and the split, as the run uses them."""

    name: str
    X: np.ndarray
    y: np.ndarray
    classes: int
    train_idx: np.ndarray
    val_idx: np.ndarray


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent random streams for each use of the seed."""
    names = ("data", "split", "init", "shuffle", "augment")
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {n: np.random.default_rng(c) for n, c in zip(names, children)}


def build_dataset(spec: TrainSpec) -> Dataset:
    spec = spec.check()
    if spec.dataset == "digits":
        X, y = _data.load_digits()
        classes = _data.DIGITS_CLASSES
    else:
        data_seed = int(np.random.SeedSequence(spec.seed).generate_state(1)[0])
        X, y = _data.make_moons(spec.dataset_params["n"], spec.dataset_params["noise"], data_seed)
        classes = 2
    split_seed = int(np.random.SeedSequence([spec.seed, 1]).generate_state(1)[0])
    train_idx, val_idx = _data.split(len(y), spec.val_fraction, split_seed)
    return Dataset(spec.dataset, X, y, classes, train_idx, val_idx)


# ---------------------------------------------------------------------- history


@dataclass
class History:
    """What the lanes did. NaN marks a step or epoch a lane did not reach.

    Steps are 1-based in names (``diverged_step``) and 0-based as array positions:
    ``loss[k, t]`` is the minibatch loss of lane k before its step t + 1.
    """

    lanes: int
    steps_per_epoch: int
    total_steps: int
    epochs: int
    layers: int
    loss: np.ndarray = None  # (K, T) minibatch loss before the step
    grad_norm: np.ndarray = None  # (K, T) global gradient norm before clipping
    lr: np.ndarray = None  # (K, T) rate the step's update used
    clip_coef: np.ndarray = None  # (K, T) factor applied to the gradient (1 = unclipped)
    update_ratio: np.ndarray = None  # (K, T, L) ||dW|| / ||W|| per layer's weight
    train_loss: np.ndarray = None  # (K, E) whole training split after the epoch
    val_loss: np.ndarray = None  # (K, E)
    val_accuracy: np.ndarray = None  # (K, E)
    steps_taken: np.ndarray = None  # (K,) steps each lane has recorded
    epochs_done: np.ndarray = None  # (K,) epochs each lane has finished
    diverged_step: list = None  # per lane: 1-based step whose loss was not finite, or None
    early_stopped_epoch: list = None  # per lane: epoch after which early stopping halted it
    best_epoch: list = None  # per lane: epoch with the lowest validation loss so far
    spec: Any = None  # the run's TrainSpec (set by the Trainer)
    lane_specs: list = None  # the run's LaneSpecs (set by the Trainer)

    def __post_init__(self):
        k, t, e, l = self.lanes, self.total_steps, self.epochs, self.layers
        self.loss = np.full((k, t), np.nan)
        self.grad_norm = np.full((k, t), np.nan)
        self.lr = np.full((k, t), np.nan)
        self.clip_coef = np.full((k, t), np.nan)
        self.update_ratio = np.full((k, t, l), np.nan)
        self.train_loss = np.full((k, e), np.nan)
        self.val_loss = np.full((k, e), np.nan)
        self.val_accuracy = np.full((k, e), np.nan)
        self.steps_taken = np.zeros(k, dtype=np.int64)
        self.epochs_done = np.zeros(k, dtype=np.int64)
        self.diverged_step = [None] * k
        self.early_stopped_epoch = [None] * k
        self.best_epoch = [None] * k

    def lane(self, k: int) -> dict[str, Any]:
        """Lane k's records trimmed to what it reached (arrays, for plots and detectors)."""
        n, e = int(self.steps_taken[k]), int(self.epochs_done[k])
        return {
            "loss": self.loss[k, :n], "grad_norm": self.grad_norm[k, :n], "lr": self.lr[k, :n],
            "clip_coef": self.clip_coef[k, :n], "update_ratio": self.update_ratio[k, :n],
            "train_loss": self.train_loss[k, :e], "val_loss": self.val_loss[k, :e],
            "val_accuracy": self.val_accuracy[k, :e], "diverged_step": self.diverged_step[k],
            "early_stopped_epoch": self.early_stopped_epoch[k], "best_epoch": self.best_epoch[k],
            "steps_per_epoch": self.steps_per_epoch,
        }

    def summary(self, k: int) -> dict[str, Any]:
        """Plain numbers for one lane: final and best values (JSON-ready)."""
        e = int(self.epochs_done[k])
        return {
            "steps": int(self.steps_taken[k]),
            "epochs_done": e,
            "final_train_loss": _num(self.train_loss[k, e - 1]) if e else None,
            "final_val_loss": _num(self.val_loss[k, e - 1]) if e else None,
            "final_val_accuracy": _num(self.val_accuracy[k, e - 1]) if e else None,
            "best_epoch": self.best_epoch[k],
            "diverged_step": self.diverged_step[k],
            "early_stopped_epoch": self.early_stopped_epoch[k],
        }


@dataclass
class StepSlice:
    """What one :meth:`Trainer.run_steps` call added: global steps ``first..last`` (1-based).

    The arrays are copies, columns ``first-1 .. last-1`` of the history (NaN where a
    lane had stopped); ``epochs`` lists the epochs that ended inside the slice.
    """

    first: int
    last: int
    loss: np.ndarray  # (K, n)
    grad_norm: np.ndarray
    lr: np.ndarray
    update_ratio: np.ndarray  # (K, n, L)
    epochs: list[int]
    stopped: list[tuple[int, str]]  # (lane, "diverged" | "early_stop") that stopped here

    @property
    def count(self) -> int:
        return self.last - self.first + 1 if self.last >= self.first else 0


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


# ---------------------------------------------------------------------- trainer


class _Group:
    """Lanes sharing one optimizer: one update call with K_g-valued hyper-parameters."""

    def __init__(self, name: str, lanes: list[int], specs: list[LaneSpec], params: np.ndarray):
        self.name = name
        self.index = np.asarray(lanes)
        # a run of neighbouring lanes is a slice: views instead of copies in the hot loop
        if np.array_equal(self.index, np.arange(lanes[0], lanes[0] + len(lanes))):
            self.rows: Any = slice(lanes[0], lanes[0] + len(lanes))
        else:
            self.rows = self.index
        self.all_lanes = False
        self.lane = lanes[0] if len(lanes) == 1 else None  # a lone lane gets its rate as a float
        hypers = [specs[k].full_hyper() for k in lanes]
        hyper: dict[str, Any] = {"lr": _same_or_array([specs[k].base_lr() for k in lanes])}
        for key in hypers[0]:
            hyper[key] = _same_or_array([h[key] for h in hypers])
        self.opt = _opt.make(name, **hyper)
        self.state = self.opt.init(params[self.index])


def _same_or_array(values: list) -> Any:
    first = values[0]
    if all(type(v) is type(first) and v == first for v in values):
        return first
    return np.asarray(values)


class Trainer:
    """K lanes of one network trained together; advance with :meth:`run_steps`.

    ``record_batches`` keeps every minibatch's row indices (for the replay file).
    """

    def __init__(self, spec: TrainSpec, lanes: Sequence[LaneSpec], *, record_batches: bool = False):
        self.spec = spec = spec.check()
        self.lanes = [l if isinstance(l, LaneSpec) else LaneSpec(**l) for l in lanes]
        k = len(self.lanes)
        if not 1 <= k <= MAX_LANES:
            raise ValueError(f"a run needs between 1 and {MAX_LANES} lanes, got {k}")
        self.data = build_dataset(spec)
        n_train = len(self.data.train_idx)
        self.steps_per_epoch = math.ceil(n_train / spec.batch_size)
        self.total_steps = spec.epochs * self.steps_per_epoch
        if self.total_steps > MAX_STEPS:
            raise ValueError(f"this run would take {self.total_steps} steps; the lab allows {MAX_STEPS}")
        self.layout = _mlp.Layout((self.data.X.shape[1], *spec.hidden, self.data.classes))
        if self.layout.size * k > MAX_WEIGHTS:
            raise ValueError(f"{k} lanes of a network with {self.layout.size:,} weights is too big for the lab "
                             f"(at most {MAX_WEIGHTS:,} weights in all lanes together)")
        streams = _streams(spec.seed)
        self._shuffle_rng = streams["shuffle"]
        self._augment_rng = streams["augment"]
        self.params = _mlp.init_params(self.layout, streams["init"], spec.init_scale, k)
        self.init_params = self.params[0].copy()
        self._grads = np.empty_like(self.params)
        # schedules: validated now so a bad value fails before any work
        self._lr_fns = []
        self._schedules = []
        for lane in self.lanes:
            sched = lane.schedule_config(self.total_steps)
            self._schedules.append(sched)
            base = lane.base_lr()
            fn = _sched.constant(base) if sched is None else _sched.make(sched["name"], base, **sched["args"])
            warm = _whole("warmup", lane.warmup, 0, MAX_STEPS)
            self._lr_fns.append(_with_warmup(fn, warm))
            if lane.clip_norm is not None and not (math.isfinite(float(lane.clip_norm)) and lane.clip_norm > 0):
                raise ValueError(f"Invalid clip_norm: {lane.clip_norm!r} (must be > 0)")
        clip = [np.inf if l.clip_norm is None else float(l.clip_norm) for l in self.lanes]
        self._clip = np.asarray(clip)
        self._clipping = bool(np.isfinite(self._clip).any())
        by_name: dict[str, list[int]] = {}
        for i, lane in enumerate(self.lanes):
            by_name.setdefault(lane.optimizer, []).append(i)
        self._groups = [_Group(name, idx, self.lanes, self.params) for name, idx in by_name.items()]
        if len(self._groups) == 1:
            self._groups[0].all_lanes = True
        self.history = History(k, self.steps_per_epoch, self.total_steps, spec.epochs, self.layout.layers)
        self.history.spec = spec  # what the symptom detector reads the levers' values from
        self.history.lane_specs = list(self.lanes)
        self.active = np.ones(k, dtype=bool)
        self.step = 0  # global steps done
        self._order: np.ndarray | None = None
        self._best_val = np.full(k, np.inf)
        self._bad_epochs = np.zeros(k, dtype=np.int64)
        self.best_params = self.params.copy()
        self.record_batches = record_batches
        self.batches: list[np.ndarray] = []
        offsets = self.layout.offsets()
        self._weight_slices = [slice(w0, b0) for w0, b0, _ in offsets]
        self._ratio = np.empty((k, len(offsets)))  # scratch: one step's update ratios
        self._train_X = self.data.X[self.data.train_idx]
        self._train_y = self.data.y[self.data.train_idx]
        self._val_X = self.data.X[self.data.val_idx]
        self._val_y = self.data.y[self.data.val_idx]
        # the epoch evaluation's input: training then validation rows, in the column layout
        self._eval_XT1 = _mlp.columns_with_ones(np.concatenate([self._train_X, self._val_X]))
        self._eval_y = np.concatenate([self._train_y, self._val_y])

    # ------------------------------------------------------------- state
    @property
    def k(self) -> int:
        return len(self.lanes)

    @property
    def done(self) -> bool:
        return self.step >= self.total_steps or not self.active.any()

    @property
    def epoch(self) -> int:
        """Epochs completed by the run so far."""
        return self.step // self.steps_per_epoch

    # ------------------------------------------------------------- the loop
    def _batch(self) -> np.ndarray:
        pos = self.step % self.steps_per_epoch
        if pos == 0:
            self._order = self.data.train_idx[self._shuffle_rng.permutation(len(self.data.train_idx))]
        b = self.spec.batch_size
        return self._order[pos * b:(pos + 1) * b]

    def _inputs(self, rows: np.ndarray) -> np.ndarray:
        X = self.data.X[rows]
        if not self.spec.augment:
            return X
        if self.spec.dataset == "digits":
            return _data.shift_digits(X, self._augment_rng)
        return _data.jitter(X, self._augment_rng, JITTER_SIGMA)

    def run_steps(self, n: int) -> StepSlice:
        """Advance every running lane by up to ``n`` steps; returns what was added."""
        first = self.step + 1
        epochs: list[int] = []
        stopped: list[tuple[int, str]] = []
        h = self.history
        with np.errstate(all="ignore"), _one_blas_thread():
            for _ in range(max(0, int(n))):
                if self.done:
                    break
                t = self.step
                rows = self._batch()
                if self.record_batches:
                    self.batches.append(rows)
                X = self._inputs(rows)
                y = self.data.y[rows]
                loss, grads = _mlp.loss_and_grad(self.layout, self.params, X, y,
                                                 self.spec.activation, out=self._grads)
                norm = np.sqrt(np.einsum("kp,kp->k", grads, grads))
                lr = np.array([fn(t) for fn in self._lr_fns])
                act = self.active
                sel = slice(None) if act.all() else act  # a slice is cheaper than a mask
                h.loss[sel, t] = loss[sel]
                h.grad_norm[sel, t] = norm[sel]
                h.lr[sel, t] = lr[sel]
                h.steps_taken[sel] = t + 1
                bad = act & ~np.isfinite(loss)  # a non-finite gradient shows in the next loss
                if bad.any():
                    for i in np.flatnonzero(bad):
                        h.diverged_step[i] = t + 1
                        stopped.append((int(i), "diverged"))
                    self.active = act = act & ~bad
                    sel = act
                if self._clipping:
                    coef = np.minimum(self._clip / (norm + CLIP_EPS), 1.0)
                    grads *= coef[:, None]
                    h.clip_coef[sel, t] = coef[sel]
                else:
                    h.clip_coef[sel, t] = 1.0
                old = self.params
                new = self._update(grads, old, lr)
                if not isinstance(sel, slice):  # stopped lanes keep their weights
                    new[~act] = old[~act]
                self._record_ratios(t, old, new, sel)
                self.params = new
                self.step = t + 1
                if self.step % self.steps_per_epoch == 0:
                    epochs.append(self.step // self.steps_per_epoch)
                    stopped += self._end_epoch(self.step // self.steps_per_epoch)
        last = self.step
        cols = slice(first - 1, last)
        return StepSlice(first, last, h.loss[:, cols].copy(), h.grad_norm[:, cols].copy(),
                         h.lr[:, cols].copy(), h.update_ratio[:, cols].copy(), epochs, stopped)

    def run(self) -> "Trainer":
        """Train to the end (every lane finished, diverged or stopped early)."""
        while not self.done:
            self.run_steps(self.steps_per_epoch)
        return self

    def _update(self, grads: np.ndarray, params: np.ndarray, lr: np.ndarray) -> np.ndarray:
        """The optimizers' step for every group; ``lr`` holds the K rates. A group of one
        lane gets its rate as a Python float (cheaper arithmetic, the same numbers)."""
        if len(self._groups) == 1:
            g = self._groups[0]
            rate = float(lr[g.lane]) if g.lane is not None else lr[:, None]
            new, g.state = g.opt.update(grads, g.state, params, rate)
            return new
        new = np.empty_like(params)
        for g in self._groups:
            rows = g.rows
            rate = float(lr[g.lane]) if g.lane is not None else lr[rows, None]
            new[rows], g.state = g.opt.update(grads[rows], g.state, params[rows], rate)
        return new

    def _record_ratios(self, t: int, old: np.ndarray, new: np.ndarray, act: np.ndarray) -> None:
        d = new - old  # one subtraction for every layer (the biases' few numbers come along)
        ratio = self._ratio
        for l, sl in enumerate(self._weight_slices):
            dl, w = d[:, sl], old[:, sl]
            ratio[:, l] = np.einsum("kp,kp->k", dl, dl) / np.einsum("kp,kp->k", w, w)
        np.sqrt(ratio, out=ratio)
        self.history.update_ratio[act, t] = ratio[act]  # act: a lane mask, or slice(None) for all

    def _end_epoch(self, epoch: int) -> list[tuple[int, str]]:
        h = self.history
        act = self.active
        e = epoch - 1
        # one forward pass over the training and validation rows together
        losses, right = _mlp.row_losses(self.layout, self.params, None, self._eval_y,
                                        self.spec.activation, XT1=self._eval_XT1)
        n = len(self._train_y)
        train_loss = losses[:, :n].mean(axis=1)
        if len(self._val_y):
            val_loss, val_acc = losses[:, n:].mean(axis=1), right[:, n:].mean(axis=1)
        else:
            val_loss = val_acc = np.full(self.k, np.nan)
        h.train_loss[act, e] = train_loss[act]
        h.val_loss[act, e] = val_loss[act]
        h.val_accuracy[act, e] = val_acc[act]
        h.epochs_done[act] = epoch
        stopped = []
        for i in np.flatnonzero(act):
            v = val_loss[i]
            if np.isfinite(v) and v < self._best_val[i]:
                self._best_val[i] = v
                self._bad_epochs[i] = 0
                h.best_epoch[i] = epoch
                self.best_params[i] = self.params[i]
            else:
                self._bad_epochs[i] += 1
            patience = self.spec.early_stop
            if patience is not None and self._bad_epochs[i] >= patience and epoch < self.spec.epochs:
                h.early_stopped_epoch[i] = epoch
                self.active[i] = False
                stopped.append((int(i), "early_stop"))
        return stopped

    # ------------------------------------------------------------- looking
    def predict_proba(self, lane: int, X: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, classes)`` of lane ``lane``'s current weights."""
        X = np.asarray(X, dtype=float)
        with np.errstate(all="ignore"):
            return _mlp.predict_proba(self.layout, self.params[lane:lane + 1], X, self.spec.activation)[0]

    def decision_grid(self, lane: int, n: int = 60, margin: float = 0.5):
        """For a 2-D data set (moons): ``(xs (n,), ys (n,), p (n, n))`` where ``p[i, j]`` is
        lane ``lane``'s probability of class 1 at ``(xs[j], ys[i])``, over the data's
        bounding box widened by ``margin``. Ready for a contour plot of the boundary."""
        if self.data.X.shape[1] != 2:
            raise ValueError("a decision grid needs 2-D inputs (the moons data set)")
        n = _whole("n", n, 2, 400)
        lo, hi = self.data.X.min(axis=0) - margin, self.data.X.max(axis=0) + margin
        xs, ys = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
        gx, gy = np.meshgrid(xs, ys)
        p = self.predict_proba(lane, np.column_stack([gx.ravel(), gy.ravel()]))[:, 1]
        return xs, ys, p.reshape(n, n)

    def misclassified(self, lane: int, k: int = 8) -> list[dict[str, Any]]:
        """Up to ``k`` validation rows lane ``lane`` gets wrong, most confident mistakes first.

        Each: ``row`` (index into the data set), ``image`` (8 x 8 in [0, 1] for digits,
        the 2 inputs for moons), ``label``, ``predicted``, ``confidence``.
        """
        if len(self.data.val_idx) == 0:
            return []
        proba = self.predict_proba(lane, self._val_X)
        pred = proba.argmax(axis=1)
        wrong = np.flatnonzero(pred != self._val_y)
        conf = proba[wrong, pred[wrong]]
        order = wrong[np.argsort(-conf, kind="stable")][:max(0, int(k))]
        out = []
        for i in order:
            x = self._val_X[i]
            out.append({"row": int(self.data.val_idx[i]),
                        "image": x.reshape(_data.DIGITS_SHAPE) if self.spec.dataset == "digits" else x.copy(),
                        "label": int(self._val_y[i]), "predicted": int(pred[i]),
                        "confidence": float(proba[i, pred[i]])})
        return out

    def layer_params(self, lane: int) -> list[dict[str, np.ndarray]]:
        """Lane ``lane``'s weights per layer in torch.nn.Linear's layout."""
        return _layers(self.layout, self.params[lane])

    # ------------------------------------------------------------- records
    def replay(self, lane: int = 0) -> dict[str, Any]:
        """The replay file's content for one lane (needs ``record_batches=True``).

        Everything another framework needs to redo the run: config, data as used,
        the split, the initial weights, each step's minibatch rows, the recorded
        per-step and per-epoch numbers, the final weights. Non-finite numbers are None.
        """
        if not self.record_batches:
            raise ValueError("the replay needs a Trainer made with record_batches=True")
        if self.spec.augment:
            raise ValueError("a replay file records runs without augmentation (augment is on)")
        spec, l, h = self.spec, self.lanes[lane], self.history
        n = int(h.steps_taken[lane])
        sched = self._schedules[lane]
        if l.warmup:
            sched = {**(sched or {"name": "constant", "args": {}}), "warmup": int(l.warmup)}
        config = {
            "optimizer": l.optimizer,
            "hyper": {k: _plain(v) for k, v in l.full_hyper().items()},
            "lr": l.base_lr(),
            "schedule": sched,
            "clip_norm": None if l.clip_norm is None else float(l.clip_norm),
            "activation": spec.activation,
            "hidden": list(spec.hidden),
            "init_scale": spec.init_scale,
            "batch_size": spec.batch_size,
            "epochs": spec.epochs,
            "seed": spec.seed,
            "dataset": spec.dataset,
        }
        return {
            "config": config,
            "X": self.data.X.tolist(),
            "y": self.data.y.tolist(),
            "train_idx": self.data.train_idx.tolist(),
            "val_idx": self.data.val_idx.tolist(),
            "init": _layers_json(self.layout, self.init_params),
            "batches": [b.tolist() for b in self.batches[:n]],
            "steps": [{"step": t + 1, "lr": float(h.lr[lane, t]), "loss": _num(h.loss[lane, t]),
                       "grad_norm": _num(h.grad_norm[lane, t])} for t in range(n)],
            "epochs": [{"epoch": e + 1, "train_loss": _num(h.train_loss[lane, e]),
                        "val_loss": _num(h.val_loss[lane, e]),
                        "val_accuracy": _num(h.val_accuracy[lane, e])}
                       for e in range(int(h.epochs_done[lane]))],
            "final": _layers_json(self.layout, self.params[lane]),
        }


_BLAS = None


def _one_blas_thread():
    """A context that runs BLAS on one thread (threadpoolctl), or does nothing without it.

    The lab's matrices are small: spreading each product over several cores costs
    more in hand-offs than it saves (three times slower on a busy two-core machine),
    and it would compete with the window's own thread.
    """
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController()
        except Exception:  # not installed, or no BLAS it knows: leave the threads alone
            _BLAS = False
    if _BLAS is False:
        return contextlib.nullcontext()
    return _BLAS.limit(limits=1, user_api="blas")


def _with_warmup(fn, warmup: int):
    if warmup <= 0:
        return fn
    return lambda t: fn(t) * min(1.0, (t + 1) / warmup)


def _plain(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v) if not isinstance(v, (int, np.integer)) else int(v)
    return v


def _layers(layout: _mlp.Layout, row: np.ndarray) -> list[dict[str, np.ndarray]]:
    return [{"weight": W, "bias": b} for W, b in layout.torch_layers(row)]


def _layers_json(layout: _mlp.Layout, row: np.ndarray) -> list[dict[str, Any]]:
    return [{"weight": d["weight"].tolist(), "bias": d["bias"].tolist()} for d in _layers(layout, row)]


def train(spec: TrainSpec, lanes: Iterable[LaneSpec] | LaneSpec, *, record_batches: bool = False) -> Trainer:
    """Build a :class:`Trainer` and run it to the end (one call, for the CLI and tests)."""
    if isinstance(lanes, LaneSpec):
        lanes = [lanes]
    return Trainer(spec, list(lanes), record_batches=record_batches).run()


# ---------------------------------------------------------------------- notebook


def notebook_record(spec: TrainSpec, lane: LaneSpec) -> dict[str, Any]:
    """The lab notebook's config for one lane: the chapter's record plus model and data.

    Top level: ``optimizer``, ``lr``, ``batch_size``, ``weight_decay``, ``seed``,
    ``scheduler`` (the chapter's list), then ``hyper`` (the optimizer's other
    settings), ``warmup``, ``clip_norm``, ``model`` and ``data``. Each knob appears
    once, so :func:`quizapp.progress.notebook.diff_configs` of two records lists
    exactly the knobs that changed.
    """
    spec = spec.check()
    hyper = lane.full_hyper()
    weight_decay = hyper.pop("weight_decay", None)
    sched = None
    if lane.schedule not in (None, "", "constant") or lane.schedule_args:
        sched = {"name": lane.schedule or "constant", "args": dict(lane.schedule_args or {})}
    return {
        "kind": "train",
        "optimizer": lane.optimizer,
        "lr": lane.base_lr(),
        "batch_size": spec.batch_size,
        "weight_decay": None if weight_decay is None else float(weight_decay),
        "seed": spec.seed,
        "scheduler": sched,
        "hyper": {k: _plain(v) for k, v in hyper.items()},
        "warmup": int(lane.warmup),
        "clip_norm": None if lane.clip_norm is None else float(lane.clip_norm),
        "model": {"hidden": list(spec.hidden), "activation": spec.activation,
                  "init_scale": spec.init_scale},
        "data": {"dataset": spec.dataset, **{k: _plain(v) for k, v in spec.dataset_params.items()},
                 "val_fraction": spec.val_fraction, "augment": spec.augment,
                 "epochs": spec.epochs, "early_stop": spec.early_stop},
    }


def notebook_outcome(trainer: Trainer, lane: int) -> dict[str, Any]:
    """The notebook's outcome for one lane (``final_loss`` is the last validation loss)."""
    s = trainer.history.summary(lane)
    final = s["final_val_loss"] if s["final_val_loss"] is not None else s["final_train_loss"]
    return {**s, "final_loss": final, "diverged_at": s["diverged_step"]}


def apply_changes(spec: TrainSpec, lane: LaneSpec, changes: Mapping[str, Any]) -> tuple[TrainSpec, LaneSpec]:
    """Apply a lever's ``changes``: keys are TrainSpec or LaneSpec fields, or ``hyper.NAME``."""
    train_fields = set(TrainSpec.__dataclass_fields__)
    lane_fields = set(LaneSpec.__dataclass_fields__)
    t_changes, l_changes = {}, {}
    hyper = dict(lane.hyper or {})
    for key, value in changes.items():
        if key.startswith("hyper."):
            hyper[key[6:]] = value
        elif key in lane_fields:
            l_changes[key] = value
        elif key in train_fields:
            t_changes[key] = value
        else:
            raise ValueError(f"unknown setting {key!r}")
    if hyper != dict(lane.hyper or {}):
        l_changes["hyper"] = hyper
    return replace(spec, **t_changes), replace(lane, **l_changes)


__all__ = ["TrainSpec", "LaneSpec", "Trainer", "History", "StepSlice", "Dataset", "train",
           "build_dataset", "notebook_record", "notebook_outcome", "apply_changes", "DATASETS"]
