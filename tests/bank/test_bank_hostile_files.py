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
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
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
        proc = _run(*args, limit_bytes=1500 * 1024 * 1024)
        assert proc.returncode in (1, 2), proc.stderr
        out = proc.stdout + proc.stderr
        assert "Traceback" not in out and "MemoryError" not in out
        assert "t.x" in out
    assert time.perf_counter() - t0 < 30


# ------------------------------------------------------------------ item 10: draw and check budgets

NEVER = "simulate_loss(\"rosenbrock\", \"sgd\", lr, 5000, -1, 1) < -1"


def test_never_true_slow_constraint_stops_on_the_draw_step_budget():
    bank = load_text(_item(prompt="Rate {lr}.", params="lr = { range = [0.0001, 0.001] }", constraints=[NEVER], value="lr"))
    item = bank.items["t.x"]
    t0 = time.perf_counter()
    with pytest.raises(Exception) as info:
        bank.instance("t.x", 0)
    assert time.perf_counter() - t0 < 10
    message = str(info.value)
    assert "one attempt ran out of its step budget" in message and f"{F.DRAW_STEPS:,}" in message
    assert item.constraints


def test_check_of_a_never_true_slow_constraint_stops_on_the_check_budget():
    bank = load_text(_item(prompt="Rate {lr}.", params="lr = { range = [0.0001, 0.001] }", constraints=[NEVER], value="lr"))
    t0 = time.perf_counter()
    problems = check_bank(bank)
    assert time.perf_counter() - t0 < 30
    messages = [p.message for p in problems]
    assert any("the check stopped after" in m and "step budget" in m for m in messages), messages


def test_many_heavy_derived_parameters_share_one_draw_budget():
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


def test_show_of_a_slow_item_ends_quickly_with_a_message(tmp_path, capsys):
    path = tmp_path / "slow.toml"
    path.write_text(_item(prompt="Rate {lr}.", params="lr = { range = [0.0001, 0.001] }", constraints=[NEVER], value="lr"))
    t0 = time.perf_counter()
    assert main(["bank", "show", "t.x", "--bank", str(path)]) == 2
    assert time.perf_counter() - t0 < 10
    assert "step budget" in capsys.readouterr().err
