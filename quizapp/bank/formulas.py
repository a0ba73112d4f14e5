"""Safe formulas: parsed once, checked, then evaluated by simpleeval.

A :class:`Formula` is built from text once (per item, at load time): the text is
parsed with :mod:`ast`, every node is checked against a short allow-list, and the
names and function calls are recorded so the loader can report unknown names before
any learner sees the item. Evaluation hands the stored tree to
``simpleeval.SimpleEval.eval(expr, previously_parsed=tree)``, so no text is parsed
twice and nothing ever reaches Python's ``eval``/``exec``.

Safety limits (each broken limit is a :class:`FormulaError` with a plain message):

* text at most :data:`MAX_LENGTH` characters, at most :data:`MAX_NODES` syntax nodes,
  nesting at most :data:`MAX_DEPTH` deep;
* allowed syntax: numbers, text in quotes, names, ``+ - * / // % **``, comparisons,
  ``and or not``, ``a if c else b`` and calls of the listed functions, nothing else
  (no attributes, indexing, comprehensions, lambdas, imports, f-strings, bit operators);
* text can only be compared or passed to a helper (no ``'a' * 10**10``);
* powers whose result would exceed about 4096 bits are refused (``9**9**9``);
* engine helpers cap their step counts (see :mod:`quizapp.bank.helpers`), one formula
  may use at most :data:`~quizapp.bank.helpers.STEP_BUDGET` helper steps, and a whole
  draw (every formula and every constraint redraw of one attempt) shares one
  :class:`Budget` of :data:`DRAW_STEPS` engine steps and :data:`DRAW_SECONDS` of wall
  time; ``bank check`` gives each item a larger budget (:func:`check_budget`) shared by
  all its draws. A broken budget is a
  :class:`BudgetError` that says which budget ran out.
"""
from __future__ import annotations

import ast
import decimal
import inspect
import math
import operator as op
import threading
import time
from typing import Any, Callable, Iterable, Mapping

import simpleeval

from quizapp.bank import helpers as _helpers
from quizapp.bank.errors import FormulaError

MAX_LENGTH = 500
MAX_NODES = 200
MAX_DEPTH = 50
MAX_STRING = 100
MAX_INT_BITS = 4096
MAX_ROUND_DIGITS = 15
MAX_SHOWN = 80           # characters of a formula repeated in a message

DRAW_STEPS = 50_000      # engine steps of one draw: every formula, every redraw
DRAW_SECONDS = 5.0       # wall time of one draw
# `bank check` budget of one item, shared by all its draws: the larger of a floor and
# an allowance per draw (so --draws 1000 still fits a heavy but legitimate item)
CHECK_STEPS = 250_000
CHECK_STEPS_PER_DRAW = 5_000
CHECK_SECONDS = 60.0
CHECK_SECONDS_PER_DRAW = 0.1
# the whole `bank check` run (every item): the shipped bank uses about 171,000 steps
RUN_STEPS = 20_000_000
RUN_SECONDS = 600.0
#: an item's check stops after this many draws in a row ran out of their draw budget
CHECK_BUDGET_STRIKES = 3


# ------------------------------------------------------------------ budgets


class BudgetError(FormulaError):
    """A budget ran out; ``which`` is "steps" or "time", ``scope`` says whose budget."""

    def __init__(self, message: str, which: str, scope: str):
        super().__init__(message)
        self.which = which
        self.scope = scope


class Budget:
    """Engine steps and wall time shared by every formula evaluated against it.

    ``scope`` names what the budget is for ("one attempt", "checking this item"); a
    budget with a ``parent`` also spends from the parent (a draw inside a check run).
    Each formula evaluation also has its own cap of ``helpers.STEP_BUDGET`` steps.
    """

    def __init__(self, steps: int | None = None, seconds: float | None = None,
                 scope: str = "one attempt", parent: "Budget | None" = None,
                 clock: Callable[[], float] = time.monotonic):
        self.steps = int(DRAW_STEPS if steps is None else steps)
        self.left = self.steps
        self.seconds = float(DRAW_SECONDS if seconds is None else seconds)
        self.scope = scope
        self.parent = parent
        self.clock = clock
        self.deadline = clock() + self.seconds
        self.formula_left = _helpers.STEP_BUDGET
        self.used = 0

    def start_formula(self) -> None:
        self.formula_left = _helpers.STEP_BUDGET
        self.check_time()

    def charge(self, helper: str, steps: int) -> None:
        """What the engine helpers call before running ``steps`` steps."""
        n = max(int(steps), 1)
        self.formula_left -= n
        if self.formula_left < 0:
            raise FormulaError(f"{helper}: this formula asks for more than {_helpers.STEP_BUDGET:,} "
                               "optimizer steps in total; use fewer or smaller step counts")
        self.spend(n, helper)

    def spend(self, n: int, helper: str = "") -> None:
        self.left -= n
        self.used += n
        if self.left < 0:
            raise BudgetError(
                f"{helper + ': ' if helper else ''}{self.scope} ran out of its step budget "
                f"({self.steps:,} engine steps, shared by every formula and every constraint "
                "redraw); use fewer or smaller step counts, or constraints that hold more often",
                "steps", self.scope)
        if self.parent is not None:
            self.parent.spend(n, helper)
        self.check_time()

    def check_time(self) -> None:
        if self.clock() > self.deadline:
            raise BudgetError(
                f"{self.scope} ran out of its time budget ({self.seconds:g} s of computing, "
                "shared by every formula and every constraint redraw); use fewer or smaller "
                "step counts, or constraints that hold more often", "time", self.scope)
        if self.parent is not None:
            self.parent.check_time()


def check_budget(draws: int, parent: Budget | None = None) -> Budget:
    """The budget `bank check` gives all the ``draws`` draws of one item."""
    return Budget(max(CHECK_STEPS, CHECK_STEPS_PER_DRAW * draws),
                  max(CHECK_SECONDS, CHECK_SECONDS_PER_DRAW * draws), "checking this item",
                  parent=parent)


def run_budget() -> Budget:
    """The budget of one whole `bank check` run."""
    return Budget(RUN_STEPS, RUN_SECONDS, "the check run")


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """A formula as quoted in a message: repr, cut with an ellipsis when long."""
    text = str(text)
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return repr(text)


# ------------------------------------------------------------------ operators


def _plain(symbol: str, a: Any, b: Any) -> None:
    if isinstance(a, str) or isinstance(b, str):
        raise FormulaError(f"text in quotes cannot be used with '{symbol}'; "
                           "text can only be compared (==, !=) or passed to a helper")


def _big(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise FormulaError("number too large (whole numbers are limited to about 1e1233)")
    return value


def _add(a, b):
    _plain("+", a, b)
    return _big(a + b)


def _sub(a, b):
    _plain("-", a, b)
    return _big(a - b)


def _mul(a, b):
    _plain("*", a, b)
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS + 1:
        raise FormulaError("number too large (whole numbers are limited to about 1e1233)")
    return a * b


def _div(a, b):
    _plain("/", a, b)
    return a / b


def _floordiv(a, b):
    _plain("//", a, b)
    return a // b


def _mod(a, b):
    _plain("%", a, b)
    return a % b


def _pow(a, b):
    _plain("**", a, b)
    if isinstance(a, int) and isinstance(b, int):
        if abs(a) > 1 and abs(b) * a.bit_length() > MAX_INT_BITS:
            raise FormulaError(f"power too large: {_short(a)} ** {_short(b)} "
                               f"(results are limited to about {MAX_INT_BITS} bits)")
    result = a ** b
    if isinstance(result, complex):
        raise FormulaError("a negative number to a fractional power has no real value")
    return result


def _neg(a):
    _plain("-", a, 0)
    return -a


def _pos(a):
    _plain("+", a, 0)
    return +a


def _ordered(fn: Callable, symbol: str) -> Callable:
    def compare(a, b):
        if isinstance(a, str) != isinstance(b, str):
            raise FormulaError(f"cannot compare text with a number using '{symbol}'")
        return fn(a, b)
    return compare


def _short(n: int) -> str:
    text = str(n) if abs(n) < 10**30 else f"<{n.bit_length()}-bit number>"
    return text


OPERATORS: dict[type, Callable] = {
    ast.Add: _add, ast.Sub: _sub, ast.Mult: _mul, ast.Div: _div, ast.FloorDiv: _floordiv,
    ast.Mod: _mod, ast.Pow: _pow, ast.USub: _neg, ast.UAdd: _pos, ast.Not: op.not_,
    ast.Eq: op.eq, ast.NotEq: op.ne, ast.Lt: _ordered(op.lt, "<"), ast.LtE: _ordered(op.le, "<="),
    ast.Gt: _ordered(op.gt, ">"), ast.GtE: _ordered(op.ge, ">="),
}

# ------------------------------------------------------------------ math functions


def _real(fname: str, value: Any) -> float:
    if isinstance(value, str) or not isinstance(value, (int, float)):
        raise FormulaError(f"{fname}() needs a number, got {value!r}")
    return value


def _f1(fname: str, fn: Callable[[float], Any]) -> Callable:
    def call(x):
        return fn(_real(fname, x))
    call.__name__ = fname
    call.__signature__ = inspect.Signature(
        [inspect.Parameter("x", inspect.Parameter.POSITIONAL_ONLY)])
    return call


def _round(x, n=None):
    """Halves go away from zero, judged on the number as written (2.5 -> 3, -0.5 -> -1,
    round(2.675, 2) -> 2.68): the rule of PHP's round(), so Moodle computes the same."""
    x = _real("round", x)
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or abs(n) > MAX_ROUND_DIGITS):
        raise FormulaError(f"round(x, n): n must be a whole number between "
                           f"-{MAX_ROUND_DIGITS} and {MAX_ROUND_DIGITS}, got {n!r}")
    if isinstance(x, float) and not math.isfinite(x):
        return round(x, n) if n is not None else round(x)  # raises like Python does for round(nan)
    exact = decimal.Decimal(x if isinstance(x, int) else repr(x))
    context = decimal.Context(prec=len(str(abs(int(x)))) + 2 * MAX_ROUND_DIGITS + 20,
                              rounding=decimal.ROUND_HALF_UP)
    rounded = exact.quantize(decimal.Decimal(1).scaleb(-(n or 0)), context=context)
    if n is None or isinstance(x, int):
        return int(rounded)
    return float(rounded)


def _minmax(fname: str, fn: Callable) -> Callable:
    def call(*args):
        if len(args) < 2:
            raise FormulaError(f"{fname}() needs at least two numbers, e.g. {fname}(a, b)")
        return fn(_real(fname, a) for a in args)
    call.__name__ = fname
    return call


def _log(x, base=None):
    x = _real("log", x)
    if base is None:
        return math.log(x)
    return math.log(x, _real("log", base))


MATH_FUNCTIONS: dict[str, Callable] = {
    "abs": _f1("abs", abs),
    "min": _minmax("min", min),
    "max": _minmax("max", max),
    "round": _round,
    "sqrt": _f1("sqrt", math.sqrt),
    "exp": _f1("exp", math.exp),
    "log": _log,
    "log10": _f1("log10", math.log10),
    "log2": _f1("log2", math.log2),
    "sin": _f1("sin", math.sin),
    "cos": _f1("cos", math.cos),
    "tan": _f1("tan", math.tan),
    "floor": _f1("floor", math.floor),
    "ceil": _f1("ceil", math.ceil),
}

CONSTANTS: dict[str, Any] = {"pi": math.pi, "e": math.e, "True": True, "False": False,
                             "true": True, "false": False}

#: every function a formula may call
FUNCTION_NAMES: frozenset[str] = frozenset(MATH_FUNCTIONS) | frozenset(_helpers.ENGINE_HELPERS)
#: names a parameter may not take
RESERVED_NAMES: frozenset[str] = FUNCTION_NAMES | frozenset(CONSTANTS) | frozenset({"answer", "None"})


def _signature(name: str) -> inspect.Signature:
    if name in _helpers.ENGINE_HELPERS:
        sig = inspect.signature(_helpers.ENGINE_HELPERS[name])
        return sig.replace(parameters=list(sig.parameters.values())[1:])  # drop the budget
    return inspect.signature(MATH_FUNCTIONS[name])


_SIGNATURES = {name: _signature(name) for name in FUNCTION_NAMES}

# ------------------------------------------------------------------ parsing

_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
            ast.Call, ast.keyword, ast.Name, ast.Load, ast.Constant, ast.And, ast.Or)
_FRIENDLY = {
    ast.Attribute: "attribute access (a.b) is not allowed",
    ast.Subscript: "indexing (a[0]) is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.NamedExpr: "':=' is not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Set: "sets are not allowed",
    ast.Await: "await is not allowed",
}


def _describe(node: ast.AST) -> str:
    if type(node) in _FRIENDLY:
        return _FRIENDLY[type(node)]
    if isinstance(node, (ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift, ast.Invert)):
        return "bit operators (& | ^ << >> ~) are not allowed"
    if isinstance(node, (ast.In, ast.NotIn, ast.Is, ast.IsNot)):
        return "'in' and 'is' are not allowed"
    if isinstance(node, ast.MatMult):
        return "'@' is not allowed"
    return f"{type(node).__name__} is not allowed in a formula"


class Formula:
    """A checked formula, parsed once; evaluate it with :func:`evaluate`."""

    __slots__ = ("text", "tree", "names", "calls")

    def __init__(self, text: Any):
        if isinstance(text, bool) or not isinstance(text, str):
            raise FormulaError(f"a formula must be text, got {type(text).__name__}")
        if len(text) > MAX_LENGTH:
            raise FormulaError(f"formula is {len(text)} characters long; the limit is {MAX_LENGTH}")
        stripped = text.strip()
        if not stripped:
            raise FormulaError("formula is empty")
        if "__" in stripped:
            raise FormulaError("names with '__' (dunders) are not allowed")
        try:
            tree = ast.parse(stripped.replace("\n", " "), mode="eval")
        except SyntaxError as exc:
            raise FormulaError(f"not a valid formula: {exc.msg}"
                               + (f" (at column {exc.offset})" if exc.offset else "")) from None
        except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
            raise FormulaError(f"not a valid formula: {type(exc).__name__}: {exc}") from None
        self.text = stripped
        self.names, self.calls = _check(tree)
        self.tree = tree.body
        _check_constant_parts(self.tree)

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    def free_names(self) -> set[str]:
        """Variable names the formula reads (constants such as ``pi`` excluded)."""
        return set(self.names) - set(CONSTANTS)


def _check(tree: ast.AST) -> tuple[frozenset[str], frozenset[str]]:
    names: set[str] = set()
    calls: set[str] = set()
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (ast.Load, ast.operator, ast.boolop, ast.cmpop, ast.unaryop,
                                 ast.Expression, ast.keyword)):
            count += 1  # a part: a name, a number, a text, an operation or a call
        if count > MAX_NODES:
            raise FormulaError(f"formula is too complex (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)")
        if not isinstance(node, _ALLOWED) and not isinstance(node, tuple(OPERATORS)):
            raise FormulaError(_describe(node))
        if isinstance(node, ast.BinOp) and type(node.op) not in OPERATORS:
            raise FormulaError(_describe(node.op))
        if isinstance(node, ast.UnaryOp) and type(node.op) not in OPERATORS:
            raise FormulaError(_describe(node.op))
        if isinstance(node, ast.Compare):
            for cmp in node.ops:
                if type(cmp) not in OPERATORS:
                    raise FormulaError(_describe(cmp))
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str):
                if len(value) > MAX_STRING:
                    raise FormulaError(f"text in quotes is limited to {MAX_STRING} characters")
            elif isinstance(value, bool) or value is None:
                pass
            elif isinstance(value, int):
                if value.bit_length() > MAX_INT_BITS:
                    raise FormulaError("number too large")
            elif not isinstance(value, float):
                raise FormulaError(f"{type(value).__name__} values are not allowed")
        elif isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise FormulaError(f"names starting with '_' are not allowed ({node.id})")
            if node.id in FUNCTION_NAMES:
                raise FormulaError(f"{node.id} is a function: call it as {node.id}(...)")
            names.add(node.id)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise FormulaError("only the listed functions can be called, by name (e.g. sqrt(x))")
            fname = node.func.id
            if fname not in FUNCTION_NAMES:
                raise FormulaError(f"unknown function {fname}(); see docs/authoring.md for the list")
            for kw in node.keywords:
                if kw.arg is None:
                    raise FormulaError("'**' unpacking is not allowed")
            try:
                _SIGNATURES[fname].bind(*node.args, **{kw.arg: kw.value for kw in node.keywords})
            except TypeError as exc:
                raise FormulaError(f"{fname}(): {exc}") from None
            calls.add(fname)
            for child in [*node.args, *(kw.value for kw in node.keywords)]:
                stack.append((child, depth + 1))
            continue
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + _deeper(node, child)))
    return frozenset(names), frozenset(calls)


def _deeper(node: ast.AST, child: ast.AST) -> int:
    """How much deeper ``child`` sits than ``node``, as an author reads the formula.

    A flat chain ``a + b - c + d`` (or ``a * b / c``) is parsed as left operands inside
    each other, but nobody wrote brackets: the left operand of an operator that is
    itself an operation (other than ``**``, which groups to the right) stays on the same
    level. Brackets, calls, the right operand and ``**`` each add a level. The number of
    parts (MAX_NODES) still bounds how long a chain can be."""
    if isinstance(node, ast.BinOp) and child is node.left and isinstance(child, ast.BinOp) \
            and not isinstance(node.op, ast.Pow) and not isinstance(child.op, ast.Pow):
        return 0
    if isinstance(child, (ast.Load, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)):
        return 0
    return 1


def _check_constant_parts(body: ast.AST) -> None:
    """Refuse at load what would fail at every draw: text used in arithmetic
    (``"a" * 3``) and any part without parameters that cannot be computed
    (``9**9**9``, ``1/0``, ``sqrt(-1)``, ``round(x, 99)``). Parts that call an engine
    helper are left to the draw (they cost engine steps)."""
    free: dict[int, bool] = {}
    for node in _post_order(body):
        own = ((isinstance(node, ast.Name) and node.id not in CONSTANTS)
               or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                   and node.func.id in _helpers.ENGINE_HELPERS))
        children = [c for c in ast.iter_child_nodes(node)
                    if not (isinstance(node, ast.Call) and c is node.func)]
        free[id(node)] = own or any(free.get(id(c), False) for c in children)
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            operands = [node.left, node.right] if isinstance(node, ast.BinOp) else [node.operand]
            symbol = _SYMBOLS.get(type(node.op), "an operator")
            if any(isinstance(o, ast.Constant) and isinstance(o.value, str) for o in operands):
                raise FormulaError(f"text in quotes cannot be used with {symbol}; text can only be "
                                   "compared (==, !=) or passed to a helper")
        if isinstance(node, ast.expr) and not free.get(id(node), True) \
                and not isinstance(node, ast.Constant):
            _constant_value(node)
            continue
        stack.extend(ast.iter_child_nodes(node))


_SYMBOLS = {ast.Add: "'+'", ast.Sub: "'-'", ast.Mult: "'*'", ast.Div: "'/'", ast.FloorDiv: "'//'",
            ast.Mod: "'%'", ast.Pow: "'**'", ast.USub: "'-'", ast.UAdd: "'+'", ast.Not: "'not'"}


def _post_order(node: ast.AST) -> list[ast.AST]:
    out: list[ast.AST] = []
    stack: list[tuple[ast.AST, bool]] = [(node, False)]
    while stack:
        n, seen = stack.pop()
        if seen:
            out.append(n)
            continue
        stack.append((n, True))
        stack.extend((c, False) for c in ast.iter_child_nodes(n))
    return out


def _constant_value(node: ast.AST) -> Any:
    """Evaluate a part that reads no parameter; FormulaError when it cannot be computed."""
    ev = _evaluator()
    ev.names = dict(CONSTANTS)
    ev.budget = _IDLE
    try:
        result = ev.eval("", previously_parsed=node)
    except FormulaError:
        raise
    except ZeroDivisionError:
        raise FormulaError("division by zero (in a part that uses no parameter)") from None
    except OverflowError:
        raise FormulaError("a number got too large (in a part that uses no parameter)") from None
    except simpleeval.InvalidExpression as exc:
        raise FormulaError(str(exc)) from None
    except _CAUGHT as exc:
        raise FormulaError(f"a part that uses no parameter cannot be computed: {exc}") from None
    finally:
        ev.names = {}
    if isinstance(result, int) and not isinstance(result, bool) and result.bit_length() > 1023:
        raise FormulaError("a part that uses no parameter gives a number that is too large")
    return result


# ------------------------------------------------------------------ evaluation


class _Evaluator(simpleeval.SimpleEval):
    """One per thread: simpleeval with our operators, functions and a step budget."""

    def __init__(self) -> None:
        self.budget = Budget()
        functions: dict[str, Callable] = dict(MATH_FUNCTIONS)
        for name, fn in _helpers.ENGINE_HELPERS.items():
            functions[name] = self._bind(fn)
        super().__init__(operators=dict(OPERATORS), functions=functions, names={})

    def _bind(self, fn: Callable) -> Callable:
        def call(*args, **kwargs):
            return fn(self.budget, *args, **kwargs)
        call.__name__ = fn.__name__
        return call


_local = threading.local()
_IDLE = Budget(0, 0.0, "no evaluation")  # helpers called outside evaluate() fail at once


def _evaluator() -> _Evaluator:
    ev = getattr(_local, "evaluator", None)
    if ev is None:
        ev = _local.evaluator = _Evaluator()
    return ev


_CAUGHT = (simpleeval.InvalidExpression, ArithmeticError, ValueError, TypeError,
           RecursionError, MemoryError, KeyError, IndexError, AttributeError)


def evaluate(formula: Formula, names: Mapping[str, Any], budget: Budget | None = None) -> Any:
    """Evaluate a parsed formula with ``names`` (parameter values); FormulaError on failure.

    ``budget`` is the draw's shared :class:`Budget`; without one the formula gets a
    fresh budget of its own."""
    ev = _evaluator()
    scope = dict(CONSTANTS)
    scope.update(names)
    missing = formula.names - scope.keys()
    if missing:
        raise FormulaError(f"unknown name {sorted(missing)[0]!r}")
    budget = budget if budget is not None else Budget()
    budget.start_formula()
    ev.names = scope
    ev.budget = budget
    quoted = shown(formula.text)
    try:
        result = ev.eval(formula.text, previously_parsed=formula.tree)
    except FormulaError:
        raise
    except ZeroDivisionError:
        raise FormulaError(f"division by zero in {quoted}") from None
    except OverflowError:
        raise FormulaError(f"a number got too large in {quoted}") from None
    except simpleeval.InvalidExpression as exc:
        raise FormulaError(str(exc)) from None
    except _CAUGHT as exc:
        raise FormulaError(f"{quoted} failed: {exc}") from None
    finally:
        ev.names = {}
        ev.budget = _IDLE
    if isinstance(result, int) and not isinstance(result, bool) and result.bit_length() > 1023:
        raise FormulaError(f"the result of {quoted} is too large")
    if not isinstance(result, (int, float, str, bool)):
        raise FormulaError(f"{quoted} gave {type(result).__name__}, not a number, truth value or text")
    return result


def evaluate_text(text: str, names: Mapping[str, Any] | None = None) -> Any:
    """Parse and evaluate in one go (tests, the CLI, the benchmark's naive baseline)."""
    return evaluate(Formula(text), names or {})


def function_names() -> Iterable[str]:
    return sorted(FUNCTION_NAMES)
