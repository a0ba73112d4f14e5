"""Surfaces: analytic gradients, minima, and the regression surface's minibatches."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.optim import SURFACE_NAMES, get_surface, simulate, steps_per_epoch

BUILTIN = [name for name in SURFACE_NAMES if name != "regression"]
unit = st.floats(0.0, 1.0, allow_nan=False)


def central_difference(f, x, y):
    """Fourth-order central differences, step scaled to the point."""
    hx = 1e-4 * max(1.0, abs(x))
    hy = 1e-4 * max(1.0, abs(y))

    def d(fm2, fm1, fp1, fp2, h):
        return (fm2 - 8 * fm1 + 8 * fp1 - fp2) / (12 * h)

    gx = d(*(f(x + k * hx, y) for k in (-2, -1, 1, 2)), hx)
    gy = d(*(f(x, y + k * hy) for k in (-2, -1, 1, 2)), hy)
    return np.array([gx, gy])


def _value(surface):
    return lambda x, y: float(surface.loss(np.array([x, y])))


@pytest.mark.parametrize("name", BUILTIN)
@settings(max_examples=60, deadline=None)
@given(u=unit, v=unit)
def test_analytic_gradient_matches_central_differences(name, u, v):
    surface = get_surface(name)
    xmin, xmax, ymin, ymax = surface.view
    x, y = xmin + u * (xmax - xmin), ymin + v * (ymax - ymin)
    analytic = surface.grad(np.array([x, y]))
    numeric = central_difference(_value(surface), x, y)
    scale = 1.0 + abs(float(surface.loss(np.array([x, y])))) + np.abs(analytic).max()
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("name", BUILTIN)
def test_gradient_of_a_batch_equals_point_by_point(name):
    surface = get_surface(name)
    rng = np.random.default_rng(0)
    xmin, xmax, ymin, ymax = surface.view
    pts = np.column_stack([rng.uniform(xmin, xmax, 7), rng.uniform(ymin, ymax, 7)])
    batch = surface.grad(pts)
    assert batch.shape == (7, 2)
    for p, g in zip(pts, batch):
        np.testing.assert_array_equal(surface.grad(p), g)
    grid = surface.grad(pts.reshape(7, 1, 2))
    assert grid.shape == (7, 1, 2)


@pytest.mark.parametrize("name", BUILTIN)
def test_minima_have_zero_gradient_and_the_stated_value(name):
    surface = get_surface(name)
    for m in surface.minima:
        g = surface.grad(np.array(m))
        # himmelblau's three irrational minima are given to 6 decimals
        assert np.abs(g).max() < 1e-3, (m, g)
        assert float(surface.loss(np.array(m))) == pytest.approx(surface.min_value, abs=1e-9)
    if name != "himmelblau":
        for m in surface.minima:
            assert np.abs(surface.grad(np.array(m))).max() < 1e-12


def test_named_formulas_and_minima():
    rosen = get_surface("rosenbrock")
    assert float(rosen.loss(np.array([0.0, 0.0]))) == 1.0
    assert float(rosen.loss(np.array([-1.0, 2.0]))) == 4.0 + 100.0
    ras = get_surface("rastrigin")
    assert float(ras.loss(np.array([0.0, 0.0]))) == 0.0
    assert float(ras.loss(np.array([0.5, 0.0]))) == pytest.approx(20 + 0.25 + 10 - 10)
    valley = get_surface("valley")
    assert float(valley.loss(np.array([2.0, 1.0]))) == pytest.approx(0.2 + 1.0)
    saddle = get_surface("saddle")
    assert saddle.minima == () and saddle.min_value is None
    assert float(saddle.loss(np.array([1.0, 2.0]))) == -3.0
    gp = get_surface("goldstein_price")
    assert float(gp.loss(np.array([0.0, -1.0]))) == 3.0
    assert len(get_surface("himmelblau").minima) == 4


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_description_and_view(name):
    d = get_surface(name).describe()
    assert d["name"] == name and d["formula"] and d["description"]
    xmin, xmax, ymin, ymax = d["view"]
    assert xmin < xmax and ymin < ymax
    x, y = d["start"]
    assert xmin <= x <= xmax and ymin <= y <= ymax
    for mx, my in d["minima"]:
        assert xmin <= mx <= xmax and ymin <= my <= ymax


# ----------------------------------------------------------------- regression


@pytest.mark.parametrize("samples,batch", [(64, 16), (50, 8), (10, 10), (7, 1), (100, 33)])
def test_steps_per_epoch_is_ceil_samples_over_batch(samples, batch):
    surface = get_surface("regression", samples=samples, batch_size=batch)
    assert surface.steps_per_epoch == steps_per_epoch(samples, batch) == math.ceil(samples / batch)
    assert f"{math.ceil(samples / batch)} steps per epoch" in surface.description


@pytest.mark.parametrize("samples,batch", [(64, 16), (50, 8), (7, 3)])
def test_each_epoch_visits_every_sample_once_and_reshuffles(samples, batch):
    surface = get_surface("regression", samples=samples, batch_size=batch, seed=4)
    per = surface.steps_per_epoch
    orders = []
    for epoch in range(4):
        idx = [surface.batch_indices(epoch * per + j) for j in range(per)]
        assert all(len(b) == batch for b in idx[:-1])
        assert 1 <= len(idx[-1]) <= batch
        flat = np.concatenate(idx)
        assert sorted(flat.tolist()) == list(range(samples))
        orders.append(flat.tolist())
    assert len({tuple(o) for o in orders}) == 4, "each epoch should use a fresh shuffle"
    # the same step always sees the same minibatch
    np.testing.assert_array_equal(surface.batch_indices(per + 1), surface.batch_indices(per + 1))


def test_minibatch_gradient_and_full_data_loss():
    surface = get_surface("regression", samples=40, batch_size=8, seed=2)
    x, y = surface.x_data, surface.y_data
    w, b = 0.7, -0.3
    full = np.mean((w * x + b - y) ** 2)
    assert float(surface.loss(np.array([w, b]))) == pytest.approx(full, rel=1e-14)
    grads = []
    for step in range(surface.steps_per_epoch):
        idx = surface.batch_indices(step)
        r = w * x[idx] + b - y[idx]
        expected = [2 * np.mean(r * x[idx]), 2 * np.mean(r)]
        got = surface.grad(np.array([w, b]), step)
        np.testing.assert_allclose(got, expected, rtol=1e-13)
        grads.append(got)
    # equal batches: the epoch's average minibatch gradient is the full-data gradient
    np.testing.assert_allclose(np.mean(grads, axis=0),
                               central_difference(_value(surface), w, b), rtol=1e-7)


def test_regression_minimum_is_least_squares():
    surface = get_surface("regression", samples=200, batch_size=20, seed=1)
    (w, b), = surface.minima
    assert np.abs(central_difference(_value(surface), w, b)).max() < 1e-8
    assert float(surface.loss(np.array([w, b]))) == pytest.approx(surface.min_value, rel=1e-12)
    assert abs(w - 2.0) < 0.2 and abs(b + 1.0) < 0.2  # the generating line


def test_regression_run_uses_minibatches_and_reports_full_loss():
    surface = get_surface("regression", samples=30, batch_size=10, seed=0)
    run = simulate(surface, "sgd", steps=7, hyper={"lr": 0.05}, record_state=True)
    for t in range(7):
        np.testing.assert_array_equal(run.states["grad"][t], surface.grad(run.path[t], t))
    np.testing.assert_allclose(run.loss, surface.loss(run.path), rtol=1e-15)
    # full batch: every step is plain gradient descent on the full-data loss
    full = get_surface("regression", samples=30, batch_size=30, seed=0)
    run = simulate(full, "sgd", steps=300, hyper={"lr": 0.1})
    np.testing.assert_allclose(run.path[-1], full.minima[0], atol=1e-8)


def test_regression_data_depends_on_the_seed_only():
    a = get_surface("regression", samples=20, seed=5)
    b = get_surface("regression", samples=20, seed=5)
    c = get_surface("regression", samples=20, seed=6)
    np.testing.assert_array_equal(a.x_data, b.x_data)
    assert not np.array_equal(a.x_data, c.x_data)
