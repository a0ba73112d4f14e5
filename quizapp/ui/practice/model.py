"""The Practice page's session flow without Qt: set-up -> one question at a time -> summary.

:class:`PracticeFlow` holds what the page shows (the session, the question on screen,
its feedback, the answers given, the summary) and answers the page's questions about it
(may the learner go on, what does the summary say, which answer cards does it list).
The page only draws; tests drive the flow with a store and a bank, no window needed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quizapp.progress.session import SessionOptions, StudySession


def duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def literal(text: str) -> str:
    """User text shown through MathLabel markup: no math, no markup."""
    return str(text).replace("$", "\\$").replace("*", "\u2217").replace("`", "\u2018")


def short_prompt(text: str, width: int = 140) -> str:
    """The start of a prompt for a list (math kept whole, so it still renders)."""
    if len(text) <= width:
        return text
    cut = text[:width]
    if cut.count("$") % 2:  # do not cut inside $...$
        cut = cut[:cut.rfind("$")]
    return cut.rstrip() + "…"


@dataclass(frozen=True)
class AnswerCard:
    """One answer as the summary lists it."""

    number: int
    item_id: str
    correct: bool
    prompt: str  # markup (math kept)
    answer_line: str  # markup
    why: str | None  # markup, shown for a wrong answer (and every answer of an exam)


class PracticeFlow:
    """One session at a time, from its start to its summary."""

    def __init__(self):
        self.session: StudySession | None = None
        self.instance = None  # the question on screen
        self.feedback = None  # its Feedback once answered
        self.records: list[tuple[Any, Any, str]] = []  # (instance, feedback, given) this session
        self.summary = None
        self.last_options: SessionOptions | None = None

    # ------------------------------------------------------------------ the session

    def start(self, store, bank, learner_id: int, opts: SessionOptions,
              item_ids: list[str] | None = None) -> str | None:
        """Start a session; returns why nothing could be practised (None: it started).
        Raises what the engine raises for bad options (unknown topic, store errors)."""
        session = StudySession(store, bank, learner_id, opts)
        if item_ids is not None:
            session.queue = [i for i in item_ids if i in bank.items][: max(1, len(item_ids))]
        self.last_options = opts
        self.session = session
        self.summary = None
        self.records = []
        self.instance = None
        self.feedback = None
        if session.total == 0:
            session.finish()
            self.session = None
            why = ("no questions are due for review" if opts.mode == "review"
                   else "you have seen every question" if opts.mode == "new"
                   else "no question matches")
            return (f"Nothing to practise with these settings right now: {why}. "
                    "Try other topics or the Mixed mode.")
        return None

    @property
    def running(self) -> bool:
        return self.session is not None and self.summary is None

    @property
    def exam(self) -> bool:
        return self.session is not None and self.session.opts.mode == "exam"

    @property
    def waiting_for_answer(self) -> bool:
        return self.instance is not None and self.feedback is None

    @property
    def is_last(self) -> bool:
        s = self.session
        return s is not None and s.position >= s.total

    def next(self):
        """The next question's instance, or None when the session has no more (the caller
        then ends it). The same question again while it waits for its answer."""
        if self.session is None:
            return None
        if self.waiting_for_answer:
            return self.instance
        inst = self.session.next()
        self.instance = inst
        self.feedback = None
        return inst

    def answer(self, text: str, seconds: float):
        """Grade and commit ``text`` (the engine writes it before returning); an unreadable
        answer comes back with ``readable`` False and is not recorded."""
        fb = self.session.answer(text, seconds)
        if fb.readable:
            self.feedback = fb
            self.records.append((self.instance, fb, text.strip()))
        return fb

    def finish(self):
        """End the session (every graded answer is saved already); returns its Summary."""
        if self.summary is None and self.session is not None:
            self.summary = self.session.finish()
            self.instance = None
            self.feedback = None
        return self.summary

    def abandon(self) -> None:
        """Forget the session (after :meth:`finish`, or when finishing failed)."""
        self.session = None
        self.instance = None
        self.feedback = None

    # ------------------------------------------------------------------ the summary

    def title(self) -> str:
        return "Exam over" if self.exam else "Session over"

    def score_text(self) -> str:
        s = self.summary
        if s is None or not s.answered:
            return "No questions answered."
        pct = round(100 * s.correct / s.answered)
        return f"{s.correct} of {s.answered} right ({pct} %) in {duration(s.seconds)}"

    def unlocked(self) -> list:
        extra = list(self.summary.unlocked) if self.summary is not None else []
        return [a for _, fb, _ in self.records for a in fb.unlocked] + extra

    def missed_lines(self, bank) -> list[str]:
        """One markup line per question answered wrong: its topic and the start of its prompt."""
        lines = []
        for item_id in (self.summary.review_next if self.summary is not None else []):
            item = bank.items.get(item_id) if bank is not None else None
            topic = bank.topics.get(item.topic, item.topic) if item else "?"
            prompt = next((inst.prompt for inst, _, _ in self.records if inst.item_id == item_id),
                          item_id)
            lines.append(f"- **{topic}**: {short_prompt(prompt)}")
        return lines

    def cards(self) -> list[AnswerCard]:
        out = []
        if self.summary is None:
            return out
        exam = self.exam
        for n, (item_id, ok, given, expected) in enumerate(self.summary.items, start=1):
            record = self.records[n - 1] if n - 1 < len(self.records) else None
            inst = record[0] if record is not None and record[0].item_id == item_id else None
            why = (f"*Why:* {inst.explanation}" if inst is not None and inst.explanation
                   and (exam or not ok) else None)
            out.append(AnswerCard(n, item_id, bool(ok), inst.prompt if inst is not None else item_id,
                                  f"Your answer: **{literal(given)}**  ·  Answer: {expected}", why))
        return out
