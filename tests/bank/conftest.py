from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture
def sample_bank():
    from quizapp.bank import load_bank

    bank = load_bank([DATA / "sample.toml"])
    assert bank.problems == []
    return bank


def line_of(path: Path, needle: str, after: str | None = None) -> int:
    """1-based line of the first line containing ``needle`` (after the line containing ``after``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


@pytest.fixture(name="line_of")
def _line_of_fixture():
    return line_of
