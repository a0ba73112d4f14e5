"""Drawing an instance of an item for a seed: parameters, constraints, answer, text.

The random generator is ``random.Random(f"{item_id}:{seed}")``: Python seeds a
``Random`` from a string through SHA-512, so the same (item id, seed) gives the same
draws on every machine and every run (Python's salted ``hash()`` is never used).
Draw order is fixed: parameters in the order written, then (for choice items) one
shuffle of the choices.
"""
from __future__ import annotations

import math
import numbers
import random
from decimal import Decimal
from typing import Any

from quizapp.bank.errors import FormulaError, InstanceError
from quizapp.bank.formulas import Budget, BudgetError, evaluate, shown as _shown
from quizapp.bank.model import Instance, Item, Param
from quizapp.bank.render import TemplateError, format_number, format_value, scientific

MAX_ATTEMPTS = 1000  # draws tried before constraints are declared unsatisfiable
DEFAULT_SIGFIGS = 3


def rng_for(item_id: str, seed: int) -> random.Random:
    return random.Random(f"{item_id}:{int(seed)}")


class FieldError(InstanceError):
    """An InstanceError that knows which field of the item caused it."""

    def __init__(self, field: str, message: str, budget: str | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message
        self.budget = budget  # "steps" or "time" when a budget ran out, else None


def _which(exc: Exception) -> str | None:
    return exc.which if isinstance(exc, BudgetError) else None


def round_sigfigs(value: float, digits: int) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{digits}g}")


def _grid_value(p: Param, i: int) -> int | float:
    if all(float(v).is_integer() for v in (p.lo, p.step)) and isinstance(p.lo, int) and isinstance(p.step, int):
        return int(p.lo + i * p.step)
    return float(Decimal(repr(float(p.lo))) + i * Decimal(repr(float(p.step))))


def draw_param(p: Param, rng: random.Random, values: dict[str, Any],
               budget: Budget | None = None) -> Any:
    if p.kind == "const":
        return p.value
    if p.kind == "choice":
        return p.values[rng.randrange(len(p.values))]
    if p.kind == "randint":
        return rng.randint(int(p.lo), int(p.hi))
    if p.kind == "range":
        if p.step is not None:
            return _grid_value(p, rng.randrange(p.count))
        return round_sigfigs(rng.uniform(p.lo, p.hi), p.sigfigs or DEFAULT_SIGFIGS)
    if p.kind == "loguniform":
        v = math.exp(rng.uniform(math.log(p.lo), math.log(p.hi)))
        return round_sigfigs(v, p.sigfigs or DEFAULT_SIGFIGS)
    if p.kind == "derived":
        try:
            v = evaluate(p.formula, values, budget)
        except FormulaError as exc:
            raise FieldError(f"params.{p.name}", f"{exc}{_with(values)}", _which(exc)) from None
        if isinstance(v, float):
            if not math.isfinite(v):
                raise FieldError(f"params.{p.name}", f"derived value is {v} (not a finite number)")
            if p.sigfigs:
                v = round_sigfigs(v, p.sigfigs)
        return v
    raise FieldError(f"params.{p.name}", f"unknown parameter kind {p.kind!r}")


def draw_params(item: Item, seed: int, rng: random.Random | None = None,
                budget: Budget | None = None) -> tuple[dict[str, Any], random.Random]:
    """Draw every parameter, redrawing until all constraints hold (at most MAX_ATTEMPTS times).

    Every formula of every redraw spends from one ``budget`` (a fresh draw budget when
    none is given), so a slow constraint that is never true ends the draw early."""
    rng = rng or rng_for(item.id, seed)
    budget = budget if budget is not None else Budget()
    attempts = MAX_ATTEMPTS if item.constraints else 1
    for _ in range(attempts):
        try:
            budget.check_time()
        except BudgetError as exc:
            raise FieldError("constraints" if item.constraints else "params", str(exc), exc.which) from None
        values: dict[str, Any] = {}
        for p in item.params:
            values[p.name] = draw_param(p, rng, values, budget)
        if _constraints_hold(item, values, budget):
            return values, rng
    listed = "; ".join(_shown(c.text, 60)[1:-1] for c in item.constraints[:3])
    if len(item.constraints) > 3:
        listed += f"; and {len(item.constraints) - 3} more"
    raise FieldError("constraints", f"no draw out of {MAX_ATTEMPTS} satisfied the constraints ({listed}); "
                                    "widen the parameter ranges or relax the constraints")


def _constraints_hold(item: Item, values: dict[str, Any], budget: Budget | None = None) -> bool:
    for c in item.constraints:
        try:
            ok = evaluate(c, values, budget)
        except FormulaError as exc:
            raise FieldError("constraints", f"{_shown(c.text)}: {exc}{_with(values)}", _which(exc)) from None
        if not isinstance(ok, bool):
            raise FieldError("constraints", f"{_shown(c.text)} must be a comparison that is true or false, "
                                            f"got {ok!r}")
        if not ok:
            return False
    return True


def _number(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(field, f"must give a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise FieldError(field, f"gave {v}, not a finite number")
    return v


def _display(item: Item, value: float, field: str) -> str:
    try:
        return format_value(value, item.answer.display, "answer")
    except TemplateError as exc:
        raise FieldError(field, str(exc)) from None


def _eval(field: str, formula_or_value: Any, values: dict[str, Any],
          budget: Budget | None = None) -> Any:
    from quizapp.bank.formulas import Formula

    if isinstance(formula_or_value, Formula):
        try:
            return evaluate(formula_or_value, values, budget)
        except FormulaError as exc:
            raise FieldError(field, f"{exc}{_with(values)}", _which(exc)) from None
    return formula_or_value


def _with(values: dict[str, Any]) -> str:
    if not values:
        return ""
    listed = ", ".join(f"{k} = {_shown(format_number(v), 40)[1:-1]}"
                       for k, v in list(values.items())[:8])
    if len(values) > 8:
        listed += ", \u2026"
    return f" (with {listed})"


def instantiate(item: Item, seed: int, budget: Budget | None = None) -> Instance:
    """Draw the instance of ``item`` for ``seed``.

    The whole draw (parameters, every constraint redraw, the answer and computed choices)
    spends from one fresh draw :class:`~quizapp.bank.formulas.Budget`; ``budget``, when
    given, is a larger budget the draw also spends from (``bank check`` gives one per item).
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InstanceError(f"seed must be a whole number, got {seed!r}")
    seed = int(seed)
    budget = Budget(parent=budget)
    values, rng = draw_params(item, seed, budget=budget)
    ans = item.answer
    choices: list[str] | None = None
    correct_choice: int | None = None
    choice_values: list[float] | None = None
    choice_order: list[int] | None = None
    unit_suffix = f" {ans.unit}" if ans.unit else ""
    answer_display = ""
    extra: dict[str, Any] = {}

    if ans.kind == "numeric":
        answer = _number("answer.value", _eval("answer.value", ans.value, values, budget))
        answer_display = _display(item, answer, "answer.display")
        answer_text = answer_display + unit_suffix
        placeholder = answer_display
    elif ans.kind == "true_false":
        answer = _eval("answer.value", ans.value, values, budget)
        if not isinstance(answer, bool):
            raise FieldError("answer.value", f"a true/false answer must be true or false, got {answer!r}")
        choices = ["True", "False"]
        correct_choice = 1 if answer else 2
        answer_text = f"{correct_choice}. {choices[correct_choice - 1]}"
        placeholder = choices[correct_choice - 1]
    elif ans.kind == "choice":
        try:
            texts = [t.render(_display_values(values)) for t in ans.choices]
        except (TemplateError, KeyError) as exc:
            raise FieldError("answer.choices", str(exc)) from None
        order = list(range(len(texts)))
        rng.shuffle(order)
        choices = [texts[i] for i in order]
        correct_choice = order.index(ans.correct - 1) + 1
        answer = correct_choice
        answer_text = f"{correct_choice}. {choices[correct_choice - 1]}"
        placeholder = choices[correct_choice - 1]
        choice_order = [i + 1 for i in order]
    elif ans.kind == "computed_choice":
        raw = [_number(f"answer.choices[{i + 1}]", _eval(f"answer.choices[{i + 1}]", f, values, budget))
               for i, f in enumerate(ans.formulas)]
        texts = [scientific(_display(item, v, "answer.display")) + unit_suffix for v in raw]
        order = list(range(len(texts)))
        rng.shuffle(order)
        choices = [texts[i] for i in order]
        choice_values = [raw[i] for i in order]
        choice_order = [i + 1 for i in order]
        correct_choice = order.index(ans.correct - 1) + 1
        answer = correct_choice
        answer_text = f"{correct_choice}. {choices[correct_choice - 1]}"
        placeholder = _display(item, raw[ans.correct - 1], "answer.display")
        answer_display = placeholder
    elif ans.kind in ("multiple", "ordering", "matching", "short"):
        part = _part_instance(item, values, rng)
        choices, answer, answer_text, placeholder = part["choices"], part["answer"], part["text"], part["shown"]
        choice_order = part.get("order")
        extra = {k: part[k] for k in ("targets", "accepted") if k in part}
    else:  # the loader never builds one
        raise FieldError("answer.kind", f"unknown answer kind {ans.kind!r}")

    shown = _display_values(values)
    shown["answer"] = placeholder
    try:
        prompt = item.prompt.render(shown)
    except TemplateError as exc:
        raise FieldError("prompt", str(exc)) from None
    try:
        explanation = item.explanation.render(shown)
    except TemplateError as exc:
        raise FieldError("explanation", str(exc)) from None

    return Instance(item_id=item.id, seed=seed, kind=ans.kind, params=_json_safe(values),
                    prompt=prompt, choices=choices, answer=answer, correct_choice=correct_choice,
                    answer_text=answer_text, explanation=explanation, topic=item.topic,
                    answer_display=answer_display, unit=ans.unit, choice_values=choice_values,
                    choice_order=choice_order, **extra)


def _render_all(field: str, templates, values: dict[str, Any]) -> list[str]:
    try:
        return [t.render(_display_values(values)) for t in templates]
    except (TemplateError, KeyError) as exc:
        raise FieldError(field, str(exc)) from None


def _part_instance(item: Item, values: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Choices, answer and texts of a multiple / ordering / matching / short instance.

    Draw order after the parameters: one shuffle of the options (multiple, ordering), or
    of the left entries and then of the right-hand options (matching)."""
    from quizapp.bank import kinds as K

    ans = item.answer
    if ans.kind == "multiple":
        texts = _render_all("answer.choices", ans.choices, values)
        order = list(range(len(texts)))
        rng.shuffle(order)
        shown = [texts[i] for i in order]
        keys = sorted(order.index(k - 1) + 1 for k in ans.keys)
        listing = "; ".join(shown[k - 1] for k in keys)
        return {"choices": shown, "answer": keys, "order": [i + 1 for i in order],
                "text": f"{K.multiple_text(keys)} ({listing})", "shown": listing}
    if ans.kind == "ordering":
        texts = _render_all("answer.steps", ans.choices, values)
        order = list(range(len(texts)))
        rng.shuffle(order)
        if order == sorted(order):  # never show the steps already in order
            order = order[1:] + order[:1]
        shown = [texts[i] for i in order]
        key = [order.index(i) + 1 for i in range(len(texts))]
        listing = " \u2192 ".join(texts)
        return {"choices": shown, "answer": key, "order": [i + 1 for i in order],
                "text": f"{K.ordering_text(key)} ({listing})", "shown": listing}
    if ans.kind == "matching":
        lefts = _render_all("answer.pairs", [p[0] for p in ans.pairs], values)
        rights = _render_all("answer.pairs", [p[1] for p in ans.pairs], values)
        extras = _render_all("answer.extras", ans.extras, values)
        options = list(dict.fromkeys(rights + extras))
        left_order = list(range(len(lefts)))
        rng.shuffle(left_order)
        right_order = list(range(len(options)))
        rng.shuffle(right_order)
        targets = [options[i] for i in right_order]
        shown_lefts = [lefts[i] for i in left_order]
        key = [targets.index(rights[i]) + 1 for i in left_order]
        listing = "; ".join(f"{l} \u2192 {targets[k - 1]}" for l, k in zip(shown_lefts, key))
        return {"choices": shown_lefts, "answer": key, "order": [i + 1 for i in left_order],
                "targets": targets, "text": K.matching_text(key), "shown": listing}
    accepted = list(ans.accept)
    return {"choices": None, "answer": accepted[0], "text": accepted[0], "shown": accepted[0],
            "accepted": accepted}


def _display_values(values: dict[str, Any]) -> dict[str, Any]:
    """Values for templates: the raw values, so that format specs like ``:.3g`` apply."""
    return dict(values)


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, v in values.items():
        if isinstance(v, float) and not math.isfinite(v):
            raise FieldError(f"params.{name}", f"value is {v}, not a finite number")
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
            v = float(v)
        out[name] = v
    return out


__all__ = ["instantiate", "draw_params", "rng_for", "round_sigfigs", "MAX_ATTEMPTS",
           "format_number", "FieldError"]
