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
