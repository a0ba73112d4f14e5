"""`quizapp simulate`, `quizapp sweep`, `quizapp surfaces`: the engine from a terminal."""
from __future__ import annotations

import argparse
import math

from quizapp.commands import CommandError
from quizapp.commands.common import parse_pairs, parse_point, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="run one optimizer on a surface",
                       description="Run one optimizer configuration on a 2-D loss surface.")
    _common(p)
    p.add_argument("--lr", type=float, help="learning rate (default: the optimizer's)")
    p.add_argument("--schedule", help="constant, step, exponential, cosine, linear, warmup_cosine")
    p.add_argument("--schedule-set", action="append", metavar="KEY=VALUE",
                   help="schedule argument, e.g. T_max=100 (repeatable)")
    p.add_argument("--clip-norm", type=float, help="clip the gradient to this global norm")
    p.add_argument("--noise", type=float, default=0.0, help="std of Gaussian gradient noise")
    p.add_argument("--seed", type=int, default=0, help="seed for the noise and the data")
    p.set_defaults(handler=_simulate)

    p = sub.add_parser("sweep", help="final loss over a range of learning rates",
                       description="Run K log-spaced learning rates in one batched call.")
    _common(p)
    p.add_argument("--lrs", required=True, metavar="LO:HI:K",
                   help="K learning rates spaced evenly in log between LO and HI")
    p.set_defaults(handler=_sweep)

    p = sub.add_parser("surfaces", help="list the loss surfaces",
                       description="Names, formulas, minima, default view and start of each surface.")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_surfaces)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--surface", required=True, help="surface name (see `quizapp surfaces`)")
    p.add_argument("--optimizer", required=True,
                   help="sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, nadam, radam")
    p.add_argument("--steps", type=int, default=100, help="number of steps (default 100)")
    p.add_argument("--start", metavar="X,Y", help="start point, e.g. -1.5,2 (default: the surface's)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="hyper-parameter by torch.optim name, e.g. momentum=0.9, beta2=0.99, nesterov=true")
    p.add_argument("--formula", help="the loss in x and y for --surface custom, e.g. 'x^2 + 3*y^2'")
    p.add_argument("--batch-size", type=int, help="minibatch size (regression only)")
    p.add_argument("--samples", type=int, help="data set size (regression only)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _surface(args):
    from quizapp.optim import surfaces

    extra = {}
    if args.batch_size is not None or args.samples is not None:
        if args.surface != "regression":
            raise CommandError("--batch-size and --samples apply to --surface regression only")
        if args.batch_size is not None:
            extra["batch_size"] = args.batch_size
        if args.samples is not None:
            extra["samples"] = args.samples
    if args.surface == "regression":
        extra["seed"] = getattr(args, "seed", 0)
    if args.formula is not None:
        if args.surface != "custom":
            raise CommandError("--formula applies to --surface custom only")
        extra["formula"] = args.formula
    return surfaces.get(args.surface, **extra)


def parse_hyper(args) -> dict:
    """``--set KEY=VALUE`` pairs plus ``--lr``: the optimizer's hyper-parameters (shared
    by ``simulate``, ``sweep`` and ``train``)."""
    hyper = parse_pairs(args.set, "--set")
    if "betas" in hyper:
        raise CommandError("--set takes betas as beta1=... and beta2=...")
    if getattr(args, "lr", None) is not None:
        hyper["lr"] = args.lr
    return hyper


def parse_schedule(args) -> tuple[str, dict] | None:
    """``--schedule`` and its ``--schedule-set`` pairs, or None (shared with ``train``)."""
    if args.schedule:
        return args.schedule, parse_pairs(args.schedule_set, "--schedule-set")
    if args.schedule_set:
        raise CommandError("--schedule-set needs --schedule")
    return None


def _config(args) -> tuple[dict, tuple | None]:
    hyper = parse_hyper(args)
    start = parse_point(args.start, "--start") if args.start else None
    if args.steps < 0:
        raise CommandError(f"--steps must be >= 0, got {args.steps}")
    return hyper, start


def _simulate(args) -> int:
    from quizapp.optim import simulate

    surface = _surface(args)
    hyper, start = _config(args)
    schedule = parse_schedule(args)
    run = simulate(surface, args.optimizer, steps=args.steps, start=start, hyper=hyper,
                   schedule=schedule, clip_norm=args.clip_norm, noise=args.noise, seed=args.seed)
    if args.json:
        print_json(run.to_json())
        return 0
    lr_text = f"{run.lr[0]:.4g}" if len(run.lr) else "-"
    print(f"{args.optimizer} on {surface.name}: {run.steps} steps, lr {lr_text}"
          + (f" ({args.schedule})" if args.schedule else ""))
    x0, y0 = run.path[0]
    x1, y1 = run.path[-1]
    print(f"  start ({x0:.6g}, {y0:.6g})  loss {run.loss[0]:.6g}")
    print(f"  end   ({x1:.6g}, {y1:.6g})  loss {run.loss[-1]:.6g}")
    if surface.minima:
        dist = min(math.hypot(x1 - mx, y1 - my) for mx, my in surface.minima)
        print(f"  distance to the nearest minimum: {dist:.3g}")
    if run.diverged_at is not None:
        print(f"  diverged at step {run.diverged_at} (parameters not finite or beyond 1e10)")
    return 0


def _parse_lrs(text: str) -> tuple[float, float, int]:
    parts = text.split(":")
    try:
        lo, hi, k = float(parts[0]), float(parts[1]), int(parts[2])
        if len(parts) != 3:
            raise ValueError
    except (ValueError, IndexError):
        raise CommandError(f"--lrs expects LO:HI:K, e.g. 1e-4:1:50, got {text!r}") from None
    if not (0 < lo <= hi) or not math.isfinite(hi):
        raise CommandError(f"--lrs needs 0 < LO <= HI, got {text!r}")
    if not 1 <= k <= 100_000:
        raise CommandError(f"--lrs needs 1 <= K <= 100000, got {k}")
    return lo, hi, k


def _sweep(args) -> int:
    import numpy as np

    from quizapp.optim import sweep

    lo, hi, k = _parse_lrs(args.lrs)
    surface = _surface(args)
    hyper, start = _config(args)
    if "lr" in hyper:
        raise CommandError("sweep takes its rates from --lrs, not --set lr=")
    lrs = np.geomspace(lo, hi, k)
    batch = sweep(surface, args.optimizer, lrs=lrs, steps=args.steps, start=start, hyper=hyper)
    final = batch.final_loss()
    diverged = [int(d) if d >= 0 else None for d in batch.diverged_at]
    if args.json:
        print_json({"lr": lrs.tolist(),
                    "final_loss": [float(v) if np.isfinite(v) else None for v in final],
                    "diverged_at": diverged})
        return 0
    print(f"{args.optimizer} on {surface.name}: {k} learning rates, {args.steps} steps each")
    print(f"  {'lr':>12}  {'final loss':>12}  diverged at")
    for lr, f, d in zip(lrs, final, diverged):
        print(f"  {lr:12.4g}  {f:12.4g}  {'' if d is None else d}")
    ok = [(f, lr) for f, lr, d in zip(final, lrs, diverged) if d is None and np.isfinite(f)]
    if ok:
        best_f, best_lr = min(ok)
        print(f"  best: lr {best_lr:.4g} reaches loss {best_f:.4g}")
    return 0


def _surfaces(args) -> int:
    from quizapp.optim.surfaces import SURFACE_NAMES, get

    described = [get(name).describe() for name in SURFACE_NAMES]
    if args.json:
        print_json(described)
        return 0
    for d in described:
        minima = ", ".join(f"({x:g}, {y:g})" for x, y in d["minima"]) or "none (unbounded below)"
        print(f"{d['name']:<16} {d['formula']}")
        print(f"{'':<16} minima {minima}; view {tuple(d['view'])}; start {tuple(d['start'])}")
    return 0
