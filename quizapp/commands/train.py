"""`quizapp train`: train a small network on digits or moons from a terminal.

The optimizer flags (``--optimizer``, ``--lr``, ``--set``, ``--schedule``,
``--schedule-set``, ``--clip-norm``, ``--seed``) mean what they mean for ``simulate``
and are parsed by the same code. ``--replay-out FILE.json`` writes what another
framework needs to redo the run (see :meth:`quizapp.optim.train.Trainer.replay`).
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from quizapp.commands import CommandError
from quizapp.commands.common import print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a small network (digits or moons) with one optimizer",
                       description="Train a multilayer perceptron on the 8x8 digits or on moons, "
                                   "with minibatches, a validation split and any optimizer, "
                                   "schedule and clipping of the engine.")
    p.add_argument("--dataset", choices=("digits", "moons"), default="moons",
                   help="digits (1797 8x8 images, 10 classes) or moons (2-D, 2 classes); default moons")
    p.add_argument("--samples", type=int, metavar="N", help="moons only: number of points (default 400)")
    p.add_argument("--data-noise", type=float, metavar="X", help="moons only: noise of the points (default 0.2)")
    p.add_argument("--hidden", default="32", metavar="N[,N...]",
                   help="hidden layer widths, e.g. 32 or 64,32 (default 32)")
    p.add_argument("--activation", choices=("relu", "tanh"), default="relu", help="default relu")
    p.add_argument("--init-scale", type=float, metavar="X", default=1.0,
                   help="multiplies torch.nn.Linear's default initialisation (default 1)")
    p.add_argument("--batch-size", type=int, metavar="B", default=32, help="minibatch size (default 32)")
    p.add_argument("--epochs", type=int, metavar="E", default=10, help="passes over the training split (default 10)")
    p.add_argument("--val-fraction", type=float, metavar="F", default=0.2,
                   help="share of the data held out for validation (default 0.2)")
    p.add_argument("--augment", action="store_true",
                   help="random 1-pixel shifts (digits) or input jitter (moons)")
    p.add_argument("--early-stop", type=int, metavar="PATIENCE",
                   help="stop when the validation loss has not improved for PATIENCE epochs")
    p.add_argument("--optimizer", required=True,
                   help="sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, nadam, radam")
    p.add_argument("--lr", type=float, help="learning rate (default: the optimizer's)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="hyper-parameter by torch.optim name, e.g. momentum=0.9, weight_decay=1e-4")
    p.add_argument("--schedule", help="constant, step, exponential, cosine, linear, warmup_cosine")
    p.add_argument("--schedule-set", action="append", metavar="KEY=VALUE",
                   help="schedule argument, e.g. warmup_steps=50 (T_max and total_steps default "
                        "to the run's total steps)")
    p.add_argument("--clip-norm", type=float, help="clip the gradient to this global norm")
    p.add_argument("--seed", type=int, default=0, help="seed for the data, the weights and the batches")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--replay-out", metavar="FILE.json",
                   help="write config, data, split, initial weights, batches, per-step and per-epoch "
                        "numbers and final weights (augmentation must be off)")
    p.set_defaults(handler=_train)


def _hidden(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise CommandError(f"--hidden expects widths like 32 or 64,32, got {text!r}") from None
    if not widths or any(w < 1 for w in widths):
        raise CommandError(f"--hidden widths must be >= 1, got {text!r}")
    return widths


def specs_from_args(args):
    """The (TrainSpec, LaneSpec) that the flags describe."""
    from quizapp.commands.optim import parse_hyper, parse_schedule
    from quizapp.optim.train import LaneSpec, TrainSpec

    data = {}
    if args.samples is not None or args.data_noise is not None:
        if args.dataset != "moons":
            raise CommandError("--samples and --data-noise apply to --dataset moons only")
        if args.samples is not None:
            data["n"] = args.samples
        if args.data_noise is not None:
            data["noise"] = args.data_noise
    if args.replay_out and args.augment:
        raise CommandError("--replay-out records a run without augmentation: drop --augment")
    spec = TrainSpec(dataset=args.dataset, dataset_params=data, hidden=_hidden(args.hidden),
                     activation=args.activation, init_scale=args.init_scale,
                     batch_size=args.batch_size, epochs=args.epochs, val_fraction=args.val_fraction,
                     augment=args.augment, early_stop=args.early_stop, seed=args.seed).check()
    hyper = parse_hyper(args)
    lr = hyper.pop("lr", None)
    schedule = parse_schedule(args)
    name, sched_args = schedule if schedule else (None, {})
    lane = LaneSpec(optimizer=args.optimizer, lr=lr, hyper=hyper, schedule=name,
                    schedule_args=sched_args, clip_norm=args.clip_norm)
    lane.full_hyper()  # unknown names fail here, before any work
    return spec, lane


def _write_json(path: str, obj) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".replay-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, allow_nan=False)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _train(args) -> int:
    from quizapp.optim.train import Trainer

    spec, lane = specs_from_args(args)
    trainer = Trainer(spec, [lane], record_batches=bool(args.replay_out)).run()
    h = trainer.history
    summary = h.summary(0)
    epochs = [{"epoch": e + 1, "train_loss": _num(h.train_loss[0, e]), "val_loss": _num(h.val_loss[0, e]),
               "val_accuracy": _num(h.val_accuracy[0, e])} for e in range(int(h.epochs_done[0]))]
    if args.replay_out:
        replay = trainer.replay(0)
        try:
            _write_json(args.replay_out, replay)
        except OSError as exc:
            raise CommandError(f"cannot write {args.replay_out}: {exc.strerror or exc}") from None
    if args.json:
        print_json({"dataset": spec.dataset, "optimizer": lane.optimizer, "lr": lane.base_lr(),
                    "steps_per_epoch": trainer.steps_per_epoch, "epochs": epochs, **summary})
        return 0
    sched = f", {lane.schedule}" if lane.schedule else ""
    clip = f", clip {lane.clip_norm:g}" if lane.clip_norm is not None else ""
    widths = "-".join(str(w) for w in trainer.layout.sizes)
    print(f"{lane.optimizer} (lr {lane.base_lr():g}{sched}{clip}) on {spec.dataset}: MLP {widths} "
          f"{spec.activation}, batch {spec.batch_size}, {trainer.steps_per_epoch} steps per epoch")
    print(f"  {'epoch':>5}  {'train loss':>10}  {'val loss':>10}  {'val acc':>8}")
    for e in epochs:
        acc = "-" if e["val_accuracy"] is None else f"{e['val_accuracy']:.3f}"
        print(f"  {e['epoch']:>5}  {_fmt(e['train_loss'])}  {_fmt(e['val_loss'])}  {acc:>8}")
    if summary["diverged_step"] is not None:
        print(f"  diverged at step {summary['diverged_step']}: the loss was not finite "
              f"(lower --lr or --init-scale, or add --clip-norm)")
    if summary["early_stopped_epoch"] is not None:
        print(f"  early stopping halted after epoch {summary['early_stopped_epoch']} "
              f"(best validation loss at epoch {summary['best_epoch']})")
    if args.replay_out:
        print(f"  replay file: {args.replay_out}")
    return 0


def _num(v):
    import math

    v = float(v)
    return v if math.isfinite(v) else None


def _fmt(v) -> str:
    return f"{'-':>10}" if v is None else f"{v:10.4f}"
