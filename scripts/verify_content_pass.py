"""Recompute the answers of the items the quality pass rewrote, independently of quizapp.

Two steps, because quizapp's venv has no torch and the torch venv has no quizapp deps:

    /work/venv/bin/python scripts/verify_content_pass.py dump /tmp/inst.json
    /work/torchvenv/bin/python scripts/verify_content_pass.py check /tmp/inst.json

``dump`` writes 60 instances of each item below; ``check`` recomputes every key with
torch.optim / torch.optim.lr_scheduler / clip_grad_norm_ in float64 (plain math for
counting items) and prints "checked N bad 0" when all agree.
"""
from __future__ import annotations

import json
import math
import sys

IDS = ("adam.first-step adamw.l2-first-step-size adam.corrected-moment gradient_descent.which-lr-diverges "
       "nesterov.lookahead-gradient nesterov.vs-momentum-two-steps sgd.noise-ratio tuning.total-steps "
       "schedules.warmup-steps-count schedules.exponential-below-half lab_notebook.one-at-a-time-runs "
       "clipping.clipped-norm schedules.linear-warmup-value gradient_descent.steps-to-halve "
       "tuning.mean-over-seeds schedules.cosine-value sgd.minibatch-step debugging.divergence-growth "
       "clipping.clipped-component").split()


def dump(path: str) -> None:
    sys.path.insert(0, ".")
    from quizapp.bank import load_bank

    bank = load_bank()
    out = []
    for item_id in IDS:
        for seed in range(60):
            inst = bank.instance(item_id, seed)
            row = inst.to_json()
            row["choice_values"] = inst.choice_values
            row["tol"] = bank.items[item_id].answer.tolerance.to_json()
            out.append(row)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(out, fh)
    print(f"wrote {len(out)} instances to {path}")


def check(path: str) -> None:
    import torch

    rows = json.load(open(path, encoding="utf-8"))
    torch.set_default_dtype(torch.float64)
    bad = 0
    def key(r):
        return r["choice_values"][r["correct_choice"] - 1] if r["choice_values"] else r["answer"]
    def close(a, b, rel=1e-6):
        return abs(a - b) <= rel * max(1.0, abs(b))
    def torch_first_step(opt_name, theta, g, lr, wd=0.0):
        p = torch.tensor([float(theta)], requires_grad=True)
        opt = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[opt_name]([p], lr=lr, weight_decay=wd)
        p.grad = torch.tensor([float(g)]); opt.step(); return p.item()
    def quad_run(kind, theta, a, lr, k, momentum=0.0, nesterov=False):
        p = torch.tensor([float(theta)], requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr, momentum=momentum, nesterov=nesterov)
        for _ in range(k):
            opt.zero_grad(); loss = a * p[0] ** 2 / 2; loss.backward(); opt.step()
        return p.item()
    for r in rows:
        i, P = r["id"], r["params"]; k = key(r)
        if i == "adam.first-step":
            exp = torch_first_step("adam", P["theta"], P["g"], P["lr"])
        elif i == "adamw.l2-first-step-size":
            exp = torch_first_step("adam", P["theta"], P["g"], P["lr"], P["wd"])
            vals = r["choice_values"]; others = [v for j, v in enumerate(vals) if j + 1 != r["correct_choice"]]
            # AdamW distractor must be what torch AdamW does
            aw = torch_first_step("adamw", P["theta"], P["g"], P["lr"], P["wd"])
            if not any(close(v, aw) for v in others): print("adamw distractor mismatch", P, others, aw); bad += 1
        elif i == "adam.corrected-moment":
            b1 = P["beta1"]; m = 0.0
            for g in (P["g1"], P["g2"]): m = b1 * m + (1 - b1) * g
            exp = m / (1 - b1 ** 2) if P["what"] == "bias-corrected" else m
        elif i == "gradient_descent.which-lr-diverges":
            a = P["a"]; lim = 2 / a
            vals = r["choice_values"]
            if P["which"] == "makes it diverge":
                ok = [v for v in vals if v > lim]
            else:
                ok = [v for v in vals if v < lim]
            assert len(ok) == 1, (P, vals); exp = ok[0]
            # divergence check by running torch
            th = quad_run("sgd", 1.0, a, exp, 200)
            if (abs(th) > 1) != (P["which"] == "makes it diverge"): print("diverge mismatch", P); bad += 1
        elif i == "nesterov.lookahead-gradient":
            exp = P["a"] * (P["theta"] - P["lr"] * P["beta"] * P["v"])
        elif i == "nesterov.vs-momentum-two-steps":
            exp = quad_run("sgd", P["theta"], P["a"], P["lr"], 2, momentum=P["mu"], nesterov=True)
        elif i == "sgd.noise-ratio":
            f = P["b2"] / P["b1"]; exp = math.sqrt(f) if P["what"] == "standard deviation" else f
        elif i == "tuning.total-steps":
            exp = P["epochs"] * math.ceil(P["N"] / P["B"]) - P["W"]
        elif i == "schedules.warmup-steps-count":
            exp = P["E"] * (P["N"] // P["B"])
        elif i == "schedules.exponential-below-half":
            p = torch.tensor([1.0], requires_grad=True); opt = torch.optim.SGD([p], lr=P["lr"])
            sch = torch.optim.lr_scheduler.StepLR(opt, step_size=P["s"], gamma=P["gamma"])
            e = 0
            while opt.param_groups[0]["lr"] >= 0.5 * P["lr"] - 1e-15:
                opt.step(); sch.step(); e += 1
            exp = e
        elif i == "lab_notebook.one-at-a-time-runs":
            exp = 1 + P["k"] * (P["n"] - 1)
        elif i == "clipping.clipped-norm":
            g = torch.tensor([float(P["gx"]), float(P["gy"])], requires_grad=True)
            g.grad = g.detach().clone(); torch.nn.utils.clip_grad_norm_([g], P["max_norm"]); exp = g.grad.norm().item()
        elif i == "schedules.linear-warmup-value":
            p = torch.tensor([1.0], requires_grad=True); opt = torch.optim.SGD([p], lr=P["lr"])
            sch = torch.optim.lr_scheduler.LinearLR(opt, start_factor=P["sf"], end_factor=1.0, total_iters=P["n"])
            for _ in range(P["t"]): opt.step(); sch.step()
            exp = opt.param_groups[0]["lr"]
            assert P["t"] < P["n"]
        elif i == "gradient_descent.steps-to-halve":
            th, n = 1.0, 0
            while abs(th) > 0.5: th *= (1 - P["a"] * P["lr"]); n += 1
            exp = n
            assert r["tol"] == {"absolute": 0}
        elif i == "tuning.mean-over-seeds":
            exp = (P["a1"] + P["a2"] + P["a3"]) / 3
            one = round(exp, 1)
            if abs(one - exp) > r["tol"]["absolute"]: print("1-decimal rejected", P); bad += 1
        elif i == "schedules.cosine-value":
            p = torch.tensor([1.0], requires_grad=True); opt = torch.optim.SGD([p], lr=P["lr"])
            sch = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=P["T_max"])
            for _ in range(P["t"]): opt.step(); sch.step()
            exp = opt.param_groups[0]["lr"]
        elif i == "clipping.clipped-component":
            g = torch.tensor([float(P["gx"]), float(P["gy"])], requires_grad=True)
            g.grad = g.detach().clone(); torch.nn.utils.clip_grad_norm_([g], P["max_norm"])
            exp = g.grad[0 if P["which"] == "first" else 1].item()
        elif i == "sgd.minibatch-step":
            exp = -P["lr"] * (P["g1"] + P["g2"] + P["g3"] + P["g4"]) / 4
        elif i == "debugging.divergence-growth":
            exp = abs(quad_run("sgd", P["theta0"], P["c"], P["lr"], P["k"]))
            if abs(float(r["answer_text"].split()[0]) - exp) > 1e-3 * exp: print("display", r["answer_text"], exp); bad += 1
        else:
            continue
        if not close(k, exp, 1e-6):
            bad += 1; print("MISMATCH", i, P, k, exp)
    print("checked", len(rows), "bad", bad)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("dump", "check"):
        raise SystemExit(__doc__)
    (dump if sys.argv[1] == "dump" else check)(sys.argv[2])
