"""Progress store benchmark: every progress query, and recording one attempt, on a big file.

A store with 200,000 attempts (--attempts) over 100 items and 5 learners (200 days of study each, the
review state, sessions, 100 notebook runs per learner). Each query is timed on it, and
again on a copy of the same file with the store's indexes dropped (what the queries would
cost without them), in the same run. Targets: each query <= 50 ms, recording <= 5 ms.

Opening the file is timed too (issue 12: every open cost 120-150 ms, a full
``PRAGMA quick_check`` plus importing sqlite-utils): in process for writing and for
reading, and in a fresh Python process (imports included), next to what the page check
alone costs on this file. Target: an open <= 20 ms in process, <= 250 ms with imports.

    python benchmarks/bench_store.py [--attempts 200000] [--repeat 7]
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizapp.progress import Store, clock, migrations, review  # noqa: E402
from quizapp.progress.notebook import dumps  # noqa: E402
from quizapp.progress.session import SessionOptions, StudySession  # noqa: E402

TOPICS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "schedules",
          "clipping", "tuning"]
CATEGORIES = ["definition", "scenario", "calculation", "true_false", "application"]
KINDS = {"definition": "choice", "scenario": "choice", "calculation": "numeric",
         "true_false": "true_false", "application": "choice"}
QUERY_TARGET_MS = 50.0
RECORD_TARGET_MS = 5.0
OPEN_TARGET_MS = 20.0
FRESH_OPEN_TARGET_MS = 250.0

FRESH_OPEN = """
import sys, time
t0 = time.perf_counter()
from quizapp.progress import Store
store = Store.open(sys.argv[1], readonly=sys.argv[2] == "ro")
store.learners()
store.close()
print((time.perf_counter() - t0) * 1000)
"""


class _Item:
    def __init__(self, item_id, topic, category):
        self.id, self.topic, self.category = item_id, topic, category
        self.kind = KINDS[category]
        self.difficulty = 1 + hash(item_id) % 3


class _Bank:
    """Just enough bank for StudySession to build its queue."""

    def __init__(self, items):
        self.items = {i.id: i for i in items}
        self.topics = {t: t.title() for t in TOPICS}


def build(path: Path, n_attempts: int, n_learners: int = 5, n_items: int = 100) -> tuple[Store, list]:
    rng = random.Random(1)
    store = Store.open(path)
    items = [_Item(f"{TOPICS[k % len(TOPICS)]}.item{k:03d}", TOPICS[k % len(TOPICS)],
                   CATEGORIES[k % len(CATEGORIES)]) for k in range(n_items)]
    store.sync_topics({t: t.title() for t in TOPICS})
    now = datetime.now(timezone.utc).replace(microsecond=0)
    start = now - timedelta(days=200)
    per = n_attempts // n_learners
    learners = [store.add_learner(f"learner{k}") for k in range(n_learners)]
    db = store.db
    for li, learner in enumerate(learners):
        skill = 0.55 + 0.08 * li
        sid = store.start_session(learner.id, "mixed", {})
        rows = []
        step = timedelta(days=200) / per
        due_of: dict[str, str] = {}
        for j in range(per):
            item = items[rng.randrange(n_items)]
            t = start + step * j
            stamp = clock.iso(t)
            correct = rng.random() < skill
            due_before = due_of.get(item.id)
            due_after = clock.iso(t + timedelta(days=rng.choice([0.01, 1, 3, 8, 20])))
            due_of[item.id] = due_after
            rows.append({
                "learner_id": learner.id, "session_id": sid, "item_id": item.id,
                "topic": item.topic, "category": item.category, "kind": item.kind,
                "seed": rng.randrange(2**31), "params": dumps({"lr": 0.01, "g": rng.randrange(1, 50)}),
                "given": "1", "expected": "1", "correct": int(correct),
                "seconds": round(rng.uniform(2, 90), 2), "answered_at": stamp,
                "day": clock.local_day(t), "rating": 3 if correct else 1,
                "was_review": int(due_before is not None and due_before <= stamp),
                "due_before": due_before, "due_after": due_after,
            })
        with db.atomic():
            cols = list(rows[0])  # plain executemany: sqlite-utils' per-value checks cost seconds here
            db.conn.executemany(f"INSERT INTO attempts ({', '.join(cols)}) VALUES "
                                f"({', '.join('?' * len(cols))})", [tuple(r.values()) for r in rows])
            reviews = []
            for item in items:
                due = now + timedelta(days=rng.uniform(-5, 30))
                card = review.review(None, 3, due - timedelta(days=3))
                reviews.append({"learner_id": learner.id, "item_id": item.id, "topic": item.topic,
                                "due": clock.iso(due), "state": 2, "stability": card.stability,
                                "difficulty": card.difficulty, "answers": 0, "correct": 0,
                                "last_review": clock.iso(due - timedelta(days=3)),
                                "card": review.card_to_json(card)})
            db["review"].insert_all(reviews)
        for r in range(100):
            store.record_run(learner.id, {"surface": rng.choice(["rosenbrock", "valley", "booth"]),
                                          "optimizer": rng.choice(["sgd", "adam", "momentum"]),
                                          "hyper": {"lr": rng.choice([0.001, 0.01, 0.1])},
                                          "seed": r}, {"final_loss": rng.random(), "diverged_at": None,
                                                       "min_distance": rng.random()},
                             group=f"g{r // 3}")
        store.finish_session(sid)
    store.rebuild_stats()  # the daily counters a real history would have built up
    store.set_streak(learners[2].id, True, min_answers=5, days_per_week=3)
    db.execute("UPDATE learners SET streak_since = ? WHERE id = ?",
               [clock.local_day(start), learners[2].id])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store, items


def timeit(fn, repeat: int) -> float:
    fn()  # warm the page cache
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def queries(store: Store, learner_id: int, items: list) -> dict:
    bank = _Bank(items)
    return {
        "mastery_by_topic": lambda: store.mastery_by_topic(learner_id),
        "accuracy_over_time(day)": lambda: store.accuracy_over_time(learner_id, "day"),
        "accuracy_over_time(week)": lambda: store.accuracy_over_time(learner_id, "week"),
        "review_forecast(14)": lambda: store.review_forecast(learner_id, 14),
        "study_streak": lambda: store.study_streak(learner_id),
        "weakest_items(10)": lambda: store.weakest_items(learner_id, 10),
        "history(500)": lambda: store.history(learner_id, 500),
        "history(500, topic)": lambda: store.history(learner_id, 500, topic="adam"),
        "achievements (all progress)": lambda: store.achievements(learner_id),
        "progress_summary (--json)": lambda: store.progress_summary(learner_id),
        "session queue (StudySession)": lambda: StudySession(store, bank, learner_id,
                                                             SessionOptions(length=20, seed=1)),
    }


def recorders(store: Store, learner_id: int, items: list) -> dict:
    rng = random.Random(7)

    def record(evaluate: bool):
        item = items[rng.randrange(len(items))]
        store.record_attempt(learner_id, item.id, correct=rng.random() < 0.7, given="1",
                             seconds=12.0, seed=1, params={"lr": 0.01}, expected="1",
                             topic=item.topic, category=item.category, kind=item.kind,
                             evaluate=evaluate)

    return {
        "record_attempt (commit)": lambda: record(False),
        "record_attempt + achievements": lambda: record(True),
    }


def open_times(path: Path, repeat: int) -> list[tuple[str, float, float]]:
    """(name, ms, target) for opening ``path``: in process and in a fresh interpreter."""
    import subprocess

    out = [
        ("open for writing (in process)",
         timeit(lambda: Store.open(path).close(), repeat), OPEN_TARGET_MS),
        ("open read-only (in process)",
         timeit(lambda: Store.open(path, readonly=True).close(), repeat), OPEN_TARGET_MS),
    ]
    root = Path(__file__).resolve().parent.parent
    for mode in ("rw", "ro"):
        runs = []
        for _ in range(max(3, repeat // 2)):
            res = subprocess.run([sys.executable, "-c", FRESH_OPEN, str(path), mode], cwd=root,
                                 capture_output=True, text=True, check=True)
            runs.append(float(res.stdout))
        label = "import + open " + ("for writing" if mode == "rw" else "read-only")
        out.append((label + " (new process)", statistics.median(runs), FRESH_OPEN_TARGET_MS))
    import sqlite3

    conn = sqlite3.connect(path)
    out.append(("  (for scale: PRAGMA quick_check)",
                timeit(lambda: conn.execute("PRAGMA quick_check").fetchall(), repeat), 0.0))
    conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--attempts", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-bench-"))
    try:
        t0 = time.perf_counter()
        store, items = build(tmp / "indexed.db", args.attempts)
        built = time.perf_counter() - t0
        store.close()
        shutil.copy(tmp / "indexed.db", tmp / "plain.db")
        plain = Store.open(tmp / "plain.db")
        for name, _, _ in migrations.INDEXES:
            plain.db.execute(f"DROP INDEX {name}")
        store = Store.open(tmp / "indexed.db")
        learner_id = store.learners()[2].id  # the learner with the weekly streak on
        n = store.attempt_count()
        print(f"store: {n:,} attempts, {len(items)} items, {len(store.learners())} learners "
              f"(built in {built:.1f} s); median of {args.repeat} runs; "
              f"baseline = the same file without the {len(migrations.INDEXES)} indexes")
        print(f"{'operation':32}{'indexed':>11}{'no indexes':>13}{'speed-up':>10}   target")
        failed = False
        for (name, fast), slow in zip(queries(store, learner_id, items).items(),
                                      queries(plain, learner_id, items).values()):
            a, b = timeit(fast, args.repeat), timeit(slow, args.repeat)
            ok = a <= QUERY_TARGET_MS
            failed |= not ok
            print(f"{name:32}{a:8.2f} ms{b:10.2f} ms{b / a:9.1f}x   <= {QUERY_TARGET_MS:.0f} ms "
                  f"{'ok' if ok else 'MISSED'}")
        for (name, fast), slow in zip(recorders(store, learner_id, items).items(),
                                      recorders(plain, learner_id, items).values()):
            a, b = timeit(fast, args.repeat * 5), timeit(slow, args.repeat * 5)
            ok = a <= RECORD_TARGET_MS
            failed |= not ok and name.endswith("(commit)")
            print(f"{name:32}{a:8.2f} ms{b:10.2f} ms{b / a:9.1f}x   <= {RECORD_TARGET_MS:.0f} ms "
                  f"{'ok' if ok else 'MISSED'}")
        store.close()
        plain.close()
        size = (tmp / "indexed.db").stat().st_size / 2**20
        print(f"{'opening the file (' + format(size, '.0f') + ' MB)':32}{'median':>11}"
              f"{'':13}{'':10}   target")
        for name, ms, target in open_times(tmp / "indexed.db", args.repeat):
            if not target:
                print(f"{name:32}{ms:8.2f} ms")
                continue
            ok = ms <= target
            failed |= not ok
            print(f"{name:32}{ms:8.2f} ms{'':23}   <= {target:.0f} ms {'ok' if ok else 'MISSED'}")
        if failed:
            print("some targets were missed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
