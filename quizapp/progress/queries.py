"""Progress queries over the store: mastery, accuracy over time, forecast, streaks, weak items.

Each function takes a sqlite-utils ``Database`` and a learner id and only reads. The
indexes they rely on are listed in ``migrations.INDEXES``; ``benchmarks/bench_store.py``
times every query here with and without them.

Mastery of a topic: at least :data:`MASTERY_CORRECT` right among the learner's last
:data:`MASTERY_WINDOW` answers on it, and answers on it on at least
:data:`MASTERY_DAYS` separate (local) days. ``mastery`` as a number is the share right
among those last answers, counting missing ones as not right, so it needs 10 answers to
reach 1.0.

The weekly study streak (opt-in per learner) counts consecutive weeks (Monday to Sunday)
in which the learner put in the minimum effort: at least ``days_per_week`` study days,
where a study day has at least ``min_answers`` graded answers. A day on which nothing
was due for review is never held against anyone: a week asks for no more study days than
it had days with a review due (and at least one, for the week to *count*). A week with
nothing due and no study day leaves the streak as it was; the current week counts once
it is met and never breaks the streak while it is still running. Only weeks since the
learner turned the streak on are considered.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

from quizapp.progress import clock

MASTERY_WINDOW = 10
MASTERY_CORRECT = 8
MASTERY_DAYS = 3


def current_answer_streak(db: Database, learner_id: int) -> int:
    """Right answers since the learner's last wrong one."""
    row = db.execute("SELECT id FROM attempts WHERE learner_id = ? AND correct = 0 "
                     "ORDER BY id DESC LIMIT 1", [learner_id]).fetchone()
    return db.execute("SELECT COUNT(*) FROM attempts WHERE learner_id = ? AND id > ?",
                      [learner_id, row[0] if row else 0]).fetchone()[0]


def _recent(db: Database, learner_id: int, topic: str) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT correct FROM attempts WHERE learner_id = ? AND topic = ? ORDER BY id DESC LIMIT ?",
        [learner_id, topic, MASTERY_WINDOW])]


def _mastery_entry(attempts: int, correct: int, days: int, recent: list[int]) -> dict:
    recent_correct = sum(recent)
    return {
        "attempts": attempts, "correct": correct,
        "mastery": recent_correct / MASTERY_WINDOW,
        "mastered": recent_correct >= MASTERY_CORRECT and days >= MASTERY_DAYS,
        "recent": len(recent), "recent_correct": recent_correct, "days": days,
    }


def topic_mastery(db: Database, learner_id: int, topic: str) -> dict:
    attempts, correct, days = db.execute(
        "SELECT COALESCE(SUM(answers), 0), COALESCE(SUM(correct), 0), COUNT(*) FROM topic_days "
        "WHERE learner_id = ? AND topic = ?", [learner_id, topic]).fetchone()
    return _mastery_entry(attempts, correct, days, _recent(db, learner_id, topic))


def mastery_by_topic(db: Database, learner_id: int, topics: list[str] | None = None) -> dict:
    """{topic: {attempts, correct, mastery 0..1, mastered, recent, recent_correct, days}}.

    Topics listed in ``topics`` appear even without answers (all zeros)."""
    rows = db.execute(
        "SELECT topic, SUM(answers), SUM(correct), COUNT(*) FROM topic_days "
        "WHERE learner_id = ? GROUP BY topic", [learner_id]).fetchall()
    out: dict[str, dict] = {}
    for topic in topics or []:
        out[topic] = _mastery_entry(0, 0, 0, [])
    for topic, attempts, correct, days in rows:
        out[topic] = _mastery_entry(attempts, correct or 0, days, _recent(db, learner_id, topic))
    return out


def accuracy_over_time(db: Database, learner_id: int, bucket: str = "day") -> list[tuple[str, int, int]]:
    """[(period, attempts, correct)] oldest first; bucket is "day", "week" (its Monday) or "month"."""
    if bucket not in ("day", "week", "month"):
        raise ValueError(f"bucket must be day, week or month, got {bucket!r}")
    rows = db.execute("SELECT day, answers, correct FROM day_stats WHERE learner_id = ? "
                      "AND answers > 0 ORDER BY day", [learner_id]).fetchall()
    if bucket == "day":
        return [(d, n, c) for d, n, c in rows]
    merged: dict[str, list[int]] = {}
    for d, n, c in rows:
        if bucket == "month":
            key = d[:7]
        else:
            key = clock.week_start(date.fromisoformat(d)).isoformat()
        acc = merged.setdefault(key, [0, 0])
        acc[0] += n
        acc[1] += c
    return [(k, v[0], v[1]) for k, v in merged.items()]


def review_forecast(db: Database, learner_id: int, days: int = 14,
                    now: datetime | None = None) -> list[tuple[str, int]]:
    """[(local date, reviews due that day)] for today and the next days-1 days; overdue counts today."""
    if days < 1:
        raise ValueError("days must be at least 1")
    now = now or clock.now()
    today = clock.local_date(now)
    end_local = datetime.combine(today + timedelta(days=days), datetime.min.time()).astimezone()
    counts = {today + timedelta(days=i): 0 for i in range(days)}
    for (due,) in db.execute("SELECT due FROM review WHERE learner_id = ? AND due < ?",
                             [learner_id, clock.iso(end_local)]):
        try:
            d = clock.local_date(clock.parse_iso(due))
        except ValueError:
            d = today  # an unreadable due time: show it as due now rather than hide it
        counts[max(d, today)] = counts.get(max(d, today), 0) + 1
    return [(d.isoformat(), n) for d, n in sorted(counts.items()) if d < today + timedelta(days=days)]


def due_count(db: Database, learner_id: int, now: datetime | None = None) -> int:
    return db.execute("SELECT COUNT(*) FROM review WHERE learner_id = ? AND due <= ?",
                      [learner_id, clock.iso(now or clock.now())]).fetchone()[0]


def weakest_items(db: Database, learner_id: int, limit: int = 10) -> list[tuple[str, int, int]]:
    """[(item_id, attempts, correct)] lowest share right first; more attempts break ties."""
    return [tuple(r) for r in db.execute(
        "SELECT item_id, answers, correct FROM review WHERE learner_id = ? AND answers > 0 "
        "ORDER BY CAST(correct AS REAL) / answers, answers DESC, item_id LIMIT ?",
        [learner_id, limit])]


def history(db: Database, learner_id: int, limit: int = 500, topic: str | None = None) -> list[dict]:
    sql = ("SELECT item_id, topic, given, expected, correct, seconds, answered_at, seed, params "
           "FROM attempts WHERE learner_id = ?")
    args: list[Any] = [learner_id]
    if topic is not None:
        sql += " AND topic = ?"
        args.append(topic)
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    keys = ("item_id", "topic", "given", "expected", "correct", "seconds", "answered_at",
            "seed", "params")
    out = []
    for row in db.execute(sql, args):
        entry = dict(zip(keys, row))
        entry["correct"] = bool(entry["correct"])
        out.append(entry)
    return out


# ----------------------------------------------------------------------------- streak


def _owed_days(db: Database, learner_id: int, since: date, today: date, now: datetime) -> set[date]:
    """Local days since ``since`` on which at least one review was due.

    Answered late reviews marked their days in ``day_stats.owed`` when they were recorded;
    reviews overdue right now make every day since the oldest due time owed."""
    owed = {date.fromisoformat(d) for (d,) in db.execute(
        "SELECT day FROM day_stats WHERE learner_id = ? AND day >= ? AND owed = 1",
        [learner_id, since.isoformat()])}
    oldest = db.execute("SELECT MIN(due) FROM review WHERE learner_id = ? AND due <= ?",
                        [learner_id, clock.iso(now)]).fetchone()[0]
    if oldest is not None:
        try:
            d = max(clock.local_date(clock.parse_iso(oldest)), since)
        except ValueError:
            d = today
        while d <= today:
            owed.add(d)
            d += timedelta(days=1)
    return owed


def study_streak(db: Database, learner_id: int, now: datetime | None = None) -> dict:
    """The weekly study streak (see the module docstring) as a dict."""
    now = now or clock.now()
    today = clock.local_date(now)
    row = db.execute("SELECT streak_enabled, streak_min_answers, streak_days_per_week, streak_since "
                     "FROM learners WHERE id = ?", [learner_id]).fetchone()
    if row is None:
        raise ValueError(f"no learner with id {learner_id}")
    enabled, min_answers, per_week, since_text = row
    min_answers = max(1, int(min_answers or 1))
    per_week = min(7, max(1, int(per_week or 1)))
    base = {"enabled": bool(enabled), "min_answers": min_answers, "days_per_week": per_week,
            "since": since_text, "weeks": 0, "best": 0, "this_week": None, "recent_weeks": []}
    if not enabled:
        return base
    try:
        since = date.fromisoformat(since_text) if since_text else today
    except ValueError:
        since = today
    since = min(since, today)
    studied = {date.fromisoformat(d) for (d,) in db.execute(
        "SELECT day FROM day_stats WHERE learner_id = ? AND day >= ? AND answers >= ?",
        [learner_id, since.isoformat(), min_answers])}
    owed = _owed_days(db, learner_id, since, today, now)

    weeks = []
    start = clock.week_start(since)
    this_monday = clock.week_start(today)
    while start <= this_monday:
        days = [start + timedelta(days=i) for i in range(7)]
        days = [d for d in days if since <= d <= today]
        n_study = sum(1 for d in days if d in studied)
        n_owed = sum(1 for d in days if d in owed)
        required = max(1, min(per_week, n_owed))
        if n_study >= required:
            status = "met"
        elif start == this_monday:
            status = "open"
        elif n_owed == 0:
            status = "quiet"  # nothing due: neither extends nor breaks the streak
        else:
            status = "missed"
        weeks.append({"week": start.isoformat(), "study_days": n_study, "due_days": n_owed,
                      "required": required, "status": status})
        start += timedelta(days=7)

    best = run = 0
    for w in weeks:
        if w["status"] == "met":
            run += 1
            best = max(best, run)
        elif w["status"] == "missed":
            run = 0
    current = 0
    for w in reversed(weeks):
        if w["status"] == "met":
            current += 1
        elif w["status"] == "missed":
            break
    base.update(weeks=current, best=best, this_week=weeks[-1] if weeks else None,
                recent_weeks=weeks[-8:])
    return base

