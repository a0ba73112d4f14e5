"""Writing question items as TOML: whole files, and one item inside an existing file.

An *item table* is a plain dict shaped like one ``[[item]]`` of the bank format
(``{"id": ..., "category": ..., "prompt": ..., "params": {...}, "answer": {...}}``).

* :func:`item_text` / :func:`document_text` turn tables into TOML text (tomlkit), in
  the key order the shipped bank uses, long texts as multi-line strings.
* :func:`save_item` inserts or replaces one item in a file; :func:`delete_item`
  removes one; :func:`new_file` starts a topic file. The rest of the file is kept as
  it was, byte for byte: other items, comments, blank lines. Only the text of the
  item being replaced changes, and even there comments and formatting of unchanged
  fields survive (the item is updated in place with tomlkit, not rewritten).
* :func:`item_to_table` turns a loaded :class:`~quizapp.bank.model.Item` back into
  a table (the authoring page edits tables; "duplicate" starts from one).

Every write is checked before the file is replaced: the new text must parse, hold the
new item exactly, and keep every other item unchanged; the file is replaced
atomically (a temporary file, then ``os.replace``). Nothing here runs code from the
file. No Qt.
"""
from __future__ import annotations

import math
import os
import re
import tempfile
import sys
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, InlineTable, Table

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

__all__ = [
    "ITEM_KEY_ORDER", "ANSWER_KEY_ORDER", "item_text", "document_text", "save_item",
    "delete_item", "new_file", "item_to_table", "read_items", "check_item_table", "TomlWriteError",
]

ITEM_KEY_ORDER = ("id", "topic", "category", "difficulty", "tags", "prompt", "explanation",
                  "preset", "constraints", "params", "answer")
ANSWER_KEY_ORDER = ("kind", "value", "choices", "correct", "tolerance", "display", "unit")
#: item keys written as ``[item.<key>]`` sub-tables (the others are plain or inline values)
SUB_TABLES = ("params", "answer")
LONG_TEXT = 72
_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*item[ \t]*\]\]")


class TomlWriteError(ValueError):
    """A save that cannot be done (unknown id, duplicate id, unreadable file, ...)."""


# ------------------------------------------------------------------ values -> tomlkit


def _string(value: str, key: str = ""):
    """A tomlkit string: multi-line for long or multi-line texts, checked to read back."""
    if "\n" in value or (len(value) > LONG_TEXT and key in ("prompt", "explanation")):
        try:
            item = tomlkit.string(value, multiline=True)
            if tomllib.loads("x = " + item.as_string())["x"] == value:
                return item
        except Exception:  # noqa: BLE001 - fall back to a plain basic string
            pass
    return tomlkit.string(value)


def _value(value: Any, key: str = "", inline: bool = False):
    if isinstance(value, bool):
        return tomlkit.item(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise TomlWriteError(f"{key or 'value'}: {value} cannot be written (not a finite number)")
        return tomlkit.item(value)
    if isinstance(value, str):
        return _string(value, key)
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        for k, v in value.items():
            table[k] = _value(v, k, inline=True)
        return table
    if isinstance(value, (list, tuple)):
        arr = tomlkit.array()
        for v in value:
            arr.append(_value(v, key, inline=True))
        long = sum(len(v) for v in value if isinstance(v, str)) > LONG_TEXT
        if long and not inline and all(isinstance(v, str) for v in value):
            arr.multiline(True)
        return arr
    raise TomlWriteError(f"{key or 'value'}: cannot write a {type(value).__name__} in TOML")


def _ordered(table: dict[str, Any], order: tuple[str, ...]) -> list[tuple[str, Any]]:
    known = [(k, table[k]) for k in order if k in table]
    rest = [(k, v) for k, v in table.items() if k not in order]
    return known + rest


def _item_table(table: dict[str, Any]) -> Table:
    if not isinstance(table, dict):
        raise TomlWriteError("an item must be a table (dict)")
    out = tomlkit.table()
    subs = []
    for key, value in _ordered(table, ITEM_KEY_ORDER):
        if value is None:
            continue
        if key in SUB_TABLES and isinstance(value, dict):
            subs.append((key, value))
            continue
        out[key] = _value(value, key)
    for key, value in subs:
        sub = tomlkit.table()
        order = ANSWER_KEY_ORDER if key == "answer" else ()
        for k, v in _ordered(value, order):
            if v is None:
                continue
            sub[k] = _value(v, k)
        if key == "params" and not value:
            continue
        out[key] = sub
    return out


def item_text(table: dict[str, Any]) -> str:
    """One ``[[item]]`` block as TOML text (ends with a newline)."""
    doc = tomlkit.document()
    aot = tomlkit.aot()
    aot.append(_item_table(table))
    doc["item"] = aot
    text = tomlkit.dumps(doc)
    return text.rstrip("\n") + "\n"


def document_text(topic: str | None, title: str | None, items: list[dict[str, Any]],
                  header: str | None = None) -> str:
    """A whole topic file: optional comment header, ``topic``, ``title``, ``format``, items."""
    lines: list[str] = []
    if header:
        for line in header.splitlines():
            lines.append(("# " + line).rstrip() if line.strip() else "#")
    head = tomlkit.document()
    if topic is not None:
        head["topic"] = topic
    if title is not None:
        head["title"] = _string(title)
    head["format"] = 1
    text = "\n".join(lines) + ("\n" if lines else "") + tomlkit.dumps(head)
    for table in items:
        text = text.rstrip("\n") + "\n\n" + item_text(table)
    _check_parses(text)
    return text


# ------------------------------------------------------------------ Item -> table


def item_to_table(item, file_topic: str | None = None) -> dict[str, Any]:
    """A loaded :class:`~quizapp.bank.model.Item` as an item table (``topic`` left out when
    it equals ``file_topic``)."""
    from quizapp.bank.formulas import Formula

    t: dict[str, Any] = {"id": item.id}
    if item.topic and item.topic != file_topic:
        t["topic"] = item.topic
    t["category"] = item.category
    t["difficulty"] = item.difficulty
    if item.tags:
        t["tags"] = list(item.tags)
    t["prompt"] = item.prompt.text
    t["explanation"] = item.explanation.text
    if item.preset:
        t["preset"] = item.preset
    if item.constraints:
        t["constraints"] = [c.text for c in item.constraints]
    if item.params:
        params: dict[str, Any] = {}
        for p in item.params:
            params[p.name] = _param_spec(p)
        t["params"] = params
    a = item.answer
    ans: dict[str, Any] = {"kind": a.kind}
    if a.kind in ("numeric", "true_false"):
        ans["value"] = a.value.text if isinstance(a.value, Formula) else a.value
    if a.kind == "choice":
        ans["choices"] = [c.text for c in a.choices]
        ans["correct"] = a.correct
    if a.kind == "computed_choice":
        ans["choices"] = [f.text for f in a.formulas]
        ans["correct"] = a.correct
    if a.kind == "multiple":
        ans["choices"] = [c.text for c in a.choices]
        ans["correct"] = list(a.keys)
    if a.kind == "ordering":
        ans["steps"] = [c.text for c in a.choices]
    if a.kind == "matching":
        ans["pairs"] = [[l.text, r.text] for l, r in a.pairs]
        if a.extras:
            ans["extras"] = [e.text for e in a.extras]
    if a.kind == "short":
        ans["accept"] = list(a.accept)
        if a.reject:
            ans["reject"] = list(a.reject)
        if a.typos:
            ans["typos"] = a.typos
    if a.kind in ("numeric", "computed_choice"):
        if (a.tolerance.kind, a.tolerance.amount) != ("relative", 0.01):
            ans["tolerance"] = {a.tolerance.kind: a.tolerance.amount}
        if a.display != ".4g":
            ans["display"] = a.display
        if a.unit:
            ans["unit"] = a.unit
    t["answer"] = ans
    return t


def _param_spec(p) -> Any:
    if p.kind == "const":
        return p.value
    if p.kind == "choice":
        return {"choice": list(p.values)}
    if p.kind == "range":
        spec: dict[str, Any] = {"range": [p.lo, p.hi]}
        if p.step is not None:
            spec["step"] = p.step
        if p.sigfigs:
            spec["sigfigs"] = p.sigfigs
        return spec
    if p.kind == "loguniform":
        spec = {"loguniform": [p.lo, p.hi]}
        if p.sigfigs:
            spec["sigfigs"] = p.sigfigs
        return spec
    if p.kind == "randint":
        return {"randint": [int(p.lo), int(p.hi)]}
    spec = {"derived": p.formula.text}
    if p.sigfigs:
        spec["sigfigs"] = p.sigfigs
    return spec


def check_item_table(item_table: dict[str, Any], topic: str | None = None,
                     draws: int = 20) -> list:
    """The problems ``bank check`` would report for this one item (loading and drawing
    instances), as :class:`~quizapp.bank.errors.BankProblem` records whose ``line`` counts
    within :func:`item_text` of the item (line 1 is ``[[item]]``). For inline validation
    while editing."""
    from quizapp.bank.check import check_bank
    from quizapp.bank.loader import load_text

    try:
        text = item_text(_clean(item_table))
    except TomlWriteError as exc:
        from quizapp.bank.errors import BankProblem

        return [BankProblem("<item>", 0, item_table.get("id"), None, str(exc))]
    head = f"topic = {tomlkit.string(topic).as_string()}\n" if topic else ""
    bank = load_text(head + text, "<item>")
    problems = check_bank(bank, draws=draws)
    if head:  # count lines from the item's own first line
        from dataclasses import replace

        problems = [replace(p, line=max(p.line - 1, 0)) for p in problems]
    return problems


# ------------------------------------------------------------------ editing a file


def read_items(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The item tables of a file as tomllib reads them (for callers that list a file)."""
    text = _read(Path(path))
    return _parse(text, Path(path)).get("item", [])


def new_file(path: str | os.PathLike, topic: str, title: str,
             header: str | None = None) -> Path:
    """Create a topic file with no items yet; refuses to overwrite an existing file."""
    from quizapp.bank.loader import ID_RE

    path = Path(path)
    if not isinstance(topic, str) or not ID_RE.match(topic):
        raise TomlWriteError(f"topic {topic!r} must be a short lowercase id such as \"adam\"")
    if path.exists():
        raise TomlWriteError(f"{path} already exists")
    text = document_text(topic, title or topic, [], header=header or f"{title or topic}: questions")
    _write(path, text, create=True)
    return path


def save_item(path: str | os.PathLike, item_table: dict[str, Any],
              replace_id: str | None = None) -> None:
    """Insert ``item_table`` at the end of the file, or replace the item ``replace_id``.

    The new id must not be used by another item of the file. Replacing updates the
    existing item in place, so comments inside it survive where their field survives.
    """
    path = Path(path)
    if not isinstance(item_table, dict):
        raise TomlWriteError("item_table must be a dict")
    item_table = _clean(item_table)
    new_id = item_table.get("id")
    if not isinstance(new_id, str) or not new_id:
        raise TomlWriteError("the item needs an id")
    text = _read(path)
    doc = _parse(text, path)
    items = doc.get("item", [])
    if not isinstance(items, list):
        raise TomlWriteError(f"{path}: 'item' is not a list of [[item]] tables")
    ids = [it.get("id") if isinstance(it, dict) else None for it in items]
    if replace_id is None:
        if new_id in ids:
            raise TomlWriteError(f"id {new_id!r} is already used in {path}")
        new_text = _append(text, item_text(item_table))
        if not _holds(new_text, items + [_normalised(item_table)], doc_before=doc):
            raise TomlWriteError(f"{path}: saving would change other items; nothing was written")
    else:
        if replace_id not in ids:
            raise TomlWriteError(f"{path} holds no item with id {replace_id!r}")
        if new_id != replace_id and new_id in ids:
            raise TomlWriteError(f"id {new_id!r} is already used in {path}")
        index = ids.index(replace_id)
        item_table = _keep_explicit_defaults(items[index], item_table)
        expected = list(items)
        expected[index] = _normalised(item_table)
        new_text = None
        spans = _spans(text, len(items))
        if spans is not None:
            candidate = _replace_span(text, spans[index], item_table)
            if _holds(candidate, expected, doc_before=doc):
                new_text = candidate
        if new_text is None:  # the header lines could not be matched: whole-document update
            new_text = _tomlkit_replace(text, index, item_table)
            if not _holds(new_text, expected, doc_before=doc):
                raise TomlWriteError(f"{path}: saving would change other items; nothing was written")
    _write(path, new_text, checked=True)


def delete_item(path: str | os.PathLike, item_id: str) -> None:
    """Remove the item ``item_id`` from the file, keeping everything else (comments too)."""
    path = Path(path)
    text = _read(path)
    doc = _parse(text, path)
    items = doc.get("item", [])
    ids = [it.get("id") if isinstance(it, dict) else None for it in items]
    if item_id not in ids:
        raise TomlWriteError(f"{path} holds no item with id {item_id!r}")
    index = ids.index(item_id)
    expected = items[:index] + items[index + 1:]
    new_text = None
    spans = _spans(text, len(items))
    if spans is not None:
        lines = text.splitlines(keepends=True)
        start, core_end, _ = spans[index]
        candidate = "".join(lines[:start]) + "".join(lines[core_end:])
        candidate = _tidy_blank_lines(candidate)
        if _holds(candidate, expected, doc_before=doc):
            new_text = candidate
    if new_text is None:
        tdoc = tomlkit.parse(text)
        del tdoc["item"][index]
        new_text = tomlkit.dumps(tdoc)
        if not _holds(new_text, expected, doc_before=doc):
            raise TomlWriteError(f"{path}: deleting would change other items; nothing was written")
    _write(path, new_text, checked=True)


# ------------------------------------------------------------------ internals


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TomlWriteError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TomlWriteError(f"{path} is not UTF-8 text") from None
    return text[1:] if text.startswith("\ufeff") else text


def _parse(text: str, path: Path | None = None) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlWriteError(f"{path or 'text'} is not valid TOML ({exc}); fix it before saving") from None


def _check_parses(text: str) -> None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - tomlkit writes valid TOML
        raise TomlWriteError(f"internal error: written TOML does not parse: {exc}") from None


#: values the loader assumes when a key is left out; an old item that spelled one out keeps it
_ITEM_DEFAULTS = {"difficulty": 2, "tags": []}
_ANSWER_DEFAULTS = {"tolerance": {"relative": 0.01}, "display": ".4g", "unit": ""}


def _keep_explicit_defaults(old: Any, new: dict[str, Any]) -> dict[str, Any]:
    """Keep keys the old item wrote out with their default value when the new table omits them
    (the item means the same either way, and the file changes less)."""
    if not isinstance(old, dict):
        return new
    out = dict(new)
    for key, default in _ITEM_DEFAULTS.items():
        if key not in out and old.get(key) == default:
            out[key] = default
    old_ans, new_ans = old.get("answer"), out.get("answer")
    if isinstance(old_ans, dict) and isinstance(new_ans, dict) and old_ans.get("kind") == new_ans.get("kind"):
        new_ans = dict(new_ans)
        for key, default in _ANSWER_DEFAULTS.items():
            if key not in new_ans and old_ans.get(key) == default:
                new_ans[key] = default
        out["answer"] = new_ans
    return out


def _clean(table: dict[str, Any]) -> dict[str, Any]:
    """Drop None values (at the item and answer level) and an empty ``params`` table."""
    out = {k: v for k, v in table.items() if v is not None}
    if isinstance(out.get("params"), dict) and not out["params"]:
        del out["params"]
    if isinstance(out.get("answer"), dict):
        out["answer"] = {k: v for k, v in out["answer"].items() if v is not None}
    return out


def _normalised(table: dict[str, Any]) -> dict[str, Any]:
    """What tomllib will read back for ``table`` (None values and empty params dropped)."""
    return tomllib.loads(item_text(table))["item"][0]


def _holds(text: str, expected: list[dict[str, Any]], doc_before: dict | None = None) -> bool:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    if doc.get("item", []) != expected:
        return False
    if doc_before is not None:
        rest_before = {k: v for k, v in doc_before.items() if k != "item"}
        rest_after = {k: v for k, v in doc.items() if k != "item"}
        if rest_before != rest_after:
            return False
    return True


def _spans(text: str, count: int) -> list[tuple[int, int, int]] | None:
    """Per item: (header line, end of its own lines, end of its block) as line indexes.

    The lines between the end of an item's own content and the next header (blank lines
    and comments) are kept with what follows: they usually introduce the next item.
    """
    lines = text.splitlines(keepends=True)
    headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    if len(headers) != count:
        return None
    spans = []
    for n, start in enumerate(headers):
        end = headers[n + 1] if n + 1 < len(headers) else len(lines)
        core_end = end
        while core_end > start + 1:
            s = lines[core_end - 1].strip()
            if s == "" or s.startswith("#"):
                core_end -= 1
            else:
                break
        spans.append((start, core_end, end))
    return spans


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _replace_span(text: str, span: tuple[int, int, int], table: dict[str, Any]) -> str:
    lines = text.splitlines(keepends=True)
    start, core_end, _ = span
    core = "".join(lines[start:core_end])
    try:
        part = tomlkit.parse(core)
        _update(part["item"][0], table, top=True)
        new_core = tomlkit.dumps(part)
    except Exception:  # noqa: BLE001 - an odd layout: write the item afresh
        new_core = item_text(table)
    nl = _newline(text)
    new_core = new_core.rstrip("\r\n").replace("\r\n", "\n").replace("\n", nl) + nl
    return "".join(lines[:start]) + new_core + "".join(lines[core_end:])


def _update(old: Table, new: dict[str, Any], top: bool = False) -> None:
    """Make tomlkit table ``old`` equal ``new``, keeping unchanged values as written."""
    for key in list(old.keys()):
        if key not in new or new[key] is None:
            del old[key]
    for key, value in (_ordered(new, ITEM_KEY_ORDER) if top else new.items()):
        if value is None:
            continue
        if key in old:
            current = old[key]
            plain = current.unwrap() if hasattr(current, "unwrap") else current
            if plain == value and type(plain) is type(value):
                continue
            if isinstance(value, dict) and isinstance(current, Table) and not isinstance(current, InlineTable):
                _update(current, value)
                continue
            if isinstance(value, dict) and isinstance(current, InlineTable):
                old[key] = _value(value, key)
                continue
        if top and key in SUB_TABLES and isinstance(value, dict):
            sub = tomlkit.table()
            for k, v in _ordered(value, ANSWER_KEY_ORDER if key == "answer" else ()):
                if v is not None:
                    sub[k] = _value(v, k)
            old[key] = sub
        else:
            old[key] = _value(value, key)


def _tomlkit_replace(text: str, index: int, table: dict[str, Any]) -> str:
    tdoc = tomlkit.parse(text)
    aot = tdoc["item"]
    if not isinstance(aot, AoT):
        raise TomlWriteError("items are not written as [[item]] tables; cannot edit this file")
    _update(aot[index], table, top=True)
    return tomlkit.dumps(tdoc)


def _append(text: str, block: str) -> str:
    nl = _newline(text)
    body = text.rstrip("\r\n")
    block = block.replace("\n", nl)
    if not body:
        return block
    return body + nl + nl + block


def _tidy_blank_lines(text: str) -> str:
    return re.sub(r"(\r?\n)(?:[ \t]*\r?\n){2,}", r"\1\1", text)


def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file: 0666 less the process's umask."""
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return 0o666 & ~mask


def _write(path: Path, text: str, create: bool = False, checked: bool = False) -> None:
    if not create and path.exists():
        try:
            if path.read_text(encoding="utf-8").lstrip("\ufeff") == text:
                return  # nothing changed: leave the file (and its time stamp) alone
        except (OSError, UnicodeDecodeError):
            pass
    if not checked:
        _check_parses(text)
    folder = path.parent if str(path.parent) else Path(".")
    if create and not folder.exists():
        raise TomlWriteError(f"folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        try:  # mkstemp makes 0600; keep the file's mode, or give a new one the usual mode
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else _new_file_mode())
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
