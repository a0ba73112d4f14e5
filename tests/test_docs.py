"""The README tells the truth: its test command is what CI runs, and every command is documented."""
import re
from pathlib import Path

from quizapp.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _setup_commands():
    block = re.search(r"<!-- setup -->\s*```(?:bash|sh)?\n(.*?)```", README, re.S)
    assert block, "README needs a fenced set-up block after <!-- setup -->"
    lines = [ln.strip() for ln in block.group(1).splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return lines


def test_readme_has_two_setup_commands():
    lines = _setup_commands()
    assert len(lines) == 2, lines
    assert lines[0].endswith("quizapp"), "the first command installs and starts the app"
    assert "pytest" in lines[1], "the second command installs and runs the tests"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _setup_commands()[1] in ci


def test_every_subcommand_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in sub.choices:
        assert f"quizapp {name}" in README, f"`quizapp {name}` is not in README.md"
