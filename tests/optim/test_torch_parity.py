"""Every trajectory equals torch.optim's (2.13.0, float64) within 1e-9 relative.

The reference runs live in fixtures/torch_parity.json, written by
fixtures/make_torch_fixtures.py; torch itself is never needed to run this test.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from quizapp.optim import simulate

FIXTURE = Path(__file__).parent / "fixtures" / "torch_parity.json"


def _configs():
    if not FIXTURE.exists():
        return [pytest.param(None, id="fixture-missing")]
    data = json.loads(FIXTURE.read_text())
    return [pytest.param(c, id=c["id"]) for c in data["configs"]]


def test_fixture_file_is_present_and_broad():
    assert FIXTURE.exists(), f"missing {FIXTURE}: run fixtures/make_torch_fixtures.py"
    configs = json.loads(FIXTURE.read_text())["configs"]
    assert len(configs) >= 30
    optimizers = {c["optimizer"] for c in configs}
    assert {"sgd", "adagrad", "rmsprop", "adam", "adamw", "nadam", "radam"} <= optimizers
    schedules = {c["schedule"]["name"] for c in configs if c["schedule"]}
    assert {"step", "exponential", "cosine", "linear"} <= schedules
    assert any(c["clip_norm"] for c in configs)
    assert any(c["noise"] for c in configs)
    assert any(c["diverged_at"] is not None for c in configs)


def _run(cfg):
    noise = cfg["noise"] or {}
    schedule = cfg["schedule"]
    if schedule is not None:
        schedule = (schedule["name"], schedule["args"])
    return simulate(cfg["surface"], cfg["optimizer"], steps=cfg["steps"], start=cfg["start"],
                    hyper=cfg["hyper"], schedule=schedule, clip_norm=cfg["clip_norm"],
                    noise=noise.get("sigma", 0.0), seed=noise.get("seed", 0))


@pytest.mark.parametrize("cfg", _configs())
def test_trajectory_matches_torch(cfg):
    assert cfg is not None, f"missing {FIXTURE}"
    run = _run(cfg)
    expected_path = np.asarray(cfg["path"], dtype=float)
    assert run.diverged_at == cfg["diverged_at"]
    assert run.path.shape == expected_path.shape
    np.testing.assert_allclose(run.path, expected_path, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(run.lr, np.asarray(cfg["lr"], dtype=float), rtol=1e-12, atol=0)
    np.testing.assert_allclose(run.loss, np.asarray(cfg["loss"], dtype=float), rtol=1e-9, atol=1e-12)
