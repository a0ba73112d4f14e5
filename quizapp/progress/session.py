"""A study session, free of any UI: the terminal drives it now, the desktop window later.

The queue: items due for review first (most overdue first), then new items taken in turn
from each topic (easier ones first within a topic), then, in ``mixed`` and ``exam``
modes, seen items that are not yet due (soonest first) to fill the requested length.
Filters choose topics and categories. Each answer is graded by the bank and committed
to the store *before* :meth:`StudySession.answer` returns its feedback; in ``exam`` mode
the feedback keeps the verdict, the expected answer, the explanation and any unlocked
achievement back until :meth:`StudySession.finish`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from quizapp.progress import clock

MODES = ("mixed", "review", "new", "exam")
CATEGORIES = ("definition", "scenario", "calculation", "true_false", "application", "choice", "concept")


@dataclass
class SessionOptions:
    topics: list[str] | None = None
    categories: list[str] | None = None
    length: int = 10
    mode: str = "mixed"
    seed: int | None = None

    def to_json(self) -> dict:
        return {"topics": self.topics, "categories": self.categories, "length": self.length,
                "mode": self.mode, "seed": self.seed}


@dataclass(frozen=True)
class Feedback:
    readable: bool
    correct: bool | None
    expected: str
    message: str
    explanation: str
    attempt_id: int | None
    unlocked: list = field(default_factory=list)
    #: where the answer was kept when the file was busy ("journal"/"memory"), and why
    saved: str = "file"
    note: str = ""


@dataclass(frozen=True)
class Summary:
    answered: int
    correct: int
    seconds: float
    items: list  # (item_id, correct, given, expected)
    review_next: list  # item ids answered wrong in this session
    unlocked: list


class StudySession:
    def __init__(self, store, bank, learner_id: int, opts: SessionOptions | None = None):
        self.store = store
        self.bank = bank
        self.learner_id = learner_id
        self.opts = opts = opts or SessionOptions()
        if opts.mode not in MODES:
            raise ValueError(f"unknown session mode {opts.mode!r}; choose one of: {', '.join(MODES)}")
        if not isinstance(opts.length, int) or opts.length < 1:
            raise ValueError(f"a session needs a length of at least 1, got {opts.length!r}")
        self._check_filters()
        store.get_learner(learner_id)
        store.sync_topics(dict(bank.topics))
        self._rng = random.Random(opts.seed)
        self.queue: list[str] = self._build_queue()
        try:
            self.session_id = store.start_session(learner_id, opts.mode, opts.to_json())
        except _busy_error():  # the file is held elsewhere: answers still go to the journal
            self.session_id = None
        self._pos = 0
        self._current = None
        self._answers: list[tuple[str, bool, str, str]] = []
        self._seconds = 0.0
        self._held: list = []  # unlocks withheld in exam mode
        self._summary: Summary | None = None
        #: (item id, reason) of items whose instance could not be made; they were skipped.
        self.skipped: list[tuple[str, str]] = []

    # ------------------------------------------------------------------ queue

    def _check_filters(self) -> None:
        topics = set(self.bank.topics)
        for t in self.opts.topics or []:
            if t not in topics:
                raise ValueError(f"unknown topic {t!r}; choose one of: {', '.join(sorted(topics))}")
        for c in self.opts.categories or []:
            if c not in CATEGORIES:
                raise ValueError(f"unknown category {c!r}; choose one of: {', '.join(CATEGORIES)}")

    def _eligible(self) -> list:
        topics = set(self.opts.topics) if self.opts.topics else None
        cats = set(self.opts.categories) if self.opts.categories else None
        return [item for item in self.bank.items.values()
                if (topics is None or item.topic in topics) and (cats is None or item.category in cats)]

    def _build_queue(self) -> list[str]:
        items = self._eligible()
        schedule = self.store.review_schedule(self.learner_id)
        now = clock.iso(self.store.clock())
        due = sorted((schedule[i.id], i.id) for i in items if i.id in schedule and schedule[i.id] <= now)
        later = sorted((schedule[i.id], i.id) for i in items if i.id in schedule and schedule[i.id] > now)
        by_topic: dict[str, list] = {}
        for order, item in enumerate(i for i in items if i.id not in schedule):
            by_topic.setdefault(item.topic, []).append((getattr(item, "difficulty", 1) or 1, order, item.id))
        lanes = [sorted(v) for v in by_topic.values()]
        if lanes:
            shift = self._rng.randrange(len(lanes))
            lanes = lanes[shift:] + lanes[:shift]
        new: list[str] = []
        while any(lanes):
            for lane in lanes:
                if lane:
                    new.append(lane.pop(0)[2])
        mode = self.opts.mode
        queue = [i for _, i in due] if mode != "new" else []
        if mode != "review":
            queue += new
        if mode in ("mixed", "exam"):
            queue += [i for _, i in later]
        return queue[: self.opts.length]

    # ------------------------------------------------------------------ flow

    @property
    def total(self) -> int:
        return len(self.queue)

    @property
    def position(self) -> int:
        """1-based number of the current item (0 before the first next())."""
        return self._pos

    @property
    def current(self):
        return self._current

    def item(self, item_id: str | None = None):
        return self.bank.items[item_id or self._current.item_id]

    def next(self):
        """The next item's instance; the same one again until it has been answered."""
        if self._summary is not None:
            return None
        if self._current is not None:
            return self._current
        while self._pos < len(self.queue):
            item_id = self.queue[self._pos]
            self._pos += 1
            try:
                self._current = self.bank.instance(item_id, self._rng.randrange(2**31))
            except Exception as exc:  # a broken item must not end the learner's session
                self.skipped.append((item_id, str(exc)))
                continue
            return self._current
        return None

    def answer(self, text: str, seconds: float) -> Feedback:
        inst = self._current
        if inst is None:
            raise RuntimeError("no question is waiting for an answer: call next() first")
        grade = self.bank.grade(inst, text)
        if grade.correct is None:
            return Feedback(False, None, "", grade.message, "", None, [])
        item = self.bank.items[inst.item_id]
        given = text.strip()
        expected = grade.expected or getattr(inst, "answer_text", "")
        rec = self.store.record_attempt(
            self.learner_id, inst.item_id, correct=bool(grade.correct), given=given,
            seconds=seconds, seed=inst.seed, params=_json_params(inst.params),
            expected=expected, topic=item.topic, category=item.category,
            kind=getattr(inst, "kind", None) or getattr(item, "kind", None),
            session_id=self.session_id)
        self._answers.append((inst.item_id, bool(grade.correct), given, expected))
        if seconds is not None and seconds == seconds and seconds >= 0:
            self._seconds += float(seconds)
        self._current = None
        saved, note = getattr(rec, "saved", "file"), getattr(rec, "note", "")
        if self.opts.mode == "exam":
            self._held.extend(rec.unlocked)
            return Feedback(True, None, "", "Answer recorded.", "", rec.attempt_id, [],
                            saved, note)
        return Feedback(True, bool(grade.correct), expected, grade.message,
                        inst.explanation, rec.attempt_id, list(rec.unlocked), saved, note)

    def finish(self) -> Summary:
        """Close the session (idempotent); in exam mode this is when verdicts are shown."""
        if self._summary is None:
            closed = self.store.finish_session(self.session_id) if self.session_id is not None else []
            unlocked = list(self._held) + list(closed)
            self._current = None
            wrong = []
            for item_id, ok, _, _ in self._answers:
                if not ok and item_id not in wrong:
                    wrong.append(item_id)
            self._summary = Summary(
                answered=len(self._answers), correct=sum(1 for a in self._answers if a[1]),
                seconds=round(self._seconds, 3), items=list(self._answers),
                review_next=wrong, unlocked=unlocked)
        return self._summary


def _busy_error() -> type[Exception]:
    from quizapp.progress.store import StoreBusy

    return StoreBusy


def _json_params(params: Any) -> dict:
    return dict(params) if isinstance(params, dict) else {}
