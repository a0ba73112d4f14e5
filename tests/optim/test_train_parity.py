"""`quizapp train` runs equal torch.optim's (2.13, float64) replays of their replay files.

fixtures/train_parity.json was made by fixtures/make_train_fixtures.py: each config's
CLI arguments were run with ``--replay-out`` and the file replayed with torch.optim
(init, batches, data and split from the file; the optimizer, schedule, clipping,
weight decay and activation from its config). Torch is not needed to run this test.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from quizapp.cli import build_parser
from quizapp.commands.train import specs_from_args
from quizapp.optim.train import Trainer

FIXTURE = Path(__file__).parent / "fixtures" / "train_parity.json"
DATA = json.loads(FIXTURE.read_text())


def _trainer(args):
    spec, lane = specs_from_args(build_parser().parse_args(["train", *args]))
    return Trainer(spec, [lane]).run()


def test_fixture_covers_every_optimizer_schedule_clip_decay_activation():
    configs = DATA["configs"]
    flat = [" ".join(c["args"]) for c in configs]
    for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam", "radam"):
        assert any(f"--optimizer {name} " in f for f in flat), name
    for sched in ("step", "exponential", "cosine", "linear", "warmup_cosine"):
        assert any(f"--schedule {sched} " in f for f in flat), sched
    assert any("--clip-norm" in f for f in flat)
    assert any("weight_decay" in f for f in flat)
    assert any("--activation tanh" in f for f in flat) and any("--activation" not in f for f in flat)
    assert any("--dataset digits" in f for f in flat)
    assert any(c["diverged_step"] is not None for c in configs)
    assert DATA["steps_compared"] == 300


@pytest.mark.parametrize("cfg", DATA["configs"], ids=[c["id"] for c in DATA["configs"]])
def test_run_matches_torch_replay(cfg):
    trainer = _trainer(cfg["args"])
    h = trainer.history
    expected = cfg["steps"]
    n = len(expected)
    assert int(h.steps_taken[0]) >= n
    loss = np.array([s[0] if s[0] is not None else np.nan for s in expected])
    norm = np.array([s[1] if s[1] is not None else np.nan for s in expected])
    lr = np.array([s[2] for s in expected])
    np.testing.assert_allclose(h.loss[0, :n], loss, rtol=1e-9, atol=0)
    mine = np.where(np.isfinite(h.grad_norm[0, :n]), h.grad_norm[0, :n], np.nan)  # JSON null
    np.testing.assert_allclose(mine, norm, rtol=1e-9, atol=0)
    np.testing.assert_allclose(h.lr[0, :n], lr, rtol=1e-12, atol=0)
    assert h.diverged_step[0] == cfg["diverged_step"]
    epochs = np.array(cfg["epochs"]).reshape(-1, 3)
    e = len(epochs)
    assert int(h.epochs_done[0]) == e
    np.testing.assert_allclose(h.train_loss[0, :e], epochs[:, 0], rtol=1e-9)
    np.testing.assert_allclose(h.val_loss[0, :e], epochs[:, 1], rtol=1e-9)
    np.testing.assert_array_equal(h.val_accuracy[0, :e], epochs[:, 2])
    for mine, (w, b) in zip(trainer.layer_params(0), cfg["final"]):
        np.testing.assert_allclose(mine["weight"].ravel(), w, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(mine["bias"], b, rtol=1e-9, atol=1e-12)
