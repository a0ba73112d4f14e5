"""The Achievements page (badge grid) and the achievement toast (issue 6)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt

from quizapp.progress.clock import ManualClock  # noqa: E402
from quizapp.progress import AchievementStatus
from quizapp.ui.achievements.page import AchievementsPage
from quizapp.ui.achievements.toast import GROUPS, group_of


Clock = ManualClock  # a settable Store.clock: clock.advance(days=1)


RUN_CONFIG = {"surface": "valley", "optimizer": "sgd", "hyper": {"lr": 0.01}, "steps": 50,
              "start": [1.0, 1.0], "schedule": None, "clip_norm": None, "noise": 0.0, "seed": 0}
RUN_OUTCOME = {"final_loss": 0.5, "steps": 50, "diverged_at": None, "final_point": [0.0, 0.0],
               "min_distance": 0.4}


@pytest.fixture
def seeded(ctx):
    """ann: 7 right answers in a row on 5 March 2025 (first-correct and streak-5 unlocked)."""
    store = ctx.store
    store.clock = Clock(datetime(2025, 3, 5, 12, 0, tzinfo=timezone.utc))
    store.sync_topics({"sgd": "SGD and minibatches", "adam": "Adam"})
    ann = store.add_learner("ann")
    for i in range(7):
        store.record_attempt(ann.id, f"sgd.q{i}", correct=True, given="1", expected="1",
                             seconds=3.0, topic="sgd", category="definition", kind="choice")
    ctx.set_learner(ann.id)
    return ann


@pytest.fixture
def badges(qtbot, ctx):
    page = AchievementsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1160, 760)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: not page.loading and bool(page.cards), timeout=5000)  # built a slice per turn
    return page


def status(ident="first-run", title="Lab notebook", rule="runs_recorded"):
    return AchievementStatus(ident, title, "Record a simulator run in the lab notebook.",
                             "2025-03-05T12:00:00.000+00:00", 1, 1, "done", rule)


# ---------------------------------------------------------------------- badge grid


def test_badges_show_unlocked_locked_and_progress(seeded, badges, ctx):
    cards = badges.cards
    statuses = ctx.store.achievements(seeded.id, bank_topics=badges._bank_topics())
    assert set(cards) == {s.id for s in statuses}
    first = cards["first-correct"]
    assert first.unlocked and first.bar is None
    assert first.when.text() == "Unlocked 5 Mar 2025"  # local day (noon UTC is stable)
    assert "unlocked on 5 Mar 2025" in first.accessibleName()
    assert cards["streak-5"].unlocked  # 7 right in a row
    locked = cards["correct-25"]
    assert not locked.unlocked
    assert (locked.bar.value(), locked.bar.maximum(), locked.bar.format()) == (7, 25, "7/25")
    assert locked.when.text() == "7 right so far"
    assert locked.accessibleName() == "Steady descent: locked, 7 of 25 (7 right so far)"
    streak = cards["streak-15"]
    assert (streak.bar.value(), streak.bar.maximum()) == (7, 15)
    # the mastery template: one badge per topic, counted as right answers + days
    sgd = cards["master-sgd"]
    assert not sgd.unlocked and sgd.status.title == "Mastered: SGD and minibatches"
    # two bars that say what they count (not one unexplained "8/11")
    assert [(b.value(), b.maximum(), b.format()) for b in sgd.bars] == [
        (7, 8, "right of last 10: 7/8"), (1, 3, "study days: 1/3")]
    assert "right of last 10 7 of 8, study days 1 of 3" in sgd.accessibleName()
    assert badges.summary.text() == f"2 of {len(statuses)} unlocked"


def test_badges_are_grouped(seeded, badges):
    keys = [k for k, _t, _c in GROUPS]
    expected = {"first-correct": "answers", "exam-pass": "answers", "master-adam": "mastery",
                "master-3": "mastery", "week-streak-2": "streak", "first-run": "simulator",
                "rosenbrock-min": "simulator"}
    for ident, group in expected.items():
        card = badges.cards[ident]
        assert card.group == group
        assert card.parent() is badges.sections[group][1]  # sits in its group's grid
    assert not any(c.group == "other" for c in badges.cards.values())
    label = badges.sections["answers"][0]
    answers = [c for c in badges.cards.values() if c.group == "answers"]
    assert label.text() == f"Answers — 2 of {len(answers)}"
    assert badges.sections["other"][0].isHidden()  # no badge there
    assert keys.index("answers") < keys.index("mastery") < keys.index("simulator")
    # the grid uses the width: several badges per row
    grid = badges.sections["answers"][2]
    assert grid.columnCount() >= 3 and badges._columns >= 3


def test_filter_shows_only_unlocked_or_locked_badges(seeded, badges, qtbot):
    combo = badges.filter
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # "Unlocked"
    assert combo.currentData() == "unlocked"
    shown = {k for k, c in badges.cards.items() if not c.isHidden()}
    assert shown == {"first-correct", "streak-5"}
    assert badges.sections["simulator"][0].isHidden()
    combo.setCurrentIndex(combo.findData("locked"))
    assert not badges.cards["correct-25"].isHidden() and badges.cards["first-correct"].isHidden()


def test_page_refreshes_when_something_unlocks(seeded, badges, ctx, qtbot):
    assert not badges.cards["first-run"].unlocked
    result = ctx.store.record_run(seeded.id, RUN_CONFIG, RUN_OUTCOME)
    assert [u.id for u in result.unlocked] == ["first-run"]
    ctx.achievementsUnlocked.emit(list(result.unlocked))
    qtbot.waitUntil(lambda: badges.cards["first-run"].unlocked, timeout=3000)
    assert badges.summary.text().startswith("3 of ")


def test_a_page_built_while_hidden_reads_the_store_when_shown(qtbot, ctx, seeded):
    page = AchievementsPage(ctx)
    qtbot.addWidget(page)
    assert page.cards == {}  # nothing read yet
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: "first-correct" in page.cards, timeout=5000)
    assert page.cards["first-correct"].unlocked


# ---------------------------------------------------------------------- the toast


def test_toast_appears_on_unlock_and_opens_achievements(seeded, window, ctx, qtbot):
    toasts = window.toasts
    assert not toasts.toast.isVisible()
    ctx.achievementsUnlocked.emit([ctx.store.achievements(seeded.id)[0]])  # first-correct
    assert toasts.toast.isVisible() and toasts.toast.title.text() == "First step downhill"
    assert toasts.toast.accessibleName() == "Achievement unlocked: First step downhill"
    assert "First step downhill" in window.statusBar().currentMessage()
    # bottom-right corner of the window, above the status bar, on top
    geo = toasts.toast.geometry()
    assert geo.right() > window.width() - 40 and geo.bottom() < window.statusBar().y()
    assert geo.left() > window.width() // 2
    qtbot.mouseClick(toasts.toast, Qt.MouseButton.LeftButton)
    assert window.current_page() == "achievements"
    page = window.pages["achievements"]
    qtbot.waitUntil(lambda: page.cards.get("first-correct") is not None
                    and page.cards["first-correct"]._highlight, timeout=3000)
    assert not toasts.toast.isVisible()


def test_several_unlocks_queue_and_fade(window, ctx, qtbot):
    toasts = window.toasts
    toasts.duration_ms, toasts.fade_ms = 80, 20
    shown = []
    toasts.shown.connect(lambda s: shown.append(s.id))
    ctx.achievementsUnlocked.emit([status("a", "Alpha"), status("b", "Beta")])
    ctx.achievementsUnlocked.emit([status("c", "Gamma", "topic_mastery")])
    assert shown == ["a"] and "2 more to come" in toasts.toast.more.text()
    qtbot.waitUntil(lambda: shown == ["a", "b", "c"], timeout=5000)
    assert toasts.toast.title.text() == "Gamma"
    qtbot.waitUntil(lambda: not toasts.toast.isVisible(), timeout=5000)
    assert toasts.current is None and not toasts.queue


def test_dismiss_shows_the_next_toast_and_hover_holds_it(window, ctx, qtbot):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QEnterEvent
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    toasts = window.toasts
    ctx.achievementsUnlocked.emit([status("a", "Alpha"), status("b", "Beta")])
    qtbot.mouseClick(toasts.toast.close_button, Qt.MouseButton.LeftButton)
    assert toasts.toast.title.text() == "Beta" and window.current_page() != "achievements"
    toasts.duration_ms = 50
    toasts.timer.start(50)
    QApplication.sendEvent(toasts.toast, QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))
    assert not toasts.timer.isActive()  # held while the pointer rests on it
    qtbot.wait(120)
    assert toasts.toast.isVisible()
    QApplication.sendEvent(toasts.toast, QEvent(QEvent.Type.Leave))
    assert toasts.timer.isActive()


def test_simulator_unlocks_come_through_the_same_toast(window, ctx, qtbot):
    """Unlocks from the simulator reach the same toast as those from practice."""
    sim = window.page("simulator")
    sim.load_preset("valley-race")
    seen = []
    window.toasts.shown.connect(lambda s: seen.append(s.id))
    sim.run_to_end()  # records the race in the lab notebook: first-run, race-3
    assert "first-run" in seen
    assert window.toasts.toast.isVisible()
    assert group_of(window.toasts.current) == "simulator"


def test_weekly_streak_can_be_turned_on_from_the_page(seeded, badges, ctx, qtbot):
    """Issue 12 (9): not only from the terminal."""
    box = badges.streak_box
    assert not box.isChecked() and "off" in box.text()
    assert "turn it on on the Achievements page" in badges.cards["week-streak-2"].when.text()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert ctx.store.study_streak(seeded.id)["enabled"]
    assert box.isChecked() and box.text().startswith("Weekly streak: ")
    assert "week" in badges.cards["week-streak-2"].when.text()
    assert "off" not in badges.cards["week-streak-2"].when.text()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert not ctx.store.study_streak(seeded.id)["enabled"]


def test_a_fresh_profile_sees_every_badge_it_can_earn(badges, ctx):
    """Issue 12 (11): an empty database counted 20 badges, without one per topic."""
    from quizapp.bank import load_bank
    from quizapp.progress import achievements

    total = len(achievements.expand(dict(load_bank().topics)))
    badges.reload()
    assert badges.summary.text() == f"0 of {total} unlocked"
    assert "master-adamw" in badges.cards
