"""The simulator's Qt-free model: state, configs, the state panel's numbers, export."""
from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from quizapp import optim, presets
from quizapp.optim import schedules
from quizapp.ui.simulator import model as sim_model
from quizapp.ui.simulator.model import SimState


def race(preset_id="valley-race") -> SimState:
    return sim_model.state_from_preset(presets.get(preset_id))


def test_state_round_trips_through_json():
    state = race("adam-warmup")
    state.lanes[0].clip_norm = 2.5
    back = SimState.from_json(state.to_json())
    assert back == state


@pytest.mark.parametrize("text", ["[]", '{"surface": "nowhere"}', '{"steps": 0}', "not json"])
def test_broken_saved_state_is_refused(text):
    with pytest.raises(ValueError):
        SimState.from_json(text)


def test_lane_config_is_the_notebook_config():
    state = race("noisy-minibatches")
    config = sim_model.lane_config(state, state.lanes[0])
    preset = presets.get("noisy-minibatches")
    expected = preset.config(preset.lanes[0])
    assert set(config) == set(expected)
    assert {k: v for k, v in config.items() if k != "hyper"} == {
        k: v for k, v in expected.items() if k != "hyper"}
    assert config["surface_options"] == {"samples": 64, "seed": 0, "batch_size": 2}
    assert config["hyper"]["lr"] == 0.05 and config["hyper"]["momentum"] == 0.0
    assert config["schedule"] is None


def test_compute_equals_the_engine_and_is_cached():
    state = race()
    lane = state.lanes[2]  # Adam
    run = sim_model.compute(state, lane)
    direct = optim.simulate("valley", "adam", steps=80, start=(-9.0, 3.0), hyper={"lr": 0.5})
    np.testing.assert_array_equal(run.path, direct.path)
    assert sim_model.compute(state, lane) is run
    lane.hyper["lr"] = 0.25
    assert sim_model.compute(state, lane) is not run


def test_adam_state_rows_in_the_chapters_notation():
    state = race()
    lane = state.lanes[2]
    run = sim_model.compute(state, lane)
    rows = {r.symbol: r.values for r in sim_model.state_rows(lane, run, 1)}
    g = np.array(rows["g"])
    # after one step the bias-corrected moments are exactly g and g^2
    np.testing.assert_allclose(rows["m̂"], g, rtol=1e-12)
    np.testing.assert_allclose(rows["v̂"], g * g, rtol=1e-12)
    np.testing.assert_allclose(rows["η_eff"], 0.5 / (np.abs(g) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(rows["Δθ"], run.path[1] - run.path[0], rtol=1e-12)
    assert [r.symbol for r in sim_model.state_rows(lane, run, 0)] == ["θ", "L(θ)"]


def test_momentum_velocity_starts_at_one_minus_beta_g():
    state = race()
    lane = state.lanes[1]
    run = sim_model.compute(state, lane)
    rows = {r.symbol: np.array(r.values) for r in sim_model.state_rows(lane, run, 1)}
    np.testing.assert_allclose(rows["v"], 0.1 * rows["g"], rtol=1e-12)


def test_adaptive_effective_step_shrinks_for_adagrad():
    state = race("adagrad-vs-rmsprop")
    lane = state.lanes[0]
    run = sim_model.compute(state, lane)
    early = np.array({r.symbol: r.values for r in sim_model.state_rows(lane, run, 2)}["η_eff"])
    late = np.array({r.symbol: r.values for r in sim_model.state_rows(lane, run, 150)}["η_eff"])
    assert np.all(late < early)


def test_outcome_of_a_diverged_run():
    state = race("lr-too-large")
    lane = state.lanes[2]
    run = sim_model.compute(state, lane)
    out = sim_model.outcome(sim_model.build_surface(state), run)
    assert out["diverged_at"] == run.diverged_at == 71
    assert out["final_loss"] is None and out["min_distance"] is None
    good = sim_model.outcome(sim_model.build_surface(state), sim_model.compute(state, state.lanes[0]))
    assert good["diverged_at"] is None and good["min_distance"] < 1.0
    json.dumps(out, allow_nan=False)


def test_validate_lane_names_the_field():
    state = race()
    lane = state.lanes[0]
    lane.hyper["lr"] = -1.0
    assert set(sim_model.validate_lane(state, lane)) == {"lr"}
    lane.hyper.update(lr=0.1, nesterov=True, momentum=0.0)
    assert set(sim_model.validate_lane(state, lane)) == {"nesterov"}
    lane.hyper.update(nesterov=False)
    lane.schedule = {"name": "step", "args": {"step_size": 0, "gamma": 0.5}}
    assert set(sim_model.validate_lane(state, lane)) == {"schedule.step_size"}
    lane.schedule = None
    lane.clip_norm = -2.0
    assert set(sim_model.validate_lane(state, lane)) == {"clip_norm"}


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(list(schedules.SCHEDULES)), steps=st.integers(1, 5000))
def test_schedule_defaults_are_valid_for_any_run_length(name, steps):
    args = sim_model.schedule_arg_defaults(name, steps)
    fn = schedules.make(name, 0.1, **args)
    assert math.isfinite(float(fn(0))) and math.isfinite(float(fn(steps - 1)))


def test_formula_feedback():
    ok, message = sim_model.check_formula("x^2 + 3*y^2")
    assert ok and "OK" in message
    ok, message = sim_model.check_formula("x^^2")
    assert not ok and "character" in message
    ok, message = sim_model.check_formula("__import__('os')")
    assert not ok


def test_exports():
    state = race("lr-too-large")
    runs = {i: sim_model.compute(state, lane) for i, lane in enumerate(state.lanes)}
    rows = list(csv.reader(io.StringIO(sim_model.export_csv(state, runs, state.lanes))))
    assert rows[0] == ["lane", "label", "optimizer", "step", "x", "y", "loss", "lr"]
    assert len(rows) - 1 == sum(len(r.path) for r in runs.values())
    data = json.loads(sim_model.export_json(state, runs, state.lanes))
    assert [lane["label"] for lane in data["lanes"]] == ["lr 0.3", "lr 0.9", "lr 1.2"]
    assert data["lanes"][2]["diverged_at"] == 71
    assert data["lanes"][0]["config"]["hyper"]["lr"] == 0.3


def test_state_from_configs_rebuilds_a_race():
    state = race("noisy-minibatches")
    configs = [sim_model.lane_config(state, lane) for lane in state.lanes]
    back = sim_model.state_from_configs(configs, ["a", "b", "c"])
    assert [sim_model.lane_config(back, lane) for lane in back.lanes] == configs
    assert [lane.label for lane in back.lanes] == ["a", "b", "c"]


def test_format_number_is_compact():
    assert sim_model.format_number(0.000123456) == "1.235e-4"
    assert sim_model.format_number(1.5e20) == "1.5e20"
    assert sim_model.format_number(0.5) == "0.5"
    assert sim_model.format_number(float("nan")) == "nan"


# ------------------------------------------------------- many lanes in one loop


def _same_run(a: optim.Run, b: optim.Run) -> None:
    """Bit for bit, NaN where NaN."""
    assert a.diverged_at == b.diverged_at
    for name in ("path", "loss", "lr"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert set(a.states) == set(b.states)
    for name in a.states:
        assert np.array_equal(a.states[name], b.states[name], equal_nan=True), name


def _engine_run(task: sim_model.LaneTask) -> optim.Run:
    c = task.call
    return optim.simulate(c["surface"], c["optimizer"], steps=c["steps"], start=c["start"],
                          hyper=c["hyper"], schedule=c["schedule"], clip_norm=c["clip_norm"],
                          noise=c["noise"], seed=c["seed"], record_state=True)


@pytest.mark.parametrize("preset_id", list(presets.load(validate=False)))
def test_a_race_in_one_loop_equals_the_engine_lane_by_lane(preset_id):
    """Every preset (schedules, clipping, noise, minibatches, a divergence): one loop for
    all lanes gives each lane exactly the engine's run, recorded state included."""
    state = sim_model.state_from_preset(presets.get(preset_id))
    tasks = [sim_model.lane_task(state, lane) for lane in state.lanes]
    batches = sim_model.simulate_many([t.call for t in tasks], record_state=True)
    for task, batch in zip(tasks, batches):
        _same_run(batch.row(0), _engine_run(task))


def _mixed_race(steps: int = 300) -> SimState:
    state = SimState(surface="rosenbrock", start=(-1.5, 2.0), steps=steps)
    for name, lr in (("sgd", 0.002), ("momentum", 0.002), ("nesterov", 0.001), ("adagrad", 0.5),
                     ("rmsprop", 0.01), ("adam", 0.05), ("adamw", 0.05), ("nadam", 0.01),
                     ("radam", 0.01)):
        state.lanes.append(sim_model.Lane(optimizer=name, hyper={"lr": lr}))
    state.lanes[0].hyper["momentum"] = 0.9  # SGD's buffer starts as the gradient itself
    state.lanes[1].clip_norm = 5.0
    state.lanes[4].noise = 0.5
    state.lanes[4].seed = 3
    state.lanes[5].schedule = {"name": "cosine", "args": {"T_max": steps, "eta_min": 0.0}}
    state.lanes[2].hyper["lr"] = 0.02  # diverges early: its rows stop, the others go on
    return state


def test_lanes_that_diverge_early_stop_without_changing_the_others():
    state = _mixed_race()
    tasks = [sim_model.lane_task(state, lane) for lane in state.lanes]
    batches = sim_model.simulate_many([t.call for t in tasks], record_state=True)
    runs = [b.row(0) for b in batches]
    assert runs[2].diverged_at is not None and runs[0].diverged_at is None
    for task, run in zip(tasks, runs):
        _same_run(run, _engine_run(task))


def test_a_sweep_in_one_loop_gives_the_engines_final_losses():
    state = _mixed_race(200)
    lrs = np.geomspace(1e-4, 10.0, 17)
    calls = []
    for lane in state.lanes:
        call = sim_model.lane_task(state, lane).call
        calls.append(dict(call, hyper=dict(call["hyper"], lr=lrs)))
    results = sim_model.sweep_many(calls)
    saw_divergence = False
    for call, (final, diverged_at) in zip(calls, results):
        batch = optim.sweep(call["surface"], call["optimizer"], lrs=lrs, steps=call["steps"],
                            start=call["start"],
                            hyper={k: v for k, v in call["hyper"].items() if k != "lr"},
                            schedule=call["schedule"], clip_norm=call["clip_norm"],
                            noise=call["noise"], seed=call["seed"])
        assert np.array_equal(final, batch.final_loss(), equal_nan=True)
        assert np.array_equal(diverged_at, batch.diverged_at)
        saw_divergence |= bool((diverged_at >= 0).any() and (diverged_at < 0).any())
    assert saw_divergence  # the range spans both regimes


def test_a_stopped_loop_gives_nothing():
    state = _mixed_race(400)
    calls = [sim_model.lane_task(state, lane).call for lane in state.lanes]
    seen = []

    def stop(step, steps):
        seen.append(step)
        return step >= 100

    assert sim_model.simulate_many(calls, stop=stop) is None
    assert seen[-1] == 100 and seen[0] == 0


def test_an_invalid_lane_is_refused_before_any_work():
    state = SimState(surface="valley", steps=50, lanes=[sim_model.Lane(optimizer="adam")])
    state.lanes[0].seed = -1
    with pytest.raises(ValueError, match="seed"):
        sim_model.lane_task(state, state.lanes[0])
    state.lanes[0].seed = 0
    state.lanes[0].hyper["beta1"] = 1.5
    with pytest.raises(ValueError, match="beta1"):
        sim_model.lane_task(state, state.lanes[0])
