"""Runs: the shape of a trajectory, divergence, and silence (no NumPy warning escapes)."""
import json
import math
import warnings

import numpy as np
import pytest

from quizapp.optim import OPTIMIZERS, SURFACE_NAMES, get_surface, simulate, simulate_batch
from quizapp.optim.simulate import DIVERGENCE_LIMIT


@pytest.fixture
def strict():
    """Every warning is an error and NumPy raises on any floating-point trouble."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            yield


def test_trajectory_shapes_and_loss_at_each_point():
    run = simulate("himmelblau", "adam", steps=25, hyper={"lr": 0.1}, record_state=True)
    surface = get_surface("himmelblau")
    assert run.path.shape == (26, 2) and run.loss.shape == (26,) and run.lr.shape == (25,)
    assert run.steps == 25 and run.diverged_at is None
    np.testing.assert_array_equal(run.path[0], surface.start)
    np.testing.assert_allclose(run.loss, surface.loss(run.path), rtol=1e-15)
    assert run.final_loss == run.loss[-1]
    assert {"grad", "update", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"} <= set(run.states)
    assert run.states["exp_avg"].shape == (25, 2)


def test_no_state_unless_asked():
    assert simulate("booth", "adam", steps=5).states == {}


def test_zero_steps_is_just_the_start():
    run = simulate("booth", "adam", steps=0, start=(1.0, 2.0))
    assert run.path.tolist() == [[1.0, 2.0]]
    assert run.lr.shape == (0,)
    assert run.diverged_at is None


def test_to_json_is_plain_json():
    run = simulate("valley", "sgd", steps=3, hyper={"lr": 0.1})
    data = json.loads(json.dumps(run.to_json(), allow_nan=False))
    assert set(data) == {"path", "loss", "lr", "diverged_at"}
    assert len(data["path"]) == 4 and len(data["loss"]) == 4 and data["lr"] == [0.1] * 3


# ----------------------------------------------------------------- divergence


def test_divergence_stops_at_the_first_point_beyond_the_limit(strict):
    # valley, sgd lr=1.5: y <- y - 1.5*2y = -2y, so |y| doubles every step
    run = simulate("valley", "sgd", steps=100, start=(1.0, 3.3), hyper={"lr": 1.5})
    k = run.diverged_at
    assert k == 32  # 3.3 * 2^31 < 1e10 < 3.3 * 2^32
    assert run.path.shape == (k + 1, 2) and run.loss.shape == (k + 1,) and run.lr.shape == (k,)
    assert np.all(np.abs(run.path[:-1]) <= DIVERGENCE_LIMIT)
    assert np.max(np.abs(run.path[-1])) > DIVERGENCE_LIMIT
    assert run.path[-1, 1] == pytest.approx(3.3 * 2.0 ** 32, rel=1e-12)


def test_exactly_at_the_limit_is_not_divergence(strict):
    surface = get_surface("custom", formula="-x", view=(-1, 1, -1, 1))
    run = simulate(surface, "sgd", steps=5, start=(0.0, 0.0), hyper={"lr": DIVERGENCE_LIMIT})
    assert run.path[1].tolist() == [DIVERGENCE_LIMIT, 0.0]
    assert run.diverged_at == 2
    assert run.path[-1].tolist() == [2 * DIVERGENCE_LIMIT, 0.0]


def test_non_finite_point_is_kept_and_reported(strict):
    run = simulate("rosenbrock", "sgd", steps=10, hyper={"lr": 1e308})
    assert run.diverged_at == 1
    assert run.path.shape == (2, 2)
    assert not np.all(np.isfinite(run.path[-1]))
    data = run.to_json()
    assert data["path"][-1] == [None, None] and data["loss"][-1] is None
    json.dumps(data, allow_nan=False)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("surface", ["rosenbrock", "goldstein_price", "beale", "rastrigin", "saddle"])
def test_huge_rates_diverge_silently(strict, optimizer, surface):
    lrs = [1e-3, 10.0, 1e6, 1e200, 1e308]
    hyper = {"lr": lrs}
    if optimizer == "nesterov":
        hyper["momentum"] = 0.99
    batch = simulate_batch(surface, optimizer, steps=300, hyper=hyper, noise=1.0, seed=1,
                           clip_norm=1e300)
    assert batch.diverged_at[-1] >= 1
    for k in range(batch.size):
        row = batch.row(k)
        d = row.diverged_at
        if d is not None:
            assert row.path.shape == (d + 1, 2)
            last = row.path[-1]
            assert not (np.all(np.isfinite(last)) and np.all(np.abs(last) <= DIVERGENCE_LIMIT))
            assert np.all(np.abs(row.path[:-1]) <= DIVERGENCE_LIMIT)
            assert np.all(np.isnan(batch.path[k, d + 1:]))
            assert batch.final_loss()[k] == batch.loss[k, d] or np.isnan(batch.loss[k, d])


def test_every_surface_and_optimizer_runs_silently(strict):
    for surface in SURFACE_NAMES:
        for optimizer in OPTIMIZERS:
            run = simulate(surface, optimizer, steps=20, record_state=True,
                           schedule=("warmup_cosine", {"warmup_steps": 5, "total_steps": 15}))
            assert run.path.shape[0] >= 2


def test_a_diverged_row_does_not_disturb_the_others(strict):
    batch = simulate_batch("valley", "sgd", steps=60, start=(1.0, 3.3), hyper={"lr": [0.1, 1.5]})
    assert batch.diverged_at.tolist() == [-1, 32]
    alone = simulate("valley", "sgd", steps=60, start=(1.0, 3.3), hyper={"lr": 0.1})
    np.testing.assert_array_equal(batch.row(0).path, alone.path)
    assert math.isfinite(batch.final_loss()[1])
