"""Achievements: the data table, unlocking once, progress while locked, each rule."""
from __future__ import annotations

import pytest

from quizapp.progress import achievements as ach
from quizapp.progress.session import SessionOptions, StudySession

from progress_fakebank import right_answer, wrong_answer


def _answer(store, learner, correct=True, item="sgd.q0", topic="sgd", category="definition"):
    return store.record_attempt(learner.id, item, correct=correct, given="1", seconds=10,
                                topic=topic, category=category, kind="choice")


def _status(store, learner, aid):
    return next(a for a in store.achievements(learner.id) if a.id == aid)


def _ids(unlocks):
    return [u.id for u in unlocks]


def test_the_table_is_data_and_complete():
    ach.validate()
    fixed = [a for a in ach.ACHIEVEMENTS if not a.per_topic]
    assert len(fixed) >= 15
    rules = {a.rule for a in ach.ACHIEVEMENTS}
    for needed in ("correct_answers", "answer_streak", "topic_mastery", "recent_accuracy",
                   "weekly_streak", "diverge_fixed", "race", "one_knob", "reach_minimum"):
        assert needed in rules
    for a in ach.ACHIEVEMENTS:
        assert a.title and a.description and a.target >= 1


def test_validate_catches_a_bad_table(monkeypatch):
    bad = ach.ACHIEVEMENTS + (ach.Achievement("first-correct", "x", "y", "correct_answers", 1),)
    monkeypatch.setattr(ach, "ACHIEVEMENTS", bad)
    with pytest.raises(ValueError, match="duplicate"):
        ach.validate()
    monkeypatch.setattr(ach, "ACHIEVEMENTS", (ach.Achievement("z", "x", "y", "no_such_rule", 1),))
    with pytest.raises(ValueError, match="unknown rule"):
        ach.validate()


def test_per_topic_template_expands_over_known_topics(store, learner):
    store.sync_topics({"sgd": "SGD and minibatches", "adam": "Adam"})
    ids = [a.id for a in store.achievements(learner.id)]
    assert "master-sgd" in ids and "master-adam" in ids
    adam = _status(store, learner, "master-adam")
    assert adam.title == "Mastered: Adam" and "Adam" in adam.description


def test_first_correct_unlocks_once_with_its_time(store, learner, clock):
    assert _ids(_answer(store, learner, correct=False).unlocked) == []
    first = _answer(store, learner).unlocked
    assert _ids(first) == ["first-correct"]
    assert first[0].unlocked_at == "2025-03-05T12:00:00.000+00:00"
    clock.advance(hours=1)
    assert "first-correct" not in _ids(_answer(store, learner).unlocked)
    status = _status(store, learner, "first-correct")
    assert status.unlocked_at == "2025-03-05T12:00:00.000+00:00"
    n = store.db.execute("SELECT COUNT(*) FROM achievements WHERE achievement_id = 'first-correct'")
    assert n.fetchone()[0] == 1


def test_locked_achievements_report_progress(store, learner):
    for _ in range(3):
        _answer(store, learner)
    streak = _status(store, learner, "streak-5")
    assert (streak.unlocked_at, streak.progress, streak.target) == (None, 3, 5)
    assert streak.detail == "3 right in a row now"
    assert _status(store, learner, "correct-25").progress == 3


def test_answer_streak_resets_on_a_wrong_answer(store, learner):
    for _ in range(4):
        _answer(store, learner)
    _answer(store, learner, correct=False)
    for _ in range(4):
        assert "streak-5" not in _ids(_answer(store, learner).unlocked)
    assert "streak-5" in _ids(_answer(store, learner).unlocked)


def test_calculation_accuracy_counts_the_last_twenty(store, learner):
    calc = dict(category="calculation", item="sgd.step")
    for _ in range(2):
        _answer(store, learner, correct=False, **calc)
    unlocked = []
    for _ in range(18):
        unlocked += _ids(_answer(store, learner, **calc).unlocked)
    assert "calc-accuracy" in unlocked and "calc-10" in unlocked
    other = store.add_learner("bo")
    for _ in range(3):
        _answer(store, other, correct=False, **calc)
    for _ in range(17):
        assert "calc-accuracy" not in _ids(_answer(store, other, **calc).unlocked)
    assert _status(store, other, "calc-accuracy").progress == 17


def test_topic_mastery_unlocks_on_the_third_day(store, learner, clock):
    store.sync_topics({"sgd": "SGD"})
    for _ in range(8):
        assert "master-sgd" not in _ids(_answer(store, learner).unlocked)
    clock.advance(days=1)
    assert "master-sgd" not in _ids(_answer(store, learner).unlocked)
    assert _status(store, learner, "master-sgd").progress == 8 + 2
    clock.advance(days=1)
    assert "master-sgd" in _ids(_answer(store, learner).unlocked)


def test_three_mastered_topics_make_a_polymath(store, learner, clock):
    topics = ["sgd", "adam", "momentum"]
    unlocked = []
    for day in range(3):
        for t in topics:
            for _ in range(4):
                unlocked += _ids(_answer(store, learner, item=f"{t}.q0", topic=t).unlocked)
        clock.advance(days=1)
    assert {"master-sgd", "master-adam", "master-momentum", "master-3"} <= set(unlocked)


def test_topics_and_reviews(store, learner, clock):
    unlocked = []
    for t in ["a", "b", "c", "d", "e"]:
        unlocked += _ids(_answer(store, learner, item=f"{t}.x", topic=t).unlocked)
    assert "topics-5" in unlocked
    assert _status(store, learner, "reviews-20").progress == 0
    store.db.execute("UPDATE review SET due = '2000-01-01T00:00:00.000+00:00'")
    _answer(store, learner, item="a.x", topic="a")
    assert _status(store, learner, "reviews-20").progress == 1


def test_exam_pass_unlocks_at_finish(store, learner, bank):
    sess = StudySession(store, bank, learner.id, SessionOptions(length=10, mode="exam", seed=1))
    for _ in range(10):
        inst = sess.next()
        fb = sess.answer(right_answer(inst), 5)
        assert fb.unlocked == []  # held back in an exam
    summary = sess.finish()
    assert "exam-pass" in _ids(summary.unlocked) and "first-correct" in _ids(summary.unlocked)


def test_failed_exam_does_not_pass(store, learner, bank):
    sess = StudySession(store, bank, learner.id, SessionOptions(length=10, mode="exam", seed=1))
    for k in range(10):
        inst = sess.next()
        sess.answer(right_answer(inst) if k < 7 else wrong_answer(inst), 5)
    assert "exam-pass" not in _ids(sess.finish().unlocked)
    assert _status(store, learner, "exam-pass").detail == "best exam so far: 7/10"


def test_weekly_streak_achievement_needs_the_opt_in(store, learner, clock):
    def week():
        unlocked = []
        for _ in range(5):
            unlocked += _ids(_answer(store, learner).unlocked)
        clock.advance(days=7)
        return unlocked

    week()
    week()
    assert _status(store, learner, "week-streak-2").progress == 0
    assert "off" in _status(store, learner, "week-streak-2").detail
    store.set_streak(learner.id, True, min_answers=5, days_per_week=1)
    assert "week-streak-2" not in week()
    assert "week-streak-2" in week()


# ------------------------------------------------------------------ simulator


def cfg(**kw):
    base = {"surface": "rosenbrock", "surface_options": {}, "optimizer": "adam",
            "hyper": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999}, "schedule": None,
            "clip_norm": None, "noise": 0.0, "seed": 0, "start": [-1.5, 2.0], "steps": 500}
    hyper = kw.pop("hyper", None)
    base.update(kw)
    if hyper:
        base["hyper"] = {**base["hyper"], **hyper}
    return base


def out(diverged=False, dist=0.5):
    return {"final_loss": float("inf") if diverged else 0.1, "steps": 500,
            "diverged_at": 12 if diverged else None, "final_point": None if diverged else [0.9, 0.8],
            "min_distance": None if diverged else dist}


def test_first_run_and_lab_regular(store, learner):
    assert "first-run" in _ids(store.record_run(learner.id, cfg(), out()).unlocked)
    assert _status(store, learner, "runs-25").progress == 1


def test_diverge_then_fix_by_lowering_the_rate(store, learner):
    store.record_run(learner.id, cfg(hyper={"lr": 2.0}), out(diverged=True))
    assert _status(store, learner, "diverge-fix").progress == 0
    # raising the rate, or another optimizer, does not count
    assert "diverge-fix" not in _ids(store.record_run(learner.id, cfg(optimizer="sgd", hyper={"lr": 0.001}), out()).unlocked)
    store.record_run(learner.id, cfg(hyper={"lr": 3.0}), out(diverged=True))
    assert "diverge-fix" in _ids(store.record_run(learner.id, cfg(hyper={"lr": 0.05}), out()).unlocked)


def test_fixing_without_lowering_the_rate_does_not_count(store, learner):
    store.record_run(learner.id, cfg(hyper={"lr": 2.0}), out(diverged=True))
    got = store.record_run(learner.id, cfg(hyper={"lr": 2.0}, clip_norm=1.0), out())
    assert "diverge-fix" not in _ids(got.unlocked)


def test_race_needs_three_optimizers_in_one_group(store, learner):
    for opt in ("sgd", "momentum"):
        store.record_run(learner.id, cfg(optimizer=opt), out(), group="race-1")
    store.record_run(learner.id, cfg(optimizer="adam"), out(), group="race-2")
    assert _status(store, learner, "race-3").progress == 2
    got = store.record_run(learner.id, cfg(optimizer="adam"), out(), group="race-1")
    assert "race-3" in _ids(got.unlocked)


def test_race_day_counts_lanes_as_the_simulator_does(store, learner):
    """Issue 12 (7): 3 lanes of one algorithm are 3 optimizers in the race."""
    for opt in ("sgd", "sgd"):
        store.record_run(learner.id, cfg(optimizer=opt), out(), group="race-1")
    assert _status(store, learner, "race-3").progress == 2
    assert _status(store, learner, "race-3").detail == "at most 2 optimizers raced together"
    got = store.record_run(learner.id, cfg(optimizer="sgd", hyper={"lr": 0.5}), out(), group="race-1")
    assert "race-3" in _ids(got.unlocked)
