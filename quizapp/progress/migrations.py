"""The schema of the progress file, built by an ordered, append-only ladder of migrations.

Each step is a function registered on one sqlite-utils ``Migrations`` set named
``quizapp``; sqlite-utils records every applied step in ``_sqlite_migrations`` and runs
each pending one in a transaction. A step also sets ``PRAGMA user_version`` to its rank,
so the version of a file can be read with any SQLite tool.

Rules for whoever changes the schema (tests/progress/test_progress_migrations.py enforces them):

* never edit or reorder a step that has been released: append a new one;
* bump the pinned version in the test and commit a fixture database of the version you
  are leaving (``python tests/progress/fixtures/make_fixtures.py``), so the climb from
  every released version keeps being tested;
* a file whose applied steps include names this quizapp does not know, or whose
  ``user_version`` is above :data:`LATEST_VERSION`, was written by a newer quizapp and is
  refused (``Store.open`` raises ``StoreError``); it is never modified;
* update :data:`EXPECTED_TABLES` (the columns every table of the latest version has):
  ``Store.open`` checks a file against it and refuses a damaged schema untouched.

sqlite-utils is imported only when a step has to run (a new or older file): opening a
current file needs none of it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET = "quizapp"
#: The table sqlite-utils keeps applied steps in (``Migrations.migrations_table``).
MIGRATIONS_TABLE = "_sqlite_migrations"

#: Step names in order; index + 1 is the schema version a step brings a file to.
STEPS: list[str] = []
_RUNNERS: list[tuple[str, Callable]] = []


def __getattr__(name: str) -> Any:
    """``migrations.migrations``: the sqlite-utils ``Migrations`` set, built on first use."""
    if name == "migrations":
        from sqlite_utils.migrations import Migrations

        ladder = Migrations(MIGRATION_SET)
        for step_name, run in _RUNNERS:
            ladder(name=step_name)(run)
        globals()["migrations"] = ladder
        return ladder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _step(fn: Callable[["Database"], None]) -> Callable[["Database"], None]:
    version = len(STEPS) + 1

    def run(db: "Database") -> None:
        fn(db)
        db.execute(f"PRAGMA user_version = {version}")

    run.__name__ = fn.__name__
    _RUNNERS.append((fn.__name__, run))
    STEPS.append(fn.__name__)
    return fn


# Indexes the progress queries rely on; the benchmark drops exactly these to measure
# what they are worth. (name, table, columns)
INDEXES: list[tuple[str, str, list[str]]] = [
    # rowid order within a learner: history, the last wrong answer
    ("idx_attempts_learner", "attempts", ["learner_id"]),
    # rowid order within a learner's topic / category: the last 10 (20) answers on it
    ("idx_attempts_learner_topic", "attempts", ["learner_id", "topic"]),
    ("idx_attempts_learner_category", "attempts", ["learner_id", "category"]),
    ("idx_attempts_session", "attempts", ["session_id"]),
    ("idx_review_learner_due", "review", ["learner_id", "due"]),
    ("idx_runs_learner", "runs", ["learner_id"]),
    ("idx_sessions_learner", "sessions", ["learner_id"]),
]


@_step
def m001_initial(db: "Database") -> None:
    """Version 1: learners, topics, sessions, attempts, review state, daily counters,
    achievements, runs."""
    db["learners"].create({
        "id": int, "name": str, "created_at": str, "last_active_at": str,
        "streak_enabled": int, "streak_min_answers": int, "streak_days_per_week": int,
        "streak_since": str,
    }, pk="id", not_null=["name", "created_at", "streak_enabled"],
        defaults={"streak_enabled": 0, "streak_min_answers": 5, "streak_days_per_week": 3})
    db.execute("CREATE UNIQUE INDEX idx_learners_name ON learners(name COLLATE NOCASE)")

    # Topic ids and titles as last seen in a question bank (for titles and per-topic
    # achievements when no bank is loaded).
    db["topics"].create({"id": str, "title": str}, pk="id")

    db["sessions"].create({
        "id": int, "learner_id": int, "mode": str, "options": str,
        "started_at": str, "finished_at": str,
        "answered": int, "correct": int, "seconds": float,
    }, pk="id", not_null=["learner_id", "mode", "started_at"],
        defaults={"answered": 0, "correct": 0, "seconds": 0.0},
        foreign_keys=[("learner_id", "learners", "id")])

    # One row per graded answer. `day` is the learner's local date when answering;
    # `due_before` the item's review due time when it was answered (NULL the first time),
    # `due_after` the due time this answer produced.
    db["attempts"].create({
        "id": int, "learner_id": int, "session_id": int,
        "item_id": str, "topic": str, "category": str, "kind": str,
        "seed": int, "params": str, "given": str, "expected": str,
        "correct": int, "seconds": float, "answered_at": str, "day": str,
        "rating": int, "was_review": int, "due_before": str, "due_after": str,
    }, pk="id", not_null=["learner_id", "item_id", "correct", "answered_at", "day"],
        defaults={"was_review": 0},
        foreign_keys=[("learner_id", "learners", "id"), ("session_id", "sessions", "id")])

    # fsrs state per learner x item (`card` is fsrs.Card.to_dict() as JSON), with the
    # item's answer counts.
    db["review"].create({
        "learner_id": int, "item_id": str, "topic": str, "due": str, "state": int,
        "stability": float, "difficulty": float, "answers": int, "correct": int,
        "last_review": str, "card": str,
    }, pk=("learner_id", "item_id"), not_null=["due", "card", "answers", "correct"],
        defaults={"answers": 0, "correct": 0},
        foreign_keys=[("learner_id", "learners", "id")])

    # Counters kept with every attempt (same transaction) so progress queries read a row
    # per day instead of every answer. `owed` = a review was due that day.
    # Store.rebuild_stats() recomputes both from the attempts.
    db["day_stats"].create({
        "learner_id": int, "day": str, "answers": int, "correct": int, "reviews": int,
        "seconds": float, "owed": int,
    }, pk=("learner_id", "day"), not_null=["answers", "correct", "reviews", "seconds", "owed"],
        defaults={"answers": 0, "correct": 0, "reviews": 0, "seconds": 0.0, "owed": 0})
    db["topic_days"].create({
        "learner_id": int, "topic": str, "day": str, "answers": int, "correct": int,
    }, pk=("learner_id", "topic", "day"), not_null=["answers", "correct"],
        defaults={"answers": 0, "correct": 0})

    db["achievements"].create({
        "learner_id": int, "achievement_id": str, "unlocked_at": str,
    }, pk=("learner_id", "achievement_id"), not_null=["unlocked_at"],
        foreign_keys=[("learner_id", "learners", "id")])

    # The lab notebook. config/outcome are JSON; a few fields are copied out for queries.
    # `changed` = how many config keys differ from this learner's previous run (None = first).
    db["runs"].create({
        "id": int, "learner_id": int, "created_at": str, "grp": str,
        "surface": str, "optimizer": str, "lr": float, "diverged": int,
        "final_loss": float, "min_distance": float, "changed": int,
        "config": str, "outcome": str,
    }, pk="id", not_null=["learner_id", "created_at", "config", "outcome"],
        foreign_keys=[("learner_id", "learners", "id")])

    for name, table, columns in INDEXES:
        db[table].create_index(columns, index_name=name)


LATEST_VERSION = len(STEPS)

#: The columns each table has at :data:`LATEST_VERSION` (extra tables or columns someone
#: added are tolerated; a missing one means the schema is damaged). Pinned against what
#: the ladder builds by tests/progress/test_progress_migrations.py.
EXPECTED_TABLES: dict[str, tuple[str, ...]] = {
    "learners": ("id", "name", "created_at", "last_active_at", "streak_enabled",
                 "streak_min_answers", "streak_days_per_week", "streak_since"),
    "topics": ("id", "title"),
    "sessions": ("id", "learner_id", "mode", "options", "started_at", "finished_at",
                 "answered", "correct", "seconds"),
    "attempts": ("id", "learner_id", "session_id", "item_id", "topic", "category", "kind",
                 "seed", "params", "given", "expected", "correct", "seconds", "answered_at",
                 "day", "rating", "was_review", "due_before", "due_after"),
    "review": ("learner_id", "item_id", "topic", "due", "state", "stability", "difficulty",
               "answers", "correct", "last_review", "card"),
    "day_stats": ("learner_id", "day", "answers", "correct", "reviews", "seconds", "owed"),
    "topic_days": ("learner_id", "topic", "day", "answers", "correct"),
    "achievements": ("learner_id", "achievement_id", "unlocked_at"),
    "runs": ("id", "learner_id", "created_at", "grp", "surface", "optimizer", "lr", "diverged",
             "final_loss", "min_distance", "changed", "config", "outcome"),
    MIGRATIONS_TABLE: ("migration_set", "name", "applied_at"),
}
#: Index name -> table, at :data:`LATEST_VERSION` (the unique learner name index keeps two
#: profiles from sharing a name; the others keep the progress queries fast).
EXPECTED_INDEXES: dict[str, str] = {"idx_learners_name": "learners",
                                    **{name: table for name, table, _ in INDEXES}}


def schema_problems(db: Any) -> list[str]:
    """What is missing from a file at :data:`LATEST_VERSION` (empty: the schema is whole).

    One read of ``sqlite_master`` joined with each table's columns; writes nothing."""
    columns: dict[str, set[str]] = {}
    for table, column in db.execute(
            "SELECT m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p "
            "WHERE m.type = 'table'"):
        columns.setdefault(table, set()).add(column)
    indexes = dict(db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")
                   .fetchall())
    problems = []
    for table, wanted in EXPECTED_TABLES.items():
        if table not in columns:
            problems.append(f"table {table} is missing")
            continue
        missing = [c for c in wanted if c not in columns[table]]
        if missing:
            problems.append(f"table {table} lacks column(s) {', '.join(missing)}")
    for index, table in EXPECTED_INDEXES.items():
        if indexes.get(index) != table:
            problems.append(f"index {index} on {table} is missing")
    return problems


class SchemaState:
    """What a file says about its schema (read without writing anything)."""

    def __init__(self, applied: list[str], user_version: int, tables: list[str]):
        self.applied = applied
        self.user_version = user_version
        self.tables = tables
        self.unknown = [name for name in applied if name not in STEPS]

    @property
    def version(self) -> int:
        return max(len(self.applied), self.user_version)

    @property
    def is_empty(self) -> bool:
        return not self.tables

    @property
    def is_quizapp(self) -> bool:
        return bool(self.applied) or self.is_empty

    @property
    def is_newer(self) -> bool:
        return bool(self.unknown) or self.user_version > LATEST_VERSION


def read_state(db: Any) -> SchemaState:
    """Read the applied steps and version; raises sqlite3.DatabaseError on a damaged file."""
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    user_version = db.execute("PRAGMA user_version").fetchone()[0]
    applied: list[str] = []
    if MIGRATIONS_TABLE in tables:
        applied = [row[0] for row in db.execute(
            f"SELECT name FROM [{MIGRATIONS_TABLE}] WHERE migration_set = ? ORDER BY rowid",
            [MIGRATION_SET])]
    return SchemaState(applied, int(user_version), tables)


def apply(db: "Database", stop_before: str | None = None) -> None:
    """Apply every pending step (the caller holds the write lock). ``db`` is a sqlite-utils
    ``Database`` (the store passes ``store.db.sqlite_utils``)."""
    ladder = globals().get("migrations") or __getattr__("migrations")
    ladder.apply(getattr(db, "sqlite_utils", db), stop_before=stop_before)
