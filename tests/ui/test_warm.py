"""Work done ahead (ui/shared/warm.py) and the main window's idle warm-up: pages shown for
the first time find their files read, their math drawn and their modules imported, and
long builds run a slice per event-loop turn so the window keeps repainting."""
from __future__ import annotations

import threading
import time

import pytest

from quizapp.ui.shared import warm


@pytest.fixture(autouse=True)
def clean_warm():
    warm.reset()
    yield
    warm.reset()


def test_a_job_runs_on_another_thread_and_its_result_is_taken_once():
    seen = {}
    gate, started = threading.Event(), threading.Event()

    def job():
        seen["thread"] = threading.current_thread().name
        started.set()
        gate.wait(5)
        return 42

    warm.submit("answer", job)
    assert started.wait(5)
    assert warm.pending("answer") and not warm.ready("answer")
    gate.set()
    assert warm.take("answer", lambda: -1) == 42  # waits for the running job
    assert seen["thread"] == "quizapp-warm-up"
    assert not warm.pending("answer")
    assert warm.take("answer", lambda: -1) == -1  # taken: the caller reads afresh


def test_a_job_never_submitted_runs_its_fallback_here():
    assert warm.take("nothing", lambda: threading.current_thread().name) == threading.current_thread().name


def test_a_failed_job_raises_in_the_taker_as_if_it_ran_there():
    warm.submit("broken", lambda: 1 / 0)
    assert warm.wait_idle(5)
    with pytest.raises(ZeroDivisionError):
        warm.take("broken", lambda: 0)


def test_a_queued_job_not_started_yet_runs_on_the_taker():
    gate = threading.Event()
    warm.submit("slow", lambda: gate.wait(5))
    warm.submit("queued", lambda: threading.current_thread().name)
    assert warm.take("queued", lambda: "fallback") == threading.current_thread().name
    gate.set()
    assert warm.wait_idle(5)


def test_slices_run_a_little_per_turn_and_finish_runs_the_rest(qtbot, qapp):
    from PySide6.QtCore import QObject

    owner = QObject()
    done = []

    def steps():
        for i in range(5):
            time.sleep(0.03)  # more than a turn's budget: one step per turn
            done.append(i)
            yield

    slices = warm.Slices(owner, steps(), done=lambda: done.append("end"))
    assert done == []  # nothing before the event loop turns
    qtbot.waitUntil(lambda: len(done) >= 2, timeout=3000)
    assert len(done) < 6 and slices.active
    slices.finish()
    assert done == [0, 1, 2, 3, 4, "end"] and not slices.active


def test_the_idle_warm_up_reads_ahead_for_each_page(qtbot, ctx, monkeypatch):
    """After start-up the window imports every page module and starts each page's head
    start; a page built afterwards takes what was read instead of reading it again."""
    from quizapp.ui import pages
    from quizapp.ui.app import MainWindow
    from quizapp.ui.author import browser

    loaded = []
    real_load = pages.PageSpec.load

    def counting_load(spec):
        loaded.append(spec.key)
        return real_load(spec)

    monkeypatch.setattr(pages.PageSpec, "load", counting_load)
    scans = []
    real_scan = browser.scan

    def counting_scan(paths, read_only=False):
        if paths:
            scans.append(threading.current_thread().name)
        return real_scan(paths, read_only)

    monkeypatch.setattr(browser, "scan", counting_scan)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win._warming is not None and not win._warming.active, timeout=10000)
    assert set(loaded) == {spec.key for spec in pages.PAGES}  # every page class, once
    assert len(loaded) == len(pages.PAGES)
    assert warm.wait_idle(20)
    assert scans == ["quizapp-warm-up"]  # the shipped bank, read once, off the GUI thread
    win.show_page("author")
    page = win.pages["author"]
    assert scans == ["quizapp-warm-up"]  # the page took it
    assert any(f.read_only and f.items for f in page.files)
    win.show_page("learn")
    assert win.pages["learn"].current is not None


def test_first_switches_do_not_build_whole_pages_in_one_turn(qtbot, window):
    """Achievements shows its frame at once and its cards over the next turns; Author builds
    its item form a turn after it is shown; both end up complete."""
    window.show_page("achievements")
    badges = window.pages["achievements"]
    assert badges.loading
    qtbot.waitUntil(lambda: not badges.loading and bool(badges.cards), timeout=5000)
    window.show_page("author")
    author = window.pages["author"]
    assert author._form is None
    qtbot.waitUntil(lambda: author._form is not None, timeout=5000)
    assert author.form_scroll.widget() is author.form


def test_closing_a_window_keeps_the_jobs_others_wait_for():
    """A window's close forgets what was read ahead for it, but a job queued with run() (the
    question bank every Practice page of the process waits for) still runs: dropping it left
    later Practice pages "Loading questions…" for ever."""
    gate, done = threading.Event(), threading.Event()
    warm.submit("slow", lambda: gate.wait(5))
    warm.submit("for-this-window", lambda: 1)
    warm.run(done.set)
    closer = threading.Thread(target=warm.reset)
    closer.start()
    gate.set()
    closer.join(5)
    assert done.wait(5)
    assert not warm.pending("for-this-window") and warm.take("for-this-window", lambda: 2) == 2
