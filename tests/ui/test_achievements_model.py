"""The Achievements page's Qt-free model: card texts, bars that say what they count."""
from __future__ import annotations

from quizapp.progress import AchievementStatus
from quizapp.ui.achievements import model


def test_plural():
    assert model.plural(1, "study day") == "1 study day"
    assert model.plural(2, "study day") == "2 study days"
    assert model.plural(0, "answer") == "0 answers"
    assert model.plural(3, "match", "matches") == "3 matches"


def test_a_mastery_card_shows_its_two_parts():
    status = AchievementStatus("master-adam", "Mastered: Adam", "…", None, 2, 11,
                               "2 right of your last 2; studied on 1 of 3 days", "topic_mastery",
                               (("right of last 10", 1, 8), ("study days", 1, 3)))
    card = model.card_view(status)
    assert [b.text for b in card.bars] == ["right of last 10: 1/8", "study days: 1/3"]
    assert "2/11" not in card.state and "of 11" not in card.state


def test_a_single_count_card_and_an_unlocked_one():
    locked = model.card_view(AchievementStatus("correct-25", "Steady descent", "Answer 25.", None,
                                               7, 25, "7 right so far", "correct_answers"))
    assert [b.text for b in locked.bars] == ["7/25"]
    assert locked.accessible_name == "Steady descent: locked, 7 of 25 (7 right so far)"
    done = model.card_view(AchievementStatus("first-run", "Lab notebook", "Record a run.",
                                             "2025-03-05T12:00:00.000+00:00", 1, 1, "unlocked", "r"))
    assert done.unlocked and done.bars == [] and done.when == "Unlocked 5 Mar 2025"


def test_streak_switch_texts():
    off = model.streak_view({"enabled": False, "min_answers": 5, "days_per_week": 2})
    assert not off.enabled and "off" in off.text and "2 days with at least 5 answers" in off.tooltip
    on = model.streak_view({"enabled": True, "weeks": 1, "best": 1, "min_answers": 1,
                            "days_per_week": 1})
    assert on.text == "Weekly streak: 1 week" and "1 day with at least 1 answer each" in on.tooltip
