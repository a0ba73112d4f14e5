"""Reading a typed number: ``0.02``, ``.02``, ``2e-2``, ``-3``, ``+4``, ``1/50``.

Only the ASCII digits 0-9 are read. Other scripts' digits (Arabic-Indic ``٠.٠٢``,
fullwidth ``０.０２``, ...) are refused with a message asking for 0-9: Python's
``float`` would read them, but the rest of the app (the bank's numbers, the displayed
answers, exports to Moodle) writes 0-9 only, and a learner who types a look-alike
should be told rather than silently graded. When the answer is displayed as a percent
(``display = ".1%"``), ``88.4%`` is read as 0.884 (``percent=True``).
"""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PLAIN = re.compile(rf"^\s*({_NUMBER})\s*$")
_FRACTION = re.compile(rf"^\s*({_NUMBER})\s*/\s*({_NUMBER})\s*$")
_PERCENT = re.compile(rf"^\s*({_NUMBER})\s*%\s*$")
MAX_INPUT = 100
DIGITS = "Type the digits 0\u20139 (other scripts' digits are not read)."



#: sets of typed examples of one value each (plain, leading dot, exponent, fraction) plus a
#: negative whole number; :func:`number_examples` picks one that does not give an answer away
EXAMPLE_SETS = (("0.02", ".02", "2e-2", "1/50", "-3"),
                ("0.35", ".35", "3.5e-1", "7/20", "-7"),
                ("0.6", ".6", "6e-1", "3/5", "-5"))


def number_examples(gives_away=None) -> tuple[str, ...]:
    """The first example set none of whose values ``gives_away(value)`` (e.g. "the grader would
    accept it for this question's answer"), so a hint never shows the answer itself."""
    for examples in EXAMPLE_SETS:
        values = [read_number(e)[0] for e in examples]
        if gives_away is None or not any(gives_away(v) for v in values if v is not None):
            return examples
    return EXAMPLE_SETS[-1]  # only a tolerance wide enough to accept all three sets gets here


def accepted_text(examples: tuple[str, ...] = EXAMPLE_SETS[0]) -> str:
    """The sentence an unreadable number is answered with, with these examples."""
    plain, dot, exponent, fraction, whole = examples
    return (f"Type a number such as {plain}, {dot}, {exponent}, {whole}, +4 or a fraction {fraction} "
            "(no commas, no units).")


ACCEPTED = accepted_text()


def accepted_hint(examples: tuple[str, ...] = EXAMPLE_SETS[0]) -> str:
    plain, dot, exponent, fraction, whole = examples
    return (f"Type a number: {plain}, {dot}, {exponent}, {whole} or {fraction} all work "
            "(no thousands separators).")


def read_number(text: object, accepted: str = ACCEPTED, percent: bool = False) -> tuple[float | None, str]:
    """Return (value, "") or (None, message saying what is accepted: ``accepted``, which
    a grader sets to examples that are not the question's answer).

    ``percent``: a number followed by ``%`` is read as a hundredth (``88.4%`` -> 0.884)."""
    if not isinstance(text, str):
        return None, accepted
    if len(text) > MAX_INPUT:
        return None, f"That is too long to be a number. {accepted}"
    cleaned = text.replace("\u2212", "-").strip()  # a typographic minus is fine
    if not cleaned:
        return None, f"Nothing was typed. {accepted}"
    if any(ch.isdecimal() and not ch.isascii() for ch in cleaned):
        return None, f"{DIGITS} {accepted}"
    if "," in cleaned:
        return None, ("Commas are not accepted, neither as thousands separators nor as a "
                      f"decimal comma: write 1000 or 0.5. {accepted}")
    if percent:
        m = _PERCENT.match(cleaned)
        if m:
            try:
                value = float(Decimal(m.group(1)) / 100)
            except (InvalidOperation, OverflowError, ValueError):
                value = None
            if value is None or not math.isfinite(value):
                return None, f"That number is too large. {accepted}"
            return value, ""
    m = _PLAIN.match(cleaned)
    if m:
        value = _to_float(m.group(1))
    else:
        m = _FRACTION.match(cleaned)
        if not m:
            return None, f"Could not read {text.strip()!r} as a number. {accepted}"
        num, den = _to_float(m.group(1)), _to_float(m.group(2))
        if den == 0:
            return None, f"The fraction divides by zero. {accepted}"
        value = num / den if num is not None and den is not None else None
    if value is None or not math.isfinite(value):
        return None, f"That number is too large. {accepted}"
    return value, ""


def _to_float(text: str) -> float | None:
    try:
        value = float(text)
    except (ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None
