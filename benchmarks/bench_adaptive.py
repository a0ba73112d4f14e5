"""How fast do sessions find out what a learner knows? Adaptive selection vs the first order.

Simulated learners with a known ability per topic answer the shipped bank through the
session engine itself (``StudySession`` on a real store, ten-question ``mixed`` sessions,
twenty seconds an answer, a day between sessions, FSRS reviews and all). A learner answers
right with probability ``sigmoid(ability[topic] - difficulty[item])``, where each item's
true difficulty is its authored prior plus noise that neither policy knows.

After every answer the same estimator (``quizapp.progress.adaptive.Model`` fed with that
learner's answers) ranks the topics. For each policy the script reports how many answers it
takes until

* the ranking of topics matches the truth: Spearman >= 0.8 on five answers in a row;
* the weakest topic is found: the estimated weakest is the true weakest, five in a row.

A learner who never gets there within ``--max-questions`` counts as that many (and the
share of learners who got there is printed). Target: the adaptive policy needs at least
2x fewer questions than the first version's order (``policy="rotation"``).

    python benchmarks/bench_adaptive.py [--learners 200] [--max-questions 160] [--seed 0]
"""
from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quizapp.bank import load_bank  # noqa: E402
from quizapp.progress import Store  # noqa: E402
from quizapp.progress import adaptive  # noqa: E402
from quizapp.progress.clock import ManualClock  # noqa: E402
from quizapp.progress.session import SessionOptions, StudySession  # noqa: E402

STREAK = 5  # answers in a row a criterion must hold

PROFILES = {
    # name: function(rng, topics in chapter order) -> {topic: ability}
    "spread": lambda rng, ts: {t: rng.gauss(0.0, 1.2) for t in ts},
    "strong, one weak topic": lambda rng, ts: _one_weak(rng, ts),
    "early strong, late weak": lambda rng, ts: {
        t: 2.0 - 4.0 * i / max(1, len(ts) - 1) + rng.gauss(0, 0.4) for i, t in enumerate(ts)},
    "beginner": lambda rng, ts: {t: rng.gauss(-0.8, 1.0) for t in ts},
    "advanced": lambda rng, ts: {t: rng.gauss(1.2, 1.0) for t in ts},
}


def _one_weak(rng: random.Random, ts: list[str]) -> dict[str, float]:
    skills = {t: rng.gauss(1.5, 0.8) for t in ts}
    skills[rng.choice(ts)] = -2.0
    return skills


def answer_text(inst, right: bool) -> str:
    """A right or a wrong answer to ``inst``, typed as a learner would."""
    if inst.kind in ("choice", "computed_choice"):
        n = len(inst.choices)
        return str(inst.correct_choice if right else inst.correct_choice % n + 1)
    if inst.kind == "true_false":
        return "true" if bool(inst.answer) == right else "false"
    if right:
        return inst.answer_display or inst.answer_text
    value = float(inst.answer)
    return repr(value * 3.0 + 7.0)


def simulate(policy: str, learners: list[tuple[str, dict]], bank, true_b: dict, max_q: int,
             seed: int) -> list[dict]:
    store = Store.memory()
    store.clock = ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
    order = adaptive.chapter_topic_order()
    topics = [t for t in order if t in bank.topics] + sorted(set(bank.topics) - set(order))
    results = []
    for n, (profile, skill) in enumerate(learners):
        rng = random.Random(f"{seed}:{n}:answers")
        learner = store.add_learner(f"sim{n}")
        estimator = adaptive.Model(bank.items, order)
        truth = [skill[t] for t in topics]
        weakest = min(topics, key=lambda t: skill[t])
        asked = 0
        rank_run = weak_run = 0
        rank_at = weak_at = None
        session_no = 0
        while asked < max_q and (rank_at is None or weak_at is None):
            session_no += 1
            sess = StudySession(store, bank, learner.id, SessionOptions(
                length=10, mode="new", seed=seed * 1000 + session_no, policy=policy))
            while asked < max_q and (inst := sess.next()) is not None:
                item = bank.items[inst.item_id]
                p = 1.0 / (1.0 + math.exp(-(skill[item.topic] - true_b[inst.item_id])))
                right = rng.random() < p
                sess.answer(answer_text(inst, right), 20.0)
                store.clock.advance(seconds=20)
                estimator.observe(inst.item_id, right)
                asked += 1
                est = [estimator.topics[t].mean for t in topics]
                rank_run = rank_run + 1 if adaptive.spearman(est, truth) >= 0.8 else 0
                weak_run = weak_run + 1 if estimator.ranking()[0] == weakest else 0
                if rank_at is None and rank_run >= STREAK:
                    rank_at = asked - STREAK + 1
                if weak_at is None and weak_run >= STREAK:
                    weak_at = asked - STREAK + 1
            sess.finish()
            store.clock.advance(days=1)
        results.append({"profile": profile, "rank": rank_at, "weak": weak_at})
    store.close()
    return results


def summarise(results: list[dict], key: str, max_q: int) -> tuple[float, float, float]:
    values = [r[key] if r[key] is not None else max_q for r in results]
    reached = sum(1 for r in results if r[key] is not None) / len(results)
    return statistics.mean(values), statistics.median(values), reached


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--max-questions", type=int, default=160)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    bank = load_bank()
    rng = random.Random(args.seed)
    true_b = {iid: adaptive.prior_difficulty(item.difficulty) + rng.gauss(0, 0.5)
              for iid, item in sorted(bank.items.items())}
    order = adaptive.chapter_topic_order()
    topics = [t for t in order if t in bank.topics] + sorted(set(bank.topics) - set(order))
    names = list(PROFILES)
    learners = []
    for n in range(args.learners):
        profile = names[n % len(names)]
        learners.append((profile, PROFILES[profile](random.Random(f"{args.seed}:{n}:skill"), topics)))

    print(f"bench_adaptive: {len(learners)} simulated learners ({len(names)} profiles), "
          f"{len(bank.items)} items in {len(topics)} topics, at most {args.max_questions} answers each")
    out = {}
    for policy in ("rotation", "adaptive"):
        t0 = time.perf_counter()
        out[policy] = simulate(policy, learners, bank, true_b, args.max_questions, args.seed)
        print(f"  simulated policy {policy!r} in {time.perf_counter() - t0:.1f} s")

    print(f"\n{'criterion':<44}{'first order':>14}{'adaptive':>12}{'ratio':>9}   target")
    ok_all = True
    for key, label in (("rank", "topic ranking, Spearman >= 0.8"), ("weak", "weakest topic found")):
        base = summarise(out["rotation"], key, args.max_questions)
        new = summarise(out["adaptive"], key, args.max_questions)
        ratio = base[0] / new[0] if new[0] else math.inf
        ok = ratio >= 2.0
        ok_all &= ok
        print(f"{label + ' (mean answers)':<44}{base[0]:>14.1f}{new[0]:>12.1f}{ratio:>8.2f}x   >= 2x "
              f"{'OK' if ok else 'FAIL'}")
        print(f"{'  median answers':<44}{base[1]:>14.1f}{new[1]:>12.1f}")
        print(f"{'  learners who got there':<44}{base[2]:>13.0%}{new[2]:>12.0%}")
    print("\nby profile (mean answers: first order -> adaptive)")
    for profile in names:
        parts = []
        for key in ("rank", "weak"):
            b = summarise([r for r in out["rotation"] if r["profile"] == profile], key, args.max_questions)[0]
            a = summarise([r for r in out["adaptive"] if r["profile"] == profile], key, args.max_questions)[0]
            parts.append(f"{key} {b:.0f} -> {a:.0f}")
        print(f"  {profile:<26} " + ",  ".join(parts))
    return 0 if ok_all else 1


if __name__ == "__main__":
    raise SystemExit(main())
