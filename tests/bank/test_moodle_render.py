"""Moodle shows what quizapp shows: every exported question is read the way Moodle reads it
(tests/bank/moodle_sim.py), rendered the way Moodle renders it (a calculated question's
wildcards and ``{=...}`` substituted, PHP rounding and printing included), and compared
with the app's own instance, seed by seed: the text (numbers by value, markup and math
included), the right answer Moodle displays, and the interval of answers it accepts."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from quizapp.bank import load_bank
from quizapp.bank.formulas import Formula, evaluate
from quizapp.bank.gift import concrete_questions, export_gift, shown_number
from quizapp.bank.moodle import export_moodle_xml

from tests.bank import moodle_sim as moodle
from tests.bank.test_gift_helpers import ROUNDTRIP_BANK

VARIANTS = 5


@pytest.fixture(scope="module")
def shipped():
    bank = load_bank()
    assert bank.errors == []
    return bank


@pytest.fixture(scope="module")
def fixture_bank():
    bank = load_bank([ROUNDTRIP_BANK])
    assert bank.errors == []
    return bank


def _seen(text: str, fmt: str) -> str:
    assert fmt in ("html", "moodle"), f"format {fmt} is never exported"
    return moodle.seen_html(text)   # Moodle's auto-format is HTML with line breaks kept


def _check_text(problems: list[str], where: str, moodle_text: str, fmt: str, app_text: str) -> None:
    why = moodle.same_text(_seen(moodle_text, fmt), moodle.seen_app(app_text))
    if why:
        problems.append(f"{where}: {why}")


def _check_answer(problems: list[str], where: str, shown: str, intervals: list[tuple[float, float]],
                  value: float, bound: float, app_display: str) -> None:
    """The right answer Moodle shows is the app's, and Moodle accepts the app's interval."""
    expected = shown_number(app_display)
    if expected is None or float(shown) != float(expected):
        problems.append(f"{where}: Moodle's right answer is {shown}, quizapp shows {app_display}")
    lo, hi = moodle.union(intervals)
    if not lo <= float(shown) <= hi:
        problems.append(f"{where}: the right answer {shown} is outside Moodle's interval [{lo!r}, {hi!r}]")
    slack = 2e-12 * max(1.0, abs(value))  # float noise (quizapp allows 1e-12 relative too)
    if abs(lo - (value - bound)) > slack or abs(hi - (value + bound)) > slack:
        problems.append(f"{where}: Moodle accepts [{lo!r}, {hi!r}], quizapp "
                        f"[{value - bound!r}, {value + bound!r}]")


def gift_problems(bank, variants: int) -> list[str]:
    exported = export_gift(bank, variants=variants)
    questions = moodle.read_gift(exported.text)
    # GIFT has no ordering question, and cannot escape '->' in a matching entry: left out
    expected = [q for q in concrete_questions(bank.items.values(), bank, variants)
                if q.kind in ("numeric", "choice", "true_false", "multiple", "short")
                or (q.kind == "matching" and not any("->" in x for pair in q.pairs or [] for x in pair))]
    assert len(questions) == len(expected) == exported.questions
    problems: list[str] = []
    for mq, q in zip(questions, expected):
        if q.kind not in ("numeric", "choice", "true_false"):  # kinds checked by their own tests
            assert mq.idnumber == q.id
            continue
        where = f"GIFT {q.title}"
        assert mq.name == q.title and mq.idnumber == q.id
        assert mq.tags == list(q.item.tags)
        assert mq.category == f"$course$/top/{q.item.topic}"
        inst = bank.instance(q.item.id, q.seed or 0)
        _check_text(problems, where + " text", mq.text, mq.text_format, inst.prompt)
        _check_text(problems, where + " feedback", mq.feedback, mq.feedback_format, inst.explanation)
        if q.kind == "numeric":
            assert mq.qtype == "numerical", where
            full = [(a, float(t)) for a, f, t in mq.answers if f == 1]
            intervals = [moodle.interval(float(a), t) for a, t in full]
            _check_answer(problems, where, full[0][0], intervals, float(inst.answer),
                          q.item.answer.tolerance.bound(float(inst.answer)), inst.answer_display)
        elif q.kind == "choice":
            assert mq.qtype == "multichoice", where
            assert [f for _, f, _ in mq.answers].count(1) == 1
            for n, ((text, fraction, _), choice) in enumerate(zip(mq.answers, q.choices), 1):
                _check_text(problems, f"{where} choice {n}", text, mq.text_format, choice)
                assert (fraction == 1) == (n == q.correct), where
        else:
            assert mq.qtype == "truefalse" and mq.truth is q.truth, where
    return problems


def xml_problems(bank, variants: int) -> list[str]:
    exported = export_moodle_xml(bank, variants=variants)
    questions = moodle.read_xml(exported.xml)
    assert len(questions) == exported.questions
    problems: list[str] = []
    checked_calculated = 0
    for mq in questions:
        if mq.qtype != "calculated":
            item_id, _, seed = mq.name.partition("#")
            item = bank.items[item_id]
            if item.kind not in ("numeric", "choice", "computed_choice", "true_false"):
                continue  # select-all, matching, short, ordering: checked by their own tests
            inst = bank.instance(item_id, int(seed or 0))
            where = f"XML {mq.name}"
            assert mq.idnumber == (f"{item_id}.v{seed}" if seed else item_id)
            _check_text(problems, where + " text", mq.text, mq.text_format, inst.prompt)
            _check_text(problems, where + " feedback", mq.feedback, mq.feedback_format, inst.explanation)
            if mq.qtype == "numerical":
                full = [(a, float(t)) for a, f, t in mq.answers if f == 1]
                _check_answer(problems, where, full[0][0], [moodle.interval(float(a), t) for a, t in full],
                              float(inst.answer), item.answer.tolerance.bound(float(inst.answer)),
                              inst.answer_display)
            continue
        item = bank.items[mq.name]
        (formula, _, tolerance), = mq.answers
        sizes = {len(v) for v in mq.datasets.values()}
        assert len(sizes) == 1, mq.name
        for n in range(sizes.pop()):
            values = {name: items[n] for name, items in mq.datasets.items()}
            inst = bank.instance(item.id, n)
            where = f"XML {item.id} dataset item {n + 1}"
            _check_text(problems, where + " text", moodle.substitute(mq.text, values), mq.text_format,
                        inst.prompt)
            _check_text(problems, where + " feedback", moodle.substitute(mq.feedback, values),
                        mq.feedback_format, inst.explanation)
            value = moodle.php_eval(formula, {k: float(v) for k, v in values.items()})
            if not math.isclose(value, inst.answer, rel_tol=1e-9, abs_tol=1e-12):
                problems.append(f"{where}: Moodle computes {value!r}, quizapp {inst.answer!r}")
                continue
            shown = moodle.php_sprintf(value, mq.answer_length, mq.answer_format)
            _check_answer(problems, where, shown, [moodle.interval(value, float(tolerance), mq.tolerance_type)],
                          float(inst.answer), item.answer.tolerance.bound(float(inst.answer)),
                          inst.answer_display)
            checked_calculated += 1
    assert checked_calculated or not exported.calculated
    return problems


def _report(problems: list[str]) -> str:
    return f"{len(problems)} difference(s):\n" + "\n".join(problems[:25])


def test_gift_of_the_shipped_bank_shows_what_quizapp_shows(shipped):
    problems = gift_problems(shipped, VARIANTS)
    assert not problems, _report(problems)


def test_moodle_xml_of_the_shipped_bank_shows_what_quizapp_shows(shipped):
    problems = xml_problems(shipped, VARIANTS)
    assert not problems, _report(problems)


def test_exchange_fixture_shows_what_quizapp_shows(fixture_bank):
    problems = gift_problems(fixture_bank, 3) + xml_problems(fixture_bank, 3)
    assert not problems, _report(problems)


# ---------------------------------------------------------------------- the simulator itself


def test_php_rounding_and_printing_as_documented():
    assert [moodle.php_round(x) for x in (0.5, 1.5, 2.5, -0.5, -2.5)] == [1, 2, 3, -1, -3]
    assert moodle.php_round(2.675, 2) == 2.68 and moodle.php_round(1.955, 2) == 1.96
    assert moodle.php_round(1234.5, -2) == 1200
    assert moodle.php_float_text(0.1 + 0.2) == "0.3"
    assert moodle.php_float_text(0.0199999999999434) == "0.019999999999943"
    assert moodle.php_float_text(1e-5) == "1.0E-5" and moodle.php_float_text(2.5e20) == "2.5E+20"
    assert moodle.php_sprintf(0.965, 1, 2) == "1" and moodle.php_sprintf(0.965, 3, 1) == "0.965"


def test_substitution_replaces_every_wildcard_and_expression():
    text = r"\(\sqrt{k}\) and {=round({a} / 3, 2)} and {=1/3} and &#123;k}"
    assert moodle.substitute(text, {"k": "2", "a": "1"}) == r"\(\sqrt2\) and 0.33 and 0.33333333333333 and &#123;k}"
    assert moodle.seen_html("&#123;k}") == "{k}"


def test_the_checks_catch_what_moodle_got_wrong_before():
    # the literal {k} (the adagrad items), an unrounded {=...}, raw markdown
    assert moodle.same_text(moodle.seen_html(moodle.substitute(r"\(1/\sqrt{k}\)", {"k": "2"})),
                            moodle.seen_app(r"$1/\sqrt{k}$"))
    assert moodle.same_text(moodle.seen_html(moodle.substitute("{=0.1*0.2-1e-14}", {})),
                            moodle.seen_app("0.02"))
    assert moodle.same_text(moodle.seen_html("use `lr` and *Adam*"), moodle.seen_app("use `lr` and *Adam*"))
    assert moodle.same_text(moodle.seen_html("use <code>lr</code> and <em>Adam</em>"),
                            moodle.seen_app("use `lr` and *Adam*")) is None
    assert moodle.same_text("1.0E-5 x", "1e-05 x") is None


# ---------------------------------------------------------------------- round() agrees with PHP


@pytest.mark.parametrize("a", [0, 8, 2, 4, 2])
def test_formula_round_is_half_away_from_zero_like_php(a):
    # the example: round(a + 0.5) is 1/9/3/5/3 in Moodle; quizapp now agrees
    assert evaluate(Formula("round(a + 0.5)"), {"a": a}) == moodle.php_round(a + 0.5) == a + 1


@pytest.mark.parametrize("x, n", [(2.675, 2), (-2.675, 2), (0.285, 2), (1.005, 2), (2.5, 0), (-3.5, 0),
                                  (1234.5, -1), (0.125, 2), (1e-7 * 5, 6), (123456.789, -3)])
def test_formula_round_matches_php(x, n):
    assert evaluate(Formula(f"round(x, {n})"), {"x": x}) == moodle.php_round(x, n)


_PYTHON_ROUND_RUN = """
import json, sys
from quizapp.bank import formulas
def python_round(x, n=None):  # Python's rule, halves to even: what quizapp did before
    return round(x) if n is None else round(x, n)
formulas.MATH_FUNCTIONS["round"] = python_round
from quizapp.bank import load_bank
bank = load_bank()
out = {}
for item_id in sys.argv[1:]:
    out[item_id] = [[bank.instance(item_id, s).prompt, repr(bank.instance(item_id, s).answer)]
                    for s in range(20)]
print(json.dumps(out))
"""


def test_no_shipped_answer_changed_with_the_new_round(shipped):
    # Python's round() (halves to even) and PHP's differ only on exact halves: every shipped
    # item that calls round() draws the same instances under both rules (a real second
    # process evaluates them with Python's rule)
    import json
    import subprocess
    import sys

    users = [item.id for item in shipped.items.values()
             for f in [item.answer.value, *item.answer.formulas, *item.constraints,
                       *(p.formula for p in item.params if p.kind == "derived")]
             if isinstance(f, Formula) and "round" in f.calls]
    if not users:
        return
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-c", _PYTHON_ROUND_RUN, *users], cwd=root,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    before = json.loads(run.stdout)
    for item_id in users:
        now = [[shipped.instance(item_id, s).prompt, repr(shipped.instance(item_id, s).answer)]
               for s in range(20)]
        assert now == before[item_id], item_id


# ---------------------------------------------------------------------- the hard cases

RENDER_BANK = Path(__file__).parent / "data" / "moodle_render.toml"


@pytest.fixture(scope="module")
def render_bank():
    bank = load_bank([RENDER_BANK])
    assert bank.errors == []
    return bank


def test_hard_cases_show_what_quizapp_shows(render_bank):
    problems = gift_problems(render_bank, 8) + xml_problems(render_bank, 8)
    assert not problems, _report(problems)


def test_hard_cases_are_calculated_and_use_each_remedy(render_bank):
    result = export_moodle_xml(render_bank, variants=8)
    by_name = {q.name: q for q in moodle.read_xml(result.xml)}
    calculated = {name for name, q in by_name.items() if q.qtype == "calculated"}
    assert calculated == {"render.percent", "render.braces", "render.markup", "render.round",
                          "render.sigfigs", "render.formatted", "render.whole",
                          "render.binary-half"}, result.notes
    # percent: the right answer 0.965 with 3 decimals, not "1" at one significant figure
    percent = by_name["render.percent"]
    assert (percent.answer_format, percent.answer_length) == (1, 3)
    assert "* 100, 1)}%" in percent.feedback and "* 100, 2)}%" in percent.feedback
    # literal braces are entities; the wildcard inside \sqrt{...} is still substituted
    braces = by_name["render.braces"]
    assert "&#123;k}" in braces.text and "\\sqrt&#123;{k}}" in braces.feedback
    assert "{=round(" in braces.feedback
    # sigfigs with answers of one size: the exact interval as a nominal tolerance
    sig = by_name["render.sigfigs"]
    assert sig.tolerance_type == 2 and sig.answers[0][2] == "0.005"
    # markup as HTML
    assert "<code>lr = {lr}</code>" in by_name["render.markup"].text
    assert "<em>one</em>" in by_name["render.markup"].text
    # a .3g display whose decimals change with the draw: a wildcard holding the shown values
    # a number the app writes with a power of ten: wildcards for the mantissa and exponent
    formatted = by_name["render.formatted"]
    assert {"lr_mantissa", "lr_exponent"} <= set(formatted.datasets), formatted.datasets
    assert "{lr_mantissa} \\times 10^&#123;{lr_exponent}}" in formatted.text
    # a .3g display becomes a live significant-figures round
    assert "floor(log10(abs(" in formatted.feedback
    # where PHP cannot round like the app (0.0027435 is a hair below the half, so the app shows
    # 0.002743 and PHP 0.002744), a wildcard holds the shown values
    half = by_name["render.binary-half"]
    assert set(half.datasets["x_shown"]) == {"0.002743", "0.003123"}, half.datasets


def test_rounded_numerical_answer_is_shown_first_and_the_exact_one_follows(render_bank):
    text = export_gift(render_bank, variants=1).text
    # 0.3333 accepts +-0.0000666666 around itself; 1/3 +-0.0001 is the app's whole interval
    assert "{#=0.3333:0.0000666666 =0.3333333333333333:0.0001####" in text
    xml = moodle.read_xml(export_moodle_xml(render_bank, variants=1).xml)
    third = next(q for q in xml if q.name == "render.fixed-third")
    assert [(a, t) for a, _, t in third.answers] == [("0.3333", "0.0000666666"),
                                                    ("0.3333333333333333", "0.0001")]


# ---------------------------------------------------------------------- properties

from decimal import Decimal  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from quizapp.bank import gift  # noqa: E402


@given(st.integers(-10**12, 10**12), st.integers(-9, 3), st.integers(-6, 10))
def test_formula_round_agrees_with_php_on_written_numbers(mantissa, exponent, n):
    # numbers as people write them (up to 13 significant digits): PHP's pre-rounding to 15
    # digits and quizapp's rounding of the shortest text agree on every one
    x = float(Decimal(mantissa).scaleb(exponent))
    assert evaluate(Formula(f"round(x, {n})"), {"x": x}) == moodle.php_round(x, n)


@settings(max_examples=300)
@given(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.0, 1e-6, 1e-3, 0.01, 0.05]),
       st.sampled_from([0.0, 1e-9, 1e-4, 0.01, 0.5]), st.integers(1, 8))
def test_numerical_answers_show_the_display_and_accept_the_app_interval(value, rel, absolute, digits):
    bound = abs(value) * rel + absolute
    shown = format(value, f".{digits}g")
    answers = gift.moodle_answers(value, bound, shown)
    lo, hi = moodle.union([moodle.interval(float(a), float(t)) for a, t in answers])
    first = float(answers[0][0])
    assert lo <= first <= hi
    slack = 2e-14 * max(1.0, abs(value), bound)
    assert abs(lo - (value - bound)) <= slack and abs(hi - (value + bound)) <= slack
    if abs(float(shown) - value) <= bound:
        assert first == float(shown)          # the display itself is the right answer shown
    else:
        assert abs(first - value) <= bound    # else the fewest digits that are accepted


_PIECES = ["`lr = 0.1`", "*Adam*", "**bold**", "$a < b_{k}$", "R&D", "{x}", "2 * 3 * 4", "\n",
           "plain", "a -> b", "50%", "#1", "x = y", "~"]


@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8))
def test_markup_survives_gift_html_and_reads_back(pieces):
    text = " ".join(pieces).strip()
    shown = gift.text_html(text)
    assert "`" not in shown and "*Adam*" not in shown and "**" not in shown  # all markup is HTML
    back = gift._clean_text(gift._protect(gift.escape(shown)), "html")
    assert " ".join(back.split()) == " ".join(text.split())                  # and reads back


# ---------------------------------------------------------------------- as a user runs it

MIXED_SIGFIGS = '''topic = "mixed"
[[item]]
id = "mixed.sig"
category = "calculation"
prompt = "What is {a} times 3, to three significant figures?"
explanation = "{a} * 3 = {answer}."
[item.params]
a = { choice = [3.29, 33.3] }
[item.answer]
kind = "numeric"
value = "a * 3"
tolerance = { sigfigs = 3 }
display = ".3g"
'''


def test_export_command_warns_on_stderr_and_the_header_counts_what_it_wrote(tmp_path):
    import subprocess
    import sys

    bank = tmp_path / "mixed.toml"
    bank.write_text(MIXED_SIGFIGS, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    xml = subprocess.run([sys.executable, "-m", "quizapp", "bank", "export", "--format", "moodle-xml",
                          "--bank", str(bank), "-o", str(tmp_path / "q.xml")],
                         cwd=root, capture_output=True, text=True, timeout=120)
    assert xml.returncode == 0, xml.stderr
    assert "mixed.sig: cannot be a Moodle calculated question (its tolerance (to 3 significant " \
           "figures) is a different interval for answers of different sizes" in xml.stderr
    assert "exported as 2 numerical variant(s)" in xml.stderr   # 2 distinct draws, said so
    assert "mixed.sig: 2 distinct variant(s) out of 5 seeds" in xml.stderr
    gift = subprocess.run([sys.executable, "-m", "quizapp", "bank", "export", "--bank", str(bank),
                           "-o", str(tmp_path / "q.gift")], cwd=root, capture_output=True, text=True,
                          timeout=120)
    assert gift.returncode == 0, gift.stderr
    assert "mixed.sig: 2 distinct variant(s) out of 5 seeds" in gift.stderr
    header = (tmp_path / "q.gift").read_text(encoding="utf-8").split("\n\n")[0]
    assert "2 question(s) from 1 item(s)" in header and "(1 item(s) gave fewer)" in header
    assert "Moodle keeps [id:...] as each question's ID number and [tag:...] as its tags" in header
