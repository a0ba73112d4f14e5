"""`pip install .` ships every package, the shipped bank and the assets."""
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "quizapp").rglob("__init__.py")}
    assert found <= listed, f"not listed in pyproject packages: {sorted(found - listed)}"
    mapped = config["tool"]["setuptools"]["package-dir"]
    assert mapped == {"quizapp.question_bank": "question_bank", "quizapp.assets": "assets"}


def test_resources_point_at_the_shipped_folders():
    from quizapp.resources import assets_dir, bank_dir

    assert any(bank_dir().glob("*.toml"))
    assert (assets_dir() / "learn" / "chapter.toml").is_file()
