"""Every complete TOML example in docs/authoring.md loads and passes `bank check`."""
import re
from pathlib import Path

import pytest

from quizapp.bank import check_bank, load_text
from quizapp.bank.helpers import ENGINE_HELPERS
from quizapp.bank.formulas import MATH_FUNCTIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "authoring.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = [b for b in re.findall(r"```toml\n(.*?)```", TEXT, re.S) if "[[item]]" in b]


def test_doc_has_examples_of_every_answer_kind():
    kinds = set(re.findall(r'^kind = "(\w+)"', "\n".join(BLOCKS), re.M))
    assert {"numeric", "choice", "true_false", "computed_choice"} <= kinds


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example{i}" for i in range(len(BLOCKS))])
def test_doc_example_is_valid(block):
    text = block if re.search(r"^topic = ", block, re.M) else 'topic = "doc"\n' + block
    bank = load_text(text, "authoring.md")
    assert bank.items, bank.problems
    problems = [str(p) for p in check_bank(bank)]
    assert problems == []


def test_every_function_is_documented():
    for name in [*ENGINE_HELPERS, *MATH_FUNCTIONS]:
        assert f"`{name}(" in TEXT, f"{name} is not documented in docs/authoring.md"


def test_the_first_examples_commands_do_what_the_doc_says(tmp_path, capsys, monkeypatch):
    """Section 1: save the first file, run its three commands; the grade of the answer the
    doc types is right (exit 0), the check is clean."""
    import shlex

    from quizapp.cli import main

    (tmp_path / "my_questions.toml").write_text(BLOCKS[0], encoding="utf-8")
    commands = re.search(r"Then run:\n\n```bash\n(.*?)```", TEXT, re.S).group(1)
    lines = [line.split("#")[0].strip() for line in commands.splitlines() if line.strip()]
    assert [shlex.split(line)[:3] for line in lines] == [["quizapp", "bank", "check"],
                                                         ["quizapp", "bank", "show"],
                                                         ["quizapp", "bank", "grade"]]
    monkeypatch.chdir(tmp_path)
    for line in lines:
        assert main(shlex.split(line)[1:]) == 0, line
    out = capsys.readouterr().out
    assert "Correct: 8" in out


def test_the_limits_table_states_the_tools_limits():
    from quizapp.bank import formulas as F
    from quizapp.bank import render as R

    limits = TEXT[TEXT.index("## 12. Limits"):]
    for number in (F.DRAW_STEPS, F.CHECK_STEPS, F.CHECK_STEPS_PER_DRAW, F.RUN_STEPS, F.MAX_NODES, F.MAX_DEPTH,
                   R.MAX_WIDTH, R.MAX_PRECISION, R.MAX_FIELD, R.MAX_RENDERED):
        assert f"{number:,}" in limits, number
    assert f"{F.DRAW_SECONDS:g} seconds" in limits and f"{F.CHECK_SECONDS:g} seconds" in limits
    assert f"{F.RUN_SECONDS:g} seconds" in limits and f"after {F.CHECK_BUDGET_STRIKES}" in limits


def test_the_stated_warmup_cosine_formula_is_what_the_helper_computes():
    import math

    from quizapp.bank.formulas import evaluate_text

    assert "min(t − W, T − W)" in TEXT
    lr, W, T, eta = 0.1, 10, 50, 0.001
    for t in (0, 3, 10, 25, 50, 80):
        if t < W:
            stated = lr * t / W
        else:
            stated = eta + (lr - eta) * (1 + math.cos(math.pi * min(t - W, T - W) / (T - W))) / 2
        got = evaluate_text(f"warmup_cosine_lr({lr}, {t}, {W}, {T}, eta_min={eta})")
        assert math.isclose(got, stated, rel_tol=1e-12, abs_tol=1e-15), t


def test_percent_answers_literal_dollars_and_exit_codes_are_documented():
    assert "`88.4%`" in TEXT and "digits 0–9" in TEXT
    assert "`\\$`" in TEXT
    assert "**Exit status**" in TEXT and "the answer is wrong" in TEXT
    assert "written after the\n  [item.params] line" in TEXT or "written after the [item.params] line" in TEXT
    assert "what a round trip loses" in TEXT
