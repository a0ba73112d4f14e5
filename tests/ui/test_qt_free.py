"""The presets, the simulator's model, the notebook adapter, the page registry and the
launcher load neither Qt nor matplotlib (so the CLI and the core stay fast and headless)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["quizapp.presets", "quizapp.ui.simulator.model", "quizapp.ui.shared.notebook",
                                    "quizapp.ui.achievements.model", "quizapp.ui.learn.model",
                                    "quizapp.ui.pages", "quizapp.ui.launch", "quizapp.ui.progress.model",
                                    "quizapp.ui.practice.model"])
def test_module_is_qt_free(module):
    code = (f"import sys, {module}; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'shiboken6', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_none_outlasts_pyside_getters_that_return_it():
    """PySide6 takes a reference from None each time a getter returns an empty QVariant;
    a session of filtering and browsing used to abort the interpreter at exit."""
    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "import quizapp.ui\n"
        "from PySide6.QtWidgets import QApplication, QComboBox\n"
        "app = QApplication([])\n"
        "combo = QComboBox(); combo.addItem('All topics', None)\n"
        "for _ in range(200_000):\n"
        "    combo.itemData(0)\n"
        "print('done')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.strip() == "done"


def test_textmath_needs_no_progress_store():
    """The text-math helpers every page uses load neither the store nor sqlite-utils."""
    code = ("import sys, quizapp.textmath, quizapp.progress.textmath; "
            "print(sorted(m for m in sys.modules if m.startswith(('sqlite_utils', 'fsrs', "
            "'quizapp.progress.store'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
