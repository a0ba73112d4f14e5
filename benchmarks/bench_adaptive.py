"""How fast do sessions find out what a learner knows? Adaptive selection vs the first order.

Simulated learners with a known ability per topic answer the shipped bank through the
session engine itself (``StudySession`` on a real store, ten-question ``mixed`` sessions,
twenty seconds an answer, a day between sessions, FSRS reviews and all). A learner answers
right with probability ``sigmoid(ability[topic] - difficulty[item])``, where each item's
true difficulty is its authored prior plus noise that neither policy knows.

After every answer the engine ranks the topics (each policy has its own progress file, so
item difficulties are calibrated from the learners simulated before, as in a class). The first version ranked them by mastery,
the share of right answers among the topic's last ``MASTERY_WINDOW`` answers (what the
Progress page shows and "practise the weakest topics" uses); the adaptive engine ranks them
by its Rasch estimate (``quizapp.progress.adaptive.Model`` fed with the learner's answers).
Four rows are printed: the first version (its order, its ranking), its order ranked by the
Rasch estimate (how much the estimator alone brings), the adaptive engine, and a bound: an
ideal engine that covers the topics evenly with perfectly informative questions and exact
posteriors (``ideal_even_coverage``). For each the script reports how many answers it takes
until

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
from quizapp.progress.queries import MASTERY_WINDOW  # noqa: E402
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
    from quizapp.bank.kinds import typed_answer

    typed = typed_answer(inst, right)  # select-all, ordering, matching, short
    if typed is not None:
        return typed
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
        recent: dict[str, list[int]] = {t: [] for t in topics}
        truth = [skill[t] for t in topics]
        weakest = min(topics, key=lambda t: skill[t])
        asked = 0
        runs = {"share": [0, 0], "rasch": [0, 0]}  # answers in a row meeting (rank, weak)
        found = {"share": [None, None], "rasch": [None, None]}
        session_no = 0
        while asked < max_q and any(v is None for f in found.values() for v in f):
            session_no += 1
            sess = StudySession(store, bank, learner.id, SessionOptions(
                length=10, mode="new", seed=seed * 1000 + session_no, policy=policy))
            # the engine's estimate as a session starts: difficulties calibrated from every
            # simulated learner so far, this learner's answers so far
            estimator = adaptive.Model.load(store, learner.id, bank.items, order)
            while asked < max_q and (inst := sess.next()) is not None:
                item = bank.items[inst.item_id]
                p = 1.0 / (1.0 + math.exp(-(skill[item.topic] - true_b[inst.item_id])))
                right = rng.random() < p
                sess.answer(answer_text(inst, right), 20.0)
                store.clock.advance(seconds=20)
                estimator.observe(inst.item_id, right)
                window = recent[item.topic]
                window.append(int(right))
                del window[:-MASTERY_WINDOW]
                asked += 1
                estimates = {
                    # the first version's mastery: right answers among the last few, per topic
                    "share": [sum(recent[t]) / MASTERY_WINDOW for t in topics],
                    "rasch": [estimator.topics[t].mean for t in topics],
                }
                for name, est in estimates.items():
                    run, at = runs[name], found[name]
                    run[0] = run[0] + 1 if adaptive.spearman(est, truth) >= 0.8 else 0
                    low = min(est)
                    lows = [t for t, e in zip(topics, est) if e == low]
                    run[1] = run[1] + 1 if lows == [weakest] else 0
                    for k in (0, 1):
                        if at[k] is None and run[k] >= STREAK:
                            at[k] = asked - STREAK + 1
            sess.finish()
            store.clock.advance(days=1)
        results.append({"profile": profile, "share": found["share"], "rasch": found["rasch"]})
    store.close()
    return results


def ideal_even_coverage(learners: list[tuple[str, dict]], topics: list[str], max_q: int,
                        seed: int) -> list[dict]:
    """What a perfect engine that covers the topics evenly could do: a bound, not a policy.

    It asks the topics in turn and every question at exactly the learner's current estimate
    (a right answer is a coin toss: the most a yes/no answer can tell), it knows every
    item's difficulty, and it keeps the exact posterior of each topic's ability on a grid
    (prior N(0, 1.5^2)). No real session can beat it while covering topics evenly; if it
    needs N answers for a criterion, an engine that is 2x faster than the first version on
    that criterion needs that first version to take at least 2N.
    """
    import numpy as np

    grid = np.linspace(-6.0, 6.0, 481)
    results = []
    for n, (profile, skill) in enumerate(learners):
        rng = random.Random(f"{seed}:{n}:ideal")
        truth = [skill[t] for t in topics]
        weakest = min(range(len(topics)), key=lambda i: truth[i])
        logpost = np.tile(-0.5 * (grid / 1.5) ** 2, (len(topics), 1))
        runs, found = [0, 0], [None, None]
        for asked in range(1, max_q + 1):
            i = (asked - 1) % len(topics)
            post = np.exp(logpost[i] - logpost[i].max())
            b = float((grid * post).sum() / post.sum())  # a question right at the estimate
            right = rng.random() < 1.0 / (1.0 + math.exp(-(truth[i] - b)))
            chance = 1.0 / (1.0 + np.exp(-(grid - b)))
            logpost[i] += np.log(chance if right else 1.0 - chance)
            post_all = np.exp(logpost - logpost.max(axis=1, keepdims=True))
            est = list((post_all * grid).sum(axis=1) / post_all.sum(axis=1))
            runs[0] = runs[0] + 1 if adaptive.spearman(est, truth) >= 0.8 else 0
            runs[1] = runs[1] + 1 if min(range(len(est)), key=est.__getitem__) == weakest else 0
            for k in (0, 1):
                if found[k] is None and runs[k] >= STREAK:
                    found[k] = asked - STREAK + 1
            if None not in found:
                break
        results.append({"profile": profile, "ideal": found})
    return results


def summarise(results: list[dict], ranking: str, k: int, max_q: int) -> tuple[float, float, float]:
    values = [r[ranking][k] if r[ranking][k] is not None else max_q for r in results]
    reached = sum(1 for r in results if r[ranking][k] is not None) / len(results)
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

    out["ideal"] = ideal_even_coverage(learners, topics, args.max_questions, args.seed)
    rows = [("first version (its order, share-right ranking)", "rotation", "share"),
            ("first version's order, Rasch ranking", "rotation", "rasch"),
            ("adaptive (its order, Rasch ranking)", "adaptive", "rasch"),
            ("bound: ideal engine, topics evenly (see docstring)", "ideal", "ideal")]
    ok_all = True
    for k, label in ((0, "answers until the topic ranking has Spearman >= 0.8"),
                     (1, "answers until the weakest topic is found")):
        print(f"\n{label} ({STREAK} in a row; censored at {args.max_questions})")
        print(f"  {'':<50}{'mean':>8}{'median':>8}{'reached':>9}")
        figures = []
        for name, policy, ranking in rows:
            mean, median, reached = summarise(out[policy], ranking, k, args.max_questions)
            figures.append(mean)
            print(f"  {name:<50}{mean:>8.1f}{median:>8.1f}{reached:>9.0%}")
        ratio = figures[0] / figures[2] if figures[2] else math.inf
        ok = ratio >= 2.0
        ok_all &= ok
        print(f"  ratio first version / adaptive: {ratio:.2f}x   target >= 2x: {'OK' if ok else 'FAIL'}")
        bound = figures[0] / figures[3] if figures[3] else math.inf
        print(f"  ratio first version / ideal even-coverage engine: {bound:.2f}x "
              f"(what covering topics evenly could reach at best)")
    print("\nby profile, mean answers (first version -> adaptive): ranking; weakest")
    for profile in names:
        parts = []
        for k in (0, 1):
            b = summarise([r for r in out["rotation"] if r["profile"] == profile], "share", k, args.max_questions)[0]
            a = summarise([r for r in out["adaptive"] if r["profile"] == profile], "rasch", k, args.max_questions)[0]
            parts.append(f"{b:.0f} -> {a:.0f}")
        print(f"  {profile:<26} " + ";  ".join(parts))
    return 0 if ok_all else 1


if __name__ == "__main__":
    raise SystemExit(main())
