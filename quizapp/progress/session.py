"""A study session, free of any UI: the terminal and the Practice page both drive it.

How the questions are chosen (``policy="adaptive"``, the default):

* **Due reviews first** (most overdue first), in ``mixed`` and ``review`` modes: FSRS
  decided they are due, and that keeps its priority.
* **New material** (``mixed`` and ``new``) is chosen one question at a time by
  :mod:`quizapp.progress.adaptive`: the chapter's order of topics, moving on as soon as
  the learner has shown they know a topic (or that it needs review later), the most
  informative question within it from a Rasch estimate of the learner's ability per
  topic and each item's calibrated difficulty, no more than two questions of one
  category in a row while another is available, and seeded randomness among near-equal
  choices.
* In ``mixed`` mode, seen items that are not yet due fill what is left (soonest first).
* **Exam** mode samples across the chosen topics instead: topics in turn (in a random
  order), a random question from each, so an exam is a fair cross-section, not a lesson.

``policy="rotation"`` keeps the first version's order (new items topic by topic in file
order, easier first); it exists for comparison (``benchmarks/bench_adaptive.py``).
Filters choose topics and categories. Each answer is graded by the bank and committed
to the store *before* :meth:`StudySession.answer` returns its feedback; in ``exam`` mode
the feedback keeps the verdict, the expected answer, the explanation and any unlocked
achievement back until :meth:`StudySession.finish`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from quizapp.progress import adaptive, clock

MODES = ("mixed", "review", "new", "exam")
POLICIES = ("adaptive", "rotation")
CATEGORIES = ("definition", "scenario", "calculation", "true_false", "application", "choice", "concept")


@dataclass
class SessionOptions:
    topics: list[str] | None = None
    categories: list[str] | None = None
    length: int = 10
    mode: str = "mixed"
    seed: int | None = None
    policy: str = "adaptive"

    def to_json(self) -> dict:
        return {"topics": self.topics, "categories": self.categories, "length": self.length,
                "mode": self.mode, "seed": self.seed, "policy": self.policy}


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
    score: float | None = None  # credit 0..1 of multiple / ordering / matching answers


@dataclass(frozen=True)
class Summary:
    answered: int
    correct: int
    seconds: float
    items: list  # (item_id, correct, given, expected)
    review_next: list  # item ids answered wrong in this session
    unlocked: list
    next_steps: list = field(default_factory=list)  # sentences: what comes next, and why


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
        if opts.policy not in POLICIES:
            raise ValueError(f"unknown session policy {opts.policy!r}; choose one of: {', '.join(POLICIES)}")
        self._check_filters()
        store.get_learner(learner_id)
        store.sync_topics(dict(bank.topics))
        # A seed gives the same session for the same learner and history; another learner
        # or another seed gives another one. No seed: a fresh draw every time.
        self._rng = random.Random(None if opts.seed is None else f"{opts.seed}:{learner_id}")
        self.model: adaptive.Model | None = None
        #: Why each question was chosen, by position (0-based), for the UI and the terminal.
        self.reasons: list[str] = []
        self._fixed = False
        self._pool: list[str] = []  # new items the adaptive policy may still choose from
        self._fill: list[str] = []  # seen, not yet due: what fills a mixed session at the end
        self._queue: list[str] = self._build_queue()
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
        mode = self.opts.mode
        if mode == "exam":
            return self._exam_queue(items)
        if self.opts.policy == "adaptive":
            self.model = adaptive.Model.load(self.store, self.learner_id, self.bank.items, rng=self._rng)
            queue = [i for _, i in due] if mode != "new" else []
            self.reasons = ["due for review"] * len(queue)
            if mode != "review":
                self._pool = [i.id for i in items if i.id not in schedule]
            if mode == "mixed":
                self._fill = [i for _, i in later]
            return queue[: self.opts.length]
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
        queue = [i for _, i in due] if mode != "new" else []
        if mode != "review":
            queue += new
        if mode == "mixed":
            queue += [i for _, i in later]
        return queue[: self.opts.length]

    def _exam_queue(self, items: list) -> list[str]:
        """A cross-section: topics in a random order, a random question of each in turn."""
        by_topic: dict[str, list[str]] = {}
        for item in items:
            by_topic.setdefault(item.topic, []).append(item.id)
        lanes = [self._rng.sample(ids, len(ids)) for _, ids in sorted(by_topic.items())]
        self._rng.shuffle(lanes)
        queue: list[str] = []
        while any(lanes) and len(queue) < self.opts.length:
            for lane in lanes:
                if lane and len(queue) < self.opts.length:
                    queue.append(lane.pop())
        self.reasons = ["exam: a cross-section of the chosen topics"] * len(queue)
        return queue

    # The queue holds the questions decided so far. Setting it (the Practice page's
    # "practise these again") fixes the session to exactly those questions.
    @property
    def queue(self) -> list[str]:
        return self._queue

    @queue.setter
    def queue(self, ids: list[str]) -> None:
        self._queue = list(ids)
        self._fixed = True
        self._pool, self._fill = [], []
        self.reasons = ["chosen for this session"] * len(self._queue)

    def _adaptive_next(self) -> str | None:
        """Decide the next question (adaptive policy), or None when nothing is left."""
        if self._fixed or self.model is None:
            return None
        asked = set(self._queue)
        pool = [i for i in self._pool if i not in asked]
        recent = [self.bank.items[i].category for i in self._queue[-adaptive.MAX_SAME_CATEGORY:]
                  if i in self.bank.items]
        choice = self.model.pick(pool, recent)
        if choice is not None:
            self.model.asked(choice.item_id)
            self.reasons.append(choice.reason)
            return choice.item_id
        while self._fill:
            iid = self._fill.pop(0)
            if iid not in asked:
                self.reasons.append("seen before, not yet due: extra practice")
                return iid
        return None

    @property
    def reason(self) -> str:
        """Why the current question was chosen (empty before the first next())."""
        i = self._pos - 1
        return self.reasons[i] if 0 <= i < len(self.reasons) else ""

    # ------------------------------------------------------------------ flow

    @property
    def total(self) -> int:
        """How many questions this session will ask (at most ``length``)."""
        if self._fixed or self.model is None:
            return len(self._queue)
        asked = set(self._queue)
        more = len({i for i in self._pool if i not in asked} | {i for i in self._fill if i not in asked})
        return min(self.opts.length, len(self._queue) + more)

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
        while True:
            if self._pos >= len(self._queue):
                if self._pos - len(self.skipped) >= self.opts.length and not self._fixed:
                    return None
                item_id = self._adaptive_next()
                if item_id is None:
                    return None
                self._queue.append(item_id)
            item_id = self._queue[self._pos]
            self._pos += 1
            try:
                self._current = self.bank.instance(item_id, self._rng.randrange(2**31))
            except Exception as exc:  # a broken item must not end the learner's session
                self.skipped.append((item_id, str(exc)))
                continue
            return self._current

    def answer(self, text: str, seconds: float) -> Feedback:
        inst = self._current
        if inst is None:
            raise RuntimeError("no question is waiting for an answer: call next() first")
        grade = self.bank.grade(inst, text)
        if grade.correct is None:
            return Feedback(False, None, "", grade.message, "", None, [])
        item = self.bank.items[inst.item_id]
        # the part kinds store their canonical text ("1 3", "3 1 2 4", "1b 2a 3c"), which the
        # seed turns back into options; every other answer is stored as typed
        given = getattr(grade, "text", "") or text.strip()
        expected = grade.expected or getattr(inst, "answer_text", "")
        rec = self.store.record_attempt(
            self.learner_id, inst.item_id, correct=bool(grade.correct), given=given,
            seconds=seconds, seed=inst.seed, params=_json_params(inst.params),
            expected=expected, topic=item.topic, category=item.category,
            kind=getattr(inst, "kind", None) or getattr(item, "kind", None),
            session_id=self.session_id)
        self._answers.append((inst.item_id, bool(grade.correct), given, expected))
        if self.model is not None:
            self.model.observe(inst.item_id, bool(grade.correct))
        if seconds is not None and seconds == seconds and seconds >= 0:
            self._seconds += float(seconds)
        self._current = None
        saved, note = getattr(rec, "saved", "file"), getattr(rec, "note", "")
        if self.opts.mode == "exam":
            self._held.extend(rec.unlocked)
            return Feedback(True, None, "", "Answer recorded.", "", rec.attempt_id, [],
                            saved, note)
        return Feedback(True, bool(grade.correct), expected, grade.message,
                        inst.explanation, rec.attempt_id, list(rec.unlocked), saved, note,
                        getattr(grade, "score", None))

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
                review_next=wrong, unlocked=unlocked,
                next_steps=self.model.next_steps(topics=self.opts.topics) if self.model is not None else [])
        return self._summary


def _busy_error() -> type[Exception]:
    from quizapp.progress.store import StoreBusy

    return StoreBusy


def _json_params(params: Any) -> dict:
    return dict(params) if isinstance(params, dict) else {}
