"""Moodle XML export: categories per topic, and each item as the Moodle type closest to it.

* ``choice`` / ``computed_choice`` -> ``multichoice`` (one answer right), ``true_false`` ->
  ``truefalse``, fixed ``numeric`` -> ``numerical`` (absolute tolerance).
* ``multiple`` -> ``multichoice`` with ``single`` false and multiple-response weights
  (each right answer 100/k %, each wrong one -100/(n-k) %), the same scoring as quizapp.
* ``matching`` -> ``matching`` (an extra right-hand option is a subquestion with no text).
* ``short`` -> ``shortanswer`` (case ignored; each accepted answer at 100 %; Moodle has no
  typo allowance, so ``typos`` and ``reject`` are not exported and a note says so).
* ``ordering`` -> ``ordering``, the Ordering question type (``qtype_ordering``, a plugin
  that is not part of every Moodle site: a note says so), graded by the longest ordered
  subset like quizapp.
* a parameterised ``numeric`` item -> ``calculated``: its answer formula is translated to
  Moodle's formula syntax (wildcards ``{x}``, ``pow(a, b)``, ``pi()``, ``c ? a : b``;
  helpers with a closed form, such as ``steps_per_epoch`` or ``adam_step``, are written
  out), and every wildcard gets a private dataset holding the values of the
  instances for seeds 0..N-1 (so constraints keep holding; Moodle picks one item
  number per attempt and uses it for every wildcard). Derived parameters are inlined;
  one that cannot be written in Moodle's syntax becomes a wildcard of its own with
  its drawn values. Prompt placeholders become wildcards or ``{=expression}``.
  When the answer formula needs something Moodle cannot compute (``quadratic_run``,
  ``simulate_loss``, text values, ...), the item is exported as N ``numerical``
  variants instead, and :attr:`MoodleExport.notes` says so.
* other parameterised items -> N concrete variants of their type.

The XML is built with :mod:`xml.etree.ElementTree` (escaping is its job); text is
HTML (escaped, newlines as ``<br>``, the app's `code` / **bold** / *italic* as tags,
``$...$`` as ``\\(...\\)`` for MathJax).

What Moodle shows is what the app shows (tests/bank/test_moodle_render.py renders every
question the way Moodle does and compares): in a calculated question's text a placeholder
is a wildcard only when its stored value reads as the app displays it, else
``{=round(expression, n)}`` (or a significant-figures round, or a ``*_shown`` wildcard
holding the displayed values when PHP's rounding might not agree; ``*_mantissa`` and
``*_exponent`` wildcards for a number shown with a power of ten), and every literal ``{``
is ``&#123;`` so that Moodle substitutes nothing else; the right answer is displayed as
the item's ``display`` rounds it, while the accepted interval stays the app's (two
full-credit answers for a rounded numerical one; a ``sigfigs`` tolerance becomes one
nominal tolerance, or numerical variants when the answers differ in size).
"""
from __future__ import annotations

import ast
import decimal
import inspect
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from quizapp.bank.gift import Concrete, concrete_questions, number_text, shown_number, text_html

__all__ = ["export_moodle_xml", "MoodleExport", "translate", "Untranslatable", "CLOSED_FORMS"]


class Untranslatable(Exception):
    """The formula uses something Moodle's calculated questions cannot express."""


# ====================================================================== formula translation


class _Dialect:
    """How a translated formula is spelled: Moodle's syntax, or Python (for tests)."""

    moodle = True

    def name(self, n: str) -> str:
        return "{" + n + "}"

    def pi(self) -> str:
        return "pi()"

    def e(self) -> str:
        return "exp(1)"

    def pow(self, a: str, b: str) -> str:
        return f"pow({a}, {b})"

    def ternary(self, c: str, a: str, b: str) -> str:
        return f"(({c}) ? ({a}) : ({b}))"

    def not_(self, a: str) -> str:
        return f"(!({a}))"

    def log2(self, a: str) -> str:
        return f"log({a}, 2)"


class _PythonDialect(_Dialect):
    moodle = False

    def name(self, n: str) -> str:
        return n

    def pi(self) -> str:
        return "pi"

    def pow(self, a: str, b: str) -> str:
        return f"(({a}) ** ({b}))"

    def ternary(self, c: str, a: str, b: str) -> str:
        return f"(({a}) if ({c}) else ({b}))"

    def not_(self, a: str) -> str:
        return f"(not ({a}))"


MOODLE = _Dialect()
PYTHON = _PythonDialect()

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMPOPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_MATH1 = {"abs", "sqrt", "exp", "log10", "sin", "cos", "tan", "floor", "ceil"}


def _clip_eps() -> float:
    from quizapp.optim.simulate import CLIP_EPS

    return float(CLIP_EPS)


def _p(x: str) -> str:
    return f"({x})"


def _sq(d: _Dialect, x: str) -> str:
    return d.pow(x, "2")


#: helper name -> closed form built from the argument expressions (all bound, defaults filled)
CLOSED_FORMS: dict[str, Callable[[_Dialect, dict[str, str]], str]] = {
    "steps_per_epoch": lambda d, a: f"ceil({a['samples']} / {a['batch_size']})",
    "bias_correction": lambda d, a: f"(1 - {d.pow(a['beta'], a['t'])})",
    "sgd_step": lambda d, a: f"({a['theta']} - {a['lr']} * ({a['g']} + {a['weight_decay']} * {a['theta']}))",
    "momentum_velocity": lambda d, a: f"((1 - {d.pow(a['beta'], a['k'])}) * {a['g']})",
    "momentum_position": lambda d, a: (
        f"({a['theta']} - {a['lr']} * {a['g']} * ({a['k']} - {a['beta']} * "
        f"(1 - {d.pow(a['beta'], a['k'])}) / (1 - {a['beta']})))"),
    "sgd_momentum_buffer": lambda d, a: (
        f"({d.pow(a['momentum'], _p(a['k'] + ' - 1'))} * {a['g']} + (1 - {a['dampening']}) * {a['g']} * "
        f"(1 - {d.pow(a['momentum'], _p(a['k'] + ' - 1'))}) / (1 - {a['momentum']}))"),
    "adam_m": lambda d, a: f"((1 - {d.pow(a['beta1'], a['t'])}) * {a['g']})",
    "adam_v": lambda d, a: f"((1 - {d.pow(a['beta2'], a['t'])}) * {_sq(d, a['g'])})",
    "adam_m_hat": lambda d, a: f"({a['g']})",
    "adam_v_hat": lambda d, a: f"({_sq(d, a['g'])})",
    "adam_step": lambda d, a: f"({a['lr']} * abs({a['g']}) / (abs({a['g']}) + {a['eps']}))",
    "adamw_step": lambda d, a: (
        f"({a['theta']} * (1 - {a['lr']} * {a['weight_decay']}) - "
        f"{a['lr']} * {a['g']} / (abs({a['g']}) + {a['eps']}))"),
    "adam_l2_step": lambda d, a: (
        f"({a['theta']} - {a['lr']} * ({a['g']} + {a['weight_decay']} * {a['theta']}) / "
        f"(abs({a['g']} + {a['weight_decay']} * {a['theta']}) + {a['eps']}))"),
    "adagrad_effective_lr": lambda d, a: f"({a['lr']} / (sqrt({a['k']} * {_sq(d, a['g'])}) + {a['eps']}))",
    "adagrad_step": lambda d, a: (
        f"({a['lr']} * abs({a['g']}) / (sqrt({a['k']} * {_sq(d, a['g'])}) + {a['eps']}))"),
    "rmsprop_square_avg": lambda d, a: f"((1 - {d.pow(a['alpha'], a['k'])}) * {_sq(d, a['g'])})",
    "rmsprop_denominator": lambda d, a: (
        f"(sqrt((1 - {d.pow(a['alpha'], a['k'])}) * {_sq(d, a['g'])}) + {a['eps']})"),
    "rmsprop_step": lambda d, a: (
        f"({a['lr']} * abs({a['g']}) / (sqrt((1 - {d.pow(a['alpha'], a['k'])}) * {_sq(d, a['g'])}) + {a['eps']}))"),
    "clip_coef": lambda d, a: f"min(1, {a['max_norm']} / ({a['norm']} + {_clip_eps()!r}))",
    "clipped_norm": lambda d, a: (
        f"(sqrt({_sq(d, a['gx'])} + {_sq(d, a['gy'])}) * min(1, {a['max_norm']} / "
        f"(sqrt({_sq(d, a['gx'])} + {_sq(d, a['gy'])}) + {_clip_eps()!r})))"),
    "step_lr": lambda d, a: f"({a['lr']} * {d.pow(a['gamma'], 'floor(' + a['t'] + ' / ' + a['step_size'] + ')')})",
    "exponential_lr": lambda d, a: f"({a['lr']} * {d.pow(a['gamma'], a['t'])})",
    "cosine_lr": lambda d, a: (
        f"({a['eta_min']} + ({a['lr']} - {a['eta_min']}) * (1 + cos({d.pi()} * {a['t']} / {a['T_max']})) / 2)"),
    "linear_lr": lambda d, a: (
        f"({a['lr']} * ({a['start_factor']} + ({a['end_factor']} - {a['start_factor']}) * "
        f"min({a['t']}, {a['total_iters']}) / {a['total_iters']}))"),
    "warmup_cosine_lr": lambda d, a: d.ternary(
        f"{a['t']} < {a['warmup_steps']}",
        f"{a['lr']} * {a['t']} / {a['warmup_steps']}",
        f"{a['eta_min']} + ({a['lr']} - {a['eta_min']}) * (1 + cos({d.pi()} * "
        f"min({a['t']} - {a['warmup_steps']}, {a['total_steps']} - {a['warmup_steps']}) / "
        f"({a['total_steps']} - {a['warmup_steps']}))) / 2"),
}


def _helper_signature(name: str) -> inspect.Signature:
    from quizapp.bank.helpers import ENGINE_HELPERS

    sig = inspect.signature(ENGINE_HELPERS[name])
    return sig.replace(parameters=list(sig.parameters.values())[1:])


@dataclass
class _Context:
    """What the names of an item's formulas mean when translating."""

    params: dict[str, Any]                   # name -> Param
    dialect: _Dialect = MOODLE
    wildcards: list[str] = field(default_factory=list)    # in order of first use
    data_wildcards: set[str] = field(default_factory=set)  # derived values given as data
    inlining: tuple[str, ...] = ()

    def use(self, name: str) -> str:
        if name not in self.wildcards:
            self.wildcards.append(name)
        return self.dialect.name(name)


def translate(formula, params: dict[str, Any], dialect: _Dialect = MOODLE,
              ctx: _Context | None = None) -> str:
    """``formula`` (a :class:`~quizapp.bank.formulas.Formula`) in Moodle's syntax.

    ``params`` maps names to the item's :class:`~quizapp.bank.model.Param`. Drawn
    parameters become wildcards, constants are written as numbers, derived ones are
    inlined. Raises :class:`Untranslatable` when Moodle cannot express it.
    """
    ctx = ctx or _Context(params, dialect)
    return _tr(formula.tree, ctx)


def _tr(node: ast.AST, ctx: _Context) -> str:
    d = ctx.dialect
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, (int, float)):
            return _literal(v)
        raise Untranslatable(f"text {v!r} in a formula")
    if isinstance(node, ast.Name):
        return _name(node.id, ctx)
    if isinstance(node, ast.BinOp):
        a, b = _tr(node.left, ctx), _tr(node.right, ctx)
        if type(node.op) in _BINOPS:
            return f"({a} {_BINOPS[type(node.op)]} {b})"
        if isinstance(node.op, ast.Pow):
            return d.pow(a, b)
        if isinstance(node.op, ast.FloorDiv):
            return f"floor({a} / {b})"
        if isinstance(node.op, ast.Mod):  # Python's % takes the sign of the divisor
            return f"({a} - {b} * floor({a} / {b}))"
        raise Untranslatable(f"operator {type(node.op).__name__}")
    if isinstance(node, ast.UnaryOp):
        a = _tr(node.operand, ctx)
        if isinstance(node.op, ast.USub):
            return f"(-{a})"
        if isinstance(node.op, ast.UAdd):
            return a
        if isinstance(node.op, ast.Not):
            return d.not_(a)
        raise Untranslatable(f"operator {type(node.op).__name__}")
    if isinstance(node, ast.BoolOp):  # Python's value semantics, written with ? :
        result = _tr(node.values[-1], ctx)
        for value in reversed(node.values[:-1]):
            v = _tr(value, ctx)
            result = d.ternary(v, result, v) if isinstance(node.op, ast.And) else d.ternary(v, v, result)
        return result
    if isinstance(node, ast.Compare):
        terms = [_tr(node.left, ctx)] + [_tr(c, ctx) for c in node.comparators]
        parts = []
        for i, op in enumerate(node.ops):
            if type(op) not in _CMPOPS:
                raise Untranslatable(f"comparison {type(op).__name__}")
            parts.append(f"({terms[i]} {_CMPOPS[type(op)]} {terms[i + 1]})")
        result = parts[-1]
        for part in reversed(parts[:-1]):
            result = d.ternary(part, result, "0")
        return result
    if isinstance(node, ast.IfExp):
        return d.ternary(_tr(node.test, ctx), _tr(node.body, ctx), _tr(node.orelse, ctx))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _call(node, ctx)
    raise Untranslatable(f"{type(node).__name__} in a formula")


def _literal(v: int | float) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        raise Untranslatable(f"the number {v}")
    text = number_text(v)
    return f"({text})" if text.startswith("-") else text


def _name(name: str, ctx: _Context) -> str:
    d = ctx.dialect
    if name == "pi":
        return d.pi()
    if name == "e":
        return d.e()
    if name in ("True", "true"):
        return "1"
    if name in ("False", "false"):
        return "0"
    p = ctx.params.get(name)
    if p is None:
        raise Untranslatable(f"unknown name {name!r}")
    if p.kind == "const":
        if isinstance(p.value, str):
            raise Untranslatable(f"the text constant {name} = {p.value!r}")
        return _literal(int(p.value) if isinstance(p.value, bool) else p.value)
    if p.kind == "derived":
        if name in ctx.data_wildcards:
            return ctx.use(name)
        if p.sigfigs or name in ctx.inlining:
            ctx.data_wildcards.add(name)
            return ctx.use(name)
        saved = ctx.inlining
        ctx.inlining = saved + (name,)
        try:
            return "(" + _tr(p.formula.tree, ctx) + ")"
        except Untranslatable:
            ctx.data_wildcards.add(name)  # its values are given as a dataset instead
            return ctx.use(name)
        finally:
            ctx.inlining = saved
    if p.kind == "choice" and any(isinstance(v, (str, bool)) for v in p.values):
        raise Untranslatable(f"parameter {name} takes text or true/false values")
    return ctx.use(name)


def _call(node: ast.Call, ctx: _Context) -> str:
    d = ctx.dialect
    fname = node.func.id
    if not (fname in _MATH1 or fname in CLOSED_FORMS or fname in ("log", "log2", "min", "max", "round")):
        raise Untranslatable(f"{fname}() has no formula Moodle can compute")
    args = [_tr(a, ctx) for a in node.args]
    kwargs = {kw.arg: _tr(kw.value, ctx) for kw in node.keywords}
    if fname in _MATH1:
        if len(args) != 1 or kwargs:
            raise Untranslatable(f"{fname}() with {len(args)} arguments")
        return f"{fname}({args[0]})"
    if fname == "log":
        if len(args) == 1 and not kwargs:
            return f"log({args[0]})"
        if len(args) == 2 and not kwargs:
            return f"log({args[0]}, {args[1]})"
        raise Untranslatable("log() with those arguments")
    if fname == "log2":
        return d.log2(args[0])
    if fname in ("min", "max"):
        if kwargs or len(args) < 2:
            raise Untranslatable(f"{fname}() with those arguments")
        return f"{fname}({', '.join(args)})"
    if fname == "round":
        if kwargs:
            raise Untranslatable("round() with keyword arguments")
        return f"round({', '.join(args)})"
    if fname in CLOSED_FORMS:
        try:
            bound = _helper_signature(fname).bind(*args, **kwargs)
        except TypeError as exc:
            raise Untranslatable(f"{fname}(): {exc}") from None
        bound.apply_defaults()
        values = {k: (v if isinstance(v, str) else _literal(v)) for k, v in bound.arguments.items()}
        return CLOSED_FORMS[fname](d, {k: f"({v})" for k, v in values.items()})
    raise Untranslatable(f"{fname}() has no formula Moodle can compute")


# ====================================================================== XML building


@dataclass
class MoodleExport:
    xml: str
    questions: int
    items: int
    calculated: int = 0
    notes: list[str] = field(default_factory=list)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _comment(text: str) -> ET.Element:
    """An XML comment; '--' may not appear inside one."""
    text = _clean(" ".join(text.split()))
    while "--" in text:
        text = text.replace("--", "- -")
    return ET.Comment(f" {text.rstrip('-')} ")


def _html(text: str) -> str:
    return _clean(text_html(text))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = _clean(str(text))
    return el


def _text_el(parent: ET.Element, tag: str, text: str, fmt: str | None = "html") -> ET.Element:
    el = _sub(parent, tag, **({"format": fmt} if fmt else {}))
    _sub(el, "text", text)
    return el


def _header(q_el: ET.Element, name: str, idnumber: str, question_html: str,
            feedback_html: str) -> None:
    _text_el(q_el, "name", name, fmt=None)
    _text_el(q_el, "questiontext", question_html)
    _text_el(q_el, "generalfeedback", feedback_html)
    _sub(q_el, "defaultgrade", "1")
    _sub(q_el, "penalty", "0.3333333")
    _sub(q_el, "hidden", "0")
    _sub(q_el, "idnumber", idnumber)


def _tags(q_el: ET.Element, tags: Iterable[str]) -> None:
    tags = [t for t in tags if t]
    if tags:
        tags_el = _sub(q_el, "tags")
        for t in tags:
            _sub(_sub(tags_el, "tag"), "text", t)


def _empty_feedback(parent: ET.Element) -> None:
    _text_el(parent, "feedback", "")


def _units(q_el: ET.Element, unit: str) -> None:
    if unit:
        units = _sub(q_el, "units")
        u = _sub(units, "unit")
        _sub(u, "multiplier", "1")
        _sub(u, "unit_name", unit)
    _sub(q_el, "unitgradingtype", "0")
    _sub(q_el, "unitpenalty", "0.1000000")
    _sub(q_el, "showunits", "3")
    _sub(q_el, "unitsleft", "0")


def _part_xml(q_el: ET.Element, q: Concrete) -> None:
    """multiple -> multichoice with several answers, ordering -> ordering, matching ->
    matching, short -> shortanswer."""
    from quizapp.bank.gift import weight_text
    from quizapp.bank.kinds import multiple_weights

    if q.kind == "multiple":
        _sub(q_el, "single", "false")
        _sub(q_el, "shuffleanswers", "true")
        _sub(q_el, "answernumbering", "abc")
        for text, w in zip(q.choices or [], multiple_weights(len(q.choices or []), q.keys or [])):
            a = _sub(q_el, "answer", fraction=weight_text(w), format="html")
            _sub(a, "text", _html(text))
            _empty_feedback(a)
    elif q.kind == "ordering":
        # the Ordering question type (qtype_ordering): items in the right order; graded by
        # the longest ordered subset, as quizapp grades them
        _sub(q_el, "layouttype", "VERTICAL")
        _sub(q_el, "selecttype", "ALL")
        _sub(q_el, "selectcount", "0")
        _sub(q_el, "gradingtype", "LONGEST_ORDERED_SUBSET")
        _sub(q_el, "showgrading", "SHOW")
        _sub(q_el, "numberingstyle", "none")
        for n, text in enumerate(q.choices or [], 1):
            a = _sub(q_el, "answer", fraction=f"{n}.0000000", format="html")
            _sub(a, "text", _html(text))
            _empty_feedback(a)
    elif q.kind == "matching":
        _sub(q_el, "shuffleanswers", "true")
        for left, right in q.pairs or []:
            sq = _sub(q_el, "subquestion", format="html")
            _sub(sq, "text", _html(left))
            _sub(_sub(sq, "answer"), "text", right)
        for extra in q.extras or []:  # an empty question text: an option that matches nothing
            sq = _sub(q_el, "subquestion", format="html")
            _sub(sq, "text", "")
            _sub(_sub(sq, "answer"), "text", extra)
    else:  # short
        _sub(q_el, "usecase", "0")
        for word in q.accept or []:
            a = _sub(q_el, "answer", fraction="100", format="moodle_auto_format")
            _sub(a, "text", word)
            _empty_feedback(a)


def _concrete_xml(quiz: ET.Element, q: Concrete) -> None:
    item = q.item
    qtype = {"choice": "multichoice", "true_false": "truefalse", "numeric": "numerical",
             "multiple": "multichoice", "ordering": "ordering", "matching": "matching",
             "short": "shortanswer"}[q.kind]
    quiz.append(_comment(f"quizapp item {item.id}" + (f", seed {q.seed}" if q.seed is not None else "")))
    q_el = _sub(quiz, "question", type=qtype)
    _header(q_el, q.title, q.id, _html(q.prompt), _html(q.explanation))
    if q.kind in ("multiple", "ordering", "matching", "short"):
        _part_xml(q_el, q)
    elif q.kind == "choice":
        _sub(q_el, "single", "true")
        _sub(q_el, "shuffleanswers", "true")
        _sub(q_el, "answernumbering", "abc")
        for n, text in enumerate(q.choices or [], 1):
            a = _sub(q_el, "answer", fraction="100" if n == q.correct else "0", format="html")
            _sub(a, "text", _html(text))
            _empty_feedback(a)
    elif q.kind == "true_false":
        for word, right in (("true", q.truth), ("false", not q.truth)):
            a = _sub(q_el, "answer", fraction="100" if right else "0", format="moodle_auto_format")
            _sub(a, "text", word)
            _empty_feedback(a)
    else:
        # the answer as the app shows it; if that is rounded, the exact one follows, so the
        # two together accept the app's interval (Moodle shows the first as the right answer)
        for text, tol in q.numeric_answers():
            a = _sub(q_el, "answer", fraction="100", format="moodle_auto_format")
            _sub(a, "text", text)
            _empty_feedback(a)
            _sub(a, "tolerance", tol)
        _units(q_el, item.answer.unit)
    _tags(q_el, item.tags)


# ---------------------------------------------------------------------- calculated


def _answer_format(display: str) -> tuple[int, int]:
    """(correctanswerformat, correctanswerlength): 1 = decimals, 2 = significant figures."""
    m = re.fullmatch(r".*?\.(\d+)([gGeEfF%])", display or "")
    if m:
        digits, kind = int(m.group(1)), m.group(2).lower()
        if kind == "f":
            return 1, min(digits, 9)
        if kind == "%":  # 96.5% is the answer 0.965: two more decimals than shown
            return 1, min(digits + 2, 9)
        if kind == "e":
            return 2, min(digits + 1, 9)
        return 2, max(1, min(digits, 9))
    if display and display[-1:] in "dn":
        return 1, 0
    return 2, 4


def _tolerance(tol, answers: Iterable[float]) -> tuple[str, str, str]:
    """(tolerance, tolerancetype, note): 1 = relative, 2 = nominal (absolute).

    Moodle has no significant-figures tolerance: when every dataset answer has the same
    magnitude, the app's bound is one absolute tolerance; otherwise :class:`_Fallback`.
    """
    if tol.kind == "relative":
        return number_text(tol.amount), "1", ""
    if tol.kind == "absolute":
        return number_text(tol.amount), "2", ""
    bounds = {tol.bound(a) for a in answers}
    if len(bounds) != 1:
        raise _Fallback(f"its tolerance ({tol.describe()}) is a different interval for answers of "
                        "different sizes, which a Moodle tolerance cannot say")
    bound = bounds.pop()
    return number_text(bound), "2", f"{tol.describe()} exported as ±{number_text(bound)}"


def _decimals(values: list[float]) -> int:
    best = 0
    for v in values:
        text = number_text(v)
        if "e" in text:
            mant, exp = text.split("e")
            frac = len(mant.split(".")[1]) if "." in mant else 0
            best = max(best, frac - int(exp))
        elif "." in text:
            best = max(best, len(text.split(".")[1]))
    return max(0, min(best, 10))


class _Fallback(Exception):
    pass


def _calculated(item, bank, variants: int, notes: list[str]) -> tuple[ET.Element, ET.Element]:
    """(comment, ``calculated`` question element); raises _Fallback when it must be variants."""
    from quizapp.bank.formulas import Formula

    ans = item.answer
    if not isinstance(ans.value, Formula):
        raise _Fallback("its answer is a fixed number")
    params = {p.name: p for p in item.params}
    ctx = _Context(params, MOODLE)
    try:
        formula = translate(ans.value, params, MOODLE, ctx)
    except Untranslatable as exc:
        raise _Fallback(str(exc)) from None
    if not ctx.wildcards:
        raise _Fallback("its answer formula uses no drawn parameter")
    instances = []
    for seed in range(variants):
        try:
            instances.append(bank.instance(item.id, seed))
        except Exception as exc:  # noqa: BLE001
            notes.append(f"{item.id}: seed {seed}: cannot draw an instance ({exc}); left out")
    if not instances:
        raise _Fallback("no instance could be drawn")
    tol, tol_type, tol_note = _tolerance(ans.tolerance, [float(inst.answer) for inst in instances])
    # the texts: placeholders -> wildcards, {=round(expression, n)} or literal values, each
    # showing what the app shows for every dataset item
    shown: dict[str, list[str]] = {}   # wildcards that hold the displayed values themselves
    text_parts = {}
    for field_name, template in (("prompt", item.prompt), ("explanation", item.explanation)):
        text_parts[field_name] = _template_html(template, params, ctx, formula, instances, shown,
                                                ans.display)
    datasets = []
    for name in ctx.wildcards:
        values = []
        for inst in instances:
            v = inst.params.get(name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise _Fallback(f"parameter {name} has the non-numeric value {v!r}")
            values.append(v)
        datasets.append((name, values, [number_text(v) for v in values]))
    for name, texts in shown.items():
        datasets.append((name, [float(x) for x in texts], texts))

    q_el = ET.Element("question", type="calculated")
    _header(q_el, item.id, item.id, text_parts["prompt"], text_parts["explanation"])
    _sub(q_el, "synchronize", "0")
    _sub(q_el, "single", "0")
    _sub(q_el, "answernumbering", "abc")
    _sub(q_el, "shuffleanswers", "0")
    a = _sub(q_el, "answer", fraction="100", format="moodle_auto_format")
    _sub(a, "text", formula)
    _sub(a, "tolerance", tol)
    _sub(a, "tolerancetype", tol_type)
    fmt, length = _answer_format(ans.display)
    _sub(a, "correctanswerformat", str(fmt))
    _sub(a, "correctanswerlength", str(length))
    _empty_feedback(a)
    _units(q_el, ans.unit)
    defs = _sub(q_el, "dataset_definitions")
    for name, values, texts in datasets:
        p = params.get(name)
        dd = _sub(defs, "dataset_definition")
        _sub(_sub(dd, "status"), "text", "private")
        _sub(_sub(dd, "name"), "text", name)
        _sub(dd, "type", "calculated")
        lo, hi = _bounds(p, values) if p is not None else (min(values), max(values))
        loguniform = p is not None and p.kind == "loguniform"
        _sub(_sub(dd, "distribution"), "text", "loguniform" if loguniform else "uniform")
        _sub(_sub(dd, "minimum"), "text", number_text(lo))
        _sub(_sub(dd, "maximum"), "text", number_text(hi))
        _sub(_sub(dd, "decimals"), "text", str(_decimals(values + [lo, hi])))
        _sub(dd, "itemcount", str(len(values)))
        items_el = _sub(dd, "dataset_items")
        for n, text in enumerate(texts, 1):
            di = _sub(items_el, "dataset_item")
            _sub(di, "number", str(n))
            _sub(di, "value", text)
        _sub(dd, "number_of_items", str(len(values)))
    _tags(q_el, item.tags)
    data = sorted(ctx.data_wildcards & set(ctx.wildcards))
    comment = f"quizapp item {item.id}: calculated, {len(instances)} dataset item(s)"
    if data:
        comment += f"; {', '.join(data)} given as data (derived in quizapp)"
    if shown:
        comment += f"; {', '.join(shown)} hold values as quizapp displays them"
    if tol_note:
        comment += f"; {tol_note}"
    return _comment(comment), q_el


def _bounds(p, values: list[float]) -> tuple[float, float]:
    if p.kind in ("range", "loguniform", "randint"):
        return p.lo, p.hi
    if p.kind == "choice":
        nums = [v for v in p.values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if nums:
            return min(nums), max(nums)
    return min(values), max(values)


def _template_html(template, params: dict[str, Any], ctx: _Context, answer_formula: str,
                   instances: list, shown: dict[str, list[str]], answer_display: str = "") -> str:
    """A prompt or explanation for a calculated question, as Moodle should show it for every
    dataset item: literal text as HTML (every literal ``{`` as ``&#123;``, so that Moodle
    substitutes nothing in it), placeholders as ``{x}`` (a wildcard), ``{=round(expr, n)}``
    (rounded as the app displays it) or the constant's value."""
    from quizapp.bank.render import TemplateError, format_value, scientific

    out: list[str] = []
    fields: list[str] = []
    dollars = 0  # as the app renders: a placeholder after an odd number of $ is inside math
    for literal, name, spec in template.parts:
        out.append(literal.replace("\x00", "").replace("\x01", ""))
        dollars += len(_DOLLAR.findall(literal))
        in_math = dollars % 2 == 1
        if name is None:
            continue
        p = params.get(name)
        if name != "answer" and p is None:
            raise _Fallback(f"placeholder {{{name}}} names no parameter")
        if p is not None and p.kind == "const":
            try:
                out.append(scientific(format_value(p.value, spec, name), math=in_math))
            except TemplateError as exc:
                raise _Fallback(str(exc)) from None
            continue
        if p is not None and p.kind == "choice" and any(isinstance(v, (str, bool)) for v in p.values):
            raise _Fallback(f"parameter {name} takes text or true/false values")
        try:
            if name == "answer":
                raw = [float(inst.answer) for inst in instances]
                targets = [format_value(inst.answer_display, spec, name) for inst in instances]
            else:
                raw = [inst.params[name] for inst in instances]
                targets = [format_value(v, spec, name) for v in raw]
        except (TemplateError, KeyError) as exc:
            raise _Fallback(f"placeholder {{{name}}}: {exc}") from None
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in raw):
            raise _Fallback(f"placeholder {{{name}}} shows a value that is not a number")
        powers = [_E_NUMBER.match(target) for target in targets]
        if any(powers):  # the app writes 2.5e-05 as 2.5 x 10^-5: Moodle's numbers cannot
            fields.append(_powers_of_ten(name, params, ctx, shown, powers, in_math))
            out.append(f"\x00{len(fields) - 1}\x00")
            continue
        expr = None
        if name == "answer":
            expr = answer_formula
        elif p.kind == "derived" and name not in ctx.data_wildcards:
            try:
                expr = "(" + _tr(p.formula.tree, ctx) + ")"
            except Untranslatable:
                ctx.data_wildcards.add(name)
        if expr is None:  # a drawn parameter, or a derived one given as data: a wildcard
            expr = ctx.use(name)
            if all(_same_number(number_text(v), target) for v, target in zip(raw, targets)):
                fields.append(expr)
                out.append(f"\x00{len(fields) - 1}\x00")
                continue
        display = spec if (spec or name != "answer") else answer_display
        field_text = _rounded_field(expr, [float(v) for v in raw], targets, display)
        if field_text is None:  # no one rounding shows every item as the app does
            field_text = _shown_wildcard(name, params, ctx, shown, targets)
        fields.append(field_text)
        out.append(f"\x00{len(fields) - 1}\x00")
    return _clean(text_html("".join(out), fields, escape_braces=True))


_DOLLAR = re.compile(r"(?<!\\)\$")
_E_NUMBER = re.compile(r"^([-+]?\d+(?:\.\d+)?)[eE]([-+]?)0*(\d+)$")  # as quizapp.bank.render


def _powers_of_ten(name: str, params: dict[str, Any], ctx: _Context, shown: dict[str, list[str]],
                   powers: list, in_math: bool) -> str:
    """A number the app shows as ``2.5 \\times 10^{-5}`` (``2.5×10⁻⁵`` outside math) for
    every dataset item: wildcards holding the shown mantissas and exponents."""
    if not all(powers):
        raise _Fallback(f"placeholder {{{name}}} is shown with a power of ten for some draws only")
    mantissas = [m.group(1) for m in powers]
    exponents = [("-" if m.group(2) == "-" else "") + m.group(3) for m in powers]
    ones = {"1": "", "+1": "", "-1": "-"}
    if any(x in ones for x in mantissas):  # the app writes 1e-05 as 10^{-5}
        if len({ones.get(x) for x in mantissas}) != 1:
            raise _Fallback(f"placeholder {{{name}}} is shown as 10^n for some draws only")
        head = ones[mantissas[0]]
    else:
        head = "{" + _data_wildcard(f"{name}_mantissa", params, ctx, shown, mantissas) + "}"
        head += " \\times " if in_math else "×"
    power = "{" + _data_wildcard(f"{name}_exponent", params, ctx, shown, exponents) + "}"
    return f"{head}10^&#123;{power}}}" if in_math else f"{head}10<sup>{power}</sup>"


def _data_wildcard(base: str, params: dict[str, Any], ctx: _Context, shown: dict[str, list[str]],
                   texts: list[str]) -> str:
    """The name of a wildcard whose dataset holds ``texts`` (a new one unless one already does)."""
    for existing, values in shown.items():
        if values == texts:
            return existing
    new, k = base, 2
    while new in params or new in ctx.wildcards or new in shown:
        new, k = f"{base}{k}", k + 1
    shown[new] = texts
    return new


def _same_number(a: str, b: str) -> bool:
    x, y = shown_number(a), shown_number(b)
    return x is not None and y is not None and float(x) == float(y)


def _php_text(x: float) -> str:
    """How PHP writes a float in text (its default precision, 14 significant digits)."""
    return format(x, ".14g")


def _rounded_field(expr: str, raw: list[float], targets: list[str], display: str = "") -> str | None:
    """A ``{=round(...)}`` that Moodle shows as ``targets`` (one per dataset item), or None.

    ``round(expr, n)`` when one number of decimals shows every item as the app does;
    otherwise, for a significant-figures display (``.4g``, ``.2e``, or the app's plain one),
    ``round(expr, N - 1 - floor(log10(abs(expr))))``, which rounds to N significant figures
    for any value Moodle draws. Moodle's ``round`` is PHP's (halves away from zero), as is
    the app's formula ``round``.
    """
    from quizapp.bank.formulas import _round as php_round

    percent = all(t.strip().endswith("%") for t in targets)
    suffix = "%" if percent else ""
    if percent:
        targets = [t.strip()[:-1] for t in targets]
        raw = [v * 100 for v in raw]
        expr = f"({expr}) * 100"
    exact = []
    for target in targets:
        text = shown_number(target)
        if text is None:
            return None
        exact.append(decimal.Decimal(text))
    if not all(math.isfinite(v) for v in raw):
        return None

    def rounds_to(v: float, n: int, target: str) -> bool:
        # PHP's round() first rounds to 15 significant digits (up to PHP 8.3); the app's rounds
        # the shortest text of the value: only where both agree is the field safe
        pre = float(decimal.Decimal(format(v, ".14e")).quantize(
            decimal.Decimal(1).scaleb(-n), rounding=decimal.ROUND_HALF_UP))
        ours = php_round(v, n)
        return pre == ours and _same_number(_php_text(ours), target)

    def shows_targets(places: Callable[[float], int]) -> bool:
        return all(-15 <= places(v) <= 15 and rounds_to(v, places(v), t) for v, t in zip(raw, targets))

    n = max(-d.as_tuple().exponent for d in exact)
    if shows_targets(lambda v: n):
        return "{=round(" + expr + f", {n})}}" + suffix
    digits = _significant_digits(display, exact)
    if digits is None:
        return None

    def sig_places(v: float) -> int:
        return digits - 1 - math.floor(math.log10(abs(v) + (v == 0)))

    if shows_targets(sig_places):
        e = f"({expr})"
        return ("{=round(" + e + f", {digits - 1} - floor(log10(abs({e}) + ({e} == 0))))}}" + suffix)
    return None


def _significant_digits(display: str, shown: list[decimal.Decimal]) -> int | None:
    """N for a display that shows N significant figures (``.4g`` 4, ``.2e`` 3; the app's plain
    display: as many as the values shown have), else None."""
    m = re.fullmatch(r".*?\.(\d+)([gGeE])", display or "")
    if m:
        digits = int(m.group(1))
        return max(digits, 1) if m.group(2) in "gG" else digits + 1
    if not display:
        return max(len(d.normalize().as_tuple().digits) for d in shown)
    return None


def _shown_wildcard(name: str, params: dict[str, Any], ctx: _Context, shown: dict[str, list[str]],
                    targets: list[str]) -> str:
    """A wildcard of its own whose dataset holds the values as the app displays them."""
    texts = []
    for target in targets:
        text = shown_number(target.strip()[:-1] if target.strip().endswith("%") else target)
        if text is None:
            raise _Fallback(f"placeholder {{{name}}} shows {target!r}, which is not a number")
        texts.append(text)
    percent = all(t.strip().endswith("%") for t in targets)
    return "{" + _data_wildcard(f"{name}_shown", params, ctx, shown, texts) + "}" + ("%" if percent else "")


# ---------------------------------------------------------------------- the whole file


def export_moodle_xml(bank, variants: int = 5, items: Iterable[Any] | None = None,
                      source: str = "") -> MoodleExport:
    if variants < 1:
        raise ValueError("variants must be at least 1")
    chosen = list(bank.items.values()) if items is None else list(items)
    notes: list[str] = []
    quiz = ET.Element("quiz")
    quiz.append(_comment(f"Exported by quizapp{(' from ' + source) if source else ''}. "
                         f"A calculated question's datasets are fixed: the values of seeds "
                         f"0-{variants - 1}, some computed by quizapp (derived values; *_shown, "
                         "*_mantissa and *_exponent wildcards holding displayed values); do not "
                         "regenerate them in Moodle. "
                         "Other parameterised items are fixed variants, identical draws written "
                         "once."))
    by_topic: dict[str, list[Any]] = {}
    for item in chosen:
        by_topic.setdefault(item.topic, []).append(item)
    count = calculated = ordering = 0
    for topic, topic_items in by_topic.items():
        cat = _sub(quiz, "question", type="category")
        _sub(_sub(cat, "category"), "text", f"$course$/top/{topic}")
        _text_el(cat, "info", bank.topics.get(topic, topic), fmt="moodle_auto_format")
        for item in topic_items:
            if item.parameterised and item.kind == "numeric":
                try:
                    comment, q_el = _calculated(item, bank, variants, notes)
                except _Fallback as why:
                    more: list[str] = []
                    variants_written = list(concrete_questions([item], bank, variants, more))
                    notes.append(f"{item.id}: cannot be a Moodle calculated question ({why}); "
                                 f"exported as {len(variants_written)} numerical variant(s)")
                    notes.extend(more)
                else:
                    quiz.append(comment)
                    quiz.append(q_el)
                    count += 1
                    calculated += 1
                    continue
            else:
                variants_written = list(concrete_questions([item], bank, variants, notes))
            for q in variants_written:
                _concrete_xml(quiz, q)
                count += 1
            if item.kind == "ordering":
                ordering += 1
            elif item.kind == "short" and (item.answer.typos or item.answer.reject):
                notes.append(f"{item.id}: Moodle's short answer has no typo allowance or rejected "
                             "answers; only the accepted spellings are exported")
    if ordering:
        notes.append(f"{ordering} ordering item(s) exported as Moodle 'ordering' questions: the "
                     "Ordering question type (qtype_ordering) must be installed on the Moodle site, "
                     "which otherwise refuses these questions on import (graded by the longest "
                     "ordered subset, as in quizapp)")
    ET.indent(quiz, space="  ")
    body = ET.tostring(quiz, encoding="unicode")
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
    return MoodleExport(xml, count, len(chosen), calculated, notes)
