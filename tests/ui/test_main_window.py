"""The main window: pages from one registry, menus and shortcuts, About, settings."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy
import PySide6
from PySide6.QtCore import QSize
from PySide6.QtGui import QKeySequence

from quizapp import __version__
from quizapp.ui import pages
from quizapp.ui.app import AboutDialog, MainWindow
from quizapp.ui.shared.settings import open_settings


def test_pages_come_from_one_registry(window):
    assert window.nav.count() == len(pages.PAGES) >= 1
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == [p.title for p in pages.PAGES]
    for spec in pages.PAGES:
        assert window.page_actions[spec.key].shortcut() == QKeySequence(spec.shortcut)
    keys = [p.key for p in pages.PAGES]
    assert len(set(keys)) == len(keys) and len({p.shortcut for p in pages.PAGES}) == len(keys)


def test_registry_is_importable_without_qt():
    import subprocess
    import sys

    code = ("import sys, quizapp.ui.pages as p; "
            "print([m for m in sys.modules if m.startswith(('PySide6', 'matplotlib'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_title_icon_and_simulator_menu(window):
    assert window.windowTitle() == "quizapp — Simulator"
    assert not window.windowIcon().isNull()
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Go", "&View", "&Simulator", "&Help"]
    page = window.pages["simulator"]
    shortcuts = {a.text(): [s.toString() for s in a.shortcuts()] for a in page.menu().actions()}
    assert shortcuts["&Play / pause"] == ["Space"]
    assert shortcuts["Single &step"] == ["Right", "."]
    assert shortcuts["&Reset"] == ["R"]
    assert shortcuts["&Export trajectories…"] == ["Ctrl+E"]
    assert window.act_about.shortcut() == QKeySequence("F1")
    assert window.act_quit.shortcut() == QKeySequence("Ctrl+Q")


def test_about_shows_the_versions(qtbot, window):
    dialog = AboutDialog(window)
    qtbot.addWidget(dialog)
    text = dialog.versions_label.text()
    for version in (__version__, numpy.__version__, matplotlib.__version__, PySide6.__version__):
        assert version in text
    window.act_about.trigger()
    assert window._about.isVisible()
    window._about.close()


def test_window_fits_1280_by_800(window, qtbot):
    window.resize(1280, 800)
    qtbot.wait(10)
    assert window.size() == QSize(1280, 800)
    page = window.pages["simulator"]
    assert page.canvas.width() > 450 and page.canvas.height() > 380


def test_settings_are_restored_on_restart(qtbot, ctx, isolated):
    first = MainWindow(ctx)
    qtbot.addWidget(first)
    first.show()
    page = first.pages["simulator"]
    page.load_preset("clipping-rescue")
    page.speed_slider.setValue(2)
    page.tabs.setCurrentWidget(page.tab_sweep)
    first.resize(1200, 720)
    geometry = first.saveGeometry()
    first.close()
    ini = Path(open_settings().fileName())
    assert ini.is_file() and isolated in ini.parents  # the test's folder, not the user's

    second = MainWindow(ctx)
    qtbot.addWidget(second)
    second.show()
    page = second.pages["simulator"]
    assert second.current_page() == "simulator"
    assert open_settings().value("window/geometry") == geometry
    # the offscreen screen is only 800x600, so Qt may clamp the width on restore
    assert second.height() == 720 and second.width() >= 1100
    assert page.state.preset == "clipping-rescue"
    assert [lane.label for lane in page.state.lanes] == ["no clipping", "clip at 100"]
    assert page.state.lanes[1].clip_norm == 100.0
    assert page.speed == 5 and page.tabs.currentWidget() is page.tab_sweep


def test_broken_settings_fall_back_to_the_default_race(qtbot, ctx):
    settings = open_settings()
    settings.setValue("pages/simulator/state", "{not json")
    settings.setValue("pages/simulator/speed", "fast")
    settings.setValue("window/page", "nowhere")
    settings.sync()
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    assert win.current_page() == "simulator"
    assert win.pages["simulator"].state.preset == "valley-race"


def test_navigate_opens_a_preset(window):
    window.ctx.navigate("simulator", preset="nesterov-lookahead")
    assert window.current_page() == "simulator"
    assert window.pages["simulator"].state.preset == "nesterov-lookahead"


def test_quit_saves_settings(window):
    window.pages["simulator"].load_preset("adam-warmup")
    window.act_quit.trigger()
    assert not window.isVisible()
    assert "adam-warmup" in str(open_settings().value("pages/simulator/state"))


def test_first_recorded_run_reports_an_achievement(window, qtbot):
    page = window.pages["simulator"]
    with qtbot.waitSignal(window.ctx.achievementsUnlocked, timeout=5000) as blocker:
        page.run_to_end()
    titles = [a.title for a in blocker.args[0]]
    assert "Lab notebook" in titles
    assert "Achievement unlocked" in window.statusBar().currentMessage()


def test_learns_try_it_after_a_finished_race_shows_step_0(window, qtbot):
    """Issue 12 (1): the map stayed drawn up to the old race's last step."""
    from PySide6.QtCore import Qt

    sim = window.page("simulator")
    window.show_page("simulator", focus=True)
    qtbot.keyClick(sim.canvas, Qt.Key.Key_End)
    assert sim.canvas.step == sim.state.steps
    learn = window.page("learn")
    window.show_page("learn")
    section = next(s for s in learn.sections if s.try_preset and s.try_preset != sim.state.preset)
    learn.show_section(section.id)
    qtbot.mouseClick(learn.try_button, Qt.MouseButton.LeftButton)
    assert sim.state.preset == section.try_preset
    assert sim.step == 0 and sim.canvas.step == 0
    # the new lanes may still be on their worker: nothing of the old race is drawn meanwhile
    assert all(len(a.path.get_xdata()) <= 1 for a in sim.canvas._lane_artists)
    qtbot.waitUntil(lambda: not sim.busy, timeout=10000)
    assert len(sim.canvas._lane_artists[0].path.get_xdata()) == 1
    assert sim.status.text().startswith("Step 0 of")


def test_progress_as_the_last_page_starts_without_opening_the_store(qtbot, ctx):
    """Start-up with Progress last: the window is built and shown before the progress file
    is opened on the GUI thread (the page reads on its worker), then it opens at idle."""
    settings = open_settings()
    settings.setValue("window/page", "progress")
    settings.sync()
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert window.current_page() == "progress" and not ctx.store_opened
    window.show()
    qtbot.waitUntil(lambda: ctx.store_opened, timeout=3000)
    page = window.pages["progress"]
    qtbot.waitUntil(lambda: page.data is not None and not page.loading, timeout=5000)
    assert page.summary.text().startswith("0 answers")


def test_a_page_menu_opened_after_the_author_page_goes_before_help(qtbot, window):
    """After the Author page had been shown, opening another page with a menu (Learn) raised
    "Internal C++ object (QMenu) already deleted" from the kept Help menu: the page did not
    switch and its menu never appeared."""
    window.show_page("author", focus=True)
    qtbot.wait(300)
    window.show_page("learn", focus=True)
    assert window.current_page() == "learn"
    titles = [a.text() for a in window.menuBar().actions() if a.isVisible()]
    assert "&Learn" in titles and titles.index("&Learn") < titles.index("&Help") == len(titles) - 1


def test_a_message_after_the_window_is_gone_is_not_an_error(qtbot, ctx):
    # the context outlives its window (a second window, the screenshots script, a store
    # notice during shutdown): the status-bar hook must go with the window, not raise
    # "Internal C++ object (MainWindow) already deleted" from a stale lambda
    import sys

    from shiboken6 import delete

    win = MainWindow(ctx)
    win.statusBar().showMessage("", 1)
    delete(win)
    errors = []
    old_hook = sys.excepthook
    sys.excepthook = lambda *exc: errors.append(exc[1])
    try:
        ctx.message.emit("saved")
        qtbot.wait(10)
    finally:
        sys.excepthook = old_hook
    assert errors == []
    second = MainWindow(ctx)
    qtbot.addWidget(second)
    ctx.message.emit("hello")
    assert second.statusBar().currentMessage() == "hello"


def test_a_big_files_page_check_runs_on_the_warm_up_thread_not_in_the_window(qtbot, tmp_path,
                                                                             monkeypatch):
    # a page check of a big progress file took 110-260 ms on the GUI thread at start-up:
    # it now runs on the warm-up thread, and the window's own open finds nothing due
    import sqlite3
    import threading

    from quizapp.progress import Store
    from quizapp.progress import store as store_mod
    from quizapp.ui.context import AppContext

    db = tmp_path / "big.db"
    with Store.open(db) as store:
        store.add_learner("ann")
    conn = sqlite3.connect(db)  # another program wrote to it: a page check is due
    conn.execute("UPDATE learners SET name = 'ann2'")
    conn.commit()
    conn.close()
    monkeypatch.setattr(store_mod, "QUICK_CHECK_MAX_BYTES", 0)  # every file counts as big
    checks = []
    real = store_mod._wants_quick_check

    def wants(path):
        due = real(path)
        checks.append((threading.current_thread() is threading.main_thread(), due))
        return due

    monkeypatch.setattr(store_mod, "_wants_quick_check", wants)
    ctx = AppContext.open(str(db))
    try:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: ctx.store_opened, timeout=5000)
        assert (False, True) in checks  # due, seen on the warm-up thread, which checked it
        assert checks[-1] == (True, False)  # the window's open: nothing left to check
        assert ctx.store is not None and ctx.store.get_learner(ctx.learner_id).name == "ann2"
    finally:
        ctx.close()
