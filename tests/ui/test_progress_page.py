"""The Progress page: learner profiles, plots from a seeded database, the history table,
the weakest-topic practice buttons and the class view (issues 6 and 7)."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from quizapp.progress.clock import ManualClock  # noqa: E402
from quizapp.progress import Store
from quizapp.progress.classview import (
    ITEM_COLUMNS, MASTERY_COLUMNS, export_progress, read_export, write_export,
)
from quizapp.ui.progress.page import HistoryModel, ProgressPage, calendar_grid, weakest_topics

TOPICS = {"sgd": "SGD and minibatches", "adam": "Adam", "momentum": "Momentum"}


Clock = ManualClock  # a settable Store.clock: clock.advance(days=1)


def answer(store, learner_id, item, topic, correct, given, expected, **kw):
    store.record_attempt(learner_id, item, correct=correct, given=given, expected=expected,
                         seconds=kw.pop("seconds", 5.0), topic=topic, category="calculation",
                         kind="numeric", seed=1, **kw)


def seed_three_days(store, learner_id, clock):
    """Mon 3 - Wed 5 March 2025 (noon UTC): 15 answers.

    day 1: sgd 4 right, adam 2 wrong (0.5 for 0.05)   -> 4/6
    day 2: sgd 4 right, adam 1 right + 1 wrong, momentum 1 wrong -> 5/7
    day 3: sgd 2 right                                -> 2/2
    sgd: 10 right on 3 days (mastered); adam 1 of 4; momentum 0 of 1."""
    for i in range(4):
        answer(store, learner_id, f"sgd.q{i}", "sgd", True, "0.1", "0.1")
    answer(store, learner_id, "adam.bias", "adam", False, "0.5", "0.05")
    answer(store, learner_id, "adam.step", "adam", False, "0.5", "0.001")
    clock.advance(days=1)
    for i in range(4):
        answer(store, learner_id, f"sgd.q{i + 4}", "sgd", True, "0.1", "0.1")
    answer(store, learner_id, "adam.bias", "adam", True, "0.05", "0.05")
    answer(store, learner_id, "adam.step", "adam", False, "1e-2", "0.001")
    answer(store, learner_id, "momentum.v", "momentum", False, "0.9", "0.19")
    clock.advance(days=1)
    for i in range(2):
        answer(store, learner_id, f"sgd.q{i}", "sgd", True, "0.1", "0.1")


@pytest.fixture
def clock():
    # Monday noon UTC: local days are stable for any time zone within +-11 h
    return Clock(datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc))


@pytest.fixture
def seeded(ctx, clock):
    store = ctx.store
    store.clock = clock
    store.sync_topics(TOPICS)
    ann = store.add_learner("ann")
    seed_three_days(store, ann.id, clock)
    ctx.set_learner(ann.id)
    return ann


@pytest.fixture
def progress(qtbot, ctx):
    page = ProgressPage(ctx)
    qtbot.addWidget(page)
    page.resize(1160, 760)
    page.show()
    qtbot.waitExposed(page)
    page.reload()
    page.flush_plots()  # they are otherwise drawn one per event-loop turn
    return page


def names(page) -> list[str]:
    combo = page.learner_combo
    return [combo.itemText(i) for i in range(combo.count())]


# ---------------------------------------------------------------------- learners


def test_create_rename_switch_and_delete_learners(seeded, progress, ctx, qtbot, monkeypatch):
    store = ctx.store
    monkeypatch.setattr(ProgressPage, "ask_name", classmethod(lambda cls, *a, **k: "bob"))
    with qtbot.waitSignal(ctx.learnerChanged) as changed:
        qtbot.mouseClick(progress.new_button, Qt.MouseButton.LeftButton)
    bob = store.find_learner("bob")
    assert changed.args == [bob.id] and ctx.learner_id == bob.id
    assert ctx.notebook.learner_id == bob.id  # the simulator's notebook follows
    assert names(progress) == ["ann", "bob"] and progress.learner_combo.currentText() == "bob"
    assert progress.summary.text().startswith("0 answers")

    # a name that exists is refused inline and nothing changes
    monkeypatch.setattr(ProgressPage, "ask_name", classmethod(lambda cls, *a, **k: "ANN"))
    progress.new_learner()
    assert "already exists" in progress.problem.text() and not progress.problem.isHidden()
    assert ctx.learner_id == bob.id and len(store.learners()) == 2

    monkeypatch.setattr(ProgressPage, "ask_name", classmethod(lambda cls, *a, **k: "Bobby"))
    progress.rename_learner()
    assert store.get_learner(bob.id).name == "Bobby" and names(progress) == ["ann", "Bobby"]
    assert progress.problem.isHidden()

    # switch back to ann with the keyboard: the whole app follows through the context
    combo = progress.learner_combo
    combo.setFocus()
    with qtbot.waitSignal(ctx.learnerChanged) as changed:
        qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert changed.args == [seeded.id] and ctx.learner_id == seeded.id
    assert progress.summary.text().startswith("15 answers")

    # delete asks first; "no" keeps everything
    asked = []

    def no(cls, parent, title, text):
        asked.append(text)
        return False

    monkeypatch.setattr(ProgressPage, "ask", classmethod(no))
    qtbot.mouseClick(progress.delete_button, Qt.MouseButton.LeftButton)
    assert "ann" in asked[0] and "15 answers" in asked[0]
    assert store.attempt_count(seeded.id) == 15
    monkeypatch.setattr(ProgressPage, "ask", classmethod(lambda cls, *a: True))
    with qtbot.waitSignal(ctx.learnerChanged):
        progress.delete_learner()
    assert [learner.name for learner in store.learners()] == ["Bobby"]
    assert ctx.learner_id == bob.id and names(progress) == ["Bobby"]
    assert store.attempt_count(seeded.id) == 0

    # deleting the last one leaves a fresh "default" learner to work with
    progress.delete_learner()
    assert names(progress) == ["default"] and ctx.learner_id == store.find_learner("default").id


def test_the_chosen_learner_is_remembered_across_restarts(qtbot, ctx, seeded):
    from quizapp.ui.app import MainWindow
    from quizapp.ui.context import AppContext

    ctx.store.clock.advance(hours=1)
    other = ctx.store.add_learner("zoe")  # newer than ann's last answer: the store's default
    first = MainWindow(ctx)
    qtbot.addWidget(first)
    assert ctx.learner_id == seeded.id  # chosen in this window
    first.save_settings()
    assert ctx.store.default_learner().id == other.id
    second_ctx = AppContext.open(ctx.db)
    try:
        second = MainWindow(second_ctx)
        qtbot.addWidget(second)
        assert second_ctx.learner_id == seeded.id
    finally:
        second_ctx.close()


# ---------------------------------------------------------------------- plots


def test_plots_are_drawn_from_the_database(seeded, progress, ctx, qtbot):
    # accuracy per day: 4/6, 5/7, 2/2
    ys = list(progress.accuracy_canvas.line.get_ydata())
    assert ys == pytest.approx([400 / 6, 500 / 7, 100.0])
    # answers per day as bars scaled to a third of the height (the tallest day: 30), drawn
    # as ONE collection of rectangles (hundreds of bar patches took half a second to draw)
    bars = progress.accuracy_canvas.bars
    assert [p.vertices[:, 1].max() for p in bars.get_paths()] == pytest.approx(
        [30 * 6 / 7, 30.0, 30 * 2 / 7])
    assert not progress.accuracy_canvas.ax.patches
    # mastery: share right among the last 10 answers, in the bank's topic order
    canvas = progress.mastery_canvas
    assert canvas.topics == ["sgd", "adam", "momentum"]
    assert [b.get_width() for b in canvas.bars] == pytest.approx([100.0, 10.0, 0.0])
    # the calendar: Monday to Wednesday of this (the last) week, nothing after today
    grid = progress.calendar_canvas.grid
    assert grid.shape == (7, 20)
    assert list(grid[:, -1]) == [6, 7, 2, -1, -1, -1, -1]
    assert grid[:, :-1].sum() == 0
    # the forecast: what the store schedules, today first
    forecast = ctx.store.review_forecast(seeded.id, 14)
    heights = [b.get_height() for b in progress.forecast_canvas.bars]
    assert heights == [n for _d, n in forecast] and len(heights) == 14
    assert sum(heights) > 0
    assert progress.summary.text().startswith("15 answers · 73 % right")
    assert "1/3 topics mastered" in progress.summary.text()
    assert "Studied on 3 of the last" in progress.calendar_canvas.accessibleDescription()

    # grouped by week: one point, 11 of 15
    progress.bucket_combo.setCurrentIndex(progress.bucket_combo.findData("week"))
    qtbot.waitUntil(lambda: progress.data.bucket == "week", timeout=3000)  # read off the GUI thread
    progress.flush_plots()
    assert list(progress.accuracy_canvas.line.get_ydata()) == pytest.approx([100 * 11 / 15])


def test_a_learner_deleted_elsewhere_falls_back_to_another(seeded, progress, ctx):
    other = ctx.store.add_learner("bo")
    ctx.set_learner(other.id)
    ctx.store.delete_learner(other.id)  # as `quizapp learners` in a terminal could
    progress.reload()
    assert ctx.learner_id == seeded.id and names(progress) == ["ann"]
    assert progress.problem.isHidden()


def test_a_learner_without_answers_gets_empty_plots_not_errors(progress, ctx):
    assert progress.accuracy_canvas.line is None
    assert "No answers yet" in progress.accuracy_canvas.accessibleDescription()
    assert progress.calendar_canvas.grid.max() == 0
    assert progress.weak_rows == []
    assert progress.summary.text().startswith("0 answers")


def test_calendar_grid_and_weakest_topics_helpers():
    from datetime import date

    grid, first = calendar_grid({"2025-03-02": 4, "2025-01-06": 1, "2024-01-01": 9},
                                date(2025, 3, 5), weeks=10)
    assert first == date(2024, 12, 30) and first.weekday() == 0
    assert grid[6, 8] == 4 and grid[0, 1] == 1 and grid.sum() == 5 + (-1 * 4)
    m = {"a": {"attempts": 4, "recent": 4, "recent_correct": 1, "mastered": False},
         "b": {"attempts": 2, "recent": 2, "recent_correct": 0, "mastered": False},
         "c": {"attempts": 0, "recent": 0, "recent_correct": 0, "mastered": False},
         "d": {"attempts": 10, "recent": 10, "recent_correct": 10, "mastered": True}}
    assert [t for t, _ in weakest_topics(m)] == ["b", "a"]


# ---------------------------------------------------------------------- history


def show_history(progress, qtbot):
    progress.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not progress.history_model.loading, timeout=5000)
    return progress.history_model


def settle(progress, qtbot):
    qtbot.waitUntil(lambda: not progress.history_model.loading, timeout=5000)


def test_history_filters_and_exports_what_is_shown(seeded, progress, ctx, qtbot, tmp_path,
                                                   monkeypatch):
    assert progress.history_model.query is None  # not read while its tab is hidden
    table = show_history(progress, qtbot)
    assert table.rowCount() == 15 and table.total == 15
    # newest first
    first = table.index(0, 0).data(Qt.ItemDataRole.UserRole)["answered_at"]
    last = table.index(14, 0).data(Qt.ItemDataRole.UserRole)["answered_at"]
    assert first > last
    combo = progress.topic_filter
    assert [combo.itemData(i) for i in range(combo.count())] == [None, "sgd", "adam", "momentum"]
    combo.setCurrentIndex(combo.findData("adam"))
    settle(progress, qtbot)
    assert table.rowCount() == 4
    assert {table.index(r, 2).data() for r in range(4)} == {"Adam"}
    qtbot.keyClicks(progress.text_filter, "0.5")
    settle(progress, qtbot)
    assert table.rowCount() == 2  # the two "0.5" answers (not "0.05")
    assert {table.index(r, 3).data() for r in range(2)} == {"0.5"}
    progress.text_filter.clear()
    progress.wrong_only.setChecked(True)
    settle(progress, qtbot)
    assert table.rowCount() == 3
    assert {table.index(r, 5).data() for r in range(3)} == {"✗ wrong"}
    assert progress.history_count.text().startswith("3 of 15 answers")

    target = tmp_path / "answers"  # no suffix: .csv is added
    monkeypatch.setattr(ProgressPage, "ask_save_path", classmethod(lambda cls, *a: str(target)))
    with qtbot.waitSignal(progress.exported, timeout=5000) as done:
        qtbot.mouseClick(progress.export_button, Qt.MouseButton.LeftButton)
    assert done.args == [str(tmp_path / "answers.csv")]
    with open(tmp_path / "answers.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == HistoryModel.CSV_COLUMNS
    body = rows[1:]
    assert len(body) == 3
    assert {r[2] for r in body} == {"adam"} and {r[5] for r in body} == {"no"}
    assert [r[0] for r in body] == sorted((r[0] for r in body), reverse=True)
    assert sorted(r[3] for r in body) == ["0.5", "0.5", "1e-2"]

    # sorted by a header click, in SQL: given answers ascending, the export follows
    progress.wrong_only.setChecked(False)
    progress.topic_filter.setCurrentIndex(0)
    progress.history_view.horizontalHeader().setSortIndicator(3, Qt.SortOrder.AscendingOrder)
    settle(progress, qtbot)
    given = [table.index(r, 3).data() for r in range(table.rowCount())]
    assert given == sorted(given, key=str.casefold) and table.rowCount() == 15

    # nothing shown: nothing to export
    qtbot.keyClicks(progress.text_filter, "no such answer")
    settle(progress, qtbot)
    assert table.rowCount() == 0 and not progress.export_button.isEnabled()


def test_a_long_history_is_read_off_the_gui_thread_and_fetched_as_it_scrolls(
        seeded, progress, ctx, qtbot, monkeypatch):
    import threading

    from quizapp.ui.progress import model

    store = ctx.store
    for i in range(450):
        answer(store, seeded.id, f"sgd.q{i % 7}", "sgd", i % 3 != 0, str(i), "1")
    threads = []
    real = model.load_data

    def spy(*args, **kw):
        threads.append(threading.current_thread())
        return real(*args, **kw)

    monkeypatch.setattr(model, "load_data", spy)
    ctx.dataChanged.emit()
    qtbot.waitUntil(lambda: bool(threads) and not progress.loading, timeout=5000)
    assert threads and threads[0] is not threading.main_thread()
    assert progress.summary.text().startswith("465 answers")
    table = show_history(progress, qtbot)
    assert table.total == 465 and table.matched == 465
    assert table.rowCount() == model.HISTORY_PAGE  # the rest when scrolled to
    progress.history_view.scrollToBottom()
    qtbot.waitUntil(lambda: table.rowCount() > model.HISTORY_PAGE, timeout=3000)
    while table.canFetchMore():
        table.fetchMore()
    assert table.rowCount() == 465
    stamps = [table.index(r, 0).data(Qt.ItemDataRole.UserRole)["id"] for r in range(465)]
    assert stamps == sorted(stamps, reverse=True)  # one order across the pages


def test_a_new_answer_refreshes_the_page(seeded, progress, ctx, qtbot, clock):
    answer(ctx.store, seeded.id, "momentum.v", "momentum", True, "0.19", "0.19")
    ctx.dataChanged.emit()
    qtbot.waitUntil(lambda: progress.summary.text().startswith("16 answers"), timeout=3000)
    qtbot.waitUntil(lambda: not any(c.stale for c in progress.canvases), timeout=3000)
    assert list(progress.calendar_canvas.grid[:, -1])[:3] == [6, 7, 3]
    assert show_history(progress, qtbot).rowCount() == 16


# ---------------------------------------------------------------------- weakest topics


def test_weakest_topic_button_starts_a_practice_session(seeded, progress, ctx, qtbot):
    rows = progress.weak_rows
    assert [r.topic for r in rows] == ["momentum", "adam"]  # sgd is mastered
    assert rows[0].button.accessibleName() == "Practice Momentum: 10 questions"
    with qtbot.waitSignal(ctx.navigateRequested) as nav:
        qtbot.mouseClick(rows[0].button, Qt.MouseButton.LeftButton)
    assert nav.args == ["practice", {"topics": ["momentum"], "length": 10, "mode": "mixed"}]
    assert "adam.step — 0 of 2 right" in progress.items_label.text()


# ---------------------------------------------------------------------- class view


def _exports(tmp_path) -> list:
    store = Store.memory()
    clock = Clock(datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc))
    store.clock = clock
    ann, bo = store.add_learner("ann"), store.add_learner("bo")
    seed_three_days(store, ann.id, clock)
    answer(store, bo.id, "adam.bias", "adam", False, ".5", "0.05")
    answer(store, bo.id, "adam.bias", "adam", False, "0.2", "0.05")
    answer(store, bo.id, "sgd.q0", "sgd", True, "0.1", "0.1")
    paths = []
    for learner in (ann, bo):
        path = tmp_path / f"{learner.name}.json"
        write_export(path, export_progress(store, learner.id))
        paths.append(str(path))
    store.close()
    return paths


def test_class_view_from_two_progress_files(progress, qtbot, tmp_path, monkeypatch):
    paths = _exports(tmp_path)
    panel = progress.class_panel
    progress.open_with(tab="class")
    assert progress.tabs.currentWidget() is panel
    assert not panel.export_mastery_button.isEnabled()
    monkeypatch.setattr(ProgressPage, "ask_open_paths", classmethod(lambda cls, *a: paths))
    with qtbot.waitSignal(panel.loaded, timeout=20000):
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert panel.summary.text().startswith("2 learners, 18 answers")
    table = panel.mastery_table
    heads = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert heads[:4] == ["Learner", "Answers", "% right", "Mastered"]
    tips = [table.horizontalHeaderItem(c).toolTip() for c in range(table.columnCount())]
    assert "SGD and minibatches" in tips and "Adam" in heads  # titles from the shipped bank
    assert [table.item(r, 0).text() for r in range(2)] == ["ann", "bo"]
    sgd = tips.index("SGD and minibatches")
    assert table.item(0, sgd).text() == "10/10 ✓"  # ann: 10 right on 3 days
    assert table.item(1, sgd).text() == "1/1"
    assert table.item(0, 3).text() == "1 of 3"

    items = panel.items_table
    rows = {items.item(r, 0).text(): r for r in range(items.rowCount())}
    bias = rows["adam.bias"]
    assert items.item(bias, 2).text() == "4"  # answers: ann 2, bo 2
    assert items.item(bias, 3).text() == "2"  # learners
    assert items.item(bias, 4).text() == "25 %"
    # "0.5" and ".5" are one wrong answer, the most common
    assert items.item(bias, 5).text() == "0.5 (×2) · 0.2 (×1)"

    out = tmp_path / "mastery.csv"
    monkeypatch.setattr(ProgressPage, "ask_save_path", classmethod(lambda cls, *a: str(out)))
    assert panel.export_mastery_button.isEnabled()
    qtbot.mouseClick(panel.export_mastery_button, Qt.MouseButton.LeftButton)
    rows_csv = list(csv.reader(out.open(encoding="utf-8")))
    assert tuple(rows_csv[0]) == MASTERY_COLUMNS
    assert len(rows_csv) == 1 + len(panel.view.mastery_rows())
    assert ["ann", "sgd", "SGD and minibatches", "10", "10", "10", "10", "1", "yes", "3"] in rows_csv
    out = tmp_path / "items.csv"
    qtbot.mouseClick(panel.export_items_button, Qt.MouseButton.LeftButton)
    rows_csv = list(csv.reader(out.open(encoding="utf-8")))
    assert tuple(rows_csv[0]) == ITEM_COLUMNS
    bias_row = next(r for r in rows_csv if r[0] == "adam.bias")
    assert bias_row[6:8] == ["0.5", "2"]

    # a broken file is named and skipped; the others still count
    junk = tmp_path / "junk.json"
    junk.write_text(json.dumps({"format": "something else"}))
    monkeypatch.setattr(ProgressPage, "ask_open_paths", classmethod(lambda cls, *a: [str(junk)]))
    with qtbot.waitSignal(panel.loaded, timeout=20000):
        panel.add_files()
    assert panel.summary.text().startswith("2 learners")
    assert not panel.notes.isHidden() and "junk.json" in panel.notes.text()
    panel.clear()
    assert panel.mastery_table.rowCount() == 0 and not panel.export_items_button.isEnabled()


def test_export_my_progress_file(seeded, progress, ctx, tmp_path, monkeypatch):
    target = tmp_path / "mine"
    monkeypatch.setattr(ProgressPage, "ask_save_path", classmethod(lambda cls, *a: str(target)))
    path = progress.class_panel.export_mine()
    assert path == tmp_path / "mine.json"
    doc = read_export(path)
    assert doc.learner == "ann" and len(doc.attempts) == 15


# ---------------------------------------------------------------------- look


def test_plots_follow_a_dark_palette(seeded, progress, qtbot):
    app = QApplication.instance()
    old = app.palette()
    dark = QPalette(old)
    for role, color in ((QPalette.ColorRole.Window, "#202020"), (QPalette.ColorRole.Base, "#151515"),
                        (QPalette.ColorRole.WindowText, "#eeeeee"), (QPalette.ColorRole.Text, "#eeeeee")):
        dark.setColor(role, QColor(color))
    try:
        app.setPalette(dark)
        # redrawn one per event-loop turn
        qtbot.waitUntil(lambda: all(c.colors.dark for c in progress.canvases), timeout=5000)
        assert progress.mastery_canvas.figure.get_facecolor()[:3] == pytest.approx(
            (0x20 / 255, 0x20 / 255, 0x20 / 255))
    finally:
        app.setPalette(old)
    qtbot.waitUntil(lambda: not any(c.colors.dark for c in progress.canvases), timeout=5000)


def test_every_control_has_an_accessible_name(progress):
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit

    controls = [w for kind in (QAbstractButton, QComboBox, QLineEdit)
                for w in progress.findChildren(kind)]
    assert len(controls) > 15
    for tab in range(progress.tabs.count()):  # every tab's controls, not just the first's
        progress.tabs.setCurrentIndex(tab)
        missing = [w for w in controls if w.isVisibleTo(progress) and not w.accessibleName()
                   and not (isinstance(w, QAbstractButton) and w.text())]
        assert missing == []


def test_keyboard_mnemonics_do_not_collide(progress):
    """Alt+letter reaches one control per tab, and none of the menu bar's (File, Go, Help)."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    def letter(text: str) -> str | None:
        m = re.search(r"&([^&])", text.replace("&&", ""))
        return m.group(1).lower() if m else None

    tabs = [letter(progress.tabs.tabText(i)) for i in range(progress.tabs.count())]
    for tab in range(progress.tabs.count()):
        progress.tabs.setCurrentIndex(tab)
        texts = [w.text() for w in progress.findChildren(QAbstractButton) if w.isVisibleTo(progress)]
        texts += [w.text() for w in progress.findChildren(QLabel)
                  if w.isVisibleTo(progress) and w.buddy() is not None]
        letters = [x for x in map(letter, texts) if x] + [x for x in tabs if x]
        assert len(letters) >= 7
        assert len(letters) == len(set(letters)), sorted(letters)
        assert not set(letters) & {"f", "g", "h"}


def test_practice_button_in_the_window_starts_a_session_on_that_topic(seeded, ctx, window, qtbot):
    if not any(spec.key == "practice" for spec in window.specs):
        pytest.fail("the Practice page is not registered in quizapp/ui/pages.py")
    window.show_page("progress")
    page = window.pages["progress"]
    page.reload()
    qtbot.mouseClick(page.weak_rows[0].button, Qt.MouseButton.LeftButton)
    assert window.current_page() == "practice"
    practice = window.pages["practice"]
    qtbot.waitUntil(lambda: getattr(practice, "session", None) is not None, timeout=15000)
    assert practice.session.opts.topics == ["momentum"]
    assert practice.session.opts.length == 10 and practice.session.opts.mode == "mixed"
