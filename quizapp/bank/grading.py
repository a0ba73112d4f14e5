"""Grading a learner's typed answer against an instance."""
from __future__ import annotations

import math
import re

from quizapp.bank.model import Grade, Instance, Item
from quizapp.bank.numeric import accepted_text, number_examples, read_number

#: Longest typed answer graded; anything longer is refused unread (a choice's own text is
#: far shorter, a number at most ``numeric.MAX_INPUT``).
MAX_ANSWER = 2000

_TRUE = {"true", "t", "1"}
_FALSE = {"false", "f", "2"}


def grade(item: Item, inst: Instance, text: str) -> Grade:
    """correct None means the input could not be read: the message says what is accepted."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_ANSWER:
        return Grade(None, inst.answer_text,
                     f"That answer is too long (more than {MAX_ANSWER} characters): type the "
                     "number of your choice, or the number asked for.")
    if inst.kind == "numeric":
        return _grade_numeric(item, inst, text)
    if inst.kind == "true_false":
        return _grade_true_false(inst, text)
    if inst.kind in ("multiple", "ordering", "matching", "short"):
        return _grade_parts(item, inst, text)
    return _grade_choice(inst, text)


def _credit(score: float) -> str:
    return f"{score * 100:.0f} %"


def _grade_parts(item: Item, inst: Instance, text: str) -> Grade:
    """multiple, ordering, matching (partial credit) and short answers: see :mod:`.kinds`."""
    from quizapp.bank import kinds as K

    n = len(inst.choices or [])
    try:
        if inst.kind == "multiple":
            picks = K.read_multiple(text, n)
            score = K.multiple_score(picks, inst.answer, n)
            canon = K.multiple_text(picks)
        elif inst.kind == "ordering":
            picks = K.read_ordering(text, n)
            score = K.ordering_score(picks, inst.answer)
            canon = K.ordering_text(picks)
        elif inst.kind == "matching":
            picks = K.read_matching(text, n, len(inst.targets or []))
            score = K.matching_score(picks, inst.answer)
            canon = K.matching_text(picks)
        else:
            return _grade_short(item, inst, text)
    except K.Unreadable as why:
        return Grade(None, inst.answer_text, str(why))
    if score >= 1.0:
        return Grade(True, inst.answer_text, f"Correct: {inst.answer_text}.", picks, 1.0, canon)
    if inst.kind == "matching":
        right = sum(1 for g, k in zip(picks, inst.answer) if g == k)
        detail = f"{right} of {n} pairs right"
    elif inst.kind == "ordering":
        rank = {v: i for i, v in enumerate(inst.answer)}
        longest = K.longest_ordered([rank[v] for v in picks])
        detail = f"the longest run in the right relative order has {longest} of {n} steps"
    else:
        keys = set(inst.answer)
        hits = len(keys & set(picks))
        wrong = len(set(picks) - keys)
        detail = f"{hits} of {len(keys)} right options ticked, {wrong} wrong one{'s' if wrong != 1 else ''}"
    if score > 0:
        return Grade(False, inst.answer_text, f"Partly right ({_credit(score)} credit: {detail}): "
                                              f"the answer is {inst.answer_text}.", picks, score, canon)
    return Grade(False, inst.answer_text, f"Not quite ({detail}): the answer is {inst.answer_text}.",
                 picks, 0.0, canon)


def _grade_short(item: Item, inst: Instance, text: str) -> Grade:
    from quizapp.bank import kinds as K

    ans = item.answer
    accepted = inst.accepted or [str(inst.answer)]
    try:
        how, which = K.match_short(text, accepted, ans.reject, ans.typos)
    except K.Unreadable as why:
        return Grade(None, inst.answer_text, str(why))
    typed = " ".join(text.split())
    if how == "exact":
        return Grade(True, inst.answer_text, f"Correct: {accepted[which]}.", typed, 1.0, typed)
    if how == "typo":
        return Grade(True, inst.answer_text, f"Correct, allowing for a typo: it is spelt "
                                             f"{accepted[which]}.", typed, 1.0, typed)
    also = f" (also accepted: {', '.join(accepted[1:4])})" if len(accepted) > 1 else ""
    return Grade(False, inst.answer_text, f"Not quite: the answer is {inst.answer_text}{also}.",
                 typed, 0.0, typed)


def _grade_numeric(item: Item, inst: Instance, text: str) -> Grade:
    cleaned = text.strip()
    unit = inst.unit.strip()
    if unit and cleaned.lower().endswith(unit.lower()) and len(cleaned) > len(unit):
        cleaned = cleaned[: -len(unit)].strip()  # "0.02 m" when the unit is m
    expected = float(inst.answer)
    tol = item.answer.tolerance
    # examples in the messages below must never be this question's answer
    examples = number_examples(lambda v: tol.accepts(v, expected) or tol.accepts(v / 100, expected))
    accepted = accepted_text(examples)
    percent = percent_display(item)
    if cleaned.endswith("%") and "%" not in unit and not percent:
        share = examples[0]
        return Grade(None, inst.answer_text,
                     f"Percent signs are not accepted: write {share} for {float(share) * 100:g} %. {accepted}")
    value, message = read_number(cleaned, accepted, percent=percent)
    if value is None:
        return Grade(None, inst.answer_text, message)
    shown = _read_display(inst.answer_display, percent)
    ok = tol.accepts(value, expected) or (shown is not None and value == shown)
    if ok:
        return Grade(True, inst.answer_text, f"Correct: {inst.answer_text}.", value)
    return Grade(False, inst.answer_text,
                 f"Not quite: the answer is {inst.answer_text} ({tol.describe()} accepted).", value)


def _read_display(text: str, percent: bool = False) -> float | None:
    if not text:
        return None
    value, _ = read_number(text, percent=percent)
    return value


def percent_display(item: Item) -> bool:
    """A numeric answer displayed as a percent (``display = ".1%"``) also takes ``88.4%``."""
    return item.answer.display.endswith("%")


def _grade_true_false(inst: Instance, text: str) -> Grade:
    low = text.strip().lower()
    if low in _TRUE:
        given = True
    elif low in _FALSE:
        given = False
    else:
        return Grade(None, inst.answer_text,
                     "Answer with 1 or true (t) for True, 2 or false (f) for False.")
    shown = "True" if given else "False"
    if given == inst.answer:
        return Grade(True, inst.answer_text, f"Correct: {shown}.", given)
    return Grade(False, inst.answer_text, f"Not quite: the statement is {inst.answer_text[3:]}.", given)


# Matched against the stripped text: no two unbounded runs of spaces sit side by side,
# so a long line fails in linear time (the old leading ``\s*\(?\s*`` was quadratic).
_LEADING = re.compile(r"\(?\s*(\d{1,3})\s*[.)]?")


def _grade_choice(inst: Instance, text: str) -> Grade:
    choices = inst.choices or []
    n = len(choices)
    m = _LEADING.fullmatch(text.strip())
    pick: int | None = None
    if m:
        pick = int(m.group(1))
        if not 1 <= pick <= n:
            return Grade(None, inst.answer_text, f"Choose a number from 1 to {n}.")
    else:
        wanted = " ".join(text.split()).lower()
        matches = [i + 1 for i, c in enumerate(choices) if " ".join(c.split()).lower() == wanted]
        if len(matches) == 1 and wanted:
            pick = matches[0]
    if pick is None:
        return Grade(None, inst.answer_text, f"Type the number of your choice, from 1 to {n}.")
    if pick == inst.correct_choice:
        return Grade(True, inst.answer_text, f"Correct: {inst.answer_text}.", pick)
    return Grade(False, inst.answer_text, f"Not quite: the answer is {inst.answer_text}.", pick)


def within(item: Item, given: float, expected: float) -> bool:
    """True when ``given`` is accepted for ``expected`` under the item's tolerance."""
    return item.answer.tolerance.accepts(given, expected) if math.isfinite(given) else False
