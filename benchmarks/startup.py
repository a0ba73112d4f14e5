"""What the start-up benchmarks share: the baseline window and the child-process timer.

The baseline is a bare PySide6 main window holding one matplotlib canvas, the least a
desktop app with a plot must load; quizapp's start-up is reported as a multiple of it.
Both are timed the same way: a fresh Python process, from its launch to the line
``shown`` that the child prints once its window is on screen.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = r"""
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
app = QApplication(sys.argv[:1])
win = QMainWindow()
fig = Figure()
fig.add_subplot().plot([0, 1, 2], [0, 1, 4])
win.setCentralWidget(FigureCanvasQTAgg(fig))
win.resize(1280, 800)
win.show()
for _ in range(3):
    app.processEvents()
print("shown", flush=True)
"""


def time_to_shown(code: str, env: dict) -> float:
    """Milliseconds from launching ``python -c code`` to its ``shown`` line."""
    # Compiled bytecode as an installed app has it: pip compiles every module at install
    # time, and the baseline's libraries (PySide6, matplotlib) come compiled. With
    # PYTHONDONTWRITEBYTECODE set (some shells and containers set it), quizapp's own
    # modules would be compiled from source at every launch (80-100 ms), a cost no
    # installed copy pays; the first (warm-up) launch writes them once.
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    first = proc.stdout.readline()
    elapsed = time.perf_counter() - t
    proc.wait(timeout=120)
    if first.strip() != "shown":
        raise SystemExit(f"the child process did not show its window (rc {proc.returncode})")
    return elapsed * 1000.0
