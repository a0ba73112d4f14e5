"""The progress store: one SQLite file (through sqlite-utils) holding every learner's work.

Opening is careful. The file is first *read* to learn what it is: a file that is not
SQLite, is damaged, belongs to another program, or was written by a newer quizapp is
refused with a :class:`StoreError` and not a byte of it changes. Only then is it switched
to WAL mode (readers never block the writer; two processes can share one file, each
waiting up to :data:`BUSY_TIMEOUT_S` for the other's write) and brought up to the latest
schema by the migration ladder in :mod:`quizapp.progress.migrations`, data kept.

Writes run in ``BEGIN IMMEDIATE`` transactions with ``synchronous=FULL``: when
:meth:`Store.record_attempt` returns, the answer is on disk, and a process killed at any
later moment keeps it.
"""
from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from quizapp.progress import achievements as ach
from quizapp.progress import clock, migrations, queries, review
from quizapp.progress.notebook import clean, closest_run, config_lr, dumps, loads_object

BUSY_TIMEOUT_S = 10.0
SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_NAME = 60


class StoreError(Exception):
    """The progress file cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Learner:
    id: int
    name: str
    created_at: str
    last_active_at: str | None = None


@dataclass(frozen=True)
class AttemptRecorded:
    attempt_id: int
    rating: int
    due: str
    was_review: bool
    unlocked: list = field(default_factory=list)


@dataclass(frozen=True)
class RunRecorded:
    run_id: int
    unlocked: list = field(default_factory=list)


@dataclass(frozen=True)
class RunEntry:
    id: int
    created_at: str
    config: dict
    outcome: dict
    group: str | None
    changed: int | None = None


def default_db_path() -> Path:
    """$QUIZAPP_DB if set, else ``progress.db`` in the user's data folder (platformdirs)."""
    env = os.environ.get("QUIZAPP_DB", "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_data_path("quizapp") / "progress.db"


def _check_file(path: Path) -> None:
    """Refuse a path that cannot hold a progress file, without writing anything."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a progress file; pass a file path with --db")
    if not path.exists():
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"cannot read the progress file {path} ({exc.strerror or exc}); "
                         "it was left as it is") from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(f"{path} is not a quizapp progress file (it is not an SQLite database); "
                         "it was left untouched: move it away or choose another file with --db")


class Store:
    """Learners, attempts, review state, achievements and the lab notebook in one file."""

    def __init__(self, db: Database, path: Path | None = None):
        self.db = db
        self.path = path
        #: Returns the current time (aware, UTC); tests replace it to move through days.
        self.clock: Callable[[], datetime] = clock.now

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | os.PathLike | None = None) -> "Store":
        path = Path(path).expanduser() if path is not None else default_db_path()
        _check_file(path)
        if not path.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for {path} ({exc.strerror or exc})") from None
        try:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the progress file {path} ({exc})") from None
        try:
            db = Database(conn, execute_plugins=False)
            _inspect(db, path)
            _prepare(db, path)
        except BaseException:
            conn.close()
            raise
        return cls(db, path)

    @classmethod
    def memory(cls) -> "Store":
        """A throw-away store in memory (tests, previews)."""
        db = Database(memory=True, execute_plugins=False)
        db.execute("PRAGMA foreign_keys = ON")
        with _immediate(db):
            migrations.apply(db)
        return cls(db, None)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return migrations.read_state(self.db).version

    def _now(self) -> datetime:
        return self.clock()

    @contextlib.contextmanager
    def _write(self) -> Iterator[Database]:
        with _immediate(self.db):
            yield self.db

    # ------------------------------------------------------------------ learners

    def learners(self) -> list[Learner]:
        return [Learner(*row) for row in self.db.execute(
            "SELECT id, name, created_at, last_active_at FROM learners ORDER BY id")]

    def get_learner(self, learner_id: int) -> Learner:
        row = self.db.execute("SELECT id, name, created_at, last_active_at FROM learners "
                              "WHERE id = ?", [learner_id]).fetchone()
        if row is None:
            raise ValueError(f"no learner with id {learner_id}")
        return Learner(*row)

    def find_learner(self, name: str) -> Learner | None:
        row = self.db.execute("SELECT id, name, created_at, last_active_at FROM learners "
                              "WHERE name = ? COLLATE NOCASE", [name.strip()]).fetchone()
        return Learner(*row) if row else None

    @staticmethod
    def _clean_name(name: str) -> str:
        if not isinstance(name, str) or not name.strip():
            raise ValueError("a learner name must not be blank")
        name = " ".join(name.split())
        if len(name) > MAX_NAME:
            raise ValueError(f"a learner name has at most {MAX_NAME} characters")
        return name

    def add_learner(self, name: str) -> Learner:
        name = self._clean_name(name)
        now = clock.iso(self._now())
        try:
            with self._write() as db:
                db["learners"].insert({"name": name, "created_at": now, "streak_enabled": 0})
                learner_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        except sqlite3.IntegrityError:
            raise ValueError(f"a learner named {name!r} already exists") from None
        return self.get_learner(learner_id)

    def ensure_learner(self, name: str) -> Learner:
        name = self._clean_name(name)
        found = self.find_learner(name)
        if found:
            return found
        try:
            return self.add_learner(name)
        except ValueError:  # another process created it just now
            found = self.find_learner(name)
            if found is None:
                raise
            return found

    def rename_learner(self, learner_id: int, new_name: str) -> Learner:
        self.get_learner(learner_id)
        name = self._clean_name(new_name)
        try:
            with self._write() as db:
                db["learners"].update(learner_id, {"name": name})
        except sqlite3.IntegrityError:
            raise ValueError(f"a learner named {name!r} already exists") from None
        return self.get_learner(learner_id)

    def delete_learner(self, learner_id: int) -> None:
        """Remove a learner with all their attempts, sessions, review state, achievements, runs."""
        self.get_learner(learner_id)
        with self._write() as db:
            for table in ("attempts", "review", "day_stats", "topic_days", "achievements", "runs",
                          "sessions"):
                db.execute(f"DELETE FROM {table} WHERE learner_id = ?", [learner_id])
            db.execute("DELETE FROM learners WHERE id = ?", [learner_id])

    def default_learner(self) -> Learner:
        """The most recently active learner; a new one called "default" if there is none."""
        row = self.db.execute(
            "SELECT id, name, created_at, last_active_at FROM learners "
            "ORDER BY COALESCE(last_active_at, created_at) DESC, id DESC LIMIT 1").fetchone()
        if row:
            return Learner(*row)
        return self.ensure_learner("default")

    def set_streak(self, learner_id: int, enabled: bool, min_answers: int | None = None,
                   days_per_week: int | None = None) -> list:
        """Turn the weekly study streak on or off (and set its minimum effort).

        Returns achievements this unlocked (normally none)."""
        self.get_learner(learner_id)
        if min_answers is not None and not 1 <= int(min_answers) <= 500:
            raise ValueError("the streak's answers per study day must be between 1 and 500")
        if days_per_week is not None and not 1 <= int(days_per_week) <= 7:
            raise ValueError("the streak's study days per week must be between 1 and 7")
        with self._write() as db:
            was = db.execute("SELECT streak_enabled FROM learners WHERE id = ?", [learner_id]).fetchone()[0]
            changes: dict[str, Any] = {"streak_enabled": 1 if enabled else 0}
            if enabled and not was:
                changes["streak_since"] = clock.local_day(self._now())
            if min_answers is not None:
                changes["streak_min_answers"] = int(min_answers)
            if days_per_week is not None:
                changes["streak_days_per_week"] = int(days_per_week)
            db["learners"].update(learner_id, changes)
        return self._evaluate(learner_id, ach.Event("streak"))

    # ------------------------------------------------------------------ topics

    def sync_topics(self, topics: dict[str, str]) -> None:
        """Remember the bank's topic ids and titles (for titles and per-topic achievements)."""
        known = dict(self.db.execute("SELECT id, title FROM topics").fetchall())
        rows = [{"id": t, "title": title} for t, title in topics.items() if known.get(t) != title]
        if rows:
            with self._write() as db:
                db["topics"].upsert_all(rows, pk="id")

    def topics(self, learner_id: int | None = None) -> dict[str, str]:
        """Topic id -> title: the known bank topics, then any other topic answered."""
        out = dict(self.db.execute("SELECT id, title FROM topics ORDER BY rowid").fetchall())
        sql = "SELECT DISTINCT topic FROM topic_days"
        args: list = []
        if learner_id is not None:
            sql = "SELECT DISTINCT topic FROM topic_days WHERE learner_id = ?"
            args = [learner_id]
        for (topic,) in self.db.execute(sql, args):
            out.setdefault(topic, topic)
        return out

    # ------------------------------------------------------------------ sessions & attempts

    def start_session(self, learner_id: int, mode: str = "mixed", options: dict | None = None) -> int:
        self.get_learner(learner_id)
        with self._write() as db:
            db["sessions"].insert({"learner_id": learner_id, "mode": mode,
                                   "options": dumps(options or {}),
                                   "started_at": clock.iso(self._now())})
            return db.execute("SELECT last_insert_rowid()").fetchone()[0]

    def finish_session(self, session_id: int) -> list:
        """Close a session (its totals come from its attempts); returns achievements unlocked."""
        row = self.db.execute("SELECT learner_id FROM sessions WHERE id = ?", [session_id]).fetchone()
        if row is None:
            raise ValueError(f"no session with id {session_id}")
        with self._write() as db:
            answered, correct, seconds = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(correct), 0), COALESCE(SUM(seconds), 0) "
                "FROM attempts WHERE session_id = ?", [session_id]).fetchone()
            db["sessions"].update(session_id, {"finished_at": clock.iso(self._now()),
                                               "answered": answered, "correct": correct,
                                               "seconds": seconds})
        return self._evaluate(row[0], ach.Event("session", session_id=session_id))

    def record_attempt(self, learner_id: int, item_id: str, *, correct: bool, given: str,
                       seconds: float | None, seed: int | None = None, params: dict | None = None,
                       expected: str = "", topic: str | None = None, category: str | None = None,
                       kind: str | None = None, session_id: int | None = None,
                       evaluate: bool = True) -> AttemptRecorded:
        """Record one graded answer, update the item's review card and the daily counters,
        all in one committed transaction; then unlock any achievement it completed."""
        if not isinstance(item_id, str) or not item_id:
            raise ValueError("an attempt needs an item id")
        if seconds is not None:
            seconds = float(seconds)
            if not (seconds >= 0 and seconds != float("inf")):
                seconds = None
        now = self._now()
        stamp = clock.iso(now)
        day = clock.local_day(now)
        ok = 1 if correct else 0
        rating = review.rating_for(bool(correct), seconds, kind)
        with self._write() as db:
            row = db.execute("SELECT card, due FROM review WHERE learner_id = ? AND item_id = ?",
                             [learner_id, item_id]).fetchone()
            card = None
            due_before = None
            if row is not None:
                try:
                    card = review.card_from_json(row[0])
                except review.CardDataError:
                    card = None  # unreadable state: start the item afresh rather than lose the answer
                due_before = row[1]
            was_review = due_before is not None and due_before <= stamp
            card = review.review(card, rating, now)
            due = clock.iso(card.due)
            db["attempts"].insert({
                "learner_id": learner_id, "session_id": session_id, "item_id": item_id,
                "topic": topic, "category": category, "kind": kind, "seed": seed,
                "params": dumps(params or {}), "given": str(given), "expected": expected,
                "correct": ok, "seconds": seconds, "answered_at": stamp, "day": day,
                "rating": int(rating), "was_review": 1 if was_review else 0,
                "due_before": due_before, "due_after": due,
            })
            attempt_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
            db.execute(
                "INSERT INTO review (learner_id, item_id, topic, due, state, stability, difficulty, "
                "answers, correct, last_review, card) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) "
                "ON CONFLICT (learner_id, item_id) DO UPDATE SET topic = excluded.topic, "
                "due = excluded.due, state = excluded.state, stability = excluded.stability, "
                "difficulty = excluded.difficulty, answers = answers + 1, "
                "correct = correct + excluded.correct, last_review = excluded.last_review, "
                "card = excluded.card",
                [learner_id, item_id, topic, due, int(card.state), card.stability, card.difficulty,
                 ok, clock.iso(card.last_review) if card.last_review else None,
                 review.card_to_json(card)])
            _count_answer(db, learner_id, day, topic, ok, 1 if was_review else 0, seconds or 0.0)
            if was_review:
                _mark_owed(db, learner_id, _days_between(due_before, now))
            cur = db.execute("UPDATE learners SET last_active_at = ? WHERE id = ?", [stamp, learner_id])
            if cur.rowcount != 1:
                raise ValueError(f"no learner with id {learner_id}")
        unlocked = self._evaluate(learner_id, ach.Event("attempt", topic=topic, category=category)) \
            if evaluate else []
        return AttemptRecorded(attempt_id, int(rating), due, was_review, unlocked)

    def rebuild_stats(self) -> None:
        """Recompute the per-day and per-topic-day counters and the per-item answer counts
        from the attempts (after a bulk import, a migration, or to repair them)."""
        with self._write() as db:
            db.execute("DELETE FROM day_stats")
            db.execute("DELETE FROM topic_days")
            db.execute(
                "INSERT INTO day_stats (learner_id, day, answers, correct, reviews, seconds, owed) "
                "SELECT learner_id, day, COUNT(*), SUM(correct), SUM(was_review), "
                "COALESCE(SUM(seconds), 0), 0 FROM attempts GROUP BY learner_id, day")
            db.execute(
                "INSERT INTO topic_days (learner_id, topic, day, answers, correct) "
                "SELECT learner_id, topic, day, COUNT(*), SUM(correct) FROM attempts "
                "WHERE topic IS NOT NULL GROUP BY learner_id, topic, day")
            owed: dict[int, set[str]] = {}
            for learner_id, due_before, answered_at in db.execute(
                    "SELECT learner_id, due_before, answered_at FROM attempts WHERE was_review = 1"):
                try:
                    days = _days_between(due_before, clock.parse_iso(answered_at))
                except ValueError:
                    continue
                owed.setdefault(learner_id, set()).update(days)
            for learner_id, days in owed.items():
                _mark_owed(db, learner_id, sorted(days))
            db.execute(
                "UPDATE review SET answers = (SELECT COUNT(*) FROM attempts a WHERE "
                "a.learner_id = review.learner_id AND a.item_id = review.item_id), correct = "
                "(SELECT COALESCE(SUM(correct), 0) FROM attempts a WHERE "
                "a.learner_id = review.learner_id AND a.item_id = review.item_id)")

    def attempt_count(self, learner_id: int | None = None) -> int:
        if learner_id is None:
            return self.db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM attempts WHERE learner_id = ?",
                               [learner_id]).fetchone()[0]

    # ------------------------------------------------------------------ review state

    def due_items(self, learner_id: int, now: datetime | None = None) -> list[str]:
        """Items due for review now, most overdue first."""
        return [r[0] for r in self.db.execute(
            "SELECT item_id FROM review WHERE learner_id = ? AND due <= ? ORDER BY due, item_id",
            [learner_id, clock.iso(now or self._now())])]

    def review_schedule(self, learner_id: int) -> dict[str, str]:
        """item id -> due time of every item the learner has seen."""
        return dict(self.db.execute("SELECT item_id, due FROM review WHERE learner_id = ?",
                                    [learner_id]).fetchall())

    # ------------------------------------------------------------------ lab notebook

    def record_run(self, learner_id: int, config: dict, outcome: dict,
                   group: str | None = None) -> RunRecorded:
        """Write one simulator run to the notebook; returns its id and achievements unlocked."""
        if not isinstance(config, dict) or not isinstance(outcome, dict):
            raise ValueError("a run needs a config dict and an outcome dict")
        self.get_learner(learner_id)
        config, outcome = clean(config), clean(outcome)
        with self._write() as db:
            prev = db.execute(
                "SELECT id, grp, config FROM runs WHERE learner_id = ? AND (? IS NULL OR grp IS NULL "
                "OR grp != ?) ORDER BY id DESC LIMIT 1", [learner_id, group, group]).fetchone()
            changed = None
            if prev is not None:
                # the previous experiment: that run, or every lane of its race
                rows = [prev[::2]] if prev[1] is None else db.execute(
                    "SELECT id, config FROM runs WHERE learner_id = ? AND grp = ? ORDER BY id",
                    [learner_id, prev[1]]).fetchall()
                try:
                    closest = closest_run([(i, loads_object(c, "run config")) for i, c in rows], config)
                    changed = None if closest is None else closest[1]
                except ValueError:
                    changed = None
            diverged = outcome.get("diverged_at") is not None
            final_loss = outcome.get("final_loss")
            min_distance = outcome.get("min_distance")
            db["runs"].insert({
                "learner_id": learner_id, "created_at": clock.iso(self._now()), "grp": group,
                "surface": config.get("surface") if isinstance(config.get("surface"), str) else None,
                "optimizer": config.get("optimizer") if isinstance(config.get("optimizer"), str) else None,
                "lr": config_lr(config), "diverged": 1 if diverged else 0,
                "final_loss": final_loss if isinstance(final_loss, (int, float)) else None,
                "min_distance": min_distance if isinstance(min_distance, (int, float)) else None,
                "changed": changed, "config": dumps(config), "outcome": dumps(outcome),
            })
            run_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        return RunRecorded(run_id, self._evaluate(learner_id, ach.Event("run", run_id=run_id)))

    @staticmethod
    def _run_entry(row) -> RunEntry:
        run_id, created_at, grp, changed, config, outcome = row
        try:
            return RunEntry(run_id, created_at, loads_object(config, "run config"),
                            loads_object(outcome, "run outcome"), grp, changed)
        except ValueError as exc:
            raise StoreError(f"notebook run {run_id} is unreadable: {exc}") from None

    def runs(self, learner_id: int, limit: int = 200) -> list[RunEntry]:
        return [self._run_entry(r) for r in self.db.execute(
            "SELECT id, created_at, grp, changed, config, outcome FROM runs WHERE learner_id = ? "
            "ORDER BY id DESC LIMIT ?", [learner_id, limit])]

    def get_run(self, run_id: int) -> RunEntry:
        row = self.db.execute("SELECT id, created_at, grp, changed, config, outcome FROM runs "
                              "WHERE id = ?", [run_id]).fetchone()
        if row is None:
            raise ValueError(f"no run with id {run_id}")
        return self._run_entry(row)

    # ------------------------------------------------------------------ achievements

    def _context(self, learner_id: int) -> ach.Context:
        now = self._now()
        return ach.Context(self.db, learner_id, clock.local_date(now), now)

    def _evaluate(self, learner_id: int, event: ach.Event) -> list:
        topics = self.topics(learner_id)
        with self._write():
            return ach.evaluate(self._context(learner_id), event, topics, clock.iso(self._now()))

    def achievements(self, learner_id: int) -> list[ach.AchievementStatus]:
        self.get_learner(learner_id)
        return ach.statuses(self._context(learner_id), self.topics(learner_id))

    # ------------------------------------------------------------------ progress queries

    def mastery_by_topic(self, learner_id: int) -> dict[str, dict]:
        return queries.mastery_by_topic(self.db, learner_id, list(self.topics(learner_id)))

    def accuracy_over_time(self, learner_id: int, bucket: str = "day") -> list[tuple[str, int, int]]:
        return queries.accuracy_over_time(self.db, learner_id, bucket)

    def review_forecast(self, learner_id: int, days: int = 14) -> list[tuple[str, int]]:
        return queries.review_forecast(self.db, learner_id, days, now=self._now())

    def study_streak(self, learner_id: int) -> dict:
        return queries.study_streak(self.db, learner_id, now=self._now())

    def weakest_items(self, learner_id: int, limit: int = 10) -> list[tuple[str, int, int]]:
        return queries.weakest_items(self.db, learner_id, limit)

    def history(self, learner_id: int, limit: int = 500, topic: str | None = None) -> list[dict]:
        return queries.history(self.db, learner_id, limit, topic)

    def progress_summary(self, learner_id: int) -> dict:
        """Everything `quizapp progress --json` prints for one learner."""
        learner = self.get_learner(learner_id)
        attempts, correct, seconds = self.db.execute(
            "SELECT COALESCE(SUM(answers), 0), COALESCE(SUM(correct), 0), COALESCE(SUM(seconds), 0) "
            "FROM day_stats WHERE learner_id = ?", [learner_id]).fetchone()
        titles = self.topics(learner_id)
        topics = queries.mastery_by_topic(self.db, learner_id, list(titles))
        for topic, entry in topics.items():
            entry["title"] = titles.get(topic, topic)
        statuses = self.achievements(learner_id)
        runs = self.db.execute("SELECT COUNT(*) FROM runs WHERE learner_id = ?", [learner_id]).fetchone()[0]
        return {
            "learner": learner.name,
            "learner_id": learner.id,
            "attempts": attempts,
            "correct": correct,
            "accuracy": (correct / attempts) if attempts else None,
            "seconds": round(seconds, 3),
            "due_now": queries.due_count(self.db, learner_id, self._now()),
            "topics": topics,
            "achievements": [s.to_json() for s in statuses],
            "unlocked": sum(1 for s in statuses if s.unlocked),
            "streak": self.study_streak(learner_id),
            "review_forecast": [list(x) for x in self.review_forecast(learner_id)],
            "weakest_items": [list(x) for x in self.weakest_items(learner_id, 5)],
            "accuracy_by_week": [list(x) for x in self.accuracy_over_time(learner_id, "week")],
            "runs": runs,
        }


# ---------------------------------------------------------------------- counters

#: Longest run of days one late review marks as "something was due" (ten years).
MAX_OWED_DAYS = 3660


def _days_between(due_text: str, until: datetime) -> list[str]:
    """Local days from a due time to ``until``, both included (empty if unreadable)."""
    try:
        first = clock.local_date(clock.parse_iso(due_text))
    except ValueError:
        return []
    last = clock.local_date(until)
    if (last - first).days > MAX_OWED_DAYS:
        first = last - timedelta(days=MAX_OWED_DAYS)
    out = []
    while first <= last:
        out.append(first.isoformat())
        first += timedelta(days=1)
    return out


def _count_answer(db: Database, learner_id: int, day: str, topic: str | None, correct: int,
                  reviewed: int, seconds: float) -> None:
    db.execute(
        "INSERT INTO day_stats (learner_id, day, answers, correct, reviews, seconds, owed) "
        "VALUES (?, ?, 1, ?, ?, ?, 0) ON CONFLICT (learner_id, day) DO UPDATE SET "
        "answers = answers + 1, correct = correct + excluded.correct, "
        "reviews = reviews + excluded.reviews, seconds = seconds + excluded.seconds",
        [learner_id, day, correct, reviewed, seconds])
    if topic is not None:
        db.execute(
            "INSERT INTO topic_days (learner_id, topic, day, answers, correct) VALUES (?, ?, ?, 1, ?) "
            "ON CONFLICT (learner_id, topic, day) DO UPDATE SET answers = answers + 1, "
            "correct = correct + excluded.correct", [learner_id, topic, day, correct])


def _mark_owed(db: Database, learner_id: int, days: list[str]) -> None:
    db.conn.executemany(
        "INSERT INTO day_stats (learner_id, day, answers, correct, reviews, seconds, owed) "
        "VALUES (?, ?, 0, 0, 0, 0, 1) ON CONFLICT (learner_id, day) DO UPDATE SET owed = 1",
        [(learner_id, d) for d in days])


# ---------------------------------------------------------------------- opening helpers


@contextlib.contextmanager
def _immediate(db: Database) -> Iterator[None]:
    """A write transaction that takes the write lock at once (waits on the busy timeout)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def _damaged(path: Path, exc: Exception) -> StoreError:
    return StoreError(f"the progress file {path} is damaged or unreadable ({exc}); it was left "
                      "untouched: restore a backup, or move it away to start a new one")


def _inspect(db: Database, path: Path) -> None:
    """Read-only checks before anything is written."""
    try:
        state = migrations.read_state(db)
        if state.is_newer:
            raise StoreError(
                f"the progress file {path} was written by a newer quizapp (schema version "
                f"{state.version}; this quizapp knows up to {migrations.LATEST_VERSION}); it was "
                "left untouched: update quizapp, or choose another file with --db")
        if not state.is_quizapp:
            raise StoreError(f"{path} is an SQLite database of another program, not a quizapp "
                             "progress file; it was left untouched: choose another file with --db")
        if not state.is_empty:
            result = db.execute("PRAGMA quick_check").fetchall()
            if result != [("ok",)]:
                raise _damaged(path, "integrity check: " + "; ".join(str(r[0]) for r in result[:3]))
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None


def _enable_wal(db: Database) -> None:
    """Switch to WAL. SQLite answers "locked" at once, without the busy timeout, while
    another process is creating the same new file, so wait here for it."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005 + random.random() * 0.02)


def _prepare(db: Database, path: Path) -> None:
    """WAL, durability and the busy timeout, then the migration ladder."""
    try:
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        _enable_wal(db)
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        with _immediate(db):
            state = migrations.read_state(db)  # again, under the write lock
            if state.is_newer:
                raise StoreError(f"the progress file {path} was just upgraded by a newer quizapp; "
                                 "update quizapp")
            migrations.apply(db)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreError(f"the progress file {path} is busy (another program holds it "
                             f"longer than {BUSY_TIMEOUT_S:.0f} s); try again") from None
        raise StoreError(f"cannot prepare the progress file {path} ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None
