"""One batched call equals K separate runs (to 1e-12), whatever varies across the rows."""
import numpy as np
import pytest

from quizapp.optim import get_surface, simulate, simulate_batch, sweep


def _assert_rows_match(batch, runs):
    assert batch.size == len(runs)
    for k, run in enumerate(runs):
        row = batch.row(k)
        assert row.diverged_at == run.diverged_at, k
        assert row.path.shape == run.path.shape, k
        np.testing.assert_allclose(row.path, run.path, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(row.loss, run.loss, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(row.lr, run.lr, rtol=1e-12, atol=0)
        assert set(row.states) == set(run.states), k
        for name in run.states:
            np.testing.assert_allclose(row.states[name], run.states[name], rtol=1e-12,
                                       atol=1e-300, err_msg=f"row {k}, state {name}")
    expected_div = [-1 if r.diverged_at is None else r.diverged_at for r in runs]
    np.testing.assert_array_equal(batch.diverged_at, expected_div)


def _compare(surface, optimizer, steps, *, varying, shared=None, start=None, starts=None,
             clip_norm=None, noise=0.0, seed=0, schedule=None):
    """varying: {hyper name: K values}; starts / clip_norm / noise / seed may be lists too."""
    shared = dict(shared or {})
    k = len(next(iter(varying.values()))) if varying else len(starts)
    batch = simulate_batch(surface, optimizer, steps=steps, hyper={**shared, **varying},
                           start=starts if starts is not None else start,
                           clip_norm=clip_norm, noise=noise, seed=seed, schedule=schedule,
                           record_state=True)

    def pick(value, i):
        return value[i] if isinstance(value, (list, np.ndarray)) else value

    runs = []
    for i in range(k):
        hyper = {**shared, **{n: pick(v, i) for n, v in varying.items()}}
        hyper = {n: (v.item() if isinstance(v, np.generic) else v) for n, v in hyper.items()}
        runs.append(simulate(surface, optimizer, steps=steps, hyper=hyper,
                             start=starts[i] if starts is not None else start,
                             clip_norm=pick(clip_norm, i), noise=pick(noise, i),
                             seed=pick(seed, i), schedule=schedule, record_state=True))
    _assert_rows_match(batch, runs)
    return batch, runs


def test_learning_rate_sweep_including_diverging_rows():
    lrs = list(np.geomspace(1e-4, 2.0, 12))
    batch, runs = _compare("rosenbrock", "sgd", 150, varying={"lr": lrs},
                           shared={"momentum": 0.9})
    diverged = [r.diverged_at for r in runs]
    assert diverged[0] is None and diverged[-1] is not None  # the sweep spans both regimes
    # rows after their divergence are NaN in the batch arrays
    k = len(lrs) - 1
    assert np.all(np.isnan(batch.path[k, runs[k].diverged_at + 1:]))


def test_sweep_is_simulate_batch_over_lr():
    lrs = np.geomspace(1e-3, 0.5, 9)
    a = sweep("himmelblau", "adam", lrs=lrs, steps=80)
    b = simulate_batch("himmelblau", "adam", steps=80, hyper={"lr": lrs})
    np.testing.assert_array_equal(a.path, b.path)
    np.testing.assert_array_equal(a.final_loss(), b.final_loss())
    np.testing.assert_array_equal(a.lr[:, 0], lrs)


def test_start_point_grid():
    starts = [[x, y] for x in (-4.0, 0.0, 3.5) for y in (-3.0, 1.0, 4.0)]
    _compare("himmelblau", "momentum", 120, varying={}, starts=starts,
             shared={"lr": 0.01, "beta": 0.8})


@pytest.mark.parametrize("optimizer,varying,shared", [
    ("adam", {"beta1": [0.0, 0.5, 0.9, 0.99], "beta2": [0.9, 0.99, 0.999, 0.5]}, {"lr": 0.05}),
    ("adam", {"eps": [0.0, 1e-8, 1e-3, 1.0]}, {"lr": 0.05}),
    ("adam", {"amsgrad": [True, False, True, False], "weight_decay": [0.0, 0.0, 0.1, 0.1]},
     {"lr": 0.05}),
    ("adamw", {"amsgrad": [False, True, True], "weight_decay": [0.0, 0.01, 0.3]}, {"lr": 0.05}),
    ("sgd", {"momentum": [0.0, 0.5, 0.9, 0.99], "dampening": [0.0, 0.1, 0.0, 0.5]}, {"lr": 0.01}),
    ("sgd", {"nesterov": [True, False, True], "momentum": [0.9, 0.0, 0.5],
             "weight_decay": [0.0, 0.1, 0.01]}, {"lr": 0.01}),
    ("nesterov", {"momentum": [0.1, 0.5, 0.95]}, {"lr": 0.01}),
    ("momentum", {"beta": [0.0, 0.5, 0.9, 0.99], "lr": [0.01, 0.02, 0.03, 0.04]}, {}),
    ("rmsprop", {"centered": [False, True, True, False], "momentum": [0.0, 0.0, 0.9, 0.5],
                 "alpha": [0.9, 0.99, 0.5, 0.0]}, {"lr": 0.01}),
    ("adagrad", {"lr_decay": [0.0, 0.1, 0.01], "initial_accumulator_value": [0.0, 1.0, 0.1],
                 "eps": [1e-10, 1e-3, 0.0]}, {"lr": 0.3}),
    ("nadam", {"momentum_decay": [4e-3, 0.0, 0.1], "decoupled_weight_decay": [False, True, True],
               "weight_decay": [0.1, 0.1, 0.0]}, {"lr": 0.02}),
    ("radam", {"beta2": [0.7, 0.999, 0.9], "decoupled_weight_decay": [True, False, False],
               "weight_decay": [0.01, 0.01, 0.0]}, {"lr": 0.02}),
])
def test_any_hyper_parameter_may_vary(optimizer, varying, shared):
    _compare("beale", optimizer, 100, varying=varying, shared=shared, start=(1.0, 1.5))


def test_noise_seeds_and_clipping_vary_per_row():
    _compare("booth", "sgd", 100, varying={"lr": [0.01, 0.02, 0.03, 0.04, 0.05]},
             shared={"momentum": 0.5},
             clip_norm=[1.0, 5.0, 50.0, 1e6, 0.5], noise=[0.0, 0.5, 1.0, 2.0, 0.5],
             seed=[0, 1, 2, 3, 1])


def test_shared_seed_gives_the_same_noise_to_each_row():
    batch, _ = _compare("valley", "adam", 60, varying={"lr": [0.05, 0.05, 0.1]},
                        noise=0.7, seed=11, clip_norm=2.0)
    np.testing.assert_array_equal(batch.path[0], batch.path[1])


def test_regression_minibatches_with_a_schedule():
    surface = get_surface("regression", samples=50, batch_size=8, seed=3)
    _compare(surface, "adam", 90, varying={"lr": [0.01, 0.05, 0.2], "beta1": [0.9, 0.5, 0.0]},
             schedule=("cosine", {"T_max": 40}), noise=[0.0, 0.1, 0.2], seed=[5, 6, 7])


def test_scalar_values_are_shared_by_every_row():
    batch = simulate_batch("valley", "sgd", steps=10, start=[[1.0, 1.0], [2.0, 2.0]],
                           hyper={"lr": 0.1})
    assert batch.size == 2
    np.testing.assert_array_equal(batch.lr, 0.1)
    assert batch.path.shape == (2, 11, 2)
    assert batch.loss.shape == (2, 11)
    np.testing.assert_allclose(batch.final_loss(), batch.loss[:, -1])
