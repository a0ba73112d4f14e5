"""Loading: problems carry file, line, item id and field; bad items never stop good ones."""
import time

import pytest

from quizapp.bank import BankProblem, load_bank, load_text
from quizapp.bank.loader import MAX_FILE_BYTES



def by_item(bank):
    return {p.item_id: p for p in bank.problems}


def test_sample_bank_loads_in_file_order(sample_bank, line_of):
    assert list(sample_bank.items) == ["adam.first-step", "adam.what-m-tracks", "adam.beta-order",
                                       "sgd.epoch-steps", "sgd.step-choice"]
    assert sample_bank.topics == {"adam": "Adam", "sgd": "Sgd"}
    assert [i.id for i in sample_bank.by_topic("sgd")] == ["sgd.epoch-steps", "sgd.step-choice"]
    item = sample_bank.items["adam.first-step"]
    assert (item.topic, item.category, item.kind, item.difficulty) == ("adam", "calculation", "numeric", 2)
    assert item.tags == ("bias-correction",)
    assert item.preset == "adam-warmup"
    assert item.parameterised
    assert not sample_bank.items["adam.what-m-tracks"].parameterised
    assert item.source.endswith("sample.toml")
    assert item.line == line_of(__import__("pathlib").Path(item.source), 'id = "adam.first-step"')


def test_bad_items_are_reported_and_the_good_ones_load(data, line_of):
    path = data / "bad_items.toml"
    bank = load_bank([path])
    assert list(bank.items) == ["mixed.good-one", "mixed.warn-only"]
    problems = bank.problems
    assert all(isinstance(p, BankProblem) for p in problems)
    assert all(p.file.endswith("bad_items.toml") for p in problems)

    def find(item_id, field):
        hits = [p for p in problems if p.item_id == item_id and p.field == field]
        assert hits, f"no problem for {item_id} {field}: {problems}"
        return hits[0]

    p = find("mixed.bad-category", "category")
    assert p.severity == "error" and "trivia" in p.message
    assert p.line == line_of(path, 'category = "trivia"')

    p = find("mixed.bad-formula", "answer.value")
    assert p.severity == "error" and "__" in p.message
    assert p.line == line_of(path, 'value = "x.__class__"')

    p = find("mixed.unknown-name", "answer.value")
    assert "unknown name 'y'" in p.message
    assert p.line == line_of(path, 'value = "2 * y"')

    p = find("mixed.good-one", "id")
    assert "duplicate id" in p.message and p.severity == "error"

    p = find("mixed.bad-placeholder", "prompt")
    assert "{lr}" in p.message
    assert p.line == line_of(path, "The value {lr}")

    p = find("mixed.warn-only", "flavour")
    assert p.severity == "warning" and p.line == line_of(path, 'flavour = "extra"')
    p = find("mixed.warn-only", "preset")
    assert p.severity == "warning" and "no-such-preset" in p.message

    p = find("<item 8>", "id")
    assert "missing id" in p.message and p.line == line_of(path, 'prompt = "No id here."') - 2

    p = find("mixed.bad-correct", "answer.correct")
    assert p.line == line_of(path, "correct = 3")

    top = [p for p in problems if p.field == "colour"]
    assert top and top[0].severity == "warning" and top[0].line == line_of(path, 'colour = "blue"')


def test_duplicate_line_points_at_second_definition(data, line_of):
    path = data / "bad_items.toml"
    bank = load_bank([path])
    dup = [p for p in bank.problems if "duplicate" in p.message][0]
    lines = path.read_text().splitlines()
    assert lines[dup.line - 1].strip() == 'id = "mixed.good-one"'
    assert dup.line > line_of(path, 'id = "mixed.good-one"')
    first = line_of(path, 'id = "mixed.good-one"')
    assert f"bad_items.toml:{first}" in dup.message


def test_problem_text_format(data):
    bank = load_bank([data / "bad_items.toml"])
    p = [p for p in bank.problems if p.field == "category"][0]
    assert str(p) == f"{p.file}:{p.line}: mixed.bad-category: category: error: {p.message}"
    assert p.file.endswith("bad_items.toml")


def test_duplicate_ids_across_files(data, line_of):
    bank = load_bank([data / "dup_a.toml", data / "dup_b.toml"])
    assert list(bank.items) == ["dup.same", "dup.other"]
    assert bank.items["dup.same"].prompt.text == "First."
    (p,) = bank.problems
    assert p.file.endswith("dup_b.toml") and p.item_id == "dup.same" and p.field == "id"
    assert p.line == line_of(data / "dup_b.toml", 'id = "dup.same"')
    assert "dup_a.toml:3" in p.message


def test_toml_syntax_error_reports_tomllib_line(data, line_of):
    bank = load_bank([data / "broken_syntax.toml"])
    assert bank.items == {}
    (p,) = bank.problems
    assert p.severity == "error" and "not valid TOML" in p.message
    assert p.line == line_of(data / "broken_syntax.toml", 'prompt = "unterminated')


def test_folder_loads_every_toml_in_name_order(tmp_path, data):
    for name in ("b.toml", "a.toml"):
        (tmp_path / name).write_text((data / "dup_a.toml").read_text().replace("dup.same", f"dup.{name[0]}"))
    (tmp_path / "notes.txt").write_text("not a bank")
    bank = load_bank([tmp_path])
    assert list(bank.items) == ["dup.a", "dup.b"]
    assert bank.problems == []


def test_missing_path_and_empty_folder(tmp_path):
    bank = load_bank([tmp_path / "nope.toml", tmp_path])
    kinds = [(p.severity, p.message) for p in bank.problems]
    assert ("error", "no such file or folder") in kinds
    assert any(sev == "warning" and "no .toml" in msg for sev, msg in kinds)


def test_oversized_file_is_refused_without_parsing(tmp_path):
    big = tmp_path / "big.toml"
    big.write_text('topic = "x"\n' + "# padding\n" * (MAX_FILE_BYTES // 10 + 10))
    t0 = time.perf_counter()
    bank = load_bank([big])
    assert time.perf_counter() - t0 < 1.0
    (p,) = bank.problems
    assert p.severity == "error" and "1 MB" in p.message


@pytest.mark.parametrize("text", [
    "a = " + "[" * 5000 + "]" * 5000,
    "a = " + "{ b = " * 3000 + "1" + " }" * 3000,
    "[" + ".".join(["t"] * 40) + "]\nx = 1",
    "a = " + "[" * 30 + "1" + "]" * 30,
])
def test_absurdly_nested_toml_is_refused_cleanly(text):
    t0 = time.perf_counter()
    bank = load_text(text, "nested.toml")
    assert time.perf_counter() - t0 < 1.0
    assert bank.items == {}
    assert bank.problems and bank.problems[0].severity == "error"
    assert "nested" in bank.problems[0].message or "not valid TOML" in bank.problems[0].message


def test_not_utf8(tmp_path):
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'topic = "x"\n# caf\xe9\n')
    (p,) = load_bank([bad]).problems
    assert p.line == 2 and "UTF-8" in p.message


def test_newer_format_is_refused():
    bank = load_text('format = 2\ntopic = "x"\n')
    assert bank.problems[0].field == "format" and "newer" in bank.problems[0].message


ITEM = '''
topic = "t"
[[item]]
id = "t.one"
category = "calculation"
prompt = "{prompt}"
explanation = "x"
[item.params]
{params}
[item.answer]
kind = "numeric"
value = "{value}"
'''


def one(params="", value="1", prompt="q"):
    return load_text(ITEM.replace("{params}", params).replace("{value}", value)
                     .replace("{prompt}", prompt))


@pytest.mark.parametrize("params, words", [
    ("x = { range = [0, 1e9], step = 1e-6 }", "limit is 1,000,000"),
    ("x = { randint = [0, 100000000000] }", "limit is"),
    ("x = { randint = [1.5, 3] }", "whole numbers"),
    ("x = { loguniform = [0, 1] }", "0 < lo"),
    ("x = { range = [3, 1], step = 1 }", "lo must not exceed hi"),
    ("x = { choice = [] }", "non-empty"),
    ("x = { choice = [1], range = [1, 2] }", "exactly one"),
    ("x = { derived = \"y + 1\" }\ny = 2", "unknown name 'y'"),
    ("sqrt = 2", "reserved"),
    ("answer = 2", "reserved"),
    ("x = { range = [0, 1], step = 0 }", "step must be > 0"),
    ("x = { range = [0, 1], sigfigs = 40 }", "sigfigs"),
    ("x = { derived = \"9**9**9\" }", "power too large"),  # a constant part is computed at load
    ("x = { derived = \"2 * 'a'\" }", "text in quotes cannot be used with '*'"),
])
def test_bad_params(params, words):
    bank = one(params)
    if words is None:  # accepted at load time, refused when drawn
        assert "t.one" in bank.items
        return
    assert bank.items == {}
    assert any(words in p.message for p in bank.problems), bank.problems
    assert all(p.field.startswith("params.") for p in bank.errors)


@pytest.mark.parametrize("prompt, words", [
    ("value {a.b}", "plain names"),
    ("value {a[0]}", "plain names"),
    ("value {x!r}", "conversions"),
    ("value {x:{y}}", "nested"),
    ("value {}", "empty placeholder"),
    ("value {x", "literal braces"),
    ("value {nope}", "names no parameter"),
])
def test_bad_placeholders(prompt, words):
    bank = one("x = 1", prompt=prompt)
    assert bank.items == {}
    assert any(words in p.message and p.field == "prompt" for p in bank.problems), bank.problems


def test_literal_braces_and_specs_are_fine():
    bank = one("x = 0.5", prompt="set {{x}} to {x:.2f}")
    assert bank.problems == []
    assert bank.instance("t.one", 0).prompt == "set {x} to 0.50"


def test_answer_table_errors():
    bank = load_text('''
topic = "t"
[[item]]
id = "t.a"
category = "choice"
prompt = "q"
explanation = "x"
answer = { kind = "select_all", choices = ["a", "b"] }

[[item]]
id = "t.b"
category = "choice"
prompt = "q"
explanation = "x"
answer = { kind = "choice", choices = ["a", "A"], correct = 1 }

[[item]]
id = "t.c"
category = "calculation"
prompt = "q"
explanation = "x"
answer = { kind = "numeric", value = 1, tolerance = { relative = 0.1, absolute = 1 } }

[[item]]
id = "t.d"
category = "calculation"
prompt = "q"
explanation = "x"
answer = { kind = "numeric", value = 1, display = ".2q" }

[[item]]
id = "t.e"
category = "calculation"
prompt = "q"
answer = { kind = "numeric", value = 1 }
''')
    assert bank.items == {}
    msgs = {p.item_id: (p.field, p.message) for p in bank.errors}
    assert msgs["t.a"][0] == "answer.kind"
    assert msgs["t.b"][0] == "answer.choices[2]" and "repeats" in msgs["t.b"][1]
    assert msgs["t.c"][0] == "answer.tolerance"
    assert msgs["t.d"][0] == "answer.display"
    assert msgs["t.e"][0] == "explanation"


def test_item_may_override_topic():
    bank = load_text('''
topic = "a"
title = "Topic A"
[[item]]
id = "b.x"
topic = "b"
category = "concept"
prompt = "q"
explanation = "x"
answer = { kind = "true_false", value = true }
''')
    assert bank.items["b.x"].topic == "b"
    assert set(bank.topics) == {"a", "b"} and bank.topics["a"] == "Topic A"
