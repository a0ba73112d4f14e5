"""The Learn page's content: the chapter, section by section, loaded from TOML.

Qt-free and matplotlib-free on purpose: the UI renders what this module returns.

The file (``assets/learn/chapter.toml``) is a list of ``[[section]]`` tables; see the
comment at its top for the fields. Text markup is deliberately small: paragraphs are
separated by blank lines, a line starting with ``"- "`` is a bullet, ``**bold**`` is
allowed, and inline math is written ``$...$`` (a literal dollar is ``\\$``).
:func:`split_math` cuts one paragraph into text and math pieces for rendering.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:  # Python 3.10
    import tomli as _toml

KNOWN_PRESETS = (
    "valley-race", "lr-too-large", "lr-too-small", "adagrad-vs-rmsprop",
    "adam-warmup", "noisy-minibatches", "clipping-rescue", "nesterov-lookahead",
)
#: the training lab's presets (quizapp.lab_presets; a test keeps the two lists equal)
KNOWN_LAB_PRESETS = ("oscillation", "nan", "fading", "val_stagnation", "tuning_order", "one_knob")
KNOWN_TOPICS = (
    "gradient_descent", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
    "adamw", "schedules", "clipping", "debugging", "generalization", "tuning",
    "lab_notebook",
)

_REQUIRED = ("id", "title", "body", "practice_topics", "key_points")
_OPTIONAL = ("formulas", "try_preset", "try_lab")


@dataclass(frozen=True)
class Section:
    """One section of the chapter, as the Learn page shows it."""

    id: str
    title: str
    body: str
    formulas: tuple[str, ...]
    try_preset: str | None
    practice_topics: tuple[str, ...]
    key_points: tuple[str, ...]
    try_lab: str | None = None  # a training-lab preset (quizapp.lab_presets) for *Try it in the Lab*

    def paragraphs(self) -> list[str]:
        """The body's paragraphs (blocks separated by blank lines), stripped."""
        return paragraphs(self.body)


def paragraphs(text: str) -> list[str]:
    """Split ``text`` at blank lines; each block keeps its inner line breaks."""
    blocks, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def split_math(text: str) -> list[tuple[str, bool]]:
    """Cut ``text`` into ``(piece, is_math)`` pairs, in order.

    A math piece is a ``$...$`` span *including* its dollar signs, ready for
    matplotlib's mathtext. ``\\$`` is an escaped dollar: it never opens or closes
    math and stays, as written, inside the surrounding piece (the UI shows it as
    ``$``; see :func:`unescape`). An empty ``$$`` or a ``$`` with no partner stays
    text. Pieces are never empty, two text pieces are never adjacent, and
    ``"".join(p for p, _ in split_math(t)) == t`` always holds.
    """
    pieces: list[tuple[str, bool]] = []

    def add_text(s: str) -> None:
        if not s:
            return
        if pieces and not pieces[-1][1]:
            pieces[-1] = (pieces[-1][0] + s, False)
        else:
            pieces.append((s, False))

    n = len(text)
    start = 0  # where the pending text begins
    i = 0
    while i < n:
        if text[i] == "\\" and i + 1 < n and text[i + 1] == "$":
            i += 2
            continue
        if text[i] != "$":
            i += 1
            continue
        close = _next_dollar(text, i + 1)
        if close is None:  # unpaired: the rest is text
            break
        if close == i + 1:  # "$$": nothing to render
            i = close + 1
            continue
        add_text(text[start:i])
        pieces.append((text[i:close + 1], True))
        i = start = close + 1
    add_text(text[start:])
    return pieces


def _next_dollar(text: str, i: int) -> int | None:
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] == "$":
            i += 2
        elif text[i] == "$":
            return i
        else:
            i += 1
    return None


def unescape(text_piece: str) -> str:
    """A text piece from :func:`split_math` as it should be displayed."""
    return text_piece.replace("\\$", "$")


def math_spans(text: str) -> list[str]:
    """The TeX inside every ``$...$`` span of ``text``, paragraph by paragraph."""
    return [p[1:-1] for block in paragraphs(text) for p, is_math in split_math(block) if is_math]


def default_path() -> Path:
    from quizapp.resources import assets_dir
    return assets_dir() / "learn" / "chapter.toml"


def load_chapter(path: str | Path | None = None) -> list[Section]:
    """Read and check the chapter; raise ValueError naming the section and field."""
    path = Path(path) if path is not None else default_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read chapter: {exc.strerror or exc}") from None
    data = _parse_toml(raw, path)
    extra = sorted(set(data) - {"section"})
    if extra:
        raise ValueError(f"{path}: unknown top-level key(s): {', '.join(extra)} (expected [[section]] tables)")
    tables = data.get("section")
    if not isinstance(tables, list) or not tables:
        raise ValueError(f"{path}: no [[section]] tables found")
    sections: list[Section] = []
    seen: set[str] = set()
    for index, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            raise ValueError(f"{path}: section #{index} is not a table")
        section = _section(table, index, path)
        if section.id in seen:
            raise ValueError(f"{path}: section {section.id!r}: field 'id': duplicate id")
        seen.add(section.id)
        sections.append(section)
    return sections


def _parse_toml(raw: str, path: Path) -> dict[str, Any]:
    try:
        return _toml.loads(raw)
    except _toml.TOMLDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML: {exc}") from None


def _section(table: dict[str, Any], index: int, path: Path) -> Section:
    sid = table.get("id")
    label = f"section {sid!r}" if isinstance(sid, str) and sid.strip() else f"section #{index}"

    def fail(field: str, problem: str) -> ValueError:
        return ValueError(f"{path}: {label}: field {field!r}: {problem}")

    for field in _REQUIRED:
        if field not in table:
            raise fail(field, "missing")
    unknown = sorted(set(table) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise fail(unknown[0], f"unknown field (allowed: {', '.join(_REQUIRED + _OPTIONAL)})")

    def text(field: str) -> str:
        value = table[field]
        if not isinstance(value, str) or not value.strip():
            raise fail(field, "must be a non-empty string")
        return value.strip()

    def text_list(field: str, allow_empty: bool) -> tuple[str, ...]:
        value = table.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail(field, "must be a list of non-empty strings")
        if not value and not allow_empty:
            raise fail(field, "must not be empty")
        return tuple(v.strip() for v in value)

    sid, title, body = text("id"), text("title"), text("body")
    key_points = text_list("key_points", allow_empty=False)
    formulas = text_list("formulas", allow_empty=True)
    topics = text_list("practice_topics", allow_empty=True)
    for topic in topics:
        if topic not in KNOWN_TOPICS:
            raise fail("practice_topics", f"unknown topic {topic!r} (known: {', '.join(KNOWN_TOPICS)})")
    preset = table.get("try_preset")
    if preset is not None and preset not in KNOWN_PRESETS:
        raise fail("try_preset", f"unknown preset {preset!r} (known: {', '.join(KNOWN_PRESETS)})")
    lab = table.get("try_lab")
    if lab is not None and lab not in KNOWN_LAB_PRESETS:
        raise fail("try_lab", f"unknown lab preset {lab!r} (known: {', '.join(KNOWN_LAB_PRESETS)})")

    for field, values in (("title", [title]), ("body", paragraphs(body)), ("key_points", key_points)):
        for block in values:
            if _has_unpaired_dollar(block):
                raise fail(field, f"unbalanced $ in {_excerpt(block)!r}")
    for formula in formulas:
        if _next_dollar(formula, 0) is not None:
            raise fail("formulas", f"write display formulas without $: {_excerpt(formula)!r}")
    return Section(sid, title, body, formulas, preset, topics, key_points, lab)


def _has_unpaired_dollar(block: str) -> bool:
    return any(not is_math and _next_dollar(piece, 0) is not None for piece, is_math in split_math(block))


def _excerpt(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 3] + "..."
