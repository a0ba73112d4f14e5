"""Moodle XML export: well-formed XML, Moodle types, calculated questions with datasets, and
formula translation checked against the engine helpers."""
from __future__ import annotations

import math
import random
import re
import xml.etree.ElementTree as ET

import pytest

from quizapp.bank import Formula, evaluate, load_bank
from quizapp.bank.model import Param
from quizapp.bank.moodle import (
    CLOSED_FORMS, MOODLE, PYTHON, Untranslatable, _Context, export_moodle_xml, translate,
)

from tests.bank import moodle_sim as moodle
from tests.bank.test_gift_helpers import ROUNDTRIP_BANK

# Moodle formulas (PHP expression syntax) are evaluated by the test's own small PHP
# evaluator (tests/bank/moodle_sim.py), independently of the translator.
moodle_eval = moodle.php_eval


# ---------------------------------------------------------------------- closed forms vs helpers

INTS = {"samples": (1, 10000), "batch_size": (1, 512), "t": (1, 200), "k": (1, 60),
        "step_size": (1, 100), "T_max": (1, 1000), "total_iters": (1, 100), "warmup_steps": (0, 500)}
FLOATS = {"beta": (0.0, 0.99), "beta1": (0.5, 0.99), "beta2": (0.9, 0.9999), "momentum": (0.1, 0.99),
          "dampening": (0.0, 0.5), "alpha": (0.5, 0.999), "eps": (1e-10, 1e-6), "lr": (1e-4, 1.0),
          "weight_decay": (0.0, 0.2), "gamma": (0.1, 1.0), "eta_min": (0.0, 1e-3),
          "start_factor": (0.01, 1.0), "end_factor": (0.0, 1.0), "norm": (0.0, 100.0),
          "max_norm": (0.1, 10.0)}


def _draw(name: str, rng: random.Random, drawn: dict) -> float | int:
    if name == "total_steps":
        return drawn.get("warmup_steps", 0) + rng.randint(1, 2000)
    if name == "t" and "warmup_steps" in drawn:
        return rng.randint(0, 3000)
    if name in INTS:
        return rng.randint(*INTS[name])
    if name in FLOATS:
        return round(rng.uniform(*FLOATS[name]), 6)
    value = round(rng.uniform(-10, 10), 4)   # theta, g, gx, gy
    return value if value != 0 else 1.5


@pytest.mark.parametrize("helper", sorted(CLOSED_FORMS))
def test_closed_form_matches_the_engine_helper(helper):
    from quizapp.bank.moodle import _helper_signature

    names = list(_helper_signature(helper).parameters)
    formula = Formula(f"{helper}({', '.join(names)})")
    params = {n: Param(n, "range", lo=0, hi=1) for n in names}
    moodle_text = translate(formula, params, MOODLE)
    python_text = translate(formula, params, PYTHON)
    rng = random.Random(helper)
    for _ in range(25):
        values: dict = {}
        for n in names:
            values[n] = _draw(n, rng, values)
        expected = evaluate(formula, values)
        ns = {**moodle.PHP_FUNCS, "pi": math.pi, **values}
        got_python = eval(python_text, {"__builtins__": {}}, ns)  # noqa: S307 - our own test text
        got_moodle = moodle_eval(moodle_text, values)
        for got in (got_python, got_moodle):
            assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), (helper, values, got, expected)


@pytest.mark.parametrize("text, values, expected", [
    ("a ** 2 + b // 3", {"a": 3, "b": 10}, 12),
    ("-7 % 3", {}, 2),                       # Python's modulo, not C's
    ("a % b", {"a": 7.5, "b": -2}, -0.5),
    ("a if a > b else b", {"a": 2, "b": 5}, 5),
    ("1 if a < b < c else 0", {"a": 1, "b": 2, "c": 3}, 1),
    ("1 if a < b < c else 0", {"a": 1, "b": 3, "c": 2}, 0),
    ("(a > 1) and (b > 1)", {"a": 2, "b": 0}, 0),
    ("a or b", {"a": 0, "b": 4}, 4),
    ("2 if not a else 3", {"a": 0}, 2),
    ("log2(a) + log(a, 10) + log(e) + pi", {"a": 8}, 3 + math.log10(8) + 1 + math.pi),
    ("round(a, 2) + min(a, b, 1) + max(a, b)", {"a": 1.23456, "b": 2}, 1.23 + 1 + 2),
])
def test_operators_translate(text, values, expected):
    params = {n: Param(n, "range", lo=0, hi=1) for n in values}
    got = moodle_eval(translate(Formula(text), params, MOODLE), values)
    assert math.isclose(got, expected, rel_tol=1e-12)
    assert math.isclose(evaluate(Formula(text), values), expected, rel_tol=1e-12)


def test_untranslatable_formulas_say_why():
    params = {"a": Param("a", "range", lo=0, hi=1)}
    with pytest.raises(Untranslatable, match="quadratic_run"):
        translate(Formula("quadratic_run('sgd', a, 1, 0.1, 2)"), params)
    with pytest.raises(Untranslatable, match="text"):
        translate(Formula("1 if 'x' == 'y' else a"), params)


def test_derived_parameters_are_inlined_or_given_as_data():
    params = {"a": Param("a", "choice", values=(1, 2)),
              "half": Param("half", "derived", formula=Formula("a / 2")),
              "sim": Param("sim", "derived", formula=Formula("quadratic_run('sgd', a, 1, 0.1, 2)")),
              "rounded": Param("rounded", "derived", formula=Formula("a / 3"), sigfigs=2),
              "c": Param("c", "const", value=4)}
    ctx = _Context(params, MOODLE)
    text = translate(Formula("half + sim + rounded + c"), params, MOODLE, ctx)
    assert "({a} / 2)" in text and "{sim}" in text and "{rounded}" in text and "4" in text
    assert ctx.wildcards == ["a", "sim", "rounded"]
    assert ctx.data_wildcards == {"sim", "rounded"}


# ---------------------------------------------------------------------- the XML


@pytest.fixture(scope="module")
def fixture_bank():
    bank = load_bank([ROUNDTRIP_BANK])
    assert bank.errors == []
    return bank


@pytest.fixture(scope="module")
def fixture_xml(fixture_bank):
    return export_moodle_xml(fixture_bank, variants=4)


def _questions(xml: str) -> list[ET.Element]:
    root = ET.fromstring(xml)
    assert root.tag == "quiz"
    return root.findall("question")


def _named(xml: str) -> dict[str, ET.Element]:
    return {q.find("name/text").text: q for q in _questions(xml) if q.get("type") != "category"}


def test_xml_is_well_formed_with_one_category_per_topic(fixture_xml):
    questions = _questions(fixture_xml.xml)
    cats = [q.find("category/text").text for q in questions if q.get("type") == "category"]
    assert cats == ["$course$/top/exchange", "$course$/top/other"]
    assert fixture_xml.xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_types_follow_the_item_kinds(fixture_xml, fixture_bank):
    by_name = _named(fixture_xml.xml)
    assert by_name["exchange.specials"].get("type") == "multichoice"
    assert by_name["exchange.specials"].find("single").text == "true"
    assert by_name["exchange.computed-fixed"].get("type") == "multichoice"
    assert by_name["exchange.math-true"].get("type") == "truefalse"
    assert by_name["exchange.relative"].get("type") == "numerical"
    assert by_name["other.step-size"].get("type") == "calculated"
    assert by_name["other.epoch-steps"].get("type") == "calculated"
    # quadratic_run has no Moodle formula: numerical variants, and a note says so
    assert {"other.simulated#0", "other.simulated#1"} <= set(by_name)
    assert by_name["other.simulated#0"].get("type") == "numerical"
    assert any(n.startswith("other.simulated: cannot be a Moodle calculated question")
               and "quadratic_run" in n for n in fixture_xml.notes)
    # a parameterised true/false item becomes concrete truefalse variants
    assert by_name["other.beta-order#0"].get("type") == "truefalse"
    assert fixture_xml.calculated == 2


def test_multichoice_answers_and_escaping(fixture_xml):
    q = _named(fixture_xml.xml)["exchange.specials"]
    answers = q.findall("answer")
    assert [a.get("fraction") for a in answers] == ["100", "0", "0", "0"]
    texts = [a.find("text").text for a in answers]
    assert texts[1] == "lr -&gt; 0.1 (an arrow)"          # HTML inside the XML text
    assert texts[3] == "{lr} ~ 0.1 \\ done"
    assert "&lt;" in fixture_xml.xml                         # '<' in a text is XML-escaped twice over
    prompt = q.find("questiontext/text").text
    assert "<br>" in prompt and "{like this}" in prompt
    assert [t.text for t in q.findall("tags/tag/text")] == ["escapes", "odd ] tag %", "unicode-β"]


def test_numerical_tolerance_is_absolute(fixture_xml):
    q = _named(fixture_xml.xml)["exchange.relative"]
    assert q.find("answer/text").text == "0.21"
    assert math.isclose(float(q.find("answer/tolerance").text), 0.0042)
    assert q.find("units/unit/unit_name").text == "units"


def test_calculated_questions_have_datasets_that_reproduce_the_answers(fixture_xml, fixture_bank):
    calculated = [q for q in _questions(fixture_xml.xml) if q.get("type") == "calculated"]
    assert calculated
    for q in calculated:
        item_id = q.find("name/text").text
        formula = q.find("answer/text").text
        defs = q.findall("dataset_definitions/dataset_definition")
        assert defs, item_id
        names = [d.find("name/text").text for d in defs]
        assert set(re.findall(r"\{([A-Za-z][A-Za-z0-9_]*)\}", formula)) <= set(names)
        columns = {}
        for d in defs:
            assert d.find("status/text").text == "private"
            assert d.find("type").text == "calculated"
            lo, hi = float(d.find("minimum/text").text), float(d.find("maximum/text").text)
            values = [float(v.text) for v in d.findall("dataset_items/dataset_item/value")]
            assert int(d.find("itemcount").text) == len(values) == int(d.find("number_of_items").text)
            assert all(lo - 1e-12 <= v <= hi + 1e-12 for v in values)
            columns[d.find("name/text").text] = values
        tol_type = q.find("answer/tolerancetype").text
        assert tol_type in ("1", "2")
        for n in range(len(next(iter(columns.values())))):
            values = {name: col[n] for name, col in columns.items()}
            expected = fixture_bank.instance(item_id, n).answer
            assert math.isclose(moodle_eval(formula, values), expected, rel_tol=1e-9, abs_tol=1e-12)


def test_calculated_text_uses_wildcards_and_expressions(fixture_xml):
    q = _named(fixture_xml.xml)["other.step-size"]
    text = q.find("questiontext/text").text
    assert "{g}" in text and "{lr}" in text and "\\(" in text
    feedback = q.find("generalfeedback/text").text
    assert "{=" in feedback                         # {answer} and the derived {half}
    assert q.find("answer/tolerance").text == "0.01" and q.find("answer/tolerancetype").text == "1"


def test_sigfigs_tolerance_is_exact_or_not_calculated(fixture_bank):
    from quizapp.bank.model import Tolerance
    from quizapp.bank.moodle import _Fallback, _tolerance

    # answers of one magnitude: the app's bound is one absolute (nominal) tolerance
    tol, kind, note = _tolerance(Tolerance("sigfigs", 3), [9.87, 1.234, 5.0])
    assert (tol, kind) == ("0.005", "2") and "significant figures" in note
    # 9.87 and 12.3 at 3 figures accept +-0.005 and +-0.05: no Moodle tolerance says that
    with pytest.raises(_Fallback, match="significant figures"):
        _tolerance(Tolerance("sigfigs", 3), [9.87, 12.3])


def test_sigfigs_item_of_mixed_sizes_becomes_numerical_variants_with_a_note():
    from quizapp.bank import load_text

    bank = load_text('topic = "t"\n[[item]]\nid = "t.sig"\ncategory = "calculation"\n'
                     'prompt = "{a} times 3?"\nexplanation = "{answer}"\n'
                     '[item.params]\na = { choice = [3.29, 4.1, 33.3, 41.0] }\n'
                     '[item.answer]\nkind = "numeric"\nvalue = "a * 3"\n'
                     'tolerance = { sigfigs = 3 }\ndisplay = ".3g"\n')
    assert bank.errors == []
    result = export_moodle_xml(bank, variants=8)
    assert result.calculated == 0
    assert any("significant figures" in n and "numerical variant" in n for n in result.notes)
    for q in _questions(result.xml)[1:]:
        assert q.get("type") == "numerical"


def test_shipped_bank_exports_and_every_calculated_answer_reproduces():
    bank = load_bank()
    result = export_moodle_xml(bank, variants=3)
    questions = _questions(result.xml)
    assert result.calculated >= 10
    for q in questions:
        if q.get("type") != "calculated":
            continue
        item_id = q.find("name/text").text
        formula = q.find("answer/text").text
        columns = {d.find("name/text").text: [float(v.text) for v in d.findall("dataset_items/dataset_item/value")]
                   for d in q.findall("dataset_definitions/dataset_definition")}
        for n in range(3):
            values = {name: col[n] for name, col in columns.items()}
            expected = bank.instance(item_id, n).answer
            assert math.isclose(moodle_eval(formula, values), expected, rel_tol=1e-9, abs_tol=1e-12), item_id


def test_control_characters_never_reach_the_xml():
    from quizapp.bank import load_text

    bank = load_text('topic = "t"\n[[item]]\nid = "t.a--b-"\ncategory = "concept"\n'
                     'prompt = "bell \\u0007 here"\nexplanation = "x"\n'
                     '[item.answer]\nkind = "true_false"\nvalue = true\n')
    xml = export_moodle_xml(bank, variants=1).xml
    assert "\x07" not in xml
    assert _named(xml)["t.a--b-"].get("type") == "truefalse"   # '--' kept out of the XML comment
