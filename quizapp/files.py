"""Reading files that travel between people, and making writes durable.

Question banks, GIFT files and progress exports arrive from other people's machines. A
path may have been swapped for a FIFO (reading it would wait forever), a device (it never
ends) or a huge file. :func:`read_regular` opens without blocking, refuses anything but a
regular file, and never reads more than ``limit + 1`` bytes. Callers word the errors for
their users from the two exceptions' fields.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """The path leads to a device, a FIFO, a socket or a folder, not a regular file."""

    def __init__(self, kind: str):
        super().__init__(f"not a regular file ({kind})")
        self.kind = kind  # "a device", "a FIFO (named pipe)", "a socket", "a folder", "a special file"


class TooLarge(ValueError):
    """The file holds more than ``limit`` bytes (``size`` when known from its metadata)."""

    def __init__(self, limit: int, size: int | None = None):
        shown = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
        super().__init__(f"the file is {shown}; the limit is {limit:,}")
        self.limit = limit
        self.size = size


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def read_regular(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Raises :class:`NotRegularFile`, :class:`TooLarge`, or the OSError of opening it
    (FileNotFoundError, PermissionError...)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(kind_of(info.st_mode))
        if info.st_size > limit:
            raise TooLarge(limit, info.st_size)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:  # it grew after we looked
        raise TooLarge(limit)
    return b"".join(chunks)


def sync_folder(folder: str | os.PathLike) -> None:
    """fsync a folder, so a file just created or renamed in it survives a power cut
    (POSIX; a no-op where folders cannot be opened)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(Path(folder), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
