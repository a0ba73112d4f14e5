"""The simulator canvas against its baselines, all measured in this one run (offscreen Qt).

    python benchmarks/bench_canvas.py [--frames 200] [--repeat 5] [--steps 300]

1. One animation frame with 7 trajectories, blitted (restore the background, draw the
   animated artists, blit) against a full redraw of the same figure at the same step.
   Target: <= 16 ms a frame.
2. A hyper-parameter change: recompute the changed lane and redraw, through the real
   page (lr entry -> engine -> canvas), against recomputing all 7 lanes and redrawing
   (what a page without the per-lane cache would do). Target: <= 100 ms.
3. Time to a shown main window (a fresh ``python`` process each time, first paint
   done) against a bare PySide6 window holding one matplotlib canvas with one line;
   interleaved repeats, medians. Target: <= 1.5x.

Settings and the progress database go to a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.startup import BARE, time_to_shown  # noqa: E402  (the baseline bench_ui uses too)

TMP = tempfile.mkdtemp(prefix="quizapp-bench-")
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["QUIZAPP_DB"] = os.path.join(TMP, "progress.db")
os.environ["XDG_CONFIG_HOME"] = os.path.join(TMP, "config")

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
LRS = {"sgd": 0.5, "momentum": 0.5, "nesterov": 0.05, "adagrad": 0.5, "rmsprop": 0.05,
       "adam": 0.3, "adamw": 0.3}

QUIZAPP = r"""
import sys
from quizapp.ui.launch import display_problem
assert display_problem() is None
from quizapp.ui.app import MainWindow, create_app
from quizapp.ui.context import AppContext
app = create_app()
win = MainWindow(AppContext.open())
win.show()
for _ in range(3):
    app.processEvents()
assert win.pages["simulator"].canvas.blitter._background is not None  # really drawn
print("shown", flush=True)
"""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def seven_lane_page(steps: int):
    from quizapp.ui.simulator import model as sim_model
    from quizapp.ui.context import AppContext
    from quizapp.ui.simulator.page import SimulatorPage

    page = SimulatorPage(AppContext.open())
    page.resize(1240, 760)
    page.show()
    state = sim_model.SimState(surface="valley", start=(-9.0, 3.0), steps=steps)
    for i, name in enumerate(OPTIMIZERS):
        state.lanes.append(sim_model.Lane(optimizer=name, color=sim_model.PALETTE[i],
                                          hyper={"lr": LRS[name]}))
    page._load_state(state, reset_step=True)
    return page


def bench_frames(app, frames: int, steps: int) -> None:
    page = seven_lane_page(steps)
    canvas = page.canvas
    app.processEvents()
    canvas.full_redraw()
    app.processEvents()
    blit, full = [], []
    for i in range(frames):
        step = 1 + i % steps
        t = time.perf_counter()
        canvas.show_step(step)  # set_data on every animated artist + blit
        blit.append(time.perf_counter() - t)
        t = time.perf_counter()
        canvas.show_step(step, blit=False)
        canvas.draw()  # everything: contours, axes, ticks, trajectories
        canvas.blit(canvas.figure.bbox)
        full.append(time.perf_counter() - t)
        app.processEvents()
    b, f = statistics.median(blit), statistics.median(full)
    print(f"frame, 7 trajectories ({steps} steps), blit:      {ms(b)} median "
          f"(p95 {ms(sorted(blit)[int(0.95 * len(blit))])}); target <= 16 ms: "
          f"{'OK' if b <= 0.016 else 'MISSED'}")
    print(f"frame, full redraw of the same figure:          {ms(f)} median")
    print(f"  -> blitting is {f / b:.1f}x faster than a full redraw")
    page.close()


def bench_recompute(app, repeat: int, steps: int) -> None:
    from quizapp.ui.simulator import model as sim_model

    page = seven_lane_page(steps)
    app.processEvents()
    page.run_to_end(record=False)
    page.lane_list.list.setCurrentRow(5)  # Adam
    app.processEvents()
    one, every = [], []
    for r in range(repeat * 3):
        lr = 0.1 + 0.001 * r  # a new value each time: no cache hit
        t = time.perf_counter()
        page.editor.set_lr(lr)
        page.flush()
        app.processEvents()
        one.append(time.perf_counter() - t)
        # baseline: the same change, but every lane recomputed (no per-lane cache)
        sim_model._RUNS.clear()
        t = time.perf_counter()
        page.editor.set_lr(lr + 0.0005)
        page.flush()
        app.processEvents()
        every.append(time.perf_counter() - t)
    a, b = statistics.median(one), statistics.median(every)
    print(f"lr change -> recompute the lane + redraw:       {ms(a)} median; target <= 100 ms: "
          f"{'OK' if a <= 0.1 else 'MISSED'}")
    print(f"lr change -> recompute all 7 lanes + redraw:    {ms(b)} median (baseline)")
    print(f"  -> per-lane recompute is {b / a:.1f}x faster than recomputing the race")
    page.close()


def bench_startup(repeat: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    time_to_shown(BARE, env)  # warm the file caches for both
    time_to_shown(QUIZAPP, env)
    bare, ours = [], []
    for _ in range(repeat):
        bare.append(time_to_shown(BARE, env) / 1000.0)  # ms() takes seconds
        ours.append(time_to_shown(QUIZAPP, env) / 1000.0)
    b, q = statistics.median(bare), statistics.median(ours)
    print(f"time to a shown window, bare PySide6 + 1 canvas: {ms(b)} median of {repeat}")
    print(f"time to a shown window, quizapp main window:     {ms(q)} median of {repeat}")
    print(f"  -> quizapp / bare = {q / b:.2f}x; target <= 1.5x: {'OK' if q / b <= 1.5 else 'MISSED'}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="simulator canvas benchmarks")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args(argv)
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, os.path.join(TMP, "config"))
    from quizapp.ui.app import create_app

    app = create_app()
    bench_frames(app, args.frames, args.steps)
    bench_recompute(app, args.repeat, args.steps)
    bench_startup(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
