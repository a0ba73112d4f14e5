"""A race of 8 lanes on the digits: the batched engine vs one run after another vs torch.optim.

Workload (issue 13): 8 lanes, the digits MLP 64-32-10 (relu), 10 epochs, minibatches of
32 (1438 training images, 45 steps per epoch), the training- and validation-set loss
after every epoch. The lanes are eight different optimizers (a race compares optimizers:
SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW, NAdam).

* batched: one ``Trainer`` with the 8 lanes (one forward/backward for all lanes per step);
* sequential: the same 8 lanes as 8 ``Trainer`` runs, one after another;
* torch float32 / float64: 8 ``torch.optim`` runs on the same data, initial weights and
  minibatch rows, each with the same per-epoch evaluation (only when torch imports).

Everything runs on one thread (BLAS and torch), so the numbers compare the code, not
the number of cores. Best of ``--repeat`` runs (default 5), wall time and process CPU time.

    python benchmarks/bench_train.py
    PYTHONPATH=. /work/torchvenv/bin/python benchmarks/bench_train.py   # with torch

Targets: batched at least 3x faster than sequential and faster than the torch loops;
one epoch of 8 lanes well under a second.

Measured on the 2-core Xeon (AVX-512) with one BLAS thread, best of 5 CPU time: batched
0.165 s, sequential 0.40 s (2.3-2.5x: the 3x target is NOT met), the 8-Adam race 2.4-2.6x,
torch float32 and float64 6x slower than batched, 16 ms per epoch of 8 lanes. (The
first version: batched 0.26 s, sequential 0.51 s, 1.9x; Adam race 2.3x.)

Where the batched run's time goes (stubbing one part at a time): the eight optimizer
updates ~60 ms, the same as in the sequential runs: eight different optimizers are eight
elementwise updates of one lane's 2,410 numbers each, and NumPy runs a (8, 2410) array
no faster per number than eight (1, 2410) ones (the ops are bound by memory traffic,
not by the call), so only an update shared by several lanes (the Adam race) gains; the
epoch evaluations ~31 ms (sequential ~72); the 450 forward/backward passes ~45 ms, of
which ~25 ms are matrix products already at the CPU's peak; the update ratios ~19 ms.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from quizapp.optim.train import LaneSpec, Trainer, TrainSpec  # noqa: E402

SPEC = TrainSpec(dataset="digits", hidden=(32,), activation="relu", batch_size=32, epochs=10, seed=0)
LANES = [
    LaneSpec("sgd", lr=0.1),
    LaneSpec("momentum", lr=0.1, hyper={"beta": 0.9}),
    LaneSpec("nesterov", lr=0.05, hyper={"momentum": 0.9}),
    LaneSpec("adagrad", lr=0.01),
    LaneSpec("rmsprop", lr=0.001),
    LaneSpec("adam", lr=0.001),
    LaneSpec("adamw", lr=0.001, hyper={"weight_decay": 1e-2}),
    LaneSpec("nadam", lr=0.002),
]


CPU: dict[str, float] = {}  # label -> best process CPU time (steadier than wall time on a busy machine)


def _best(fn, repeat: int, label: str = "") -> tuple[float, object]:
    best, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    if label:
        CPU[label] = cpu
    return best, out


def batched(lanes=None):
    return Trainer(SPEC, lanes or LANES).run()


def sequential(lanes=None):
    return [Trainer(SPEC, [lane]).run() for lane in (lanes or LANES)]


#: the second workload: an lr race of one optimizer (one update call for all lanes)
ADAM_LANES = [LaneSpec("adam", lr=lr) for lr in (3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2)]


def torch_loop(dtype_name: str, reference: Trainer):
    import torch

    torch.set_num_threads(1)
    dtype = getattr(torch, dtype_name)
    d = reference.data
    X = torch.tensor(d.X, dtype=dtype)
    y = torch.tensor(d.y)
    tr, va = torch.tensor(d.train_idx), torch.tensor(d.val_idx)
    batches = [torch.tensor(b) for b in reference.batches]
    init = [(torch.tensor(W, dtype=dtype), torch.tensor(b, dtype=dtype))  # every lane starts here
            for W, b in reference.layout.torch_layers(reference.init_params)]
    spe = reference.steps_per_epoch

    def make_opt(lane, params):
        hyper = dict(lane.full_hyper())
        lr = lane.base_lr()
        if lane.optimizer == "momentum":
            return torch.optim.SGD(params, lr=lr * (1 - hyper["beta"]), momentum=hyper["beta"])
        if lane.optimizer == "nesterov":
            return torch.optim.SGD(params, lr=lr, nesterov=True, **hyper)
        if "beta1" in hyper:
            hyper["betas"] = (hyper.pop("beta1"), hyper.pop("beta2"))
        cls = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
               "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "nadam": torch.optim.NAdam}[lane.optimizer]
        return cls(params, lr=lr, **hyper)

    def run():
        finals = []
        for lane in LANES:
            mods = []
            for W, b in init:
                lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
                with torch.no_grad():
                    lin.weight.copy_(W)
                    lin.bias.copy_(b)
                mods += [lin, torch.nn.ReLU()]
            model = torch.nn.Sequential(*mods[:-1])
            opt = make_opt(lane, model.parameters())
            for t, rows in enumerate(batches):
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(X[rows]), y[rows])
                loss.backward()
                opt.step()
                if (t + 1) % spe == 0:
                    with torch.no_grad():
                        torch.nn.functional.cross_entropy(model(X[tr]), y[tr])
                        out = model(X[va])
                        vl = torch.nn.functional.cross_entropy(out, y[va]).item()
                        (out.argmax(1) == y[va]).double().mean().item()
            finals.append(vl)
        return finals

    return run


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    ref = Trainer(SPEC, LANES, record_batches=True).run()
    steps = ref.total_steps
    print(f"workload: 8 lanes ({', '.join(l.optimizer for l in LANES)}), digits MLP 64-32-10 relu, "
          f"{SPEC.epochs} epochs x {ref.steps_per_epoch} steps, batch {SPEC.batch_size}; best of {args.repeat}")
    t_batch, run = _best(batched, args.repeat, "batched")
    t_seq, runs = _best(sequential, args.repeat, "sequential")
    for k, alone in enumerate(runs):  # same numbers either way
        np.testing.assert_allclose(run.history.val_loss[k], alone.history.val_loss[0], rtol=1e-10)
    per_epoch = t_batch / SPEC.epochs
    print(f"batched engine   (8 lanes at once):      {t_batch:7.3f} s  ({per_epoch * 1000:.0f} ms per epoch of 8 lanes, "
          f"{t_batch / steps * 1e3:.2f} ms per step)")
    print(f"sequential engine (8 runs in a row):     {t_seq:7.3f} s")
    times = {}
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch.optim loops: skipped (torch is not installed in this Python)")
    else:
        for name in ("float32", "float64"):
            t, finals = _best(torch_loop(name, ref), args.repeat, name)
            times[name] = t
            if name == "float64":
                np.testing.assert_allclose(finals, run.history.val_loss[:, -1], rtol=1e-8)
            print(f"torch.optim {name} (8 runs in a row):  {t:7.3f} s")
    t_batch_a, _ = _best(lambda: batched(ADAM_LANES), args.repeat, "adam batched")
    t_seq_a, _ = _best(lambda: sequential(ADAM_LANES), args.repeat, "adam sequential")
    print(f"lr race, 8 Adam lanes: batched {t_batch_a:.3f} s, sequential {t_seq_a:.3f} s, "
          f"ratio {t_seq_a / t_batch_a:.2f}x")
    speedup = t_seq / t_batch
    print(f"ratio sequential / batched: {speedup:.2f}x  (target >= 3x: {'met' if speedup >= 3 else 'NOT met'})")
    for name, t in times.items():
        r = t / t_batch
        print(f"ratio torch {name} / batched: {r:.2f}x  (target > 1x: {'met' if r > 1 else 'NOT met'})")
    print(f"one epoch of 8 lanes: {per_epoch:.3f} s  (target well under 1 s: {'met' if per_epoch < 0.5 else 'NOT met'})")
    cpu = CPU
    line = (f"CPU time (best): batched {cpu['batched']:.3f} s, sequential {cpu['sequential']:.3f} s "
            f"(ratio {cpu['sequential'] / cpu['batched']:.2f}x); Adam race ratio "
            f"{cpu['adam sequential'] / cpu['adam batched']:.2f}x")
    for name in ("float32", "float64"):
        if name in cpu:
            line += f"; torch {name} / batched {cpu[name] / cpu['batched']:.2f}x"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
