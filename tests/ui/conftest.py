"""Fixtures for the desktop app's tests.

Qt runs offscreen (set here, before anything creates a QApplication), every test gets
its own progress database ($QUIZAPP_DB) and its own QSettings folder, so nothing here
ever touches the user's files.
"""
from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before Qt loads: no display needed
os.environ.setdefault("MPLBACKEND", "Agg")  # nothing here uses pyplot; keep it that way

import pytest  # noqa: E402


def pytest_configure(config):
    # matplotlib's Qt backend still asks for a Qt 5 attribute that Qt 6 deprecates
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Enum value .Qt..ApplicationAttribute.AA_UseHighDpiPixmaps.:DeprecationWarning")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A private progress database and settings folder for each test."""
    db = tmp_path / "progress.db"
    monkeypatch.setenv("QUIZAPP_DB", str(db))
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # a Qt-free test module
        yield tmp_path
        return
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    yield tmp_path


@pytest.fixture
def ctx(qapp, tmp_path):
    from quizapp.ui.context import AppContext

    context = AppContext.open(str(tmp_path / "progress.db"))
    yield context
    context.close()


@pytest.fixture
def page(qtbot, ctx):
    """The simulator page on its own, shown at a realistic size."""
    from quizapp.ui.simulator.page import SimulatorPage

    widget = SimulatorPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1150, 760)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.pause()


@pytest.fixture
def window(qtbot, ctx):
    from quizapp.ui.app import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture(scope="module")
def bank():
    """The shipped bank (a module overrides this fixture to practise on another one)."""
    from quizapp.bank import load_bank

    return load_bank()


@pytest.fixture
def practice(qtbot, ctx, bank):
    """The Practice page on ``bank``, shown and active (keys reach shortcuts only in the
    active window)."""
    from PySide6.QtWidgets import QApplication

    from quizapp.ui.practice.page import PracticePage

    page = PracticePage(ctx, bank=bank)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page, timeout=3000)
    assert page.ready
    return page
