"""The core (optim, bank, progress) and the headless CLI never load Qt or matplotlib."""
import subprocess
import sys

import pytest

FORBIDDEN = ("PySide6", "shiboken6", "matplotlib")


@pytest.mark.parametrize("module", [
    "quizapp.optim", "quizapp.bank", "quizapp.progress", "quizapp.cli",
])
def test_core_does_not_import_gui_libraries(module):
    code = (f"import sys, {module}; "
            f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulled in: {out.stdout.strip()}"


def test_headless_commands_do_not_import_gui_libraries():
    code = ("import sys, io, contextlib\n"
            "from quizapp.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['simulate', '--surface', 'valley', '--optimizer', 'sgd', '--steps', '3'])\n"
            "    main(['surfaces', '--json'])\n"
            f"print(','.join(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
