"""Training off the window's thread.

A :class:`TrainWorker` lives in its own ``QThread``: it builds the run's
:class:`~quizapp.ui.lab.model.LabRun` (loading the data and the initial weights), then
advances it a slice at a time and hands each :class:`~quizapp.ui.lab.model.Snapshot`
back through :attr:`TrainWorker.progressed` (a queued signal: the window receives it on
its own thread). Slices are sized to take about :data:`SLICE_SECONDS`, so the plots move
several times a second whatever the data set, and the worker can be paused, resumed and
stopped between any two slices.
"""
from __future__ import annotations

import atexit
import threading
import time

from PySide6.QtCore import QObject, QThread, Signal, Slot

from quizapp.ui.lab.model import LabRun

SLICE_SECONDS = 0.06  # aim for this much training per slice
LOOK_SECONDS = 0.2  # run the symptom detector and redraw the view at most this often


class TrainWorker(QObject):
    """Trains one :class:`LabRun`; pause, resume and stop are safe from any thread."""

    #: the run is built (the trainer exists): ``(run)``
    started = Signal(object)
    #: a slice was trained: ``(Snapshot)``
    progressed = Signal(object)
    #: the run ended: "done" (every lane finished) or "stopped" (by the learner)
    ended = Signal(str)
    #: the run could not be built or a slice raised: ``(message)``
    failed = Signal(str)

    def __init__(self, run: LabRun, pace: float | None = None):
        super().__init__()
        self.run = run
        self.pace = pace  # steps per second; None: as fast as the machine goes
        self._stop = threading.Event()
        self._go = threading.Event()
        self._go.set()

    # -------------------------------------------------- control (any thread)
    def pause(self) -> None:
        self._go.clear()

    def resume(self) -> None:
        self._go.set()

    def stop(self) -> None:
        self._stop.set()
        self._go.set()

    @property
    def paused(self) -> bool:
        return not self._go.is_set()

    # -------------------------------------------------- the loop (worker thread)
    @Slot()
    def work(self) -> None:
        try:
            self.run.build()
        except Exception as exc:  # a refused setting: say so, never crash the window
            self.failed.emit(str(exc) or type(exc).__name__)
            return
        self.started.emit(self.run)
        per_step = None  # measured seconds per step
        last_look = 0.0
        try:
            while not self._stop.is_set() and not self.run.done:
                if not self._go.is_set():
                    self._go.wait(0.05)
                    continue
                budget = SLICE_SECONDS
                n = 1 if per_step is None else max(1, int(budget / max(per_step, 1e-6)))
                pace = self.pace
                if pace:
                    n = max(1, min(n, int(round(pace * budget)) or 1))
                t0 = time.perf_counter()
                look = t0 - last_look >= LOOK_SECONDS
                snap = self.run.advance(n, look=look)
                if snap.symptoms is not None:
                    last_look = time.perf_counter()
                took = time.perf_counter() - t0
                count = max(1, snap.last - snap.first + 1)
                step_time = took / count
                per_step = step_time if per_step is None else 0.7 * per_step + 0.3 * step_time
                self.progressed.emit(snap)
                if pace:
                    wait = count / pace - (time.perf_counter() - t0)
                    if wait > 0:
                        self._stop.wait(wait)
        except Exception as exc:  # pragma: no cover - an engine bug: report, keep the window
            self.failed.emit(f"training stopped: {exc}")
            return
        self.ended.emit("done" if self.run.done else "stopped")


_LIVE: set["TrainThread"] = set()  # threads started and not yet finished


@atexit.register
def _stop_all() -> None:
    """Never let Python tear down a QThread that still runs (Qt would abort)."""
    for job in list(_LIVE):
        job.stop(5000)


class TrainThread:
    """A worker and its thread, started together and torn down together."""

    def __init__(self, run: LabRun, pace: float | None = None):
        self.thread = QThread()
        self.thread.finished.connect(lambda: _LIVE.discard(self))
        self.thread.setObjectName("lab-training")
        self.worker = TrainWorker(run, pace)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.work)
        for sig in (self.worker.ended, self.worker.failed):
            sig.connect(self.thread.quit)

    def start(self) -> None:
        # below the window's priority: the plots and keys come first on a busy machine
        _LIVE.add(self)
        self.thread.start(QThread.Priority.LowPriority)

    def stop(self, wait_ms: int = 5000) -> bool:
        """Ask the worker to stop and wait for its thread; True when it has ended."""
        self.worker.stop()
        self.thread.quit()
        done = self.thread.wait(wait_ms)
        if done:
            _LIVE.discard(self)
        return done

    def running(self) -> bool:
        return self.thread.isRunning()
