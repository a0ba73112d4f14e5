"""The training lab's presets: short stories with a claim the engine checks.

Each :class:`LabPreset` is a sequence of :class:`Stage` objects: one training run
(a :class:`~quizapp.optim.train.TrainSpec` shared by its lanes, and up to 8
:class:`~quizapp.optim.train.LaneSpec`) with a paragraph to read while it trains. The
preset's ``claim`` says in one sentence what the runs show, and ``verify(trainers)``
checks it on the finished runs (one trainer per stage) and returns the evidence as
text, or raises :class:`ClaimFailed`. The tests run every preset; the Lab page shows
the claim and, after a run, the evidence.

No Qt here: the Lab page imports this module.

Stories:

* one per row of the chapter's debugging table (reproduce the symptom, then fix it):
  ``oscillation``, ``nan`` (early divergence from a too-large initial scale),
  ``fading`` (AdaGrad's shrinking steps), ``val_stagnation`` (over-fitting);
* ``tuning_order``: baseline Adam -> lr -> batch size -> schedule/warmup -> stability
  -> generalisation;
* ``one_knob``: change one setting at a time, and what the notebook's diff says.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from quizapp.optim.symptoms import detect
from quizapp.optim.train import LaneSpec, Trainer, TrainSpec, notebook_record


class ClaimFailed(AssertionError):
    """A preset's claim did not hold for the runs."""


@dataclass(frozen=True)
class Stage:
    title: str
    text: str
    spec: TrainSpec
    lanes: tuple[LaneSpec, ...]


@dataclass(frozen=True)
class LabPreset:
    key: str
    title: str
    text: str
    stages: tuple[Stage, ...]
    claim: str
    check: Callable[[Sequence[Trainer]], str] = field(repr=False, compare=False)
    symptom: str | None = None  # the debugging-table row it illustrates

    def run(self) -> list[Trainer]:
        """Train every stage to the end (what the tests and the CLI do)."""
        return [Trainer(s.spec, s.lanes).run() for s in self.stages]

    def verify(self, trainers: Sequence[Trainer] | None = None) -> str:
        """Check the claim on finished runs (run them if not given); returns the evidence."""
        return self.check(self.run() if trainers is None else trainers)


def _keys(trainer: Trainer, lane: int) -> list[str]:
    return [s.key for s in detect(trainer.history, lane)]


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise ClaimFailed(message)


def _final(trainer: Trainer, lane: int, what: str = "val_loss") -> float:
    arr = getattr(trainer.history, what)[lane]
    arr = arr[np.isfinite(arr)]
    return float(arr[-1]) if len(arr) else float("nan")


def _best(trainer: Trainer, lane: int) -> float:
    arr = trainer.history.val_loss[lane]
    return float(np.nanmin(arr)) if np.isfinite(arr).any() else float("nan")


# ---------------------------------------------------------------------- oscillation

_OSC_SPEC = TrainSpec(dataset="digits", hidden=(32,), epochs=12, batch_size=32, seed=0)
_OSC_LANES = (
    LaneSpec("sgd", lr=0.1, hyper={"momentum": 0.99}, label="momentum 0.99"),
    LaneSpec("sgd", lr=0.1, hyper={"momentum": 0.9}, label="momentum 0.9"),
    LaneSpec("sgd", lr=0.033, hyper={"momentum": 0.99}, label="lr / 3"),
)


def _check_oscillation(tr: Sequence[Trainer]) -> str:
    t = tr[0]
    _require("oscillation" in _keys(t, 0), f"lane 1 should oscillate; detector says {_keys(t, 0)}")
    _require("oscillation" not in _keys(t, 1), f"momentum 0.9 should not oscillate; {_keys(t, 1)}")
    a, b = _final(t, 0, "train_loss"), _final(t, 1, "train_loss")
    _require(b < a / 5, f"momentum 0.9 should end far lower: {b:.3g} vs {a:.3g}")
    c = _final(t, 2, "train_loss")
    return (f"momentum 0.99 oscillates and ends at training loss {a:.3g}; with momentum 0.9 the "
            f"same lr ends at {b:.3g} and the detector is quiet; lr / 3 alone reaches {c:.3g}.")


OSCILLATION = LabPreset(
    "oscillation", "Loss oscillation: too much momentum",
    "SGD on the digits with lr 0.1 and momentum 0.99 carries so much velocity (its steps "
    "add up to about lr / (1 - 0.99) = 10 times the gradient) that the training loss swings "
    "up and down from epoch to epoch instead of settling. The chapter's first checks are the "
    "learning rate, the momentum and the batch size. The second lane changes only the "
    "momentum (0.9), the third only the rate (lr / 3): compare how much each one calms it.",
    (Stage("Reproduce, then fix one knob per lane", "Watch the loss plot: the first lane saws; "
           "the second settles.", _OSC_SPEC, _OSC_LANES),),
    "With momentum 0.99 the detector reports oscillation; momentum 0.9 alone removes it and "
    "ends with a training loss at least five times lower.",
    _check_oscillation, symptom="oscillation")


# ---------------------------------------------------------------------- NaN

_NAN_SPEC = TrainSpec(dataset="moons", hidden=(16, 16, 16), init_scale=10.0, epochs=5, seed=0)
_NAN_LANES = (
    LaneSpec("sgd", lr=1.0, label="lr 1"),
    LaneSpec("sgd", lr=1.0, clip_norm=1.0, label="lr 1, clip at 1"),
)
_NAN_FIX = TrainSpec(dataset="moons", hidden=(16, 16, 16), init_scale=1.0, epochs=5, seed=0)


def _check_nan(tr: Sequence[Trainer]) -> str:
    big, fixed = tr
    step = big.history.diverged_step[0]
    _require(step is not None and step <= 20, f"init scale 10 with lr 1 should give NaN early; got {step}")
    _require(big.history.diverged_step[1] is None, "clipping at 1 should keep the loss finite")
    _require(all(fixed.history.diverged_step[k] is None for k in range(fixed.k)),
             "the default init scale should not diverge")
    _require("divergence" in _keys(big, 0), "the detector should name divergence")
    _require("divergence" not in _keys(fixed, 0), "the fixed run should show no divergence")
    acc = _final(fixed, 0, "val_accuracy")
    _require(acc >= 0.8, f"the fixed run should learn (validation accuracy {acc:.2f})")
    return (f"init scale 10: NaN at step {step}; clipping at 1 keeps it finite; the default "
            f"scale trains to validation accuracy {acc:.2f}.")


NAN = LabPreset(
    "nan", "Early divergence: NaN from a too-large initialisation",
    "Three hidden layers whose initial weights are ten times torch's default make huge "
    "activations; with SGD at lr 1 every step multiplies them further and within a few "
    "steps the loss overflows to NaN. The chapter's first checks: the initialisation, the "
    "learning rate, the gradient norm and clipping.",
    (Stage("Reproduce", "Init scale 10. Watch the gradient norm climb by orders of "
           "magnitude before the loss turns NaN; the clipped lane survives.", _NAN_SPEC, _NAN_LANES),
     Stage("Fix the initialisation", "The same network and rate from torch's default scale.",
           _NAN_FIX, _NAN_LANES)),
    "At init scale 10 the loss becomes NaN within 20 steps (clipping at 1 prevents it); at the "
    "default scale the same settings train without diverging.",
    _check_nan, symptom="divergence")


# ---------------------------------------------------------------------- fading

_FADE_SPEC = TrainSpec(dataset="digits", hidden=(32,), epochs=25, batch_size=32, seed=0)
_FADE_LANES = (
    LaneSpec("adagrad", lr=0.003, label="AdaGrad"),
    LaneSpec("rmsprop", lr=0.003, label="RMSProp"),
    LaneSpec("adam", lr=0.003, label="Adam"),
)


def _check_fading(tr: Sequence[Trainer]) -> str:
    t = tr[0]
    _require("fading" in _keys(t, 0), f"AdaGrad's updates should fade; detector says {_keys(t, 0)}")
    for k in (1, 2):
        _require("fading" not in _keys(t, k), f"lane {k + 1} should not fade: {_keys(t, k)}")
    a = _final(t, 0, "train_loss")
    r, m = _final(t, 1, "train_loss"), _final(t, 2, "train_loss")
    _require(max(r, m) < a / 4, f"RMSProp/Adam should end far lower: {r:.3g}, {m:.3g} vs {a:.3g}")
    return (f"AdaGrad's training loss stalls at {a:.3g} as its steps shrink; RMSProp reaches "
            f"{r:.3g} and Adam {m:.3g} at the same lr.")


FADING = LabPreset(
    "fading", "Updates that fade: AdaGrad's growing sum",
    "AdaGrad divides each step by the square root of the running sum of all squared "
    "gradients so far. The sum only grows, so the steps keep shrinking; after a few epochs "
    "the network barely moves although it is far from done. RMSProp and Adam average the "
    "squared gradients instead and forget old ones. Watch the update-to-weight ratio and the "
    "loss together: every lane's ratio shrinks as it settles, but only AdaGrad's shrinks "
    "while its loss is still high.",
    (Stage("Same lr, three accumulators", "AdaGrad's steps shrink more than ten-fold while its "
           "loss stalls far above the others'; RMSProp and Adam keep learning until their "
           "loss is low.", _FADE_SPEC, _FADE_LANES),),
    "AdaGrad's update-to-weight ratio falls below a tenth of its start while its loss stays "
    "high (the detector says 'updates fading'); RMSProp and Adam end at least four times lower.",
    _check_fading, symptom="fading")


# ---------------------------------------------------------------------- validation stagnation

_SMALL_MOONS = {"n": 100, "noise": 0.35}
_VAL_SPEC = TrainSpec(dataset="moons", dataset_params=_SMALL_MOONS, hidden=(64, 64), epochs=80,
                      batch_size=16, seed=0)
_VAL_LANES = (LaneSpec("adam", lr=0.01, label="Adam"),
              LaneSpec("adamw", lr=0.01, hyper={"weight_decay": 0.1}, label="AdamW, decay 0.1"))
_VAL_FIX = TrainSpec(dataset="moons", dataset_params=_SMALL_MOONS, hidden=(64, 64), epochs=80,
                     batch_size=16, early_stop=10, seed=0)


def _check_val(tr: Sequence[Trainer]) -> str:
    base, fixed = tr
    _require("val_stagnation" in _keys(base, 0), f"the plain run should stagnate: {_keys(base, 0)}")
    plain_final = _final(base, 0)
    decay_final = _final(base, 1)
    _require(decay_final < plain_final, "weight decay should end with a lower validation loss")
    stop = fixed.history.early_stopped_epoch[0]
    _require(stop is not None and stop < 40, f"early stopping should halt well before epoch 80: {stop}")
    stopped_val = _final(fixed, 0)
    _require(stopped_val < 0.8 * plain_final,
             f"early stopping should leave a lower validation loss: {stopped_val:.3g} vs {plain_final:.3g}")
    return (f"Without help the validation loss is {plain_final:.3g} after 80 epochs (best "
            f"{_best(base, 0):.3g} at epoch {base.history.best_epoch[0]}); decoupled weight decay "
            f"ends at {decay_final:.3g}; early stopping halts after epoch {stop} at {stopped_val:.3g}.")


VAL_STAGNATION = LabPreset(
    "val_stagnation", "Validation stagnation: over-fitting a small data set",
    "Eighty noisy moons points and a 64-64 network: after a dozen epochs the training loss "
    "keeps falling while the validation loss turns upwards: the network is learning the "
    "noise. The chapter's first checks: weight decay, augmentation and early stopping.",
    (Stage("Reproduce", "Compare the validation curves of plain Adam and AdamW with decay.",
           _VAL_SPEC, _VAL_LANES),
     Stage("Early stopping", "Patience 10: each lane stops when its validation loss has not "
           "improved for ten epochs.", _VAL_FIX, _VAL_LANES)),
    "Plain Adam's validation loss stagnates (the detector says so); decay lowers the final "
    "validation loss, and early stopping halts before epoch 40 at a validation loss at least "
    "20% lower than the plain run's final one.",
    _check_val, symptom="val_stagnation")


# ---------------------------------------------------------------------- tuning order

_TUNE = dict(dataset="digits", hidden=(32,), epochs=6, seed=0)
_LRS = (1e-3, 3e-3, 1e-2, 1e-1)
_BEST_LR = 1e-2


def _tuning_stages() -> tuple[Stage, ...]:
    base = TrainSpec(batch_size=32, **_TUNE)
    return (
        Stage("1. Baseline", "Adam at its default rate: a first, honest number.", base,
              (LaneSpec("adam", label="Adam 1e-3"),)),
        Stage("2. Learning rate first", "Four rates from 1e-3 to 1e-1.", base,
              tuple(LaneSpec("adam", lr=lr, label=f"lr {lr:g}") for lr in _LRS)),
        Stage("3. Batch size", "The best rate with batches of 64 (half the steps per epoch).",
              TrainSpec(batch_size=64, **_TUNE), (LaneSpec("adam", lr=_BEST_LR, label="batch 64"),)),
        Stage("4. Schedule and warmup", "The best rate held constant, decayed by a cosine, "
              "and warmed up for one epoch before the cosine.", base,
              (LaneSpec("adam", lr=_BEST_LR, label="constant"),
               LaneSpec("adam", lr=_BEST_LR, schedule="cosine", label="cosine"),
               LaneSpec("adam", lr=_BEST_LR, schedule="warmup_cosine",
                        schedule_args={"warmup_steps": 45}, label="warmup + cosine"))),
        Stage("5. Stabilisers", "Clipping at 1 (the constant rate won stage 4 on this short run).",
              base, (LaneSpec("adam", lr=_BEST_LR, label="no clipping"),
                     LaneSpec("adam", lr=_BEST_LR, clip_norm=1.0, label="clip 1"))),
        Stage("6. Generalisation", "Weight decay, in the gradient (Adam) or decoupled (AdamW).", base,
              (LaneSpec("adam", lr=_BEST_LR, label="Adam"),
               LaneSpec("adam", lr=_BEST_LR, hyper={"weight_decay": 1e-4}, label="Adam, decay 1e-4"),
               LaneSpec("adamw", lr=_BEST_LR, hyper={"weight_decay": 1e-2}, label="AdamW 1e-2"))),
    )


def _check_tuning(tr: Sequence[Trainer]) -> str:
    base, sweep = tr[0], tr[1]
    finals = [_final(sweep, k) for k in range(len(_LRS))]
    best = int(np.nanargmin(finals))
    _require(_LRS[best] == _BEST_LR, f"the sweep should pick lr {_BEST_LR:g}, got {_LRS[best]:g} ({finals})")
    base_val, tuned = _final(base, 0), finals[best]
    _require(tuned < base_val / 4, f"the tuned lr should cut the loss four-fold: {tuned:.3g} vs {base_val:.3g}")
    gain = base_val - tuned
    later = []
    for stage, t in zip(TUNING_ORDER.stages[2:], tr[2:]):
        vals = [_final(t, k) for k in range(t.k)]
        later.append(f"{stage.title.split('. ', 1)[-1].lower()}: " + ", ".join(
            f"{l.label} {v:.3g}" for l, v in zip(stage.lanes, vals)))
        for v in vals:
            _require(abs(v - tuned) < 0.25 * gain,
                     f"{stage.title}: {v:.3g} moved more than a quarter of the lr gain from {tuned:.3g}")
    return (f"validation loss: default lr {base_val:.3g}; sweep "
            f"{', '.join(f'{lr:g} {v:.3g}' for lr, v in zip(_LRS, finals))}; then "
            + "; ".join(later) + ".")


TUNING_ORDER = LabPreset(
    "tuning_order", "The tuning order, step by step",
    "Tune in the chapter's order, changing one thing per stage and keeping the winner: a "
    "baseline with Adam, then the learning rate, then the batch size, then a schedule with "
    "warmup, then stabilisers such as clipping, and last the generalisation knobs. Every "
    "stage is a race on the digits with the same seed.",
    _tuning_stages(),
    "The rate sweep picks 1e-2 and cuts the validation loss at least four-fold from the "
    "default rate's; no later stage (batch size, schedule, warmup, clipping, weight decay) "
    "moves it by a quarter of that gain: the rate comes first because it matters most.",
    _check_tuning)


# ---------------------------------------------------------------------- one knob

_KNOB_SPEC = TrainSpec(dataset="moons", hidden=(16,), epochs=15, seed=0)
_KNOB_LANES = (
    LaneSpec("sgd", lr=0.1, label="SGD lr 0.1"),
    LaneSpec("sgd", lr=0.1, hyper={"momentum": 0.9}, label="+ momentum 0.9"),
    LaneSpec("sgd", lr=0.3, hyper={"momentum": 0.5}, label="lr 0.3 and momentum 0.5"),
)


def _check_one_knob(tr: Sequence[Trainer]) -> str:
    from quizapp.progress.notebook import diff_configs

    t = tr[0]
    rec = [notebook_record(t.spec, lane) for lane in t.lanes]
    one = diff_configs(rec[0], rec[1])
    two = diff_configs(rec[0], rec[2])
    _require([k for k, _, _ in one] == ["hyper.momentum"], f"lane 2 changes one knob: {one}")
    _require(sorted(k for k, _, _ in two) == ["hyper.momentum", "lr"], f"lane 3 changes two: {two}")
    a, b = _final(t, 0), _final(t, 1)
    _require(b < a, "momentum should lower the validation loss here")
    return (f"Lane 2 differs from lane 1 only in hyper.momentum, so its validation loss "
            f"({b:.3g} vs {a:.3g}) is momentum's doing; lane 3 changed lr and momentum at once "
            f"and its result ({_final(t, 2):.3g}) cannot be pinned on either.")


ONE_KNOB = LabPreset(
    "one_knob", "One knob at a time",
    "The chapter's operating rule: change one setting per experiment and write down "
    "optimizer, lr, batch size, weight decay, seed and scheduler. Lane 2 adds momentum to "
    "lane 1 and nothing else; lane 3 changes the rate and the momentum together. The lab "
    "notebook's diff shows which knobs moved.",
    (Stage("One knob versus two", "Record the three runs and compare them in the notebook.",
           _KNOB_SPEC, _KNOB_LANES),),
    "The notebook diff between lanes 1 and 2 lists only momentum, and momentum lowers the "
    "validation loss; lane 3 differs in two knobs, so its effect cannot be attributed.",
    _check_one_knob)


PRESETS: tuple[LabPreset, ...] = (OSCILLATION, NAN, FADING, VAL_STAGNATION, TUNING_ORDER, ONE_KNOB)


def get(key: str) -> LabPreset:
    for p in PRESETS:
        if p.key == key:
            return p
    raise ValueError(f"Unknown lab preset {key!r}; choose one of: {', '.join(p.key for p in PRESETS)}")
