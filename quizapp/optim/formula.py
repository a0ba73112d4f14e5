"""Custom surfaces typed as a formula in x and y, evaluated safely.

The text is parsed with :mod:`ast` and only a small whitelist of nodes is accepted:
numbers, the names ``x``, ``y``, ``pi``, ``e``, the operators ``+ - * / ** ^`` and a
few elementary functions. Nothing is ever passed to ``eval``. The tree is walked
with forward-mode dual numbers, so the gradient is exact (automatic
differentiation), not a finite difference.
"""
from __future__ import annotations

import ast
import math
import warnings
from typing import Any, Callable

import numpy as np

from quizapp.optim.surfaces import Surface

MAX_LENGTH = 400
MAX_NODES = 250
MAX_DEPTH = 40
MAX_CONST_POWER = 64.0


class FormulaError(ValueError):
    """A formula that cannot be used; the message says why, in plain words."""


class Dual:
    """A value with its partial derivatives in x and y (arrays, broadcast together)."""

    __slots__ = ("v", "dx", "dy")

    def __init__(self, v, dx, dy):
        self.v, self.dx, self.dy = v, dx, dy

    @staticmethod
    def lift(other: Any) -> "Dual":
        return other if isinstance(other, Dual) else Dual(other, 0.0, 0.0)

    def __add__(self, o):
        o = Dual.lift(o)
        return Dual(self.v + o.v, self.dx + o.dx, self.dy + o.dy)

    def __sub__(self, o):
        o = Dual.lift(o)
        return Dual(self.v - o.v, self.dx - o.dx, self.dy - o.dy)

    def __mul__(self, o):
        o = Dual.lift(o)
        return Dual(self.v * o.v, self.dx * o.v + self.v * o.dx, self.dy * o.v + self.v * o.dy)

    def __truediv__(self, o):
        o = Dual.lift(o)
        q = self.v / o.v
        return Dual(q, (self.dx - q * o.dx) / o.v, (self.dy - q * o.dy) / o.v)

    def __neg__(self):
        return Dual(-self.v, -self.dx, -self.dy)

    @property
    def constant(self) -> bool:
        """True for a value that depends on neither x nor y (its derivatives are plain zeros)."""
        return (isinstance(self.dx, float) and self.dx == 0.0
                and isinstance(self.dy, float) and self.dy == 0.0)

    def __pow__(self, o):
        o = Dual.lift(o)
        if o.constant:
            k = o.v  # constant exponent: d(u^k) = k u^(k-1) du
            if k == 0 or self.constant:  # u^0 = 1 even where u = 0; c^k is a constant
                return Dual(self.v ** k, 0.0, 0.0)
            scale = k * self.v ** (k - 1)
            return Dual(self.v ** k, scale * self.dx, scale * self.dy)
        value = self.v ** o.v
        log_u = np.log(self.v)
        return Dual(value,
                    value * (o.dx * log_u + o.v * self.dx / self.v),
                    value * (o.dy * log_u + o.v * self.dy / self.v))

    def chain(self, value, slope) -> "Dual":
        if self.constant:  # f(c) is a constant even where f' is infinite, as sqrt(0)
            return Dual(value, 0.0, 0.0)
        return Dual(value, slope * self.dx, slope * self.dy)


def _sqrt(u: Dual) -> Dual:
    r = np.sqrt(u.v)
    return u.chain(r, 0.5 / r)


_FUNCS: dict[str, Callable[[Dual], Dual]] = {
    "sin": lambda u: u.chain(np.sin(u.v), np.cos(u.v)),
    "cos": lambda u: u.chain(np.cos(u.v), -np.sin(u.v)),
    "tan": lambda u: u.chain(np.tan(u.v), 1 / np.cos(u.v) ** 2),
    "exp": lambda u: u.chain(np.exp(u.v), np.exp(u.v)),
    "log": lambda u: u.chain(np.log(u.v), 1 / u.v),
    "sqrt": _sqrt,
    "abs": lambda u: u.chain(np.abs(u.v), np.sign(u.v)),
    "tanh": lambda u: u.chain(np.tanh(u.v), 1 - np.tanh(u.v) ** 2),
    "sinh": lambda u: u.chain(np.sinh(u.v), np.cosh(u.v)),
    "cosh": lambda u: u.chain(np.cosh(u.v), np.sinh(u.v)),
    "atan": lambda u: u.chain(np.arctan(u.v), 1 / (1 + u.v ** 2)),
}
_CONSTS = {"pi": math.pi, "e": math.e}
_BINOPS = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__",
           ast.Div: "__truediv__", ast.Pow: "__pow__"}


def _check_tree(tree: ast.AST) -> None:
    count = 0

    def visit(node: ast.AST, depth: int) -> None:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise FormulaError(f"Formula is too long: more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise FormulaError(f"Formula is nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(node, ast.Expression):
            visit(node.body, depth + 1)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise FormulaError(f"Operator not allowed: {type(node.op).__name__}; use + - * / ^")
            if isinstance(node.op, ast.Pow):
                exp = node.right
                if isinstance(exp, ast.UnaryOp) and isinstance(exp.operand, ast.Constant):
                    exp = exp.operand
                if (isinstance(exp, ast.Constant) and isinstance(exp.value, (int, float))
                        and abs(exp.value) > MAX_CONST_POWER):
                    raise FormulaError(f"Exponent {exp.value} is too large (at most {MAX_CONST_POWER:g})")
            visit(node.left, depth + 1)
            visit(node.right, depth + 1)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.UAdd, ast.USub)):
                raise FormulaError("Only + and - may stand in front of a term")
            visit(node.operand, depth + 1)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise FormulaError(f"Only a function name may be called, e.g. sin(x); "
                                   f"allowed: {', '.join(_FUNCS)}")
            if node.func.id not in _FUNCS:
                raise FormulaError(f"Unknown function {node.func.id!r}; allowed: {', '.join(_FUNCS)}")
            if len(node.args) != 1 or node.keywords:
                raise FormulaError(f"{node.func.id}() takes exactly one argument")
            visit(node.args[0], depth + 1)
        elif isinstance(node, ast.Name):
            if node.id not in ("x", "y") and node.id not in _CONSTS:
                raise FormulaError(f"Unknown name {node.id!r}: use x, y, pi or e")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise FormulaError(f"Only numbers are allowed, not {node.value!r}")
            if abs(node.value) > 1e12:
                raise FormulaError(f"Number {node.value} is too large")
        else:
            raise FormulaError(f"Not allowed in a formula: {type(node).__name__}")

    visit(tree, 0)


def parse(text: str) -> ast.Expression:
    """Parse and vet a formula; raise FormulaError with a readable reason."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("Type a formula in x and y, for example x^2 + 3*y^2")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"Formula is too long ({len(text)} characters; at most {MAX_LENGTH})")
    source = text.replace("^", "**")
    try:
        with warnings.catch_warnings():  # e.g. "invalid escape sequence": the text is refused anyway
            warnings.simplefilter("ignore")
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        col = (exc.offset or 1)
        raise FormulaError(f"Cannot read the formula near character {col}") from None
    except (ValueError, RecursionError, MemoryError):
        raise FormulaError("Cannot read the formula") from None
    _check_tree(tree)
    return tree


def _evaluate(node: ast.AST, x: Dual, y: Dual) -> Any:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, x, y)
    if isinstance(node, ast.BinOp):
        left = Dual.lift(_evaluate(node.left, x, y))
        right = _evaluate(node.right, x, y)
        return getattr(left, _BINOPS[type(node.op)])(right)
    if isinstance(node, ast.UnaryOp):
        value = Dual.lift(_evaluate(node.operand, x, y))
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Call):
        return _FUNCS[node.func.id](Dual.lift(_evaluate(node.args[0], x, y)))
    if isinstance(node, ast.Name):
        if node.id == "x":
            return x
        if node.id == "y":
            return y
        return Dual(np.float64(_CONSTS[node.id]), 0.0, 0.0)
    if isinstance(node, ast.Constant):
        # NumPy scalars, not Python floats: 1/0, 0^-1 or 10^400 give inf or nan (and are
        # then refused as not finite) instead of raising, and (-8)^(1/3) is nan, not complex
        return Dual(np.float64(node.value), 0.0, 0.0)
    raise FormulaError(f"Not allowed in a formula: {type(node).__name__}")  # pragma: no cover


def compile_formula(text: str) -> tuple[Callable, Callable]:
    """Return ``(f, df)`` for a vetted formula; both take arrays x, y."""
    tree = parse(text)

    def run(x, y) -> Dual:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        one, zero = np.ones_like(x), np.zeros_like(x)
        with np.errstate(all="ignore"):
            out = Dual.lift(_evaluate(tree, Dual(x, one, zero), Dual(y, zero, one)))
        return out

    def f(x, y):
        out = run(x, y)
        return np.broadcast_to(out.v, np.broadcast(x, y).shape) + 0.0

    def df(x, y):
        out = run(x, y)
        shape = np.broadcast(x, y).shape
        return np.broadcast_to(out.dx, shape) + 0.0, np.broadcast_to(out.dy, shape) + 0.0

    return f, df


def custom_surface(formula: str, view: tuple[float, float, float, float] = (-3.0, 3.0, -3.0, 3.0),
                   start: tuple[float, float] | None = None, grid: int = 61) -> Surface:
    """A surface from a typed formula; rejected unless finite everywhere on the view box."""
    f, df = compile_formula(formula)
    xmin, xmax, ymin, ymax = (float(v) for v in view)
    if not (xmin < xmax and ymin < ymax):
        raise FormulaError("The view box needs xmin < xmax and ymin < ymax")
    xs, ys = np.meshgrid(np.linspace(xmin, xmax, grid), np.linspace(ymin, ymax, grid))
    z = f(xs, ys)
    gx, gy = df(xs, ys)
    bad = ~(np.isfinite(z) & np.isfinite(gx) & np.isfinite(gy))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise FormulaError(f"Formula is not finite on the view box, e.g. at "
                           f"x={xs[i, j]:.3g}, y={ys[i, j]:.3g}")
    if float(np.max(np.abs(z))) > 1e12:
        raise FormulaError("Formula values are too large on the view box (above 1e12)")
    i, j = np.unravel_index(np.argmin(z), z.shape)
    best = (float(xs[i, j]), float(ys[i, j]))
    if start is None:
        start = (xmin + 0.8 * (xmax - xmin), ymin + 0.8 * (ymax - ymin))
    return Surface("custom", formula, f, df, (best,), (xmin, xmax, ymin, ymax),
                   (float(start[0]), float(start[1])), min_value=float(z[i, j]),
                   description="Your formula (minimum estimated on a grid over the view).")
