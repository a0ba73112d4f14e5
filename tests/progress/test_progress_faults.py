"""Issue 11, the progress store under faults, at the level a learner meets them: a real
second process holding the lock, a real full disk (SQLite's page limit), a real
read-only file, folder and mount, a real process reading standard input."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from progress_fakebank import MINI_BANK

from quizapp.progress import Store, StoreError
from quizapp.progress import achievements as ach
from quizapp.progress.store import LearnerGone, StoreReadOnly

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(180)


def _env(**extra) -> dict:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONPATH=str(ROOT))
    env.pop("QUIZAPP_DB", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _quizapp(*argv, stdin: bytes | None = None, env=None, timeout=90, prefix=()):
    return subprocess.run([*prefix, sys.executable, "-m", "quizapp", *argv], input=stdin,
                          capture_output=True, cwd=ROOT, env=env or _env(), timeout=timeout)


def _practice(db: Path, learner: str = "ann", count: int = 3, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "quizapp", "practice", "--terminal", "--db", str(db),
         "--bank", str(MINI_BANK), "--count", str(count), "--seed", "1", "--learner", learner],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env=_env(**env))


HOLDER = textwrap.dedent("""
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    sys.stdin.readline()          # hold the lock until told (or for at most the given time)
    conn.execute("COMMIT")
    print("released", flush=True)
""")


class Holder:
    """Another program holding ``BEGIN EXCLUSIVE`` on the file until :meth:`release`."""

    def __init__(self, db: Path):
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            assert self.proc.stdout.readline().strip() == "released"
            self.proc.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def _new_db(tmp_path: Path, learner: str = "ann") -> Path:
    db = tmp_path / "p.db"
    with Store.open(db) as store:
        store.add_learner(learner)
    return db


def _count(db: Path, learner: str | None = None) -> int:
    with Store.open(db, readonly=True) as store:
        if learner is None:
            return store.attempt_count()
        return store.attempt_count(store.find_learner(learner).id)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_until(proc, marker: bytes, seen: list) -> None:
    while True:
        line = proc.stdout.readline()
        seen.append(line)
        assert line, b"".join(seen).decode() + proc.stderr.read().decode()
        if marker in line:
            return


# ---------------------------------------------------------------------- 1. locks, full disk


def test_a_short_foreign_lock_is_waited_out_and_said(tmp_path):
    """The real path: the default 30 s wait, a lock taken mid-session and released after ~2 s;
    the answer typed meanwhile, and those already waiting in stdin, are all saved."""
    db = _new_db(tmp_path)
    proc = _practice(db, count=3)
    seen: list = []
    _read_until(proc, b"> ", seen) if False else None
    holder = None
    try:
        _read_until(proc, b"[1/3]", seen)
        holder = Holder(db)
        proc.stdin.write(b"1\n1\n1\n")  # three answers at once: two wait in stdin
        proc.stdin.flush()
        _read_until(proc, "waiting for the progress file".encode(), seen)
        time.sleep(1.5)
        holder.release()
        out, err = proc.communicate(timeout=60)
    finally:
        if holder:
            holder.release()
        if proc.poll() is None:
            proc.kill()
    text = b"".join(seen).decode() + out.decode()
    assert proc.returncode == 0, err.decode()
    assert text.count("✓ ") + text.count("✗ ") == 3
    assert "Session over:" in text and "Saved for ann in" in text
    assert "journal" not in text
    assert _count(db, "ann") == 3
    assert not (tmp_path / "p.db.journal.jsonl").exists()


def test_a_long_lock_sends_answers_to_the_journal_and_the_next_open_adds_them(tmp_path):
    db = _new_db(tmp_path)
    with Holder(db):
        proc = _practice(db, count=3, QUIZAPP_WRITE_WAIT=1)
        out, err = proc.communicate(b"1\n1\n1\n", timeout=90)
        text = out.decode()
        assert proc.returncode == 0, err.decode()
        assert "waiting for the progress file, held by another program" in text
        assert text.count("✓ ") + text.count("✗ ") == 3
        assert "Your answer is kept in p.db.journal.jsonl for now" in text
        assert text.count("Kept in p.db.journal.jsonl for now.") == 2
        assert "Session over: " in text and "3 answer(s) wait in" in text
        journal = tmp_path / "p.db.journal.jsonl"
        lines = journal.read_text().splitlines()
        assert len(lines) == 3 and all(json.loads(l)["given"] == "1" for l in lines)
        # a reader meanwhile is told, and takes no lock
        res = _quizapp("progress", "--db", str(db), "--json", timeout=20)
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["attempts"] == 0
        assert b"3 answer(s) wait in p.db.journal.jsonl" in res.stderr
    res = _quizapp("learners", "--db", str(db), "--add", "bo")
    assert res.returncode == 0, res.stderr
    assert b"3 answer(s) kept in the journal were added" in res.stderr
    assert not journal.exists()
    assert _count(db, "ann") == 3
    # replaying again (a copy of the journal, as after a crash before it was removed) adds nothing
    journal.write_text("\n".join(lines) + "\n")
    with Store.open(db) as store:
        assert store.attempt_count() == 3
        assert not journal.exists()


def test_journal_replay_keeps_order_counters_and_rejects_bad_lines(tmp_path, clock):
    db = _new_db(tmp_path)
    journal = tmp_path / "p.db.journal.jsonl"
    with Store.open(db) as store:
        store.clock = clock
        ann = store.find_learner("ann")
        store.write_wait = 0.2
        with Holder(db):
            recs = [store.record_attempt(ann.id, "a.x", correct=ok, given=str(i), seconds=2,
                                         topic="alpha", kind="choice") for i, ok in
                    enumerate([True, False, True])]
        assert [r.saved for r in recs] == ["journal"] * 3
        with open(journal, "a") as fh:
            fh.write('{"not": "an answer"}\nnot json at all\n')
        rec = store.record_attempt(ann.id, "a.x", correct=True, given="3", seconds=2,
                                   topic="alpha", kind="choice")
        assert rec.saved == "file" and "3 answer(s) kept in the journal were added" in rec.note
        assert "2 unreadable journal line(s)" in rec.note
        given = [r[0] for r in store.db.execute("SELECT given FROM attempts ORDER BY id")]
        assert given == ["0", "1", "2", "3"]
        assert store.db.execute("SELECT answers, correct FROM review").fetchone() == (4, 3)
        assert store.db.execute("SELECT SUM(answers) FROM day_stats").fetchone()[0] == 4
    assert not journal.exists()
    rejected = (tmp_path / "p.db.journal.rejected.jsonl").read_text().splitlines()
    assert sorted(rejected) == sorted(['{"not": "an answer"}', "not json at all"])


def test_a_full_disk_journals_the_answer(tmp_path):
    """SQLITE_FULL for real: the file may not grow by one page."""
    db = _new_db(tmp_path)
    with Store.open(db) as store:
        store.write_wait = 0.5
        ann = store.find_learner("ann")
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")
        waits = []
        store.on_wait = waits.append
        # a row larger than a page needs a new page, which the disk (limit) refuses
        rec = store.record_attempt(ann.id, "a.x", correct=True, given="1", seconds=1,
                                   topic="alpha", kind="choice", params={"pad": "x" * 6000})
        assert rec.saved == "journal" and rec.attempt_id is None
        assert waits and "space on the disk" in waits[0]
        assert store.attempt_count() == 0
    with Store.open(db) as store:  # room again: the open adds it
        assert store.attempt_count() == 1
        assert "1 answer(s) kept in the journal were added" in " ".join(store.notices)


def test_nowhere_to_write_keeps_the_answer_in_memory_and_saves_it_later(tmp_path):
    db = _new_db(tmp_path)
    (tmp_path / "p.db.journal.jsonl").mkdir()  # the journal cannot be written either
    with Store.open(db) as store:
        store.write_wait = 0.2
        ann = store.find_learner("ann")
        with Holder(db):
            rec = store.record_attempt(ann.id, "a.x", correct=True, given="1", seconds=1)
        assert rec.saved == "memory" and "kept while this session runs" in rec.note
        assert len(store.unsaved) == 1
        rec = store.record_attempt(ann.id, "a.y", correct=False, given="2", seconds=1)
        assert rec.saved == "file" and not store.unsaved
        assert [r[0] for r in store.db.execute("SELECT item_id FROM attempts ORDER BY id")] == \
            ["a.x", "a.y"]


def test_failing_achievements_do_not_make_a_saved_answer_look_lost(store, learner, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("a rule fell over")

    monkeypatch.setattr(ach, "evaluate", broken)
    rec = store.record_attempt(learner.id, "a.x", correct=True, given="1", seconds=1)
    assert rec.saved == "file" and rec.attempt_id == 1
    assert "a rule fell over" in rec.achievements_error
    assert store.attempt_count(learner.id) == 1


def test_answer_and_achievements_commit_together(store, learner):
    rec = store.record_attempt(learner.id, "a.x", correct=True, given="1", seconds=1, topic="t")
    assert [u.id for u in rec.unlocked] == ["first-correct"]
    # one transaction: nothing is left open, and the unlock is there with the answer
    assert not store.db.conn.in_transaction
    assert store.db.execute("SELECT COUNT(*) FROM achievements").fetchone()[0] == 1


# ---------------------------------------------------------------------- 3. readers


def test_readers_take_no_lock_while_another_program_writes(tmp_path):
    db = _new_db(tmp_path)
    with Holder(db):
        for argv in (["progress", "--json"], ["learners", "--json"], ["progress"]):
            start = time.monotonic()
            res = _quizapp(*argv, "--db", str(db), timeout=30)
            assert res.returncode == 0, res.stderr
            assert time.monotonic() - start < 8
        assert json.loads(_quizapp("learners", "--json", "--db", str(db)).stdout)[0]["name"] == "ann"


@pytest.mark.parametrize("argv", [["progress"], ["progress", "--json"], ["learners"],
                                  ["progress", "export", "-o", "{tmp}/out.json"],
                                  ["progress", "backup", "-o", "{tmp}/copy.db"]])
def test_a_missing_file_is_an_error_and_nothing_is_created(tmp_path, argv):
    db = tmp_path / "typo" / "x" / "p.db"
    res = _quizapp(*[a.replace("{tmp}", str(tmp_path)) for a in argv], "--db", str(db))
    assert res.returncode == 2
    assert str(db).encode() in res.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- 2. read-only


def _seeded(folder: Path) -> Path:
    db = folder / "p.db"
    with Store.open(db) as store:
        ann = store.add_learner("ann")
        for i in range(4):
            store.record_attempt(ann.id, f"alpha.{i}", correct=i != 2, given="1", seconds=1,
                                 topic="alpha", kind="choice")
    return db


#: Runs the rest of the command line as the user nobody (root drops its privileges).
AS_NOBODY = ("import os, pwd, sys; p = pwd.getpwnam('nobody'); os.setgroups([]); "
             "os.setgid(p.pw_gid); os.setuid(p.pw_uid); os.execv(sys.argv[1], sys.argv[1:])")


def _nobody_prefix() -> list[str] | None:
    """A command prefix that runs quizapp as the user nobody, or None when that cannot
    work here (not root, no such user, or nobody cannot reach the interpreter/checkout)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    candidates = []
    if shutil.which("setpriv"):
        candidates.append(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"])
    candidates.append([sys.executable, "-c", AS_NOBODY])
    for prefix in candidates:
        try:
            res = subprocess.run([*prefix, sys.executable, "-c", "import quizapp.progress"],
                                 cwd=ROOT, env=_env(), capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if res.returncode == 0:
            return prefix
    return None


def _can_bind_readonly() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = tempfile.mkdtemp()
    try:
        res = subprocess.run(["unshare", "-rm", "sh", "-c",
                              f"mount --bind -o ro {probe} {probe} && ! touch {probe}/x"],
                             capture_output=True, timeout=30)
        return res.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        shutil.rmtree(probe, ignore_errors=True)


NOBODY = _nobody_prefix()
NO_NOBODY = ("needs to run quizapp as another user (chmod does not stop root): root, the user "
             "nobody, and an interpreter and checkout that user can read")


@pytest.fixture
def shared_dir():
    """A folder outside pytest's private tmp (so another user can reach it)."""
    folder = Path(tempfile.mkdtemp(prefix="quizapp-ro-"))
    folder.chmod(0o777)
    yield folder
    for p in folder.rglob("*"):
        try:
            p.chmod(0o777)
        except OSError:
            pass
    shutil.rmtree(folder, ignore_errors=True)


def _check_read_only_behaviour(db: Path, out_dir: Path, prefix: list[str], wrapper=None):
    before = _digest(db)
    siblings = sorted(p.name for p in db.parent.iterdir())

    def run(*argv, stdin=None):
        cmd = [sys.executable, "-m", "quizapp", *argv]
        if wrapper:
            cmd = wrapper(cmd)
        return subprocess.run([*prefix, *cmd], input=stdin, capture_output=True, cwd=ROOT,
                              env=_env(HOME=str(out_dir)), timeout=90)

    res = run("progress", "--json", "--db", str(db))
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["attempts"] == 4
    res = run("progress", "--db", str(db))
    assert res.returncode == 0 and b"Answered 4, right 3" in res.stdout, res.stderr
    res = run("learners", "--db", str(db))
    assert res.returncode == 0 and b"ann" in res.stdout, res.stderr
    res = run("progress", "export", "--db", str(db), "-o", str(out_dir / "ann.json"))
    assert res.returncode == 0, res.stderr
    assert len(json.loads((out_dir / "ann.json").read_text())["attempts"]) == 4
    res = run("progress", "backup", "--db", str(db), "-o", str(out_dir / "copy.db"))
    assert res.returncode == 0, res.stderr
    for argv, stdin in ((["learners", "--add", "bo"], None),
                        (["practice", "--terminal", "--bank", str(MINI_BANK), "--count", "1"],
                         b"1\n")):
        res = run(*argv, "--db", str(db), stdin=stdin)
        err = res.stderr.decode()
        assert res.returncode == 2, err
        assert "read-only: " in err and "damaged" not in err, err
    assert _digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))) \
        == [s for s in siblings if not s.endswith(("-wal", "-shm"))]


@pytest.mark.skipif(NOBODY is None, reason=NO_NOBODY)
def test_a_chmod_444_file_is_read_not_called_damaged(shared_dir):
    db = _seeded(shared_dir)
    db.chmod(0o444)
    out = shared_dir / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    _check_read_only_behaviour(db, out, NOBODY)


@pytest.mark.skipif(NOBODY is None, reason=NO_NOBODY)
def test_a_read_only_folder_is_read_not_called_damaged(shared_dir):
    folder = shared_dir / "ro"
    folder.mkdir()
    db = _seeded(folder)
    folder.chmod(0o555)
    out = shared_dir / "out"
    out.mkdir()
    out.chmod(0o777)
    _check_read_only_behaviour(db, out, NOBODY)


@pytest.mark.skipif(not _can_bind_readonly(), reason="needs unshare -rm and a read-only bind "
                                                     "mount (user namespaces)")
def test_a_read_only_mount_is_read_not_called_damaged(tmp_path):
    folder = tmp_path / "mnt"
    folder.mkdir()
    db = _seeded(folder)
    out = tmp_path / "out"
    out.mkdir()

    def wrapper(cmd):
        import shlex

        return ["unshare", "-rm", "sh", "-c",
                f"mount --bind -o ro {shlex.quote(str(folder))} {shlex.quote(str(folder))} "
                f"&& exec {shlex.join(cmd)}"]

    _check_read_only_behaviour(db, out, [], wrapper)


def test_read_only_store_refuses_writes_in_words(tmp_path):
    db = _seeded(tmp_path)
    with Store.open(db, readonly=True) as store:
        assert store.read_only
        with pytest.raises(StoreReadOnly, match="read-only: "):
            store.add_learner("bo")
        with pytest.raises(StoreReadOnly):
            store.record_attempt(1, "a.x", correct=True, given="1", seconds=1)
        assert store.progress_summary(1)["attempts"] == 4


# ---------------------------------------------------------------------- 4. schema damage


def _assert_refused_untouched(path: Path, *words: str) -> str:
    before = _digest(path)
    siblings = set(path.parent.iterdir())
    for readonly in (False, True):
        with pytest.raises(StoreError) as err:
            Store.open(path, readonly=readonly)
        for w in words:
            assert w in str(err.value), str(err.value)
    assert _digest(path) == before
    assert set(path.parent.iterdir()) == siblings, "no -wal/-shm files may appear"
    return str(err.value)


@pytest.mark.parametrize("damage, words", [
    ("DROP TABLE attempts", ["table attempts is missing"]),
    ("DROP INDEX idx_review_learner_due", ["index idx_review_learner_due"]),
    ("ALTER TABLE attempts DROP COLUMN given", ["attempts lacks column(s) given"]),
    ("DROP INDEX idx_learners_name", ["idx_learners_name"]),
])
def test_a_damaged_schema_is_refused_untouched(tmp_path, damage, words):
    db = _seeded(tmp_path)
    conn = sqlite3.connect(db)
    conn.execute(damage)
    conn.commit()
    conn.close()  # still a WAL file, as quizapp leaves it
    msg = _assert_refused_untouched(db, "damaged", "its schema", *words)
    assert "restore a backup" in msg
    res = _quizapp("practice", "--terminal", "--db", str(db), "--bank", str(MINI_BANK),
                   stdin=b"1\n")
    assert res.returncode == 2 and b"damaged" in res.stderr


def test_big_files_are_checked_when_changed_by_others_after_a_crash_and_daily(tmp_path,
                                                                              monkeypatch):
    from quizapp.progress import store as store_mod

    db = _seeded(tmp_path)
    monkeypatch.setattr(store_mod, "QUICK_CHECK_MAX_BYTES", 0)  # every file counts as big
    assert store_mod._wants_quick_check(db)  # never checked yet
    Store.open(db).close()
    assert not store_mod._wants_quick_check(db)  # checked today, left as quizapp left it
    with Store.open(db) as store:  # quizapp's own writes do not count as a change
        store.record_attempt(1, "a.x", correct=True, given="1", seconds=1)
    assert not store_mod._wants_quick_check(db)
    conn = sqlite3.connect(db)  # another program writes to it
    conn.execute("UPDATE learners SET name = 'ann2'")
    conn.commit()
    conn.close()
    assert store_mod._wants_quick_check(db)
    Store.open(db, readonly=True).close()
    assert not store_mod._wants_quick_check(db)
    stamps = json.loads(Path(os.environ["QUIZAPP_CHECKS"]).read_text())
    stamps[os.path.realpath(db)]["day"] = "2000-01-01"  # the last check was long ago
    Path(os.environ["QUIZAPP_CHECKS"]).write_text(json.dumps(stamps))
    assert store_mod._wants_quick_check(db)
    Store.open(db).close()
    assert not store_mod._wants_quick_check(db)
    Path(f"{db}-wal").write_bytes(b"x")  # left by a process that did not close the file
    assert store_mod._wants_quick_check(db)


def test_damage_met_after_open_is_named_damage(tmp_path, monkeypatch, capsys):
    from quizapp.cli import main
    from quizapp.progress import store as store_mod

    db = _seeded(tmp_path)
    monkeypatch.setattr(store_mod, "QUICK_CHECK_MAX_BYTES", 0)
    Store.open(db).close()  # checked today; the next open skips the page check
    st = db.stat()
    data = bytearray(db.read_bytes())
    page = 4096
    for offset in range(page * 3, len(data), page):  # bit rot: data pages; the schema
        data[offset:offset + 64] = b"\xff" * 64      # page survives, size and time too
    db.write_bytes(bytes(data))
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert not store_mod._wants_quick_check(db)
    before = _digest(db)
    code = main(["progress", "--json", "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2 and "damaged" in err, err
    assert _digest(db) == before


# ---------------------------------------------------------------------- 5. bounded input


def test_a_huge_answer_line_is_skipped_fast_and_not_stored(tmp_path):
    db = _new_db(tmp_path)
    start = time.monotonic()
    res = _quizapp("practice", "--terminal", "--db", str(db), "--bank", str(MINI_BANK),
                   "--count", "1", "--seed", "1", "--learner", "ann",
                   stdin=b" " * (10 * 2**20) + b"x\n" + b" " * 3000 + b"1\n", timeout=60)
    assert time.monotonic() - start < 30
    out = res.stdout.decode()
    assert res.returncode == 0, res.stderr
    assert "longer than 4096 characters and was skipped" in out
    assert out.count("✓ ") + out.count("✗ ") == 1
    with Store.open(db, readonly=True) as store:
        given = [r[0] for r in store.db.execute("SELECT given FROM attempts")]
    assert given == ["1"]


def test_record_attempt_bounds_the_stored_answer(store, learner):
    with pytest.raises(ValueError, match="at most"):
        store.record_attempt(learner.id, "a.x", correct=False, given="x" * 10_000, seconds=1)
    assert store.attempt_count() == 0


def test_learner_names_are_bounded_and_printable(store):
    for bad in ("x" * 10_000, "ann\x1b[2J", "a\x07b"):
        with pytest.raises(ValueError):
            store.add_learner(bad)


# ---------------------------------------------------------------------- 6. bad bytes


def test_a_bad_byte_on_stdin_does_not_end_the_session(tmp_path):
    db = _new_db(tmp_path)
    res = _quizapp("practice", "--terminal", "--db", str(db), "--bank", str(MINI_BANK),
                   "--count", "3", "--seed", "1", "--learner", "ann",
                   stdin=b"1\n\xff\xfe\n1\n1\n")
    out = res.stdout.decode()
    assert res.returncode == 0, res.stderr
    assert "not valid text" in out
    assert out.count("✓ ") + out.count("✗ ") == 3
    assert "Session over:" in out
    assert _count(db, "ann") == 3


# ---------------------------------------------------------------------- 8. smaller ones


def test_deleting_a_learner_while_they_practise(tmp_path):
    db = _new_db(tmp_path)
    proc = _practice(db, count=3)
    seen: list = []
    try:
        _read_until(proc, b"[1/3]", seen)
        proc.stdin.write(b"1\n")
        proc.stdin.flush()
        _read_until(proc, b"[2/3]", seen)
        res = _quizapp("learners", "--db", str(db), "--delete", "ann", "--yes")
        assert res.returncode == 0, res.stderr
        out, err = proc.communicate(b"1\n1\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = b"".join(seen).decode() + out.decode()
    assert proc.returncode == 0, err.decode()
    assert "FOREIGN KEY" not in text + err.decode()
    assert "was deleted while practising" in text
    assert "Session over: " in text


def test_learner_gone_is_a_clear_error_in_the_store(file_store):
    ann = file_store.add_learner("ann")
    file_store.delete_learner(ann.id)
    with pytest.raises(LearnerGone, match="deleted"):
        file_store.record_attempt(ann.id, "a.x", correct=True, given="1", seconds=1)


def test_a_parent_path_that_is_a_file(tmp_path):
    (tmp_path / "notes").write_text("mine")
    res = _quizapp("learners", "--db", str(tmp_path / "notes" / "sub" / "p.db"), "--add", "x")
    err = res.stderr.decode()
    assert res.returncode == 2 and "is a file, not a folder" in err and "File exists" not in err
    assert (tmp_path / "notes").read_text() == "mine"


def test_errors_cut_long_names(tmp_path):
    db = _new_db(tmp_path)
    res = _quizapp("learners", "--db", str(db), "--delete", "n" * 10_000, "--yes")
    err = res.stderr.decode()
    assert res.returncode == 2 and len(err) < 500 and "n" * 60 + "…" in err


def test_backup_includes_what_only_the_wal_holds(tmp_path):
    db = tmp_path / "p.db"
    writer = textwrap.dedent("""
        import os, signal, sys
        from quizapp.progress import Store
        store = Store.open(sys.argv[1])
        ann = store.ensure_learner("ann")
        for i in range(50):
            store.record_attempt(ann.id, f"a.{i}", correct=True, given="1", seconds=1)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    subprocess.run([sys.executable, "-c", writer, str(db)], cwd=ROOT, env=_env(), timeout=60)
    assert Path(f"{db}-wal").stat().st_size > 0
    plain = tmp_path / "plain-copy.db"
    shutil.copy(db, plain)  # what copying the .db alone gives: not the answers
    conn = sqlite3.connect(plain)
    assert "attempts" not in [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()
    res = _quizapp("progress", "backup", "--db", str(db), "-o", str(tmp_path / "b.db"))
    assert res.returncode == 0, res.stderr
    assert b"50 answer(s)" in res.stdout
    with Store.open(tmp_path / "b.db", readonly=True) as store:
        assert store.attempt_count() == 50
    assert not list(tmp_path.glob(".b.db*"))
    res = _quizapp("progress", "backup", "--db", str(db), "-o", str(tmp_path / "b.db"))
    assert res.returncode == 2 and b"--force" in res.stderr
    res = _quizapp("progress", "backup", "--db", str(db), "-o", str(db), "--force")
    assert res.returncode == 2 and b"the progress file itself" in res.stderr


# ---------------------------------------------------------------------- 7. progress class


def _export(tmp_path: Path, name: str = "ann", out: str = "ann.json") -> Path:
    db = tmp_path / f"{name}.db"
    with Store.open(db) as store:
        learner = store.add_learner(name)
        for i in range(3):
            store.record_attempt(learner.id, f"alpha.{i}", correct=False, given="2",
                                 seconds=1, topic="alpha", kind="choice")
    res = _quizapp("progress", "export", "--db", str(db), "-o", str(tmp_path / out))
    assert res.returncode == 0, res.stderr
    return tmp_path / out


def _class(*files, timeout=60):
    return _quizapp("progress", "class", "--json", *map(str, files), timeout=timeout)


def test_class_refuses_a_tampered_export(tmp_path):
    good = _export(tmp_path)
    doc = json.loads(good.read_text())
    assert doc["checksum"].startswith("sha256:")
    for a in doc["attempts"]:
        a["correct"] = True  # every answer flipped to right
    bad = tmp_path / "ann-edited.json"
    bad.write_text(json.dumps(doc))
    res = _class(bad)
    assert res.returncode == 2
    assert b"checksum does not match" in res.stderr
    del doc["checksum"]
    bad.write_text(json.dumps(doc))
    assert b"has no checksum" in _class(bad).stderr
    res = _class(good)
    assert res.returncode == 0 and json.loads(res.stdout)["learners"][0]["correct"] == 0


def test_class_refuses_an_export_from_the_future(tmp_path):
    from quizapp.progress.classview import seal

    good = _export(tmp_path)
    doc = json.loads(good.read_text())
    doc["exported_at"] = "9999-12-31T23:59:59.000+00:00"
    forged = tmp_path / "ann-9999.json"
    forged.write_text(json.dumps(seal(doc)))  # even with a recomputed checksum
    res = _class(good, forged)
    assert res.returncode == 0, res.stderr
    assert b"is in the future" in res.stderr
    assert json.loads(res.stdout)["learners"][0]["source"] == str(good)


def test_class_prints_names_without_escape_sequences(tmp_path):
    from quizapp.progress.classview import seal

    good = _export(tmp_path)
    doc = json.loads(good.read_text())
    doc["learner"]["name"] = "evil\x1b[2J\x1b]0;pwned\x07"
    doc["attempts"][0]["given"] = "\x1b[31mred"
    hostile = tmp_path / "evil.json"
    hostile.write_text(json.dumps(seal(doc)))
    res = _quizapp("progress", "class", str(hostile))
    assert res.returncode == 0, res.stderr
    assert b"\x1b" not in res.stdout + res.stderr and b"\x07" not in res.stdout
    assert "evil\ufffd[2J".encode() in res.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_class_does_not_hang_on_a_fifo_or_a_device(tmp_path):
    good = _export(tmp_path)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    start = time.monotonic()
    res = _class(good, fifo, zero, timeout=30)
    assert time.monotonic() - start < 20
    assert res.returncode == 0, res.stderr
    assert res.stderr.count(b"not a regular file") == 2


def test_a_learner_with_200k_answers_exports_compressed_and_class_reads_it(tmp_path):
    db = tmp_path / "big.db"
    with Store.open(db) as store:
        ann = store.add_learner("ann")
        rows = [(ann.id, f"t{i % 10}.item{i % 100}", f"t{i % 10}", "calculation", "numeric",
                 i, '{"lr": 0.01}', f"0.0{i % 7}", "0.02", i % 3 != 0, 4.0,
                 f"2025-01-01T00:00:00.{i % 1000:03d}+00:00", "2025-01-01", 3, 0)
                for i in range(200_000)]
        store.db.execute("BEGIN")
        store.db.conn.executemany(
            "INSERT INTO attempts (learner_id, item_id, topic, category, kind, seed, params, "
            "given, expected, correct, seconds, answered_at, day, rating, was_review) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        store.db.execute("COMMIT")
    del rows
    out = tmp_path / "ann.json.gz"
    res = _quizapp("progress", "export", "--db", str(db), "-o", str(out), timeout=170)
    assert res.returncode == 0, res.stderr
    assert b"200000 answers" in res.stdout
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    res = _class(out, timeout=170)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["learners"][0]["attempts"] == 200_000


# ---------------------------------------------------------------------- 5. grading is linear


def test_choice_grading_is_linear_and_bounded():
    from quizapp.bank import load_bank
    from quizapp.bank.grading import MAX_ANSWER

    bank = load_bank([MINI_BANK])
    inst = bank.instance("alpha.choice", 1)
    for text in (" " * 65536 + "x", "(" + " " * 65536 + "x", "1" + " " * 65536 + "x",
                 " " * (10 * 2**20) + "x"):
        start = time.perf_counter()
        grade = bank.grade(inst, text)
        assert time.perf_counter() - start < 0.5
        assert grade.correct is None
    assert "too long" in bank.grade(inst, "1" + " " * MAX_ANSWER).message
    # what the regex is for still works
    for text in ("2", " 2 ", "(2)", "2.", "( 2 )", "2)"):
        assert bank.grade(inst, text).given == 2, text
    assert bank.grade(inst, "4").correct is None


def test_a_file_that_turns_read_only_mid_session_keeps_the_answer(tmp_path):
    db = _new_db(tmp_path)
    with Store.open(db) as store:
        ann = store.find_learner("ann")
        store.db.execute("PRAGMA query_only = 1")  # SQLite now answers SQLITE_READONLY
        rec = store.record_attempt(ann.id, "a.x", correct=True, given="1", seconds=1)
        assert rec.saved == "journal" and "cannot be written now" in rec.note
        store.db.execute("PRAGMA query_only = 0")
        rec = store.record_attempt(ann.id, "a.y", correct=True, given="1", seconds=1)
        assert rec.saved == "file"
        assert store.attempt_count() == 2


def test_two_sessions_share_the_journal_and_lose_nothing(tmp_path):
    db = _new_db(tmp_path)
    with Store.open(db) as store:
        store.add_learner("bo")
    with Holder(db):
        procs = [_practice(db, learner, count=3, QUIZAPP_WRITE_WAIT=0.5) for learner in ("ann", "bo")]
        for proc in procs:
            out, err = proc.communicate(b"1\n1\n1\n", timeout=90)
            assert proc.returncode == 0, err.decode()
        assert len((tmp_path / "p.db.journal.jsonl").read_text().splitlines()) == 6
    with Store.open(db) as store:
        assert store.attempt_count(store.find_learner("ann").id) == 3
        assert store.attempt_count(store.find_learner("bo").id) == 3


def test_a_journal_finds_its_learner_by_name_in_another_copy_of_the_file(tmp_path):
    """A journal moved along with a restored copy, where the ids differ."""
    db = tmp_path / "p.db"
    with Store.open(db) as store:
        store.add_learner("zoe")   # id 1 here
        ann = store.add_learner("ann")  # id 2 here
    entry = {"learner_id": 1, "learner": "Ann", "item_id": "a.x", "correct": True,
             "given": "1", "seconds": 2.0, "seed": 3, "params": {}, "expected": "1",
             "topic": "alpha", "category": "definition", "kind": "choice", "session_id": 9,
             "answered_at": "2025-03-05T12:00:00.000+00:00"}
    gone = {**entry, "learner_id": 7, "learner": "nobody", "item_id": "a.y"}
    (tmp_path / "p.db.journal.jsonl").write_text(json.dumps(entry) + "\n" + json.dumps(gone) + "\n")
    with Store.open(db) as store:
        assert store.attempt_count(ann.id) == 1 and store.attempt_count() == 1
        assert "1 journaled answer(s) of deleted learners were dropped" in " ".join(store.notices)


def test_names_from_a_hostile_file_are_printed_without_escapes(tmp_path):
    db = _new_db(tmp_path)
    conn = sqlite3.connect(db)  # a file that came from someone else, edited by hand
    conn.execute("UPDATE learners SET name = 'ann\x1b[2J\x1b]0;x\x07'")
    conn.commit()
    conn.close()
    (tmp_path / "p.db.journal.jsonl").write_bytes(b"[" * 100_000 + b"\n")  # and a hostile journal
    for argv in (["learners"], ["progress"]):
        res = _quizapp(*argv, "--db", str(db))
        assert res.returncode == 0, res.stderr
        assert b"\x1b" not in res.stdout and b"\x07" not in res.stdout
    res = _quizapp("learners", "--db", str(db), "--add", "bo")
    assert res.returncode == 0, res.stderr
    assert b"1 unreadable journal line(s)" in res.stderr


def test_a_page_check_ahead_of_the_open_spares_the_open_and_never_hides_damage(tmp_path,
                                                                              monkeypatch):
    # the desktop app checks a big file's pages on its warm-up thread, on a read-only
    # connection of its own, so that the open on the GUI thread does not freeze the window
    from quizapp.progress import store as store_mod

    db = _seeded(tmp_path)
    monkeypatch.setattr(store_mod, "QUICK_CHECK_MAX_BYTES", 0)  # every file counts as big
    conn = sqlite3.connect(db)  # another program wrote to it: a check is due
    conn.execute("UPDATE learners SET name = 'ann2'")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    assert store_mod._wants_quick_check(db)
    assert store_mod.check_pages_ahead(db) is True
    assert db.read_bytes() == before and not Path(f"{db}-wal").exists()  # read only
    assert not store_mod._wants_quick_check(db)  # the open that follows skips it
    assert store_mod.check_pages_ahead(db) is None  # nothing due: nothing done
    assert store_mod.check_pages_ahead(tmp_path / "missing.db") is None  # nothing created
    assert not (tmp_path / "missing.db").exists()
    # damage found ahead is left for the open to find and report
    stamps = json.loads(Path(os.environ["QUIZAPP_CHECKS"]).read_text())
    stamps[os.path.realpath(db)]["day"] = "2000-01-01"
    Path(os.environ["QUIZAPP_CHECKS"]).write_text(json.dumps(stamps))
    data = bytearray(db.read_bytes())
    for offset in range(4096 * 3, len(data), 4096):
        data[offset:offset + 64] = b"\xff" * 64
    db.write_bytes(bytes(data))
    assert store_mod.check_pages_ahead(db) is False
    assert store_mod._wants_quick_check(db)
    with pytest.raises(store_mod.StoreError, match="damaged"):
        Store.open(db)
