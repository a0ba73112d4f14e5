"""GIFT, Moodle's plain-text question format: a writer for the bank and a reader into items.

Writing (:func:`export_gift`): multiple choice (``choice`` and ``computed_choice``),
true/false, numeric, select-all, matching and short-answer items. GIFT has no formulas,
so a parameterised item becomes up to N concrete variants (seeds 0..N-1, identical variants written once; the header counts
the items that gave fewer). Each topic gets a ``$CATEGORY:`` line; each question a title
``::id::`` (``::id#seed::`` for a variant) and ``//`` comments that carry what GIFT
cannot say (``[id:...]`` and ``[tag:...]``, which Moodle reads too, ``[category:...]``,
``[difficulty:...]``, ``[tolerance:...]``, ...), so that reading the file back gives the
same items. A numeric answer is written as the item displays it, ``{#0.004264:t}``; when
that is rounded, the exact value follows as a second full-credit answer,
``{#=0.004264:t1 =0.004264014326930391:t}``, so Moodle shows the first and accepts
exactly the app's interval. The explanation is the general feedback (``####``);
``$...$`` math becomes ``\\(...\\)`` for MathJax; a question with `code`, **bold** or
*italic* is written ``[html]``, the markup as tags.

Select-all-that-apply (``multiple``) items are written with Moodle's multiple-response
weights (``~%50%right ~%-50%wrong``), matching items as ``=left -> right`` pairs (an
extra right-hand option as ``= -> extra``), short answers as ``{=a =b}`` (``reject``
and ``typos`` in ``//`` comments). GIFT has no ordering question: those items are left
out with a note (Moodle XML carries them).

Reading (:func:`read_gift`, :func:`import_gift`): never raises on any text. It returns
the item tables it could build (see :mod:`quizapp.bank.tomlwrite`), the questions it
skipped with their line and type, and non-fatal notes. Read: multiple choice with one
correct answer, multiple response with ``~%n%`` weights (no answer at 100 %) into
``multiple``, matching (``=a -> b``) into ``matching``, short answer (only ``=``
answers) into ``short``, true/false (with feedback), numerical (``value:tolerance``,
``min..max``, several answers of which one full-credit one is kept: the one matching
``[tolerance:...]`` if any, else the first), ``$CATEGORY:``,
titles, ``//`` comments with ``[id:...]`` and ``[tag:...]``, the escapes ``\\~ \\= \\#
\\{ \\} \\: \\\\ \\n``, ``[html]``/``[moodle]``/``[plain]``/``[markdown]`` markers,
multi-line questions and missing-word questions (the blank becomes ``_____``).
Skipped: essay, a bare word without ``=`` (``{Momentum}``), description, one-key
questions where other answers earn part or all of the credit, several answer blocks in
one question, and malformed questions.
"""
from __future__ import annotations

import decimal
import html
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator
from urllib.parse import unquote

__all__ = [
    "Concrete", "concrete_questions", "export_gift", "GiftExport", "read_gift", "import_gift",
    "GiftImport", "Skipped", "Note", "escape", "slugify", "dollars_to_mathjax",
    "mathjax_to_dollars", "MAX_GIFT_BYTES",
]

MAX_GIFT_BYTES = 5 * 1024 * 1024
MAX_QUESTIONS = 2000   # the loader's limit of items per file: a larger import is split
MAX_IMPORT_QUESTIONS = 25_000  # more in one GIFT file: nothing is imported (split the file)
SPECIAL = "~=#{}:"

# ====================================================================== shared: concrete questions


@dataclass
class Concrete:
    """One question with every value filled in: what GIFT (and Moodle) can hold."""

    id: str                 # item id, or "<id>.v<seed>" for a variant
    title: str              # item id, or "<id>#<seed>"
    item: Any               # the bank Item
    seed: int | None        # None for a non-parameterised item
    kind: str               # choice | true_false | numeric
    prompt: str
    explanation: str
    choices: list[str] | None = None   # in the order written in the item
    correct: int | None = None         # 1-based
    truth: bool | None = None
    value: float | None = None
    tolerance: float | None = None     # absolute
    shown: str = ""                    # the answer as the app displays it (numeric)

    def numeric_answers(self) -> list[tuple[str, str]]:
        """``(answer, tolerance)`` texts for Moodle: see :func:`moodle_answers`."""
        return moodle_answers(float(self.value), float(self.tolerance), self.shown)
    keys: list[int] | None = None      # multiple: the right choices, 1-based as written
    pairs: list[tuple[str, str]] | None = None  # matching, as written
    extras: list[str] | None = None    # matching: right-hand options that match nothing
    accept: list[str] | None = None    # short


def _render_choices(item, inst) -> tuple[list[str], int]:
    """Choices in the order the item lists them (instances shuffle them)."""
    ans = item.answer
    try:
        if ans.kind == "choice":
            texts = [t.render(inst.params) for t in ans.choices]
        else:
            from quizapp.bank.formulas import evaluate
            from quizapp.bank.render import format_value, scientific

            unit = f" {ans.unit}" if ans.unit else ""
            texts = [scientific(format_value(float(evaluate(f, inst.params)), ans.display)) + unit
                     for f in ans.formulas]
        if sorted(texts) == sorted(inst.choices or []):
            return texts, ans.correct
    except Exception:  # noqa: BLE001 - fall back to the instance's own order
        pass
    return list(inst.choices or []), int(inst.correct_choice or 1)


def concrete_questions(items: Iterable[Any], bank, variants: int = 5,
                       notes: list[str] | None = None) -> Iterator[Concrete]:
    """Concrete questions for ``items``: one per fixed item, up to ``variants`` per parameterised one."""
    notes = notes if notes is not None else []
    for item in items:
        seeds: list[int | None] = list(range(variants)) if item.parameterised else [None]
        seen: set[Any] = set()
        for seed in seeds:
            try:
                inst = bank.instance(item.id, seed or 0)
            except Exception as exc:  # noqa: BLE001 - a broken item must not stop the export
                notes.append(f"{item.id}: seed {seed or 0}: cannot draw an instance ({exc}); left out")
                continue
            q = _concrete(item, inst, seed)
            key = (q.prompt, q.explanation, tuple(q.choices or ()), q.correct, q.truth, q.value,
                   tuple(q.pairs or ()), tuple(q.accept or ()))
            if key in seen:
                continue
            seen.add(key)
            yield q
        if item.parameterised and len(seen) < variants:
            notes.append(f"{item.id}: {len(seen)} distinct variant(s) out of {variants} seeds")


def _concrete(item, inst, seed: int | None) -> Concrete:
    qid = item.id if seed is None else f"{item.id}.v{seed}"
    title = item.id if seed is None else f"{item.id}#{seed}"
    q = Concrete(qid, title, item, seed, "numeric", inst.prompt, inst.explanation)
    if inst.kind == "numeric":
        q.value = float(inst.answer)
        q.tolerance = float(item.answer.tolerance.bound(q.value))
        q.shown = inst.answer_display
    elif inst.kind == "true_false":
        q.kind = "true_false"
        q.truth = bool(inst.answer)
    elif inst.kind in ("multiple", "ordering"):
        q.kind = inst.kind
        ans = item.answer
        q.choices = [t.render(inst.params) for t in ans.choices]  # as written (ordering: in order)
        if inst.kind == "multiple":
            q.keys = list(ans.keys)
    elif inst.kind == "matching":
        q.kind = "matching"
        ans = item.answer
        q.pairs = [(l.render(inst.params), r.render(inst.params)) for l, r in ans.pairs]
        q.extras = [e.render(inst.params) for e in ans.extras]
    elif inst.kind == "short":
        q.kind = "short"
        q.accept = list(inst.accepted or [str(inst.answer)])
    else:
        q.kind = "choice"
        q.choices, q.correct = _render_choices(item, inst)
    return q


def weight_text(weight: float) -> str:
    """A GIFT / Moodle percentage: 50, 33.33333, -100 (at most 5 decimals, as Moodle writes)."""
    text = f"{weight:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number_text(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` (``3`` for 3.0)."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def shown_number(shown: str) -> str | None:
    """The app's display of a number (``0.004264``, ``1,234.5``, ``96.5%``) as a plain number
    Moodle reads (``0.004264``, ``1234.5``, ``0.965``); None if it is not a number."""
    text = shown.strip().replace(",", "").replace("_", "")
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    try:
        exact = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return None
    if not exact.is_finite():
        return None
    if percent:
        return _decimal_text(exact.scaleb(-2))
    return text


def _decimal_text(d: decimal.Decimal) -> str:
    """A Decimal as short plain text (no exponent unless it is very large or small)."""
    if d == 0:
        return "0"
    if -6 <= d.adjusted() < 16:
        text = format(d, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return format(d.normalize(), "e").replace("E", "e")


def _floor_sig(x: float, digits: int = 6) -> str:
    """``x`` >= 0 cut (never rounded up) to ``digits`` significant digits."""
    if x <= 0:
        return "0"
    d = decimal.Decimal(x)
    return _decimal_text(d.quantize(decimal.Decimal(1).scaleb(d.adjusted() - digits + 1),
                                    rounding=decimal.ROUND_DOWN))


def moodle_answers(value: float, bound: float, shown: str) -> list[tuple[str, str]]:
    """``(answer, tolerance)`` texts that make Moodle show what the app shows and accept
    exactly what the app accepts, ``[value - bound, value + bound]``.

    The first answer is the displayed number (with the most digits needed to lie inside the
    interval); when it differs from ``value``, its tolerance is the part of the interval
    around it, and a second full-credit answer holds the exact value and bound, so the two
    together accept the whole interval. Moodle shows the first as the right answer.
    """
    text = shown_number(shown) if shown else None
    if text is None or abs(float(text) - value) > bound:
        text = next(t for t in (_tidy_g(value, k) for k in range(1, 18))
                    if abs(float(t) - value) <= bound or float(t) == value)
    if float(text) == value:
        return [(text, number_text(bound))]
    inner = _floor_sig(bound - abs(float(text) - value))
    return [(text, inner), (number_text(value), number_text(bound))]


def _tidy_g(value: float, digits: int) -> str:
    return format(value, f".{digits}g")


# ====================================================================== text helpers


_DOLLAR = re.compile(r"(?<!\\)\$")


def dollars_to_mathjax(text: str) -> str:
    """``$x$`` -> ``\\(x\\)`` when the unescaped ``$`` pair up and no pair is empty."""
    spots = [m.start() for m in _DOLLAR.finditer(text)]
    if not spots or len(spots) % 2:
        return text
    pairs = list(zip(spots[0::2], spots[1::2]))
    if any(b == a + 1 for a, b in pairs):
        return text
    out, last = [], 0
    for a, b in pairs:
        out.append(text[last:a])
        out.append("\\(" + text[a + 1:b] + "\\)")
        last = b + 1
    out.append(text[last:])
    return "".join(out)


def _pairs_to_dollars(text: str, opening: str, closing: str) -> str:
    """Replace each ``opening...closing`` (non-empty inside) by ``$...$``; a linear scan."""
    out, pos = [], 0
    while True:
        start = text.find(opening, pos)
        if start < 0:
            break
        end = text.find(closing, start + len(opening))
        if end < 0:
            break
        inner = text[start + len(opening):end]
        if inner:
            out.append(text[pos:start] + "$" + inner + "$")
        else:
            out.append(text[pos:end + len(closing)])
        pos = end + len(closing)
    out.append(text[pos:])
    return "".join(out)


def mathjax_to_dollars(text: str) -> str:
    """``\\(x\\)`` and ``$$x$$`` -> ``$x$`` (the app draws ``$...$`` math)."""
    if "\\(" in text:
        text = _pairs_to_dollars(text, "\\(", "\\)")
    if "$$" in text:
        text = _pairs_to_dollars(text, "$$", "$$")
    return text


# The app's inline markup (quizapp.ui.shared.mathtext draws the same): `code`, **bold**, *italic*.
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", re.S)
_SLOT_RE = re.compile("\x00(\\d+)\x00")


def has_markup(text: str) -> bool:
    """Whether the text outside ``$...$`` math holds `code`, **bold** or *italic*."""
    from quizapp.learn import split_math

    prose = " ".join(piece for piece, is_math in split_math(text) if not is_math)
    return any(r.search(prose) for r in (_CODE, _BOLD, _ITALIC))


def text_html(text: str, fields: list[str] | None = None, escape_braces: bool = False) -> str:
    """The app's text as the HTML Moodle should show: escaped, `code` / **bold** / *italic*
    as ``<code>`` / ``<strong>`` / ``<em>``, line breaks as ``<br>``, ``$...$`` as
    ``\\(...\\)`` for MathJax (no markup inside math).

    ``fields`` fills ``\\x00N\\x00`` markers in ``text`` with ready HTML, last (Moodle
    wildcards and ``{=...}`` expressions). ``escape_braces`` writes every other ``{`` as
    ``&#123;``, so that Moodle's calculated questions, which replace ``{name}`` and
    ``{=...}`` anywhere in their text, leave LaTeX groups such as ``\\sqrt{k}`` alone (the
    browser turns the entity back into a brace before MathJax reads it).
    """
    from quizapp.learn import split_math

    if not fields:
        text = text.replace("\x00", "").replace("\x01", "")
    fields = fields or []
    slots: list[str] = []

    def slot(html_text: str) -> str:
        slots.append(html_text)
        return f"\x00{len(fields) + len(slots) - 1}\x00"

    parts = []
    text = text.strip().replace("\r\n", "\n").replace("\r", "\n")
    for piece, is_math in split_math(text):
        if is_math:
            parts.append(slot("\\(" + html.escape(piece[1:-1], quote=False) + "\\)"))
        else:
            parts.append(piece)
    out = html.escape("".join(parts), quote=False)
    out = _CODE.sub(lambda m: slot("<code>" + m.group(1) + "</code>"), out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    out = _ITALIC.sub(r"<em>\1</em>", out)
    out = out.replace("\n", "<br>")
    everything = fields + slots
    while _SLOT_RE.search(out):  # slots may hold other slots (a field inside math or code)
        out = _SLOT_RE.sub(lambda m: everything[int(m.group(1))] if int(m.group(1)) >= len(fields)
                           else "\x01" + m.group(1) + "\x01", out)
    if escape_braces:
        out = out.replace("{", "&#123;")
    return re.sub("\x01(\\d+)\x01", lambda m: fields[int(m.group(1))], out)


def escape(text: str) -> str:
    """Escape for GIFT: ``~ = # { } :`` and backslash get a backslash; newlines become ``\\n``."""
    out = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        if ch == "\\":
            out.append("\\\\")
        elif ch in SPECIAL:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def _gift_text(text: str, html_mode: bool = False) -> str:
    if html_mode:
        return escape(text_html(text))
    return escape(dollars_to_mathjax(text.strip()))


def slugify(text: str, max_len: int = 100) -> str:
    """Lowercase id made of ``a-z 0-9 . _ -`` (accents folded, other runs become ``-``)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9._-]+", "-", folded)
    slug = re.sub(r"-{2,}", "-", slug).strip("-._")
    return slug[:max_len].rstrip("-._")


_META_ESCAPES = {"]": "\\]", "\n": "%0A", "\r": "%0D"}
_HEX_AFTER = re.compile(r"%(?=[0-9A-Fa-f]{2})")


def _meta(key: str, value: Any) -> str:
    """``[key:value]`` for a ``//`` comment, written as Moodle reads ``[id:...]`` and
    ``[tag:...]``: ``]`` as ``\\]``; line breaks (and a ``%`` before two hex digits) are
    percent-encoded for quizapp's reader."""
    text = _HEX_AFTER.sub("%25", str(value))  # a "%41" must not read back as "A"
    if text.endswith("\\"):
        text += " "  # so the closing ] is not escaped (readers strip the space)
    return f"[{key}:{''.join(_META_ESCAPES.get(ch, ch) for ch in text)}]"


# ====================================================================== writer


@dataclass
class GiftExport:
    text: str
    questions: int
    items: int
    notes: list[str] = field(default_factory=list)


def export_gift(bank, variants: int = 5, items: Iterable[Any] | None = None,
                source: str = "") -> GiftExport:
    """The GIFT text for ``items`` (default: every item of ``bank``)."""
    if variants < 1:
        raise ValueError("variants must be at least 1")
    chosen = list(bank.items.values()) if items is None else list(items)
    notes: list[str] = []
    by_topic: dict[str, list[Any]] = {}
    for item in chosen:
        by_topic.setdefault(item.topic, []).append(item)
    source = " ".join(source.split())
    body: list[str] = []
    count = 0
    for topic, topic_items in by_topic.items():
        title = bank.topics.get(topic, topic)
        body.append(f"// {_meta('title', title)}\n$CATEGORY: $course$/top/{topic}")
        for q in concrete_questions(topic_items, bank, variants, notes):
            if q.kind == "ordering":
                notes.append(f"{q.id}: GIFT has no ordering question; left out (the Moodle XML "
                             "export writes it as an Ordering question)")
                continue
            if q.kind == "matching" and any("->" in t for pair in q.pairs or [] for t in pair):
                notes.append(f"{q.id}: a matching entry holds '->', which GIFT cannot escape; left out")
                continue
            body.append(_gift_question(q))
            count += 1
    fewer = sum(1 for n in notes if "distinct variant(s) out of" in n)
    seeds = "seed 0" if variants == 1 else f"seeds 0-{variants - 1}"
    header = [
        f"// Questions exported by quizapp{(' from ' + source) if source else ''}: "
        f"{count} question(s) from {len(chosen)} item(s).",
        f"// GIFT has no formulas: a parameterised item became up to {variants} fixed variant(s) "
        f"({seeds}), identical draws written once"
        + (f" ({fewer} item(s) gave fewer)." if fewer else "."),
        "// Moodle keeps [id:...] as each question's ID number and [tag:...] as its tags; the other",
        "// [key:value] comments are for `quizapp bank import`, which rebuilds the items from them.",
        "// A numerical answer shown rounded is followed by the exact value, so that Moodle accepts",
        "// the same interval as quizapp.",
    ]
    return GiftExport("\n\n".join(["\n".join(header)] + body) + "\n", count, len(chosen), notes)


def _gift_question(q: Concrete) -> str:
    item = q.item
    lines = []
    ident = [_meta("id", q.id)]
    if q.seed is not None:
        ident += [_meta("variant-of", item.id), _meta("seed", q.seed)]
    lines.append("// " + " ".join(ident))
    info = [_meta("category", item.category), _meta("difficulty", item.difficulty)]
    ans = item.answer
    if q.kind == "numeric":
        tol = ans.tolerance
        info.append(_meta("tolerance", f"{tol.kind}={number_text(tol.amount)}"))
        if ans.display != ".4g":
            info.append(_meta("display", ans.display))
        if ans.unit:
            info.append(_meta("unit", ans.unit))
    if q.kind == "short":
        info += [_meta("reject", r) for r in ans.reject]
        if ans.typos:
            info.append(_meta("typos", ans.typos))
    if item.preset:
        info.append(_meta("preset", item.preset))
    lines.append("// " + " ".join(info))
    if item.tags:
        lines.append("// " + " ".join(_meta("tag", t) for t in item.tags))
    # Moodle takes a multiple-choice answer block holding "->" for a matching question;
    # such a question is written as [html] with ">" as "&gt;" (the reader undoes both).
    # Text with `code`, **bold** or *italic* is [html] too, so Moodle shows the markup
    # (Moodle's own [markdown] would eat the backslashes of \(...\) math).
    texts = [q.prompt, q.explanation, *(q.choices or [])]
    as_html = ((q.kind == "choice" and any("->" in t for t in texts[1:]))
               or any(has_markup(t) for t in texts))
    text = (lambda t: _gift_text(t, html_mode=True)) if as_html else _gift_text
    prompt = text(q.prompt)
    if as_html:
        prompt = "[html]" + prompt
    elif re.match(r"^\s*\[(html|moodle|plain|markdown)\]", prompt, re.I):
        prompt = "[moodle]" + prompt
    head = f"::{escape(q.title)}::{prompt}"
    feedback = text(q.explanation)
    general = f"####{feedback}" if feedback else ""
    if q.kind == "numeric":
        answers = q.numeric_answers()
        if len(answers) == 1:
            block = f"{answers[0][0]}:{answers[0][1]}"
        else:  # the shown answer first (Moodle displays it), then the exact one
            block = " ".join(f"={a}:{tol}" for a, tol in answers)
        lines.append(f"{head} {{#{block}{general}}}")
    elif q.kind == "true_false":
        lines.append(f"{head} {{{'TRUE' if q.truth else 'FALSE'}{general}}}")
    elif q.kind == "short":
        lines.append(f"{head} {{" + " ".join(f"={text(a)}" for a in q.accept or []) + f"{general}}}")
    elif q.kind == "matching":
        lines.append(head + " {")
        for left, right in q.pairs or []:
            lines.append(f"  ={text(left)} -> {text(right)}")
        for extra in q.extras or []:
            lines.append(f"  = -> {text(extra)}")
        if general:
            lines.append(f"  {general}")
        lines.append("}")
    elif q.kind == "multiple":
        from quizapp.bank.kinds import multiple_weights

        weights = multiple_weights(len(q.choices or []), q.keys or [])
        lines.append(head + " {")
        for choice, w in zip(q.choices or [], weights):
            lines.append(f"  ~%{weight_text(w)}%{text(choice)}")
        if general:
            lines.append(f"  {general}")
        lines.append("}")
    else:
        lines.append(head + " {")
        for n, choice in enumerate(q.choices or [], 1):
            mark = "=" if n == q.correct else "~"
            lines.append(f"  {mark}{text(choice)}")
        if general:
            lines.append(f"  {general}")
        lines.append("}")
    return "\n".join(lines)


# ====================================================================== reader: data


@dataclass(frozen=True)
class Skipped:
    line: int
    type: str       # essay | matching | short answer | description | multiple response | ...
    reason: str
    title: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "type": self.type, "reason": self.reason, "title": self.title}


@dataclass(frozen=True)
class Note:
    line: int
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass
class GiftImport:
    items: list[dict[str, Any]] = field(default_factory=list)   # item tables, each with "topic"
    lines: list[int] = field(default_factory=list)              # line of each item
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    topics: dict[str, str] = field(default_factory=dict)        # topic -> title
    _cache: dict = field(default_factory=dict, repr=False, compare=False)  # TOML of each item
    too_many: bool = False   # more than MAX_IMPORT_QUESTIONS: nothing was imported

    def skipped_by_type(self) -> dict[str, int]:
        return dict(Counter(s.type for s in self.skipped))

    def summary(self) -> str:
        text = f"imported {len(self.items)}; skipped {len(self.skipped)}"
        if self.skipped:
            text += " (" + ", ".join(f"{t}: {n}" for t, n in self.skipped_by_type().items()) + ")"
        return text

    def main_topic(self, default: str = "imported") -> str:
        if not self.items:
            return default
        return Counter(t["topic"] for t in self.items).most_common(1)[0][0]

    def toml(self, default_topic: str = "imported", header: str | None = None,
             topic: str | None = None) -> str:
        """The items as one TOML file (topic = the commonest topic; others set per item).

        More than a bank file holds (:meth:`toml_parts` splits them) still gives one text."""
        topic = topic or self.main_topic(default_topic)
        head = self._head(topic, header)
        return head + "".join("\n\n" + self._block(t, topic) for t in self.items)

    def toml_parts(self, default_topic: str = "imported", header: str | None = None) -> list[tuple[str, int]]:
        """The items as TOML files the loader accepts, in order: ``[(text, item count)]``.

        One file holds at most ``loader.MAX_ITEMS_PER_FILE`` items and
        ``loader.MAX_FILE_BYTES`` bytes, so a large import is split into several files
        (each with the same topic and title)."""
        from quizapp.bank.loader import MAX_FILE_BYTES, MAX_ITEMS_PER_FILE

        topic = self.main_topic(default_topic)
        head = self._head(topic, header)
        room = MAX_FILE_BYTES - 4096
        parts: list[tuple[str, int]] = []
        blocks: list[str] = []
        size = len(head.encode("utf-8"))
        for table in self.items:
            block = "\n\n" + self._block(table, topic)
            n = len(block.encode("utf-8"))
            if blocks and (len(blocks) >= MAX_ITEMS_PER_FILE or size + n > room):
                parts.append((head + "".join(blocks), len(blocks)))
                blocks, size = [], len(head.encode("utf-8"))
            blocks.append(block)
            size += n
        if blocks:
            parts.append((head + "".join(blocks), len(blocks)))
        return parts

    def _head(self, topic: str, header: str | None) -> str:
        from quizapp.bank.tomlwrite import document_text

        title = self.topics.get(topic, topic.replace("-", " ").capitalize())
        return document_text(topic, title, [], header=header).rstrip("\n")

    def _block(self, table: dict[str, Any], topic: str) -> str:
        from quizapp.bank.tomlwrite import item_text

        key = (table.get("id"), topic)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is table:
            return cached[1]
        t = dict(table)
        if t.get("topic") == topic:
            del t["topic"]
        text = item_text(t).rstrip("\n") + "\n"
        self._cache[key] = (table, text)
        return text

    def to_json(self) -> dict[str, Any]:
        return {"imported": len(self.items), "ids": [t["id"] for t in self.items],
                "skipped": [s.to_json() for s in self.skipped],
                "skipped_by_type": self.skipped_by_type(),
                "notes": [n.to_json() for n in self.notes]}


# ====================================================================== reader: lexing

# escapes become private-use characters while the structure is parsed
_ESC = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004", "}": "\ue005",
        ":": "\ue006", "n": "\ue007"}
_UNESC = {v: ("\n" if k == "n" else k) for k, v in _ESC.items()}
_PUA = re.compile("[\ue000-\ue007]")
_ESCAPE_RE = re.compile(r"\\([\\~=#{}:n])")
_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.I)
_META = re.compile(r"\[([A-Za-z][A-Za-z_-]{0,20})\s*:((?:\\\]|[^\]\n]){0,300})\]")
_WEIGHT = re.compile(r"^\s*%\s*(-?\d+(?:\.\d*)?|-?\.\d+)\s*%")
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*$")
_VALUE_TOL = re.compile(rf"^\s*({_NUM})\s*(?::\s*({_NUM})\s*)?$")
_TAG = re.compile(r"<[^<>]{0,500}>")


def _protect(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _ESC[m.group(1)], text)


def _unprotect(text: str) -> str:
    return _PUA.sub(lambda m: _UNESC[m.group(0)], text)


@dataclass
class _Block:
    line: int                       # first line of the block (1-based)
    lines: list[tuple[int, str]]    # (line number, text) of non-comment lines
    comments: list[str]


def _blocks(text: str) -> Iterator[_Block]:
    current: _Block | None = None
    for n, raw in enumerate(text.split("\n"), 1):
        stripped = raw.strip()
        if not stripped:
            if current is not None:
                yield current
                current = None
            continue
        if current is None:
            current = _Block(n, [], [])
        if stripped.startswith("//"):
            current.comments.append(stripped[2:])
        else:
            current.lines.append((n, stripped))
    if current is not None:
        yield current


def _metadata(comments: list[str]) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    for c in comments:
        for m in _META.finditer(c):
            meta.setdefault(m.group(1).lower(), []).append(unquote(m.group(2).replace("\\]", "]")).strip())
    return meta


def _clean_text(raw: str, fmt: str | None) -> str:
    """Protected text -> plain text: escapes restored, format marker applied, math as $...$."""
    text = _unprotect(raw)
    if fmt == "html":
        text = re.sub(r"(?i)<br\s*/?>|</p\s*>", "\n", text)
        # the markup the app draws: `code`, **bold**, *italic*
        text = re.sub(r"(?is)<code>([^<>`\n]+)</code>", r"`\1`", text)
        text = re.sub(r"(?is)<(strong|b)>([^<>]+)</\1>", r"**\2**", text)
        text = re.sub(r"(?is)<(em|i)>([^<>*]+)</\1>", r"*\2*", text)
        text = _TAG.sub("", text)
        text = html.unescape(text)
    text = mathjax_to_dollars(text)
    return text.replace("\r", "").strip()


def _split_format(raw: str, default: str | None) -> tuple[str, str | None]:
    m = _FORMAT.match(raw)
    if m:
        return raw[m.end():], m.group(1).lower()
    return raw, default


def _template(text: str) -> str:
    """Plain text -> bank template text (literal braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


def _number(text: str) -> float | int | None:
    try:
        value = float(text)
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(value) or abs(value) > 1e12:
        return None
    if re.fullmatch(r"[+-]?\d+", text.strip()) and abs(value) < 2**53:
        return int(text)
    return value


class _Skip(Exception):
    def __init__(self, type_: str, reason: str):
        super().__init__(reason)
        self.type = type_
        self.reason = reason


# ====================================================================== reader: questions


def read_gift(text: Any, default_topic: str = "imported") -> GiftImport:
    """Parse GIFT text into item tables; never raises (bad input ends up in skipped/notes)."""
    result = GiftImport()
    try:
        _read(text, default_topic, result)
    except Exception as exc:  # noqa: BLE001 - a last safety net: report, never crash
        result.notes.append(Note(0, f"internal error while reading: {type(exc).__name__}: {exc}"))
    return result


def _read(text: Any, default_topic: str, result: GiftImport) -> None:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            result.notes.append(Note(0, "the file is not UTF-8 text"))
            return
    if not isinstance(text, str):
        result.notes.append(Note(0, "not text"))
        return
    if len(text) > MAX_GIFT_BYTES:
        result.notes.append(Note(0, f"the file is larger than {MAX_GIFT_BYTES // (1024 * 1024)} MB; "
                                    "split it"))
        return
    default_topic = slugify(default_topic) or "imported"
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = _PUA.sub("\ufffd", text)
    topic = default_topic
    used_ids: set[str] = set()
    counter = Counter()
    for block in _blocks(text):
        if len(result.items) + len(result.skipped) >= MAX_IMPORT_QUESTIONS:
            # a 5 MB file of tiny questions would hold hundreds of thousands: refuse loudly
            result.notes.append(Note(block.line, f"the file holds more than {MAX_IMPORT_QUESTIONS:,} "
                                                 "questions, more than one import takes; nothing was "
                                                 "imported: split the file (for example by $CATEGORY)"))
            result.items.clear()
            result.lines.clear()
            result.skipped.clear()
            result.too_many = True
            return
        meta = _metadata(block.comments)
        if not block.lines:
            continue
        first = block.lines[0][1]
        if first.upper().startswith("$CATEGORY:"):
            topic = _category_topic(first[len("$CATEGORY:"):], default_topic, meta, result)
            rest = block.lines[1:]
            if not rest:
                continue
            block = _Block(rest[0][0], rest, [])
            meta = {}
        line = block.lines[0][0]  # the question's own first line (after its comments)
        try:
            table = _question(block, meta, topic)
        except _Skip as skip:
            result.skipped.append(Skipped(line, skip.type, skip.reason, _peek_title(block)))
            continue
        table["id"] = _unique_id(table, meta, topic, used_ids, counter, line, result)
        notes = table.pop("_notes", [])
        for message in notes:
            result.notes.append(Note(line, f"{table['id']}: {message}"))
        result.items.append(table)
        result.lines.append(line)
        result.topics.setdefault(topic, topic.replace("-", " ").capitalize())


def _category_topic(path: str, default: str, meta: dict[str, list[str]], result: GiftImport) -> str:
    parts = [p.strip() for p in path.split("/")]
    parts = [p for p in parts if p and not p.startswith("$") and p.lower() != "top"]
    if not parts:
        return default
    topic = slugify(parts[-1]) or default
    title = (meta.get("title") or [parts[-1]])[-1]
    result.topics[topic] = title[:200]
    return topic


def _peek_title(block: _Block) -> str:
    first = block.lines[0][1] if block.lines else ""
    m = re.match(r"^::(.*?)::", _protect(first))
    shown = _unprotect(m.group(1)) if m else first
    return shown.strip()[:60]


def _question(block: _Block, meta: dict[str, list[str]], topic: str) -> dict[str, Any]:
    raw = _protect("\n".join(text for _, text in block.lines))
    title = ""
    if raw.startswith("::"):
        end = raw.find("::", 2)
        if end < 0:
            raise _Skip("malformed", "the title has no closing '::'")
        title = _unprotect(raw[2:end]).strip()
        raw = raw[end + 2:]
    open_at = raw.find("{")
    close_at = raw.find("}")
    if open_at < 0:
        if close_at >= 0:
            raise _Skip("malformed", "a '}' without '{' (write \\} for a literal brace)")
        raise _Skip("description", "no answer block {...}: a description, not a question")
    close_at = raw.find("}", open_at)
    if close_at < 0:
        raise _Skip("malformed", "the answer block '{' is never closed")
    before, answer, after = raw[:open_at], raw[open_at + 1:close_at], raw[close_at + 1:]
    if "}" in before:
        raise _Skip("malformed", "a '}' before the answer block (write \\} for a literal brace)")
    if "{" in answer:
        raise _Skip("malformed", "a '{' inside the answer block (write \\{ for a literal brace)")
    if "{" in after or "}" in after:
        raise _Skip("several answer blocks", "more than one answer block (embedded answers / cloze)")
    before, fmt = _split_format(before, None)
    prompt = _clean_text(before, fmt)
    tail = _clean_text(after, fmt)
    if tail:
        prompt = (prompt + " _____ " + tail).strip()
    if not prompt:
        raise _Skip("malformed", "the question has no text")
    general = ""
    if "####" in answer:
        answer, general_raw = answer.split("####", 1)
        general_raw, gfmt = _split_format(general_raw, fmt)
        general = _clean_text(general_raw, gfmt)
    stripped = answer.strip()
    if not stripped:
        raise _Skip("essay", "an empty answer block {} is an essay question")
    notes: list[str] = []
    if stripped.startswith("#"):
        answer_table, feedback = _numeric(stripped[1:], fmt, notes, meta)
        default_category = "calculation"
    elif _is_matching(stripped):
        answer_table, feedback = _matching(stripped, fmt)
        default_category = "concept"
    elif _is_short(stripped):
        answer_table, feedback = _short(stripped, fmt, notes, meta)
        default_category = "definition"
    elif re.fullmatch(r"(?i)(t|true|f|false)", stripped.split("#", 1)[0].strip()):
        answer_table, feedback = _true_false(stripped, fmt)
        default_category = "true_false"
    else:
        answer_table, feedback = _choice(stripped, fmt, notes)
        default_category = "choice"
    table: dict[str, Any] = {"topic": topic}
    category = (meta.get("category") or [""])[-1]
    from quizapp.bank.model import CATEGORIES, PRESETS

    table["category"] = category if category in CATEGORIES else default_category
    difficulty = (meta.get("difficulty") or [""])[-1]
    table["difficulty"] = int(difficulty) if difficulty in ("1", "2", "3") else 2
    tags = [t for t in meta.get("tag", []) + meta.get("tags", []) if t]
    if tags:
        table["tags"] = list(dict.fromkeys(t[:100] for t in tags))
    table["prompt"] = _template(prompt)
    parts = [p for p in [general] + feedback if p]
    table["explanation"] = _template("\n\n".join(parts)) if parts else "The answer is {answer}."
    preset = (meta.get("preset") or [""])[-1]
    if preset in PRESETS:
        table["preset"] = preset
    table["answer"] = answer_table
    table["_title"] = title
    table["_notes"] = notes
    return table


def _is_matching(text: str) -> bool:
    """Only '=' answers, each of the form 'a -> b'."""
    lead, answers = _answers(text)
    return (bool(answers) and not lead.strip() and all(mark == "=" for mark, _ in answers)
            and all("->" in body.partition("#")[0] for _, body in answers))


def _is_short(text: str) -> bool:
    """Only '=' answers (none of them 'a -> b'): the answers a typed word may match."""
    lead, answers = _answers(text)
    return (bool(answers) and not lead.strip() and all(mark == "=" for mark, _ in answers)
            and not any("->" in body.partition("#")[0] for _, body in answers))


def _matching(text: str, fmt: str | None) -> tuple[dict[str, Any], list[str]]:
    """``=left -> right`` pairs; ``= -> right`` (no left) is a right-hand option that matches nothing."""
    from quizapp.bank.loader import MAX_CHOICES, MAX_STEPS

    _, answers = _answers(text)
    pairs: list[list[str]] = []
    extras: list[str] = []
    for _, body in answers:
        left_raw, _, right_raw = body.partition("->")
        right_raw = right_raw.partition("#")[0]
        left = _clean_text(_split_format(left_raw, fmt)[0], fmt)
        right = _clean_text(_split_format(right_raw, fmt)[0], fmt)
        if not right:
            raise _Skip("malformed", "a matching pair with nothing after '->'")
        if left:
            pairs.append([_template(left), _template(right)])
        else:
            extras.append(_template(right))
    if not 2 <= len(pairs) <= MAX_STEPS:
        raise _Skip("malformed", f"{len(pairs)} matching pair(s); the bank takes 2 to {MAX_STEPS}")
    lefts = [" ".join(p[0].split()).lower() for p in pairs]
    if len(set(lefts)) != len(lefts):
        raise _Skip("malformed", "two matching entries have the same text")
    rights = {" ".join(p[1].split()).lower() for p in pairs}
    extras = [e for e in dict.fromkeys(extras) if " ".join(e.split()).lower() not in rights]
    if len(rights) + len(extras) > MAX_CHOICES:
        raise _Skip("malformed", f"more than {MAX_CHOICES} right-hand options")
    answer: dict[str, Any] = {"kind": "matching", "pairs": pairs}
    if extras:
        answer["extras"] = extras
    return answer, []


def _short(text: str, fmt: str | None, notes: list[str],
           meta: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    """``{=a =b}``: the full-credit answers are accepted; partly credited ones are dropped."""
    from quizapp.bank.kinds import MAX_ACCEPT, MAX_SHORT_TEXT, MAX_TYPOS, normalise_short

    _, answers = _answers(text)
    accept: list[str] = []
    feedback: list[str] = []
    dropped = 0
    for _, body in answers:
        weight, body = _weight(body)
        word, fb = _feedback(body, fmt)
        if not word:
            raise _Skip("malformed", "an empty accepted answer")
        if weight is not None and weight < 100 - 1e-9:
            dropped += 1
            continue
        if len(word) > MAX_SHORT_TEXT:
            raise _Skip("malformed", f"an accepted answer longer than {MAX_SHORT_TEXT} characters")
        if normalise_short(word) not in (normalise_short(a) for a in accept):
            accept.append(word)
        if fb:
            feedback.append(f"{word}: {fb}")
    if not accept:
        raise _Skip("malformed", "no full-credit answer ('=' or '=%100%')")
    if len(accept) > MAX_ACCEPT:
        raise _Skip("malformed", f"{len(accept)} accepted answers; the bank takes at most {MAX_ACCEPT}")
    if dropped:
        notes.append(f"{dropped} partly credited answer(s) dropped (a short answer is right or wrong)")
    answer: dict[str, Any] = {"kind": "short", "accept": accept}
    wanted = {normalise_short(a) for a in accept}
    reject = [r[:MAX_SHORT_TEXT] for r in meta.get("reject", [])
              if normalise_short(r) and normalise_short(r) not in wanted][:MAX_ACCEPT]
    if reject:
        answer["reject"] = list(dict.fromkeys(reject))
    typos = (meta.get("typos") or [""])[-1]
    if typos.isdigit() and 0 < int(typos) <= MAX_TYPOS:
        answer["typos"] = int(typos)
    return answer, feedback


def _answers(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Split protected answer text at unescaped ``=`` / ``~``: (leading text, [(mark, body)])."""
    parts = re.split(r"([=~])", text)
    lead = parts[0]
    return lead, [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


def _weight(body: str) -> tuple[float | None, str]:
    m = _WEIGHT.match(body)
    if not m:
        return None, body
    try:
        return float(m.group(1)), body[m.end():]
    except ValueError:  # pragma: no cover - the regex only matches numbers
        return None, body[m.end():]


def _feedback(body: str, fmt: str | None) -> tuple[str, str]:
    text, _, fb = body.partition("#")
    text, tfmt = _split_format(text, fmt)
    fb, ffmt = _split_format(fb, fmt)
    return _clean_text(text, tfmt), _clean_text(fb, ffmt)


def _choice(text: str, fmt: str | None, notes: list[str]) -> tuple[dict[str, Any], list[str]]:
    lead, answers = _answers(text)
    if lead.strip() and not answers:
        raise _Skip("short answer", "an answer block with no '=' or '~': a bare word is not a GIFT "
                                    "short-answer question; mark each accepted answer with '=' "
                                    "({=word =other spelling})")
    if lead.strip():
        raise _Skip("malformed", f"text before the first '=' or '~' in the answer block: "
                                 f"{_unprotect(lead.strip())[:40]!r}")
    choices, full, partial, feedback = [], [], 0, []
    weights: list[float] = []
    for mark, body in answers:
        weight, body = _weight(body)
        text_, fb = _feedback(body, fmt)
        if not text_:
            raise _Skip("malformed", "an empty answer in a multiple-choice question")
        if mark == "=":
            weight = 100.0 if weight is None else weight
        else:
            weight = 0.0 if weight is None else weight
        if weight >= 100 - 1e-9:
            full.append(len(choices))
        elif weight > 0:
            partial += 1
        weights.append(weight)
        choices.append(text_)
        if fb:
            feedback.append(f"{text_}: {fb}")
    if not full and partial:
        return _multiple(choices, weights, notes), feedback
    if partial or len(full) > 1:
        raise _Skip("multiple response", "one answer earns full credit and others some, or several "
                                         "'=' answers are each fully right alone: the bank's choice "
                                         "items have one key (for select-all-that-apply, weight the "
                                         "right answers ~%50% and the wrong ones ~%-50%)")
    for text_, weight in zip(choices, weights):
        if weight < 0:
            notes.append(f"the penalty {weight:g}% on {text_[:30]!r} is dropped (the bank has no penalties)")
    if not full:
        raise _Skip("malformed", "no correct answer: mark one with '='")
    if len(choices) < 2:
        raise _Skip("malformed", "a multiple-choice question needs at least two answers")
    from quizapp.bank.loader import MAX_CHOICES

    if len(choices) > MAX_CHOICES:
        raise _Skip("malformed", f"{len(choices)} answers; the bank allows at most {MAX_CHOICES}")
    normal = [" ".join(c.split()).lower() for c in choices]
    if len(set(normal)) != len(normal):
        raise _Skip("malformed", "two answers have the same text")
    answer = {"kind": "choice", "choices": [_template(c) for c in choices], "correct": full[0] + 1}
    return answer, feedback


def _multiple(choices: list[str], weights: list[float], notes: list[str]) -> dict[str, Any]:
    """``~%50%a ~%50%b ~%-100%c``: the positively weighted answers are the right ones."""
    from quizapp.bank.kinds import multiple_weights
    from quizapp.bank.loader import MAX_CHOICES

    n = len(choices)
    if not 3 <= n <= MAX_CHOICES:
        raise _Skip("malformed", f"a select-all question needs 3 to {MAX_CHOICES} answers, got {n}")
    normal = [" ".join(c.split()).lower() for c in choices]
    if len(set(normal)) != len(normal):
        raise _Skip("malformed", "two answers have the same text")
    keys = [i + 1 for i, w in enumerate(weights) if w > 0]
    if len(keys) == n:
        raise _Skip("malformed", "every answer earns credit: nothing to leave unticked")
    if len(keys) > 10 or n - len(keys) > 10:
        raise _Skip("malformed", "more than 10 right or 10 wrong answers")
    if abs(sum(w for w in weights if w > 0) - 100) > 0.5:
        notes.append(f"the positive weights add up to {sum(w for w in weights if w > 0):g}%, not 100%")
    ours = multiple_weights(n, keys)
    if any(abs(a - b) > 0.01 for a, b in zip(ours, weights)):
        notes.append("weights " + " ".join(f"{w:g}%" for w in weights) + " became equal shares: "
                     + " ".join(f"{weight_text(w)}%" for w in ours)
                     + " (each right answer 1/k, each wrong one -1/(n-k))")
    return {"kind": "multiple", "choices": [_template(c) for c in choices], "correct": keys}


def _true_false(text: str, fmt: str | None) -> tuple[dict[str, Any], list[str]]:
    bits = text.split("#", 2)
    truth = bits[0].strip().lower() in ("t", "true")
    feedback = []
    wrong = _clean_text(_split_format(bits[1], fmt)[0], fmt) if len(bits) > 1 else ""
    right = _clean_text(_split_format(bits[2], fmt)[0], fmt) if len(bits) > 2 else ""
    if right:
        feedback.append(right)
    if wrong:
        feedback.append(f"If you answered {'False' if truth else 'True'}: {wrong}")
    return {"kind": "true_false", "value": truth}, feedback


def _numeric(text: str, fmt: str | None, notes: list[str],
             meta: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    body = text.strip()
    if not body:
        raise _Skip("malformed", "a numerical answer block {#} with no number")
    if body[0] in "=~":
        lead, answers = _answers(body)
    else:
        lead, answers = "", [("=", body)]
    if lead.strip():
        raise _Skip("malformed", f"text before the first numerical answer: {_unprotect(lead.strip())[:40]!r}")
    full = []
    dropped = 0
    otherwise: list[str] = []
    for mark, part in answers:
        weight, part = _weight(part)
        weight = (100.0 if mark == "=" else 0.0) if weight is None else weight
        number, _, fb = part.partition("#")
        if mark == "~" and not _unprotect(number).strip() and not weight:
            # Moodle writes the feedback for "any other answer" as ~#feedback
            text_ = _clean_text(_split_format(fb, fmt)[0], fmt)
            if text_:
                otherwise.append(text_)
            continue
        parsed = _number_answer(_unprotect(number))
        if parsed is None:
            raise _Skip("malformed", f"cannot read {_unprotect(number).strip()[:40]!r} as a number, "
                                     "value:tolerance or min..max")
        if weight >= 100 - 1e-9:
            full.append((parsed, fb))
        else:
            dropped += 1
    if not full:
        raise _Skip("malformed", "no full-credit numerical answer ('=' or '=%100%')")
    # quizapp writes a rounded answer first and the exact one (matching [tolerance:...]) after
    # it; keep the exact one, and count only answers that accept something it does not
    chosen = next((c for c in full if _meta_tolerance(c[0][0], c[0][1], meta)), full[0])
    (cv, ct), _ = chosen
    for (v, tol), _fb in full:
        if (v, tol) != (cv, ct) and not (cv - ct <= v - tol and v + tol <= cv + ct):
            dropped += 1
    if dropped:
        notes.append(f"kept the full-credit answer; {dropped} other numerical answer(s) dropped")
    (value, tol), fb = chosen
    answer: dict[str, Any] = {"kind": "numeric", "value": value}
    answer["tolerance"] = _tolerance(value, tol, meta)
    display = (meta.get("display") or [""])[-1]
    if display and _display_ok(display):
        answer["display"] = display
    else:
        auto = _auto_display(value, answer["tolerance"])
        if auto != ".4g":
            answer["display"] = auto
    unit = (meta.get("unit") or [""])[-1]
    if unit:
        answer["unit"] = unit[:40]
    feedback_text = _clean_text(_split_format(fb, fmt)[0], fmt)
    feedback = [feedback_text] if feedback_text else []
    feedback += [f"For any other answer: {text_}" for text_ in otherwise]
    return answer, feedback


def _number_answer(text: str) -> tuple[float | int, float | int] | None:
    m = _RANGE.match(text)
    if m:
        lo, hi = _number(m.group(1)), _number(m.group(2))
        if lo is None or hi is None:
            return None
        lo, hi = min(lo, hi), max(lo, hi)
        mid = float(f"{(lo + hi) / 2:.15g}")    # 0.85..0.95 -> 0.9, not 0.8999999999999999
        half = float(f"{(hi - lo) / 2:.15g}")
        return _tidy(mid), _tidy(half)
    m = _VALUE_TOL.match(text)
    if not m:
        return None
    value = _number(m.group(1))
    tol = _number(m.group(2)) if m.group(2) is not None else 0
    if value is None or tol is None:
        return None
    return value, abs(tol)


def _tidy(x: float) -> float | int:
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def _tolerance(value: float, tol: float, meta: dict[str, list[str]]) -> dict[str, Any]:
    """The absolute tolerance read, or the item's own kind from ``[tolerance:...]`` when it agrees."""
    return _meta_tolerance(value, tol, meta) or {"absolute": tol}


def _meta_tolerance(value: float, tol: float, meta: dict[str, list[str]]) -> dict[str, Any] | None:
    """The ``[tolerance:...]`` comment's tolerance if it gives ``tol`` around ``value``."""
    from quizapp.bank.model import Tolerance

    spec = (meta.get("tolerance") or [""])[-1]
    m = re.fullmatch(r"\s*(relative|absolute|sigfigs)\s*=\s*(" + _NUM + r")\s*", spec)
    if m:
        kind, amount = m.group(1), _number(m.group(2))
        if amount is not None and amount >= 0 and not (kind == "relative" and amount >= 1):
            if kind != "sigfigs" or (isinstance(amount, int) and 1 <= amount <= 15):
                bound = Tolerance(kind, amount).bound(float(value))
                if math.isclose(bound, float(tol), rel_tol=1e-9, abs_tol=1e-300):
                    return {kind: amount}
    return None


def _display_ok(spec: str) -> bool:
    from quizapp.bank.render import TemplateError, format_value

    if len(spec) > 20:
        return False
    try:
        format_value(2.0, spec)   # what the loader accepts ("d" included)
        return True
    except (TemplateError, ValueError, TypeError):
        return False


def _auto_display(value: float, tolerance: dict[str, Any]) -> str:
    """Fewest significant digits (at least 4) whose shown value is accepted."""
    from quizapp.bank.model import Tolerance

    (kind, amount), = tolerance.items()
    tol = Tolerance(kind, amount)
    for digits in range(4, 18):
        shown = float(format(float(value), f".{digits}g"))
        if shown == float(value) or (tol.bound(float(value)) > 0 and tol.accepts(shown, float(value))):
            return f".{digits}g"
    return ".17g"


def _unique_id(table: dict[str, Any], meta: dict[str, list[str]], topic: str, used: set[str],
               counter: Counter, line: int, result: GiftImport) -> str:
    from quizapp.bank.loader import ID_RE

    title = table.pop("_title", "")
    wanted = (meta.get("id") or [""])[-1]
    candidate = ""
    if wanted:
        candidate = wanted if ID_RE.match(wanted) else slugify(wanted)
        if candidate != wanted:
            result.notes.append(Note(line, f"id {wanted!r} is not a valid bank id; using {candidate!r}"))
    if not candidate and title:
        candidate = slugify(title.replace("#", ".v"))
        if candidate and "." not in candidate:
            candidate = slugify(f"{topic}.{candidate}")
    if not candidate or not ID_RE.match(candidate):
        counter[topic] += 1
        candidate = slugify(f"{topic}.q{counter[topic]}") or f"imported.q{counter[topic]}"
        while candidate in used:
            counter[topic] += 1
            candidate = slugify(f"{topic}.q{counter[topic]}")
    base = candidate
    while candidate in used:
        counter[("again", base)] += 1
        suffix = f"-{counter[('again', base)] + 1}"
        candidate = base[: 100 - len(suffix)] + suffix
    if candidate != base:
        result.notes.append(Note(line, f"id {base!r} was already used; renamed {candidate!r}"))
    used.add(candidate)
    return candidate


# ====================================================================== import with validation


def import_gift(text: Any, default_topic: str = "imported", check: bool = True) -> GiftImport:
    """:func:`read_gift`, then every item is loaded (and drawn) the way ``bank check`` does;
    an item that fails is moved to ``skipped`` (type ``invalid``) with the reason.

    A file with more questions than one bank file holds is validated part by part (the
    parts :meth:`GiftImport.toml_parts` writes); nothing is dropped silently."""
    result = read_gift(text, default_topic)
    if not check or not result.items:
        return result
    topic = result.main_topic(default_topic)
    try:
        parts = result.toml_parts(default_topic)
    except Exception as exc:  # noqa: BLE001 - cannot even write: report every item
        for table, line in zip(result.items, result.lines):
            result.skipped.append(Skipped(line, "invalid", f"cannot be written as TOML: {exc}",
                                          table.get("id", "")))
        result.items, result.lines = [], []
        return result
    items, lines, start = [], [], 0
    for _, count in parts:
        part = GiftImport(result.items[start:start + count], result.lines[start:start + count],
                          topics=result.topics, _cache=result._cache)
        start += count
        _validate(part, default_topic, topic)
        items += part.items
        lines += part.lines
        result.skipped += part.skipped
        result.notes += part.notes
    result.items, result.lines = items, lines
    if len(parts) > 1:
        result.notes.append(Note(0, f"{len(items)} questions: more than one bank file holds "
                                    f"({MAX_QUESTIONS} items, 1 MB); `quizapp bank import` writes "
                                    "them into several files"))
    return result


def _validate(result: GiftImport, default_topic: str, topic: str) -> None:
    from quizapp.bank.check import check_bank
    from quizapp.bank.loader import load_text

    for _ in range(3):
        if not result.items:
            break
        try:
            doc = result.toml(default_topic, topic=topic)
        except Exception as exc:  # noqa: BLE001 - cannot even write: report every item
            for table, line in zip(result.items, result.lines):
                result.skipped.append(Skipped(line, "invalid", f"cannot be written as TOML: {exc}",
                                              table.get("id", "")))
            result.items, result.lines = [], []
            break
        bank = load_text(doc, "<import>")
        # errors only: the quality checks give warnings, and cost O(n^2) on a big import
        problems = [p for p in check_bank(bank, draws=5, quality=False) if p.severity == "error"]
        bad: dict[str, str] = {}
        for p in problems:
            key = p.item_id or ""
            bad.setdefault(key, f"{p.field or '-'}: {p.message}")
        if not bad:
            break
        keep_items, keep_lines = [], []
        for table, line in zip(result.items, result.lines):
            reason = bad.get(table["id"]) or (bad.get("") if table["id"] not in bank.items else None)
            if reason:
                result.skipped.append(Skipped(line, "invalid", reason, table["id"]))
            else:
                keep_items.append(table)
                keep_lines.append(line)
        if len(keep_items) == len(result.items):  # problems not tied to an item: stop here
            for key, message in bad.items():
                result.notes.append(Note(0, message))
            break
        result.items, result.lines = keep_items, keep_lines
