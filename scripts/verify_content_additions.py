"""Cross-check the content pass's new torch-convention items against torch itself.

tests/bank/test_content_pass_answers.py already recomputes every new item in plain Python;
this script adds a second, independent opinion from torch.optim for the items that name a
torch optimizer or scheduler. Two steps, because quizapp's venv has no torch:

    /work/venv/bin/python scripts/verify_content_additions.py dump /tmp/additions.json
    /work/torchvenv/bin/python scripts/verify_content_additions.py check /tmp/additions.json

``check`` prints "checked N bad 0" when torch agrees with every key.
"""
from __future__ import annotations

import json
import sys

IDS = ("adagrad.run-on-bowl rmsprop.run-on-bowl nesterov.torch-vs-heavy-ball-tf adamw.sgd-weight-decay-step "
       "schedules.linear-decay-value adam.valley-race-tf clipping.layer-after-global-clip").split()
SEEDS = 80


def dump(path: str) -> None:
    sys.path.insert(0, ".")
    from quizapp.bank import load_bank

    bank = load_bank()
    rows = []
    for item_id in IDS:
        for seed in range(SEEDS):
            inst = bank.instance(item_id, seed)
            row = inst.to_json()
            row["key"] = (inst.choice_values[inst.correct_choice - 1] if inst.choice_values
                          else inst.answer)
            rows.append(row)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(rows, fh)
    print(f"wrote {len(rows)} instances to {path}")


def check(path: str) -> None:
    import torch

    torch.set_default_dtype(torch.float64)
    rows = json.load(open(path, encoding="utf-8"))

    def bowl(make, theta, a, k):
        p = torch.tensor([float(theta)], requires_grad=True)
        opt = make([p])
        for _ in range(k):
            opt.zero_grad()
            (a * p[0] ** 2 / 2).backward()
            opt.step()
        return p.item()

    def valley(name, lr, k):
        p = torch.tensor([-9.0, 3.0], requires_grad=True)
        opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[name]([p], lr=lr)
        for _ in range(k):
            opt.zero_grad()
            (p[0] ** 2 / 20 + p[1] ** 2).backward()
            opt.step()
        with torch.no_grad():
            return (p[0] ** 2 / 20 + p[1] ** 2).item()

    bad = 0
    for r in rows:
        i, P, key = r["id"], r["params"], r["key"]
        if i == "adagrad.run-on-bowl":
            exp = bowl(lambda ps: torch.optim.Adagrad(ps, lr=P["lr"]), P["theta"], P["a"], 3)
        elif i == "rmsprop.run-on-bowl":
            exp = bowl(lambda ps: torch.optim.RMSprop(ps, lr=P["lr"], alpha=P["alpha"]), P["theta"], P["a"], 2)
        elif i == "nesterov.torch-vs-heavy-ball-tf":
            nes = bowl(lambda ps: torch.optim.SGD(ps, lr=P["lr"], momentum=P["mu"], nesterov=True), 1, P["a"], P["k"])
            heavy = bowl(lambda ps: torch.optim.SGD(ps, lr=P["lr"], momentum=P["mu"]), 1, P["a"], P["k"])
            exp = abs(nes) < abs(heavy)
        elif i == "adamw.sgd-weight-decay-step":
            p = torch.tensor([float(P["theta"])], requires_grad=True)
            opt = torch.optim.SGD([p], lr=P["lr"], weight_decay=P["wd"])
            p.grad = torch.tensor([float(P["g"])])
            opt.step()
            exp = p.item()
        elif i == "schedules.linear-decay-value":
            p = torch.tensor([1.0], requires_grad=True)
            opt = torch.optim.SGD([p], lr=P["lr"])
            sch = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=P["end"], total_iters=P["n"])
            for _ in range(P["t"]):
                opt.step()
                sch.step()
            exp = opt.param_groups[0]["lr"]
        elif i == "adam.valley-race-tf":
            exp = valley("adam", P["lr"], P["k"]) < valley("sgd", P["lr"], P["k"])
        elif i == "clipping.layer-after-global-clip":
            g1 = torch.zeros(2, requires_grad=True)
            g2 = torch.zeros(2, requires_grad=True)
            g1.grad = torch.tensor([float(P["n1"]), 0.0])
            g2.grad = torch.tensor([0.0, float(P["n2"])])
            torch.nn.utils.clip_grad_norm_([g1, g2], P["c"])
            exp = g1.grad.norm().item()
        else:
            raise KeyError(i)
        if isinstance(exp, bool):
            ok = key is exp
        else:
            ok = abs(key - exp) <= 1e-6 * max(1.0, abs(exp))
        if not ok:
            bad += 1
            print("mismatch", i, P, key, exp)
    print(f"checked {len(rows)} bad {bad}")


if __name__ == "__main__":
    {"dump": dump, "check": check}[sys.argv[1]](sys.argv[2])
