"""`quizapp` without a usable display prints one clear line and exits non-zero (no Qt abort)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.ui.launch import display_problem, x_display_reachable

ROOT = Path(__file__).resolve().parents[2]


def _free_display() -> int:
    for n in range(150, 400):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    pytest.skip("no free display number")


def test_no_display_variables():
    problem = display_problem({}, "linux")
    assert "DISPLAY" in problem and "WAYLAND_DISPLAY" in problem


def test_a_chosen_platform_is_trusted():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None and display_problem({}, "darwin") is None


def test_display_pointing_to_no_server():
    n = _free_display()
    problem = display_problem({"DISPLAY": f":{n}"}, "linux")
    assert problem and f":{n}" in problem and "no X server" in problem
    assert display_problem({"DISPLAY": "garbage"}, "linux")
    assert display_problem({"WAYLAND_DISPLAY": "wayland-77", "XDG_RUNTIME_DIR": "/nonexistent"}, "linux")


def test_a_listening_tcp_display_is_reachable():
    server = socket.socket()
    try:
        for n in range(60, 90):
            try:
                server.bind(("127.0.0.1", 6000 + n))
                break
            except OSError:
                continue
        else:
            pytest.skip("no free port")
        server.listen(1)
        assert x_display_reachable(f"127.0.0.1:{n}") == (True, "")
    finally:
        server.close()


def _run_app(env_changes: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(env_changes)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "quizapp"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


@pytest.mark.parametrize("case", ["unset", "dead-display"])
def test_launch_without_a_display_prints_one_line(case, tmp_path):
    changes = {"QUIZAPP_DB": str(tmp_path / "p.db")}
    if case == "dead-display":
        changes["DISPLAY"] = f":{_free_display()}"
    out = _run_app(changes)
    assert out.returncode == 1, out
    lines = (out.stdout + out.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("quizapp: ") and "quizapp practice --terminal" in lines[0]
    assert not (tmp_path / "p.db").exists()  # nothing was opened or created
