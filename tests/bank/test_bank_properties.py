"""Property tests: no input makes the loader, the reader or the evaluator raise anything unplanned."""
import math
import string

from hypothesis import HealthCheck, given, settings, strategies as st

from quizapp.bank import BankError, BankProblem, Formula, FormulaError, evaluate, load_text, read_number
from quizapp.bank.formulas import FUNCTION_NAMES

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TOML_BITS = st.sampled_from([
    "[[item]]\n", 'id = "t.a"\n', 'id = "t.b"\n', 'topic = "t"\n', 'category = "calculation"\n',
    'category = "concept"\n', 'prompt = "x {a} y"\n', 'prompt = "{"\n', 'explanation = "e {answer}"\n',
    "[item.params]\n", "a = { randint = [1, 5] }\n", "a = { range = [0, 1], step = 0.25 }\n",
    'a = { derived = "9**9**9" }\n', "a = { choice = [] }\n", "[item.answer]\n", 'kind = "numeric"\n',
    'kind = "choice"\n', 'kind = "true_false"\n', 'value = "a * 2"\n', "value = true\n",
    'value = "a.b"\n', 'choices = ["p", "q"]\n', "correct = 1\n", "correct = 9\n",
    'tolerance = { sigfigs = 3 }\n', 'display = ".3f"\n', 'constraints = ["a > 2"]\n',
    "format = 1\n", "format = 7\n", "x = [[[1]]]\n", '"\n', "= =\n", "[item]\n", "item = 3\n",
])


@FAST
@given(st.text(max_size=300))
def test_loader_never_raises_on_any_text(text):
    bank = load_text(text, "prop.toml")
    assert all(isinstance(p, BankProblem) for p in bank.problems)
    assert not any("internal error" in p.message for p in bank.problems)


@FAST
@given(st.lists(TOML_BITS, max_size=30))
def test_loader_on_toml_like_input(bits):
    bank = load_text("".join(bits), "prop.toml")
    assert not any("internal error" in p.message for p in bank.problems), bank.problems
    for item_id in bank.items:
        for seed in range(3):
            try:
                inst = bank.instance(item_id, seed)
            except BankError:
                continue
            assert isinstance(inst.prompt, str)
            bank.grade(inst, "1")


@FAST
@given(st.text(max_size=60))
def test_reader_never_raises(text):
    value, message = read_number(text)
    assert (value is None) != (message == "")
    if value is not None:
        assert math.isfinite(value)


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_reader_reads_back_repr(x):
    value, _ = read_number(repr(x))
    assert value == x


FORMULA_ALPHABET = string.digits + "+-*/%().,<>=! abxyz_'\"eE" + "[]{}:;@&|^~`\\"
TOKENS = st.sampled_from(["a", "b", "x", "1", "0", "2.5", "1e308", "-", "+", "*", "**", "/", "//",
                          "%", "(", ")", ",", "<", "==", "and", "not", "if", "else", "'s'",
                          "9**9**9", "__class__", ".", "[0]", "lambda", *sorted(FUNCTION_NAMES)])


@FAST
@given(st.one_of(st.text(alphabet=FORMULA_ALPHABET, max_size=80),
                 st.lists(TOKENS, max_size=25).map(" ".join)))
def test_evaluator_never_raises_unplanned(text):
    try:
        f = Formula(text)
    except FormulaError:
        return
    try:
        result = evaluate(f, {"a": 2, "b": 0.5, "x": -1, "y": 0, "z": 1e-9})
    except FormulaError as exc:
        assert str(exc)
        return
    assert isinstance(result, (int, float, bool, str))
