"""Achievements, defined as data and checked after every event.

Each :class:`Achievement` names a *rule* (a measuring function in :data:`RULES`) and a
*target*. After an answer, a finished session, a recorded run or a streak setting, the
store measures every still-locked achievement whose rule listens to that event; when the
measure reaches the target it is unlocked, once, with its time. Locked achievements report
their measure as progress (``7/10``) and a one-line ``detail``.

An entry with ``per_topic=True`` is a template: it stands for one achievement per topic
of the question bank (``{topic}`` and ``{title}`` are filled in).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

from quizapp.progress import queries


@dataclass(frozen=True)
class Achievement:
    id: str
    title: str
    description: str
    rule: str
    target: int
    params: dict = field(default_factory=dict)
    per_topic: bool = False


@dataclass(frozen=True)
class AchievementStatus:
    id: str
    title: str
    description: str
    unlocked_at: str | None
    progress: int
    target: int
    detail: str = ""
    rule: str = ""

    @property
    def unlocked(self) -> bool:
        return self.unlocked_at is not None

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "description": self.description,
                "unlocked_at": self.unlocked_at, "progress": self.progress,
                "target": self.target, "detail": self.detail, "rule": self.rule}


#: An achievement that has just been unlocked.
Unlock = AchievementStatus

CALC = "calculation"

ACHIEVEMENTS: tuple[Achievement, ...] = (
    # answers
    Achievement("first-correct", "First step downhill", "Answer a question correctly.",
                "correct_answers", 1),
    Achievement("correct-25", "Steady descent", "Answer 25 questions correctly.",
                "correct_answers", 25),
    Achievement("correct-100", "Converged", "Answer 100 questions correctly.",
                "correct_answers", 100),
    Achievement("streak-5", "Picking up speed", "Get 5 answers right in a row.",
                "answer_streak", 5),
    Achievement("streak-15", "Heavy ball", "Get 15 answers right in a row.",
                "answer_streak", 15),
    Achievement("calc-10", "Back of the envelope", "Solve 10 calculation questions correctly.",
                "correct_answers", 10, {"category": CALC}),
    Achievement("calc-accuracy", "Sharp pencil",
                "Get at least 18 of your last 20 calculation answers right.",
                "recent_accuracy", 18, {"category": CALC, "window": 20}),
    Achievement("topics-5", "Wide view", "Answer questions from 5 different topics.",
                "topics_answered", 5),
    Achievement("reviews-20", "Spaced out", "Answer 20 questions that were due for review.",
                "reviews_done", 20),
    Achievement("exam-pass", "Exam ready",
                "Finish an exam session of at least 10 questions with 80 % or more right.",
                "exam_passed", 1, {"min_questions": 10, "min_score": 0.8}),
    # mastery
    Achievement("master-{topic}", "Mastered: {title}",
                "Get at least 8 of your last 10 answers on {title} right, after studying it "
                "on 3 or more separate days.",
                "topic_mastery", queries.MASTERY_CORRECT + queries.MASTERY_DAYS,
                {"topic": "{topic}"}, per_topic=True),
    Achievement("master-3", "Polymath", "Master 3 topics.", "topics_mastered", 3),
    # weekly study streak (opt-in)
    Achievement("week-streak-2", "Two good weeks",
                "Keep your weekly study streak for 2 weeks (turn the streak on first).",
                "weekly_streak", 2),
    Achievement("week-streak-6", "Habit formed",
                "Keep your weekly study streak for 6 weeks (turn the streak on first).",
                "weekly_streak", 6),
    # simulator and lab notebook
    Achievement("first-run", "Lab notebook", "Record a simulator run in the lab notebook.",
                "runs_recorded", 1),
    Achievement("runs-25", "Lab regular", "Record 25 simulator runs.", "runs_recorded", 25),
    Achievement("diverge-fix", "Brake pedal",
                "Make a run diverge, then tame it with a lower learning rate on the same "
                "surface and optimizer.", "diverge_fixed", 1),
    Achievement("race-3", "Race day", "Race 3 or more optimizers on one surface at once.",
                "race", 3),
    Achievement("one-knob", "One knob at a time",
                "Change exactly one setting between two consecutive runs.", "one_knob", 1),
    Achievement("one-knob-10", "Careful experimenter",
                "Change exactly one setting between consecutive runs, 10 times.", "one_knob", 10),
    Achievement("rosenbrock-min", "Bottom of the banana",
                "End a run within 0.001 of the Rosenbrock minimum at (1, 1).",
                "reach_minimum", 1, {"surface": "rosenbrock", "tolerance": 1e-3}),
)


# ----------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Event:
    """What just happened: kind is "attempt", "session", "run" or "streak"."""
    kind: str
    topic: str | None = None
    category: str | None = None
    run_id: int | None = None
    session_id: int | None = None


@dataclass
class Context:
    db: Database
    learner_id: int
    today: Any  # datetime.date
    now: Any  # aware datetime
    cache: dict = field(default_factory=dict)

    def scalar(self, sql: str, params: list) -> Any:
        return self.db.execute(sql, params).fetchone()[0]


Measure = Callable[..., "tuple[int, str]"]


@dataclass(frozen=True)
class Rule:
    events: frozenset
    measure: Measure
    # Which events can change the measure (e.g. only answers on this topic).
    relevant: Callable[[Event, dict], bool] = lambda event, params: True


RULES: dict[str, Rule] = {}


def _rule(name: str, *events: str, relevant=None):
    def deco(fn: Measure) -> Measure:
        RULES[name] = Rule(frozenset(events), fn, relevant or (lambda e, p: True))
        return fn
    return deco


@_rule("correct_answers", "attempt",
       relevant=lambda e, p: "category" not in p or e.category == p["category"])
def _correct_answers(ctx: Context, category: str | None = None):
    if category is None:
        n = ctx.scalar("SELECT COALESCE(SUM(correct), 0) FROM day_stats WHERE learner_id = ?",
                       [ctx.learner_id])
        return n, f"{n} right so far"
    n = ctx.scalar("SELECT COUNT(*) FROM attempts WHERE learner_id = ? AND category = ? "
                   "AND correct = 1", [ctx.learner_id, category])
    return n, f"{n} {category} answers right so far"


@_rule("answer_streak", "attempt")
def _answer_streak(ctx: Context):
    n = queries.current_answer_streak(ctx.db, ctx.learner_id)
    return n, f"{n} right in a row now"


@_rule("recent_accuracy", "attempt", relevant=lambda e, p: e.category == p["category"])
def _recent_accuracy(ctx: Context, category: str, window: int):
    right, seen = ctx.db.execute(
        "SELECT COALESCE(SUM(correct), 0), COUNT(*) FROM (SELECT correct FROM attempts "
        "WHERE learner_id = ? AND category = ? ORDER BY id DESC LIMIT ?)",
        [ctx.learner_id, category, window]).fetchone()
    return right, f"{right} right of your last {seen} {category} answers"


@_rule("topics_answered", "attempt")
def _topics_answered(ctx: Context):
    n = ctx.scalar("SELECT COUNT(DISTINCT topic) FROM topic_days WHERE learner_id = ?",
                   [ctx.learner_id])
    return n, f"{n} topics tried"


@_rule("reviews_done", "attempt")
def _reviews_done(ctx: Context):
    n = ctx.scalar("SELECT COALESCE(SUM(reviews), 0) FROM day_stats WHERE learner_id = ?",
                   [ctx.learner_id])
    return n, f"{n} due reviews answered"


@_rule("exam_passed", "session")
def _exam_passed(ctx: Context, min_questions: int, min_score: float):
    rows = ctx.db.execute(
        "SELECT answered, correct FROM sessions WHERE learner_id = ? AND mode = 'exam' "
        "AND finished_at IS NOT NULL AND answered >= ?", [ctx.learner_id, min_questions]).fetchall()
    if any(c >= min_score * a for a, c in rows):
        return 1, "passed"
    best = max(rows, key=lambda r: r[1] / r[0], default=None)
    if best is None:
        return 0, f"no finished exam of {min_questions}+ questions yet"
    return 0, f"best exam so far: {best[1]}/{best[0]}"


def _mastery(ctx: Context, topic: str) -> dict:
    key = ("mastery", topic)
    if key not in ctx.cache:
        ctx.cache[key] = queries.topic_mastery(ctx.db, ctx.learner_id, topic)
    return ctx.cache[key]


@_rule("topic_mastery", "attempt", relevant=lambda e, p: e.topic == p["topic"])
def _topic_mastery(ctx: Context, topic: str):
    m = _mastery(ctx, topic)
    right = min(m["recent_correct"], queries.MASTERY_CORRECT)
    days = min(m["days"], queries.MASTERY_DAYS)
    return right + days, (f"{m['recent_correct']} right of your last {m['recent']}; "
                          f"studied on {m['days']} of {queries.MASTERY_DAYS} days")


@_rule("topics_mastered", "attempt")
def _topics_mastered(ctx: Context):
    mastery = queries.mastery_by_topic(ctx.db, ctx.learner_id)
    n = sum(1 for m in mastery.values() if m["mastered"])
    return n, f"{n} topics mastered"


@_rule("weekly_streak", "attempt", "streak")
def _weekly_streak(ctx: Context):
    streak = ctx.cache.get("streak")
    if streak is None:
        streak = ctx.cache["streak"] = queries.study_streak(ctx.db, ctx.learner_id, now=ctx.now)
    if not streak["enabled"]:
        return 0, "the weekly streak is off (quizapp learners --streak on)"
    return streak["weeks"], f"{streak['weeks']} weeks in a row (best {streak['best']})"


@_rule("runs_recorded", "run")
def _runs_recorded(ctx: Context):
    n = ctx.scalar("SELECT COUNT(*) FROM runs WHERE learner_id = ?", [ctx.learner_id])
    return n, f"{n} runs recorded"


@_rule("diverge_fixed", "run")
def _diverge_fixed(ctx: Context):
    last: dict[tuple, tuple] = {}
    diverged_any = False
    for surface, optimizer, lr, diverged in ctx.db.execute(
            "SELECT surface, optimizer, lr, diverged FROM runs WHERE learner_id = ? ORDER BY id",
            [ctx.learner_id]):
        key = (surface, optimizer)
        prev = last.get(key)
        if (not diverged and prev is not None and prev[1] and prev[0] is not None
                and lr is not None and lr < prev[0]):
            return 1, "done"
        diverged_any = diverged_any or bool(diverged)
        last[key] = (lr, diverged)
    if diverged_any:
        return 0, "a run diverged: now lower the learning rate and run it again"
    return 0, "no run has diverged yet"


@_rule("race", "run")
def _race(ctx: Context):
    n = ctx.scalar(
        "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(DISTINCT optimizer) AS n FROM runs "
        "WHERE learner_id = ? AND grp IS NOT NULL GROUP BY grp, surface)", [ctx.learner_id])
    return n, f"at most {n} optimizers raced together"


@_rule("one_knob", "run")
def _one_knob(ctx: Context):
    n = ctx.scalar("SELECT COUNT(*) FROM runs WHERE learner_id = ? AND changed = 1",
                   [ctx.learner_id])
    return n, f"{n} one-setting changes"


@_rule("reach_minimum", "run")
def _reach_minimum(ctx: Context, surface: str, tolerance: float):
    best = ctx.scalar("SELECT MIN(min_distance) FROM runs WHERE learner_id = ? AND surface = ? "
                      "AND NOT diverged", [ctx.learner_id, surface])
    if best is not None and best <= tolerance:
        return 1, f"closest: {best:.3g}"
    return 0, "no run yet" if best is None else f"closest so far: {best:.3g}"


# ----------------------------------------------------------------------------- evaluation


def expand(topics: dict[str, str]) -> list[Achievement]:
    """Every concrete achievement: templates filled in once per topic (in topic order)."""
    out: list[Achievement] = []
    for a in ACHIEVEMENTS:
        if not a.per_topic:
            out.append(a)
            continue
        for topic, title in topics.items():
            fill = {"topic": topic, "title": title or topic}
            out.append(Achievement(
                a.id.format(**fill), a.title.format(**fill), a.description.format(**fill),
                a.rule, a.target, {k: (v.format(**fill) if isinstance(v, str) else v)
                                   for k, v in a.params.items()}))
    return out


def _measure(ctx: Context, a: Achievement) -> tuple[int, str]:
    return RULES[a.rule].measure(ctx, **a.params)


def _status(a: Achievement, unlocked_at: str | None, progress: int, detail: str) -> AchievementStatus:
    return AchievementStatus(a.id, a.title, a.description, unlocked_at,
                             min(int(progress), a.target), a.target, detail, a.rule)


def unlocked_rows(db: Database, learner_id: int) -> dict[str, str]:
    return dict(db.execute("SELECT achievement_id, unlocked_at FROM achievements "
                           "WHERE learner_id = ?", [learner_id]).fetchall())


def evaluate(ctx: Context, event: Event, topics: dict[str, str], when: str) -> list[Unlock]:
    """Unlock what ``event`` completed; the caller holds a write transaction."""
    done = unlocked_rows(ctx.db, ctx.learner_id)
    out: list[Unlock] = []
    for a in expand(topics):
        if a.id in done:
            continue
        rule = RULES[a.rule]
        if event.kind not in rule.events or not rule.relevant(event, a.params):
            continue
        progress, detail = _measure(ctx, a)
        if progress >= a.target:
            cur = ctx.db.execute(
                "INSERT OR IGNORE INTO achievements (learner_id, achievement_id, unlocked_at) "
                "VALUES (?, ?, ?)", [ctx.learner_id, a.id, when])
            if cur.rowcount == 1:
                out.append(_status(a, when, a.target, detail))
    return out


def statuses(ctx: Context, topics: dict[str, str]) -> list[AchievementStatus]:
    done = unlocked_rows(ctx.db, ctx.learner_id)
    out = []
    for a in expand(topics):
        if a.id in done:
            out.append(_status(a, done[a.id], a.target, "unlocked"))
        else:
            progress, detail = _measure(ctx, a)
            out.append(_status(a, None, progress, detail))
    return out


def validate() -> None:
    """Check the table (ids unique, rules known, targets positive); raises ValueError."""
    seen = set()
    for a in ACHIEVEMENTS:
        if a.id in seen:
            raise ValueError(f"duplicate achievement id {a.id!r}")
        seen.add(a.id)
        if a.rule not in RULES:
            raise ValueError(f"achievement {a.id!r} names unknown rule {a.rule!r}")
        if a.target < 1:
            raise ValueError(f"achievement {a.id!r} needs a positive target")
