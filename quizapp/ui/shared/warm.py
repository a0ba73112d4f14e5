"""Work done ahead of time, so a page shown for the first time does not freeze the window.

Two tools:

* :func:`submit` / :func:`take`: a job (pure Python, no widgets: reading files, parsing
  TOML, drawing math into a QImage) runs on ONE background thread, jobs in the order
  submitted; :func:`take` hands its result to the GUI thread once (waiting for it if it is
  running, running the job's fallback right there if it was never submitted). A result is
  taken once: what the page did before (read the files itself, once per page) still holds,
  the reading just happened earlier. An exception in a job is raised again by
  :func:`take`, as if the page had run the job itself.
* :class:`Slices`: a generator run a little per event-loop turn (about
  :data:`SLICE_MS` of work, then the window repaints and takes keys), for building a page
  or a long list of widgets without one long freeze. :meth:`Slices.finish` runs the rest
  at once (tests, or when the result is needed now).

Nothing here imports a page; the main window decides what to warm (ui/app.py).
"""
from __future__ import annotations

import atexit
import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from PySide6.QtCore import QObject, QTimer

#: work per event-loop turn in a :class:`Slices` (ms); a turn may run over by one step
SLICE_MS = 25.0
#: the pause between two turns (ms). Not 0: Qt runs a zero-delay timer that re-arms itself
#: again and again inside one ``processEvents()`` call, so a caller that processes the
#: pending events (a first paint, a test) would wait for the whole chain
SLICE_GAP_MS = 10
#: a page's work that its first paint does not need (its data, a worker thread's start)
#: begins this long after it is shown, so the first paint is not slowed by it
AFTER_PAINT_MS = 30

_lock = threading.Condition()
_queue: deque[tuple[str, Callable[[], Any]]] = deque()
_results: dict[str, tuple[bool, Any]] = {}  # key -> (ok, result or exception)
_running: set[str] = set()
_thread: threading.Thread | None = None


def _worker() -> None:
    global _thread
    while True:
        with _lock:
            if not _queue:
                _thread = None
                _lock.notify_all()
                return
            key, fn = _queue.popleft()
            _first.discard(key)
            _running.add(key)
        try:
            result: tuple[bool, Any] = (True, fn())
        except BaseException as exc:  # handed to take(): the GUI thread decides
            result = (False, exc)
        with _lock:
            _running.discard(key)
            if not key.startswith(_ANONYMOUS):
                _results[key] = result
            _lock.notify_all()


_ahead: list[bool] = []  # inside ahead()
_first: set[str] = set()  # keys queued by ahead(), not started yet


@contextmanager
def ahead():
    """Jobs submitted inside this block go before the ordinary jobs already queued (after
    the earlier ones submitted this way): a page's own head start before the imports of
    the pages after it."""
    _ahead.append(True)
    try:
        yield
    finally:
        _ahead.pop()


def submit(key: str, fn: Callable[[], Any], last: bool = False) -> None:
    """Run ``fn`` on the warm-up thread (after the jobs before it); once per ``key`` until
    its result is taken. ``fn`` must not touch widgets. ``last``: at the end of the queue
    even inside :func:`ahead` (long jobs that nothing waits for)."""
    global _thread
    with _lock:
        if key in _results or key in _running or any(k == key for k, _ in _queue):
            return
        if _ahead and not last:
            at = sum(1 for k, _ in _queue if k in _first)
            _queue.insert(at, (key, fn))
            _first.add(key)
        else:
            _queue.append((key, fn))
        if _thread is None:
            _thread = threading.Thread(target=_worker, name="quizapp-warm-up", daemon=True)
            _thread.start()


_ANONYMOUS = "\x00run:"
_count = 0


def run(fn: Callable[[], Any], last: bool = False) -> None:
    """Run ``fn`` on the warm-up thread after the jobs before it; nothing is kept (``fn``
    delivers its own result, e.g. by a signal, which Qt queues to the GUI thread).
    ``last``: see :func:`submit`."""
    global _count
    _count += 1
    submit(f"{_ANONYMOUS}{_count}", fn, last=last)


def pending(key: str) -> bool:
    """Whether ``key`` was submitted and its result not taken yet."""
    with _lock:
        return key in _results or key in _running or any(k == key for k, _ in _queue)


def ready(key: str) -> bool:
    """Whether the result of ``key`` is there to take without waiting."""
    with _lock:
        return key in _results


def take(key: str, fallback: Callable[[], Any]) -> Any:
    """The result of the job ``key`` (waiting for it if it runs), or ``fallback()`` when it
    was never submitted (or was taken already). A queued job not started yet is run here."""
    with _lock:
        for i, (k, fn) in enumerate(_queue):
            if k == key:  # not started: run it now, on this thread
                del _queue[i]
                _first.discard(key)
                fallback = fn
                break
        else:
            while key in _running:
                _lock.wait()
            if key in _results:
                ok, value = _results.pop(key)
                if ok:
                    return value
                raise value
    return fallback()


def idle() -> bool:
    """Whether the warm-up thread has nothing to do (tests, benchmarks)."""
    with _lock:
        return _thread is None and not _queue and not _running


def wait_idle(timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    with _lock:
        while _thread is not None or _queue or _running:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _lock.wait(left)
    return True


@atexit.register
def shutdown(timeout: float = 5.0) -> None:
    """Drop the jobs not started and wait for the running one (at exit: a job still drawing
    while Python shuts down could take the process down with it)."""
    with _lock:
        _queue.clear()
        _first.clear()
    wait_idle(timeout)


def reset(timeout: float = 5.0) -> None:
    """Forget the keyed jobs not started and every result not taken (the window that asked
    for them is closing: a later window reads its files afresh), after the running job.
    Jobs queued with :func:`run` stay: they deliver to someone who is still waiting (the
    question bank's loader is shared by every Practice page of the process)."""
    with _lock:
        kept = [(k, fn) for k, fn in _queue if k.startswith(_ANONYMOUS)]
        _queue.clear()
        _queue.extend(kept)
        _first.intersection_update(k for k, _ in kept)
        while _keyed_running():
            if not _lock.wait(timeout):
                break
        _results.clear()


def _keyed_running() -> bool:
    return any(not k.startswith(_ANONYMOUS) for k in _running)


#: what a step of :class:`Slices` yields to end its turn at once (it waits for something)
WAIT = object()


class Slices(QObject):
    """Run ``steps`` (an iterator; each ``next()`` is one step) a little per event-loop turn.

    ``Slices(parent, steps, done=None)`` starts at the next turn; ``done()`` is called after
    the last step. A step that yields :data:`WAIT` ends its turn (it polls for something).
    :meth:`cancel` drops what is left; :meth:`finish` runs it now."""

    def __init__(self, parent: QObject, steps: Iterator[Any], done: Callable[[], None] | None = None,
                 budget_ms: float = SLICE_MS):
        super().__init__(parent)
        self._steps: Iterator[Any] | None = steps
        self._done = done
        self._budget = budget_ms / 1000.0
        self._timer = QTimer(self, singleShot=True, interval=SLICE_GAP_MS)
        self._timer.timeout.connect(self._turn)
        self._timer.start()

    @property
    def active(self) -> bool:
        return self._steps is not None

    def cancel(self) -> None:
        self._timer.stop()
        self._steps = None

    def finish(self) -> None:
        self._timer.stop()
        self._run(None)

    def _turn(self) -> None:
        self._run(time.perf_counter() + self._budget)
        if self._steps is not None:
            self._timer.start()

    def _run(self, deadline: float | None) -> None:
        while self._steps is not None:
            try:
                step = next(self._steps)
            except StopIteration:
                self._steps = None
                if self._done is not None:
                    self._done()
                return
            if deadline is not None and (step is WAIT or time.perf_counter() >= deadline):
                return
