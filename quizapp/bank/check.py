"""``bank check``: load-time problems plus problems found by drawing many instances.

For each item, instances are drawn for seeds 0..draws-1 plus a few far seeds (a
parameterised item; a fixed item only needs a handful for its choice shuffles), and
each instance is checked: the answer is a finite number (or a truth value), choices
are distinct as displayed, exactly one choice is correct, the displayed rounding of a
numeric answer is inside the tolerance, no placeholder is left in the text and the
``$`` of inline math pair up.

All the draws of one item share one check budget of engine steps and wall time
(:func:`~quizapp.bank.formulas.check_budget`) on top of each draw's own budget; when it runs out the item's check stops with an error saying so.
"""
from __future__ import annotations

import re
from typing import Iterable

from quizapp.bank import formulas as _formulas
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
    run = _formulas.run_budget()
    items = list(bank.items.values())
    for n, item in enumerate(items):
        if _spent(run):
            which = "step budget" if run.left < 0 else "time budget"
            problems.append(BankProblem(
                item.source, item.line, item.id, None,
                f"bank check stopped before this item: the check run ran out of its {which} "
                f"({run.steps:,} engine steps, {run.seconds:g} s); {len(items) - n} of {len(items)} "
                "items were not checked. Fix the slow items reported above and check again"))
            break
        problems.extend(check_item(item, draws, run, keep=drawn.setdefault(item.id, [])))
    if quality:
        from quizapp.bank.quality import check_bank_quality

        problems.extend(check_bank_quality(bank, drawn))
    return problems


def check_item(item: Item, draws: int = 50, run: "_formulas.Budget | None" = None,
               keep: list[Instance] | None = None) -> list[BankProblem]:
    # (field, kind of problem) -> [severity, message, first seed, how many draws]
    found: dict[tuple[str | None, str], list] = {}
    seeds = seeds_for(item, draws)

    def note(field, code, message, severity, seed):
        entry = found.setdefault((field, code), [severity, message, seed, 0])
        entry[3] += 1

    budget = _formulas.check_budget(len(seeds), parent=run)
    strikes = 0  # draws in a row that ran out of their own budget
    for done, seed in enumerate(seeds):
        try:
            inst = instantiate(item, seed, budget)
        except BankError as exc:
            field = exc.field if isinstance(exc, FieldError) else None
            detail = exc.detail if isinstance(exc, FieldError) else str(exc)
            note(field, "instance:" + detail[:40], detail, "error", seed)
            strikes = strikes + 1 if getattr(exc, "budget", None) else 0
            if _spent(budget) or (run is not None and _spent(run)):
                _stopped(note, budget if _spent(budget) else run, done, len(seeds), seed)
                break
            if strikes >= _formulas.CHECK_BUDGET_STRIKES:
                note(None, "check-strikes", f"the check stopped after {done + 1} of {len(seeds)} draws: "
                     f"{strikes} draws in a row ran out of their budget, so the others would too; "
                     "this item is too slow to compute: use fewer or smaller step counts", "error", seed)
                break
            continue
        strikes = 0
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


def _spent(budget: "_formulas.Budget") -> bool:
    return budget.left < 0 or budget.clock() > budget.deadline


def _stopped(note, budget, done: int, total: int, seed: int) -> None:
    which = "step budget" if budget.left < 0 else "time budget"
    whose = "all the draws of one item" if budget.scope == "checking this item" else "the whole check run"
    note(None, "check-budget", f"the check stopped after {done + 1} of {total} draws: {budget.scope} ran out "
         f"of its {which} ({budget.steps:,} engine steps and {budget.seconds:g} s for {whose}); "
         "this item is too slow to compute: use fewer or smaller step counts", "error", seed)


def _line(item: Item, field: str | None) -> int:
    if not field or not item.source:
        return item.line
    from quizapp.bank.loader import _Lines, read_regular

    try:
        # the file is read again for the field's line: safely (it may have been replaced)
        text = read_regular(item.source).decode("utf-8")
    except (OSError, ValueError):
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
        shown, _ = read_number(inst.answer_display, percent=ans.display.endswith("%"))
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
        if inst.kind in ("choice", "computed_choice", "true_false") and \
                not (inst.correct_choice and 1 <= inst.correct_choice <= len(inst.choices)):
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
    texts = [("prompt", inst.prompt, item.prompt), ("explanation", inst.explanation, item.explanation)]
    if inst.kind == "choice":
        texts += [("answer.choices", c, None) for c in inst.choices or []]
    if inst.kind in ("multiple", "ordering", "matching"):
        where = {"multiple": "answer.choices", "ordering": "answer.steps", "matching": "answer.pairs"}
        texts += [(where[inst.kind], c, None) for c in inst.choices or []]
        texts += [("answer.pairs", c, None) for c in inst.targets or []]
    for field, text, template in texts:
        # a {name} left in the shown text can only come from the text as written ({{name}});
        # a parameter's value that holds braces (a text parameter "{answer}") is the author's
        # choice, so only the literal parts of the template are searched
        written = _literal_text(template) if template is not None else None
        if written is not None:
            left = _LEFTOVER.search(_MATH.sub("", written))
        else:
            left = None
        if left:
            yield (field, "placeholder", f"placeholder {left.group(0)} is left in the shown text", "warning")
        if _unescaped_dollars(text) % 2:
            yield (field, "dollar", "unbalanced $: inline math must be written between a pair of $ signs",
                   "warning")
    if inst.kind == "choice":
        for i, template in enumerate(ans.choices):
            left = _LEFTOVER.search(_MATH.sub("", _literal_text(template)))
            if left:
                yield ("answer.choices", "placeholder",
                       f"placeholder {left.group(0)} is left in the shown text of choice {i + 1}", "warning")


def _literal_text(template) -> str:
    """The template's text as shown, with every placeholder replaced by a neutral mark."""
    return "".join(literal + ("\u2022" if name is not None else "") for literal, name, _ in template.parts)


def _unescaped_dollars(text: str) -> int:
    return len(re.findall(r"(?<!\\)\$", text))
