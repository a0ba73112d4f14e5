"""The store: learners, attempts, review state, queries."""
from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest

from quizapp.progress.review import rating_for
from fsrs import Rating


def _answer(store, learner, item="sgd.q0", correct=True, seconds=10.0, topic="sgd",
            category="definition", kind="choice", **kw):
    return store.record_attempt(learner.id, item, correct=correct, given="1", seconds=seconds,
                                topic=topic, category=category, kind=kind, **kw)


# ------------------------------------------------------------------ learners


def test_learners_add_list_find(store):
    a = store.add_learner("  Ann   Lee ")
    b = store.add_learner("bo")
    assert a.name == "Ann Lee"
    assert [l.name for l in store.learners()] == ["Ann Lee", "bo"]
    assert store.find_learner("ann lee") == a
    assert store.ensure_learner("BO") == b
    assert store.ensure_learner("cy").name == "cy"


@pytest.mark.parametrize("name, message", [
    ("", "blank"), ("   ", "blank"), ("x" * 61, "at most 60"),
])
def test_bad_learner_names(store, name, message):
    with pytest.raises(ValueError, match=message):
        store.add_learner(name)


def test_duplicate_learner_names_are_refused_case_insensitively(store):
    store.add_learner("Ann")
    with pytest.raises(ValueError, match="already exists"):
        store.add_learner("ann")
    bo = store.add_learner("Bo")
    with pytest.raises(ValueError, match="already exists"):
        store.rename_learner(bo.id, "ANN")
    assert store.rename_learner(bo.id, "Bob").name == "Bob"


def test_default_learner_is_created_then_the_most_recent(store, clock):
    first = store.default_learner()
    assert first.name == "default"
    clock.advance(minutes=1)
    other = store.add_learner("other")
    clock.advance(minutes=1)
    _answer(store, first)
    assert store.default_learner().id == first.id
    clock.advance(minutes=1)
    _answer(store, other)
    assert store.default_learner().id == other.id


def test_delete_learner_removes_all_their_work(store, learner):
    keep = store.add_learner("keep")
    _answer(store, learner)
    _answer(store, keep)
    store.record_run(learner.id, {"surface": "booth", "optimizer": "sgd"}, {"final_loss": 1.0})
    sid = store.start_session(learner.id)
    store.finish_session(sid)
    store.delete_learner(learner.id)
    for table in ("attempts", "review", "achievements", "runs", "sessions"):
        n = store.db.execute(f"SELECT COUNT(*) FROM {table} WHERE learner_id = ?",
                             [learner.id]).fetchone()[0]
        assert n == 0, table
    assert store.attempt_count(keep.id) == 1
    with pytest.raises(ValueError, match="no learner"):
        store.get_learner(learner.id)


# ------------------------------------------------------------------ attempts


def test_attempt_stores_everything(store, learner, clock):
    rec = store.record_attempt(learner.id, "sgd.step", correct=False, given=" 0.2 ", seconds=12.5,
                               seed=42, params={"lr": 0.01, "g": 20, "name": "adam"},
                               expected="0.2", topic="sgd", category="calculation",
                               kind="numeric")
    row = store.db.execute("SELECT * FROM attempts WHERE id = ?", [rec.attempt_id]).fetchone()
    cols = [d[0] for d in store.db.execute("SELECT * FROM attempts LIMIT 0").description]
    got = dict(zip(cols, row))
    assert got["item_id"] == "sgd.step" and got["seed"] == 42
    assert json.loads(got["params"]) == {"lr": 0.01, "g": 20, "name": "adam"}
    assert got["given"] == " 0.2 " and got["expected"] == "0.2"
    assert got["correct"] == 0 and got["seconds"] == 12.5
    assert got["answered_at"] == "2025-03-05T12:00:00.000+00:00"
    assert got["rating"] == Rating.Again
    assert rec.due > got["answered_at"]


def test_attempt_is_committed_when_record_returns(file_store):
    learner = file_store.add_learner("ann")
    _answer(file_store, learner)
    other = sqlite3.connect(file_store.path)
    assert other.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 1
    assert not file_store.db.conn.in_transaction
    other.close()


def test_review_state_follows_answers(store, learner, clock):
    first = _answer(store, learner, correct=False)
    assert not first.was_review
    assert store.due_items(learner.id) == []
    clock.advance(minutes=2)  # a wrong answer comes back within minutes
    assert store.due_items(learner.id) == ["sgd.q0"]
    second = _answer(store, learner, correct=True)
    assert second.was_review
    row = store.db.execute("SELECT answers, correct FROM review WHERE item_id = 'sgd.q0'").fetchone()
    assert row == (2, 1)
    prev = store.db.execute("SELECT due_before, due_after FROM attempts ORDER BY id").fetchall()
    assert prev[0][0] is None and prev[1][0] == prev[0][1]


def test_an_unreadable_review_card_does_not_lose_the_answer(store, learner):
    _answer(store, learner)
    store.db.execute("UPDATE review SET card = 'not json'")
    rec = _answer(store, learner)
    assert store.attempt_count(learner.id) == 2
    assert json.loads(store.db.execute("SELECT card FROM review").fetchone()[0])["state"] in (1, 2, 3)
    assert rec.attempt_id == 2


def test_attempt_for_unknown_learner_is_refused_and_not_kept(store):
    with pytest.raises((ValueError, sqlite3.IntegrityError)):
        store.record_attempt(99, "x", correct=True, given="1", seconds=1)
    assert store.attempt_count() == 0


@pytest.mark.parametrize("correct, seconds, kind, rating", [
    (False, 1, "numeric", Rating.Again),
    (True, 130, "numeric", Rating.Hard),
    (True, 10, "numeric", Rating.Easy),
    (True, 30, "numeric", Rating.Good),
    (True, 2, "true_false", Rating.Good),
    (True, 31, "true_false", Rating.Hard),
    (True, 5, "choice", Rating.Easy),
    (True, float("nan"), "choice", Rating.Good),
    (True, None, "choice", Rating.Good),
])
def test_rating_mapping(correct, seconds, kind, rating):
    assert rating_for(correct, seconds, kind) == rating


# ------------------------------------------------------------------ queries


def _day(store, learner, clock, results, topic="sgd", category="definition"):
    for i, ok in enumerate(results):
        _answer(store, learner, item=f"{topic}.q{i % 4}", correct=ok, topic=topic, category=category)
        clock.advance(minutes=1)


def test_mastery_needs_eight_of_ten_over_three_days(store, learner, clock):
    _day(store, learner, clock, [True] * 10)
    m = store.mastery_by_topic(learner.id)["sgd"]
    assert (m["attempts"], m["correct"], m["days"], m["mastered"]) == (10, 10, 1, False)
    clock.advance(days=1)
    _day(store, learner, clock, [True])
    clock.advance(days=1)
    _day(store, learner, clock, [False, False])
    m = store.mastery_by_topic(learner.id)["sgd"]
    assert m["days"] == 3 and m["recent_correct"] == 8 and m["mastered"]
    assert m["mastery"] == pytest.approx(0.8)
    _day(store, learner, clock, [False])
    assert not store.mastery_by_topic(learner.id)["sgd"]["mastered"]


def test_known_topics_show_even_without_answers(store, learner):
    store.sync_topics({"sgd": "SGD", "adam": "Adam"})
    m = store.mastery_by_topic(learner.id)
    assert m["adam"]["attempts"] == 0 and m["adam"]["mastery"] == 0


def test_accuracy_over_time_buckets(store, learner, clock):
    _day(store, learner, clock, [True, False])          # Wed 5 March
    clock.advance(days=1)
    _day(store, learner, clock, [True])                 # Thu 6 March
    clock.advance(days=5)
    _day(store, learner, clock, [True, True, False])    # Tue 11 March
    assert store.accuracy_over_time(learner.id) == [
        ("2025-03-05", 2, 1), ("2025-03-06", 1, 1), ("2025-03-11", 3, 2)]
    assert store.accuracy_over_time(learner.id, "week") == [("2025-03-03", 3, 2), ("2025-03-10", 3, 2)]
    assert store.accuracy_over_time(learner.id, "month") == [("2025-03", 6, 4)]
    with pytest.raises(ValueError, match="bucket"):
        store.accuracy_over_time(learner.id, "year")


def test_review_forecast_counts_due_items_per_day(store, learner, clock):
    for item, when in [("a", 0), ("b", 2), ("c", 2), ("d", 30)]:
        store.db.execute("INSERT INTO review (learner_id, item_id, due, card) VALUES (?, ?, ?, '{}')",
                         [learner.id, item, (clock() + timedelta(days=when)).isoformat(timespec="milliseconds")])
    store.db.execute("INSERT INTO review (learner_id, item_id, due, card) VALUES (?, 'late', "
                     "'2025-01-01T00:00:00.000+00:00', '{}')", [learner.id])
    forecast = store.review_forecast(learner.id, days=5)
    assert [d for d, _ in forecast] == ["2025-03-05", "2025-03-06", "2025-03-07", "2025-03-08", "2025-03-09"]
    assert [n for _, n in forecast] == [2, 0, 2, 0, 0]


def test_weakest_items_and_history(store, learner, clock):
    for item, results in {"a": [True, True], "b": [False, False, True], "c": [False]}.items():
        for ok in results:
            _answer(store, learner, item=item, correct=ok)
            clock.advance(seconds=5)
    assert store.weakest_items(learner.id, 2) == [("c", 1, 0), ("b", 3, 1)]
    hist = store.history(learner.id, limit=2)
    assert [h["item_id"] for h in hist] == ["c", "b"]
    assert hist[0]["correct"] is False and hist[0]["given"] == "1"
    assert store.history(learner.id, topic="nope") == []


def test_progress_summary_has_the_documented_keys(store, learner):
    _answer(store, learner)
    s = store.progress_summary(learner.id)
    for key in ("learner", "attempts", "correct", "topics", "achievements"):
        assert key in s
    assert s["learner"] == "ann" and s["attempts"] == 1 and s["correct"] == 1
    json.dumps(s, allow_nan=False)


# ------------------------------------------------------------------ weekly streak


def _study_day(store, learner, clock, n=5):
    for i in range(n):
        _answer(store, learner, item=f"sgd.s{i}", seconds=10)
    clock.advance(days=1)


def test_streak_is_opt_in(store, learner):
    assert store.study_streak(learner.id)["enabled"] is False
    store.set_streak(learner.id, True, min_answers=5, days_per_week=2)
    st = store.study_streak(learner.id)
    assert st["enabled"] and st["since"] == "2025-03-05" and st["days_per_week"] == 2
    with pytest.raises(ValueError, match="between 1 and 7"):
        store.set_streak(learner.id, True, days_per_week=8)


def test_streak_counts_weeks_with_enough_study_days(store, learner, clock):
    store.set_streak(learner.id, True, min_answers=5, days_per_week=1)
    _study_day(store, learner, clock)            # week of 3 March
    clock.advance(days=6)
    _study_day(store, learner, clock)            # week of 10 March
    assert store.study_streak(learner.id)["weeks"] == 2
    # a day with fewer than min_answers is not a study day
    clock.advance(days=6)
    _study_day(store, learner, clock, n=2)       # week of 17 March: only 2 answers
    st = store.study_streak(learner.id)
    assert st["this_week"]["status"] == "open" and st["weeks"] == 2


def test_a_week_with_nothing_due_never_breaks_the_streak(store, learner, clock):
    store.set_streak(learner.id, True, min_answers=5, days_per_week=3)
    for _ in range(3):
        _study_day(store, learner, clock)        # Wed-Fri: 3 study days
    # Nothing comes due before June: the week of 10 March has nothing due and no study.
    store.db.execute("UPDATE review SET due = '2025-06-01T00:00:00.000+00:00'")
    clock.advance(days=9)                        # to Monday 17 March
    st = store.study_streak(learner.id)
    assert [w["status"] for w in st["recent_weeks"]] == ["met", "quiet", "open"]
    assert st["weeks"] == 1


def test_a_week_with_reviews_due_and_no_study_breaks_it(store, learner, clock):
    store.set_streak(learner.id, True, min_answers=5, days_per_week=3)
    for _ in range(3):
        _study_day(store, learner, clock)
    store.db.execute("UPDATE review SET due = '2025-03-11T09:00:00.000+00:00'")
    clock.advance(days=9)
    st = store.study_streak(learner.id)
    assert [w["status"] for w in st["recent_weeks"]] == ["met", "missed", "open"]
    assert st["recent_weeks"][1]["due_days"] == 6  # Tuesday to Sunday
    assert st["weeks"] == 0 and st["best"] == 1


def test_a_week_needs_no_more_study_days_than_days_with_something_due(store, learner, clock):
    store.set_streak(learner.id, True, min_answers=5, days_per_week=3)
    clock.advance(days=5)                        # Monday 10 March, noon
    _answer(store, learner, item="x")
    store.db.execute("UPDATE review SET due = '2025-03-11T09:00:00.000+00:00'")  # due Tuesday
    _study_day(store, learner, clock)            # one study day (other items) ...
    store.db.execute("UPDATE review SET due = '2025-06-01T00:00:00.000+00:00' WHERE item_id != 'x'")
    _answer(store, learner, item="x")            # ... and x, answered late on Tuesday
    store.db.execute("UPDATE review SET due = '2025-06-01T00:00:00.000+00:00'")
    clock.advance(days=6)                        # into the week of 17 March
    weeks = store.study_streak(learner.id)["recent_weeks"]
    last_week = next(w for w in weeks if w["week"] == "2025-03-10")
    assert (last_week["study_days"], last_week["due_days"], last_week["required"]) == (1, 1, 1)
    assert last_week["status"] == "met"
    store.set_streak(learner.id, True, days_per_week=3)
    store.db.execute("INSERT INTO day_stats (learner_id, day, owed) VALUES (?, '2025-03-12', 1)",
                     [learner.id])  # a second day with something due: now 2 study days are asked
    weeks = store.study_streak(learner.id)["recent_weeks"]
    assert next(w for w in weeks if w["week"] == "2025-03-10")["status"] == "missed"


def test_counters_match_a_rebuild_from_the_attempts(store, learner, clock):
    other = store.add_learner("bo")
    for k in range(30):
        who = learner if k % 3 else other
        _answer(store, who, item=f"sgd.q{k % 4}", correct=k % 5 != 0, topic=("sgd", "adam")[k % 2])
        clock.advance(hours=7)
    tables = ("SELECT * FROM day_stats ORDER BY learner_id, day",
              "SELECT * FROM topic_days ORDER BY learner_id, topic, day",
              "SELECT learner_id, item_id, answers, correct FROM review ORDER BY 1, 2")
    before = [store.db.execute(q).fetchall() for q in tables]
    assert any(row[-1] == 1 for row in before[0]), "some day should be owed"
    store.rebuild_stats()
    assert [store.db.execute(q).fetchall() for q in tables] == before
