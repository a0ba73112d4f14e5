"""Check the training-lab bank items' engine numbers against an independent torch replay.

Run with the torch venv from the repository root (torch is not a quizapp dependency):

    /work/torchvenv/bin/python scripts/verify_lab_items.py

For a few settings used by the lab items in question_bank/{debugging,generalization,
tuning}.toml it writes a replay file with `quizapp train` (the bank moons: 100 points,
noise 0.35, batch 16), replays it with torch.optim in float64
(tests/optim/fixtures/make_train_fixtures.py's replay), recomputes from torch's
numbers what each helper returns (validation loss after each epoch, best epoch,
early-stopping epoch, first gradient norm and clip coefficient), and compares them
with the helpers as the bank calls them.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "optim" / "fixtures"))
from make_train_fixtures import replay  # noqa: E402

PYTHON = os.environ.get("QUIZAPP_PYTHON", "/work/venv/bin/python")


def helper(expr: str) -> float:
    code = f"from quizapp.bank.formulas import evaluate_text as ev; print(repr(ev({expr!r})))"
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return float(out.stdout)


def torch_run(opt, lr, epochs, seed, hidden=32, momentum=0.0, init_scale=1.0, batch=16):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.json"
        args = ["--samples", "100", "--data-noise", "0.35", "--hidden", str(hidden), "--batch-size", str(batch),
                "--optimizer", opt, "--lr", str(lr), "--epochs", str(epochs), "--seed", str(seed),
                "--init-scale", str(init_scale)]
        if momentum:
            args += ["--set", f"momentum={momentum}"]
        subprocess.run([PYTHON, "-m", "quizapp", "train", *args, "--replay-out", str(path)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        return replay(json.loads(path.read_text()))


def early_stop(vals, patience):
    best, bad = math.inf, 0
    for e, v in enumerate(vals, 1):
        if v < best:
            best, bad = v, 0
        else:
            bad += 1
        if bad >= patience and e < len(vals):
            return e
    return len(vals)


def close(a, b, what):
    ok = abs(a - b) <= 1e-9 * max(abs(b), 1e-12)
    print(f"{'ok ' if ok else 'BAD'} {what}: helper {a!r} torch {b!r}")
    return ok


def main() -> int:
    good = True
    for opt, lr, seed, extra in [("adam", 0.01, 0, ""), ("adam", 0.03, 2, ""), ("sgd", 0.3, 1, ", momentum=0.9")]:
        mom = 0.9 if "momentum" in extra else 0.0
        _, epochs, _ = torch_run(opt, lr, 10, seed, momentum=mom)
        vals = [e[1] for e in epochs]
        for e in (1, 5, 10):
            good &= close(helper(f"train_val_loss('{opt}', {lr}, {e}, seed={seed}, hidden=32{extra})"), vals[e - 1],
                          f"{opt} lr {lr} seed {seed} val loss after epoch {e}")
        best = min(range(10), key=lambda i: vals[i]) + 1
        good &= close(helper(f"best_val_epoch('{opt}', {lr}, 10, seed={seed}, hidden=32{extra})"), best, "best epoch")
        for p in (2, 3):
            good &= close(helper(f"early_stop_epoch('{opt}', {lr}, 10, {p}, seed={seed}, hidden=32{extra})"),
                          early_stop(vals, p), f"early stop epoch, patience {p}")
    for scale, seed in [(1, 0), (3, 1), (10, 2)]:
        steps, _, _ = torch_run("sgd", 0.1, 1, seed, hidden=8, init_scale=scale)
        norm = steps[0][1]
        good &= close(helper(f"first_grad_norm(seed={seed}, init_scale={scale})"), norm, f"first grad norm, scale {scale}")
        good &= close(helper(f"clip_coef_first_step(0.5, seed={seed}, init_scale={scale})"),
                      min(1.0, 0.5 / (norm + 1e-6)), f"clip coefficient at 0.5, scale {scale}")
    print("all match" if good else "MISMATCH")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
