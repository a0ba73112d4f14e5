"""Loading TOML question files into a :class:`~quizapp.bank.model.Bank`.

Every problem is recorded as a :class:`~quizapp.bank.errors.BankProblem` with the
file, the line, the item id and the field; an item with an error is left out and the
others load. tomllib gives no line numbers for values, so lines are found in the text:
the n-th ``[[item]]`` header starts the n-th item's block, and a field's line is the
first ``field =`` (or ``[item.field]`` header) inside that block.
"""
from __future__ import annotations

import math
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any, Iterable

from quizapp import files as _files
from quizapp.bank.errors import BankProblem, FormulaError
from quizapp.bank.formulas import Formula, RESERVED_NAMES, shown as _shown
from quizapp.bank.model import (
    ANSWER_KINDS, CATEGORIES, PRESETS, Answer, Bank, Item, Param, Tolerance,
)
from quizapp.bank.render import Template, TemplateError, format_value, parse_template

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

MAX_FILE_BYTES = 1024 * 1024      # 1 MB per file
MAX_NESTING = 16                  # tables/arrays inside each other
MAX_ITEMS_PER_FILE = 2000
MAX_TEXT = 10_000                 # characters of a prompt or explanation
MAX_CHOICES = 12
MAX_PARAMS = 50
MAX_CHOICE_VALUES = 1000
MAX_GRID = 1_000_000              # values of a stepped range
MAX_RANDINT_SPAN = 10**9
MAX_MAGNITUDE = 1e12
FORMAT_VERSION = 1

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
PARAM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_ITEM_HEADER = re.compile(r"^\s*\[\[\s*item\s*\]\]")
_LINE_IN_MSG = re.compile(r"line (\d+)")

TOP_FIELDS = {"topic", "title", "format", "item", "description"}
ITEM_FIELDS = {"id", "topic", "category", "difficulty", "tags", "prompt", "explanation", "preset",
               "constraints", "params", "answer"}
ANSWER_FIELDS = {
    "numeric": {"kind", "value", "tolerance", "display", "unit"},
    "choice": {"kind", "choices", "correct"},
    "true_false": {"kind", "value"},
    "computed_choice": {"kind", "choices", "correct", "display", "unit", "tolerance"},
    "multiple": {"kind", "choices", "correct"},
    "ordering": {"kind", "steps"},
    "matching": {"kind", "pairs", "extras"},
    "short": {"kind", "accept", "reject", "typos"},
}
MAX_STEPS = 10    # ordering steps; matching pairs
MIN_STEPS = 3
PARAM_KINDS = ("choice", "range", "loguniform", "randint", "derived")
PARAM_EXTRAS = {"range": {"step", "sigfigs"}, "loguniform": {"sigfigs"}, "derived": {"sigfigs"},
                "choice": set(), "randint": set()}


class _Bad(Exception):
    """Internal: a field is wrong; carries the field path and message."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# ------------------------------------------------------------------ line finding


class _Lines:
    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers = [i for i, line in enumerate(self.lines) if _ITEM_HEADER.match(line)]
        self._fallback = next((i for i, line in enumerate(self.lines)
                               if re.match(r"^\s*item\s*=", line)), 0)

    def block(self, index: int) -> tuple[int, int]:
        if index < len(self.headers):
            start = self.headers[index]
            end = self.headers[index + 1] if index + 1 < len(self.headers) else len(self.lines)
            return start, end
        return self._fallback, len(self.lines)

    def item_line(self, index: int, item_id: str | None) -> int:
        start, end = self.block(index)
        if item_id:
            pat = re.compile(r"^\s*id\s*=\s*[\"']" + re.escape(item_id) + r"[\"']")
            for i in range(start, end):
                if pat.match(self.lines[i]):
                    return i + 1
        return start + 1

    def field_line(self, index: int, field: str | None, item_id: str | None) -> int:
        base = self.item_line(index, item_id)
        if not field:
            return base
        start, end = self.block(index)
        tokens = [re.sub(r"\[\d+\]$", "", t) for t in field.split(".")]
        pos, found = start, False
        for depth, tok in enumerate(tokens):
            header = re.compile(r"^\s*\[\s*item\." + r"\s*\.\s*".join(map(re.escape, tokens[: depth + 1]))
                                + r"\s*\]")
            key = re.compile(r"^\s*[\"']?" + re.escape(tok) + r"[\"']?\s*=")
            hit = next((i for i in range(pos, end) if header.match(self.lines[i])), None)
            if hit is None:
                hit = next((i for i in range(pos, end) if key.match(self.lines[i])), None)
            if hit is None:
                break
            pos, found = hit, True
        return pos + 1 if found else base


# ------------------------------------------------------------------ public API


def load_bank(paths: Iterable[str | os.PathLike] | str | os.PathLike | None = None) -> Bank:
    """Load files and folders of TOML items; ``None`` loads the shipped bank."""
    if paths is None:
        from quizapp.resources import bank_dir

        paths = [bank_dir()]
    elif isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    loader = _Loader()
    for p in paths:
        loader.add_path(Path(p))
    return Bank(loader.items, loader.problems, loader.topics, loader.files)


def _bank_files(paths) -> list[Path]:
    from quizapp.resources import bank_dir

    if paths is None:
        roots = [bank_dir()]
    elif isinstance(paths, (str, os.PathLike)):
        roots = [Path(paths)]
    else:
        roots = [Path(p) for p in paths]
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            files += sorted(root.glob("*.toml"))
        elif root.is_file():
            files.append(root)
    return files


def _header(path: Path) -> dict[str, Any]:
    """The top-level fields of a bank file (everything before its first table)."""
    try:
        with open(path, encoding="utf-8") as fh:
            head = []
            for line in fh:
                if line.lstrip().startswith("["):
                    break
                head.append(line)
        doc = tomllib.loads("".join(head).lstrip("\ufeff"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    return doc


def topic_titles(paths: Iterable[str | os.PathLike] | str | os.PathLike | None = None) -> dict[str, str]:
    """Topic id -> title of every bank file (the shipped bank by default), read from the
    files' headers only: a few milliseconds, where loading every item takes half a second.
    Unreadable files are skipped (``quizapp bank check`` reports them)."""
    out: dict[str, str] = {}
    for path in _bank_files(paths):
        doc = _header(path)
        topic, title = doc.get("topic"), doc.get("title")
        if isinstance(topic, str) and ID_RE.match(topic):
            out.setdefault(topic, title if isinstance(title, str) and title else
                           topic.replace("-", " ").capitalize())
    return out


MAX_PROMPT_FILE_BYTES = 4 * 1024 * 1024


def item_prompts(item_ids: Iterable[str],
                 paths: Iterable[str | os.PathLike] | str | os.PathLike | None = None) -> dict[str, str]:
    """Item id -> its prompt (``$math$`` and markup included; each ``{param}`` placeholder
    shown as "…", since no value is drawn), for showing a question by its text without
    loading and checking the whole bank: only the files whose topic is the id's prefix
    are read. Ids not found are left out."""
    wanted = {i for i in item_ids if isinstance(i, str)}
    topics = {i.split(".", 1)[0] for i in wanted}
    out: dict[str, str] = {}
    for path in _bank_files(paths):
        if _header(path).get("topic") not in topics:
            continue
        try:
            if path.stat().st_size > MAX_PROMPT_FILE_BYTES:
                continue
            doc = tomllib.loads(path.read_text(encoding="utf-8").lstrip("\ufeff"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        for raw in doc.get("item", []) if isinstance(doc.get("item"), list) else []:
            if isinstance(raw, dict) and raw.get("id") in wanted and isinstance(raw.get("prompt"), str):
                params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
                names = "|".join(re.escape(str(n)) for n in params)
                text = re.sub(r"\{(?:%s)(?::[^{}]*)?\}" % names, "…", raw["prompt"]) if names else raw["prompt"]
                out.setdefault(raw["id"], text)
    return out


def load_text(text: str, name: str = "<text>") -> Bank:
    """Load one file's worth of TOML text (tests, previews in the authoring UI)."""
    loader = _Loader()
    loader.add_text(text, name)
    return Bank(loader.items, loader.problems, loader.topics, loader.files)


def _display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


class _Loader:
    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.where: dict[str, tuple[str, int]] = {}
        self.problems: list[BankProblem] = []
        self.topics: dict[str, str] = {}
        self.files: list[str] = []

    def problem(self, file: str, line: int, item_id: str | None, field: str | None,
                message: str, severity: str = "error") -> None:
        self.problems.append(BankProblem(file, line, item_id, field, message, severity))

    def add_path(self, path: Path) -> None:
        shown = _display_path(path)
        try:
            mode = path.stat().st_mode   # follows symlinks: what the path leads to
        except OSError as exc:
            if isinstance(exc, FileNotFoundError) and path.is_symlink():
                self.problem(shown, 0, None, None, "a symbolic link to nothing (its target is missing)")
            elif isinstance(exc, FileNotFoundError):
                self.problem(shown, 0, None, None, "no such file or folder")
            else:
                self.problem(shown, 0, None, None, f"cannot read it: {exc.strerror or exc}")
            return
        if stat.S_ISDIR(mode):
            self.add_folder(path)
        elif stat.S_ISREG(mode):
            self.add_file(path)
        else:
            self.problem(shown, 0, None, None, _not_regular(mode))

    def add_folder(self, path: Path) -> None:
        """Every regular ``*.toml`` directly inside; sub-folders and other entries named
        ``*.toml`` (devices, FIFOs, sockets, broken links) are reported, one line each."""
        shown = _display_path(path)
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as exc:
            self.problem(shown, 0, None, None, f"cannot list the folder: {exc.strerror or exc}")
            return
        files = others = 0
        for entry in entries:
            where = _display_path(Path(entry.path))
            try:
                mode = os.stat(entry.path).st_mode
            except OSError:
                if entry.name.endswith(".toml"):
                    self.problem(where, 0, None, None, "a symbolic link to nothing (its target is "
                                                       "missing); skipped", "warning")
                    others += 1
                continue
            if stat.S_ISDIR(mode):
                if not entry.name.startswith((".", "__")):
                    self.problem(where, 0, None, None,
                                 "a sub-folder: not read (only the .toml files directly in "
                                 f"{shown} are loaded); pass it with its own --bank to load it",
                                 "warning")
                continue
            if not entry.name.endswith(".toml"):
                continue
            if not stat.S_ISREG(mode):
                self.problem(where, 0, None, None, _not_regular(mode) + "; skipped")
                others += 1
                continue
            files += 1
            self.add_file(Path(entry.path))
        if not files and not others:
            self.problem(shown, 0, None, None, "folder holds no .toml files", "warning")

    def add_file(self, path: Path) -> None:
        shown = _display_path(path)
        try:
            data = read_regular(path)
        except NotRegularFile as exc:
            self.problem(shown, 0, None, None, str(exc))
            return
        except TooLarge as exc:
            self.problem(shown, 0, None, None, str(exc))
            return
        except OSError as exc:
            self.problem(shown, 0, None, None, f"cannot read the file: {exc.strerror or exc}")
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.problem(shown, line, None, None, "the file is not UTF-8 text")
            return
        self.add_text(text, shown)

    def add_text(self, text: str, shown: str) -> None:
        self.files.append(shown)
        if not isinstance(text, str):
            self.problem(shown, 0, None, None, "not text")
            return
        if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
            self.problem(shown, 0, None, None, f"file is larger than {MAX_FILE_BYTES:,} bytes (1 MB)")
            return
        if text.startswith("\ufeff"):
            text = text[1:]
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = _LINE_IN_MSG.search(str(exc))
            line = int(m.group(1)) if m else 0
            self.problem(shown, line, None, None, f"not valid TOML: {exc}")
            return
        except RecursionError:
            self.problem(shown, 0, None, None, "not accepted: tables or arrays are nested far too deeply")
            return
        except (ValueError, MemoryError) as exc:  # pragma: no cover - tomllib raises TOMLDecodeError
            self.problem(shown, 0, None, None, f"not valid TOML: {exc}")
            return
        depth = _depth(doc)
        if depth > MAX_NESTING:
            self.problem(shown, 0, None, None,
                         f"not accepted: values are nested {depth} levels deep (the limit is {MAX_NESTING})")
            return
        self._add_doc(doc, text, shown)

    def _add_doc(self, doc: dict[str, Any], text: str, shown: str) -> None:
        lines = _Lines(text)

        def top_line(key: str) -> int:
            pat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
            return next((i + 1 for i, line in enumerate(lines.lines) if pat.match(line)), 1)

        for key in doc:
            if key not in TOP_FIELDS:
                self.problem(shown, top_line(key), None, key,
                             f"unknown top-level field {key!r} (known: format, topic, title, item)",
                             "warning")
        fmt = doc.get("format", FORMAT_VERSION)
        if isinstance(fmt, bool) or not isinstance(fmt, int):
            self.problem(shown, top_line("format"), None, "format", "format must be a whole number (1)")
            return
        if fmt > FORMAT_VERSION:
            self.problem(shown, top_line("format"), None, "format",
                         f"format {fmt} is newer than this quizapp understands ({FORMAT_VERSION}); update quizapp")
            return
        file_topic = doc.get("topic")
        if file_topic is not None and not (isinstance(file_topic, str) and ID_RE.match(file_topic)):
            self.problem(shown, top_line("topic"), None, "topic",
                         "topic must be a short lowercase id such as \"adam\"")
            file_topic = None
        title = doc.get("title")
        if title is not None and not isinstance(title, str):
            self.problem(shown, top_line("title"), None, "title", "title must be text", "warning")
            title = None
        if isinstance(file_topic, str):
            if title:
                self.topics[file_topic] = title
            else:
                self.topics.setdefault(file_topic, file_topic.replace("-", " ").capitalize())
        raw_items = doc.get("item", [])
        if not isinstance(raw_items, list):
            self.problem(shown, top_line("item"), None, "item",
                         "items must be written as [[item]] tables")
            return
        if not raw_items:
            self.problem(shown, 1, None, None, "the file holds no [[item]]", "warning")
        if len(raw_items) > MAX_ITEMS_PER_FILE:
            self.problem(shown, 1, None, None,
                         f"{len(raw_items)} items; the limit is {MAX_ITEMS_PER_FILE} per file")
            return
        for index, raw in enumerate(raw_items):
            self._add_item(index, raw, file_topic, shown, lines)

    def _add_item(self, index: int, raw: Any, file_topic: str | None, shown: str,
                  lines: _Lines) -> None:
        if not isinstance(raw, dict):
            self.problem(shown, lines.item_line(index, None), f"<item {index + 1}>", None,
                         "an item must be a table ([[item]])")
            return
        raw_id = raw.get("id")
        item_id = raw_id if isinstance(raw_id, str) and raw_id else None
        label = item_id or f"<item {index + 1}>"
        issues: list[tuple[str | None, str, str]] = []
        try:
            item = _build_item(raw, item_id, file_topic, issues)
        except Exception as exc:  # a safety net: report, never crash the whole bank
            issues.append((None, f"internal error while reading this item: {type(exc).__name__}: {exc}",
                           "error"))
            item = None
        line = lines.item_line(index, item_id)
        for field, message, severity in issues:
            self.problem(shown, lines.field_line(index, field, item_id), label, field, message, severity)
        if item is None or any(sev == "error" for _, _, sev in issues):
            return
        if item.id in self.items:
            first_file, first_line = self.where[item.id]
            self.problem(shown, line, item.id, "id",
                         f"duplicate id: already used at {first_file}:{first_line}; ids must be unique")
            return
        if item.topic not in self.topics:
            self.topics[item.topic] = item.topic.replace("-", " ").capitalize()
        item = _with_location(item, shown, line, self.topics.get(item.topic, ""))
        self.items[item.id] = item
        self.where[item.id] = (shown, line)


class NotRegularFile(_files.NotRegularFile):
    """The path leads to a device, a FIFO, a socket or a folder, not a regular file."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.args = (f"not a regular file ({kind}); only regular .toml files are read",)

    def __str__(self) -> str:
        return self.args[0]


class TooLarge(_files.TooLarge):
    """The file is larger than the limit."""

    def __str__(self) -> str:
        if self.size is not None:
            return f"file is {self.size:,} bytes; the limit is {self.limit:,} (1 MB): split it"
        return f"file is larger than {self.limit:,} bytes (1 MB)"


def read_regular(path: str | os.PathLike, limit: int | None = None) -> bytes:
    """The bytes of a regular .toml file of at most ``limit`` bytes (default MAX_FILE_BYTES),
    read without blocking (:func:`quizapp.files.read_regular`): a FIFO put in place of the
    file cannot make the app wait, and no more than ``limit + 1`` bytes are read."""
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        return _files.read_regular(path, limit)
    except _files.NotRegularFile as exc:
        raise NotRegularFile(exc.kind) from None
    except _files.TooLarge as exc:
        raise TooLarge(exc.limit, exc.size) from None


def _not_regular(mode: int) -> str:
    return f"not a regular file ({_files.kind_of(mode)}); only regular .toml files are read"


def _with_location(item: Item, source: str, line: int, title: str) -> Item:
    from dataclasses import replace

    return replace(item, source=source, line=line, title=title)


def _depth(value: Any) -> int:
    best = 0
    stack = [(value, 0)]
    while stack:
        v, d = stack.pop()
        best = max(best, d)
        if d > MAX_NESTING + 1:
            return d
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return best


# ------------------------------------------------------------------ building an item


def _build_item(raw: dict[str, Any], item_id: str | None, file_topic: str | None,
                issues: list[tuple[str | None, str, str]]) -> Item | None:
    def err(field: str | None, message: str) -> None:
        issues.append((field, message, "error"))

    def warn(field: str | None, message: str) -> None:
        issues.append((field, message, "warning"))

    for key in raw:
        if key not in ITEM_FIELDS:
            warn(key, f"unknown field {key!r} is ignored (known: {', '.join(sorted(ITEM_FIELDS))})")

    if item_id is None:
        err("id", "missing id: every item needs id = \"topic.short-name\"")
    elif not ID_RE.match(item_id):
        err("id", "id must be lowercase letters, digits, '.', '_' or '-' (at most 100 characters)")

    topic = raw.get("topic", file_topic)
    if not (isinstance(topic, str) and ID_RE.match(topic)):
        err("topic", "no valid topic: set topic = \"...\" at the top of the file or in the item")
        topic = ""

    category = raw.get("category")
    if category not in CATEGORIES:
        err("category", f"category must be one of: {', '.join(CATEGORIES)} (got {category!r})")

    difficulty = raw.get("difficulty", 2)
    if isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 1 <= difficulty <= 3:
        err("difficulty", f"difficulty must be 1, 2 or 3 (got {difficulty!r})")
        difficulty = 2

    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        err("tags", "tags must be a list of text, e.g. [\"bias-correction\"]")
        tags = []

    preset = raw.get("preset")
    if preset is not None:
        if not isinstance(preset, str):
            err("preset", "preset must be text")
            preset = None
        elif preset not in PRESETS:
            warn("preset", f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")

    params: list[Param] = []
    raw_params = raw.get("params", {})
    if not isinstance(raw_params, dict):
        err("params", "params must be a table ([item.params])")
        raw_params = {}
    if len(raw_params) > MAX_PARAMS:
        err("params", f"{len(raw_params)} parameters; the limit is {MAX_PARAMS}")
        raw_params = {}
    # TOML puts every key written after an [item.params] line into that table, so an
    # item field typed below it (prompt = ..., explanation = ...) becomes a "parameter"
    misplaced = {k: "params" for k, v in raw_params.items()
                 if k in ITEM_FIELDS - {"answer", "params"}
                 or (k == "answer" and isinstance(v, dict) and "kind" in v)}
    raw_answer_table = raw.get("answer")
    if isinstance(raw_answer_table, dict):
        answer_kind = raw_answer_table.get("kind")
        answer_keys = ANSWER_FIELDS.get(answer_kind, ()) if isinstance(answer_kind, str) else ()
        misplaced.update({k: "answer" for k in raw_answer_table
                          if k in ITEM_FIELDS and k not in answer_keys and k not in misplaced})
    for key, table in misplaced.items():
        err(f"{table}.{key}", f"{key!r} is written after the [item.{table}] line, so TOML made it part of "
                              f"[item.{table}], not a field of the item: move the line above [item.{table}] "
                              "(every key after a [table] line belongs to that table)")
    raw_params = {k: v for k, v in raw_params.items() if k not in misplaced or misplaced[k] != "params"}
    known: list[str] = []
    for name, spec in raw_params.items():
        try:
            p = _param(name, spec, known, warn)
        except _Bad as bad:
            err(bad.field, bad.message)
            known.append(name)
            continue
        params.append(p)
        known.append(name)

    constraints: list[Formula] = []
    raw_constraints = raw.get("constraints", [])
    if isinstance(raw_constraints, str):
        raw_constraints = [raw_constraints]
    if not isinstance(raw_constraints, list):
        err("constraints", "constraints must be a list of formulas, e.g. [\"samples % batch == 0\"]")
        raw_constraints = []
    for text in raw_constraints:
        try:
            constraints.append(_formula("constraints", text, known))
        except _Bad as bad:
            err(bad.field, bad.message)

    prompt = _template("prompt", raw.get("prompt"), known + ["answer"], err, required=True,
                       misplaced=misplaced.get("prompt"))
    explanation = _template("explanation", raw.get("explanation"), known + ["answer"], err,
                            required=True, misplaced=misplaced.get("explanation"))
    if prompt is not None and "answer" in prompt.names:
        warn("prompt", "the prompt shows {answer}, which gives the answer away")

    answer = None
    raw_answer = raw.get("answer")
    if not isinstance(raw_answer, dict):
        err("answer", "missing [item.answer] table (with kind = numeric, choice, true_false, "
                      "computed_choice, multiple, ordering, matching or short)")
    else:
        try:
            answer = _answer(raw_answer, known, warn)
        except _Bad as bad:
            err(bad.field, bad.message)

    if answer is not None and category == "true_false" and answer.kind != "true_false":
        warn("category", "category true_false but the answer kind is " + answer.kind)

    if any(sev == "error" for _, _, sev in issues) or answer is None or prompt is None \
            or explanation is None:
        return None
    return Item(id=item_id, topic=topic, category=category, difficulty=difficulty,
                tags=tuple(tags), prompt=prompt, explanation=explanation, answer=answer,
                params=tuple(params), constraints=tuple(constraints), preset=preset)


def _template(field: str, text: Any, known: list[str], err, required: bool = False,
              misplaced: str | None = None) -> Template | None:
    if text is None:
        if required:
            err(field, f"missing {field}" + (f" (the {field} line is under [item.{misplaced}]; see that "
                                             "message)" if misplaced else ""))
        return None
    if not isinstance(text, str) or not text.strip():
        err(field, f"{field} must be non-empty text")
        return None
    if len(text) > MAX_TEXT:
        err(field, f"{field} is {len(text)} characters; the limit is {MAX_TEXT}")
        return None
    try:
        tpl = parse_template(text)
    except TemplateError as exc:
        err(field, str(exc))
        return None
    unknown = sorted(tpl.names - set(known))
    if unknown:
        err(field, f"placeholder {{{unknown[0]}}} names no parameter"
                   + (f" (parameters: {_names([n for n in known if n != 'answer'])})"
                      if len(known) > 1 else " (this item has no parameters)")
                   + "; write {{ and }} for literal braces")
        return None
    return tpl


def _formula(field: str, text: Any, known: list[str]) -> Formula:
    if isinstance(text, bool) or not isinstance(text, str):
        raise _Bad(field, f"a formula must be text in quotes, got {_shown(repr(text), 60)[1:-1]}")
    try:
        f = Formula(text)
    except FormulaError as exc:
        raise _Bad(field, f"{_shown(text)}: {exc}") from None
    unknown = sorted(f.free_names() - set(known))
    if unknown:
        where = _names(known) if known else "none"
        raise _Bad(field, f"{_shown(text)}: unknown name {unknown[0]!r} (names available here: {where})")
    return f


def _names(names: list[str], most: int = 12) -> str:
    """A list of names for a message: at most ``most`` of them, then how many more."""
    shown = ", ".join(names[:most])
    return shown + (f", and {len(names) - most} more" if len(names) > most else "")


def _finite(field: str, value: Any, what: str = "a number") -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(field, f"must be {what}, got {value!r}")
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise _Bad(field, f"must be a finite number of size at most 1e12, got {value!r}")
    return value


def _sigfigs(field: str, spec: dict[str, Any]) -> int | None:
    s = spec.get("sigfigs")
    if s is None:
        return None
    if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 15:
        raise _Bad(field, f"sigfigs must be a whole number from 1 to 15, got {s!r}")
    return s


def _pair(field: str, value: Any, kind: str) -> tuple[Any, Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise _Bad(field, f"{kind} must be two numbers [lo, hi], got {value!r}")
    lo, hi = (_finite(field, v) for v in value)
    if lo > hi:
        raise _Bad(field, f"{kind} = [{lo}, {hi}]: lo must not exceed hi")
    return lo, hi


def _param(name: Any, spec: Any, known: list[str], warn) -> Param:
    field = f"params.{name}"
    if not isinstance(name, str) or not PARAM_RE.match(name):
        raise _Bad(field, "a parameter name must start with a letter and use letters, digits and _ "
                          "(at most 40 characters)")
    if name in RESERVED_NAMES:
        raise _Bad(field, f"{name!r} is reserved (a function, a constant or 'answer'); pick another name")
    if name in known:
        raise _Bad(field, f"parameter {name!r} is defined twice")
    if isinstance(spec, bool):
        return Param(name, "const", value=spec)
    if isinstance(spec, (int, float)):
        return Param(name, "const", value=_finite(field, spec))
    if isinstance(spec, str):
        if len(spec) > 200:
            raise _Bad(field, "text constants are limited to 200 characters")
        return Param(name, "const", value=spec)
    if not isinstance(spec, dict):
        raise _Bad(field, "a parameter is a number, a text, or a table such as { choice = [1, 2] }")
    kinds = [k for k in PARAM_KINDS if k in spec]
    if len(kinds) != 1:
        raise _Bad(field, f"give exactly one of: {', '.join(PARAM_KINDS)} (got {', '.join(spec) or 'nothing'})")
    kind = kinds[0]
    for key in spec:
        if key != kind and key not in PARAM_EXTRAS[kind]:
            warn(field, f"{key!r} is ignored for a {kind} parameter")
    sig = _sigfigs(field, spec) if "sigfigs" in PARAM_EXTRAS[kind] else None
    body = spec[kind]
    if kind == "choice":
        if not isinstance(body, list) or not body:
            raise _Bad(field, "choice must be a non-empty list, e.g. { choice = [8, 16, 32] }")
        if len(body) > MAX_CHOICE_VALUES:
            raise _Bad(field, f"choice has {len(body)} values; the limit is {MAX_CHOICE_VALUES}")
        values = []
        for v in body:
            if isinstance(v, str):
                if len(v) > 200:
                    raise _Bad(field, "text values are limited to 200 characters")
                values.append(v)
            elif isinstance(v, bool):
                values.append(v)
            else:
                values.append(_finite(field, v, "a number or a text"))
        return Param(name, "choice", values=tuple(values))
    if kind == "range":
        lo, hi = _pair(field, body, "range")
        step = spec.get("step")
        if step is None:
            if lo == hi:
                raise _Bad(field, "range lo equals hi: use a constant")
            return Param(name, "range", lo=lo, hi=hi, sigfigs=sig)
        step = _finite(field, step)
        if step <= 0:
            raise _Bad(field, f"step must be > 0, got {step!r}")
        span = (hi - lo) / step
        if span + 1 > MAX_GRID:
            raise _Bad(field, f"range has about {span + 1:,.0f} values; the limit is {MAX_GRID:,}")
        count = int(math.floor(span + 1e-9)) + 1
        if abs(span - round(span)) > 1e-6:
            warn(field, f"hi = {hi} is not on the grid lo + k*step; the largest value drawn is "
                        f"{lo + (count - 1) * step:g}")
        return Param(name, "range", lo=lo, hi=hi, step=step, count=count)
    if kind == "loguniform":
        lo, hi = _pair(field, body, "loguniform")
        if lo <= 0:
            raise _Bad(field, "loguniform needs 0 < lo <= hi")
        return Param(name, "loguniform", lo=lo, hi=hi, sigfigs=sig)
    if kind == "randint":
        if not (isinstance(body, list) and len(body) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in body)):
            raise _Bad(field, f"randint must be two whole numbers [lo, hi], got {body!r}")
        lo, hi = (_finite(field, v) for v in body)
        if lo > hi:
            raise _Bad(field, f"randint = [{lo}, {hi}]: lo must not exceed hi")
        if hi - lo > MAX_RANDINT_SPAN:
            raise _Bad(field, f"randint spans {hi - lo:,} values; the limit is {MAX_RANDINT_SPAN:,}")
        return Param(name, "randint", lo=lo, hi=hi)
    # derived
    f = _formula(field, body, known)
    return Param(name, "derived", formula=f, sigfigs=sig)


def _tolerance(raw: dict[str, Any]) -> Tolerance:
    tol = raw.get("tolerance")
    if tol is None:
        return Tolerance()
    if not isinstance(tol, dict) or len(tol) != 1:
        raise _Bad("answer.tolerance", "tolerance must be one of { relative = 0.01 }, "
                                       "{ absolute = 1e-4 } or { sigfigs = 3 }")
    (kind, amount), = tol.items()
    if kind not in ("relative", "absolute", "sigfigs"):
        raise _Bad("answer.tolerance", f"unknown tolerance {kind!r}; use relative, absolute or sigfigs")
    amount = _finite("answer.tolerance", amount)
    if kind == "sigfigs":
        if isinstance(amount, float) or not 1 <= amount <= 15:
            raise _Bad("answer.tolerance", "sigfigs must be a whole number from 1 to 15")
    elif amount < 0 or (kind == "relative" and amount >= 1):
        raise _Bad("answer.tolerance", f"a {kind} tolerance must be >= 0"
                   + (" and below 1 (0.01 = 1 %)" if kind == "relative" else ""))
    return Tolerance(kind, amount)


def _display_spec(raw: dict[str, Any]) -> str:
    display = raw.get("display", ".4g")
    if not isinstance(display, str) or len(display) > 20:
        raise _Bad("answer.display", "display must be a short format such as \".4g\" or \".3f\"")
    try:
        format_value(2.0, display)
    except TemplateError as exc:
        raise _Bad("answer.display", f"display {display!r} is not a number format: {exc}") from None
    return display


def _unit(raw: dict[str, Any]) -> str:
    unit = raw.get("unit", "")
    if not isinstance(unit, str) or len(unit) > 40:
        raise _Bad("answer.unit", "unit must be short text")
    return unit


def _correct(raw: dict[str, Any], n: int) -> int:
    correct = raw.get("correct")
    if isinstance(correct, bool) or not isinstance(correct, int) or not 1 <= correct <= n:
        raise _Bad("answer.correct", f"correct must be the number of the right choice, 1 to {n} "
                                     f"(got {correct!r})")
    return correct


def _answer(raw: dict[str, Any], known: list[str], warn) -> Answer:
    kind = raw.get("kind")
    if kind not in ANSWER_KINDS:
        raise _Bad("answer.kind", f"answer kind must be one of: {', '.join(ANSWER_KINDS)} (got {kind!r})")
    for key in raw:
        if key not in ANSWER_FIELDS[kind] and key not in ITEM_FIELDS:
            warn(f"answer.{key}", f"{key!r} is ignored for a {kind} answer")
    if kind == "numeric":
        value = raw.get("value")
        if value is None:
            raise _Bad("answer.value", "missing value (a number or a formula in quotes)")
        if isinstance(value, str):
            value = _formula("answer.value", value, known)
        else:
            value = _finite("answer.value", value, "a number or a formula in quotes")
        return Answer(kind, value=value, tolerance=_tolerance(raw), display=_display_spec(raw),
                      unit=_unit(raw))
    if kind == "true_false":
        value = raw.get("value")
        if isinstance(value, str):
            value = _formula("answer.value", value, known)
        elif not isinstance(value, bool):
            raise _Bad("answer.value", "value must be true, false or a formula in quotes")
        return Answer(kind, value=value)
    if kind in ("multiple", "ordering", "matching", "short"):
        return _part_answer(kind, raw, known)
    choices = raw.get("choices")
    if not isinstance(choices, list) or not 2 <= len(choices) <= MAX_CHOICES:
        raise _Bad("answer.choices", f"choices must be a list of 2 to {MAX_CHOICES} entries")
    correct = _correct(raw, len(choices))
    if kind == "choice":
        templates = []
        for i, text in enumerate(choices):
            field = f"answer.choices[{i + 1}]"
            if not isinstance(text, str) or not text.strip():
                raise _Bad(field, "each choice must be non-empty text")
            try:
                tpl = parse_template(text)
            except TemplateError as exc:
                raise _Bad(field, str(exc)) from None
            unknown = sorted(tpl.names - set(known))
            if unknown:
                raise _Bad(field, f"placeholder {{{unknown[0]}}} names no parameter")
            templates.append(tpl)
        normal = [" ".join(c.split()).lower() for c in choices]
        for i, c in enumerate(normal):
            if c in normal[:i]:
                raise _Bad(f"answer.choices[{i + 1}]",
                           f"choice {i + 1} repeats choice {normal.index(c) + 1}")
        return Answer(kind, choices=tuple(templates), correct=correct)
    formulas = []
    for i, text in enumerate(choices):
        field = f"answer.choices[{i + 1}]"
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            text = repr(_finite(field, text))
        formulas.append(_formula(field, text, known))
    return Answer(kind, formulas=tuple(formulas), correct=correct, tolerance=_tolerance(raw),
                  display=_display_spec(raw), unit=_unit(raw))


# ------------------------------------------------------------------ the part kinds


def _text_template(field: str, text: Any, known: list[str]) -> Template:
    if not isinstance(text, str) or not text.strip():
        raise _Bad(field, "must be non-empty text")
    if len(text) > 500:
        raise _Bad(field, f"is {len(text)} characters; the limit is 500")
    try:
        tpl = parse_template(text)
    except TemplateError as exc:
        raise _Bad(field, str(exc)) from None
    unknown = sorted(tpl.names - set(known))
    if unknown:
        raise _Bad(field, f"placeholder {{{unknown[0]}}} names no parameter")
    return tpl


def _distinct(field: str, texts: list[str], what: str) -> None:
    normal = [" ".join(t.split()).lower() for t in texts]
    for i, c in enumerate(normal):
        if c in normal[:i]:
            raise _Bad(f"{field}[{i + 1}]", f"{what} {i + 1} repeats {what} {normal.index(c) + 1}")


def _part_answer(kind: str, raw: dict[str, Any], known: list[str]) -> Answer:
    from quizapp.bank import kinds as K

    if kind == "multiple":
        choices = raw.get("choices")
        if not isinstance(choices, list) or not 3 <= len(choices) <= MAX_CHOICES:
            raise _Bad("answer.choices", f"choices must be a list of 3 to {MAX_CHOICES} entries")
        templates = [_text_template(f"answer.choices[{i + 1}]", c, known) for i, c in enumerate(choices)]
        _distinct("answer.choices", choices, "choice")
        n = len(choices)
        keys = raw.get("correct")
        if isinstance(keys, int) and not isinstance(keys, bool):
            keys = [keys]
        if not (isinstance(keys, list) and keys
                and all(isinstance(k, int) and not isinstance(k, bool) for k in keys)):
            raise _Bad("answer.correct", "correct must list the numbers of every right choice, e.g. [1, 3]")
        if any(not 1 <= k <= n for k in keys) or len(set(keys)) != len(keys):
            raise _Bad("answer.correct", f"correct must list distinct choice numbers from 1 to {n} "
                                         f"(got {keys!r})")
        if len(keys) == n:
            raise _Bad("answer.correct", "every choice is right: leave at least one wrong choice "
                                         "(otherwise ticking everything always wins)")
        if len(keys) > 10 or n - len(keys) > 10:
            raise _Bad("answer.correct", "at most 10 right and 10 wrong choices (Moodle's weights "
                                         "go down to 10 %)")
        return Answer(kind, choices=tuple(templates), keys=tuple(sorted(keys)))
    if kind == "ordering":
        steps = raw.get("steps")
        if not isinstance(steps, list) or not MIN_STEPS <= len(steps) <= MAX_STEPS:
            raise _Bad("answer.steps", f"steps must be a list of {MIN_STEPS} to {MAX_STEPS} entries, "
                                       "written in the right order")
        templates = [_text_template(f"answer.steps[{i + 1}]", c, known) for i, c in enumerate(steps)]
        _distinct("answer.steps", steps, "step")
        return Answer(kind, choices=tuple(templates))
    if kind == "matching":
        pairs = raw.get("pairs")
        if not isinstance(pairs, list) or not 2 <= len(pairs) <= MAX_STEPS:
            raise _Bad("answer.pairs", f"pairs must be a list of 2 to {MAX_STEPS} pairs, "
                                       "e.g. [[\"symptom\", \"first check\"], ...]")
        built = []
        for i, pair in enumerate(pairs):
            field = f"answer.pairs[{i + 1}]"
            if not isinstance(pair, list) or len(pair) != 2:
                raise _Bad(field, "each pair is two texts: [\"left\", \"right\"]")
            built.append((_text_template(field, pair[0], known), _text_template(field, pair[1], known)))
        _distinct("answer.pairs", [p[0] for p in pairs], "left entry")
        extras = raw.get("extras", [])
        if not isinstance(extras, list):
            raise _Bad("answer.extras", "extras must be a list of texts (right-hand options that match "
                                        "nothing)")
        extra_t = [_text_template(f"answer.extras[{i + 1}]", e, known) for i, e in enumerate(extras)]
        rights = list(dict.fromkeys(" ".join(p[1].split()).lower() for p in pairs))
        _distinct("answer.extras", [e for e in extras], "extra")
        for i, e in enumerate(extras):
            if " ".join(e.split()).lower() in rights:
                raise _Bad(f"answer.extras[{i + 1}]", "this extra is also the partner of a pair")
        if len(rights) + len(extras) > MAX_CHOICES:
            raise _Bad("answer.extras", f"at most {MAX_CHOICES} right-hand options (partners and extras)")
        return Answer(kind, pairs=tuple(built), extras=tuple(extra_t))
    # short
    accept = raw.get("accept")
    if isinstance(accept, str):
        accept = [accept]
    if not isinstance(accept, list) or not 1 <= len(accept) <= K.MAX_ACCEPT:
        raise _Bad("answer.accept", f"accept must list 1 to {K.MAX_ACCEPT} accepted answers, "
                                    "e.g. [\"warmup\", \"warm-up\"]")
    reject = raw.get("reject", [])
    if isinstance(reject, str):
        reject = [reject]
    if not isinstance(reject, list) or len(reject) > K.MAX_ACCEPT:
        raise _Bad("answer.reject", f"reject must list at most {K.MAX_ACCEPT} answers that are wrong")
    for name, texts in (("accept", accept), ("reject", reject)):
        for i, t in enumerate(texts):
            if not isinstance(t, str) or not K.normalise_short(t):
                raise _Bad(f"answer.{name}[{i + 1}]", "must be non-empty text")
            if len(t) > K.MAX_SHORT_TEXT:
                raise _Bad(f"answer.{name}[{i + 1}]", f"is {len(t)} characters; the limit is "
                                                      f"{K.MAX_SHORT_TEXT}")
    normal = [K.normalise_short(t) for t in accept]
    for i, t in enumerate(normal):
        if t in normal[:i]:
            raise _Bad(f"answer.accept[{i + 1}]", f"the same answer as accept[{normal.index(t) + 1}] once "
                                                  "case and spacing are ignored")
    for i, t in enumerate(reject):
        if K.normalise_short(t) in normal:
            raise _Bad(f"answer.reject[{i + 1}]", "this answer is also accepted")
    typos = raw.get("typos", 0)
    if isinstance(typos, bool) or not isinstance(typos, int) or not 0 <= typos <= K.MAX_TYPOS:
        raise _Bad("answer.typos", f"typos must be 0, 1 or 2 (edits forgiven), got {typos!r}")
    return Answer(kind, accept=tuple(accept), reject=tuple(reject), typos=typos)
