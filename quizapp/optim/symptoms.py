"""The chapter's debugging table, applied to a training run as it goes.

:func:`detect` reads one lane's :class:`~quizapp.optim.train.History` and names the
symptoms it shows, each with the numbers that gave it away and the chapter's first
checks as :class:`Lever` objects (a label plus the settings to change, ready for
:func:`quizapp.optim.train.apply_changes`):

=================  ==========================================  ==================================
key                what the run shows                          first checks (levers)
=================  ==========================================  ==================================
``divergence``     the loss became NaN/inf, or grew ten-fold   lower lr, add warmup, clip at 1,
                   above its start in the first epochs         smaller init scale
``oscillation``    the training-set loss keeps going up and    lower lr, less momentum, larger
                   down from epoch to epoch                    batch
``fading``         the update-to-weight ratio fell to under    switch to RMSProp / Adam, raise lr,
                   a tenth of its first epoch's while the      add warmup
                   training loss is still high
``val_stagnation`` validation loss has not improved for        weight decay 1e-4, augmentation,
                   several epochs while the training loss      early stopping
                   kept falling
=================  ==========================================  ==================================

The thresholds are module constants so tests and the Lab page can show them.
Detection works on a run in progress: it only looks at what has been recorded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: divergence: loss at least this many times the mean of the first three steps' losses...
EXPLODE_FACTOR = 10.0
#: ...within this many epochs of the start
EXPLODE_EPOCHS = 3
#: oscillation: look at the last this-many epochs of training-set loss
OSC_WINDOW = 10
#: oscillation: at least this many rises of more than OSC_RISE (relative)...
OSC_MIN_RISES = 3
OSC_RISE = 0.05
#: ...and the path up and down at least this many times the net fall
OSC_PATH_RATIO = 3.0
#: fading: last epoch's mean update ratio below this share of the first epoch's...
FADE_RATIO = 0.1
#: ...while the training loss is above this share of log(classes) (chance level)
FADE_LOSS_SHARE = 0.3
#: val_stagnation: no new best validation loss for this many epochs...
STAGNATION_EPOCHS = 3
#: ...while the training loss fell by at least this share since the best epoch
STAGNATION_TRAIN_FALL = 0.05


@dataclass(frozen=True)
class Lever:
    """One first check, one click away: ``changes`` maps setting -> new value.

    Keys are :class:`~quizapp.optim.train.LaneSpec` fields (``lr``, ``warmup``,
    ``clip_norm``, ``optimizer``...), :class:`~quizapp.optim.train.TrainSpec` fields
    (``batch_size``, ``init_scale``, ``augment``, ``early_stop``...) or
    ``hyper.NAME`` for one optimizer hyper-parameter.
    """

    label: str
    changes: dict[str, Any]
    why: str = ""


@dataclass(frozen=True)
class Symptom:
    key: str  # divergence | oscillation | fading | val_stagnation
    title: str
    evidence: str  # what the numbers show, in a sentence
    step: int | None = None  # 1-based step where it shows (divergence)
    epoch: int | None = None  # epoch where it shows
    checks: tuple[Lever, ...] = field(default_factory=tuple)


KEYS = ("divergence", "oscillation", "fading", "val_stagnation")
TITLES = {
    "divergence": "Early divergence or NaN",
    "oscillation": "Loss oscillation",
    "fading": "Updates fading",
    "val_stagnation": "Validation stagnation",
}


def detect(history, lane: int) -> list[Symptom]:
    """The symptoms lane ``lane`` shows so far, most urgent first (may be empty)."""
    rec = history.lane(lane)
    spec = getattr(history, "spec", None)
    lane_spec = (getattr(history, "lane_specs", None) or [None] * (lane + 1))[lane]
    out: list[Symptom] = []
    for finder in (_divergence, _oscillation, _fading, _val_stagnation):
        found = finder(rec, spec, lane_spec, history)
        if found is not None:
            out.append(found)
    return out


# ---------------------------------------------------------------------- levers


def _lr(lane_spec, rec) -> float:
    if lane_spec is not None:
        return lane_spec.base_lr()
    lrs = rec["lr"][np.isfinite(rec["lr"])]
    return float(lrs.max()) if len(lrs) else 1e-3


def _g(x: float) -> float:
    """Round a suggested value to 3 significant digits (0.0333 rather than 0.03333...)."""
    return float(f"{x:.3g}")


def _lower_lr(lane_spec, rec) -> Lever:
    lr = _lr(lane_spec, rec)
    return Lever("lower lr", {"lr": _g(lr / 3)}, f"lr {lr:g} -> {_g(lr / 3):g}")


def _warmup(rec) -> Lever:
    steps = max(1, int(rec["steps_per_epoch"]))
    return Lever("add warmup", {"warmup": steps}, f"ramp the rate up over the first {steps} steps (one epoch)")


def _clip() -> Lever:
    return Lever("clip at 1", {"clip_norm": 1.0}, "rescale any gradient whose global norm exceeds 1")


def _weight_decay(lane_spec) -> Lever:
    if lane_spec is not None and lane_spec.optimizer == "momentum":
        return Lever("weight decay 1e-4", {"optimizer": "sgd", "hyper": {"momentum": 0.9, "weight_decay": 1e-4}},
                     "the chapter's momentum has no decay: SGD with momentum 0.9 and decay 1e-4")
    return Lever("weight decay 1e-4", {"hyper.weight_decay": 1e-4}, "pull every weight gently towards zero")


def _momentum_lever(lane_spec) -> Lever | None:
    if lane_spec is None:
        return None
    hyper = lane_spec.full_hyper()
    for key in ("momentum", "beta", "beta1"):
        value = hyper.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0.5:
            return Lever("less momentum", {f"hyper.{key}": 0.5}, f"{key} {value:g} -> 0.5")
    return None


# ---------------------------------------------------------------------- finders


def _divergence(rec, spec, lane_spec, history) -> Symptom | None:
    loss = rec["loss"]
    spe = rec["steps_per_epoch"]
    checks = [_lower_lr(lane_spec, rec), _warmup(rec), _clip()]
    if spec is not None and spec.init_scale > 1:
        checks.append(Lever("smaller init scale", {"init_scale": 1.0},
                            f"init scale {spec.init_scale:g} -> 1 (torch's default)"))
    if rec["diverged_step"] is not None:
        step = rec["diverged_step"]
        finite = loss[np.isfinite(loss)]
        grew = ""
        if len(finite):
            grew = f" (first step {finite[0]:.3g}, last finite {finite[-1]:.3g})"
        return Symptom("divergence", TITLES["divergence"],
                       f"The minibatch loss became NaN at step {step}{grew}.",
                       step=step, epoch=(step - 1) // spe + 1, checks=tuple(checks))
    window = loss[: EXPLODE_EPOCHS * spe]
    if len(window) < 2:
        return None
    start = float(np.mean(window[: max(1, min(spe, 3))]))
    peak_at = int(np.nanargmax(window))
    peak = window[peak_at]
    if np.isfinite(peak) and start > 0 and peak >= EXPLODE_FACTOR * start and peak_at > 0:
        return Symptom("divergence", TITLES["divergence"],
                       f"The minibatch loss grew from {start:.3g} to {peak:.3g} "
                       f"(x{peak / start:.0f}) by step {peak_at + 1}.",
                       step=peak_at + 1, epoch=peak_at // spe + 1, checks=tuple(checks))
    return None


def _oscillation(rec, spec, lane_spec, history) -> Symptom | None:
    tl = rec["train_loss"]
    tl = tl[np.isfinite(tl)][-OSC_WINDOW:]
    if len(tl) < OSC_MIN_RISES + 2:
        return None
    rises = (tl[1:] - tl[:-1]) / np.maximum(tl[:-1], 1e-12)
    n_rises = int(np.sum(rises > OSC_RISE))
    path = float(np.sum(np.abs(np.diff(tl))))
    net = float(tl[0] - tl[-1])
    if n_rises < OSC_MIN_RISES or path < OSC_PATH_RATIO * max(net, 0.0) or path <= 0:
        return None
    first_epoch = len(rec["train_loss"]) - len(tl) + 1
    worst = int(np.argmax(rises))
    checks = [_lower_lr(lane_spec, rec)]
    m = _momentum_lever(lane_spec)
    if m is not None:
        checks.append(m)
    if spec is not None:
        checks.append(Lever("larger batch", {"batch_size": spec.batch_size * 2},
                            f"batch {spec.batch_size} -> {spec.batch_size * 2}: less gradient noise"))
    return Symptom("oscillation", TITLES["oscillation"],
                   f"The training-set loss rose after {n_rises} of the last {len(tl) - 1} epochs "
                   f"(largest rise {rises[worst] * 100:.0f}% after epoch {first_epoch + worst}); "
                   f"it travelled {path:.3g} up and down for a net fall of {net:.3g}.",
                   epoch=first_epoch + worst + 1, checks=tuple(checks))


def _fading(rec, spec, lane_spec, history) -> Symptom | None:
    spe = rec["steps_per_epoch"]
    ratio = rec["update_ratio"]
    tl = rec["train_loss"]
    if len(tl) < 3 or ratio.shape[0] < 3 * spe:
        return None
    per_step = np.nanmean(ratio, axis=1) if ratio.ndim == 2 else ratio
    first = float(np.nanmean(per_step[:spe]))
    last = float(np.nanmean(per_step[-spe:]))
    classes = 10 if spec is not None and spec.dataset == "digits" else 2
    chance = math.log(classes)
    if not (first > 0 and last < FADE_RATIO * first and tl[-1] > FADE_LOSS_SHARE * chance):
        return None
    checks = []
    if lane_spec is None or lane_spec.optimizer in ("adagrad", "sgd", "momentum", "nesterov"):
        checks.append(Lever("switch to RMSProp", {"optimizer": "rmsprop", "hyper": {}},
                            "an average of squared gradients that forgets, instead of a growing sum"))
        checks.append(Lever("switch to Adam", {"optimizer": "adam", "hyper": {}},
                            "adaptive steps with momentum; the usual baseline"))
    lr = _lr(lane_spec, rec)
    checks.append(Lever("raise lr", {"lr": _g(lr * 3)}, f"lr {lr:g} -> {_g(lr * 3):g}"))
    checks.append(_warmup(rec))
    return Symptom("fading", TITLES["fading"],
                   f"The update-to-weight ratio fell from {first:.2g} (epoch 1) to {last:.2g} "
                   f"(epoch {len(tl)}), {last / first * 100:.0f}% of its start, while the training "
                   f"loss is still {tl[-1]:.3g} (chance level is {chance:.3g}).",
                   epoch=len(tl), checks=tuple(checks))


def _val_stagnation(rec, spec, lane_spec, history) -> Symptom | None:
    vl, tl = rec["val_loss"], rec["train_loss"]
    if rec["early_stopped_epoch"] is not None or len(vl) < STAGNATION_EPOCHS + 1 or not np.isfinite(vl).any():
        return None
    best = int(np.nanargmin(vl))
    since = len(vl) - 1 - best
    if since < STAGNATION_EPOCHS:
        return None
    fall = (tl[best] - tl[-1]) / max(tl[best], 1e-12)
    if not fall >= STAGNATION_TRAIN_FALL:
        return None
    checks = [_weight_decay(lane_spec)]
    if spec is None or not spec.augment:
        what = "1-pixel shifts" if spec is not None and spec.dataset == "digits" else "input jitter"
        checks.append(Lever("augmentation", {"augment": True}, what))
    checks.append(Lever("early stopping", {"early_stop": STAGNATION_EPOCHS},
                        f"stop when the validation loss has not improved for {STAGNATION_EPOCHS} epochs"))
    return Symptom("val_stagnation", TITLES["val_stagnation"],
                   f"The validation loss was lowest at epoch {best + 1} ({vl[best]:.3g}) and is "
                   f"{vl[-1]:.3g} {since} epochs later, while the training loss fell {fall * 100:.0f}% "
                   f"({tl[best]:.3g} -> {tl[-1]:.3g}).",
                   epoch=best + 1, checks=tuple(checks))
