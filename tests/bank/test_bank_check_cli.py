"""`bank check` finds what loading cannot; the `quizapp bank` commands and their JSON."""
import json

import pytest

from quizapp.bank import check_bank, load_bank
from quizapp.bank.check import EXTRA_SEEDS, seeds_for
from quizapp.cli import main


def test_check_draws_at_least_fifty_instances(sample_bank):
    item = sample_bank.items["adam.first-step"]
    seeds = seeds_for(item)
    assert len(seeds) >= 50 and set(range(50)) <= set(seeds) and set(EXTRA_SEEDS) <= set(seeds)
    # sample.toml is a fixture of mechanics: its first item prints its answer (the rate) and
    # its computed choice keeps the key in the middle, which only the quality checks mind
    assert check_bank(sample_bank, quality=False) == []
    assert {p.item_id for p in check_bank(sample_bank)} == {"adam.first-step", "sgd.step-choice"}


def test_check_flags_each_kind_of_problem(data, line_of):
    path = data / "checkme.toml"
    problems = check_bank(load_bank([path]))
    got = {(p.item_id, p.field, p.severity) for p in problems}
    assert ("checkme.same-display", "answer.choices", "error") in got
    assert ("checkme.rounding", "answer.display", "warning") in got
    assert ("checkme.not-finite", "answer.value", "error") in got
    assert ("checkme.never", "constraints", "error") in got
    assert ("checkme.dollars", "prompt", "warning") in got
    assert not any(p.item_id == "checkme.fine" for p in problems)
    several = [p for p in problems if "more than one choice is correct" in p.message]
    assert several and "choice(s) 2 (as written)" in several[0].message
    same = [p for p in problems if "display the same text" in p.message][0]
    assert "choices 1 and 2 (as written)" in same.message
    value = [p for p in problems if p.item_id == "checkme.not-finite" and p.field == "answer.value"][0]
    assert "x = 0" in value.message and value.line == line_of(path, 'value = "log(x)"')
    assert [p for p in problems if p.item_id == "checkme.never"][0].line == \
        line_of(path, 'constraints = ["a > b"]')


def test_leftover_placeholder_is_flagged_outside_math():
    from quizapp.bank import load_text

    bank = load_text('''
topic = "t"
[[item]]
id = "t.braces"
category = "concept"
prompt = "Literal {{lr}} outside math, and $\\\\frac{{a}}{{b}}$ inside."
explanation = "x"
answer = { kind = "true_false", value = true }
''')
    problems = check_bank(bank)
    assert len(problems) == 1 and "{lr}" in problems[0].message and problems[0].severity == "warning"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_check_ok_and_failing(capsys, data):
    code, out, _ = run(capsys, "bank", "check", "--bank", str(data / "sample.toml"))
    assert code == 0 and "5 items in 1 file(s): 0 error(s), 2 warning(s)" in out
    assert "[answer-shown] the answer" in out and "quality: key strictly longest in" in out
    code, out, _ = run(capsys, "bank", "check", "--bank", str(data / "checkme.toml"),
                       "--bank", str(data / "sample.toml"))
    assert code == 1
    lines = [ln for ln in out.splitlines() if (": error: " in ln or ": warning: " in ln)
             and ": warning: [" not in ln]  # quality warnings may name either file
    assert lines and all(ln.split(":")[0].endswith("checkme.toml") for ln in lines)
    assert any(": checkme.never: constraints: error: " in ln for ln in lines)


def test_cli_check_json_and_strict(capsys, data):
    code, out, _ = run(capsys, "bank", "check", "--bank", str(data / "bad_items.toml"), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["items"] == 2 and doc["errors"] >= 7 and doc["warnings"] >= 3
    assert {"file", "line", "item_id", "field", "message", "severity"} == set(doc["problems"][0])
    code, _, _ = run(capsys, "bank", "check", "--bank", str(data / "dup_a.toml"), "--strict")
    assert code == 0


def test_cli_list(capsys, data):
    code, out, _ = run(capsys, "bank", "list", "--bank", str(data / "sample.toml"), "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 5
    assert rows[0] == {"id": "adam.first-step", "topic": "adam", "category": "calculation",
                       "kind": "numeric", "parameterised": True}
    code, out, _ = run(capsys, "bank", "list", "--bank", str(data / "sample.toml"), "--topic", "sgd", "--json")
    assert [r["id"] for r in json.loads(out)] == ["sgd.epoch-steps", "sgd.step-choice"]
    code, out, _ = run(capsys, "bank", "list", "--bank", str(data / "sample.toml"))
    assert "adam.what-m-tracks" in out and "5 item(s)" in out
    code, _, err = run(capsys, "bank", "list", "--bank", str(data / "sample.toml"), "--topic", "x")
    assert code == 2 and "unknown topic" in err


def test_cli_show_json(capsys, data, sample_bank):
    b = str(data / "sample.toml")
    code, out, _ = run(capsys, "bank", "show", "adam.first-step", "--seed", "3", "--bank", b, "--json")
    doc = json.loads(out)
    inst = sample_bank.instance("adam.first-step", 3)
    assert code == 0 and set(doc) == {"id", "kind", "prompt", "choices", "answer", "answer_text", "explanation", "params"}
    assert doc["choices"] is None and doc["answer"] == pytest.approx(inst.answer)
    assert doc["prompt"] == inst.prompt and doc["params"] == inst.params
    _, out, _ = run(capsys, "bank", "show", "adam.beta-order", "--seed", "1", "--bank", b, "--json")
    doc = json.loads(out)
    assert doc["choices"] == ["True", "False"] and isinstance(doc["answer"], bool)
    _, out, _ = run(capsys, "bank", "show", "adam.what-m-tracks", "--bank", b, "--json")
    doc = json.loads(out)
    assert doc["choices"][doc["answer"] - 1] == "An average of recent gradients"
    code, out, _ = run(capsys, "bank", "show", "adam.what-m-tracks", "--bank", b)
    assert code == 0 and "Answer: " in out and "  1. " in out


def test_cli_grade(capsys, data, sample_bank):
    b = str(data / "sample.toml")
    inst = sample_bank.instance("sgd.step-choice", 5)
    code, out, _ = run(capsys, "bank", "grade", "sgd.step-choice", "--seed", "5",
                       "--answer", str(inst.correct_choice), "--bank", b, "--json")
    assert code == 0 and json.loads(out) == {"correct": True, "expected": inst.answer_text,
                                             "message": f"Correct: {inst.answer_text}."}
    code, out, _ = run(capsys, "bank", "grade", "sgd.epoch-steps", "--seed", "0", "--answer", "-3",
                       "--bank", b, "--json")
    assert json.loads(out)["correct"] is False
    code, out, _ = run(capsys, "bank", "grade", "sgd.epoch-steps", "--seed", "0", "--answer", "lots",
                       "--bank", b, "--json")
    doc = json.loads(out)
    assert doc["correct"] is None and "1/50" in doc["message"]


def test_cli_errors(capsys, data, tmp_path):
    code, _, err = run(capsys, "bank", "show", "nope.item", "--bank", str(data / "sample.toml"))
    assert code == 2 and "unknown item id 'nope.item'" in err
    code, _, err = run(capsys, "bank", "list", "--bank", str(tmp_path / "missing"))
    assert code == 2 and "no such file or folder" in err
    code, _, err = run(capsys, "bank", "list", "--bank", str(data / "bad_items.toml"))
    assert code == 0 and "bank check" in err
