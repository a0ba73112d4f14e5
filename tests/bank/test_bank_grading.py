"""Grading typed answers, and the numeric answer reader."""
import pytest

from quizapp.bank import Tolerance, load_text, read_number
from quizapp.bank.numeric import ACCEPTED


@pytest.mark.parametrize("text, value", [
    ("0.02", 0.02), (".02", 0.02), ("2e-2", 0.02), ("2E-2", 0.02), ("-3", -3.0), ("1/50", 0.02),
    ("+4", 4.0), ("  0.5  ", 0.5), ("-1/4", -0.25), ("1 / 8", 0.125), ("3.", 3.0),
    ("1e3", 1000.0), ("\u22122", -2.0), ("2.5e+1", 25.0),
])
def test_reader_accepts(text, value):
    got, message = read_number(text)
    assert got == pytest.approx(value) and message == ""


@pytest.mark.parametrize("text, words", [
    ("1,000", "Commas are not accepted"), ("0,5", "Commas"), ("", "Nothing was typed"),
    ("abc", "Could not read"), ("1/0", "divides by zero"), ("1e999", "too large"),
    ("2 e-2", "Could not read"), ("1/2/3", "Could not read"), ("nan", "Could not read"),
    ("inf", "Could not read"), ("0x10", "Could not read"), ("1_000", "Could not read"),
    ("9" * 200, "too long"),
])
def test_reader_refuses_with_accepted_forms(text, words):
    got, message = read_number(text)
    assert got is None and words in message and ACCEPTED in message


def test_tolerances():
    assert Tolerance("relative", 0.01).accepts(1.009, 1.0)
    assert not Tolerance("relative", 0.01).accepts(1.02, 1.0)
    assert Tolerance("absolute", 1e-4).accepts(0.02009, 0.02)
    assert not Tolerance("absolute", 1e-4).accepts(0.0202, 0.02)
    s = Tolerance("sigfigs", 3)
    assert s.accepts(0.0123, 0.012345) and s.accepts(0.01235, 0.012345)
    assert not s.accepts(0.0124, 0.012345)
    assert s.accepts(1230, 1234.4) and not s.accepts(1240, 1234.4)
    assert Tolerance("absolute", 0).accepts(4.0, 4.0) and not Tolerance("absolute", 0).accepts(4.01, 4.0)
    assert Tolerance("relative", 0.01).accepts(0.0, 0.0)
    assert not Tolerance("relative", 0.5).accepts(float("nan"), 1.0)


def test_numeric_grading(sample_bank):
    inst = sample_bank.instance("adam.first-step", 0)
    lr = inst.params["lr"]
    for text in (str(lr), f"{lr:.2e}", f"{lr * 1.005}"):
        g = sample_bank.grade(inst, text)
        assert g.correct is True and g.expected == inst.answer_text and g.given == pytest.approx(float(text))
    g = sample_bank.grade(inst, str(lr * 2))
    assert g.correct is False and inst.answer_text in g.message and "1 %" in g.message
    g = sample_bank.grade(inst, "0,001")
    assert g.correct is None and g.given is None and "Commas" in g.message
    g = sample_bank.grade(inst, "25%")
    assert g.correct is None and "Percent" in g.message


def test_fraction_answers(sample_bank):
    inst = sample_bank.instance("sgd.epoch-steps", 0)
    p = inst.params
    assert sample_bank.grade(inst, f"{p['samples']}/{p['batch']}").correct is True
    assert sample_bank.grade(inst, f"{p['samples'] // p['batch'] + 1}").correct is False


def test_chapter_example_lr_times_gradient():
    bank = load_text('''
topic = "t"
[[item]]
id = "t.sgd-step"
category = "calculation"
prompt = "eta = {lr}, g = {g}: how far does SGD move?"
explanation = "{answer}"
params = { lr = 0.001, g = 20 }
answer = { kind = "numeric", value = "lr * g", unit = "units" }
''')
    inst = bank.instance("t.sgd-step", 0)
    assert inst.answer_text == "0.02 units"
    for text in ("0.02", ".02", "2e-2", "1/50", "0.02 units"):
        assert bank.grade(inst, text).correct is True, text
    assert bank.grade(inst, "-3").correct is False


def test_true_false_grading(sample_bank):
    inst = next(sample_bank.instance("adam.beta-order", s) for s in range(50)
                if sample_bank.instance("adam.beta-order", s).answer is True)
    for text in ("1", "true", "True", " t ", "T"):
        assert sample_bank.grade(inst, text).correct is True, text
    for text in ("2", "false", "f"):
        g = sample_bank.grade(inst, text)
        assert g.correct is False and g.given is False
    g = sample_bank.grade(inst, "maybe")
    assert g.correct is None and "1 or true" in g.message
    assert sample_bank.grade(inst, "3").correct is None


def test_choice_grading(sample_bank):
    inst = sample_bank.instance("adam.what-m-tracks", 4)
    right = inst.correct_choice
    wrong = 1 if right != 1 else 2
    assert sample_bank.grade(inst, str(right)).correct is True
    assert sample_bank.grade(inst, f" {right}. ").correct is True
    assert sample_bank.grade(inst, "an average of RECENT gradients").correct is True
    g = sample_bank.grade(inst, str(wrong))
    assert g.correct is False and g.given == wrong and g.expected == inst.answer_text
    g = sample_bank.grade(inst, "4")
    assert g.correct is None and "1 to 3" in g.message
    assert sample_bank.grade(inst, "").correct is None


def test_grade_to_json(sample_bank):
    inst = sample_bank.instance("adam.first-step", 1)
    assert set(sample_bank.grade(inst, "x").to_json()) == {"correct", "expected", "message"}
