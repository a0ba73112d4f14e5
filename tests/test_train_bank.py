"""The bank's training-lab helpers: the numbers of the engine's runs, within the budget."""
import numpy as np
import pytest

from quizapp.bank import FormulaError, evaluate_text
from quizapp.bank.helpers import LAB_MOONS
from quizapp.optim.train import LaneSpec, TrainSpec, train


def ev(text):
    return evaluate_text(text, {})


def _run(optimizer, lr, epochs, **kw):
    hyper = {}
    if kw.pop("momentum", 0):
        hyper["momentum"] = 0.9
    spec = TrainSpec(dataset="moons", dataset_params=LAB_MOONS, hidden=(kw.pop("hidden", 8),),
                     batch_size=16, epochs=epochs, seed=kw.pop("seed", 0), early_stop=kw.pop("patience", None))
    return train(spec, [LaneSpec(optimizer, lr=lr, hyper=hyper)])


def test_helpers_give_the_engine_numbers():
    t = _run("adam", 0.03, 10, hidden=32, seed=2)
    h = t.history
    assert ev("train_val_loss('adam', 0.03, 10, seed=2, hidden=32)") == h.val_loss[0, -1]
    assert ev("train_loss('adam', 0.03, 10, seed=2, hidden=32)") == h.train_loss[0, -1]
    assert ev("train_val_accuracy('adam', 0.03, 10, seed=2, hidden=32)") == h.val_accuracy[0, -1]
    assert ev("best_val_epoch('adam', 0.03, 10, seed=2, hidden=32)") == h.best_epoch[0]
    assert ev("best_val_loss('adam', 0.03, 10, seed=2, hidden=32)") == np.nanmin(h.val_loss[0])
    # a shorter run is the start of a longer one
    for e in (1, 4, 7):
        assert ev(f"train_val_loss('adam', 0.03, {e}, seed=2, hidden=32)") == h.val_loss[0, e - 1]
    stopped = _run("adam", 0.03, 10, hidden=32, seed=2, patience=2)
    assert ev("early_stop_epoch('adam', 0.03, 10, 2, seed=2, hidden=32)") == stopped.history.early_stopped_epoch[0] == 4
    norm = t.history.grad_norm  # hidden 32; the helper's default is 8
    small = _run("sgd", 0.1, 1)
    assert ev("first_grad_norm()") == small.history.grad_norm[0, 0]
    assert norm[0, 0] != small.history.grad_norm[0, 0]
    assert ev("clip_coef_first_step(0.1)") == pytest.approx(0.1 / (small.history.grad_norm[0, 0] + 1e-6))
    assert ev("clip_coef_first_step(100)") == 1.0
    assert ev("diverged_step('sgd', 0.1, 2)") == 0


@pytest.mark.parametrize("text, message", [
    ("train_val_loss('lbfgs', 0.1, 3)", "unknown optimizer"),
    ("train_val_loss('adam', 0.1, 0)", "epochs"),
    ("train_val_loss('adam', 0.1, 201)", "epochs"),
    ("train_val_loss('adam', -1, 3)", "lr"),
    ("train_val_loss('adam', 0.1, 3, hidden=10**6)", "hidden"),
    ("early_stop_epoch('adam', 0.1, 3, 0)", "patience"),
    ("clip_coef_first_step(0)", "clip_norm"),
    ("train_val_loss('adam', 0.1, 3, colour=1)", "colour"),
    ("train_val_loss('adam', 0.001, 200, hidden=64, depth=3)", "optimizer steps"),
])
def test_bad_or_too_costly_calls_fail_with_a_plain_message(text, message):
    with pytest.raises(FormulaError, match=message):
        ev(text)
