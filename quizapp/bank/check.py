"""``bank check``: load-time problems plus problems found by drawing many instances.

For each item, instances are drawn for seeds 0..draws-1 plus a few far seeds (a
parameterised item; a fixed item only needs a handful for its choice shuffles), and
each instance is checked: the answer is a finite number (or a truth value), choices
are distinct as displayed, exactly one choice is correct, the displayed rounding of a
numeric answer is inside the tolerance, no placeholder is left in the text and the
``$`` of inline math pair up.
"""
from __future__ import annotations

import re
from typing import Iterable

from quizapp.bank.errors import BankError, BankProblem
from quizapp.bank.model import Bank, Instance, Item
from quizapp.bank.numeric import read_number
from quizapp.bank.sampling import FieldError, instantiate

EXTRA_SEEDS = (50, 51, 97, 1000, 65537, 2**31 - 1)
FIXED_SEEDS = 5
MAX_REPORTS_PER_ITEM = 5
_LEFTOVER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?::[^{}$]*)?\}")
_MATH = re.compile(r"\$[^$]*\$")


def seeds_for(item: Item, draws: int = 50) -> list[int]:
    if item.parameterised:
        return list(range(draws)) + [s for s in EXTRA_SEEDS if s >= draws]
    return list(range(FIXED_SEEDS))


def check_bank(bank: Bank, draws: int = 50, quality: bool = True,
               instances: dict[str, list[Instance]] | None = None) -> list[BankProblem]:
    """Problems of loading and of drawing; with ``quality``, also the checks of :mod:`.quality`.

    ``instances``, when given, receives every instance drawn, per item id (for statistics).
    """
    problems = list(bank.problems)
    drawn: dict[str, list[Instance]] = {} if instances is None else instances
    for item in bank.items.values():
        problems.extend(check_item(item, draws, keep=drawn.setdefault(item.id, [])))
    if quality:
        from quizapp.bank.quality import check_bank_quality

        problems.extend(check_bank_quality(bank, drawn))
    return problems


def check_item(item: Item, draws: int = 50, keep: list[Instance] | None = None) -> list[BankProblem]:
    # (field, kind of problem) -> [severity, message, first seed, how many draws]
    found: dict[tuple[str | None, str], list] = {}
    seeds = seeds_for(item, draws)

    def note(field, code, message, severity, seed):
        entry = found.setdefault((field, code), [severity, message, seed, 0])
        entry[3] += 1

    for seed in seeds:
        try:
            inst = instantiate(item, seed)
        except FieldError as exc:
            note(exc.field, "instance:" + exc.detail[:40], exc.detail, "error", seed)
            continue
        except BankError as exc:
            note(None, "instance:" + str(exc)[:40], str(exc), "error", seed)
            continue
        if keep is not None:
            keep.append(inst)
        for field, code, message, severity in check_instance(item, inst):
            note(field, code, message, severity, seed)
    out = []
    for (field, _), (severity, message, seed, count) in list(found.items())[:MAX_REPORTS_PER_ITEM]:
        where = f"seed {seed}" if count == 1 else f"seed {seed}; {count} of {len(seeds)} draws"
        out.append(BankProblem(item.source, _line(item, field), item.id, field,
                               f"{message} ({where})", severity))
    return out


def _line(item: Item, field: str | None) -> int:
    if not field or not item.source:
        return item.line
    try:
        from quizapp.bank.loader import _Lines
        from pathlib import Path

        text = Path(item.source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return item.line
    lines = _Lines(text)
    # the block whose id line is item.line
    for index in range(max(len(lines.headers), 1)):
        start, end = lines.block(index)
        if start < item.line <= end:
            return lines.field_line(index, field, item.id)
    return item.line


def check_instance(item: Item, inst: Instance) -> Iterable[tuple[str | None, str, str, str]]:
    ans = item.answer
    if inst.kind == "numeric":
        shown, _ = read_number(inst.answer_display)
        if shown is None:
            yield ("answer.display", "unreadable", f"the displayed answer {inst.answer_display!r} cannot be read "
                                     "back as a number", "warning")
        elif not ans.tolerance.accepts(shown, float(inst.answer)):
            yield ("answer.display", "rounding",
                   f"the displayed answer {inst.answer_display} is outside the tolerance "
                   f"({ans.tolerance.describe()}) of the true value {inst.answer!r}: "
                   "show more digits or widen the tolerance", "warning")
        if inst.answer == 0 and ans.tolerance.kind in ("relative", "sigfigs"):
            yield ("answer.tolerance", "zero", "the answer is 0 and the tolerance is relative: only an "
                                       "exact 0 is accepted; use { absolute = ... }", "warning")
    if inst.choices is not None:
        normal = [" ".join(c.split()).lower() for c in inst.choices]
        written = inst.choice_order or list(range(1, len(normal) + 1))
        for i, c in enumerate(normal):
            if c in normal[:i]:
                a, b = sorted((written[normal.index(c)], written[i]))
                yield ("answer.choices", "same", f"choices {a} and {b} (as written) display the "
                                                 f"same text {inst.choices[i]!r}", "error")
                break
        if not (inst.correct_choice and 1 <= inst.correct_choice <= len(inst.choices)):
            yield ("answer.correct", "none", "no correct choice", "error")
    if inst.kind == "computed_choice" and inst.choice_values is not None:
        right = inst.choice_values[inst.correct_choice - 1]
        written = inst.choice_order or list(range(1, len(inst.choice_values) + 1))
        others = [written[i] for i, v in enumerate(inst.choice_values)
                  if i + 1 != inst.correct_choice and ans.tolerance.accepts(v, right)]
        if others:
            yield ("answer.choices", "several",
                   f"more than one choice is correct: choice(s) {', '.join(map(str, sorted(others)))} "
                   f"(as written) give {right:g} within the tolerance ({ans.tolerance.describe()}) "
                   "of the correct value", "error")
    texts = [("prompt", inst.prompt), ("explanation", inst.explanation)]
    if inst.kind == "choice":
        texts += [("answer.choices", c) for c in inst.choices or []]
    for field, text in texts:
        outside = _MATH.sub("", text)
        left = _LEFTOVER.search(outside)
        if left:
            yield (field, "placeholder", f"placeholder {left.group(0)} is left in the shown text", "warning")
        if _unescaped_dollars(text) % 2:
            yield (field, "dollar", "unbalanced $: inline math must be written between a pair of $ signs",
                   "warning")


def _unescaped_dollars(text: str) -> int:
    return len(re.findall(r"(?<!\\)\$", text))
