"""Study sessions against a fake bank with the bank's interface."""
from __future__ import annotations

import sqlite3

import pytest
from progress_fakebank import make_bank, right_answer, wrong_answer

from quizapp.progress.session import SessionOptions, StudySession


def _run(store, bank, learner, answers, **opts):
    sess = StudySession(store, bank, learner.id, SessionOptions(**opts))
    fbs = []
    for ans in answers:
        inst = sess.next()
        if inst is None:
            break
        fbs.append(sess.answer(ans(inst) if callable(ans) else ans, 4.0))
    return sess, fbs


def _drain(sess, answer=None):
    """Walk a whole session (answering right unless told otherwise); the item ids asked."""
    ids = []
    while (inst := sess.next()) is not None:
        ids.append(inst.item_id)
        sess.answer((answer or right_answer)(inst), 4.0)
    return ids


def test_rotation_policy_interleaves_new_items_across_topics(store, bank, learner):
    sess = StudySession(store, bank, learner.id, SessionOptions(length=6, mode="new", seed=0,
                                                                policy="rotation"))
    topics = [bank.items[i].topic for i in sess.queue]
    assert len(set(topics[:3])) == 3 and len(set(topics[3:])) == 3
    assert all(topics[k] != topics[k + 1] for k in range(5))


def test_due_reviews_come_first(store, bank, learner, clock):
    _run(store, bank, learner, [wrong_answer, wrong_answer, right_answer], length=3, seed=0)
    wrong = [h["item_id"] for h in store.history(learner.id) if not h["correct"]]
    assert len(wrong) == 2
    clock.advance(minutes=15)
    sess = StudySession(store, bank, learner.id, SessionOptions(length=5, seed=1))
    assert sorted(sess.queue[:2]) == sorted(wrong)
    assert not set(sess.queue[2:]) & set(wrong)
    review_only = StudySession(store, bank, learner.id, SessionOptions(length=5, mode="review"))
    assert sorted(review_only.queue) == sorted(wrong)


@pytest.mark.parametrize("policy", ["adaptive", "rotation"])
def test_filters_by_topic_category_and_length(store, bank, learner, policy):
    sess = StudySession(store, bank, learner.id, SessionOptions(topics=["adam"], length=10, policy=policy))
    asked = _drain(sess)
    assert asked and all(i.startswith("adam.") for i in asked)
    sess = StudySession(store, bank, learner.id, SessionOptions(categories=["calculation"], length=2,
                                                                policy=policy))
    assert sess.total == 2
    asked = _drain(sess)
    assert len(asked) == 2
    assert all(bank.items[i].category == "calculation" for i in asked)


@pytest.mark.parametrize("opts, message", [
    ({"topics": ["nope"]}, "unknown topic 'nope'"),
    ({"categories": ["poetry"]}, "unknown category"),
    ({"mode": "cram"}, "unknown session mode"),
    ({"length": 0}, "at least 1"),
    ({"policy": "random"}, "unknown session policy"),
])
def test_bad_options(store, bank, learner, opts, message):
    with pytest.raises(ValueError, match=message):
        StudySession(store, bank, learner.id, SessionOptions(**opts))


def test_feedback_after_the_attempt_is_committed(file_store, bank):
    learner = file_store.add_learner("ann")
    sess = StudySession(file_store, bank, learner.id, SessionOptions(length=2, seed=3))
    inst = sess.next()
    fb = sess.answer(right_answer(inst), 7.5)
    other = sqlite3.connect(file_store.path)
    row = other.execute("SELECT item_id, seed, correct, seconds, session_id FROM attempts").fetchall()
    other.close()
    assert row == [(inst.item_id, inst.seed, 1, 7.5, sess.session_id)]
    assert fb.readable and fb.correct and fb.attempt_id == 1
    assert fb.explanation == inst.explanation and fb.expected == inst.answer_text
    assert [u.id for u in fb.unlocked] == ["first-correct"]


def test_unreadable_input_is_not_an_attempt(store, bank, learner):
    sess = StudySession(store, bank, learner.id, SessionOptions(length=2, seed=3))
    inst = sess.next()
    fb = sess.answer("banana", 1.0)
    assert not fb.readable and fb.correct is None and fb.attempt_id is None
    assert "Type" in fb.message
    assert store.attempt_count() == 0
    assert sess.next() is inst  # the same question stays
    assert sess.answer(right_answer(inst), 1.0).readable


def test_params_and_seed_are_stored(store, learner):
    bank = make_bank(topics=("sgd",))
    sess = StudySession(store, bank, learner.id, SessionOptions(categories=["calculation"], length=1, seed=9))
    inst = sess.next()
    sess.answer(right_answer(inst), 3)
    hist = store.history(learner.id)[0]
    assert hist["seed"] == inst.seed and '"g": %d' % inst.params["g"] in hist["params"]


def test_exam_withholds_feedback_until_finish(store, bank, learner):
    sess, fbs = _run(store, bank, learner, [right_answer, wrong_answer, right_answer],
                     length=3, mode="exam", seed=2)
    for fb in fbs:
        assert fb.readable and fb.correct is None and fb.expected == "" and fb.explanation == ""
        assert fb.attempt_id is not None
    assert store.attempt_count(learner.id) == 3
    summary = sess.finish()
    assert (summary.answered, summary.correct) == (3, 2)
    assert [ok for _, ok, _, _ in summary.items] == [True, False, True]
    assert summary.review_next == [summary.items[1][0]]
    assert summary.seconds == 12.0


def test_finish_is_idempotent_and_ends_the_session(store, bank, learner):
    sess, _ = _run(store, bank, learner, [right_answer], length=3, seed=2)
    s1 = sess.finish()
    assert sess.finish() is s1
    assert sess.next() is None
    row = store.db.execute("SELECT answered, correct, finished_at FROM sessions WHERE id = ?",
                           [sess.session_id]).fetchone()
    assert row[:2] == (1, 1) and row[2] is not None


def test_answer_without_a_question_is_an_error(store, bank, learner):
    sess = StudySession(store, bank, learner.id, SessionOptions(length=1))
    with pytest.raises(RuntimeError, match="next"):
        sess.answer("1", 1.0)


def test_the_same_seed_gives_the_same_session(store, bank, learner):
    a = StudySession(store, bank, learner.id, SessionOptions(length=6, seed=11))
    b = StudySession(store, bank, learner.id, SessionOptions(length=6, seed=11))
    assert a.queue == b.queue
    assert a.next().seed == b.next().seed


def test_an_item_that_cannot_be_drawn_is_skipped(store, bank, learner, monkeypatch):
    sess = StudySession(store, bank, learner.id, SessionOptions(length=3, seed=5, policy="rotation"))
    broken = sess.queue[0]
    real = bank.instance

    def instance(item_id, seed):
        if item_id == broken:
            raise ValueError("constraints never met")
        return real(item_id, seed)

    monkeypatch.setattr(bank, "instance", instance)
    assert sess.next().item_id == sess.queue[1]
    assert sess.skipped == [(broken, "constraints never met")]
