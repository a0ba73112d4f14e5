"""Instantiate 10,000 calculation instances of the shipped bank: parsed once vs re-parsed.

Each item's formulas are parsed and checked once, at load time; an instance only
evaluates the stored trees. The baseline, measured in the same run on the same
(item, seed) pairs, parses every formula again each time it is evaluated (the naive
way: ``Formula(text)`` then evaluate). Engine-helper results are memoised in both
runs (a warm-up pass fills the cache first), so the ratio isolates the parsing cost.

    python benchmarks/bench_bank.py [--instances 10000] [--bank PATH ...]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizapp.bank import load_bank  # noqa: E402
from quizapp.bank import sampling  # noqa: E402
from quizapp.bank.formulas import Formula, evaluate  # noqa: E402


def _reparsing_evaluate(formula, names, budget=None):
    return evaluate(Formula(formula.text), names, budget)


def _run(bank, pairs) -> float:
    t0 = time.perf_counter()
    for item_id, seed in pairs:
        bank.instance(item_id, seed)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=10_000)
    ap.add_argument("--bank", action="append", help="file or folder (default: the shipped bank)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    bank = load_bank(args.bank or None)
    load_s = time.perf_counter() - t0
    calc = [i.id for i in bank.items.values() if i.category == "calculation"]
    usable = []
    for item_id in calc:  # leave out items that cannot be drawn (bank check reports them)
        try:
            bank.instance(item_id, 0)
            usable.append(item_id)
        except Exception:
            pass
    if not usable:
        print("no calculation items to instantiate")
        return 1
    pairs = [(usable[k % len(usable)], k // len(usable)) for k in range(args.instances)]

    _run(bank, pairs)  # warm-up: fills the helper caches for both runs
    once = _run(bank, pairs)
    original = sampling.evaluate
    sampling.evaluate = _reparsing_evaluate
    try:
        naive = _run(bank, pairs)
    finally:
        sampling.evaluate = original

    n = len(pairs)
    print(f"bank: {len(bank.items)} items loaded in {load_s * 1000:.0f} ms; "
          f"{len(usable)} calculation items, {n} instances")
    print(f"parsed once (load time):    {once / n * 1e6:8.1f} us/instance   ({once:.2f} s)")
    print(f"re-parsed every evaluation: {naive / n * 1e6:8.1f} us/instance   ({naive:.2f} s)")
    print(f"ratio re-parsed / parsed once: {naive / once:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
