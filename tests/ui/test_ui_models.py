"""The Qt-free models behind the Progress and Practice pages: history in SQL, reads on a
worker thread, the practice flow from start to summary (no window needed)."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timezone


from quizapp.progress import Store
from quizapp.progress.clock import ManualClock
from quizapp.progress.session import SessionOptions
from quizapp.ui.practice.model import PracticeFlow
from quizapp.ui.progress.model import HistoryQuery, StoreReader, load_data, rows_for


def _seed(store):
    store.clock = ManualClock(datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc))
    store.sync_topics({"sgd": "SGD and minibatches", "adam": "Adam"})
    ann = store.add_learner("ann")
    rows = [("sgd.a", "sgd", True, "0.1"), ("adam.b", "adam", False, "50%_x"),
            ("adam.c", "adam", True, "B"), ("sgd.d", "sgd", False, "a")]
    for item, topic, ok, given in rows:
        store.record_attempt(ann.id, item, correct=ok, given=given, expected="1", seconds=3.0,
                             topic=topic)
        store.clock.advance(minutes=1)
    return ann


def test_history_query_filters_and_sorts_in_sql():
    store = Store.memory()
    ann = _seed(store)
    q = HistoryQuery(ann.id)
    assert [r["item_id"] for r in q.rows(store.db)] == ["sgd.d", "adam.c", "adam.b", "sgd.a"]
    assert q.total(store.db) == 4
    # by topic title (case-blind), ties newest first
    by_title = replace(q, column=2, descending=False)
    assert [r["title"] for r in by_title.rows(store.db)] == ["Adam", "Adam", "SGD and minibatches",
                                                             "SGD and minibatches"]
    assert [r["item_id"] for r in by_title.rows(store.db)][:2] == ["adam.c", "adam.b"]
    # given answers, case-blind
    given = [r["given"] for r in replace(q, column=3, descending=False).rows(store.db)]
    assert given == ["0.1", "50%_x", "a", "B"]
    # text search matches titles too; % and _ are literal, not wildcards
    assert {r["item_id"] for r in replace(q, text="minibatch").rows(store.db)} == {"sgd.a", "sgd.d"}
    assert [r["item_id"] for r in replace(q, text="%_").rows(store.db)] == ["adam.b"]
    assert replace(q, text="_").ids(store.db) == [2]
    assert [r["item_id"] for r in replace(q, topic="adam", wrong_only=True).rows(store.db)] == ["adam.b"]
    # pages by id keep the order
    ids = by_title.ids(store.db)
    assert [r["id"] for r in rows_for(store.db, ids[1:3])] == ids[1:3]


def test_the_reader_uses_its_own_connection_on_a_worker_thread(tmp_path):
    store = Store.open(tmp_path / "p.db")
    ann = _seed(store)
    reader = StoreReader(lambda: store)
    try:
        seen = []

        def job(s):
            seen.append((threading.current_thread(), s is store))
            return load_data(s, ann.id)

        data = reader.submit(job).result(timeout=10)
        assert data.attempts == 4 and data.learner.name == "ann"
        assert seen[0][0] is not threading.main_thread() and seen[0][1] is False
        assert data.today.isoformat() == "2025-03-03"  # the page store's clock, not the wall clock
        # a burst: a queued job with the same key is replaced by the newer one
        gate = threading.Event()
        blocker = reader.submit(lambda s: gate.wait(5))
        first = reader.submit(lambda s: "old", key="k")
        second = reader.submit(lambda s: "new", key="k")
        gate.set()
        assert blocker.result(timeout=5) and second.result(timeout=5) == "new" and first.cancelled()
    finally:
        reader.close()
        store.close()


def test_a_store_in_memory_is_read_on_the_calling_thread():
    store = Store.memory()
    ann = _seed(store)
    reader = StoreReader(lambda: store)
    future = reader.submit(lambda s: (threading.current_thread(), load_data(s, ann.id).attempts))
    assert future.done() and future.result() == (threading.current_thread(), 4)


def test_practice_flow_from_start_to_summary(bank):
    store = Store.memory()
    learner = store.default_learner().id
    flow = PracticeFlow()
    assert flow.start(store, bank, learner, SessionOptions(topics=["adam"], length=3, seed=4)) is None
    answers = []
    while True:
        inst = flow.next()
        if inst is None:
            break
        assert flow.next() is inst  # the same question until it is answered
        right = inst.correct_choice if inst.choices else None
        text = str(right) if right and len(answers) != 1 else ("1" if inst.choices else "12345")
        if inst.choices and len(answers) == 1:
            text = str(1 if right != 1 else 2)
        from quizapp.bank.kinds import typed_answer

        if typed_answer(inst, len(answers) != 1) is not None:  # select-all, ordering, matching, short
            text = typed_answer(inst, len(answers) != 1)
        fb = flow.answer(text, 5.0)
        assert fb.readable and flow.feedback is fb
        answers.append(bool(fb.correct))
    summary = flow.finish()
    assert summary.answered == 3 and flow.instance is None
    right = sum(answers)
    assert flow.score_text().startswith(f"{right} of 3 right")
    cards = flow.cards()
    assert [c.correct for c in cards] == answers
    assert all((c.why is None) == c.correct for c in cards)  # "why" for the wrong ones
    assert len(flow.missed_lines(bank)) == 3 - right
    assert "**Adam" in "".join(flow.missed_lines(bank)) or right == 3


def test_practice_flow_says_why_nothing_starts(bank):
    store = Store.memory()
    flow = PracticeFlow()
    why = flow.start(store, bank, store.default_learner().id, SessionOptions(mode="review"))
    assert why is not None and "no questions are due for review" in why and flow.session is None
