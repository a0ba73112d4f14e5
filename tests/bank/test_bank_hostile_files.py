"""Issue 11, items 9-11: hostile or careless question files are refused at load, fast,
with a message naming the item and the field; no draw or check runs for long."""
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quizapp.bank import check_bank, load_text
from quizapp.bank import formulas as F
from quizapp.bank.render import MAX_PRECISION, MAX_WIDTH, TemplateError, check_spec, format_value
from quizapp.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _item(prompt="Value {a}.", display=None, params='a = { choice = [1.5, 2.5] }',
          constraints=None, value="a"):
    lines = ['topic = "t"', "[[item]]", 'id = "t.x"', 'category = "calculation"',
             f"prompt = {prompt!r}".replace("'", '"') if '"' not in prompt else f"prompt = '{prompt}'",
             'explanation = "Because."']
    if constraints:
        lines.append("constraints = [" + ", ".join(f"'{c}'" for c in constraints) + "]")
    lines += ["[item.params]", params, "[item.answer]", 'kind = "numeric"', f'value = "{value}"']
    if display is not None:
        lines.append(f'display = "{display}"')
    return "\n".join(lines) + "\n"


def _run(*args, limit_bytes=None, timeout=60):
    def limit():
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    # one BLAS thread: a many-core CI machine must not reserve per-core buffers under the cap
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "quizapp", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limit, env=env)


# ------------------------------------------------------------------ item 9: format specs


@pytest.mark.parametrize("spec, words", [(".999999999f", "precision"), (">999999999999", "width"),
                                         (">100000000", "width"), ("," * 30, "characters")])
def test_huge_format_specs_are_refused_without_formatting(spec, words):
    with pytest.raises(TemplateError, match=words):
        check_spec(spec)
    t0 = time.perf_counter()
    with pytest.raises(TemplateError):
        format_value(2.0, spec)
    assert time.perf_counter() - t0 < 0.5


def test_reasonable_specs_still_work():
    assert format_value(0.884, ".1%") == "88.4%"
    assert format_value(3.0, "d") == "3"
    assert format_value(1234.5, f">{MAX_WIDTH},.{MAX_PRECISION - 28}f") .strip() == "1,234.50"
    assert format_value("adam", ">6") == "  adam"


@pytest.mark.parametrize("text, field, words", [
    (_item(display=".999999999f"), "answer.display", "precision .999999999 is too large"),
    (_item(prompt="Value {a:>999999999999}."), "prompt", "width 999999999999 is too large"),
    (_item(prompt="Value {a:>100000000}."), "prompt", "width 100000000 is too large"),
])
def test_huge_specs_are_refused_at_load_naming_item_and_field(text, field, words):
    bank = load_text(text, "hostile.toml")
    assert not bank.items
    [problem] = bank.errors
    assert problem.item_id == "t.x" and problem.field == field and words in problem.message


def test_many_placeholders_that_could_render_megabytes_are_refused():
    prompt = "{a:>100}" * 1000
    bank = load_text(_item(prompt=prompt), "many.toml")
    assert not bank.items and "could render up to" in bank.errors[0].message


@pytest.mark.parametrize("text", [_item(display=".999999999f"), _item(prompt="Value {a:>999999999999}."),
                                  _item(prompt="Value {a:>100000000}.")])
def test_check_and_show_refuse_hostile_specs_quickly_in_little_memory(tmp_path, text):
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    for args in (("bank", "check", "--bank", str(path)), ("bank", "show", "t.x", "--bank", str(path))):
        proc = _run(*args, limit_bytes=2048 * 1024 * 1024)
        assert proc.returncode in (1, 2), proc.stderr
        out = proc.stdout + proc.stderr
        assert "Traceback" not in out and "MemoryError" not in out
        assert "t.x" in out
    assert time.perf_counter() - t0 < 30


# ------------------------------------------------------------------ item 10: draw and check budgets

@pytest.fixture
def roomy_clock(monkeypatch):
    """Step-budget tests must not trip the wall-time budget on a busy machine."""
    monkeypatch.setattr(F, "DRAW_SECONDS", 600.0)
    monkeypatch.setattr(F, "CHECK_SECONDS", 600.0)


NEVER = "simulate_loss(\"rosenbrock\", \"sgd\", lr, 5000, -1, 1) < -1"


def test_never_true_slow_constraint_stops_on_the_draw_step_budget(roomy_clock):
    bank = load_text(_item(prompt="Rate {lr}.", params="lr = { range = [0.0001, 0.001] }", constraints=[NEVER], value="lr"))
    item = bank.items["t.x"]
    t0 = time.perf_counter()
    with pytest.raises(Exception) as info:
        bank.instance("t.x", 0)
    assert time.perf_counter() - t0 < 30
    message = str(info.value)
    assert "one attempt ran out of its step budget" in message and f"{F.DRAW_STEPS:,}" in message
    assert item.constraints


def test_check_of_a_never_true_slow_constraint_stops_after_three_spent_draws(roomy_clock):
    bank = load_text(_item(prompt="Rate {lr}.", params="lr = { range = [0.0001, 0.001] }", constraints=[NEVER], value="lr"))
    t0 = time.perf_counter()
    problems = check_bank(bank)
    assert time.perf_counter() - t0 < 30
    messages = [p.message for p in problems]
    assert any("the check stopped after 3 of 56 draws" in m and "ran out of their budget" in m
               for m in messages), messages


HEAVY = ('quadratic_run(\\"sgd\\", 1, 2, 0.01, 5000) + quadratic_run(\\"sgd\\", 1, 2, 0.02, 5000) + '
         'quadratic_run(\\"sgd\\", 1, 2, 0.03, 5000) + quadratic_run(\\"sgd\\", 1, 2, {lr}, 5000)')


def test_an_item_whose_every_draw_is_heavy_stops_on_the_item_check_budget(roomy_clock):
    # each draw succeeds with 40,000 steps (within one attempt's 50,000), but 56 draws
    # would need 2.2 million: the item's check budget ends the check
    params = ("lr = { range = [0.01, 0.05] }\n"
              f'h1 = {{ derived = "{HEAVY.format(lr="lr")}" }}\n'
              f'h2 = {{ derived = "{HEAVY.format(lr="lr / 2")}" }}')
    bank = load_text(_item(prompt="Rate {lr}.", params=params, value="h1 + h2"))
    assert bank.items, bank.problems
    assert bank.instance("t.x", 0)
    problems = check_bank(bank)
    [stop] = [p for p in problems if "the check stopped" in p.message]
    assert "checking this item ran out of its step budget" in stop.message
    assert f"{F.check_budget(56).steps:,} engine steps" in stop.message


def test_a_whole_check_run_has_a_budget_and_says_what_was_not_checked(monkeypatch, roomy_clock):
    monkeypatch.setattr(F, "RUN_STEPS", 100_000)
    text = "".join(_item(prompt="Rate {lr}.", params="lr = { range = [0.0001, 0.001] }",
                         constraints=[NEVER], value="lr").replace('"t.x"', f'"t.x{i}"')
                   .replace('topic = "t"\n', "" if i else 'topic = "t"\n') for i in range(5))
    bank = load_text(text)
    assert len(bank.items) == 5, bank.problems
    problems = check_bank(bank, quality=False)  # the budget report is the last line
    last = problems[-1].message
    assert "the check run ran out of its step budget" in last and "items were not checked" in last


def test_many_heavy_derived_parameters_share_one_draw_budget(roomy_clock):
    params = "\n".join(f'd{i} = {{ derived = "quadratic_run(\\"sgd\\", 1, 2, 0.01, 5000) + '
                       f'quadratic_run(\\"sgd\\", 1, 2, 0.02, 5000) + quadratic_run(\\"sgd\\", 1, 2, 0.03, 5000) + '
                       f'quadratic_run(\\"sgd\\", 1, 2, 0.04, 5000)" }}' for i in range(49))
    bank = load_text(_item(prompt="Go.", params=params, value="d0"))
    assert bank.items, bank.problems
    t0 = time.perf_counter()
    with pytest.raises(Exception, match="one attempt ran out of its step budget"):
        bank.instance("t.x", 0)
    assert time.perf_counter() - t0 < 5


def test_the_draw_time_budget_is_reported_as_time(monkeypatch):
    monkeypatch.setattr(F, "DRAW_SECONDS", 0.0)
    bank = load_text(_item(prompt="Rate {lr}.", params="lr = { range = [0.0001, 0.001] }", constraints=[NEVER], value="lr"))
    with pytest.raises(Exception, match="one attempt ran out of its time budget"):
        bank.instance("t.x", 0)


def test_budget_defaults_are_read_when_a_budget_is_made(monkeypatch):
    # a Budget reads the limits when it is made (the time test above relies on it)
    monkeypatch.setattr(F, "DRAW_STEPS", 10)
    assert F.Budget().steps == 10


def test_the_shipped_bank_fits_its_budgets_with_room_to_spare():
    from quizapp.bank import load_bank
    from quizapp.bank.check import seeds_for
    from quizapp.bank.sampling import instantiate

    for item in load_bank().items.values():
        budget = F.check_budget(len(seeds_for(item)))
        for seed in seeds_for(item):
            before = budget.used
            instantiate(item, seed, budget)
            assert budget.used - before <= F.DRAW_STEPS // 5, item.id
        assert budget.used <= budget.steps // 3, item.id


def test_show_of_a_slow_item_ends_quickly_with_a_message(tmp_path, capsys, roomy_clock):
    path = tmp_path / "slow.toml"
    path.write_text(_item(prompt="Rate {lr}.", params="lr = { range = [0.0001, 0.001] }", constraints=[NEVER], value="lr"))
    t0 = time.perf_counter()
    assert main(["bank", "show", "t.x", "--bank", str(path)]) == 2
    assert time.perf_counter() - t0 < 10
    assert "step budget" in capsys.readouterr().err


# ------------------------------------------------------------------ item 11: messages and edge cases


def test_messages_do_not_repeat_a_long_formula():
    long = " + ".join(["a"] * 40) + " + zz"  # an unknown name at the end of a long formula
    bank = load_text(_item(value=long))
    [problem] = bank.errors
    assert "unknown name 'zz'" in problem.message
    assert long not in problem.message and "\u2026" in problem.message
    assert len(problem.message) < 300


def test_a_never_met_constraint_list_is_not_repeated_in_full(roomy_clock):
    constraints = [" + ".join(["a"] * 60) + f" < {-i}" for i in range(8)]
    bank = load_text(_item(constraints=constraints))
    assert bank.items, bank.problems
    with pytest.raises(Exception) as info:
        bank.instance("t.x", 0)
    assert "no draw out of 1000" in str(info.value) and len(str(info.value)) < 600


def test_a_symlink_to_dev_zero_is_not_a_regular_file(tmp_path, capsys):
    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    code = main(["bank", "check", "--bank", str(link)])
    out = capsys.readouterr().out
    assert code == 1 and "not a regular file (a device)" in out and "no such file" not in out
    folder = tmp_path
    code = main(["bank", "check", "--bank", str(folder)])
    out = capsys.readouterr().out
    assert code == 1 and "zero.toml" in out and "not a regular file (a device)" in out


def test_a_fifo_toml_is_reported_and_never_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe.toml")
    proc = _run("bank", "check", "--bank", str(tmp_path), timeout=60)
    assert proc.returncode == 1
    assert "pipe.toml" in proc.stdout and "not a regular file (a FIFO (named pipe))" in proc.stdout
    assert "holds no .toml files" not in proc.stdout
    proc = _run("bank", "check", "--bank", str(tmp_path / "pipe.toml"), timeout=60)
    assert proc.returncode == 1 and "FIFO" in proc.stdout


def test_sub_folders_are_reported_one_line_each(tmp_path, data):
    (tmp_path / "more").mkdir()
    (tmp_path / "extra").mkdir()
    (tmp_path / "sample.toml").write_text((data / "sample.toml").read_text(encoding="utf-8"))
    from quizapp.bank import load_bank

    (tmp_path / "gone.toml").symlink_to(tmp_path / "missing.toml")
    bank = load_bank(tmp_path)
    subs = [p for p in bank.problems if "sub-folder" in p.message]
    assert sorted(Path(p.file).name for p in subs) == ["extra", "more"]
    assert all(p.severity == "warning" for p in subs) and bank.items
    [gone] = [p for p in bank.problems if Path(p.file).name == "gone.toml"]
    assert gone.severity == "warning" and "target is missing" in gone.message


def test_the_parameters_line_prints_rounded_numbers(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(_item(prompt="Half of {a} is {h}.",
                          params='a = 0.125\nh = { derived = "a / 2 + 1e-17 * 6" }\nr = { derived = "0.1 + 0.2" }',
                          value="h"))
    assert main(["bank", "show", "t.x", "--bank", str(path)]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Parameters:")][0]
    assert line == "Parameters: a = 0.125, h = 0.0625, r = 0.3"


def test_a_literal_answer_in_a_text_parameter_is_not_a_leftover_placeholder():
    bank = load_text(_item(prompt="The template shows {word} as written.", params='word = "{answer}"',
                           value="2"))
    assert bank.items, bank.problems
    assert bank.instance("t.x", 0).prompt == "The template shows {answer} as written."
    assert check_bank(bank) == []
    # braces written in the template itself are still caught
    bank = load_text(_item(prompt="Oops {{word}} and {word}.", params='word = "w"', value="2"))
    assert [p.field for p in check_bank(bank)] == ["prompt"]


@pytest.mark.parametrize("typed", ["\u0660.\u0660\u0662", "\uff10.\uff10\uff12", "0.0\u0662"])
def test_non_ascii_digits_are_refused_with_a_clear_message(typed):
    bank = load_text(_item(prompt="Type {a}.", params="a = 0.02", value="a"))
    grade = bank.grade(bank.instance("t.x", 0), typed)
    assert grade.correct is None and "digits 0\u20139" in grade.message
    assert bank.grade(bank.instance("t.x", 0), "0.02").correct is True


# ------------------------------------------------------------------ item 13: percent answers, grade exit codes


def test_percent_display_accepts_a_typed_percent(tmp_path, capsys):
    bank = load_text(_item(prompt="Share {a}?", params="a = 0.884", value="a", display=".1%"))
    inst = bank.instance("t.x", 0)
    assert inst.answer_display == "88.4%"
    for typed, right in [("88.4%", True), ("88.4 %", True), ("0.884", True), ("70%", False)]:
        assert bank.grade(inst, typed).correct is right, typed
    assert check_bank(bank, quality=False) == []  # (the prompt shows the answer: fine here)
    # without a percent display, a percent sign is still refused with a message
    plain = load_text(_item(prompt="Share {a}?", params="a = 0.884", value="a"))
    assert plain.grade(plain.instance("t.x", 0), "88.4%").correct is None


def test_bank_grade_exit_status_says_right_wrong_or_unreadable(tmp_path, capsys):
    path = tmp_path / "g.toml"
    path.write_text(_item(prompt="Type {a}.", params="a = 0.5", value="a"))
    base = ["bank", "grade", "t.x", "--seed", "0", "--bank", str(path), "--answer"]
    assert main(base + ["0.5"]) == 0
    assert main(base + ["7"]) == 1
    assert main(base + ["lots"]) == 3
    assert main(["bank", "grade", "t.nope", "--seed", "0", "--bank", str(path), "--answer", "1"]) == 2
    proc = _run(*base, "7")
    assert proc.returncode == 1 and "Not quite" in proc.stdout


def test_a_flat_sum_of_49_terms_is_not_nested_but_brackets_are():
    flat = " + ".join("a" for _ in range(49))
    bank = load_text(_item(value=flat))
    assert bank.items, bank.problems
    assert bank.instance("t.x", 0).answer == pytest.approx(49 * bank.instance("t.x", 0).params["a"])
    nested = "a"
    for _ in range(F.MAX_DEPTH + 1):
        nested = f"(1 + {nested})"
    bank = load_text(_item(value=nested))
    assert not bank.items and "nested too deeply" in bank.errors[0].message


@pytest.mark.parametrize("formula, words", [
    ('\\"adam\\" * 3', "text in quotes cannot be used with '*'"),
    ('a + \\"x\\"', "text in quotes cannot be used with '+'"),
    ("a * 9**9**9", "power too large"),
    ("a + 1 / (2 - 2)", "division by zero"),
    ("a + sqrt(-1)", "cannot be computed"),
    ("a + round(2.5, 40)", "round(x, n)"),
])
def test_forbidden_formulas_are_rejected_at_load(formula, words):
    bank = load_text(_item(value=formula))
    assert not bank.items
    [problem] = bank.errors
    assert problem.field == "answer.value" and words in problem.message


def test_item_keys_after_the_params_line_get_a_hint():
    text = ('topic = "t"\n[[item]]\nid = "t.after"\ncategory = "calculation"\n'
            '[item.params]\na = 2\nprompt = "What is {a}?"\nexplanation = "It is {answer}."\n'
            '[item.answer]\nkind = "numeric"\nvalue = "a"\n')
    bank = load_text(text)
    by_field = {p.field: p.message for p in bank.errors}
    assert "written after the [item.params] line" in by_field["params.prompt"]
    assert "move the line above [item.params]" in by_field["params.explanation"]
    assert "under [item.params]" in by_field["prompt"]


# ------------------------------------------------------------------ properties

from hypothesis import given, settings, strategies as st  # noqa: E402

SPEC_CHARS = " <>=^+-z#0123456789,_.bcdeEfFgGnosxX%*"


@settings(max_examples=400, deadline=None)
@given(spec=st.text(alphabet=SPEC_CHARS, max_size=24),
       value=st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
                       st.integers(min_value=-(2**1000), max_value=2**1000), st.text(max_size=200)))
def test_any_spec_is_refused_or_formats_a_bounded_value(spec, value):
    try:
        check_spec(spec)
    except TemplateError:
        return
    try:
        text = format_value(value, spec)
    except TemplateError:
        return
    assert len(text) <= 500


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_typed_numbers_are_ascii_or_refused(text):
    from quizapp.bank.numeric import read_number

    for percent in (False, True):
        value, message = read_number(text, percent=percent)
        if any(ch.isdecimal() and not ch.isascii() for ch in text):
            assert value is None and "0\u20139" in message
        elif value is not None:
            assert message == "" and value == value


def test_a_terminal_session_asks_for_ascii_digits_then_takes_a_percent(tmp_path):
    """A real `practice --terminal` process reading stdin: Arabic-Indic digits are
    refused with the 0-9 message (not graded), then "88.4%" is right for a .1% display."""
    bank = tmp_path / "pct.toml"
    bank.write_text(_item(prompt="What share of 250 examples is {a} examples?", params="a = 221",
                          value="a / 250", display=".1%"), encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "quizapp", "practice", "--terminal", "--bank", str(bank),
                           "--db", str(tmp_path / "p.db"), "--count", "1", "--learner", "x"],
                          input="\u0668\u0668.\u0664%\n88.4%\n", cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Type the digits 0\u20139" in out
    assert "Correct: 88.4%" in out and "1 of 1 right" in out


def test_messages_list_at_most_a_dozen_parameter_names():
    params = "\n".join(f"p{i:02d}_{'x' * 30} = {i}" for i in range(40))
    bank = load_text(_item(prompt="Hi {nope}.", params=params, value="zz"))
    messages = [p.message for p in bank.errors]
    assert messages and all(len(m) < 700 for m in messages), [len(m) for m in messages]
    assert any("and 28 more" in m for m in messages)
