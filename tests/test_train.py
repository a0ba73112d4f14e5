"""The training lab's engine: data, MLP, batched lanes, history, replay, CLI, symptoms, presets."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp import lab_presets
from quizapp.cli import main
from quizapp.optim import data, mlp, optimizers
from quizapp.optim.symptoms import KEYS, Lever, detect
from quizapp.optim.train import (LaneSpec, Trainer, TrainSpec, apply_changes, notebook_outcome,
                                 notebook_record, train)
from quizapp.progress.notebook import config_lr, diff_configs

ROOT = Path(__file__).resolve().parents[1]
SMALL = TrainSpec(dataset="moons", dataset_params={"n": 120}, hidden=(8,), epochs=4, batch_size=16)


# ---------------------------------------------------------------- data

def test_digits_are_the_shipped_uci_set_scaled_to_unit_interval():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.all(np.isin(X * 16, np.arange(17)))  # counts 0..16 divided by 16
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    X[0, 0] = 5.0  # a copy: the cache is not changed
    assert data.load_digits()[0][0, 0] == 0.0
    assert (ROOT / "assets" / "data" / "README.md").read_text().count("CC BY 4.0") == 1


def test_moons_are_two_half_circles_from_the_seed():
    X, y = data.make_moons(200, 0.0, seed=3)
    assert X.shape == (200, 2) and sorted(np.bincount(y)) == [100, 100]
    upper = X[y == 0]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    lower = X[y == 1]
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    a, b = data.make_moons(50, 0.2, 7), data.make_moons(50, 0.2, 7)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], data.make_moons(50, 0.2, 8)[0])
    with pytest.raises(ValueError):
        data.make_moons(10**9, 0.1, 0)


@given(n=st.integers(2, 500), frac=st.floats(0, 0.9), seed=st.integers(0, 2**32))
@settings(max_examples=50, deadline=None)
def test_split_partitions_the_rows(n, frac, seed):
    tr, va = data.split(n, frac, seed)
    assert sorted(np.concatenate([tr, va]).tolist()) == list(range(n))
    assert len(tr) >= 1 and len(va) == min(round(n * frac), n - 1)


def test_shift_moves_each_image_by_at_most_one_pixel_with_blank_fill():
    X, _ = data.load_digits()
    rng = np.random.default_rng(0)
    out = data.shift_digits(X[:200], rng)
    assert out.shape == (200, 64)
    for img, sh in zip(X[:200].reshape(-1, 8, 8), out.reshape(-1, 8, 8)):
        padded = np.pad(img, 1)
        assert any(np.array_equal(sh, padded[1 - dy:9 - dy, 1 - dx:9 - dx])
                   for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    assert not np.array_equal(out, X[:200])


# ---------------------------------------------------------------- optimizers on any shape

@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_optimizers_take_any_trailing_shape_bit_for_bit(name):
    rng = np.random.default_rng(1)
    p = rng.standard_normal((3, 4, 5))
    hyper = {"lr": np.array([0.01, 0.02, 0.03])}
    flat_opt, shaped_opt = optimizers.make(name, **hyper), optimizers.make(name, **hyper)
    pf, ps = p.reshape(3, 20).copy(), p.copy()
    sf, ss = flat_opt.init(pf), shaped_opt.init(ps)
    lr = np.array([[0.01], [0.02], [0.03]])
    for _ in range(5):
        g = rng.standard_normal((3, 4, 5))
        pf, sf = flat_opt.update(g.reshape(3, 20), sf, pf, lr)
        ps, ss = shaped_opt.update(g, ss, ps, lr.reshape(3, 1, 1))
        assert ps.shape == (3, 4, 5)
        np.testing.assert_array_equal(ps.reshape(3, 20), pf)


# ---------------------------------------------------------------- MLP

def test_backward_matches_finite_differences():
    layout = mlp.Layout((3, 5, 4, 3))
    for act in ("relu", "tanh"):
        p = mlp.init_params(layout, 0, 1.0, lanes=2)
        p[1] *= 1.5
        rng = np.random.default_rng(2)
        X, y = rng.standard_normal((7, 3)), rng.integers(0, 3, 7)
        loss, g = mlp.loss_and_grad(layout, p, X, y, act)
        for idx in rng.choice(layout.size, 12, replace=False):
            for k in range(2):
                e = np.zeros_like(p)
                e[k, idx] = 1e-6
                up = mlp.loss_and_grad(layout, p + e, X, y, act)[0][k]
                down = mlp.loss_and_grad(layout, p - e, X, y, act)[0][k]
                assert abs((up - down) / 2e-6 - g[k, idx]) < 1e-6


def test_init_is_torch_linear_bounds_times_scale():
    layout = mlp.Layout((64, 32, 10))
    p = mlp.init_params(layout, 0, 1.0)
    (W1, b1), (W2, b2) = layout.views(p)
    assert np.abs(W1).max() <= 1 / 8 and np.abs(W1).max() > 0.12  # U(-1/sqrt(64), 1/sqrt(64))
    assert np.abs(W2).max() <= 1 / np.sqrt(32)
    p3 = mlp.init_params(layout, 0, 3.0)
    np.testing.assert_allclose(p3, 3 * p)


# ---------------------------------------------------------------- trainer

LANES = [LaneSpec("sgd", lr=0.3, hyper={"momentum": 0.9}), LaneSpec("adam", lr=0.01, clip_norm=0.1),
         LaneSpec("adagrad", lr=0.05, schedule="cosine"), LaneSpec("momentum", lr=0.2, warmup=5),
         LaneSpec("adam", lr=0.003, hyper={"weight_decay": 1e-3, "amsgrad": True})]


def test_a_lane_in_a_race_gives_the_numbers_it_gives_alone():
    race = train(SMALL, LANES)
    for k, lane in enumerate(LANES):
        alone = train(SMALL, [lane])
        np.testing.assert_allclose(race.history.loss[k], alone.history.loss[0], rtol=1e-12)
        np.testing.assert_allclose(race.params[k], alone.params[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(race.history.val_loss[k], alone.history.val_loss[0], rtol=1e-12)


def test_lanes_share_data_init_and_minibatch_order():
    a = Trainer(SMALL, LANES[:2], record_batches=True).run()
    b = Trainer(SMALL, LANES[2:], record_batches=True).run()
    np.testing.assert_array_equal(a.init_params, b.init_params)
    assert all(np.array_equal(x, y) for x, y in zip(a.batches, b.batches))
    # reshuffled every epoch, covering the training rows once per epoch
    spe = a.steps_per_epoch
    e1, e2 = np.concatenate(a.batches[:spe]), np.concatenate(a.batches[spe:2 * spe])
    assert sorted(e1) == sorted(a.data.train_idx) == sorted(e2) and not np.array_equal(e1, e2)
    c = Trainer(TrainSpec(**{**SMALL.__dict__, "seed": 1}), LANES[:1], record_batches=True).run()
    assert not np.array_equal(a.init_params, c.init_params)


def test_run_steps_in_slices_equals_one_run():
    whole = train(SMALL, LANES)
    sliced = Trainer(SMALL, LANES)
    seen = []
    while not sliced.done:
        part = sliced.run_steps(7)
        assert part.loss.shape == (len(LANES), part.count)
        seen += part.epochs
    assert seen == list(range(1, SMALL.epochs + 1))
    np.testing.assert_array_equal(whole.history.loss, sliced.history.loss)
    np.testing.assert_array_equal(whole.history.update_ratio, sliced.history.update_ratio)
    np.testing.assert_array_equal(whole.params, sliced.params)


def test_history_records_steps_epochs_and_warmup_schedule_lr():
    t = train(SMALL, LANES)
    h = t.history
    T = t.total_steps
    assert h.loss.shape == (5, T) and h.update_ratio.shape == (5, T, 2) and h.val_loss.shape == (5, 4)
    assert np.isfinite(h.loss).all() and np.isfinite(h.update_ratio).all()
    np.testing.assert_allclose(h.lr[3, :6], 0.2 * np.array([1, 2, 3, 4, 5, 5]) / 5)
    assert h.lr[2, 0] == 0.05 and h.lr[2, -1] < 0.001  # cosine over the whole run by default
    assert (h.clip_coef[1] <= 1).all() and (h.clip_coef[1] < 1).any() and (h.clip_coef[0] == 1).all()
    assert (h.val_accuracy >= 0).all() and (h.val_accuracy <= 1).all()


def test_non_finite_loss_stops_only_that_lane_and_records_the_step():
    spec = TrainSpec(dataset="moons", hidden=(16, 16, 16), init_scale=10, epochs=3)
    t = Trainer(spec, [LaneSpec("sgd", lr=1.0), LaneSpec("sgd", lr=1.0, clip_norm=1.0)])
    part = t.run_steps(30)
    d = t.history.diverged_step[0]
    assert d is not None and (0, "diverged") in part.stopped
    assert np.isnan(t.history.loss[0, d - 1]) and np.isnan(t.history.loss[0, d:]).all()
    assert t.history.steps_taken[0] == d and t.history.diverged_step[1] is None
    assert np.isfinite(t.history.loss[1, :30]).all()


def test_early_stopping_halts_after_patience_epochs_without_improvement():
    spec = lab_presets._VAL_FIX
    t = train(spec, [LaneSpec("adam", lr=0.01)])
    h = t.history
    stop, best = h.early_stopped_epoch[0], h.best_epoch[0]
    assert stop == best + spec.early_stop
    assert np.nanmin(h.val_loss[0, best:stop]) >= h.val_loss[0, best - 1]
    assert h.epochs_done[0] == stop and t.done


def test_predict_proba_and_misclassified_digits():
    t = train(TrainSpec(dataset="digits", hidden=(16,), epochs=1), [LaneSpec("adam", lr=0.003)])
    p = t.predict_proba(0, t.data.X[:5])
    assert p.shape == (5, 10) and np.allclose(p.sum(axis=1), 1)
    wrong = t.misclassified(0, 4)
    assert 1 <= len(wrong) <= 4
    for w in wrong:
        assert w["image"].shape == (8, 8) and w["label"] != w["predicted"]
        assert t.data.y[w["row"]] == w["label"] and w["row"] in set(t.data.val_idx.tolist())


def test_bad_settings_fail_before_any_work():
    with pytest.raises(ValueError, match="activation"):
        Trainer(TrainSpec(activation="gelu"), [LaneSpec()])
    with pytest.raises(ValueError, match="beta9"):
        Trainer(TrainSpec(), [LaneSpec("adam", hyper={"beta9": 1})])
    with pytest.raises(ValueError, match="early_stop"):
        Trainer(TrainSpec(early_stop=2, val_fraction=0), [LaneSpec()])
    with pytest.raises(ValueError, match="steps"):
        Trainer(TrainSpec(dataset="digits", batch_size=1, epochs=1000), [LaneSpec()])
    with pytest.raises(ValueError, match="too big"):
        Trainer(TrainSpec(hidden=(4096, 4096)), [LaneSpec()])
    with pytest.raises(ValueError, match="lanes"):
        Trainer(TrainSpec(), [LaneSpec()] * 9)
    with pytest.raises(ValueError, match="T_max"):
        Trainer(TrainSpec(), [LaneSpec("sgd", schedule="cosine", schedule_args={"T_max": 0})])


# ---------------------------------------------------------------- notebook

def test_notebook_record_has_the_chapters_fields_and_diffs_one_knob():
    spec = TrainSpec(dataset="digits", hidden=(32,), batch_size=64, seed=3)
    a = notebook_record(spec, LaneSpec("adamw", lr=0.003, hyper={"weight_decay": 1e-4}))
    for key in ("optimizer", "lr", "batch_size", "weight_decay", "seed", "scheduler", "model", "data"):
        assert key in a
    assert a["lr"] == 0.003 and a["batch_size"] == 64 and a["weight_decay"] == 1e-4 and a["seed"] == 3
    assert config_lr(a) == 0.003
    b = notebook_record(spec, LaneSpec("adamw", lr=0.003, hyper={"weight_decay": 1e-2}))
    assert [k for k, _, _ in diff_configs(a, b)] == ["weight_decay"]
    c = notebook_record(TrainSpec(dataset="digits", hidden=(32,), batch_size=32, seed=3),
                        LaneSpec("adamw", lr=0.003, hyper={"weight_decay": 1e-4}))
    assert [k for k, _, _ in diff_configs(a, c)] == ["batch_size"]
    d = notebook_record(spec, LaneSpec("adamw", lr=0.003, hyper={"weight_decay": 1e-4}, schedule="cosine"))
    assert [k for k, _, _ in diff_configs(a, d)] == ["scheduler.name"]


# ---------------------------------------------------------------- symptoms

def test_detector_names_each_symptom_on_known_runs_with_its_levers():
    nan = train(lab_presets._NAN_SPEC, lab_presets._NAN_LANES)
    [s] = [s for s in detect(nan.history, 0) if s.key == "divergence"]
    assert f"step {nan.history.diverged_step[0]}" in s.evidence and s.step == nan.history.diverged_step[0]
    labels = [c.label for c in s.checks]
    assert labels[:3] == ["lower lr", "add warmup", "clip at 1"] and "smaller init scale" in labels
    assert s.checks[0].changes == {"lr": 0.333} and s.checks[2].changes == {"clip_norm": 1.0}
    assert detect(nan.history, 1) == [] or "divergence" not in [x.key for x in detect(nan.history, 1)]

    over = train(lab_presets._VAL_SPEC, lab_presets._VAL_LANES[:1])
    [v] = [s for s in detect(over.history, 0) if s.key == "val_stagnation"]
    assert v.epoch == over.history.best_epoch[0] and "validation loss was lowest" in v.evidence
    assert [c.label for c in v.checks] == ["weight decay 1e-4", "augmentation", "early stopping"]
    spec, lane = apply_changes(over.spec, over.lanes[0], v.checks[0].changes)
    assert lane.hyper == {"weight_decay": 1e-4} and spec == over.spec
    spec, lane = apply_changes(over.spec, over.lanes[0], v.checks[2].changes)
    assert spec.early_stop == 3


def test_detector_is_quiet_on_a_healthy_run_and_works_mid_run():
    t = Trainer(TrainSpec(dataset="moons", epochs=10), [LaneSpec("adam", lr=0.01)])
    t.run_steps(3)
    assert detect(t.history, 0) == []  # too early to say anything
    t.run()
    assert detect(t.history, 0) == []


@pytest.mark.parametrize("spec, lanes, key", [
    (lab_presets._OSC_SPEC, lab_presets._OSC_LANES[:1], "oscillation"),
    (lab_presets._NAN_SPEC, lab_presets._NAN_LANES[:1], "divergence"),
    (lab_presets._FADE_SPEC, lab_presets._FADE_LANES[:1], "fading"),
    (lab_presets._VAL_SPEC, (LaneSpec("momentum", lr=0.3),), "val_stagnation"),
], ids=["oscillation", "divergence", "fading", "momentum-lane"])
def test_every_lever_applies_to_a_lane(spec, lanes, key):
    t = train(spec, lanes)
    syms = detect(t.history, 0)
    assert {s.key for s in syms} <= set(KEYS)
    if key:
        assert key in {s.key for s in syms}
    for s in syms:
        assert s.evidence and s.title and s.checks
        for lever in s.checks:
            assert isinstance(lever, Lever) and lever.label and lever.changes
            new_spec, lane = apply_changes(t.spec, t.lanes[0], lever.changes)
            assert (new_spec, lane) != (t.spec, t.lanes[0])  # the lever changes something
            Trainer(new_spec, [lane])  # and gives valid settings


# ---------------------------------------------------------------- presets

@pytest.mark.parametrize("preset", lab_presets.PRESETS, ids=[p.key for p in lab_presets.PRESETS])
def test_preset_claim_holds(preset):
    assert preset.claim and preset.text and preset.stages
    for stage in preset.stages:
        assert 1 <= len(stage.lanes) <= 8
    evidence = preset.verify()
    assert evidence


def test_presets_cover_every_debugging_row():
    rows = {p.symptom for p in lab_presets.PRESETS}
    assert {"oscillation", "divergence", "fading", "val_stagnation"} <= rows
    assert {"tuning_order", "one_knob"} <= {p.key for p in lab_presets.PRESETS}


# ---------------------------------------------------------------- CLI

def test_cli_replay_file_has_exactly_the_issue_fields(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["train", "--optimizer", "adam", "--hidden", "8,4", "--epochs", "2",
                 "--schedule", "cosine", "--replay-out", str(out)]) == 0
    rep = json.loads(out.read_text())
    assert set(rep) == {"config", "X", "y", "train_idx", "val_idx", "init", "batches", "steps", "epochs", "final"}
    assert set(rep["config"]) == {"optimizer", "hyper", "lr", "schedule", "clip_norm", "activation", "hidden",
                                  "init_scale", "batch_size", "epochs", "seed", "dataset"}
    c = rep["config"]
    assert c["hyper"] == {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}
    assert c["lr"] == 0.001 and c["clip_norm"] is None and c["hidden"] == [8, 4]
    steps_total = len(rep["batches"])
    assert c["schedule"] == {"name": "cosine", "args": {"T_max": steps_total}}
    assert [len(l["weight"]) for l in rep["init"]] == [8, 4, 2] and len(rep["init"][0]["weight"][0]) == 2
    assert len(rep["steps"]) == steps_total and rep["steps"][0]["step"] == 1
    assert set(rep["steps"][0]) == {"step", "lr", "loss", "grad_norm"}
    assert [e["epoch"] for e in rep["epochs"]] == [1, 2]
    assert len(rep["X"]) == 400 and len(rep["train_idx"]) + len(rep["val_idx"]) == 400
    assert "replay file" in capsys.readouterr().out


def test_cli_flags_share_simulates_defaults_and_reject_augment_with_replay(tmp_path, capsys):
    from quizapp.cli import build_parser

    t = build_parser().parse_args(["train", "--optimizer", "sgd"])
    s = build_parser().parse_args(["simulate", "--optimizer", "sgd", "--surface", "booth"])
    for name in ("lr", "set", "schedule", "schedule_set", "clip_norm", "seed"):
        assert getattr(t, name) == getattr(s, name)
    assert main(["train", "--optimizer", "sgd", "--augment", "--replay-out", str(tmp_path / "x.json")]) == 2
    assert "augmentation" in capsys.readouterr().err
    assert main(["train", "--optimizer", "sgd", "--set", "bogus=1"]) == 2
    assert main(["train", "--optimizer", "sgd", "--schedule-set", "T_max=3"]) == 2


def test_cli_json_and_divergence_message(capsys):
    assert main(["train", "--optimizer", "sgd", "--lr", "1", "--init-scale", "10", "--hidden", "16,16,16",
                 "--epochs", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["diverged_step"] == 10 and out["epochs_done"] == 0
    assert main(["train", "--optimizer", "sgd", "--lr", "1", "--init-scale", "10", "--hidden", "16,16,16",
                 "--epochs", "2"]) == 0
    assert "diverged at step 10" in capsys.readouterr().out


def test_replay_to_a_read_only_folder_fails_cleanly(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        proc = subprocess.run([sys.executable, "-m", "quizapp", "train", "--optimizer", "sgd", "--epochs", "1",
                               "--replay-out", str(folder / "r.json")], cwd=ROOT, capture_output=True, text=True)
    finally:
        folder.chmod(0o700)
    if proc.returncode == 0:  # running as root: the folder is writable anyway
        assert (folder / "r.json").exists()
    else:
        assert proc.returncode == 2 and "cannot write" in proc.stderr and "Traceback" not in proc.stderr


def test_a_worker_thread_can_advance_the_trainer_in_slices():
    import threading

    expected = train(SMALL, LANES)
    t = Trainer(SMALL, LANES)
    slices = []

    def work():
        while not t.done:
            slices.append(t.run_steps(5))

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()
    np.testing.assert_array_equal(t.history.loss, expected.history.loss)
    assert sum(s.count for s in slices) == t.total_steps
    assert [e for s in slices for e in s.epochs] == list(range(1, SMALL.epochs + 1))


@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4), k=st.integers(1, 3),
       b=st.integers(1, 5), act=st.sampled_from(["relu", "tanh"]), seed=st.integers(0, 1000))
@settings(max_examples=40, deadline=None)
def test_backward_matches_finite_differences_for_any_shape(sizes, k, b, act, seed):
    sizes = [*sizes[:-1], max(2, sizes[-1])]  # at least two classes
    layout = mlp.Layout(tuple(sizes))
    rng = np.random.default_rng(seed)
    p = rng.standard_normal((k, layout.size))
    X, y = rng.standard_normal((b, sizes[0])), rng.integers(0, sizes[-1], b)
    loss, g = mlp.loss_and_grad(layout, p, X, y, act)
    assert loss.shape == (k,) and g.shape == p.shape
    idx = int(rng.integers(layout.size))
    e = np.zeros_like(p)
    e[:, idx] = 1e-6
    numeric = (mlp.loss_and_grad(layout, p + e, X, y, act)[0] - mlp.loss_and_grad(layout, p - e, X, y, act)[0]) / 2e-6
    # (a relu kink inside +-1e-6 of a pre-activation has probability ~1e-6 per unit here)
    np.testing.assert_allclose(numeric, g[:, idx], atol=1e-5)
    np.testing.assert_allclose(loss, mlp.evaluate(layout, p, X, y, act)[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_row_losses_in_small_chunks_equal_one_chunk_and_the_softmax(monkeypatch, act):
    layout = mlp.Layout((5, 7, 4, 3))
    rng = np.random.default_rng(4)
    p = rng.standard_normal((3, layout.size))
    X, y = rng.standard_normal((50, 5)), rng.integers(0, 3, 50)
    whole = mlp.row_losses(layout, p, X, y, act)
    monkeypatch.setattr(mlp, "_EVAL_NUMBERS", 3 * 7 * 16)  # 16 rows per chunk: 4 chunks
    chunked = mlp.row_losses(layout, p, X, y, act)
    np.testing.assert_array_equal(chunked[0], whole[0])
    np.testing.assert_array_equal(chunked[1], whole[1])
    logits, _ = mlp.forward(layout, p, X, act)  # (K, n, classes), the row layout
    np.testing.assert_allclose(whole[0], -mlp.log_softmax(logits)[:, np.arange(50), y], rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(whole[1], logits.argmax(axis=-1) == y)


def test_decision_grid_matches_predict_proba_on_moons():
    t = train(SMALL, LANES[:2])
    xs, ys, p = t.decision_grid(1, n=20)
    assert xs.shape == (20,) and ys.shape == (20,) and p.shape == (20, 20)
    assert xs[0] < t.data.X[:, 0].min() and ys[-1] > t.data.X[:, 1].max()
    assert p[3, 7] == pytest.approx(t.predict_proba(1, np.array([[xs[7], ys[3]]]))[0, 1])
    assert ((p >= 0) & (p <= 1)).all() and p.min() < 0.5 < p.max()
    digits = Trainer(TrainSpec(dataset="digits", epochs=1), [LaneSpec()])
    with pytest.raises(ValueError, match="2-D"):
        digits.decision_grid(0)


def test_lab_runs_go_into_the_notebook_store_with_one_knob_changed(tmp_path):
    from quizapp.progress.store import Store

    store = Store.open(tmp_path / "p.db")
    learner = store.add_learner("ada")
    t = train(lab_presets._KNOB_SPEC, lab_presets._KNOB_LANES)
    for k, lane in enumerate(t.lanes):
        store.record_run(learner.id, notebook_record(t.spec, lane), notebook_outcome(t, k))
    newest, middle, first = store.runs(learner.id)
    assert middle.changed == 1 and newest.changed == 2  # +momentum; then lr and momentum
    assert first.config["optimizer"] == "sgd" and first.config["lr"] == 0.1
    assert first.outcome["final_loss"] == pytest.approx(t.history.val_loss[0, -1])
    row = store.db.execute("SELECT lr FROM runs WHERE id = ?", [newest.id]).fetchone()
    assert row[0] == 0.3


def _history(loss=None, train_loss=None, val_loss=None, ratio=None, spe=10):
    from quizapp.optim.train import History

    steps = len(loss) if loss is not None else spe * len(train_loss)
    epochs = len(train_loss) if train_loss is not None else steps // spe
    h = History(1, spe, steps, epochs, 1)
    h.loss[0] = loss if loss is not None else 1.0
    h.grad_norm[0] = 1.0
    h.lr[0] = 0.1
    h.update_ratio[0, :, 0] = ratio if ratio is not None else 0.01
    if train_loss is not None:
        h.train_loss[0] = train_loss
        h.val_loss[0] = val_loss if val_loss is not None else train_loss
    h.steps_taken[0], h.epochs_done[0] = steps, epochs
    h.spec = TrainSpec(dataset="moons", batch_size=32)
    h.lane_specs = [LaneSpec("sgd", lr=0.3, hyper={"momentum": 0.9})]
    return h


def test_detector_on_hand_made_histories():
    # a loss that explodes without reaching NaN
    loss = np.r_[[0.7, 0.7, 0.7], np.geomspace(1, 100, 17), np.full(20, 50.0)]
    [s] = [s for s in detect(_history(loss=loss, train_loss=np.full(4, 0.7)), 0) if s.key == "divergence"]
    assert "0.7 to 100" in s.evidence and s.step == 20 and s.checks[0].changes == {"lr": 0.1}
    # a training loss that goes up and down
    tl = np.array([1.0, 0.8, 0.9, 0.6, 0.85, 0.6, 0.9, 0.55, 0.8, 0.6, 0.85])
    [s] = [s for s in detect(_history(train_loss=tl), 0) if s.key == "oscillation"]
    assert "rose after 5 of the last 9 epochs" in s.evidence
    assert [c.label for c in s.checks] == ["lower lr", "less momentum", "larger batch"]
    assert s.checks[1].changes == {"hyper.momentum": 0.5} and s.checks[2].changes == {"batch_size": 64}
    # updates fading while the loss stays high
    ratio = np.r_[np.full(10, 0.05), np.linspace(0.05, 0.002, 20), np.full(10, 0.002)]
    [s] = [s for s in detect(_history(train_loss=np.full(4, 0.6), ratio=ratio), 0) if s.key == "fading"]
    assert "from 0.05 (epoch 1) to 0.002 (epoch 4), 4% of its start" in s.evidence and s.epoch == 4
    # the same fade with a low loss is convergence, not a symptom
    assert "fading" not in [s.key for s in detect(_history(train_loss=np.full(4, 0.1), ratio=ratio), 0)]
    # validation stagnating while the training loss falls
    tl = np.linspace(1.0, 0.2, 8)
    vl = np.array([1.0, 0.8, 0.6, 0.5, 0.55, 0.6, 0.7, 0.8])
    [s] = [s for s in detect(_history(train_loss=tl, val_loss=vl), 0) if s.key == "val_stagnation"]
    assert s.epoch == 4 and "lowest at epoch 4 (0.5)" in s.evidence and "4 epochs later" in s.evidence
    # a flat validation loss with a flat training loss is not over-fitting
    assert "val_stagnation" not in [s.key for s in detect(_history(train_loss=np.full(8, 0.5), val_loss=vl), 0)]
