"""Class progress: learners export their progress to a file, an instructor reads many.

A *progress file* is one JSON document (UTF-8, at most :data:`MAX_BYTES`)::

    {"format": "quizapp-progress", "version": 1,
     "exported_at": "2025-03-05T12:00:00.000+00:00", "quizapp_version": "0.1.0",
     "learner": {"name": "ann", "created_at": "..."},
     "attempts": [{"item_id", "topic", "category", "kind", "seed", "params", "given",
                   "expected", "correct", "seconds", "answered_at", "day"}, ...],
     "achievements": [{"id", "title", "description", "unlocked_at"}, ...],
     "mastery": {topic: {"attempts", "correct", "mastery", "mastered", ...}}}

``checksum`` (``"sha256:<hex>"``) seals the content: SHA-256 over the canonical JSON
(sorted keys, ASCII, no spaces) of the document without ``attempts`` and ``checksum``,
then, for each attempt in order, a newline and that attempt's canonical JSON.
:func:`read_export` refuses a file whose checksum is missing or does not match, and one
whose ``exported_at`` lies in the future (beyond :data:`CLOCK_SKEW`). What this protects
against: accidents (a damaged or truncated copy, a file edited by mistake) and casual
edits (answers flipped to right in a text editor, a date pushed forward so an old export
wins). What it does not: there is no shared secret, so anyone who reads this paragraph
can recompute the checksum after editing; a determined forger is not stopped. Treat the
class view as the learners' own report, not as proof.

A file may be gzip-compressed (``.json.gz``; :func:`write_export` compresses when the
name ends in ``.gz``): a learner with a few hundred thousand answers stays under
:data:`MAX_BYTES` that way. Only regular files are read (a pipe or a device is refused
without being opened for reading).

``attempts`` are in the order they were answered. ``kind`` (numeric, choice, true_false,
computed_choice) and ``day`` (the learner's local date) are optional extras; readers
ignore keys they do not know. ``given`` is the answer as typed, except for the kinds
made of parts, stored in a canonical form over the options as shown for that seed:
``multiple`` the ticked numbers (``1 3``), ``ordering`` the numbers first step first
(``3 1 2 4``), ``matching`` number-letter pairs (``1b 2a 3c``); ``short`` is the typed
text with runs of spaces made one. ``mastery`` is the learner's own view when exporting; the
class view recomputes mastery from the attempts with the same rule as the store
(:mod:`quizapp.progress.queries`: 8 of the last 10 right, on 3 or more days).

:func:`load_exports` never raises on a bad file: each one is reported as an
:class:`ExportProblem` naming the file and skipped. When one learner (same name, case
and spacing ignored) was exported more than once, the newest export is kept and the
others are reported.

:func:`class_view` builds a :class:`ClassView`: per learner and topic the answers, the
share right among the last 10 and whether the topic is mastered; per item the answers,
the share right and the three most common wrong answers. Wrong answers are grouped
after normalising them: numbers by value (``0.020``, ``.02``, ``2e-2`` and ``1/50`` are
one answer), text by its words ignoring case. Given the question bank, a choice number
is turned back into the choice it named (choices are shuffled per learner), checked
against the recorded expected answer so a changed bank never mislabels an answer.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from quizapp import files
from quizapp.progress import clock, queries

FORMAT = "quizapp-progress"
VERSION = 1
#: Largest progress file read (and written), in bytes (as stored: compressed or not).
MAX_BYTES = 50 * 1024 * 1024
#: Largest JSON text a compressed progress file may expand to.
MAX_JSON_BYTES = 256 * 1024 * 1024
#: How far in the future an ``exported_at`` may be (clocks disagree a little).
CLOCK_SKEW = timedelta(minutes=10)
CHECKSUM_KEY = "checksum"
#: Longest learner name accepted in a file.
MAX_NAME = 200
#: Wrong answers listed per item.
TOP_WRONG = 3

_ATTEMPT_COLUMNS = ("item_id", "topic", "category", "kind", "seed", "params", "given",
                    "expected", "correct", "seconds", "answered_at", "day")


# ---------------------------------------------------------------------- export


def _export_attempt(row: tuple) -> dict:
    """One attempts row (``_ATTEMPT_COLUMNS``) as it goes into a progress file."""
    from quizapp.progress.notebook import clean

    a = dict(zip(_ATTEMPT_COLUMNS, row))
    try:
        params = json.loads(a["params"]) if a["params"] else {}
    except (ValueError, RecursionError):
        params = {}
    a["params"] = clean(params) if isinstance(params, dict) else {}
    a["correct"] = bool(a["correct"])
    a["given"] = "" if a["given"] is None else str(a["given"])
    a["expected"] = "" if a["expected"] is None else str(a["expected"])
    if a["seed"] is not None and not isinstance(a["seed"], int):
        a["seed"] = None
    sec = a["seconds"]
    a["seconds"] = float(sec) if isinstance(sec, (int, float)) and math.isfinite(sec) \
        and sec >= 0 else None
    return a


def _attempt_rows(store, learner_id: int):
    return store.db.execute(
        f"SELECT {', '.join(_ATTEMPT_COLUMNS)} FROM attempts WHERE learner_id = ? "
        "ORDER BY id", [learner_id])


def _export_head(store, learner_id: int) -> dict:
    """Everything of a progress document but its attempts (and checksum)."""
    from quizapp import __version__
    from quizapp.progress.notebook import clean

    learner = store.get_learner(learner_id)
    achievements = [{"id": s.id, "title": s.title, "description": s.description,
                     "unlocked_at": s.unlocked_at}
                    for s in store.achievements(learner_id) if s.unlocked_at]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": clock.iso(store.clock()),
        "quizapp_version": __version__,
        "learner": {"name": learner.name, "created_at": learner.created_at},
        "achievements": achievements,
        "mastery": clean(store.mastery_by_topic(learner_id)),
    }


def export_progress(store, learner_id: int) -> dict:
    """The progress document of one learner (see the module docstring)."""
    head = _export_head(store, learner_id)
    attempts = [_export_attempt(row) for row in _attempt_rows(store, learner_id)]
    doc = {k: head[k] for k in ("format", "version", "exported_at", "quizapp_version", "learner")}
    doc["attempts"] = attempts
    doc["achievements"] = head["achievements"]
    doc["mastery"] = head["mastery"]
    return doc


def export_to_file(store, learner_id: int, path: str | os.PathLike,
                   force: bool = False) -> tuple[Path, int, int]:
    """Stream one learner's progress file to ``path`` (gzip when the name ends in ``.gz``):
    the answers go from the database to the file one at a time, checked and hashed on the
    way, so a learner with hundreds of thousands of answers needs little memory. Atomic,
    like :func:`write_export`. Returns (path, answers, achievements)."""
    path = Path(path).expanduser()
    head = _export_head(store, learner_id)
    parse_export({**head, "attempts": []}, str(path))
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name such as progress.json")
    if path.exists() and not force:
        raise FileExistsError(f"{path} already exists; add --force to replace it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"the folder {folder} does not exist")
    gz = path.name.endswith(".gz")
    digest = hashlib.sha256(_canonical(head))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    n = 0
    try:
        _usual_mode(fd, path)
        with os.fdopen(fd, "wb") as raw:
            import gzip

            out = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) if gz else raw
            written = 0

            def put(text: str) -> None:
                nonlocal written
                data = text.encode("utf-8")
                written += len(data)
                if written > MAX_JSON_BYTES:
                    raise ValueError(f"the export would be more than {MAX_JSON_BYTES // 2**20} "
                                     "MB of JSON, more than a class view reads")
                if not gz and written > MAX_BYTES:
                    raise ValueError(
                        f"the export would be more than {MAX_BYTES // 2**20} MB, more than a "
                        "class view reads: write it compressed, with a name ending in .gz "
                        f"(e.g. {path.stem}.json.gz)")
                out.write(data)

            def dump(value: Any) -> str:
                return json.dumps(value, ensure_ascii=False, allow_nan=False,
                                  separators=(",", ":"))

            put("{" + ",".join(f"{dump(k)}:{dump(head[k])}" for k in
                               ("format", "version", "exported_at", "quizapp_version",
                                "learner")) + ',"attempts":[')
            for row in _attempt_rows(store, learner_id):
                a = _export_attempt(row)
                _attempt(a, f"attempts[{n}]")  # what we write must read back
                digest.update(b"\n")
                digest.update(_canonical(a))
                put(("," if n else "") + dump(a))
                n += 1
            put("]," + f'"achievements":{dump(head["achievements"])},'
                f'"mastery":{dump(head["mastery"])},'
                f'"{CHECKSUM_KEY}":{dump("sha256:" + digest.hexdigest())}' + "}\n")
            if gz:
                out.close()
            raw.flush()
            os.fsync(raw.fileno())
        if os.path.getsize(tmp) > MAX_BYTES:
            raise ValueError(f"the export would be {os.path.getsize(tmp) / 2**20:.1f} MB even "
                             f"compressed, more than the {MAX_BYTES // 2**20} MB a class view reads")
        if force:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path)
        files.sync_folder(folder)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path, n, len(head["achievements"])


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"),
                      allow_nan=False).encode("ascii")


def content_checksum(doc: dict) -> str:
    """``"sha256:<hex>"`` of a progress document's content (see the module docstring)."""
    h = hashlib.sha256(_canonical({k: v for k, v in doc.items()
                                   if k not in ("attempts", CHECKSUM_KEY)}))
    for attempt in doc.get("attempts") or []:
        h.update(b"\n")
        h.update(_canonical(attempt))
    return "sha256:" + h.hexdigest()


def seal(doc: dict) -> dict:
    """``doc`` with its content checksum set."""
    out = {k: v for k, v in doc.items() if k != CHECKSUM_KEY}
    out[CHECKSUM_KEY] = content_checksum(out)
    return out


def write_export(path: str | os.PathLike, doc: dict, force: bool = False) -> Path:
    """Write a progress document atomically (a temporary file in the same folder, then
    moved into place): readers see the old file or the whole new one, never a part. The
    content checksum is added; a name ending in ``.gz`` is written gzip-compressed.

    Refuses (FileExistsError) to replace an existing file unless ``force``; ValueError if
    ``doc`` is not a valid progress document or would be larger than :data:`MAX_BYTES`.
    """
    path = Path(path).expanduser()
    parse_export(doc, str(path))  # what we write must read back
    doc = seal(doc)
    data = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    data = data.encode("utf-8") + b"\n"
    if len(data) > MAX_JSON_BYTES:
        raise ValueError(f"the export would be {len(data) / 2**20:.0f} MB of JSON, more than "
                         f"the {MAX_JSON_BYTES // 2**20} MB a class view reads")
    if path.name.endswith(".gz"):
        import gzip

        data = gzip.compress(data, compresslevel=6, mtime=0)
    if len(data) > MAX_BYTES:
        hint = "" if path.name.endswith(".gz") else \
            f": write it compressed, with a name ending in .gz (e.g. {path.stem}.json.gz)"
        raise ValueError(f"the export would be {len(data) / 2**20:.1f} MB, more than the "
                         f"{MAX_BYTES // 2**20} MB a class view reads{hint}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name such as progress.json")
    if path.exists() and not force:
        raise FileExistsError(f"{path} already exists; add --force to replace it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"the folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        _usual_mode(fd, path)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path)
        files.sync_folder(folder)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _usual_mode(fd: int, path: Path) -> None:
    """mkstemp makes a private file; give it the mode any new file gets (or the mode of
    the file it replaces): a progress file is meant to be handed on."""
    if os.name != "posix":
        return
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        mode = 0o666 & ~mask
    try:
        os.fchmod(fd, mode)
    except OSError:
        pass


def _place_new(tmp: str, path: Path) -> None:
    """Move ``tmp`` to ``path`` only if ``path`` does not exist (atomically where links work)."""
    try:
        os.link(tmp, path)  # fails if path exists, even if it appeared just now
    except FileExistsError:
        raise FileExistsError(f"{path} already exists; add --force to replace it") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise FileExistsError(f"{path} already exists; add --force to replace it") from None
        os.replace(tmp, path)


# ---------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Attempt:
    item_id: str
    topic: str | None
    category: str | None
    kind: str | None
    seed: int | None
    params: dict
    given: str
    expected: str
    correct: bool
    seconds: float | None
    answered_at: str
    day: str


@dataclass(frozen=True)
class ProgressExport:
    """One learner's progress file, checked."""
    learner: str
    exported_at: datetime
    exported_at_text: str
    quizapp_version: str
    attempts: tuple[Attempt, ...]
    achievements: tuple[dict, ...]
    mastery: dict
    source: str = "(in memory)"

    @property
    def key(self) -> str:
        """Who this is, for spotting the same learner exported twice."""
        return " ".join(self.learner.split()).casefold()


@dataclass(frozen=True)
class ExportProblem:
    """A file that was skipped (or a duplicate left out), and why."""
    path: str
    message: str
    duplicate: bool = False

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_json(self) -> dict:
        return {"file": self.path, "message": self.message, "duplicate": self.duplicate}


def _fail(where: str, what: str) -> ValueError:
    return ValueError(f"{where} {what}" if where else what)


def _text(value: Any, where: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _fail(where, "must be text" + (" or null" if optional else "")
                    + f", got {_type(value)}")
    return value


def _type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false",
            type(None): "null", int: "a number", float: "a number"}.get(type(value), "a value")


def _time(value: Any, where: str) -> datetime:
    text = _text(value, where)
    try:
        return clock.parse_iso(text)
    except (ValueError, OverflowError):
        raise _fail(where, f"is not a time stamp with a time zone: {text[:40]!r}") from None


def _attempt(raw: Any, where: str) -> Attempt:
    if not isinstance(raw, dict):
        raise _fail(where, f"must be an object, got {_type(raw)}")
    item_id = _text(raw.get("item_id"), f"{where}.item_id")
    if not item_id.strip():
        raise _fail(f"{where}.item_id", "is empty")
    correct = raw.get("correct")
    if not isinstance(correct, bool):
        raise _fail(f"{where}.correct", f"must be true or false, got {_type(correct)}")
    seed = raw.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise _fail(f"{where}.seed", f"must be a whole number or null, got {_type(seed)}")
    params = raw.get("params")
    if params is None:
        params = {}
    elif not isinstance(params, dict):
        raise _fail(f"{where}.params", f"must be an object, got {_type(params)}")
    seconds = raw.get("seconds")
    if seconds is not None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
                or not math.isfinite(seconds) or seconds < 0:
            raise _fail(f"{where}.seconds", "must be a number of seconds (0 or more) or null")
        seconds = float(seconds)
    answered = _time(raw.get("answered_at"), f"{where}.answered_at")
    day = raw.get("day")
    if day is None:
        day = answered.date().isoformat()
    else:
        _text(day, f"{where}.day")
        try:
            day = date.fromisoformat(day).isoformat()
        except ValueError:
            raise _fail(f"{where}.day", f"is not a date (YYYY-MM-DD): {day[:20]!r}") from None
    expected = _text(raw.get("expected"), f"{where}.expected", optional=True) or ""

    def shown(value: str | None) -> str | None:
        return None if value is None else printable(value)

    return Attempt(
        item_id=printable(item_id),
        topic=shown(_text(raw.get("topic"), f"{where}.topic", optional=True)),
        category=shown(_text(raw.get("category"), f"{where}.category", optional=True)),
        kind=shown(_text(raw.get("kind"), f"{where}.kind", optional=True)),
        seed=seed, params=params,
        given=printable(_text(raw.get("given"), f"{where}.given")),
        expected=printable(expected), correct=correct, seconds=seconds,
        answered_at=raw["answered_at"], day=day)


def parse_export(doc: Any, source: str = "(in memory)") -> ProgressExport:
    """Check a decoded progress document; ValueError saying which field is wrong."""
    if not isinstance(doc, dict):
        raise ValueError(f"not a quizapp progress file (the JSON is {_type(doc)}, "
                         "not an object)")
    if doc.get("format") != FORMAT:
        raise ValueError(f"not a quizapp progress file (format is {doc.get('format')!r}, "
                         f"expected {FORMAT!r})")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"version must be a whole number, got {_type(version)}")
    if version > VERSION:
        raise ValueError(f"written by a newer quizapp (progress format version {version}; "
                         f"this quizapp reads version {VERSION}): update quizapp")
    if version != VERSION:
        raise ValueError(f"unknown progress format version {version} (this quizapp reads "
                         f"version {VERSION})")
    exported = _time(doc.get("exported_at"), "exported_at")
    qv = doc.get("quizapp_version", "")
    qv = _text(qv, "quizapp_version", optional=True) or ""
    learner = doc.get("learner")
    if not isinstance(learner, dict):
        raise ValueError(f"learner must be an object with a name, got {_type(learner)}")
    name = _text(learner.get("name"), "learner.name")
    if len(name) > 10 * MAX_NAME:
        raise ValueError(f"learner.name is longer than {MAX_NAME} characters")
    name = printable(" ".join(name.split()))
    if not name:
        raise ValueError("learner.name is empty")
    if len(name) > MAX_NAME:
        raise ValueError(f"learner.name is longer than {MAX_NAME} characters")
    raw_attempts = doc.get("attempts")
    if not isinstance(raw_attempts, list):
        raise ValueError(f"attempts must be a list, got {_type(raw_attempts)}")
    attempts = tuple(_attempt(a, f"attempts[{i}]") for i, a in enumerate(raw_attempts))
    achievements = doc.get("achievements", [])
    if not isinstance(achievements, list):
        raise ValueError(f"achievements must be a list, got {_type(achievements)}")
    for i, a in enumerate(achievements):
        if not isinstance(a, dict):
            raise ValueError(f"achievements[{i}] must be an object, got {_type(a)}")
        _text(a.get("id"), f"achievements[{i}].id")
    mastery = doc.get("mastery", {})
    if not isinstance(mastery, dict):
        raise ValueError(f"mastery must be an object, got {_type(mastery)}")
    for topic, entry in mastery.items():
        if not isinstance(entry, dict):
            raise ValueError(f"mastery[{str(topic)[:40]!r}] must be an object, got {_type(entry)}")
    return ProgressExport(name, exported, doc["exported_at"], qv, attempts,
                          tuple(achievements), mastery, source)


def printable(text: str) -> str:
    """``text`` safe for a terminal: control and format characters (escape sequences,
    bidi overrides) become U+FFFD."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else "\ufffd" for ch in text)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in a progress file")


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file (at most MAX_BYTES); a pipe, device or socket is refused
    before it is read, so it cannot hang or flood the reader."""
    try:
        return files.read_regular(path, MAX_BYTES)
    except FileNotFoundError:
        raise ValueError("no such file") from None
    except files.NotRegularFile as exc:
        if exc.kind == "a folder":
            raise ValueError("is a folder, not a progress file") from None
        raise ValueError("not a regular file (a pipe, device or socket); not read") from None
    except files.TooLarge as exc:
        if exc.size is None:  # it grew while we read
            raise ValueError(f"too large (more than {MAX_BYTES // 2**20} MB)") from None
        raise ValueError(f"too large ({exc.size / 2**20:.1f} MB; a progress file may have at "
                         f"most {MAX_BYTES // 2**20} MB)") from None


def _gunzip(data: bytes) -> bytes:
    import zlib

    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, MAX_JSON_BYTES + 1)
    except zlib.error as exc:
        raise ValueError(f"a damaged compressed file ({exc})") from None
    if len(out) > MAX_JSON_BYTES or inflater.unconsumed_tail:
        raise ValueError(f"too large once decompressed (more than {MAX_JSON_BYTES // 2**20} MB)")
    if not inflater.eof:
        raise ValueError("a truncated compressed file")
    return out


def read_export(path: str | os.PathLike, now: datetime | None = None) -> ProgressExport:
    """Read and check one progress file; ValueError (or OSError) with a clear message.

    Beyond the format: the content checksum must match, and ``exported_at`` must not be
    later than ``now`` (default: the clock) plus :data:`CLOCK_SKEW`."""
    path = Path(path)
    data = _read_regular(path)
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    if not data.strip():
        raise ValueError("is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("not a progress file (not UTF-8 text)") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg})") from None
    except RecursionError:
        raise ValueError("not a progress file (JSON nested too deeply)") from None
    except ValueError as exc:  # NaN, or an integer with thousands of digits
        raise ValueError(f"not a progress file ({exc})") from None
    parsed = parse_export(doc, str(path))
    given = doc.get(CHECKSUM_KEY)
    if given is None:
        raise ValueError("has no checksum, so changes to it cannot be noticed (exported by an "
                         "older quizapp?): ask for a fresh export")
    if not isinstance(given, str) or given != content_checksum(doc):
        raise ValueError("its checksum does not match its content: the file was changed "
                         "after it was exported, or damaged; ask for a fresh export")
    now = now or clock.now()
    if parsed.exported_at > now + CLOCK_SKEW:
        raise ValueError(f"exported_at {printable(parsed.exported_at_text[:40])!r} is in the "
                         "future (the file, or the clock of the computer that wrote it, is "
                         "wrong); ask for a fresh export")
    return parsed


def load_exports(paths: Iterable[str | os.PathLike]) -> tuple[list[ProgressExport],
                                                               list[ExportProblem]]:
    """Read many progress files. Never raises for a bad file: it is skipped and listed in
    the problems with its name. A file named twice is read once; a learner exported more
    than once keeps only the newest export (the others are listed as duplicates)."""
    docs: list[ProgressExport] = []
    problems: list[ExportProblem] = []
    seen: set[str] = set()
    for p in paths:
        name = os.fspath(p)
        try:
            real = os.path.realpath(name)
        except (OSError, ValueError):
            real = name
        if real in seen:
            problems.append(ExportProblem(name, "named twice; read once", duplicate=True))
            continue
        seen.add(real)
        try:
            docs.append(read_export(name))
        except (OSError, ValueError) as exc:
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            problems.append(ExportProblem(name, f"skipped: {message}"))
        except Exception as exc:  # never let one odd file end the whole import
            problems.append(ExportProblem(
                name, f"skipped: unreadable ({type(exc).__name__}: {exc})"))
    kept, dupes = dedupe(docs)
    return kept, problems + dupes


def dedupe(docs: Sequence[ProgressExport]) -> tuple[list[ProgressExport], list[ExportProblem]]:
    """Keep the newest export of each learner (later in the list wins a tie)."""
    newest: dict[str, ProgressExport] = {}
    for d in docs:
        cur = newest.get(d.key)
        if cur is None or d.exported_at >= cur.exported_at:
            newest[d.key] = d
    kept = [d for d in docs if newest[d.key] is d]
    notes = [ExportProblem(
        d.source, f"skipped: an older export of learner {d.learner!r} ({_short_time(d)}); "
                  f"kept {newest[d.key].source} ({_short_time(newest[d.key])})", duplicate=True)
        for d in docs if newest[d.key] is not d]
    return kept, notes


def _short_time(d: ProgressExport) -> str:
    return d.exported_at.strftime("%Y-%m-%d %H:%M:%S UTC")


# ---------------------------------------------------------------------- class view


@dataclass
class TopicMastery:
    attempts: int = 0
    correct: int = 0
    last10_answers: int = 0
    last10_correct: int = 0
    days: int = 0
    mastered: bool = False

    @property
    def last10_share(self) -> float | None:
        return self.last10_correct / self.last10_answers if self.last10_answers else None

    def to_json(self) -> dict:
        return {"attempts": self.attempts, "correct": self.correct,
                "last10_answers": self.last10_answers, "last10_correct": self.last10_correct,
                "last10_share": self.last10_share, "days": self.days, "mastered": self.mastered}


@dataclass
class LearnerRow:
    name: str
    source: str
    exported_at: str
    quizapp_version: str
    attempts: int
    correct: int
    last_answer: str | None
    achievements: int
    topics: dict[str, TopicMastery] = field(default_factory=dict)

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None

    @property
    def topics_mastered(self) -> int:
        return sum(1 for t in self.topics.values() if t.mastered)

    def to_json(self) -> dict:
        return {"name": self.name, "source": self.source, "exported_at": self.exported_at,
                "quizapp_version": self.quizapp_version, "attempts": self.attempts,
                "correct": self.correct, "share_correct": self.share_correct,
                "last_answer": self.last_answer, "achievements": self.achievements,
                "topics_mastered": self.topics_mastered,
                "topics": {t: m.to_json() for t, m in self.topics.items()}}


@dataclass
class ItemRow:
    item_id: str
    topic: str
    attempts: int = 0
    correct: int = 0
    learners: int = 0
    wrong_answers: list[tuple[str, int]] = field(default_factory=list)

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None

    def to_json(self) -> dict:
        return {"item_id": self.item_id, "topic": self.topic, "attempts": self.attempts,
                "correct": self.correct, "share_correct": self.share_correct,
                "learners": self.learners,
                "wrong_answers": [{"answer": a, "count": n} for a, n in self.wrong_answers]}


MASTERY_COLUMNS = ("learner", "topic", "title", "attempts", "correct", "last10_answers",
                   "last10_correct", "last10_share", "mastered", "days")
ITEM_COLUMNS = ("item_id", "topic", "attempts", "correct", "share_correct", "learners") + tuple(
    f"wrong_{i}{suffix}" for i in range(1, TOP_WRONG + 1) for suffix in ("", "_count"))


@dataclass
class ClassView:
    """Learners (one row each, with per-topic mastery) and items (hardest first)."""
    learners: list[LearnerRow]
    items: list[ItemRow]
    topics: dict[str, str]  # topic id -> title, in display order
    notes: list[ExportProblem] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return sum(r.attempts for r in self.learners)

    def mastery_rows(self) -> list[tuple]:
        """Flat rows of :data:`MASTERY_COLUMNS`: one per learner and topic."""
        rows = []
        for r in self.learners:
            for topic, m in r.topics.items():
                rows.append((r.name, topic, self.topics.get(topic, topic), m.attempts, m.correct,
                             m.last10_answers, m.last10_correct, m.last10_share, m.mastered,
                             m.days))
        return rows

    def item_rows(self) -> list[tuple]:
        """Flat rows of :data:`ITEM_COLUMNS`: one per item, the top wrong answers spread out."""
        rows = []
        for it in self.items:
            wrong: list = []
            for i in range(TOP_WRONG):
                wrong += list(it.wrong_answers[i]) if i < len(it.wrong_answers) else [None, None]
            rows.append((it.item_id, it.topic, it.attempts, it.correct, it.share_correct,
                         it.learners, *wrong))
        return rows

    def to_json(self) -> dict:
        return {"learners": [r.to_json() for r in self.learners],
                "topics": dict(self.topics),
                "items": [i.to_json() for i in self.items],
                "notes": [n.to_json() for n in self.notes]}


def csv_cell(value: Any) -> Any:
    """One value of the class tables as a CSV cell (the CLI and the Progress page agree)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value == value else ""
    return "" if value is None else value


def class_view(docs: Iterable[ProgressExport | dict], bank=None) -> ClassView:
    """The class view of some progress exports (objects from :func:`load_exports`, or
    documents from :func:`export_progress`). ``bank`` (a loaded question bank, optional)
    gives topic titles and names the choices behind choice numbers."""
    parsed: list[ProgressExport] = []
    notes: list[ExportProblem] = []
    for i, d in enumerate(docs):
        if isinstance(d, ProgressExport):
            parsed.append(d)
            continue
        try:
            parsed.append(parse_export(d, f"(document {i + 1})"))
        except ValueError as exc:
            notes.append(ExportProblem(f"(document {i + 1})", f"skipped: {exc}"))
    parsed, dupes = dedupe(parsed)
    notes += dupes

    bank_topics = dict(getattr(bank, "topics", None) or {}) if bank is not None else {}
    namer = _AnswerNamer(bank)

    def topic_of(a: Attempt) -> str:
        if a.topic:
            return a.topic
        item = namer.item(a.item_id)
        return getattr(item, "topic", None) or "(no topic)"

    used_topics: set[str] = set()
    per_learner: list[tuple[ProgressExport, dict[str, list[Attempt]]]] = []
    items: dict[str, ItemRow] = {}
    wrong: dict[str, Counter] = {}
    labels: dict[tuple, str] = {}
    who: dict[str, set[str]] = {}
    for d in parsed:
        by_topic: dict[str, list[Attempt]] = {}
        for a in d.attempts:
            topic = topic_of(a)
            used_topics.add(topic)
            by_topic.setdefault(topic, []).append(a)
            row = items.get(a.item_id)
            if row is None:
                row = items[a.item_id] = ItemRow(a.item_id, topic)
            row.attempts += 1
            who.setdefault(a.item_id, set()).add(d.key)
            if a.correct:
                row.correct += 1
            else:
                key, label = namer.name(a)
                wrong.setdefault(a.item_id, Counter())[key] += 1
                labels.setdefault((a.item_id, key), label)
        per_learner.append((d, by_topic))

    order = [t for t in bank_topics if t in used_topics] + sorted(used_topics - set(bank_topics))
    topics = {t: bank_topics.get(t, t) for t in order}

    learners = []
    for d, by_topic in per_learner:
        row = LearnerRow(
            name=d.learner, source=d.source, exported_at=d.exported_at_text,
            quizapp_version=d.quizapp_version, attempts=len(d.attempts),
            correct=sum(1 for a in d.attempts if a.correct),
            last_answer=max((a.answered_at for a in d.attempts), default=None,
                            key=lambda s: clock.parse_iso(s)),
            achievements=len(d.achievements))
        for t in order:
            row.topics[t] = _mastery(by_topic.get(t, []))
        learners.append(row)
    learners.sort(key=lambda r: (r.name.casefold(), r.name))

    for item_id, row in items.items():
        row.learners = len(who[item_id])
        counts = wrong.get(item_id)
        if counts:
            top = sorted(counts.items(),
                         key=lambda kv: (-kv[1], labels[(item_id, kv[0])]))[:TOP_WRONG]
            row.wrong_answers = [(labels[(item_id, k)], n) for k, n in top]
    item_list = sorted(items.values(), key=lambda r: (r.correct / r.attempts, -r.attempts,
                                                      r.item_id))
    return ClassView(learners, item_list, topics, notes)


def _mastery(attempts: list[Attempt]) -> TopicMastery:
    recent = attempts[-queries.MASTERY_WINDOW:]
    m = TopicMastery(attempts=len(attempts), correct=sum(1 for a in attempts if a.correct),
                     last10_answers=len(recent), last10_correct=sum(1 for a in recent if a.correct),
                     days=len({a.day for a in attempts}))
    m.mastered = m.last10_correct >= queries.MASTERY_CORRECT and m.days >= queries.MASTERY_DAYS
    return m


# ---------------------------------------------------------------------- wrong answers

_TRUE = {"true", "t", "1"}
_FALSE = {"false", "f", "2"}


def number_label(value: float) -> str:
    """A number as one short text: 0.02, 1e-08, 3."""
    return "0" if value == 0 else f"{value:.12g}"


def normalise_answer(given: str, kind: str | None = None) -> tuple[tuple, str]:
    """(group key, label) of an answer without the question bank: numbers by value,
    true/false by meaning, anything else by its words ignoring case."""
    from quizapp.bank.numeric import read_number

    text = " ".join(str(given).split())
    if kind == "true_false":
        low = text.lower()
        if low in _TRUE:
            return ("bool", True), "True"
        if low in _FALSE:
            return ("bool", False), "False"
    value, _ = read_number(text)
    if value is not None:
        if kind in ("choice", "computed_choice") and float(value).is_integer():
            n = int(value)
            return ("shown", n), f"choice {n} (as shown)"
        value = float(value) + 0.0  # -0.0 -> 0.0
        return ("num", value), number_label(value)
    return ("text", text.casefold()), text if text else "(blank)"


class _AnswerNamer:
    """Normalises wrong answers, with the bank when there is one (instances cached)."""

    def __init__(self, bank):
        self.bank = bank
        self._cache: dict[tuple, Any] = {}

    def item(self, item_id: str):
        items = getattr(self.bank, "items", None)
        if not items:
            return None
        try:
            return items.get(item_id)
        except Exception:
            return None

    def name(self, a: Attempt) -> tuple[tuple, str]:
        named = self._with_bank(a) if self.bank is not None else None
        if named is not None:
            return named
        return normalise_answer(a.given, a.kind)

    def _instance(self, a: Attempt):
        key = (a.item_id, a.seed)
        if key not in self._cache:
            try:
                self._cache[key] = self.bank.instance(a.item_id, a.seed)
            except Exception:  # a changed or broken item: fall back to the plain text
                self._cache[key] = None
        return self._cache[key]

    def _with_bank(self, a: Attempt) -> tuple[tuple, str] | None:
        item = self.item(a.item_id)
        if item is None or a.seed is None:
            return None
        inst = self._instance(a)
        if inst is None:
            return None
        if a.expected and getattr(inst, "answer_text", None) != a.expected:
            return None  # the bank changed since: do not guess which choice was meant
        try:
            grade = self.bank.grade(inst, a.given)
        except Exception:
            return None
        if grade.correct is None or grade.given is None:
            return None
        kind = getattr(inst, "kind", None)
        if kind in ("multiple", "ordering", "matching", "short"):
            return _part_name(kind, inst, grade.given)
        if kind == "numeric":
            value = float(grade.given) + 0.0
            return ("num", value), number_label(value)
        if kind == "true_false":
            return ("bool", bool(grade.given)), "True" if grade.given else "False"
        choices = getattr(inst, "choices", None) or []
        pick = grade.given
        if isinstance(pick, bool) or not isinstance(pick, int) or not 1 <= pick <= len(choices):
            return None
        order = getattr(inst, "choice_order", None)
        written = order[pick - 1] if order and len(order) >= pick else pick
        if kind == "computed_choice":
            formulas = getattr(getattr(item, "answer", None), "formulas", ()) or ()
            if 1 <= written <= len(formulas):
                text = getattr(formulas[written - 1], "text", str(formulas[written - 1]))
                return ("choice", written), f"option {written}: {text}"
            return ("choice", written), f"option {written}"
        from quizapp.textmath import tex_to_text

        return ("choice", written), tex_to_text(choices[pick - 1])


def _part_name(kind: str, inst, given) -> tuple[tuple, str]:
    """A wrong answer of a part kind named by what it picked, whatever the shuffle."""
    from quizapp.progress.textmath import tex_to_text
    from quizapp.bank.kinds import normalise_short

    if kind == "short":
        text = " ".join(str(given).split())
        return ("short", normalise_short(text)), text or "(blank)"
    choices = list(getattr(inst, "choices", None) or [])
    order = getattr(inst, "choice_order", None) or list(range(1, len(choices) + 1))
    picks = list(given)
    if kind == "multiple":
        written = tuple(sorted(order[p - 1] for p in picks))
        return ("multiple", written), "; ".join(tex_to_text(choices[p - 1]) for p in sorted(picks))
    if kind == "ordering":
        written = tuple(order[p - 1] for p in picks)
        return ("ordering", written), " \u2192 ".join(tex_to_text(choices[p - 1]) for p in picks)
    targets = list(getattr(inst, "targets", None) or [])
    pairs = tuple(sorted((order[i], targets[t - 1]) for i, t in enumerate(picks)))
    label = "; ".join(f"{tex_to_text(choices[i])} \u2192 {tex_to_text(targets[t - 1])}"
                      for i, t in enumerate(picks))
    return ("matching", pairs), label
