"""The real `quizapp` window on an Xvfb display, driven by keyboard shortcuts via xdotool.

Starts its own Xvfb on a free display number, launches ``python -m quizapp`` with a
private database, HOME and config folder, finds the window with ``xdotool search``,
goes to the simulator (Ctrl+2), loads a preset (Alt+1), plays it (Space), checks that
the race reached the lab notebook (the ``runs`` table), takes a screenshot, then goes to
Practice (Ctrl+3), starts a session (Enter), answers one question (1, Enter), checks the
attempt reached the ``attempts`` table, and quits with Ctrl+Q. Skipped when Xvfb or
xdotool is missing, except under CI (CI=true), where that is a failure.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xvfb


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{tool} is not installed (CI must run the Xvfb test; see .ci/run)")
        pytest.skip(f"{tool} is not installed")
    return path


def _free_display() -> int:
    for n in range(99, 400):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    pytest.fail("no free X display number")


def _wait(predicate, timeout: float, what: str, poll: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _runs(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT optimizer, grp, diverged FROM runs ORDER BY id").fetchall()
        finally:
            con.close()
    except sqlite3.Error:  # not created or locked yet
        return []


def _rows(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    except sqlite3.Error:  # not created or locked yet
        return []


def _screenshot(display: str, target: Path) -> Path:
    from PIL import ImageGrab, features

    if features.check("xcb"):
        image = ImageGrab.grab(xdisplay=display)
        image.save(target)
        return target
    xwd = _require("xwd")  # from x11-apps; .ci/run installs it
    raw = target.with_suffix(".xwd")
    with raw.open("wb") as out:
        subprocess.run([xwd, "-root", "-silent", "-display", display], stdout=out, check=True, timeout=30)
    return raw


@pytest.fixture
def xvfb():
    xvfb = _require("Xvfb")
    _require("xdotool")
    n = _free_display()
    proc = subprocess.Popen([xvfb, f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(lambda: os.path.exists(f"/tmp/.X11-unix/X{n}") or proc.poll() is not None, 15, "Xvfb")
        if proc.poll() is not None:
            pytest.fail(f"Xvfb exited: {proc.stderr.read().decode(errors='replace')[-500:]}")
        yield f":{n}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_real_window_plays_a_preset_and_records_it(xvfb, tmp_path):
    db = tmp_path / "progress.db"
    home = tmp_path / "home"
    config = tmp_path / "config"
    for folder in (home, config, tmp_path / "data", tmp_path / "runtime"):
        folder.mkdir()
    (tmp_path / "runtime").chmod(0o700)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=xvfb, QUIZAPP_DB=str(db), HOME=str(home), XDG_CONFIG_HOME=str(config),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_RUNTIME_DIR=str(tmp_path / "runtime"),
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    log = (tmp_path / "app.log").open("w")
    app = subprocess.Popen([sys.executable, "-m", "quizapp"], env=env, cwd=ROOT,
                           stdout=log, stderr=subprocess.STDOUT)

    def xdotool(*args, timeout=60) -> str:
        out = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True,
                             timeout=timeout)
        return out.stdout.strip()

    try:
        found = xdotool("search", "--sync", "--onlyvisible", "--name", "quizapp", timeout=90)
        assert found, (tmp_path / "app.log").read_text()
        window = found.splitlines()[0]
        assert "quizapp" in xdotool("getwindowname", window)
        xdotool("windowfocus", "--sync", window)
        time.sleep(0.5)
        xdotool("key", "--delay", "150", "ctrl+2")
        _wait(lambda: "Simulator" in xdotool("getwindowname", window), 20, "the simulator page")
        xdotool("key", "--delay", "300", "alt+1", "space")
        rows = _wait(lambda: _runs(db) if len(_runs(db)) >= 3 else None, 30,
                     "the race in the notebook database")
        assert [r[0] for r in rows] == ["sgd", "momentum", "adam"]  # the valley race
        assert len({r[1] for r in rows}) == 1 and rows[0][1]  # one group for the race
        time.sleep(3.5)  # let the animation reach the end (80 steps at 30 per second)
        shot = _screenshot(xvfb, tmp_path / "xvfb-simulator.png")
        assert shot.stat().st_size > 10_000
        if shot.suffix == ".png":
            from PIL import Image

            with Image.open(shot) as image:
                assert image.size == (1280, 800)
                colors = image.convert("RGB").getcolors(maxcolors=1_000_000)
                assert colors is None or len(colors) > 50  # a drawn window, not a blank screen
        # Practice (Ctrl+3): Enter starts a session once the bank has loaded, then "1"
        # answers (choice 1, or the number 1 typed into a number field) and Enter submits
        xdotool("key", "--delay", "150", "ctrl+3")
        _wait(lambda: "Practice" in xdotool("getwindowname", window), 20, "the practice page")

        def started():
            xdotool("key", "Return")
            return _rows(db, "SELECT id FROM sessions")

        _wait(started, 30, "a practice session to start", poll=0.5)
        time.sleep(0.3)
        xdotool("key", "--delay", "200", "1", "Return")
        answers = _wait(lambda: _rows(db, "SELECT item_id, given, session_id FROM attempts"), 20,
                        "the answer in the attempts table")
        assert len(answers) == 1 and answers[0][1] == "1" and answers[0][2]
        xdotool("key", "ctrl+q")
        assert app.wait(timeout=20) == 0, (tmp_path / "app.log").read_text()
        ini = config / "quizapp" / "quizapp.ini"
        assert ini.is_file() and "adam" in ini.read_text()  # settings went to the temp folder
    finally:
        if app.poll() is None:
            app.terminate()
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
        log.close()
