"""What the Author page knows without Qt: the folders' items, values typed in fields,
new ids, and one evaluation (check + preview) of an item table.

An *item table* is the dict shape of one ``[[item]]`` (see :mod:`quizapp.bank.tomlwrite`).
The page edits tables; this module turns the text of form fields into table values
and back, scans folders of TOML files (keeping items the loader would leave out, so a
broken item can be opened and fixed), and runs the same checks as ``quizapp bank
check`` on one table. No Qt here, so all of it is tested quickly and headless.
"""
from __future__ import annotations

import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizapp.bank.loader import ID_RE, MAX_FILE_BYTES
from quizapp.bank.model import CATEGORIES

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

PARAM_KINDS = ("constant", "choice", "range", "loguniform", "randint", "derived")
#: what the values field of a parameter row holds, per kind (placeholder text)
PARAM_HINTS = {
    "constant": "a number, true/false or a text, e.g. 0.9",
    "choice": "values, e.g. 5, 10, 20",
    "range": "lo, hi, e.g. 0.001, 0.01",
    "loguniform": "lo, hi, e.g. 1e-8, 1e-4",
    "randint": "lo, hi, e.g. 2, 6",
    "derived": "a formula, e.g. lr / 2",
}
TOLERANCE_KINDS = ("relative", "absolute", "sigfigs")
DEFAULT_TOLERANCE = ("relative", 0.01)
DEFAULT_DISPLAY = ".4g"

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


# ---------------------------------------------------------------- values in fields


def parse_scalar(text: str) -> Any:
    """A field's text as a TOML value: whole number, number, true/false, or text.

    ``"0.9"`` -> 0.9, ``"3"`` -> 3, ``"true"`` -> True, ``'"sgd"'`` -> "sgd", ``"sgd"`` -> "sgd".
    """
    s = text.strip()
    if _INT.match(s):
        try:
            return int(s)
        except ValueError:  # pragma: no cover - the pattern only matches digits
            return s
    if _FLOAT.match(s):
        value = float(s)
        return value if math.isfinite(value) else s
    if s in ("true", "false"):
        return s == "true"
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        try:
            value = tomllib.loads("x = " + s)["x"]
        except tomllib.TOMLDecodeError:
            return s[1:-1]
        return value if isinstance(value, str) else s
    return s


def format_scalar(value: Any, in_list: bool = False) -> str:
    """The text :func:`parse_scalar` reads back as ``value``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        plain = parse_scalar(value) == value and value == value.strip() and value != ""
        if plain and not (in_list and ("," in value or '"' in value)):
            return value
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def parse_list(text: str) -> list[Any]:
    """Comma-separated values: ``5, 10, 20`` or ``"sgd", "adam"`` or ``sgd, adam``."""
    s = text.strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    if not s:
        return []
    try:
        return list(tomllib.loads(f"x = [{s}]")["x"])
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return [parse_scalar(p) for p in s.split(",") if p.strip()]


def format_list(values: Any) -> str:
    if not isinstance(values, (list, tuple)):
        return format_scalar(values)
    return ", ".join(format_scalar(v, in_list=True) for v in values)


def parse_number_or_text(text: str) -> Any:
    """A numeric answer's value: a number when the text is one, else a formula (text)."""
    value = parse_scalar(text)
    if isinstance(value, bool) or isinstance(value, str):
        return text.strip()
    return value


# ---------------------------------------------------------------- parameters


@dataclass
class ParamRow:
    """One parameter as the form shows it."""

    name: str = ""
    kind: str = "constant"
    values: str = ""
    step: str = ""
    sigfigs: str = ""  # empty = the default


def row_from_spec(name: str, spec: Any) -> ParamRow:
    if not isinstance(spec, dict):
        return ParamRow(name, "constant", format_scalar(spec))
    kind = next((k for k in PARAM_KINDS[1:] if k in spec), None)
    if kind is None:  # not something the form can show: keep the text, the check explains
        return ParamRow(name, "constant", format_scalar(str(spec)))
    body = spec.get(kind)
    values = body if kind == "derived" and isinstance(body, str) else format_list(body)
    step = spec.get("step")
    sig = spec.get("sigfigs")
    return ParamRow(name, kind, str(values), "" if step is None else format_scalar(step),
                    "" if sig is None else format_scalar(sig))


def spec_from_row(row: ParamRow) -> Any:
    kind = row.kind
    if kind == "constant":
        return parse_scalar(row.values)
    if kind == "derived":
        spec: dict[str, Any] = {"derived": row.values.strip()}
    elif kind == "choice":
        spec = {"choice": parse_list(row.values)}
    else:
        spec = {kind: parse_list(row.values)}
        if kind == "range" and row.step.strip():
            spec["step"] = parse_scalar(row.step)
    if row.sigfigs.strip() and kind in ("range", "loguniform", "derived"):
        spec["sigfigs"] = parse_scalar(row.sigfigs)
    return spec


def params_from_rows(rows: list[ParamRow]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The ``params`` table and the problems a table cannot hold: (field, message)."""
    params: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for i, row in enumerate(rows, 1):
        name = row.name.strip()
        if not name:
            problems.append((f"params#{i}", f"parameter {i} needs a name"))
            continue
        if name in params:
            problems.append((f"params.{name}", f"parameter {name!r} is defined twice"))
            continue
        params[name] = spec_from_row(row)
    return params, problems


# ---------------------------------------------------------------- ids and new items


# ---------------------------------------------------------------------- the part kinds' fields

PAIR_ARROW = "->"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def part_fields(answer: dict[str, Any]) -> dict[str, Any]:
    """The form's text fields for an ordering, matching or short answer table."""
    def texts(key: str) -> list[str]:
        v = answer.get(key, [])
        v = [v] if isinstance(v, str) else v
        return [str(x) for x in v] if isinstance(v, list) else []

    pairs = answer.get("pairs", [])
    pair_lines = [f"{p[0]} {PAIR_ARROW} {p[1]}" for p in pairs
                  if isinstance(p, list) and len(p) == 2] if isinstance(pairs, list) else []
    typos = answer.get("typos", 0)
    return {"steps": "\n".join(texts("steps")), "pairs": "\n".join(pair_lines),
            "extras": "\n".join(texts("extras")), "accept": "\n".join(texts("accept")),
            "reject": "\n".join(texts("reject")),
            "typos": typos if isinstance(typos, int) and not isinstance(typos, bool) else 0}


def part_answer(kind: str, fields: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The answer table's keys from the form's text fields, and what they cannot hold.

    ``steps``, ``extras``, ``accept`` and ``reject``: one entry per line; ``pairs``: one
    ``left -> right`` per line (split at the first arrow)."""
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    if kind == "ordering":
        out["steps"] = _lines(fields.get("steps", ""))
    elif kind == "matching":
        pairs = []
        for n, line in enumerate(_lines(fields.get("pairs", "")), 1):
            left, arrow, right = line.partition(PAIR_ARROW)
            if not arrow or not left.strip() or not right.strip():
                problems.append((f"answer.pairs[{n}]", f"line {n} ({line[:40]!r}) is not "
                                                       f"'left {PAIR_ARROW} right'"))
                continue
            pairs.append([left.strip(), right.strip()])
        out["pairs"] = pairs
        extras = _lines(fields.get("extras", ""))
        if extras:
            out["extras"] = extras
    elif kind == "short":
        out["accept"] = _lines(fields.get("accept", ""))
        reject = _lines(fields.get("reject", ""))
        if reject:
            out["reject"] = reject
        typos = fields.get("typos", 0) or 0
        if typos:
            out["typos"] = int(typos)
    return out, problems


def unique_id(base: str, used: set[str] | frozenset[str], suffix: str = "-copy") -> str:
    """``base + suffix`` (or ``-2``, ``-3``, ...) not in ``used``, a valid id (≤ 100 chars)."""
    base = re.sub(r"[^a-z0-9._-]+", "-", base.lower()).strip("-._") or "item"
    stem = (base + suffix)[:96].rstrip("-._") if suffix else base[:96]
    candidate, n = stem, 2
    while candidate in used or not ID_RE.match(candidate):
        candidate = f"{stem}-{n}"
        n += 1
    return candidate


def new_item_table(topic: str | None, used: set[str]) -> dict[str, Any]:
    """A small valid choice item to start from."""
    base = f"{topic}.new-question" if topic else "new-question"
    return {
        "id": unique_id(base, used, suffix=""),
        "category": "choice",
        "difficulty": 2,
        "prompt": "Write the question here.",
        "explanation": "Say why the right answer is right, and what the wrong ones miss.",
        "answer": {"kind": "choice", "choices": ["The right answer", "A tempting wrong answer"],
                   "correct": 1},
    }


def file_name_for(topic: str, folder: Path) -> Path:
    """A free ``<topic>.toml`` (or ``<topic>-2.toml``, ...) in ``folder``."""
    stem = re.sub(r"[^a-z0-9_-]+", "-", topic.lower()).strip("-") or "questions"
    path, n = folder / f"{stem}.toml", 2
    while path.exists():
        path = folder / f"{stem}-{n}.toml"
        n += 1
    return path


# ---------------------------------------------------------------- folders


@dataclass
class ItemEntry:
    """One ``[[item]]`` of a file, as written (even when the loader would reject it)."""

    file: "FileEntry"
    index: int
    table: dict[str, Any]

    @property
    def id(self) -> str:
        value = self.table.get("id")
        return value if isinstance(value, str) and value else f"<item {self.index + 1}>"

    @property
    def topic(self) -> str:
        value = self.table.get("topic", self.file.topic)
        return value if isinstance(value, str) else ""

    @property
    def category(self) -> str:
        value = self.table.get("category")
        return value if isinstance(value, str) else ""

    @property
    def kind(self) -> str:
        ans = self.table.get("answer")
        value = ans.get("kind") if isinstance(ans, dict) else None
        return value if isinstance(value, str) else ""

    @property
    def prompt(self) -> str:
        value = self.table.get("prompt")
        return value if isinstance(value, str) else ""

    @property
    def read_only(self) -> bool:
        return self.file.read_only

    def search_text(self) -> str:
        tags = self.table.get("tags")
        tags = " ".join(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else ""
        ans = self.table.get("answer")
        choices = ans.get("choices") if isinstance(ans, dict) else None
        choices = " ".join(c for c in choices if isinstance(c, str)) if isinstance(choices, list) else ""
        expl = self.table.get("explanation")
        expl = expl if isinstance(expl, str) else ""
        return " ".join((self.id, self.topic, self.category, self.kind, tags, self.prompt, expl,
                         choices)).lower()

    def matches(self, text: str = "", topic: str | None = None, category: str | None = None) -> bool:
        if topic and self.topic != topic:
            return False
        if category and self.category != category:
            return False
        hay = self.search_text()
        return all(word in hay for word in text.lower().split())


@dataclass
class FileEntry:
    path: Path
    read_only: bool
    topic: str | None = None
    title: str | None = None
    error: str | None = None  # why the file cannot be listed or edited
    items: list[ItemEntry] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.path.name


def read_file(path: Path, read_only: bool = False) -> FileEntry:
    entry = FileEntry(Path(path), read_only)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            entry.error = f"{size:,} bytes: larger than the 1 MB limit"
            return entry
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        entry.error = f"cannot read: {exc.strerror or exc}"
        return entry
    except UnicodeDecodeError:
        entry.error = "not UTF-8 text"
        return entry
    try:
        doc = tomllib.loads(text.lstrip("\ufeff"))
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        entry.error = f"not valid TOML: {exc}"
        return entry
    topic, title = doc.get("topic"), doc.get("title")
    entry.topic = topic if isinstance(topic, str) else None
    entry.title = title if isinstance(title, str) else None
    raw = doc.get("item", [])
    if not isinstance(raw, list):
        entry.error = "items are not written as [[item]] tables"
        return entry
    entry.items = [ItemEntry(entry, i, t) for i, t in enumerate(raw) if isinstance(t, dict)]
    return entry


def toml_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.glob("*.toml") if p.is_file())
    if path.is_file():
        return [path]
    return []


def scan(paths: list[Path], read_only: bool = False) -> list[FileEntry]:
    seen: set[Path] = set()
    out = []
    for p in paths:
        for f in toml_files(Path(p)):
            key = f.resolve()
            if key in seen:
                continue
            seen.add(key)
            out.append(read_file(f, read_only))
    return out


def same_path(a: Path | str | None, b: Path | str | None) -> bool:
    if a is None or b is None:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


# ---------------------------------------------------------------- one evaluation


@dataclass
class Evaluation:
    """What the page shows for one state of the form."""

    generation: int
    seed: int
    problems: list | None  # None when only the preview was asked for
    item: Any = None  # the loaded Item, or None when the table has errors
    instance: Any = None
    error: str | None = None  # why no instance could be drawn

    @property
    def errors(self) -> list:
        return [p for p in self.problems or [] if p.severity == "error"]


def build_item(table: dict[str, Any], topic: str | None):
    """The :class:`~quizapp.bank.model.Item` for ``table``, or None when it does not load."""
    from quizapp.bank.loader import load_text
    from quizapp.bank.tomlwrite import TomlWriteError, _clean, item_text

    import tomlkit

    try:
        text = item_text(_clean(table))
    except (TomlWriteError, ValueError, TypeError):
        return None
    head = f"topic = {tomlkit.string(topic).as_string()}\n" if topic else ""
    bank = load_text(head + text, "<item>")
    return next(iter(bank.items.values()), None)


def evaluate(table: dict[str, Any], topic: str | None, seed: int, generation: int = 0,
             check: bool = True, draws: int = 20) -> Evaluation:
    """Check ``table`` as ``quizapp bank check`` does (when ``check``) and draw seed ``seed``."""
    from quizapp.bank.errors import BankError
    from quizapp.bank.sampling import instantiate
    from quizapp.bank.tomlwrite import check_item_table

    problems = check_item_table(table, topic=topic, draws=draws) if check else None
    result = Evaluation(generation, seed, problems)
    item = build_item(table, topic)
    result.item = item
    if item is None:
        result.error = "The item has errors; fix them to see it drawn."
        return result
    try:
        result.instance = instantiate(item, seed)
    except BankError as exc:
        result.error = f"Seed {seed} cannot be drawn: {exc}"
    except (ArithmeticError, ValueError, TypeError) as exc:  # a safety net for odd formulas
        result.error = f"Seed {seed} cannot be drawn: {type(exc).__name__}: {exc}"
    return result


__all__ = [
    "PARAM_KINDS", "PARAM_HINTS", "TOLERANCE_KINDS", "CATEGORIES", "parse_scalar", "format_scalar",
    "parse_list", "format_list", "parse_number_or_text", "ParamRow", "row_from_spec",
    "spec_from_row", "params_from_rows", "unique_id", "new_item_table", "file_name_for",
    "ItemEntry", "FileEntry", "read_file", "scan", "toml_files", "same_path", "Evaluation",
    "build_item", "evaluate",
]
