"""Adam learning-rate sweep on rosenbrock: the batched engine against its baselines.

    python benchmarks/bench_sweep.py                       # engine columns only
    PYTHONPATH=. /work/torchvenv/bin/python benchmarks/bench_sweep.py   # + torch.optim

Everything is measured in this one run and printed as ratios:

* batched engine: one ``sweep`` call, 1,000 learning rates x 1,000 steps;
* the same engine config by config (``simulate`` once per rate) - what a script that
  loops over rates would do; a subset of rates is timed and scaled to all of them;
* a plain ``torch.optim.Adam`` loop (float64, CPU), one rate at a time, when torch is
  importable; a subset is timed and scaled;
* the 200-rate x 500-step sweep the canvas re-runs while a slider is dragged;
* ``quizapp sweep`` as a whole process (start-up included) against the torch loop.

Options: ``--rates``, ``--steps``, ``--subset`` (rates timed one by one), ``--repeat``.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizapp.optim import simulate, sweep  # noqa: E402

START = (-1.5, 2.0)
LO, HI = 1e-4, 1.0


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def torch_loop(lrs, steps):
    """What a PyTorch user would write: one optimizer per rate, zero_grad/backward/step."""
    import torch

    finals = []
    for lr in lrs:
        p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=float(lr))
        for _ in range(steps):
            opt.zero_grad()
            x, y = p[0], p[1]
            loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
            loss.backward()
            opt.step()
        finals.append(p.detach().numpy().copy())
    return np.array(finals)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:9.1f} ms" if seconds < 1 else f"{seconds:9.2f} s "


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rates", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--subset", type=int, default=50, help="rates timed one by one, then scaled")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    k, steps, subset = args.rates, args.steps, min(args.subset, args.rates)
    lrs = np.geomspace(LO, HI, k)
    scale = k / subset
    picked = lrs[np.linspace(0, k - 1, subset).round().astype(int)]  # spread over the range

    print(f"Adam LR sweep on rosenbrock from {START}: {k} rates in [{LO:g}, {HI:g}] x {steps} steps "
          f"(numpy {np.__version__}, Python {sys.version.split()[0]})")

    batch = sweep("rosenbrock", "adam", lrs=lrs, steps=steps, start=START)  # warm-up
    t_batch = best_of(lambda: sweep("rosenbrock", "adam", lrs=lrs, steps=steps, start=START),
                      args.repeat)
    print(f"  batched engine, one call:         {fmt(t_batch)}  (best of {args.repeat})")

    t0 = time.perf_counter()
    singles = [simulate("rosenbrock", "adam", steps=steps, start=START, hyper={"lr": float(lr)})
               for lr in picked]
    t_sub = time.perf_counter() - t0
    t_single = t_sub * scale
    print(f"  engine config by config:          {fmt(t_single)}  "
          f"({subset} configs timed: {t_sub:.2f} s, scaled x{scale:g} to {k})")
    rows = {float(lr): i for i, lr in enumerate(lrs)}
    for lr, run in zip(picked, singles):
        assert np.array_equal(batch.row(rows[float(lr)]).path, run.path), "batched != single"

    t_torch = None
    try:
        import torch
    except ImportError:
        print("  torch.optim loop:                 (torch not importable here: skipped; run with "
              "/work/torchvenv/bin/python for this column)")
    else:
        torch.set_num_threads(1)
        torch_loop(picked[:2], 10)  # warm-up
        t0 = time.perf_counter()
        finals = torch_loop(picked, steps)
        t_sub_torch = time.perf_counter() - t0
        t_torch = t_sub_torch * scale
        ours = np.array([batch.row(rows[float(lr)]).path[-1] for lr in picked])
        finite = np.all(np.isfinite(finals), axis=1) & np.all(np.isfinite(ours), axis=1)
        gap = np.max(np.abs(finals[finite] - ours[finite]) / np.maximum(np.abs(ours[finite]), 1e-300))
        print(f"  torch.optim loop (torch {torch.__version__}): {fmt(t_torch)}  "
              f"({subset} configs timed: {t_sub_torch:.2f} s, scaled x{scale:g} to {k}; "
              f"final points agree with the engine to {gap:.1e} relative)")

    print(f"  ratio batched / config by config: {t_single / t_batch:9.0f}x   (target >= 30x)")
    if t_torch is not None:
        print(f"  ratio batched / torch.optim loop: {t_torch / t_batch:9.0f}x   (target >= 100x)")

    small = np.geomspace(LO, HI, 200)
    sweep("rosenbrock", "adam", lrs=small, steps=500, start=START)
    t_small = best_of(lambda: sweep("rosenbrock", "adam", lrs=small, steps=500, start=START),
                      args.repeat * 2)
    print(f"  slider budget, 200 rates x 500 steps: {t_small * 1e3:.1f} ms per sweep "
          f"(best of {args.repeat * 2})")

    cmd = [sys.executable, "-m", "quizapp", "sweep", "--surface", "rosenbrock", "--optimizer", "adam",
           "--lrs", f"{LO:g}:{HI:g}:{k}", "--steps", str(steps), "--start", f"{START[0]:g},{START[1]:g}",
           "--json"]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    t_proc = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"quizapp sweep failed: {done.stderr.strip()}")
    line = f"  `quizapp sweep` as a process ({k} x {steps}, start-up and JSON included): {fmt(t_proc).strip()}"
    if t_torch is not None:
        line += f"; the in-process torch.optim loop takes {t_torch / t_proc:.0f}x as long"
    print(line)


if __name__ == "__main__":
    main()
