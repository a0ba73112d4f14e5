"""The presets, the simulator's model, the notebook adapter, the page registry and the
launcher load neither Qt nor matplotlib (so the CLI and the core stay fast and headless)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["quizapp.presets", "quizapp.ui.simulator.model", "quizapp.ui.shared.notebook",
                                    "quizapp.ui.pages", "quizapp.ui.launch", "quizapp.ui.progress.model",
                                    "quizapp.ui.practice.model"])
def test_module_is_qt_free(module):
    code = (f"import sys, {module}; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'shiboken6', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_textmath_needs_no_progress_store():
    """The text-math helpers every page uses load neither the store nor sqlite-utils."""
    code = ("import sys, quizapp.textmath, quizapp.progress.textmath; "
            "print(sorted(m for m in sys.modules if m.startswith(('sqlite_utils', 'fsrs', "
            "'quizapp.progress.store'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
