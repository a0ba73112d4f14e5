"""Opening files: the ladder, the pinned version, the climb, and files that must be refused."""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from progress_fakebank import FIXTURES
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from quizapp.progress import Store, StoreError, default_db_path, migrations

# Pinned: appending a migration must update this list (and commit the fixture of the
# version being left behind). Editing or reordering a released step fails here.
PINNED_STEPS = ["m001_initial"]


def test_latest_version_is_pinned():
    assert migrations.STEPS == PINNED_STEPS
    assert migrations.LATEST_VERSION == len(PINNED_STEPS) == 1


def test_a_fixture_exists_for_every_released_version():
    for version in range(1, migrations.LATEST_VERSION + 1):
        assert (FIXTURES / f"v{version}.db").is_file(), f"commit fixtures/v{version}.db"


def _schema(db: Database) -> list[tuple]:
    return sorted(db.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE "
                             "'sqlite_%' AND name != '_sqlite_migrations'").fetchall())


@pytest.mark.parametrize("version", range(1, migrations.LATEST_VERSION + 1))
def test_released_steps_still_build_the_fixture_schema(version):
    """A released step that was edited would build a different schema than its fixture."""
    fixture = Database(sqlite3.connect(f"file:{FIXTURES / f'v{version}.db'}?mode=ro", uri=True))
    fresh = Database(memory=True)
    stop = migrations.STEPS[version] if version < len(migrations.STEPS) else None
    migrations.apply(fresh, stop_before=stop)
    assert _schema(fresh) == _schema(fixture)
    fixture.close()


def _copy(tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copy(FIXTURES / name, dst)
    return dst


@pytest.mark.parametrize("version", range(1, migrations.LATEST_VERSION + 1))
def test_every_released_version_opens_with_its_data(tmp_path, version):
    path = _copy(tmp_path, f"v{version}.db")
    with Store.open(path) as store:
        assert store.schema_version == migrations.LATEST_VERSION
        names = [l.name for l in store.learners()]
        assert names == ["ann", "Bo"]
        ann = store.find_learner("ANN")
        assert store.attempt_count(ann.id) == 12
        summary = store.progress_summary(ann.id)
        assert summary["attempts"] == 12 and summary["correct"] == 9
        assert summary["topics"]["sgd"]["title"] == "SGD and minibatches"
        assert store.history(ann.id, limit=1)[0]["item_id"] == "adam.moments"
        assert store.get_run(1).config["hyper"]["lr"] == 0.5
        first = next(a for a in store.achievements(ann.id) if a.id == "first-correct")
        assert first.unlocked_at == "2025-01-06T09:00:00.000+00:00"
        assert store.review_schedule(ann.id)["sgd.step"] == "2025-01-09T09:00:00.000+00:00"
        # and the file takes new work
        store.record_attempt(ann.id, "sgd.step", correct=True, given="0.02", seconds=3,
                             topic="sgd", category="calculation", kind="numeric")
        assert store.attempt_count(ann.id) == 13


def test_climb_to_a_future_version_keeps_data(tmp_path, monkeypatch):
    """The ladder itself: a v1 file meets a quizapp with a second step and climbs."""
    ladder = Migrations(migrations.MIGRATION_SET)
    for step in migrations.migrations._migrations:
        ladder(name=step.name)(step.fn)

    @ladder(name="m002_notes")
    def m002(db):
        db["learners"].add_column("note", str)
        db.execute("UPDATE learners SET note = 'from v1: ' || name")
        db.execute("PRAGMA user_version = 2")

    monkeypatch.setattr(migrations, "migrations", ladder)
    monkeypatch.setattr(migrations, "STEPS", PINNED_STEPS + ["m002_notes"])
    monkeypatch.setattr(migrations, "LATEST_VERSION", 2)
    path = _copy(tmp_path, "v1.db")
    with Store.open(path) as store:
        assert store.schema_version == 2
        notes = [r[0] for r in store.db.execute("SELECT note FROM learners ORDER BY id")]
        assert notes == ["from v1: ann", "from v1: Bo"]
        assert store.attempt_count() == 12


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_refused(path: Path, *words: str) -> str:
    before = _digest(path)
    siblings = set(path.parent.iterdir())
    with pytest.raises(StoreError) as err:
        Store.open(path)
    msg = str(err.value)
    for w in words:
        assert w in msg, msg
    assert str(path) in msg
    assert _digest(path) == before, "a refused file must be left byte for byte as it was"
    assert set(path.parent.iterdir()) == siblings, "no -wal/-shm/journal files may appear"
    return msg


def test_newer_schema_is_refused_and_untouched(tmp_path):
    path = _copy(tmp_path, "v1.db")
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('quizapp', 'm999_from_the_future', '2030-01-01')")
    conn.close()
    msg = _assert_refused(path, "newer quizapp", "update quizapp")
    assert "schema version 2" in msg


def test_higher_user_version_is_refused(tmp_path):
    path = _copy(tmp_path, "v1.db")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    _assert_refused(path, "newer quizapp", "version 7")


def test_garbage_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "progress.db"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    _assert_refused(path, "not an SQLite database", "untouched")


def test_damaged_pages_are_refused_and_untouched(tmp_path):
    path = _copy(tmp_path, "v1.db")
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, len(data), 4096):  # scribble over every page after the first two
        data[offset:offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    _assert_refused(path, "damaged", "untouched")


def test_truncated_file_is_refused_and_untouched(tmp_path):
    path = _copy(tmp_path, "v1.db")
    path.write_bytes(path.read_bytes()[: 4096 * 3])
    _assert_refused(path, "damaged")


def test_another_programs_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    _assert_refused(path, "another program")


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(StoreError, match="is a folder"):
        Store.open(tmp_path)


def test_empty_file_and_missing_folders_become_a_new_store(tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with Store.open(empty) as store:
        assert store.schema_version == migrations.LATEST_VERSION
    nested = tmp_path / "a" / "b" / "progress.db"
    with Store.open(nested) as store:
        assert nested.is_file()
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "p.db"
    Store.open(path).close()
    with Store.open(path) as store:
        rows = store.db.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0]
        assert rows == migrations.LATEST_VERSION


def test_default_path_from_env_and_platformdirs(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_DB", str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"
    with Store.open() as store:
        assert store.path == tmp_path / "env.db"
    monkeypatch.delenv("QUIZAPP_DB")
    import platformdirs

    assert default_db_path() == platformdirs.user_data_path("quizapp") / "progress.db"


def test_the_expected_schema_is_what_the_ladder_builds():
    """Store.open checks files against EXPECTED_TABLES / EXPECTED_INDEXES: they must say
    exactly what the latest step builds (update them with every new step)."""
    fresh = Database(memory=True)
    migrations.apply(fresh)
    tables = {t: tuple(c.name for c in fresh[t].columns) for t in fresh.table_names()}
    ours = migrations.MIGRATIONS_TABLE  # sqlite-utils' own table: only what we read of it
    assert set(migrations.EXPECTED_TABLES[ours]) <= set(tables.pop(ours))
    assert {t: set(c) for t, c in tables.items()} == \
        {t: set(c) for t, c in migrations.EXPECTED_TABLES.items() if t != ours}
    indexes = dict(fresh.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' "
                                 "AND name NOT LIKE 'sqlite_autoindex%' AND tbl_name != ?",
                                 [ours]).fetchall())
    assert indexes == migrations.EXPECTED_INDEXES
    assert migrations.schema_problems(fresh) == []


def test_a_current_file_opens_without_importing_sqlite_utils(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "p.db"
    Store.open(path).close()
    code = ("import sys; from quizapp.progress import Store; s = Store.open(sys.argv[1]); "
            "s.add_learner('ann'); s.record_attempt(1, 'a.x', correct=True, given='1', "
            "seconds=1); s.close(); print('sqlite_utils' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"
