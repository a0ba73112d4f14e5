"""Where the shipped question bank and assets live, in a checkout or an install."""
from __future__ import annotations

from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def _locate(name: str) -> Path:
    in_repo = _REPO / name
    if in_repo.is_dir() and (_REPO / "pyproject.toml").is_file():
        return in_repo
    # Installed: pyproject maps the top-level folders into the package.
    return Path(__file__).resolve().parent / name


def bank_dir() -> Path:
    """Folder holding the shipped TOML question files."""
    return _locate("question_bank")


def assets_dir() -> Path:
    """Folder holding icons, chapter text and presets."""
    return _locate("assets")
