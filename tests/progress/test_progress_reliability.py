"""Learners never lose an answer: killed processes and two writers at once (real processes)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from progress_fakebank import MINI_BANK

from quizapp.progress import Store

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(120)


def _env() -> dict:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONPATH=str(ROOT))
    env.pop("QUIZAPP_DB", None)
    return env


def _practice(db: Path, learner: str, count: int = 6) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "quizapp", "practice", "--terminal", "--db", str(db),
         "--bank", str(MINI_BANK), "--count", str(count), "--seed", "1", "--learner", learner],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env=_env(), text=True, encoding="utf-8", bufsize=1)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
@pytest.mark.parametrize("k", [1, 4])
def test_sigkill_after_k_graded_answers_leaves_exactly_k(tmp_path, k):
    db = tmp_path / "p.db"
    proc = _practice(db, "kim")
    graded = 0
    seen = []
    try:
        proc.stdin.write("1\n")
        proc.stdin.flush()
        while graded < k:
            line = proc.stdout.readline()
            seen.append(line)
            assert line, "practice ended early:\n" + "".join(seen) + proc.stderr.read()
            if line.startswith(("✓ ", "✗ ")):
                graded += 1
                if graded < k:
                    proc.stdin.write("1\n")
                    proc.stdin.flush()
        os.kill(proc.pid, signal.SIGKILL)  # at once: the feedback line is the only signal
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except BrokenPipeError:
                pass
    assert proc.returncode == -signal.SIGKILL
    with Store.open(db) as store:
        assert store.attempt_count() == k
        assert store.attempt_count(store.find_learner("kim").id) == k


def test_two_practice_processes_at_once_lose_nothing(tmp_path):
    db = tmp_path / "shared.db"  # not there yet: the three processes race to create it
    procs = [_practice(db, "pat") for _ in range(2)] + [_practice(db, "sam")]
    outs = [p.communicate("1\n" * 6, timeout=90) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.count("✓ ") + out.count("✗ ") == 6
    with Store.open(db) as store:
        assert store.attempt_count(store.find_learner("pat").id) == 12
        assert store.attempt_count(store.find_learner("sam").id) == 6
        answers = store.db.execute("SELECT SUM(answers) FROM review").fetchone()[0]
        assert answers == 18


WRITER = textwrap.dedent("""
    import sys, time
    from quizapp.progress import Store
    path, start, n, tag = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    store = Store.open(path)
    learner = store.ensure_learner("shared")
    while time.time() < start:
        time.sleep(0.001)
    for i in range(n):
        store.record_attempt(learner.id, f"item.{i % 7}", correct=i % 3 != 0, given=tag,
                             seconds=1.0, topic="t", category="calculation", kind="numeric")
        if i % 10 == 0:
            store.record_run(learner.id, {"surface": "booth", "optimizer": "sgd", "seed": i},
                             {"final_loss": 0.5})
    store.close()
""")


def test_two_writers_hammering_one_file_lose_nothing(tmp_path):
    db = tmp_path / "hammer.db"
    Store.open(db).close()
    n = 120
    start = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(start), str(n), tag],
                              cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for tag in ("A", "B")]
    for p in procs:
        out, err = p.communicate(timeout=90)
        assert p.returncode == 0, err
    with Store.open(db) as store:
        learner = store.find_learner("shared")
        assert store.attempt_count(learner.id) == 2 * n
        given = dict(store.db.execute("SELECT given, COUNT(*) FROM attempts GROUP BY given").fetchall())
        assert given == {"A": n, "B": n}
        assert store.db.execute("SELECT SUM(answers) FROM review").fetchone()[0] == 2 * n
        assert store.db.execute("SELECT SUM(answers) FROM day_stats").fetchone()[0] == 2 * n
        assert store.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 2 * (n // 10)
        assert store.db.execute("SELECT COUNT(*) FROM achievements WHERE achievement_id = "
                                "'first-correct'").fetchone()[0] == 1
