"""`quizapp progress`, `quizapp learners` and `quizapp practice --terminal`, in process."""
from __future__ import annotations

import csv
import io
import json

import pytest
from progress_fakebank import MINI_BANK

from quizapp.cli import main
from quizapp.progress import Store


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    return str(tmp_path / "p.db")


def run(capsys, *argv, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def practice(capsys, monkeypatch, db, answers, *extra):
    return run(capsys, "practice", "--terminal", "--db", db, "--bank", str(MINI_BANK),
               "--seed", "1", *extra, stdin=answers, monkeypatch=monkeypatch)


def test_practice_session_over_a_pipe(capsys, monkeypatch, db):
    code, out, err = practice(capsys, monkeypatch, db, "1\n1\n1\n1\n1\n1\n", "--learner", "ann",
                              "--count", "6")
    assert code == 0, err
    assert "Practice for ann: 6 question(s)" in out
    assert "  1. True  2. False" in out                      # true/false on one line
    assert "Which symbol is the learning rate?" in out
    assert "  1. η" in out or "  2. η" in out or "  3. η" in out  # $\eta$ shown as η
    assert "$" not in out
    assert out.count("✓ ") + out.count("✗ ") == 6
    assert "Why: " in out
    assert "★ Achievement unlocked: First step downhill" in out
    assert "Session over:" in out and "Saved for ann" in out
    with Store.open(db) as store:
        ann = store.find_learner("ann")
        assert store.attempt_count(ann.id) == 6


def test_practice_answers_numbers_and_rereads_bad_input(capsys, monkeypatch, db):
    code, out, _ = practice(capsys, monkeypatch, db, "1,000\n0.5\n", "--category", "calculation",
                            "--count", "1", "--topic", "alpha")
    assert code == 0
    assert "commas" in out.lower() or "number" in out.lower()   # the bank's message for 1,000
    assert "✗ Not quite" in out and "Why: η g =" in out
    with Store.open(db) as store:
        hist = store.history(store.default_learner().id)
        assert [(h["item_id"], h["given"]) for h in hist] == [("alpha.step", "0.5")]


def test_end_of_input_keeps_every_answer(capsys, monkeypatch, db):
    code, out, _ = practice(capsys, monkeypatch, db, "1\n2\n", "--count", "5", "--learner", "bo")
    assert code == 0
    assert "(end of input: every answer given so far is saved)" in out
    with Store.open(db) as store:
        assert store.attempt_count(store.find_learner("bo").id) == 2


def test_ctrl_c_ends_cleanly_keeping_answers(capsys, monkeypatch, db):
    class Keyboard(io.StringIO):
        def __init__(self):
            super().__init__()
            self.lines = iter(["1\n", "1\n"])

        def readline(self, *a):
            try:
                return next(self.lines)
            except StopIteration:
                raise KeyboardInterrupt from None

    monkeypatch.setattr("sys.stdin", Keyboard())
    code = main(["practice", "--terminal", "--db", db, "--bank", str(MINI_BANK), "--count", "5"])
    out = capsys.readouterr().out
    assert code == 0 and "interrupted" in out and "Session over: " in out
    with Store.open(db) as store:
        assert store.attempt_count() == 2


def test_quit_command_and_exam_mode(capsys, monkeypatch, db):
    code, out, _ = practice(capsys, monkeypatch, db, "1\n1\n1\nq\n", "--mode", "exam", "--count", "5")
    assert code == 0
    assert out.count("Recorded.") == 3 and "✓ Correct" not in out and "Why:" not in out
    assert "you gave 1, answer" in out


def test_practice_without_terminal_opens_the_desktop_page_or_says_why(db):
    """Without --terminal, `practice` opens the desktop Practice page; with no display it
    prints one line pointing to --terminal (and never aborts)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-m", "quizapp", "practice", "--db", db, "--topic", "adam"],
                         env=env, capture_output=True, text=True, timeout=60, cwd=root)
    assert out.returncode == 1
    lines = (out.stdout + out.stderr).strip().splitlines()
    assert len(lines) == 1 and "quizapp practice --terminal" in lines[0]


@pytest.mark.parametrize("argv, message", [
    (["--count", "0"], "--count must be at least 1"),
    (["--topic", "nope"], "unknown topic 'nope'"),
    (["--bank", "/no/such/bank.toml"], "bank"),
])
def test_practice_bad_arguments(capsys, monkeypatch, db, argv, message):
    args = ["practice", "--terminal", "--db", db] + (["--bank", str(MINI_BANK)] if "--bank" not in argv else []) + argv
    code, _, err = run(capsys, *args, stdin="", monkeypatch=monkeypatch)
    assert code == 2 and message in err


def test_learners_add_list_and_json(capsys, db):
    assert run(capsys, "learners", "--db", db, "--add", "Ann")[0] == 0
    code, _, err = run(capsys, "learners", "--db", db, "--add", "ann")
    assert code == 2 and "already exists" in err
    code, out, _ = run(capsys, "learners", "--db", db)
    assert code == 0 and "Ann" in out
    code, out, _ = run(capsys, "learners", "--db", db, "--json")
    assert [r["name"] for r in json.loads(out)] == ["Ann"]


def test_learners_streak_rename_delete(capsys, db):
    run(capsys, "learners", "--db", db, "--add", "ann")
    code, out, _ = run(capsys, "learners", "--db", db, "--streak", "on", "--learner", "ann",
                       "--streak-answers", "3", "--streak-days", "2")
    assert code == 0 and "a study day is 3+ answers" in out
    assert run(capsys, "learners", "--db", db, "--rename", "ann", "Anna")[0] == 0
    code, _, err = run(capsys, "learners", "--db", db, "--delete", "Anna")
    assert code == 2 and "--yes" in err
    assert run(capsys, "learners", "--db", db, "--delete", "Anna", "--yes")[0] == 0
    assert json.loads(run(capsys, "learners", "--db", db, "--json")[1]) == []


def test_progress_json_csv_and_text(capsys, monkeypatch, db):
    practice(capsys, monkeypatch, db, "1\n1\n1\n", "--learner", "ann", "--count", "3")
    code, out, _ = run(capsys, "progress", "--db", db, "--learner", "ann", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["learner"] == "ann" and data["attempts"] == 3
    assert 0 <= data["correct"] <= 3
    assert set(data["topics"]) >= {"alpha", "beta"}
    assert any(a["id"] == "first-correct" for a in data["achievements"])
    code, out, _ = run(capsys, "progress", "--db", db, "--learner", "ann", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["topic"] for r in rows} >= {"alpha", "beta"}
    assert sum(int(r["attempts"]) for r in rows) == 3
    code, out, _ = run(capsys, "progress", "--db", db, "--learner", "ann")
    assert "Learner: ann" in out and "Achievements:" in out and "Answered 3" in out
    code, out, _ = run(capsys, "progress", "--db", db, "--learner", "ann", "--history", "--json")
    assert len(json.loads(out)) == 3


def test_progress_unknown_learner(capsys, db):
    run(capsys, "learners", "--db", db, "--add", "ann")
    code, _, err = run(capsys, "progress", "--db", db, "--learner", "zed")
    assert code == 2 and "no learner named 'zed'" in err and "ann" in err
    code, _, err = run(capsys, "progress", "--db", db, "--learner", "z" * 10_000)
    assert code == 2 and len(err) < 400 and "z" * 60 + "…" in err


def test_db_option_everywhere_and_the_sub_command_wins(capsys, tmp_path, monkeypatch):
    top, sub, env = (str(tmp_path / n) for n in ("top.db", "sub.db", "env.db"))
    run(capsys, "--db", top, "learners", "--db", sub, "--add", "x")
    run(capsys, "--db", top, "learners", "--add", "y")
    monkeypatch.setenv("QUIZAPP_DB", env)
    run(capsys, "learners", "--add", "z")
    for path, name in ((sub, "x"), (top, "y"), (env, "z")):
        with Store.open(path) as store:
            assert [l.name for l in store.learners()] == [name]


def test_a_refused_file_is_one_clear_line(capsys, tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("hello")
    code, _, err = run(capsys, "progress", "--db", str(bad))
    assert code == 2
    assert err.startswith("quizapp progress: error: ") and "not an SQLite database" in err
    assert err.count("\n") == 1
    assert bad.read_text() == "hello"
