"""The progress store: one SQLite file holding every learner's work.

Opening is careful. The file is first *read* to learn what it is: a file that is not
SQLite, is damaged (its pages, or its schema: a table, column or index missing), belongs
to another program, or was written by a newer quizapp is refused with a
:class:`StoreError` and not a byte of it changes.

Two ways to open:

* ``Store.open(path, readonly=True)``, for commands that only read: nothing is created
  (a missing file is an error naming the path), no lock is taken, and a read-only file,
  folder or mount is read as it is.
* ``Store.open(path)``, for work that writes: a new file (and its folders) is created,
  switched to WAL mode (readers never block the writer; several processes share one
  file) and brought up to the latest schema by the migration ladder in
  :mod:`quizapp.progress.migrations`, data kept. A file that cannot be written is
  refused with :class:`StoreReadOnly` ("read-only: ..."), never called damaged.

Writes run in ``BEGIN IMMEDIATE`` transactions with ``synchronous=FULL``: when
:meth:`Store.record_attempt` returns, the answer is on disk. When another program holds
the file (or the disk is full), a write waits, with backoff, up to :attr:`Store.write_wait`
seconds (:data:`WRITE_WAIT_S`, or ``$QUIZAPP_WRITE_WAIT``), telling :attr:`Store.on_wait`
once; an answer that still cannot be written goes to the journal beside the file
(:mod:`quizapp.progress.journal`) and is added at the next write or open.

Integrity: ``PRAGMA quick_check`` reads every page (1-5 ms per MB), so it runs on open
only when it is cheap (a file up to :data:`QUICK_CHECK_MAX_BYTES`), when the file was not
closed cleanly (a ``-wal`` file beside it), when its size or modification time differ from
how quizapp last left it (another program wrote to it), or when the last check is from
another day (remembered in a small file in the user's cache folder, ``$QUIZAPP_CHECKS``
overrides). Otherwise the header, the schema and the migration record are checked, and a
damaged page met later is reported as damage (SQLITE_CORRUPT) by :func:`describe_error`.

sqlite-utils is imported only when it is needed (migrating a file, or ``store.db[name]``
in scripts and tests): the store itself speaks plain SQL.
"""
from __future__ import annotations

import contextlib
import os
from json import dumps as json_dumps
from json import loads as json_loads
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from quizapp.progress import achievements as ach
from quizapp.progress import clock, migrations, queries, review
from quizapp.progress.journal import Journal
from quizapp.progress.notebook import clean, closest_run, config_lr, dumps, loads_object

#: How long one SQLite call waits for a lock before the store's own retry loop looks again.
BUSY_TIMEOUT_S = 10.0
#: How long a write waits for a busy file or a full disk before the answer goes to the journal.
WRITE_WAIT_S = 30.0
#: Once an answer went to the journal, later answers wait only this long before joining it.
JOURNAL_WAIT_S = 1.0
#: Files up to this size get ``PRAGMA quick_check`` on every open (it costs ~10 ms here).
QUICK_CHECK_MAX_BYTES = 8 * 1024 * 1024
SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_NAME = 60
#: Longest answer text stored (the grader refuses longer ones before this point).
MAX_GIVEN = 2000
#: Names and paths echoed in messages are cut to this many characters.
SHOWN_NAME = 60
WAITING = "waiting for the progress file, held by another program…"
DISK_FULL = "waiting for space on the disk to save the progress file…"


class StoreError(Exception):
    """The progress file cannot be used; the message says why and what to do."""


class StoreReadOnly(StoreError):
    """The file (or its folder, or its disk) cannot be written; reading it works."""


class StoreBusy(StoreError):
    """A write could not get through in time: the file stayed locked or the disk full."""


class LearnerGone(StoreError, ValueError):
    """The learner was deleted (perhaps by another program) while still in use."""


def shown(text: Any, limit: int = SHOWN_NAME) -> str:
    """``text`` for a message: control characters dropped, cut to ``limit`` characters."""
    text = "".join(ch if ch.isprintable() or ch == " " else "" for ch in str(text))
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class Learner:
    id: int
    name: str
    created_at: str
    last_active_at: str | None = None


@dataclass(frozen=True)
class AttemptRecorded:
    attempt_id: int | None
    rating: int
    due: str
    was_review: bool
    unlocked: list = field(default_factory=list)
    #: where the answer is: "file" (the database), "journal" (beside it, added at the next
    #: open) or "memory" (nothing could be written: kept in this process and retried)
    saved: str = "file"
    #: a sentence for the learner when the answer was not simply saved, or the journal
    #: was just added to the file
    note: str = ""
    #: achievements could not be evaluated (the answer itself is saved)
    achievements_error: str | None = None


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


def _write_wait_default() -> float:
    text = os.environ.get("QUIZAPP_WRITE_WAIT", "").strip()
    if text:
        try:
            value = float(text)
        except ValueError:
            return WRITE_WAIT_S
        if 0 <= value <= 3600:
            return value
    return WRITE_WAIT_S


class _DB:
    """The store's connection: plain SQL, with sqlite-utils behind ``db[name]`` (and any
    other ``Database`` attribute) built on first use."""

    def __init__(self, conn: sqlite3.Connection):
        # Autocommit: a statement outside an explicit BEGIN commits at once (as sqlite-utils'
        # execute() does); Python's implicit transactions would hold the write lock forever.
        conn.isolation_level = None
        self.conn = conn
        self._su = None

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)

    def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]

    @property
    def sqlite_utils(self):
        if self._su is None:
            from sqlite_utils import Database

            self._su = Database(self.conn, execute_plugins=False)
        return self._su

    def __getitem__(self, name: str):
        return self.sqlite_utils[name]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.sqlite_utils, name)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """A savepoint inside the current transaction (or a transaction of its own)."""
        if not self.conn.in_transaction:
            with _immediate(self):
                yield
            return
        name = f"sp{random.randrange(1 << 30)}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")

    def close(self) -> None:
        self.conn.close()


def _error_name(exc: BaseException) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def _is_corrupt(exc: BaseException) -> bool:
    name = _error_name(exc)
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or \
        "malformed" in str(exc) or "not a database" in str(exc)


def _is_readonly(exc: BaseException) -> bool:
    name = _error_name(exc)
    return name.startswith("SQLITE_READONLY") or "readonly database" in str(exc)


def _transient(exc: BaseException) -> str | None:
    """"busy" or "full" for errors a later try may get past, else None."""
    name = _error_name(exc)
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
        return "busy"
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")) or "disk is full" in text or \
            "disk I/O error" in text:
        return "full"
    return None


def describe_error(exc: BaseException, path: Path | str | None) -> StoreError:
    """One clear StoreError for an sqlite3 error met while using the file."""
    where = f"the progress file {path}" if path else "the progress store"
    if isinstance(exc, StoreError):
        return exc
    if _is_corrupt(exc):
        return _damaged(path, exc)
    if _is_readonly(exc):
        return StoreReadOnly(f"read-only: {where} cannot be written ({exc}); commands that "
                             "only read it still work")
    kind = _transient(exc)
    if kind == "busy":
        return StoreBusy(f"{where} is held by another program; try again when it is done")
    if kind == "full":
        return StoreBusy(f"{where} could not be written: the disk is full (or failing); "
                         "free some space and try again")
    if isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" in str(exc):
        return LearnerGone("that learner was deleted (perhaps by another program) while in "
                           "use; nothing more can be saved for them")
    return StoreError(f"{where}: {exc}")


def _why(exc: BaseException) -> str:
    """A few words on why a write did not get through."""
    text = str(exc)
    if isinstance(exc, StoreReadOnly):
        return "the progress file cannot be written now"
    if "disk" in text:
        return "the disk is full"
    if isinstance(exc, StoreBusy):
        return "the progress file is held by another program"
    return "the progress file cannot be written now"


def _parent_problem(path: Path) -> str | None:
    """A parent of ``path`` that exists but is not a folder, said in words."""
    for parent in reversed(path.parents):
        try:
            if parent.exists() and not parent.is_dir():
                return f"{parent} is a file, not a folder"
        except OSError:
            return None
    return None


def _check_file(path: Path) -> None:
    """Refuse a path that cannot hold a progress file, without writing anything."""
    problem = _parent_problem(path)
    if problem:
        raise StoreError(f"cannot use {path} as the progress file: {problem}; choose another "
                         "path with --db")
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a progress file; pass a file path with --db")
    if not path.exists():
        return
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise StoreError(f"cannot read the progress file {path} ({exc.strerror or exc}); "
                         "it was left as it is") from None
    if not stat.S_ISREG(mode):
        raise StoreError(f"{path} is not a regular file (a pipe, device or socket); it was "
                         "left as it is: choose a file with --db")
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"cannot read the progress file {path} ({exc.strerror or exc}); "
                         "it was left as it is") from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(f"{path} is not a quizapp progress file (it is not an SQLite database); "
                         "it was left untouched: move it away or choose another file with --db")


def _on_readonly_disk(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _readonly_reason(path: Path) -> str | None:
    """Why ``path`` (which exists) cannot be written, or None when it can."""
    if _on_readonly_disk(path):
        return "it is on a read-only disk or mount"
    if not os.access(path, os.R_OK):
        return None  # not a read-only problem: reading will say what is wrong
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        side = [Path(f"{path}-wal"), Path(f"{path}-shm")]
        if not all(p.exists() and os.access(p, os.W_OK) for p in side):
            return "its folder is read-only (SQLite needs to create files beside it)"
    return None


def _readonly_error(path: Path, reason: str) -> StoreReadOnly:
    return StoreReadOnly(f"read-only: the progress file {path} cannot be written ({reason}); it "
                         "was left as it is. Commands that only read it work (quizapp progress, "
                         "quizapp learners, quizapp progress export); to practise, copy it to a "
                         "writable place, or make it writable")


def _ro_uri(path: Path, immutable: bool = False) -> str:
    uri = path.absolute().as_uri() + "?mode=ro"
    return uri + "&immutable=1" if immutable else uri


class Store:
    """Learners, attempts, review state, achievements and the lab notebook in one file."""

    def __init__(self, db: Any, path: Path | None = None, read_only: bool = False):
        if not isinstance(db, _DB):  # a sqlite-utils Database or a connection
            db = _DB(getattr(db, "conn", db))
        self.db = db
        self.path = path
        #: opened with ``readonly=True`` (or the file cannot be written): writers raise
        #: :class:`StoreReadOnly`
        self.read_only = read_only
        #: Returns the current time (aware, UTC); tests replace it to move through days.
        self.clock: Callable[[], datetime] = clock.now
        #: Seconds a write waits for a busy file or a full disk before the journal.
        self.write_wait: float = _write_wait_default()
        #: Called once per write that has to wait, with a sentence for the user.
        self.on_wait: Callable[[str], None] | None = None
        #: Sentences for the user about this file (journal replayed, read-only, ...).
        self.notices: list[str] = []
        self.journal = Journal(path) if path is not None else None
        self._journaled = False  # an answer went to the journal in this process
        self._unsaved: list[dict] = []  # answers nothing could hold yet (disk full)
        self._gave_up = False  # the last write waited in vain: the next ones wait briefly

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, readonly: bool = False) -> "Store":
        """Open the progress file (``$QUIZAPP_DB`` or the default when ``path`` is None).

        ``readonly=True``: never create or lock anything (see the module docstring)."""
        path = Path(path).expanduser() if path is not None else default_db_path()
        _check_file(path)
        if readonly:
            return cls._open_read(path)
        return cls._open_write(path)

    @classmethod
    def _open_write(cls, path: Path) -> "Store":
        if not path.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise StoreError(f"cannot create {path}: "
                                 f"{_parent_problem(path) or 'a parent is not a folder'}") from None
            except OSError as exc:
                if exc.errno in (30, 13):  # EROFS, EACCES
                    raise _readonly_error(path, f"cannot create its folder: {exc.strerror}") from None
                raise StoreError(f"cannot create the folder for {path} ({exc.strerror or exc})") from None
            if _on_readonly_disk(path.parent) or not os.access(path.parent, os.W_OK | os.X_OK):
                raise _readonly_error(path, "cannot create it: its folder is read-only")
        else:
            reason = _readonly_reason(path)
            if reason:
                raise _readonly_error(path, reason)
        try:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the progress file {path} ({exc})") from None
        db = _DB(conn)
        try:
            state = _inspect(db, path)
            _prepare(db, path, state)
        except BaseException:
            conn.close()
            raise
        store = cls(db, path)
        store._replay_at_open()
        return store

    @classmethod
    def _open_read(cls, path: Path) -> "Store":
        if not path.exists():
            raise StoreError(f"no progress file at {path}; nothing was created (choose the "
                             "file with --db, or answer a question to start one)")
        if path.stat().st_size == 0:
            raise StoreError(f"the progress file {path} is empty: it holds no progress yet")
        notices: list[str] = []
        conn = None
        # Where the file could be written, open it read-write but never create it (and
        # query_only below): the last connection to close then tidies the -wal/-shm files
        # SQLite makes for a WAL file. Where it cannot, read-only.
        uri = _ro_uri(path) if _readonly_reason(path) else \
            _ro_uri(path).replace("?mode=ro", "?mode=rw")
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            if _is_corrupt(exc):
                raise _damaged(path, exc) from None
            # A WAL file in a place that cannot be written: SQLite cannot make its -shm.
            # Nothing else can write there either, so read the file as it stands.
            try:
                conn = sqlite3.connect(_ro_uri(path, immutable=True), uri=True)
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc2:
                if _is_corrupt(exc2):
                    raise _damaged(path, exc2) from None
                raise StoreError(f"cannot read the progress file {path} ({exc2}); it was "
                                 "left as it is") from None
            wal = Path(f"{path}-wal")
            if wal.exists() and wal.stat().st_size:
                notices.append(f"{wal.name} beside the file holds recent answers that cannot "
                               "be read from this read-only place; they are kept")
        db = _DB(conn)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA query_only = 1")
            state = _inspect(db, path)
        except BaseException:
            conn.close()
            raise
        if state.is_empty:
            conn.close()
            raise StoreError(f"the progress file {path} holds no progress yet")
        if state.version < migrations.LATEST_VERSION:
            conn.close()
            reason = _readonly_reason(path)
            if reason:
                raise _readonly_error(path, f"{reason}, and it needs a one-time upgrade "
                                            "to this quizapp's format")
            return cls._open_write(path)  # the one-time upgrade, then read
        store = cls(db, path, read_only=True)
        store.notices.extend(notices)
        if store.journal is not None and store.journal.exists():
            n = store.journal.count()
            store.notices.append(f"{n} answer(s) wait in {store.journal.path.name}; they are "
                                 "added to the file the next time quizapp writes to it")
        return store

    @classmethod
    def memory(cls) -> "Store":
        """A throw-away store in memory (tests, previews)."""
        db = _DB(sqlite3.connect(":memory:"))
        db.execute("PRAGMA foreign_keys = ON")
        with _immediate(db):
            migrations.apply(db.sqlite_utils)
        return cls(db, None)

    def close(self) -> None:
        self.db.close()
        if self.path is not None and not self.read_only:
            try:
                big = self.path.stat().st_size > QUICK_CHECK_MAX_BYTES
            except OSError:
                big = False
            if big:  # the size and time we leave it with: a change by anyone else shows
                _remember(self.path, checked=False)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return migrations.read_state(self.db).version

    def _now(self) -> datetime:
        return self.clock()

    # ------------------------------------------------------------------ writing

    def _tell(self, text: str) -> None:
        if self.on_wait is not None:
            try:
                self.on_wait(text)
            except Exception:  # a broken listener must not cost an answer
                pass

    def _begin(self, wait: float) -> None:
        """``BEGIN IMMEDIATE``, retried with backoff while another program holds the file."""
        conn = self.db.conn
        deadline = time.monotonic() + wait
        delay = 0.05
        told = False
        conn.execute(f"PRAGMA busy_timeout = {int(min(BUSY_TIMEOUT_S, max(wait, 0.05), 0.25) * 1000)}")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    kind = _transient(exc)
                    if kind is None:
                        raise describe_error(exc, self.path) from None
                    if time.monotonic() + delay > deadline:
                        self._gave_up = True
                        raise StoreBusy(
                            f"the progress file {self.path or '(memory)'} is still "
                            f"{'held by another program' if kind == 'busy' else 'unwritable (is the disk full?)'}"
                            ) from None
                    if not told:
                        if not (self._gave_up or self._journaled or self._unsaved):
                            self._tell(WAITING if kind == "busy" else DISK_FULL)
                        told = True
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 1.0)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")

    @contextlib.contextmanager
    def _write(self, wait: float | None = None) -> Iterator[_DB]:
        """One write transaction. Waits up to ``wait`` (default :attr:`write_wait`) for the
        lock; adds any journaled answers first, in the same transaction; maps SQLite errors
        to :class:`StoreError` s (read-only, busy/full, damaged)."""
        if self.read_only:
            raise _readonly_error(self.path, "it was opened for reading only")
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        self._begin(self.write_wait if wait is None else wait)
        taken = None
        replayed: tuple[int, int, int] | None = None
        try:
            try:
                if self.journal is not None and (self._journaled or self.journal.exists()):
                    try:
                        taken = self.journal.take()
                    except OSError as exc:  # unreadable journal: the write itself goes on
                        self._journal_problem(exc)
                    if taken is not None:
                        replayed = self._replay(taken)
                flushed = self._flush_unsaved() if self._unsaved else 0
                yield self.db
                conn.execute("COMMIT")
                del self._unsaved[:flushed]
                self._gave_up = False
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and not (
                        isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" not in str(exc)):
                    raise describe_error(exc, self.path) from None
                raise
            if taken is not None:  # committed: empty the journal (a failure here costs
                try:               # nothing: a later replay skips what is already in)
                    self.journal.reject(taken.rejected)
                    taken.clear()
                except OSError as exc:
                    self._journal_problem(exc)
                self._note_replay(replayed, len(taken.rejected))
            if self.journal is not None and self._journaled:
                self._journaled = self.journal.has_entries()
        finally:
            if taken is not None:
                taken.release()

    def _journal_problem(self, exc: OSError) -> None:
        note = (f"the journal {self.journal.path} cannot be read "
                f"({getattr(exc, 'strerror', None) or exc}); it was left as it is")
        if note not in self.notices:
            self.notices.append(note)

    def _wait(self) -> float:
        """How long an answer waits: the full :attr:`write_wait`, or only
        :data:`JOURNAL_WAIT_S` once a write in this process waited in vain."""
        if self._journaled or self._unsaved or self._gave_up:
            return min(self.write_wait, JOURNAL_WAIT_S)
        return self.write_wait

    def _note_replay(self, counts: tuple[int, int, int] | None, rejected: int) -> None:
        added, duplicate, gone = counts or (0, 0, 0)
        parts = []
        if added:
            parts.append(f"{added} answer(s) kept in the journal were added to the progress file")
        if gone:
            parts.append(f"{gone} journaled answer(s) of deleted learners were dropped")
        if rejected:
            parts.append(f"{rejected} unreadable journal line(s) were moved to "
                         f"{self.journal.rejected_path.name}")
        if parts:
            self.notices.append("; ".join(parts) + ".")

    def _replay(self, taken) -> tuple[int, int, int]:
        """Add journaled answers (the caller holds the write transaction): (added,
        already there, of a deleted learner). Unusable lines join ``taken.rejected``."""
        import json

        added = duplicate = gone = 0
        for entry in taken.entries:
            try:
                answer = _journal_entry(entry)
            except (TypeError, ValueError, KeyError):
                taken.rejected.append(json.dumps(entry, ensure_ascii=True))
                continue
            row = self.db.execute("SELECT name FROM learners WHERE id = ?",
                                  [answer["learner_id"]]).fetchone()
            name = entry.get("learner")
            if isinstance(name, str) and (row is None or row[0].casefold() != name.casefold()):
                # the id belongs to someone else here (the journal came with another copy
                # of the file): find the learner by name
                found = self.find_learner(name) if len(name) <= MAX_NAME else None
                row = (found.name,) if found else None
                if found:
                    answer["learner_id"] = found.id
            if row is None:
                gone += 1
                continue
            exists = self.db.execute(
                "SELECT 1 FROM attempts WHERE learner_id = ? AND item_id = ? AND answered_at = ? "
                "AND given = ?", [answer["learner_id"], answer["item_id"], answer["answered_at"],
                                  answer["given"]]).fetchone()
            if exists:
                duplicate += 1
                continue
            try:
                with self.db.atomic():
                    self._record(answer, evaluate=True)
            except (ValueError, TypeError, sqlite3.IntegrityError):
                taken.rejected.append(json.dumps(entry, ensure_ascii=True))
                continue
            added += 1
        return added, duplicate, gone

    def _flush_unsaved(self) -> int:
        """Write the answers kept in memory (the caller commits, then forgets them)."""
        for answer in self._unsaved:
            if self.db.execute("SELECT 1 FROM learners WHERE id = ?",
                               [answer["learner_id"]]).fetchone():
                self._record(dict(answer), evaluate=True)
        return len(self._unsaved)

    def _replay_at_open(self) -> None:
        if self.journal is None or not self.journal.exists():
            return
        try:
            with self._write(wait=min(self.write_wait, 2.0)):
                pass
        except StoreError as exc:
            n = self.journal.count()
            self.notices.append(f"{n} answer(s) wait in {self.journal.path.name} and could not "
                                f"be added yet ({exc}); they are kept and added later")

    @property
    def unsaved(self) -> list[dict]:
        """Answers nothing could hold yet (the file busy and the journal unwritable)."""
        return list(self._unsaved)

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
        if len(name) > 10 * MAX_NAME:
            raise ValueError(f"a learner name has at most {MAX_NAME} characters")
        name = " ".join(name.split())
        if len(name) > MAX_NAME:
            raise ValueError(f"a learner name has at most {MAX_NAME} characters")
        if not name.isprintable():
            raise ValueError("a learner name must not contain control characters "
                             "(escape sequences, tabs, newlines)")
        return name

    def add_learner(self, name: str) -> Learner:
        name = self._clean_name(name)
        now = clock.iso(self._now())
        try:
            with self._write() as db:
                learner_id = db.execute(
                    "INSERT INTO learners (name, created_at, streak_enabled) VALUES (?, ?, 0)",
                    [name, now]).lastrowid
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
                db.execute("UPDATE learners SET name = ? WHERE id = ?", [name, learner_id])
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

    def last_active_learner(self) -> Learner | None:
        """The most recently active learner, or None (reads only)."""
        row = self.db.execute(
            "SELECT id, name, created_at, last_active_at FROM learners "
            "ORDER BY COALESCE(last_active_at, created_at) DESC, id DESC LIMIT 1").fetchone()
        return Learner(*row) if row else None

    def default_learner(self) -> Learner:
        """The most recently active learner; a new one called "default" if there is none."""
        return self.last_active_learner() or self.ensure_learner("default")

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
            db.execute("UPDATE learners SET " + ", ".join(f"{k} = ?" for k in changes)
                       + " WHERE id = ?", [*changes.values(), learner_id])
        return self._evaluate(learner_id, ach.Event("streak"))

    # ------------------------------------------------------------------ topics

    def sync_topics(self, topics: dict[str, str]) -> None:
        """Remember the bank's topic ids and titles (for titles and per-topic achievements)."""
        known = dict(self.db.execute("SELECT id, title FROM topics").fetchall())
        rows = [{"id": t, "title": title} for t, title in topics.items() if known.get(t) != title]
        if rows and not self.read_only:
            try:
                self._sync_topic_rows(rows)
            except StoreBusy:  # titles only: refreshed the next time the file is free
                pass

    def _sync_topic_rows(self, rows: list[dict]) -> None:
        if rows:
            with self._write(wait=min(self.write_wait, JOURNAL_WAIT_S)) as db:
                db.conn.executemany(
                    "INSERT INTO topics (id, title) VALUES (?, ?) ON CONFLICT (id) DO UPDATE "
                    "SET title = excluded.title", [(r["id"], r["title"]) for r in rows])

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
            return _insert(db, "sessions", {"learner_id": learner_id, "mode": mode,
                                            "options": dumps(options or {}),
                                            "started_at": clock.iso(self._now())})

    def finish_session(self, session_id: int) -> list:
        """Close a session (its totals come from its attempts); returns achievements unlocked.

        Never costs an answer: when the file stays busy, or the learner was deleted, the
        session is left open (its answers are saved) and nothing is unlocked."""
        row = self.db.execute("SELECT learner_id FROM sessions WHERE id = ?", [session_id]).fetchone()
        if row is None:  # deleted with its learner (perhaps by another program)
            self.notices.append(f"session {session_id} is no longer in the file (its learner "
                                "was deleted?); nothing to close")
            return []
        try:
            with self._write(wait=self._wait()) as db:
                answered, correct, seconds = db.execute(
                    "SELECT COUNT(*), COALESCE(SUM(correct), 0), COALESCE(SUM(seconds), 0) "
                    "FROM attempts WHERE session_id = ?", [session_id]).fetchone()
                db.execute("UPDATE sessions SET finished_at = ?, answered = ?, correct = ?, "
                           "seconds = ? WHERE id = ?",
                           [clock.iso(self._now()), answered, correct, seconds, session_id])
                if not db.execute("SELECT 1 FROM learners WHERE id = ?", [row[0]]).fetchone():
                    return []
                return ach.evaluate(self._context(row[0]),
                                    ach.Event("session", session_id=session_id),
                                    self.topics(row[0]), clock.iso(self._now()))
        except StoreError as exc:  # busy, learner gone, read-only or damaged since
            self.notices.append(f"the session could not be closed in the file ({exc}); its "
                                "answers are kept")
            return []

    def record_attempt(self, learner_id: int, item_id: str, *, correct: bool, given: str,
                       seconds: float | None, seed: int | None = None, params: dict | None = None,
                       expected: str = "", topic: str | None = None, category: str | None = None,
                       kind: str | None = None, session_id: int | None = None,
                       evaluate: bool = True) -> AttemptRecorded:
        """Record one graded answer, update the item's review card, the daily counters and
        the achievements, all in one committed transaction.

        A file held by another program (or a full disk) is waited for, up to
        :attr:`write_wait` seconds; then the answer goes to the journal beside the file
        (``saved="journal"``), or, if even that cannot be written, stays in memory and is
        retried with the next write (``saved="memory"``). Raises :class:`LearnerGone` if
        the learner was deleted meanwhile, :class:`StoreReadOnly` for a read-only file."""
        if not isinstance(item_id, str) or not item_id:
            raise ValueError("an attempt needs an item id")
        if seconds is not None:
            seconds = float(seconds)
            if not (seconds >= 0 and seconds != float("inf")):
                seconds = None
        given = str(given)
        if len(given) > MAX_GIVEN:
            raise ValueError(f"an answer has at most {MAX_GIVEN} characters")
        answer = {
            "learner_id": int(learner_id), "item_id": item_id, "correct": bool(correct),
            "given": given, "seconds": seconds, "seed": seed, "params": params or {},
            "expected": str(expected or ""), "topic": topic, "category": category, "kind": kind,
            "session_id": session_id, "answered_at": clock.iso(self._now()),
        }
        deadline = time.monotonic() + self._wait()
        delay = 0.05
        while True:
            try:
                with self._write(wait=max(0.0, deadline - time.monotonic())):
                    rec = self._record(dict(answer), evaluate)
                break
            except LearnerGone:
                raise
            except StoreBusy as exc:
                if "disk is full" in str(exc) and time.monotonic() + delay < deadline:
                    self._tell(DISK_FULL)  # full mid-transaction: try again in a moment
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                return self._keep(answer, exc)
            except StoreError as exc:  # made read-only or damaged since it was opened
                if self.read_only:
                    raise
                self._gave_up = True
                return self._keep(answer, exc)
            except KeyboardInterrupt:  # Ctrl-C while waiting: keep the answer, then stop
                self._gave_up = True
                self._keep(answer, StoreBusy("interrupted while waiting for the file"))
                raise
        if self.notices and rec.saved == "file":
            rec = AttemptRecorded(rec.attempt_id, rec.rating, rec.due, rec.was_review,
                                  rec.unlocked, "file", " ".join(self.notices),
                                  rec.achievements_error)
            self.notices.clear()
        return rec

    def _keep(self, answer: dict, why: StoreError) -> AttemptRecorded:
        """The file would not take ``answer``: the journal, else memory."""
        rating = review.rating_for(answer["correct"], answer["seconds"], answer["kind"])
        if "learner" not in answer:  # so a journal moved to another file finds its learner
            try:
                row = self.db.execute("SELECT name FROM learners WHERE id = ?",
                                      [answer["learner_id"]]).fetchone()
                answer["learner"] = row[0] if row else None
            except sqlite3.Error:
                answer["learner"] = None
        if self.journal is not None:
            first = not self._journaled
            try:
                self.journal.append(answer)
            except OSError as exc:
                why = StoreError(f"{why}; the journal {self.journal.path} could not be written "
                                 f"either ({exc.strerror or exc})")
            else:
                self._journaled = True
                if not first:
                    return AttemptRecorded(None, int(rating), "", False, [], "journal",
                                           f"Kept in {self.journal.path.name} for now.")
                return AttemptRecorded(
                    None, int(rating), "", False, [], "journal",
                    f"Your answer is kept in {self.journal.path.name} for now ({_why(why)}); "
                    f"it moves into {self.path.name} as soon as the file can be written.")
        self._unsaved.append(answer)
        return AttemptRecorded(
            None, int(rating), "", False, [], "memory",
            f"Your answer could not be saved yet ({_why(why)}; {why}); it is kept while this "
            "session runs and saved with the next answer that gets through.")

    def _record(self, answer: dict, evaluate: bool) -> AttemptRecorded:
        """Write one answer (the caller holds the write transaction)."""
        db = self.db
        learner_id, item_id = answer["learner_id"], answer["item_id"]
        seconds, topic, kind = answer["seconds"], answer["topic"], answer["kind"]
        stamp = answer["answered_at"]
        now = clock.parse_iso(stamp)
        day = clock.local_day(now)
        ok = 1 if answer["correct"] else 0
        rating = review.rating_for(bool(ok), seconds, kind)
        if not db.execute("SELECT 1 FROM learners WHERE id = ?", [learner_id]).fetchone():
            raise LearnerGone(f"learner {learner_id} was deleted (perhaps by another program) "
                              "while practising; this answer was not saved")
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
        session_id = answer["session_id"]
        if session_id is not None and not db.execute("SELECT 1 FROM sessions WHERE id = ?",
                                                     [session_id]).fetchone():
            session_id = None
        cur = db.execute(
            "INSERT INTO attempts (learner_id, session_id, item_id, topic, category, kind, seed, "
            "params, given, expected, correct, seconds, answered_at, day, rating, was_review, "
            "due_before, due_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [learner_id, session_id, item_id, topic, answer["category"], kind, answer["seed"],
             dumps(answer["params"] or {}), answer["given"], answer["expected"], ok, seconds,
             stamp, day, int(rating), 1 if was_review else 0, due_before, due])
        attempt_id = cur.lastrowid
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
        db.execute("UPDATE learners SET last_active_at = MAX(COALESCE(last_active_at, ''), ?) "
                   "WHERE id = ?", [stamp, learner_id])
        unlocked: list = []
        problem = None
        if evaluate:
            try:
                with db.atomic():
                    unlocked = ach.evaluate(
                        ach.Context(db, learner_id, clock.local_date(now), now),
                        ach.Event("attempt", topic=topic, category=answer["category"]),
                        self.topics(learner_id), stamp)
            except sqlite3.OperationalError as exc:
                if _transient(exc):
                    raise  # the whole answer is tried again
                problem = str(exc)
            except Exception as exc:  # a faulty rule must not make a saved answer look lost
                problem = f"{type(exc).__name__}: {exc}"
        return AttemptRecorded(attempt_id, int(rating), due, was_review, unlocked,
                               achievements_error=problem)

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
            run_id = _insert(db, "runs", {
                "learner_id": learner_id, "created_at": clock.iso(self._now()), "grp": group,
                "surface": config.get("surface") if isinstance(config.get("surface"), str) else None,
                "optimizer": config.get("optimizer") if isinstance(config.get("optimizer"), str) else None,
                "lr": config_lr(config), "diverged": 1 if diverged else 0,
                "final_loss": final_loss if isinstance(final_loss, (int, float)) else None,
                "min_distance": min_distance if isinstance(min_distance, (int, float)) else None,
                "changed": changed, "config": dumps(config), "outcome": dumps(outcome),
            })
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

    def achievements(self, learner_id: int, bank_topics: dict[str, str] | None = None
                     ) -> list[ach.AchievementStatus]:
        """Every achievement; ``bank_topics`` adds topics the file does not know yet (one
        mastery badge each), without writing them: a read-only summary counts them too."""
        self.get_learner(learner_id)
        return ach.statuses(self._context(learner_id), self._with_topics(learner_id, bank_topics))

    def _with_topics(self, learner_id: int, bank_topics: dict[str, str] | None) -> dict[str, str]:
        titles = self.topics(learner_id)
        for topic, title in (bank_topics or {}).items():
            titles.setdefault(topic, title)
        return titles

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

    def progress_summary(self, learner_id: int, bank_topics: dict[str, str] | None = None) -> dict:
        """Everything `quizapp progress --json` prints for one learner (``bank_topics``: as
        for :meth:`achievements`)."""
        learner = self.get_learner(learner_id)
        attempts, correct, seconds = self.db.execute(
            "SELECT COALESCE(SUM(answers), 0), COALESCE(SUM(correct), 0), COALESCE(SUM(seconds), 0) "
            "FROM day_stats WHERE learner_id = ?", [learner_id]).fetchone()
        titles = self._with_topics(learner_id, bank_topics)
        topics = queries.mastery_by_topic(self.db, learner_id, list(titles))
        for topic, entry in topics.items():
            entry["title"] = titles.get(topic, topic)
        statuses = self.achievements(learner_id, bank_topics)
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


def _insert(db: Any, table: str, row: dict) -> int:
    """INSERT one row (keys are the store's own column names); returns its rowid."""
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    return db.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values())).lastrowid


# ---------------------------------------------------------------------- backup


def backup(store: Store, out: Path, force: bool = False) -> Path:
    """Copy the whole file with SQLite's online backup API (the -wal's answers included,
    other connections may go on working) to ``out``, atomically: a temporary file beside
    it, checked, then renamed. An existing ``out`` is replaced only with ``force``."""
    out = Path(out)
    problem = _parent_problem(out)
    if problem:
        raise StoreError(f"cannot write {out}: {problem}")
    if not out.parent.is_dir():
        raise StoreError(f"cannot write {out}: the folder {out.parent} does not exist")
    if out.is_dir():
        raise StoreError(f"{out} is a folder; give the backup a file name")
    if store.path is not None and out.exists():
        try:
            same = os.path.samefile(out, store.path)
        except OSError:
            same = False
        if same:
            raise StoreError(f"{out} is the progress file itself; choose another name")
    if out.exists() and not force:
        raise StoreError(f"{out} already exists; add --force to replace it")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        dst = sqlite3.connect(str(tmp))
        try:
            store.db.conn.backup(dst, pages=4096)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            if dst.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                raise StoreError("the copy did not pass SQLite's check; nothing was written")
        finally:
            dst.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, out)
        else:
            try:
                os.link(tmp, out)  # fails if ``out`` appeared meanwhile: never clobber
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links
                if out.exists():
                    raise FileExistsError(str(out)) from None
                os.replace(tmp, out)
    except FileExistsError:
        raise StoreError(f"{out} already exists; add --force to replace it") from None
    except OSError as exc:
        raise StoreError(f"cannot write {out} ({exc.strerror or exc})") from None
    except sqlite3.Error as exc:
        raise describe_error(exc, store.path) from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal")):
            try:
                leftover.unlink()
            except OSError:
                pass
    return out


# ---------------------------------------------------------------------- journal entries


def _journal_entry(entry: dict) -> dict:
    """A journal line checked field by field (TypeError/ValueError/KeyError if unusable)."""
    def text(key: str, limit: int, optional: bool = True) -> str | None:
        value = entry.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or len(value) > limit:
            raise ValueError(key)
        return value

    def integer(key: str, optional: bool = True) -> int | None:
        value = entry.get(key)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(key)
        return value

    seconds = entry.get("seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                or not 0 <= seconds < 1e9):
        raise ValueError("seconds")
    if not isinstance(entry.get("correct"), bool):
        raise TypeError("correct")
    params = entry.get("params") or {}
    if not isinstance(params, dict):
        raise TypeError("params")
    stamp = text("answered_at", 40, optional=False)
    clock.parse_iso(stamp)
    item_id = text("item_id", 500, optional=False)
    if not item_id:
        raise ValueError("item_id")
    return {
        "learner_id": integer("learner_id", optional=False), "item_id": item_id,
        "correct": entry["correct"], "given": text("given", MAX_GIVEN, optional=False),
        "seconds": None if seconds is None else float(seconds), "seed": integer("seed"),
        "params": params, "expected": text("expected", 10_000) or "", "topic": text("topic", 500),
        "category": text("category", 500), "kind": text("kind", 100),
        "session_id": integer("session_id"), "answered_at": stamp,
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


def _count_answer(db: Any, learner_id: int, day: str, topic: str | None, correct: int,
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


def _mark_owed(db: Any, learner_id: int, days: list[str]) -> None:
    db.conn.executemany(
        "INSERT INTO day_stats (learner_id, day, answers, correct, reviews, seconds, owed) "
        "VALUES (?, ?, 0, 0, 0, 0, 1) ON CONFLICT (learner_id, day) DO UPDATE SET owed = 1",
        [(learner_id, d) for d in days])


# ---------------------------------------------------------------------- opening helpers


@contextlib.contextmanager
def _immediate(db: Any) -> Iterator[None]:
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


def _damaged(path: Path | None, exc: Any) -> StoreError:
    return StoreError(f"the progress file {path} is damaged ({exc}); it was left untouched: "
                      "restore a backup, or move it away to start a new one")


def _left_unclean(path: Path) -> bool:
    """A non-empty ``-wal`` file beside the file: a process did not close it."""
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def _wants_quick_check(path: Path) -> bool:
    """Check every page when it is cheap (a small file), when the file was not closed
    cleanly (a -wal file beside it), when it changed since quizapp last closed it (size or
    modification time: another program wrote to it), or once a day."""
    try:
        st = path.stat()
        if st.st_size <= QUICK_CHECK_MAX_BYTES or _left_unclean(path):
            return True
    except OSError:
        return True
    stamp = _stamps().get(_stamp_key(path))
    if not isinstance(stamp, dict):
        return True
    return (stamp.get("day") != clock.now().date().isoformat()
            or stamp.get("size") != st.st_size or stamp.get("mtime_ns") != st.st_mtime_ns)


def check_pages_ahead(path: str | os.PathLike) -> bool | None:
    """Run the open's page check now, on a connection of its own, so that the open that
    follows can skip it: the desktop app calls this on its warm-up thread, and the open on
    the GUI thread then takes milliseconds instead of a tenth of a second or more.

    Returns None when there is nothing to do (no file, a small one, no check due, or a
    ``-wal`` file left by a crash, which the open must look at itself), True when the pages
    are sound (remembered, as an open's check would be), False when they are not: nothing
    is remembered then, so the open checks again and reports the damage. Never writes to
    the file and never creates one."""
    path = Path(path)
    try:
        st = path.stat()
        if (st.st_size <= QUICK_CHECK_MAX_BYTES or _left_unclean(path)
                or not _wants_quick_check(path)):
            return None
    except OSError:
        return None
    # read-write but never create (as _open_read does), so that SQLite tidies the -wal and
    # -shm files of a WAL file when this connection closes; query_only: nothing is written
    uri = _ro_uri(path) if _readonly_reason(path) else _ro_uri(path).replace("?mode=ro", "?mode=rw")
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA query_only = 1")
        sound = conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    except sqlite3.Error as exc:
        sound = False if _is_corrupt(exc) else None
    finally:
        conn.close()
    if sound:
        try:
            unchanged = path.stat()
        except OSError:
            return None
        if (unchanged.st_size, unchanged.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            return None  # written to meanwhile: the open decides
        _remember(path, checked=True)
    return sound


#: Where quizapp remembers, per progress file, the day of its last full page check and
#: the size and time it left the file with (a small JSON file in the user's cache folder).
def _stamp_file() -> Path:
    env = os.environ.get("QUIZAPP_CHECKS", "").strip()
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_cache_path("quizapp") / "checked.json"


def _stamp_key(path: Path) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return str(path)


def _stamps() -> dict:
    try:
        with open(_stamp_file(), "rb") as fh:
            data = json_loads(fh.read(256 * 1024))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError, RecursionError):
        return {}


def _remember(path: Path, checked: bool) -> None:
    """Note the file's size and time as quizapp leaves it (and today, after a full check).
    Best effort: a cache that cannot be written only means more checks."""
    try:
        st = path.stat()
        stamps = _stamps()
        key = _stamp_key(path)
        old = stamps.get(key) if isinstance(stamps.get(key), dict) else {}
        day = clock.now().date().isoformat() if checked else old.get("day")
        if not day:
            return
        stamps.pop(key, None)
        stamps[key] = {"day": day, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
        while len(stamps) > 50:
            stamps.pop(next(iter(stamps)))
        target = _stamp_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(json_dumps(stamps), encoding="utf-8")
        os.replace(tmp, target)
    except (OSError, ValueError):
        pass


def _inspect(db: Any, path: Path) -> migrations.SchemaState:
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
        if state.is_empty:
            return state
        if _wants_quick_check(path):
            result = db.execute("PRAGMA quick_check").fetchall()
            if result != [("ok",)]:
                raise _damaged(path, "integrity check: " + "; ".join(str(r[0]) for r in result[:3]))
            if path.stat().st_size > QUICK_CHECK_MAX_BYTES:
                _remember(path, checked=True)
        if state.version == migrations.LATEST_VERSION:
            problems = migrations.schema_problems(db)
            if problems:
                raise _damaged(path, "its schema: " + "; ".join(problems[:4]))
        return state
    except sqlite3.DatabaseError as exc:
        if _is_corrupt(exc):
            raise _damaged(path, exc) from None
        raise describe_error(exc, path) from None


def _enable_wal(db: Any) -> None:
    """Switch to WAL. SQLite answers "locked" at once, without the busy timeout, while
    another process is creating the same new file, so wait here for it."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            db.execute("PRAGMA journal_mode = wal")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005 + random.random() * 0.02)


def _prepare(db: Any, path: Path, state: migrations.SchemaState) -> None:
    """WAL, durability and the busy timeout; then the migration ladder if the file needs it
    (a current file takes no lock here)."""
    try:
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        _enable_wal(db)
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        if not state.is_empty and state.version == migrations.LATEST_VERSION:
            return
        with _immediate(db):
            state = migrations.read_state(db)  # again, under the write lock
            if state.is_newer:
                raise StoreError(f"the progress file {path} was just upgraded by a newer quizapp; "
                                 "update quizapp")
            if state.version < migrations.LATEST_VERSION or state.is_empty:
                migrations.apply(db.sqlite_utils)
            problems = migrations.schema_problems(db)
            if problems:
                raise _damaged(path, "its schema after the upgrade: " + "; ".join(problems[:4]))
    except sqlite3.OperationalError as exc:
        if _is_readonly(exc) or "unable to open" in str(exc):
            raise _readonly_error(path, str(exc)) from None
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreBusy(f"the progress file {path} is busy (another program holds it "
                            f"longer than {BUSY_TIMEOUT_S:.0f} s); try again") from None
        raise StoreError(f"cannot prepare the progress file {path} ({exc})") from None
    except sqlite3.DatabaseError as exc:
        if _is_corrupt(exc):
            raise _damaged(path, exc) from None
        raise describe_error(exc, path) from None
