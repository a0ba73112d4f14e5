"""Adaptive sessions: the Rasch estimates, and how the session engine uses them on the shipped bank."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.bank import load_bank
from quizapp.progress import adaptive
from quizapp.progress.session import SessionOptions, StudySession


@pytest.fixture(scope="module")
def shipped():
    return load_bank()


def answer(inst, right: bool) -> str:
    from quizapp.bank.kinds import typed_answer

    if typed_answer(inst, right) is not None:
        return typed_answer(inst, right)
    if inst.kind in ("choice", "computed_choice"):
        return str(inst.correct_choice if right else inst.correct_choice % len(inst.choices) + 1)
    if inst.kind == "true_false":
        return "true" if bool(inst.answer) == right else "false"
    return (inst.answer_display or inst.answer_text) if right else repr(float(inst.answer) * 3 + 7)


def walk(sess, right=lambda inst: True):
    """Answer a whole session; return the instances asked, in order."""
    seen = []
    while (inst := sess.next()) is not None:
        seen.append(inst)
        fb = sess.answer(answer(inst, right(inst)), 10.0)
        assert fb.readable
    return seen


# ---------------------------------------------------------------- the model's arithmetic

def test_estimate_moves_with_the_answers_and_grows_surer():
    none = adaptive.estimate([], 0.0, 1.0)
    assert none == pytest.approx((0.0, 1.0))
    right = adaptive.estimate([(0.0, 3, 0)], 0.0, 1.0)
    wrong = adaptive.estimate([(0.0, 0, 3)], 0.0, 1.0)
    assert right[0] > 0.5 and wrong[0] < -0.5 and right[0] == pytest.approx(-wrong[0])
    many = adaptive.estimate([(0.0, 30, 30)], 0.0, 1.0)
    assert many[0] == pytest.approx(0.0, abs=1e-9) and many[1] < 0.3 < right[1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 3), st.integers(0, 20), st.integers(0, 20)), max_size=12),
       st.floats(-2, 2), st.floats(0.3, 3))
def test_estimate_is_the_posterior_mode(answers, mean, sd):
    theta, post_sd = adaptive.estimate(answers, mean, sd, iters=50)

    def grad(t):
        g = -(t - mean) / sd ** 2
        for b, r, w in answers:
            g += r - (r + w) * adaptive.sigmoid(t - b)
        return g

    assert abs(grad(theta)) < 1e-6 * (1 + sum(r + w for _, r, w in answers))
    assert 0 < post_sd <= sd + 1e-12


def test_calibration_starts_at_the_authored_prior_and_follows_the_data():
    assert adaptive.calibrate(adaptive.prior_difficulty(3), 0, 0) == pytest.approx(1.0)
    assert adaptive.calibrate(adaptive.prior_difficulty(1), 0, 0) == pytest.approx(-1.0)
    # an "easy" item that 180 of 200 answers got wrong is hard in practice
    assert adaptive.calibrate(adaptive.prior_difficulty(1), 200, 20) > 1.5


def test_spearman_with_ties():
    assert adaptive.spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert adaptive.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert adaptive.spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(0.8660254, rel=1e-6)


# ---------------------------------------------------------------- sessions on the shipped bank

def test_a_fresh_learner_starts_where_the_chapter_starts(store, shipped):
    order = adaptive.chapter_topic_order()
    learner = store.add_learner("new")
    first = walk(StudySession(store, shipped, learner.id, SessionOptions(length=4, mode="new")))
    assert shipped.items[first[0].item_id].topic == order[0]
    assert not any(shipped.items[i.item_id].topic in ("adam", "adamw") for i in first)


def test_a_learner_who_knows_a_topic_moves_on_quickly(store, shipped):
    learner = store.add_learner("quick")
    asked = walk(StudySession(store, shipped, learner.id, SessionOptions(length=8, mode="new", seed=1)))
    topics = [shipped.items[i.item_id].topic for i in asked]
    # all right: no topic is asked more than twice before the next one comes
    assert len(set(topics)) >= 4
    order = adaptive.chapter_topic_order()
    assert topics == sorted(topics, key=order.index)


def test_a_weak_topic_is_named_in_the_summary(store, shipped):
    learner = store.add_learner("weak")
    first_topic = adaptive.chapter_topic_order()[0]
    for seed in (2, 3):  # one new question per topic per session: two sessions, two misses
        sess = StudySession(store, shipped, learner.id, SessionOptions(length=6, mode="new", seed=seed))
        walk(sess, right=lambda inst: shipped.items[inst.item_id].topic != first_topic)
        summary = sess.finish()
    title = shipped.topics[first_topic]
    assert summary.next_steps and summary.next_steps[0].startswith(f"{title} next: 0 of 2 right")
    assert "needs more work" in summary.next_steps[0]


def test_a_first_session_tours_the_chapter_even_when_every_answer_is_wrong(store, shipped):
    # one new question per topic per session: ten questions meet ten topics, in the
    # chapter's order, and the topics not shown come first again in the next session
    order = adaptive.chapter_topic_order()
    learner = store.add_learner("tour")
    sess = StudySession(store, shipped, learner.id, SessionOptions(length=10, mode="new", seed=3))
    asked = walk(sess, right=lambda inst: False)
    sess.finish()
    topics = [shipped.items[i.item_id].topic for i in asked]
    assert len(topics) == 10 and len(set(topics)) == 10
    assert topics == sorted(topics, key=order.index)
    again = walk(StudySession(store, shipped, learner.id, SessionOptions(length=3, mode="new", seed=4)))
    assert [shipped.items[i.item_id].topic for i in again] == order[:3]


def test_no_more_than_two_of_a_category_in_a_row(store, shipped):
    for n in range(6):
        learner = store.add_learner(f"c{n}")
        asked = walk(StudySession(store, shipped, learner.id, SessionOptions(length=25, mode="new", seed=n)),
                     right=lambda inst, r=random.Random(n): r.random() < 0.6)
        cats = [shipped.items[i.item_id].category for i in asked]
        runs = [cats[k:k + 3] for k in range(len(cats) - 2)]
        assert not any(len(set(r)) == 1 for r in runs), cats


def test_learners_and_seeds_get_different_questions_but_a_seed_repeats(store, shipped):
    def first_ten(name, seed):
        learner = store.find_learner(name) or store.add_learner(name)
        sess = StudySession(store, shipped, learner.id, SessionOptions(length=10, mode="new", seed=seed))
        ids = []
        while (inst := sess.next()) is not None:
            ids.append(inst.item_id)
            sess.answer(answer(inst, len(ids) % 3 != 0), 10.0)
        return ids

    a, b = first_ten("ann", None), first_ten("bob", None)
    assert a != b
    # the same learner and history with two seeds, then one seed twice (fresh learners, same name order)
    c1, c2 = first_ten("cat", 1), first_ten("dan", 1)
    assert c1 != c2  # another learner, same seed
    assert first_ten("eve", 7) != first_ten("fay", 8)


def test_the_same_seed_and_learner_repeat_the_session(store, shipped):
    learner = store.add_learner("rep")
    one = StudySession(store, shipped, learner.id, SessionOptions(length=5, mode="new", seed=3))
    two = StudySession(store, shipped, learner.id, SessionOptions(length=5, mode="new", seed=3))
    assert one.next().item_id == two.next().item_id


def test_exam_samples_across_the_chosen_topics(store, shipped):
    learner = store.add_learner("exam")
    topics = ["adam", "adamw", "momentum", "sgd"]
    sess = StudySession(store, shipped, learner.id, SessionOptions(length=8, mode="exam", topics=topics, seed=4))
    asked = [shipped.items[i].topic for i in sess.queue]
    assert len(asked) == 8 and set(asked) == set(topics)
    assert all(asked.count(t) == 2 for t in topics)


def test_due_reviews_keep_their_priority(store, shipped, clock):
    learner = store.add_learner("rev")
    missed = walk(StudySession(store, shipped, learner.id, SessionOptions(length=4, mode="new", seed=5)),
                  right=lambda inst: False)
    clock.advance(days=2)
    sess = StudySession(store, shipped, learner.id, SessionOptions(length=6, seed=6))
    assert sorted(sess.queue[:4]) == sorted(i.item_id for i in missed)
    asked = walk(sess)
    assert sess.reasons[:4] == ["due for review"] * 4 and len(asked) == 6


def test_difficulty_is_calibrated_from_every_learner(store, shipped):
    hard = next(i for i in shipped.items.values() if i.difficulty == 1)
    for n in range(12):
        learner = store.add_learner(f"cal{n}")
        sess = StudySession(store, shipped, learner.id, SessionOptions(length=1, mode="new"))
        sess.queue = [hard.id]
        walk(sess, right=lambda inst: False)
    model = adaptive.Model.load(store, store.add_learner("late").id, shipped.items)
    assert model.difficulty[hard.id] > adaptive.prior_difficulty(1) + 1.0


def test_a_broken_item_is_skipped_in_an_adaptive_session(store, shipped, monkeypatch):
    learner = store.add_learner("skip")
    real = shipped.instance
    broken = set()

    def instance(item_id, seed):
        if not broken:
            broken.add(item_id)
            raise ValueError("constraints never met")
        return real(item_id, seed)

    monkeypatch.setattr(shipped, "instance", instance)
    sess = StudySession(store, shipped, learner.id, SessionOptions(length=2, mode="new", seed=8))
    asked = walk(sess)
    assert len(asked) == 2 and sess.skipped[0][1] == "constraints never met"
    assert broken.isdisjoint(i.item_id for i in asked)


def test_the_summary_stays_within_the_sessions_topics(store, shipped):
    learner = store.add_learner("topics")
    sess = StudySession(store, shipped, learner.id, SessionOptions(length=3, topics=["adam", "adamw"], seed=9))
    walk(sess, right=lambda inst: False)
    lines = sess.finish().next_steps
    titles = {shipped.topics["adam"], shipped.topics["adamw"]}
    assert lines and all(any(line.startswith(t) for t in titles) for line in lines), lines
