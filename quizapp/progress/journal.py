"""The answer journal: typed answers the progress file could not take yet.

When the progress file stays locked by another program, or the disk is full, for longer
than the store waits (:data:`quizapp.progress.store.WRITE_WAIT_S`), the answer is appended
to a small text file beside the database, ``<name>.journal.jsonl`` (one JSON object a
line, flushed and fsync'd before the learner is told it is kept). The next write to the
file, or the next open that may write, adds the journal's answers to the database in the
same transaction as that write, then empties and removes the journal.

Several processes may share one journal: each append and each replay holds an exclusive
``flock`` on it; a replay truncates and unlinks it while holding that lock, and an
appender that finds the file unlinked under it opens a new one, so no line is lost.
Lines that cannot be read are never dropped silently: they move to
``<name>.journal.rejected.jsonl`` and the store says so.
"""
from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from quizapp import files

try:  # POSIX; elsewhere a single process is assumed to use a journal at a time
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".journal.jsonl"
REJECTED_SUFFIX = ".journal.rejected.jsonl"
#: A journal larger than this is not read (it cannot come from typed answers); it is left
#: where it is and reported.
MAX_BYTES = 16 * 1024 * 1024


def journal_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + SUFFIX)


@dataclass
class Taken:
    """A locked journal and what it holds; :meth:`clear` after the answers are committed."""
    path: Path
    fd: int
    entries: list[dict] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def clear(self) -> None:
        os.ftruncate(self.fd, 0)
        os.fsync(self.fd)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        files.sync_folder(self.path.parent)

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing drops the flock
            self.fd = -1


class JournalTooLarge(OSError):
    pass


class Journal:
    def __init__(self, db_path: Path):
        self.path = journal_path(db_path)
        self.rejected_path = db_path.with_name(db_path.name + REJECTED_SUFFIX)

    def exists(self) -> bool:
        """True when something (a file with lines, or anything else in its place) is there."""
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return st.st_size > 0 or not stat.S_ISREG(st.st_mode)

    def has_entries(self) -> bool:
        """A regular journal file with something in it."""
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and st.st_size > 0

    def count(self) -> int:
        """Lines waiting (read without a lock; for messages only)."""
        try:
            with open(self.path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError:
            return 0
        return sum(1 for line in data.splitlines() if line.strip())

    def append(self, entry: dict) -> None:
        """Append one answer durably (raises OSError when even that fails)."""
        data = (json.dumps(entry, ensure_ascii=True, allow_nan=False, sort_keys=True) + "\n").encode()
        while True:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                _lock(fd, wait=None)
                if os.fstat(fd).st_nlink == 0:  # replayed and removed while we waited
                    continue
                created = os.fstat(fd).st_size == 0
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                files.sync_folder(self.path.parent)
            return

    def take(self, wait: float = 2.0) -> Taken | None:
        """Lock the journal and read it; None when there is none (or it stays locked by
        another process for ``wait`` seconds: it is replayed next time)."""
        while True:
            try:
                if not stat.S_ISREG(os.stat(self.path).st_mode):
                    raise OSError(f"{self.path} is not a regular file")
                fd = os.open(self.path, os.O_RDWR | getattr(os, "O_NONBLOCK", 0))
            except FileNotFoundError:
                return None
            try:
                if not _lock(fd, wait=wait):
                    os.close(fd)
                    return None
                if os.fstat(fd).st_nlink == 0:
                    os.close(fd)
                    continue
                size = os.fstat(fd).st_size
                if size > MAX_BYTES:
                    raise JournalTooLarge(f"the journal {self.path} is larger than "
                                          f"{MAX_BYTES // 2**20} MB; it was left as it is")
                chunks = []
                while True:
                    chunk = os.read(fd, 1 << 20)
                    if not chunk:
                        break
                    chunks.append(chunk)
            except BaseException:
                os.close(fd)
                raise
            taken = Taken(self.path, fd)
            for raw in b"".join(chunks).splitlines():
                if not raw.strip():
                    continue
                try:
                    entry = json.loads(raw.decode("utf-8"))
                    if not isinstance(entry, dict):
                        raise ValueError("not an object")
                except (ValueError, RecursionError):
                    taken.rejected.append(raw.decode("utf-8", "replace"))
                    continue
                taken.entries.append(entry)
            return taken

    def reject(self, lines: list[str]) -> None:
        """Keep lines that could not be replayed in the rejected file (never drop them)."""
        if not lines:
            return
        with open(self.rejected_path, "a", encoding="utf-8") as fh:
            for line in lines:
                fh.write(line.rstrip("\n") + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def _lock(fd: int, wait: float | None) -> bool:
    if fcntl is None:  # pragma: no cover
        return True
    if wait is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return True
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
