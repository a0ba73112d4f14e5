"""Custom formula surfaces: exact (dual-number) gradients and safe refusals."""
import math
import time
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from quizapp.optim import get_surface, simulate
from quizapp.optim.formula import (
    MAX_LENGTH, FormulaError, compile_formula, custom_surface, parse,
)

# ------------------------------------------------------------ generated formulas

numbers = st.sampled_from(["0.5", "1", "2", "3", "1.5", "0.25", "pi", "e", "10"])
leaves = st.one_of(st.just("x"), st.just("y"), numbers)


def _extend(inner):
    return st.one_of(
        st.builds("({} + {})".format, inner, inner),
        st.builds("({} - {})".format, inner, inner),
        st.builds("({} * {})".format, inner, inner),
        st.builds("({} / (1 + ({})^2))".format, inner, inner),
        st.builds("(-{})".format, inner),
        st.builds("({})^2".format, inner),
        st.builds("({})^3".format, inner),
        st.builds("({})**0.5".format, st.builds("(1 + ({})^2)".format, inner)),
        st.builds("(2 + sin({}))^({})".format, inner, inner),
        st.builds("{}({})".format, st.sampled_from(["sin", "cos", "tanh", "atan", "exp"]), inner),
        st.builds("sqrt(1 + ({})^2)".format, inner),
        st.builds("log(1 + ({})^2)".format, inner),
        st.builds("sinh({} / 4)".format, inner),
        st.builds("cosh({} / 4)".format, inner),
    )


formulas = st.recursive(leaves, _extend, max_leaves=8)
coords = st.floats(-2.0, 2.0, allow_nan=False)


def _five_point(f, x, y, h):
    def d(g):
        return (g(-2) - 8 * g(-1) + 8 * g(1) - g(2)) / (12 * h)
    return d(lambda k: f(x + k * h, y)), d(lambda k: f(x, y + k * h))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=formulas, x=coords, y=coords)
def test_dual_gradient_matches_finite_differences(text, x, y):
    f, df = compile_formula(text)

    def value(a, b):
        return float(f(np.array(a), np.array(b)))

    v = value(x, y)
    gx, gy = (float(g) for g in df(np.array(x), np.array(y)))
    assume(math.isfinite(v) and abs(v) < 1e6 and math.isfinite(gx) and math.isfinite(gy))
    assume(abs(gx) < 1e6 and abs(gy) < 1e6)
    h = 1e-4
    samples = [value(x + k * h, y) for k in (-2, -1, 1, 2)] + [value(x, y + k * h) for k in (-2, -1, 1, 2)]
    assume(all(math.isfinite(s) for s in samples))
    nx, ny = _five_point(value, x, y, h)
    # second opinion with a smaller step: only judge points where the difference
    # quotient itself has settled (it will not near a kink-free but steep spot)
    nx2, ny2 = _five_point(value, x, y, h / 4)
    scale = 1.0 + abs(v)
    assume(abs(nx - nx2) < 1e-5 * scale and abs(ny - ny2) < 1e-5 * scale)
    assert gx == pytest.approx(nx2, rel=1e-5, abs=1e-5 * scale), text
    assert gy == pytest.approx(ny2, rel=1e-5, abs=1e-5 * scale), text


@pytest.mark.parametrize("text,point,grad", [
    ("x^2 + 3*y^2", (1.0, 2.0), (2.0, 12.0)),
    ("x*y", (3.0, -2.0), (-2.0, 3.0)),
    ("sin(x) * cos(y)", (0.3, 0.7), (math.cos(0.3) * math.cos(0.7), -math.sin(0.3) * math.sin(0.7))),
    ("exp(x*y)", (0.5, 2.0), (2 * math.e, 0.5 * math.e)),
    ("2^x", (3.0, 0.0), (8 * math.log(2), 0.0)),
    ("x^y", (2.0, 3.0), (12.0, 8 * math.log(2))),
    ("x / y", (1.0, 4.0), (0.25, -1 / 16)),
    ("sqrt(x^2 + y^2)", (3.0, 4.0), (0.6, 0.8)),
    ("abs(x - 1) + atan(y)", (3.0, 1.0), (1.0, 0.5)),
    ("tanh(x) + log(y)", (0.0, 2.0), (1.0, 0.5)),
    ("tan(x) + cosh(y) - sinh(y)", (0.0, 0.0), (1.0, -1.0)),
    ("pi * x + e * y", (0.0, 0.0), (math.pi, math.e)),
    ("x^0 + y", (0.0, 0.0), (0.0, 1.0)),
    ("-x + +y", (0.0, 0.0), (-1.0, 1.0)),
])
def test_hand_computed_gradients(text, point, grad):
    f, df = compile_formula(text)
    gx, gy = df(np.array([point[0]]), np.array([point[1]]))
    np.testing.assert_allclose([gx[0], gy[0]], grad, rtol=1e-14, atol=1e-15)


def test_custom_surface_runs_like_any_other():
    surface = get_surface("custom", formula="(x - 1)^2 + 2*(y + 0.5)^2")
    assert surface.name == "custom"
    np.testing.assert_allclose(surface.minima[0], (1.0, -0.5))
    assert surface.min_value == 0.0
    run = simulate(surface, "adam", steps=600, hyper={"lr": 0.05})
    np.testing.assert_allclose(run.path[-1], (1.0, -0.5), atol=1e-3)
    xmin, xmax, ymin, ymax = surface.view
    assert xmin <= surface.start[0] <= xmax and ymin <= surface.start[1] <= ymax


def test_grid_shapes():
    f, df = compile_formula("x + 1")  # y does not appear
    xs, ys = np.meshgrid(np.linspace(0, 1, 4), np.linspace(0, 1, 3))
    assert f(xs, ys).shape == (3, 4)
    gx, gy = df(xs, ys)
    assert gx.shape == gy.shape == (3, 4)
    np.testing.assert_array_equal(gx, 1.0)
    np.testing.assert_array_equal(gy, 0.0)
    f, _ = compile_formula("3")
    np.testing.assert_array_equal(f(xs, ys), 3.0)


# ----------------------------------------------------------------- refusals

REFUSALS = [
    ("", "Type a formula in x and y"),
    ("   ", "Type a formula in x and y"),
    ("z + 1", "Unknown name 'z': use x, y, pi or e"),
    ("x.real", "Not allowed in a formula: Attribute"),
    ("x.__class__", "Not allowed in a formula: Attribute"),
    ("__import__('os').system('ls')", "Only a function name may be called"),
    ("__import__('os')", "Unknown function '__import__'"),
    ("open('/etc/passwd')", "Unknown function 'open'"),
    ("eval('1')", "Unknown function 'eval'"),
    ("lambda: 1", "Not allowed in a formula: Lambda"),
    ("(lambda: x)()", "Only a function name may be called"),
    ("[x for x in y]", "Not allowed in a formula: ListComp"),
    ("x if y else 1", "Not allowed in a formula: IfExp"),
    ("x < y", "Not allowed in a formula: Compare"),
    ("x % 2", "Operator not allowed: Mod"),
    ("x // 2", "Operator not allowed: FloorDiv"),
    ("x << 2", "Operator not allowed: LShift"),
    ("not x", "Only + and - may stand in front of a term"),
    ("~x", "Only + and - may stand in front of a term"),
    ("sin(x, y)", "sin() takes exactly one argument"),
    ("sin(x=1)", "sin() takes exactly one argument"),
    ("sin()", "sin() takes exactly one argument"),
    ("'abc'", "Only numbers are allowed, not 'abc'"),
    ("x ** 'a'", "Only numbers are allowed, not 'a'"),
    ("x ** 1j", "Only numbers are allowed, not 1j"),
    ("x ** None", "Only numbers are allowed, not None"),
    ("x + True", "Only numbers are allowed, not True"),
    ("x ^ 100", "Exponent 100 is too large (at most 64)"),
    ("x ** -65", "Exponent 65 is too large"),
    ("x ^ 1e5", "Exponent 100000.0 is too large"),
    ("1e13 * x", "Number 10000000000000.0 is too large"),
    ("10000000000000 + x", "Number 10000000000000 is too large"),
    ("x +", "Cannot read the formula near character"),
    ("x y", "Cannot read the formula near character"),
    ("x = 1", "Cannot read the formula"),
    ("x\x00", "Cannot read the formula"),
    ("x + " * 100 + "x", f"Formula is too long ({len('x + ' * 100 + 'x')} characters; at most {MAX_LENGTH})"),
    ("+".join(["(-x*-y+-x*-y)"] * 22), "Formula is too long: more than 250 parts"),
    ("-" * 60 + "x", "Formula is nested too deeply (more than 40 levels)"),
    ("sin(" * 45 + "x" + ")" * 45, "Formula is nested too deeply"),
]


@pytest.mark.parametrize("text,message", REFUSALS, ids=[repr(t)[:30] for t, _ in REFUSALS])
def test_parse_refuses_with_a_clear_message(text, message):
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert message in str(info.value)


@pytest.mark.parametrize("text,message", [
    ("1 / x", "not finite on the view box, e.g. at x=0, y=-3"),
    ("log(x) + y", "not finite on the view box"),
    ("sqrt(x)", "not finite on the view box"),
    ("x^y", "not finite on the view box"),
    ("1/0 + x", "not finite on the view box"),
    ("0^-1 + x", "not finite on the view box"),
    ("(-8)^(1/3) + x", "not finite on the view box"),
    ("x + 1e12^30", "not finite on the view box"),
    ("x ^ (10^10)", "not finite on the view box"),
    ("exp(exp(exp(x)))", "not finite on the view box"),
    ("exp(10*x)", "values are too large on the view box (above 1e12)"),
    ("exp(x)^20", "values are too large"),
])
def test_custom_surface_refuses_what_cannot_be_drawn(text, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FormulaError) as info:
            custom_surface(text)
    assert message in str(info.value)


def test_view_box_must_be_ordered():
    with pytest.raises(FormulaError, match="The view box needs xmin < xmax and ymin < ymax"):
        custom_surface("x", view=(1, 0, 0, 1))


def test_a_refused_formula_is_a_value_error_for_the_cli():
    assert issubclass(FormulaError, ValueError)


def test_constants_do_not_spoil_gradients():
    # sqrt(0) and 0^0.5 have infinite slopes, but as constants they add nothing
    for text in ("x + sqrt(0)", "x + 0^0.5", "x + log(1)*0"):
        surface = custom_surface(text)
        np.testing.assert_array_equal(surface.grad(np.array([0.0, 0.0])), [1.0, 0.0])


# ------------------------------------------------------------- fuzzing parse()

formula_alphabet = st.sampled_from(list("xy0123456789.+-*/^()e, _[]{}'\"=<>!%&|~@:;") +
                                   ["sin", "exp", "log", "sqrt", "pi", "**", "lambda", "import",
                                    "__", "1e308", "1e-308", "\\", "\n", "\t", "\x00", "é", "²"])
formula_like = st.lists(formula_alphabet, max_size=120).map("".join)


def _parse_or_formula_error(text):
    start = time.perf_counter()
    try:
        tree = parse(text)
    except FormulaError as exc:
        assert str(exc) and "\n" not in str(exc)
        tree = None
    assert time.perf_counter() - start < 0.5
    return tree


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=MAX_LENGTH + 20))
def test_parse_arbitrary_text_only_raises_formula_error(text):
    _parse_or_formula_error(text)


@settings(max_examples=400, deadline=None)
@given(formula_like)
def test_parse_formula_like_text_only_raises_formula_error(text):
    tree = _parse_or_formula_error(text)
    if tree is not None:
        # what parses can be built into a surface or refused, but nothing else
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                surface = custom_surface(text)
            except FormulaError:
                pass
            else:
                assert np.isfinite(surface.min_value)
        assert time.perf_counter() - start < 1.0
