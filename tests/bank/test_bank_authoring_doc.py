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
