"""The Lab page's Qt-free model: presets into lanes, levers, notebook records, series."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from quizapp import lab_presets
from quizapp.optim import symptoms as _symptoms
from quizapp.optim.train import Trainer, notebook_record
from quizapp.progress.notebook import diff_configs
from quizapp.ui.lab import model as m

ROOT = Path(__file__).resolve().parents[2]


def test_model_is_qt_free():
    code = ("import sys, quizapp.ui.lab.model; "
            "print(sorted({x.split('.')[0] for x in sys.modules} & {'PySide6', 'shiboken6', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("key,stage", [(p.key, i) for p in lab_presets.PRESETS for i in range(len(p.stages))])
def test_every_preset_stage_loads_as_the_engine_runs_it(key, stage):
    preset = lab_presets.get(key)
    state = m.state_from_stage(key, stage)
    assert m.check_state(state) is None
    assert state.spec() == preset.stages[stage].spec.check()
    total = m.total_steps(state)
    for mine, theirs in zip(state.lane_specs(), preset.stages[stage].lanes, strict=True):
        assert mine.optimizer == theirs.optimizer and mine.base_lr() == theirs.base_lr()
        assert mine.full_hyper() == theirs.full_hyper()
        assert mine.clip_norm == theirs.clip_norm and mine.warmup == theirs.warmup
        assert mine.schedule_config(total) == theirs.schedule_config(total)
    # and the page's state survives its settings round trip
    assert m.LabState.from_json(state.to_json()) == state


def test_the_step_count_matches_the_trainer():
    for state in (m.default_state(), m.state_from_stage("oscillation"), m.state_from_stage("val_stagnation")):
        t = Trainer(state.spec(), state.lane_specs())
        assert (m.steps_per_epoch(state), m.total_steps(state)) == (t.steps_per_epoch, t.total_steps)


def test_check_state_names_the_problem():
    state = m.default_state()
    state.lanes[0].hyper["lr"] = -1.0
    assert "lr" in m.check_state(state)
    state = m.default_state()
    state.epochs = 100_000
    assert "steps" in m.check_state(state)
    state = m.default_state()
    state.lanes[1].schedule = {"name": "step", "args": {"step_size": 0, "gamma": 0.5}}
    assert m.check_state(state).startswith(state.lanes[1].label)


def _finished(key: str, stage: int = 0) -> tuple[m.LabState, Trainer]:
    state = m.state_from_stage(key, stage)
    run = m.LabRun(state)
    run.build()
    run.trainer.run()
    return state, run.trainer


@pytest.mark.parametrize("key", ["nan", "val_stagnation", "oscillation"])
def test_every_lever_of_a_detected_symptom_changes_what_it_says(key):
    state, trainer = _finished(key)
    seen = 0
    for lane in range(trainer.k):
        for symptom in _symptoms.detect(trainer.history, lane):
            for lever in symptom.checks:
                new = m.apply_lever(state, lane, lever)
                assert m.check_state(new) is None, (lever, m.check_state(new))
                spec_a, lane_a = state.spec(), state.lane_specs()[lane]
                spec_b, lane_b = new.spec(), new.lane_specs()[lane]
                diff = diff_configs(notebook_record(spec_a, lane_a), notebook_record(spec_b, lane_b))
                assert diff, f"{lever.label} changed nothing"
                for k, v in lever.changes.items():
                    if k == "lr":
                        assert lane_b.base_lr() == v
                    elif k.startswith("hyper."):
                        assert lane_b.full_hyper()[k[6:]] == v
                    elif k in ("warmup", "clip_norm", "optimizer"):
                        assert getattr(lane_b, k) == v
                    elif k != "hyper":
                        assert getattr(spec_b, k) == v
                # other lanes keep their own settings unless the lever changes shared ones
                if m.lever_target(lever) == "lane":
                    for j, other in enumerate(new.lane_specs()):
                        if j != lane:
                            assert other == state.lane_specs()[j]
                    assert new.spec() == state.spec()
                seen += 1
    assert seen >= 3


def test_nan_preset_levers_include_the_chapter_first_checks():
    state, trainer = _finished("nan")
    labels = [l.label for s in _symptoms.detect(trainer.history, 0) if s.key == "divergence" for l in s.checks]
    for wanted in ("lower lr", "add warmup", "clip at 1"):
        assert wanted in labels
    lever = next(l for s in _symptoms.detect(trainer.history, 0) for l in s.checks if l.label == "clip at 1")
    new = m.apply_lever(state, 0, lever)
    assert new.lanes[0].clip_norm == 1.0 and new.modified


def test_notebook_items_record_the_chapter_fields_and_reload():
    state, trainer = _finished("one_knob")
    items = m.notebook_items(state, trainer)
    assert len(items) == 3
    for config, outcome in items:
        for key in ("optimizer", "lr", "batch_size", "weight_decay", "seed", "scheduler", "model", "data"):
            assert key in config
        assert outcome["final_val_loss"] is not None
    assert [k for k, _, _ in diff_configs(items[0][0], items[1][0])] == ["hyper.momentum"]
    assert sorted(k for k, _, _ in diff_configs(items[0][0], items[2][0])) == ["hyper.momentum", "lr"]
    assert [o["label"] for _, o in items] == [l.label for l in state.lanes]

    class E:  # what the notebook hands back
        def __init__(self, i, c, o):
            self.id, self.config, self.outcome, self.changed = i, c, o, None

    back = m.state_from_configs([c for c, _ in items])
    assert back.spec() == state.spec()
    assert [l.full_hyper() for l in back.lane_specs()] == [l.full_hyper() for l in state.lane_specs()]
    row = m.notebook_row(E(7, *items[1]))
    assert row["optimizer"] == "sgd" and row["lr"] == "0.1" and row["batch_size"] == "32"
    assert row["result"].startswith("val ")


def test_state_from_configs_refuses_simulator_runs():
    with pytest.raises(ValueError):
        m.state_from_configs([{"surface": "valley", "optimizer": "sgd", "hyper": {"lr": 0.1}}])


def test_series_collects_slices_as_the_history_does():
    state = m.default_state()
    state.epochs = 4
    run = m.LabRun(state)
    run.build()
    series = m.Series.for_state(state)
    while not run.done:
        series.add(run.advance(7))
    h = run.trainer.history
    np.testing.assert_array_equal(series.loss, h.loss)
    np.testing.assert_array_equal(series.update_ratio, h.update_ratio)
    np.testing.assert_array_equal(series.val_accuracy, h.val_accuracy)
    assert series.done and series.step == m.total_steps(state) and series.epoch == 4
    assert series.boundary is not None and series.boundary[1].shape == (m.BOUNDARY_GRID, m.BOUNDARY_GRID)


def test_digits_run_shows_mistakes_of_the_selected_lane():
    state = m.state_from_stage("tuning_order", 0)
    state.epochs = 1
    run = m.LabRun(state)
    run.build()
    snap = run.advance(10_000)
    assert snap.done and snap.misclassified is not None
    lane, rows = snap.misclassified
    assert lane == 0 and 0 < len(rows) <= m.MISCLASSIFIED
    assert all(r["image"].shape == (8, 8) and r["label"] != r["predicted"] for r in rows)
