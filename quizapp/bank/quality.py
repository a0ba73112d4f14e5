"""Quality checks: can an item be passed by test-wiseness rather than knowledge?

``bank check`` draws many instances of every item (see :mod:`.check`); these checks
read those instances and report, as warnings that ``--strict`` turns into errors:

* ``key-length``: the key is the longest option by at least :data:`LENGTH_RATIO` in
  more than half of the draws;
* ``key-rank``: a computed (or numeric) choice key sits at the same rank (smallest,
  largest or middle) in every draw;
* ``answer-shown``: the answer value, or the key's text, appears in the prompt or in
  the header (the topic title) in more than half of the draws;
* ``integer-tolerance``: an integer answer's tolerance accepts a neighbouring integer;
* ``printed-answer``: the parameter ranges make the answer equal a number printed in
  the prompt in most draws (but not all: that is ``answer-shown``);
* ``near-duplicate``: two items share an answer formula, or their prompts are at least
  :data:`SIMILARITY` alike;
* ``true-share``: the share of true statements among a folder's true/false instances
  is outside :data:`TRUE_SHARE`.

Each problem names the item and the evidence ("key longest by >=1.3x in 41/56 draws").
:func:`statistics` gives the bank-wide figures ``bank check`` prints (how often the key
is the strictly longest option, the true share).
"""
from __future__ import annotations

import ast
import difflib
import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from quizapp.bank.errors import BankProblem
from quizapp.bank.formulas import CONSTANTS, Formula
from quizapp.bank.model import Bank, Instance, Item

LENGTH_RATIO = 1.3
SIMILARITY = 0.9
TRUE_SHARE = (0.35, 0.65)
MIN_TRUE_FALSE = 6  # fewer true/false items in a folder than this: no share is judged
KEY_LONGEST_TARGET = 0.35
MIN_KEY_QUOTE = 5  # a key of this many words quoted in another item's prompt makes the two duplicates
CHOICE_KINDS = ("choice", "computed_choice")

_NUMBER = re.compile(r"(?<![\w.])[-\u2212]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w])")
_TIMES_TEN = re.compile(r"([-\u2212]?\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|×|·)\s*10\^\{?([-\u2212+]?\d+)\}?")
_TEN_POWER = re.compile(r"(?<![\d.\\])10\^\{?([-\u2212+]?\d+)\}?")
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_TEN_UNICODE = re.compile(r"(?:([-\u2212]?\d+(?:\.\d+)?)\s*[×·]\s*)?10([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
_MARKUP = re.compile(r"\\[A-Za-z]+|[{}$\\^_`*]")


# ------------------------------------------------------------------ helpers


def shown_text(text: str) -> str:
    """The option as a learner reads it: math markup dropped, spaces collapsed."""
    return " ".join(_MARKUP.sub(" ", text).split())


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(shown_text(text).lower()))


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text``: 0.02, 1e-8, 2.5 \\times 10^{-5}, 10^{-8}, 2.5×10⁻⁵."""
    return list(_numbers_in(text))


@functools.lru_cache(maxsize=4096)
def _numbers_in(text: str) -> tuple[float, ...]:
    found: list[float] = []
    rest = text
    if "10^" in rest:
        for m in _TIMES_TEN.finditer(rest):
            found.append(_power(m.group(1), m.group(2)))
        rest = _TIMES_TEN.sub(" ", rest)
    if "10" in rest and any(c in rest for c in "⁰¹²³⁴⁵⁶⁷⁸⁹"):
        for m in _TEN_UNICODE.finditer(rest):
            found.append(_power(m.group(1) or "1", m.group(2).translate(_SUPERSCRIPT)))
        rest = _TEN_UNICODE.sub(" ", rest)
    if "10^" in rest:
        for m in _TEN_POWER.finditer(rest):
            found.append(_power("1", m.group(1)))
        rest = _TEN_POWER.sub(" ", rest)
    for m in _NUMBER.finditer(rest):
        try:
            found.append(float(m.group(0).replace("\u2212", "-")))
        except ValueError:
            pass
    return tuple(v for v in found if math.isfinite(v))


def _power(mantissa: str, exponent: str) -> float:
    try:
        return float(mantissa.replace("\u2212", "-")) * 10.0 ** int(exponent.replace("\u2212", "-"))
    except (ValueError, OverflowError):
        return math.nan


def _same_number(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _shown_value(inst: Instance) -> float | None:
    try:
        return float(inst.answer_display)
    except (TypeError, ValueError):
        return None


def key_text(inst: Instance) -> str | None:
    if inst.kind not in CHOICE_KINDS or not inst.choices or not inst.correct_choice:
        return None
    return inst.choices[inst.correct_choice - 1]


def key_length_ratio(inst: Instance) -> float | None:
    """len(key) / len(longest distractor), as shown; None for non-choice instances."""
    key = key_text(inst)
    if key is None or len(inst.choices) < 2:
        return None
    others = [len(shown_text(c)) for i, c in enumerate(inst.choices) if i + 1 != inst.correct_choice]
    return len(shown_text(key)) / max(max(others), 1)


def key_strictly_longest(inst: Instance) -> bool | None:
    ratio = key_length_ratio(inst)
    return None if ratio is None else ratio > 1.0


def _option_values(inst: Instance) -> list[float] | None:
    if inst.choice_values is not None:
        return list(inst.choice_values)
    if inst.kind != "choice" or not inst.choices:
        return None
    values = []
    for text in inst.choices:
        found = numbers_in(text)
        if len(found) != 1:
            return None
        values.append(found[0])
    return values


def key_rank(inst: Instance) -> str | None:
    """"smallest", "largest" or "middle" (anything in between): where the key sits among
    the option values; None unless every option is a number."""
    values = _option_values(inst)
    if not values or len(values) < 3 or len(set(values)) < len(values):
        return None
    key = values[inst.correct_choice - 1]
    if key == min(values):
        return "smallest"
    if key == max(values):
        return "largest"
    return "middle"


def _problem(item: Item, field: str | None, message: str, severity: str = "warning") -> BankProblem:
    return BankProblem(item.source, item.line, item.id, field, message, severity)


# ------------------------------------------------------------------ per-item checks


def check_item_quality(item: Item, instances: Sequence[Instance]) -> list[BankProblem]:
    if not instances:
        return []
    out: list[BankProblem] = []
    n = len(instances)
    kind = item.kind

    if kind == "choice":
        ratios = [key_length_ratio(i) for i in instances]
        long = sum(r is not None and r >= LENGTH_RATIO for r in ratios)
        if long * 2 > n:
            worst = max(r for r in ratios if r is not None)
            out.append(_problem(item, "answer.choices",
                                f"[key-length] key longest by >={LENGTH_RATIO:g}x in {long}/{n} draws "
                                f"(up to {worst:.1f}x the longest distractor): a learner can pick it "
                                "without knowing why; shorten the key or write distractors as long"))

    if kind in CHOICE_KINDS:
        ranks = [key_rank(i) for i in instances]
        if all(r is not None for r in ranks) and len(set(ranks)) == 1 and \
                (item.parameterised or kind == "computed_choice"):
            out.append(_problem(item, "answer.choices",
                                f"[key-rank] the key is the {ranks[0]} value in {n}/{n} draws{_NEITHER.get(ranks[0], '')}: add "
                                "distractors that fall above it in some draws and below it in others "
                                "(real mistakes), or vary what is asked, so its rank varies"))

    shown = [s for s in (_answer_shown(item, i) for i in instances)]
    hits = [s for s in shown if s]
    if hits and len(hits) * 2 > n:
        where = hits[0]
        if len(hits) == n:
            out.append(_problem(item, "prompt", f"[answer-shown] {where} in {n}/{n} draws"))
        else:
            out.append(_problem(item, "params", f"[printed-answer] in {len(hits)}/{n} draws the parameter "
                                                f"ranges leave the answer on show ({where}): narrow the "
                                                "ranges (or add a constraint) so it has to be worked out"))

    if kind == "numeric":
        out.extend(_integer_tolerance(item, instances))
    return out


def _answer_shown(item: Item, inst: Instance) -> str:
    """Why the answer can be read off the prompt or header ("" when it cannot)."""
    prompt = inst.prompt
    title = item.title or ""
    if inst.kind == "numeric":
        value = float(inst.answer)
        shown_value = _shown_value(inst)
        for v in numbers_in(prompt):
            if _same_number(v, value) or (shown_value is not None and _same_number(v, shown_value)):
                return f"the answer {inst.answer_display} is printed in the prompt"
        return ""
    if inst.kind == "computed_choice" and inst.choice_values:
        key = inst.choice_values[inst.correct_choice - 1]
        printed = numbers_in(prompt)
        others = [v for i, v in enumerate(inst.choice_values) if i + 1 != inst.correct_choice]
        if any(_same_number(p, key) for p in printed) and \
                not any(_same_number(p, o) for p in printed for o in others):
            return f"the key {key_text(inst)} (and no distractor) is printed in the prompt"
        return ""
    if inst.kind == "choice":
        key = _strip_lead(_norm(key_text(inst) or ""))
        if len(key) < 4:
            return ""
        others = [_norm(c) for i, c in enumerate(inst.choices) if i + 1 != inst.correct_choice]
        for where, text in (("the header (topic title)", title), ("the prompt", prompt)):
            hay = _norm(text)
            if not hay:
                continue
            padded = f" {hay} "
            if f" {key} " in padded and not any(o and f" {o} " in padded for o in others):
                return f"the key's text {key_text(inst)!r} appears in {where}"
            if where.startswith("the header") and \
                    difflib.SequenceMatcher(None, key, hay).ratio() >= SIMILARITY:
                return f"the key's text {key_text(inst)!r} repeats {where} {title!r}"
    if inst.kind == "short" and inst.accepted:
        for accepted in inst.accepted:
            key = _norm(accepted)
            if len(key) < 4:
                continue
            for where, text in (("the header (topic title)", title), ("the prompt", prompt)):
                if f" {key} " in f" {_norm(text)} ":
                    return f"the accepted answer {accepted!r} appears in {where}"
    return ""


_NEITHER = {"middle": " (neither the smallest nor the largest)"}
_LEAD = frozenset("a an the it its they their to by".split())


def _strip_lead(text: str) -> str:
    """"it shrinks the weights" -> "shrinks the weights": a key's opening pronoun or article
    is not what gives it away."""
    words = text.split()
    while len(words) > 1 and words[0] in _LEAD:
        words.pop(0)
    return " ".join(words)


def _integer_tolerance(item: Item, instances: Sequence[Instance]) -> list[BankProblem]:
    wide = []
    integer = True
    for inst in instances:
        value = float(inst.answer)
        if not value.is_integer():
            integer = False
            break
        tol = item.answer.tolerance
        if tol.accepts(value - 1, value) or tol.accepts(value + 1, value):
            wide.append(inst)
    if not integer or not wide:
        return []
    first = wide[0]
    v = int(float(first.answer))
    neighbour = v - 1 if item.answer.tolerance.accepts(v - 1, v) else v + 1
    return [_problem(item, "answer.tolerance",
                     f"[integer-tolerance] the answer is a whole number but the tolerance "
                     f"({item.answer.tolerance.describe()}) accepts {neighbour} for {v} "
                     f"(in {len(wide)}/{len(instances)} draws): use {{ absolute = 0 }} or "
                     "{ absolute = 0.4 } for counts")]


# ------------------------------------------------------------------ bank-wide checks


def _tokens(text: str) -> list[str]:
    return ["#" if t[0].isdigit() else t for t in _WORD.findall(shown_text(text).lower())]


class _Canon(ast.NodeTransformer):
    """Derived parameters inlined, variable names numbered in order of appearance."""

    def __init__(self, derived: Mapping[str, Formula]):
        self.derived = derived
        self.names: dict[str, str] = {}
        self.depth = 0

    def visit_Call(self, node: ast.Call):
        node.args = [self.visit(a) for a in node.args]
        for kw in node.keywords:
            kw.value = self.visit(kw.value)
        return node  # the function's own name is kept

    def visit_Name(self, node: ast.Name):
        if node.id in CONSTANTS:
            return node
        if node.id in self.derived and self.depth < 8:
            self.depth += 1
            tree = self.visit(_copy(self.derived[node.id].tree))
            self.depth -= 1
            return tree
        return ast.Name(id=self.names.setdefault(node.id, f"v{len(self.names)}"), ctx=ast.Load())

    def visit_Constant(self, node: ast.Constant):
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool) \
                and node.value not in (0, 1):
            # a number written in the formula plays the part of a parameter of another item
            # (0 and 1 stay: "the first step" is not "step k")
            return ast.Name(id=self.names.setdefault(f"#{node.value!r}", f"v{len(self.names)}"),
                            ctx=ast.Load())
        return node


def _copy(tree: ast.AST) -> ast.AST:
    return ast.parse(ast.unparse(tree), mode="eval").body


def answer_formula(item: Item) -> str | None:
    """The key's formula (and the constraints) with derived parameters inlined and names
    numbered in order of appearance; None when the formula is too plain to compare (a
    bare parameter, or arithmetic of parameters without any function call)."""
    ans = item.answer
    formula = None
    if ans.kind == "numeric" and isinstance(ans.value, Formula):
        formula = ans.value
    elif ans.kind == "computed_choice" and ans.formulas:
        formula = ans.formulas[ans.correct - 1]
    if formula is None:
        return None
    derived = {p.name: p.formula for p in item.params if p.kind == "derived" and p.formula is not None}
    canon = _Canon(derived)
    tree = canon.visit(_copy(formula.tree))
    if not any(isinstance(n, ast.Call) for n in ast.walk(tree)):
        return None  # plain arithmetic of parameters: too common to call two items the same
    limits = sorted(ast.dump(canon.visit(_copy(c.tree))) for c in item.constraints)
    return ast.dump(tree) + "|" + "|".join(limits)


def near_duplicates(items: Sequence[Item], prompts: Mapping[str, str]) -> list[BankProblem]:
    out: list[BankProblem] = []
    by_formula: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        canon = answer_formula(item)
        if canon is not None:
            by_formula[canon].append(item)
    paired: set[frozenset[str]] = set()
    for group in by_formula.values():
        for a, b in zip(group, group[1:]):
            paired.add(frozenset((a.id, b.id)))
            out.append(_problem(b, "answer.value",
                                f"[near-duplicate] same answer formula as {a.id} ({_where(a)}): merge "
                                "the two or make them ask different things"))
    keys = {}
    for item in items:
        if item.kind == "choice" and item.answer.choices and not item.parameterised:
            key = _norm(item.answer.choices[item.answer.correct - 1].text)
            if len(key.split()) >= MIN_KEY_QUOTE:
                keys[item.id] = key
    for b in items:
        hay = f" {_norm(prompts.get(b.id, b.prompt.text))} "
        for a in items:
            if a.id != b.id and a.id in keys and f" {keys[a.id]} " in hay:
                paired.add(frozenset((a.id, b.id)))
                out.append(_problem(b, "prompt",
                                    f"[near-duplicate] the prompt quotes the key of {a.id} ({_where(a)}): "
                                    "one item answers the other; merge them or ask something else"))
    tokens = {item.id: _tokens(prompts.get(item.id, item.prompt.text)) for item in items}
    matcher = difflib.SequenceMatcher(autojunk=False)
    for j, b in enumerate(items):
        tb = tokens[b.id]
        if not tb:
            continue
        matcher.set_seq2(tb)
        for a in items[:j]:
            ta = tokens[a.id]
            if not ta or frozenset((a.id, b.id)) in paired:
                continue
            shorter, longer = sorted((len(ta), len(tb)))
            if 2 * shorter / (shorter + longer) < SIMILARITY:
                continue
            matcher.set_seq1(ta)
            if matcher.real_quick_ratio() < SIMILARITY or matcher.quick_ratio() < SIMILARITY:
                continue
            ratio = matcher.ratio()
            if ratio >= SIMILARITY:
                out.append(_problem(b, "prompt",
                                    f"[near-duplicate] prompt {ratio:.0%} alike to {a.id}'s ({_where(a)}): "
                                    "merge the two or make them ask different things"))
    return out


def _where(item: Item) -> str:
    return f"{Path(item.source).name}:{item.line}" if item.source else f"line {item.line}"


def true_shares(bank: Bank, instances: Mapping[str, Sequence[Instance]]
                ) -> dict[str, tuple[float, float, int]]:
    """folder -> (share of True with each item weighing the same, share of True over all
    drawn instances, number of true/false items)."""
    per_folder: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for item in bank.items.values():
        drawn = [i for i in instances.get(item.id, ()) if i.kind == "true_false"]
        if drawn:
            folder = str(Path(item.source).parent) if item.source else "."
            per_folder[folder].append((sum(bool(i.answer) for i in drawn), len(drawn)))
    return {folder: (sum(t / n for t, n in s) / len(s), sum(t for t, _ in s) / sum(n for _, n in s), len(s))
            for folder, s in per_folder.items()}


def check_bank_quality(bank: Bank, instances: Mapping[str, Sequence[Instance]]) -> list[BankProblem]:
    """Every quality problem of ``bank``, given the instances ``bank check`` drew per item id."""
    out: list[BankProblem] = []
    for item in bank.items.values():
        out.extend(check_item_quality(item, instances.get(item.id, ())))
    items = list(bank.items.values())
    prompts = {iid: drawn[0].prompt for iid, drawn in instances.items() if drawn}
    out.extend(near_duplicates(items, prompts))
    lo, hi = TRUE_SHARE
    for folder, (per_item, per_draw, count) in true_shares(bank, instances).items():
        share = per_item if not lo <= per_item <= hi else per_draw
        if count >= MIN_TRUE_FALSE and not (lo <= per_item <= hi and lo <= per_draw <= hi):
            out.append(BankProblem(folder, 0, None, "answer.value",
                                   f"[true-share] True in {per_draw:.0%} of the true/false instances "
                                   f"drawn ({per_item:.0%} with each of the {count} items weighing the "
                                   f"same); keep both within {lo:.0%}-{hi:.0%}: rewrite some statements "
                                   f"as {'false' if share > hi else 'true'} ones", "warning"))
    return out


@dataclass(frozen=True)
class Statistics:
    choice_draws: int            # instances of text-choice items
    key_longest: int             # ... whose key is the strictly longest option
    all_choice_draws: int        # text and computed choices
    all_key_longest: int
    true_false_share: float | None  # each true/false item weighs the same
    true_false_draw_share: float | None = None  # over every true/false instance drawn

    @property
    def key_longest_share(self) -> float:
        return self.key_longest / self.choice_draws if self.choice_draws else 0.0

    @property
    def all_key_longest_share(self) -> float:
        return self.all_key_longest / self.all_choice_draws if self.all_choice_draws else 0.0

    def line(self) -> str:
        tf = "-" if self.true_false_share is None else \
            f"{self.true_false_share:.0%} per item, {self.true_false_draw_share:.0%} per draw"
        return (f"quality: key strictly longest in {self.key_longest_share:.1%} of {self.choice_draws} "
                f"choice draws ({self.all_key_longest_share:.1%} of {self.all_choice_draws} with "
                f"computed choices; target <= {KEY_LONGEST_TARGET:.0%}); true/false items True "
                f"{tf} (target 35-65%)")

    def to_json(self) -> dict:
        return {"choice_draws": self.choice_draws, "key_strictly_longest": self.key_longest,
                "key_strictly_longest_share": round(self.key_longest_share, 4),
                "all_choice_draws": self.all_choice_draws,
                "all_key_strictly_longest_share": round(self.all_key_longest_share, 4),
                "true_false_true_share": None if self.true_false_share is None
                else round(self.true_false_share, 4),
                "true_false_true_share_per_draw": None if self.true_false_draw_share is None
                else round(self.true_false_draw_share, 4)}


def statistics(bank: Bank, instances: Mapping[str, Iterable[Instance]]) -> Statistics:
    draws = longest = all_draws = all_longest = 0
    tf: list[float] = []
    tf_true = tf_all = 0
    for item in bank.items.values():
        drawn = list(instances.get(item.id, ()))
        if item.kind == "true_false" and drawn:
            tf.append(sum(bool(i.answer) for i in drawn) / len(drawn))
            tf_true += sum(bool(i.answer) for i in drawn)
            tf_all += len(drawn)
        for inst in drawn:
            strictly = key_strictly_longest(inst)
            if strictly is None:
                continue
            all_draws += 1
            all_longest += strictly
            if inst.kind == "choice":
                draws += 1
                longest += strictly
    return Statistics(draws, longest, all_draws, all_longest, sum(tf) / len(tf) if tf else None,
                      tf_true / tf_all if tf_all else None)
