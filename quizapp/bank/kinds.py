"""The answer kinds made of parts: ``multiple``, ``ordering``, ``matching`` and ``short``.

Reading a typed answer, scoring it, and the canonical text an answer is stored as.
Every reader refuses input longer than :data:`MAX_INPUT` characters before looking at
it and then makes one pass over it, so grading time is linear in a bounded input.

Scoring (``score`` is the credit, 0 to 1; only 1 counts as right for reviews):

* ``multiple`` (select all that apply), *n* options of which *k* are right: each right
  option ticked earns 1/k, each wrong option ticked costs 1/(n-k), and the total is
  clipped to [0, 1]. These are the weights a Moodle multiple-response question uses
  (right answers share 100 %, wrong ones share -100 %), and the weights written to
  GIFT (``~%50%``) and Moodle XML.
* ``ordering``: L is the length of the longest ordered subset, the most steps that
  appear in the right relative order (not necessarily next to each other). The score is
  L/n, and 0 when L is 1: Moodle's Ordering question grades the same way with its
  "longest ordered subset" setting, which the export selects.
* ``matching``: the share of left-hand entries paired with their right partner (Moodle's
  matching question gives each pair equal weight).
* ``short``: right or wrong. Case and spacing are ignored (``Weight Decay``,
  ``weightdecay`` and ``weight  decay`` are one answer), as are a final full stop and
  the difference between typographic and plain quotes and dashes. With ``typos = 1`` (or 2)
  an answer within that many edits of an accepted one (a character added, dropped or
  changed, or two neighbours swapped) also counts, but only for accepted answers of at
  least 4 characters per forgiven edit, never for a listed ``reject`` answer, and the
  feedback shows the right spelling.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Sequence

MAX_INPUT = 400       # characters of a typed answer to a part-kind or short question
MAX_SHORT_TEXT = 100  # characters of one accepted (or rejected) short answer
MAX_ACCEPT = 20       # accepted answers of one short question
MAX_TYPOS = 2
LETTERS = "abcdefghijklmnopqrstuvwxyz"

#: the answer syntax shown with each question (terminal) and in `bank grade --help`
SYNTAX = {
    "multiple": "the numbers of every right option, e.g. 1 3",
    "ordering": "the numbers in the right order, first step first, e.g. 3 1 2 4",
    "matching": "each number with the letter of its partner, e.g. 1b 2a 3c",
    "short": "a word or a short phrase (case and spacing do not matter)",
}


class Unreadable(ValueError):
    """The text is not an answer of this kind; the message says what is accepted."""


def letter(i: int) -> str:
    """0 -> a, 1 -> b, ..."""
    return LETTERS[i]


# ---------------------------------------------------------------------- reading


_SEPARATORS = re.compile(r"[\s,;]+")


def _too_long(text: str) -> None:
    if len(text) > MAX_INPUT:
        raise Unreadable(f"That answer is {len(text)} characters long; at most {MAX_INPUT} are read.")


def _numbers(text: str, n: int, example: str) -> list[int]:
    _too_long(text)
    cleaned = text.strip().strip(".")
    if not cleaned:
        raise Unreadable(f"Type {example}.")
    if any(not (ch.isspace() or ch in ",;>" or "0" <= ch <= "9") for ch in cleaned):
        raise Unreadable(f"Type only option numbers from 1 to {n}, {example}.")
    parts = [p for p in _SEPARATORS.split(cleaned.replace(">", " ")) if p]
    out = []
    for p in parts:
        if len(p) > 3:
            raise Unreadable(f"{p} is not an option number: use 1 to {n}, separated by spaces.")
        v = int(p)
        if not 1 <= v <= n:
            raise Unreadable(f"There is no option {v}: use 1 to {n}.")
        out.append(v)
    return out


def read_multiple(text: str, n: int) -> list[int]:
    """The ticked option numbers (sorted, each once)."""
    picks = _numbers(text, n, "the numbers of every right option, e.g. 1 3")
    if len(set(picks)) != len(picks):
        raise Unreadable("Give each option number once.")
    return sorted(picks)


def read_ordering(text: str, n: int) -> list[int]:
    """A permutation of 1..n: the displayed numbers, first step first."""
    cleaned = text.strip()
    _too_long(cleaned)
    if n <= 9 and len(cleaned) == n and cleaned.isdigit() and cleaned.isascii():
        cleaned = " ".join(cleaned)  # "3124" for four steps
    order = _numbers(cleaned, n, f"all {n} numbers in the right order, e.g. "
                                  f"{' '.join(str(i) for i in _example_order(n))}")
    if len(order) != n or len(set(order)) != n:
        missing = [str(i) for i in range(1, n + 1) if i not in order]
        twice = sorted({str(i) for i in order if order.count(i) > 1})
        detail = (f"missing {', '.join(missing)}" if missing else "") + \
                 ("; " if missing and twice else "") + (f"{', '.join(twice)} twice" if twice else "")
        raise Unreadable(f"Give every number from 1 to {n} exactly once, in order ({detail}).")
    return order


def _example_order(n: int) -> list[int]:
    return [3, 1, 2, 4][:n] if n <= 4 else [3, 1, 2, 4] + list(range(5, n + 1))


_PAIR = re.compile(r"(\d{1,2})\s*[-:=>.)]*\s*([a-z])(?![a-z])")


def read_matching(text: str, lefts: int, targets: int) -> list[int]:
    """For each left entry 1..lefts, the 1-based number of the chosen target (letter)."""
    _too_long(text)
    cleaned = text.strip().lower().strip(".")
    top = letter(targets - 1)
    example = f"each number with a letter from a to {top}, e.g. " + \
        " ".join(f"{i + 1}{letter((i + 1) % targets)}" for i in range(min(lefts, 3)))
    if not cleaned:
        raise Unreadable(f"Type {example}.")
    if any(not (ch.isspace() or ch in ",;:=->.)" or "0" <= ch <= "9" or "a" <= ch <= "z")
           for ch in cleaned):
        raise Unreadable(f"Type {example}.")
    chosen: dict[int, int] = {}
    if not any("0" <= ch <= "9" for ch in cleaned):
        # letters only: the partners of 1, 2, 3, ... in turn ("b a c")
        letters = [p for p in _SEPARATORS.split(cleaned) if p]
        if len(letters) == 1 and len(letters[0]) == lefts:
            letters = list(letters[0])
        if len(letters) != lefts or any(len(p) != 1 for p in letters):
            raise Unreadable(f"Type {example}.")
        pairs = [(i + 1, p) for i, p in enumerate(letters)]
    else:
        pairs = []
        pos = 0
        for m in _PAIR.finditer(cleaned):
            if cleaned[pos:m.start()].strip(" ,;\t\n") or not m.group(0):
                raise Unreadable(f"Type {example}.")
            pairs.append((int(m.group(1)), m.group(2)))
            pos = m.end()
        if cleaned[pos:].strip(" ,;\t\n") or not pairs:
            raise Unreadable(f"Type {example}.")
    for left, let in pairs:
        if not 1 <= left <= lefts:
            raise Unreadable(f"There is no entry {left}: the entries are 1 to {lefts}.")
        target = LETTERS.index(let) + 1
        if target > targets:
            raise Unreadable(f"There is no option {let}: the options are a to {top}.")
        if left in chosen:
            raise Unreadable(f"Entry {left} is paired twice; pair each entry once.")
        chosen[left] = target
    missing = [str(i) for i in range(1, lefts + 1) if i not in chosen]
    if missing:
        raise Unreadable(f"Pair every entry: {', '.join(missing)} {'has' if len(missing) == 1 else 'have'} "
                         f"no letter yet ({example}).")
    return [chosen[i] for i in range(1, lefts + 1)]


# ---------------------------------------------------------------------- canonical text


def multiple_text(picks: Sequence[int]) -> str:
    return " ".join(str(p) for p in picks)


def ordering_text(order: Sequence[int]) -> str:
    return " ".join(str(p) for p in order)


def matching_text(chosen: Sequence[int]) -> str:
    return " ".join(f"{i}{letter(t - 1)}" for i, t in enumerate(chosen, 1))


# ---------------------------------------------------------------------- scoring


def multiple_score(picks: Sequence[int], keys: Sequence[int], n: int) -> float:
    """Moodle multiple-response weights: +1/k per right tick, -1/(n-k) per wrong one, in [0, 1]."""
    key_set = set(keys)
    k = len(key_set)
    hits = sum(1 for p in set(picks) if p in key_set)
    wrong = len(set(picks)) - hits
    score = hits / k - (wrong / (n - k) if n > k else 0.0)
    return min(1.0, max(0.0, score))


def multiple_weights(n: int, keys: Sequence[int]) -> list[float]:
    """The weight (in %) of each option 1..n, as Moodle and GIFT write it."""
    k = len(set(keys))
    return [100.0 / k if i in keys else (-100.0 / (n - k)) for i in range(1, n + 1)]


def longest_ordered(ranks: Sequence[int]) -> int:
    """Length of the longest increasing subsequence (patience sorting, O(n log n))."""
    import bisect

    tails: list[int] = []
    for r in ranks:
        i = bisect.bisect_left(tails, r)
        if i == len(tails):
            tails.append(r)
        else:
            tails[i] = r
    return len(tails)


def ordering_score(given: Sequence[int], key: Sequence[int]) -> float:
    """Longest ordered subset L of ``given`` (displayed numbers) against ``key``: L/n, 0 when L < 2."""
    rank = {v: i for i, v in enumerate(key)}
    n = len(key)
    length = longest_ordered([rank[v] for v in given])
    return length / n if length >= 2 and n else 0.0


def matching_score(given: Sequence[int], key: Sequence[int]) -> float:
    return sum(1 for g, k in zip(given, key) if g == k) / len(key) if key else 0.0


# ---------------------------------------------------------------------- short answers

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")
_QUOTES = {ord("\u2018"): "'", ord("\u2019"): "'", ord("\u201c"): '"', ord("\u201d"): '"'}


def normalise_short(text: str) -> str:
    """Case, spacing, a final full stop, typographic quotes and dashes ignored."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    text = "".join(text.split()).casefold()
    return text.rstrip(".")


def typo_allowance(accepted_norm: str, typos: int) -> int:
    """Edits forgiven against one accepted answer: ``typos``, at most one per 4 characters."""
    return min(typos, len(accepted_norm) // 4)


def within_edits(a: str, b: str, k: int) -> bool:
    """True when the optimal-string-alignment distance of a and b is at most k.

    A banded dynamic programme: O((len a) * (2k + 1)) steps, so linear in the input."""
    if k <= 0:
        return a == b
    if abs(len(a) - len(b)) > k:
        return False
    big = k + 1
    n, m = len(a), len(b)
    prev2: dict[int, int] = {}
    prev = {j: j for j in range(0, min(m, k) + 1)}
    for i in range(1, n + 1):
        cur: dict[int, int] = {}
        lo, hi = max(0, i - k), min(m, i + k)
        for j in range(lo, hi + 1):
            if j == 0:
                cur[j] = i
                continue
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(prev.get(j, big) + 1, cur.get(j - 1, big) + 1, prev.get(j - 1, big) + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, prev2.get(j - 2, big) + 1)
            cur[j] = min(best, big)
        if min(cur.values(), default=big) > k:
            return False
        prev2, prev = prev, cur
    return prev.get(m, big) <= k


def match_short(text: str, accept: Sequence[str], reject: Sequence[str], typos: int) -> tuple[str, int | None]:
    """("exact" | "typo" | "reject" | "wrong", index of the accepted answer matched)."""
    _too_long(text)
    given = normalise_short(text)
    if not given:
        raise Unreadable("Type a word or a short phrase.")
    accepted = [normalise_short(a) for a in accept]
    if given in accepted:
        return "exact", accepted.index(given)
    if given in (normalise_short(r) for r in reject):
        return "reject", None
    if typos:
        for i, a in enumerate(accepted):
            if within_edits(given, a, typo_allowance(a, typos)):
                return "typo", i
    return "wrong", None


# ---------------------------------------------------------------------- answers for simulations


def typed_answer(inst, right: bool) -> str | None:
    """A right (full credit) or a wrong (no credit) answer to ``inst`` as a learner would type
    it, for the kinds of this module; None for the other kinds. Used by simulated learners
    (benchmarks, demo data) and tests."""
    kind = getattr(inst, "kind", None)
    if kind == "short":
        return str(inst.answer) if right else "no idea"
    if kind not in ("multiple", "ordering", "matching"):
        return None
    key = list(inst.answer)
    if kind == "multiple":
        if right:
            return multiple_text(key)
        wrong = [n for n in range(1, len(inst.choices) + 1) if n not in key]
        return multiple_text(wrong)  # only wrong options ticked: no credit
    if kind == "ordering":
        return ordering_text(key if right else key[::-1])  # reversed: no two steps in order
    if right:
        return matching_text(key)
    targets = len(inst.targets or [])
    return matching_text([k % targets + 1 for k in key])  # every entry on another option
