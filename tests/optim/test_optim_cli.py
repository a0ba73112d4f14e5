"""`quizapp simulate`, `sweep` and `surfaces`: the contract scripts rely on."""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from quizapp.cli import build_parser, main
from quizapp.optim import SURFACE_NAMES, get_surface, schedules, simulate, sweep

ROOT = Path(__file__).resolve().parents[2]


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run_cli(capsys, *argv, "--json")
    assert code == 0, err
    assert err == ""
    return json.loads(out)


# ----------------------------------------------------------------- simulate


def test_simulate_json_shape_loss_and_lr(capsys):
    data = run_json(capsys, "simulate", "--surface", "rosenbrock", "--optimizer", "adam",
                    "--lr", "0.05", "--steps", "40", "--start", "-1.5,2",
                    "--schedule", "cosine", "--schedule-set", "T_max=30",
                    "--schedule-set", "eta_min=0.001")
    assert set(data) == {"path", "loss", "lr", "diverged_at"}
    assert data["diverged_at"] is None
    assert len(data["path"]) == 41 and len(data["loss"]) == 41 and len(data["lr"]) == 40
    assert data["path"][0] == [-1.5, 2.0]
    surface = get_surface("rosenbrock")
    for point, loss in zip(data["path"], data["loss"]):
        assert loss == pytest.approx(float(surface.loss(np.array(point))), rel=1e-12)
    sched = schedules.make("cosine", 0.05, T_max=30, eta_min=0.001)
    np.testing.assert_allclose(data["lr"], [sched(t) for t in range(40)], rtol=1e-14)


def test_simulate_json_equals_the_engine(capsys):
    data = run_json(capsys, "simulate", "--surface", "beale", "--optimizer", "adam",
                    "--lr", "0.02", "--steps", "30", "--start", "1,1.5",
                    "--set", "beta1=0.8", "--set", "beta2=0.99", "--set", "amsgrad=true",
                    "--clip-norm", "2", "--noise", "0.3", "--seed", "4")
    run = simulate("beale", "adam", steps=30, start=(1, 1.5),
                   hyper={"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "amsgrad": True},
                   clip_norm=2.0, noise=0.3, seed=4)
    np.testing.assert_array_equal(np.array(data["path"]), run.path)


@pytest.mark.parametrize("start", [["--start", "-1.5,2"], ["--start=-1.5,2"], ["--start", "-.5,-2"]])
def test_negative_start_works_as_typed(capsys, start):
    data = run_json(capsys, "simulate", "--surface", "valley", "--optimizer", "sgd",
                    "--steps", "2", *start)
    expected = [float(v) for v in start[-1].split("=")[-1].split(",")]
    assert data["path"][0] == expected


def test_default_start_and_lr(capsys):
    data = run_json(capsys, "simulate", "--surface", "himmelblau", "--optimizer", "rmsprop",
                    "--steps", "3")
    assert tuple(data["path"][0]) == get_surface("himmelblau").start
    assert data["lr"] == [1e-2] * 3


def test_regression_options(capsys):
    data = run_json(capsys, "simulate", "--surface", "regression", "--optimizer", "sgd",
                    "--lr", "0.05", "--steps", "12", "--batch-size", "5", "--samples", "20",
                    "--seed", "3")
    surface = get_surface("regression", samples=20, batch_size=5, seed=3)
    run = simulate(surface, "sgd", steps=12, hyper={"lr": 0.05}, seed=3)
    np.testing.assert_array_equal(np.array(data["path"]), run.path)
    np.testing.assert_allclose(data["loss"], surface.loss(run.path), rtol=1e-15)


def test_diverging_run_prints_valid_json(capsys):
    data = run_json(capsys, "simulate", "--surface", "rosenbrock", "--optimizer", "sgd",
                    "--lr", "1e308", "--steps", "5")
    assert data["diverged_at"] == 1
    assert len(data["path"]) == 2 and data["path"][-1] == [None, None]
    data = run_json(capsys, "simulate", "--surface", "valley", "--optimizer", "sgd",
                    "--lr", "1.5", "--steps", "100", "--start", "1,3.3")
    assert data["diverged_at"] == 32 and len(data["path"]) == 33


def test_simulate_summary(capsys):
    code, out, err = run_cli(capsys, "simulate", "--surface", "rosenbrock", "--optimizer", "adam",
                             "--lr", "0.05", "--steps", "50", "--start", "-1.5,2",
                             "--schedule", "linear")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "adam on rosenbrock: 50 steps, lr 0.01667 (linear)"
    assert lines[1].strip() == "start (-1.5, 2)  loss 12.5"
    assert lines[2].strip().startswith("end   (")
    assert re.match(r"distance to the nearest minimum: [0-9.e+-]+$", lines[3].strip())
    code, out, _ = run_cli(capsys, "simulate", "--surface", "valley", "--optimizer", "sgd",
                           "--lr", "1.5", "--steps", "100", "--start", "1,3.3")
    assert "diverged at step 32" in out
    code, out, _ = run_cli(capsys, "simulate", "--surface", "saddle", "--optimizer", "sgd",
                           "--steps", "3")
    assert "distance" not in out  # a saddle has no minimum


# ----------------------------------------------------------------- sweep


def test_sweep_json_shape(capsys):
    data = run_json(capsys, "sweep", "--surface", "rosenbrock", "--optimizer", "adam",
                    "--lrs", "1e-4:10:9", "--steps", "200", "--start", "-1.5,2")
    assert set(data) == {"lr", "final_loss", "diverged_at"}
    assert len(data["lr"]) == len(data["final_loss"]) == len(data["diverged_at"]) == 9
    np.testing.assert_allclose(data["lr"], np.geomspace(1e-4, 10, 9), rtol=1e-15)
    batch = sweep("rosenbrock", "adam", lrs=np.geomspace(1e-4, 10, 9), steps=200, start=(-1.5, 2))
    np.testing.assert_array_equal(data["final_loss"], batch.final_loss())
    assert data["diverged_at"] == [None if d < 0 else int(d) for d in batch.diverged_at]


def test_sweep_reports_divergence(capsys):
    data = run_json(capsys, "sweep", "--surface", "valley", "--optimizer", "sgd",
                    "--lrs", "0.01:3:5", "--steps", "100", "--start", "1,3.3")
    assert data["diverged_at"][0] is None
    assert isinstance(data["diverged_at"][-1], int)


def test_sweep_with_set_and_summary(capsys):
    code, out, err = run_cli(capsys, "sweep", "--surface", "booth", "--optimizer", "sgd",
                             "--lrs", "0.001:0.1:4", "--steps", "50", "--set", "momentum=0.9")
    assert code == 0 and err == ""
    assert out.splitlines()[0] == "sgd on booth: 4 learning rates, 50 steps each"
    assert re.search(r"best: lr [0-9.e+-]+ reaches loss [0-9.e+-]+", out)
    assert len(out.splitlines()) == 2 + 4 + 1


def test_single_rate_sweep(capsys):
    data = run_json(capsys, "sweep", "--surface", "valley", "--optimizer", "adam",
                    "--lrs", "0.1:0.1:1", "--steps", "10")
    assert data["lr"] == [0.1]


# ----------------------------------------------------------------- surfaces


def test_surfaces_json(capsys):
    data = run_json(capsys, "surfaces")
    assert [d["name"] for d in data] == list(SURFACE_NAMES)
    for d in data:
        assert {"name", "formula", "minima", "min_value", "view", "start"} <= set(d)
        assert len(d["view"]) == 4 and len(d["start"]) == 2
    rosen = next(d for d in data if d["name"] == "rosenbrock")
    assert rosen["minima"] == [[1.0, 1.0]] and rosen["min_value"] == 0.0


def test_surfaces_summary(capsys):
    code, out, err = run_cli(capsys, "surfaces")
    assert code == 0 and err == ""
    for name in SURFACE_NAMES:
        assert re.search(rf"^{name}\s", out, re.M)
    assert "none (unbounded below)" in out  # the saddle


def test_custom_formula_surface(capsys):
    data = run_json(capsys, "simulate", "--surface", "custom", "--formula", "x^2 + 3*y^2",
                    "--optimizer", "sgd", "--lr", "0.1", "--steps", "3", "--start", "1,1")
    # gradient (2x, 6y) at (1, 1): x -> 1 - 0.1*2 = 0.8, y -> 1 - 0.1*6 = 0.4
    np.testing.assert_allclose(data["path"][1], [0.8, 0.4])
    np.testing.assert_allclose(data["loss"][1], 0.8 ** 2 + 3 * 0.4 ** 2)


# ----------------------------------------------------------------- errors

SIM = ["simulate", "--surface", "valley", "--optimizer", "sgd", "--steps", "5"]
SWEEP = ["sweep", "--surface", "valley", "--optimizer", "sgd", "--steps", "5", "--lrs", "0.01:0.1:3"]

ERRORS = [
    (["simulate", "--surface", "moon", "--optimizer", "sgd"], "Unknown surface 'moon'"),
    (["simulate", "--surface", "valley", "--optimizer", "lion"], "Unknown optimizer 'lion'"),
    ([*SIM, "--set", "momentum"], "--set expects KEY=VALUE, got 'momentum'"),
    ([*SIM, "--set", "=0.9"], "--set expects KEY=VALUE, got '=0.9'"),
    ([*SIM, "--set", "momentum="], "--set expects KEY=VALUE"),
    ([*SIM, "--set", "mom=0.9"], "Unknown hyper-parameter 'mom' for sgd"),
    ([*SIM, "--set", "betas=0.9,0.99"], "--set takes betas as beta1=... and beta2=..."),
    ([*SIM, "--set", "nesterov=yes", "--set", "momentum=0.9"], "nesterov must be true or false"),
    ([*SIM, "--set", "nesterov=true"], "nesterov=True needs momentum > 0"),
    ([*SIM, "--lr", "0"], "Invalid lr: 0.0 (lr must be > 0)"),
    ([*SIM, "--lr", "-0.1"], "Invalid lr: -0.1"),
    ([*SIM, "--set", "lr=0"], "Invalid lr: 0"),
    ([*SIM, "--start", "1,2,3"], "--start expects X,Y (two numbers), got '1,2,3'"),
    ([*SIM, "--start", "a,b"], "--start expects X,Y"),
    ([*SIM, "--start", "inf,0"], "--start must be finite"),
    ([*SIM, "--steps", "-3"], "--steps must be >= 0"),
    ([*SIM, "--clip-norm", "0"], "Invalid clip_norm: 0.0"),
    ([*SIM, "--noise", "-1"], "Invalid noise: -1.0"),
    ([*SIM, "--schedule", "cosine"], "Schedule cosine:"),
    ([*SIM, "--schedule", "cosine", "--schedule-set", "T_max=abc"],
     "Invalid T_max: 'abc' (T_max must be a number)"),
    ([*SIM, "--schedule", "wave"], "Unknown schedule 'wave'"),
    ([*SIM, "--schedule-set", "T_max=3"], "--schedule-set needs --schedule"),
    ([*SIM, "--batch-size", "4"], "--batch-size and --samples apply to --surface regression only"),
    (["simulate", "--surface", "regression", "--optimizer", "sgd", "--batch-size", "100",
      "--samples", "10"], "Invalid batch_size: 100"),
    (["simulate", "--surface", "custom", "--optimizer", "sgd"], "Surface custom needs a formula"),
    ([*SIM, "--formula", "x^2"], "--formula applies to --surface custom only"),
    (["simulate", "--surface", "custom", "--formula", "log(x)", "--optimizer", "sgd"],
     "not finite on the view box"),
    (["simulate", "--surface", "custom", "--formula", "__import__('os')", "--optimizer", "sgd"],
     "Unknown function '__import__'"),
    (["sweep", "--surface", "valley", "--optimizer", "sgd", "--lrs", "1:0.1:5"],
     "--lrs needs 0 < LO <= HI, got '1:0.1:5'"),
    (["sweep", "--surface", "valley", "--optimizer", "sgd", "--lrs", "-1:0.1:5"], "--lrs needs 0 < LO"),
    (["sweep", "--surface", "valley", "--optimizer", "sgd", "--lrs", "0:0.1:5"], "--lrs needs 0 < LO"),
    (["sweep", "--surface", "valley", "--optimizer", "sgd", "--lrs", "a:b:c"],
     "--lrs expects LO:HI:K, e.g. 1e-4:1:50, got 'a:b:c'"),
    (["sweep", "--surface", "valley", "--optimizer", "sgd", "--lrs", "0.1:1"], "--lrs expects LO:HI:K"),
    (["sweep", "--surface", "valley", "--optimizer", "sgd", "--lrs", "0.1:1:2:3"], "--lrs expects LO:HI:K"),
    (["sweep", "--surface", "valley", "--optimizer", "sgd", "--lrs", "0.1:1:2.5"], "--lrs expects LO:HI:K"),
    (["sweep", "--surface", "valley", "--optimizer", "sgd", "--lrs", "0.1:1:0"],
     "--lrs needs 1 <= K <= 100000, got 0"),
    (["sweep", "--surface", "valley", "--optimizer", "sgd", "--lrs", "0.1:inf:3"], "--lrs needs 0 < LO"),
    ([*SWEEP, "--set", "lr=0.1"], "sweep takes its rates from --lrs, not --set lr="),
    ([*SWEEP, "--set", "beta1=0.9"], "Unknown hyper-parameter 'beta1' for sgd"),
    (["sweep", "--surface", "moon", "--optimizer", "sgd", "--lrs", "0.1:1:3"], "Unknown surface 'moon'"),
]


@pytest.mark.parametrize("argv,message", ERRORS, ids=[" ".join(a[3:] if len(a) > 3 else a)
                                                       for a, _ in ERRORS])
def test_errors_print_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"quizapp {argv[0]}: error: "), err
    assert message in err, err


@pytest.mark.parametrize("argv", [
    ["simulate", "--optimizer", "sgd"],  # missing --surface
    ["simulate", "--surface", "valley", "--optimizer", "sgd", "--steps", "many"],
    ["sweep", "--surface", "valley", "--optimizer", "sgd"],  # missing --lrs
    ["simulate", "--surface", "valley", "--optimizer", "sgd", "--bogus"],
])
def test_usage_errors_print_one_line_and_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "error:" in err, err


# ----------------------------------------------------------------- whole process


def test_the_installed_entry_point_runs_as_a_process():
    out = subprocess.run(
        [sys.executable, "-m", "quizapp", "simulate", "--surface", "rosenbrock", "--optimizer",
         "adam", "--lr", "0.05", "--steps", "5", "--start", "-1.5,2", "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["path"][0] == [-1.5, 2.0]
    bad = subprocess.run([sys.executable, "-m", "quizapp", "sweep", "--surface", "valley",
                          "--optimizer", "sgd", "--lrs", "1:0.1:5"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.splitlines() == ["quizapp sweep: error: --lrs needs 0 < LO <= HI, got '1:0.1:5'"]


# ----------------------------------------------------------------- docs


def _subcommands():
    parser = build_parser()
    for action in parser._subparsers._group_actions:
        if hasattr(action, "choices") and action.choices:
            return sorted(action.choices)
    return []



# ----------------------------------------------------------------- issue 12 (11)


def test_a_rate_too_large_for_a_float_is_said_to_overflow():
    """`--lr 1e400` said "Invalid lr: inf (lr must be > 0)"."""
    for argv in (["--lr", "1e400"], ["--set", "lr=1e400"]):
        done = subprocess.run([sys.executable, "-m", "quizapp", "simulate", "--surface", "valley",
                               "--optimizer", "sgd", *argv], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 2
        assert "1e400 overflows" in done.stderr and "inf" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "quizapp", "sweep", "--surface", "valley",
                           "--optimizer", "sgd", "--lrs", "1e-3:1e999:4"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 2 and "1e999 overflows" in done.stderr


def test_other_numbers_are_still_checked(capsys):
    with pytest.raises(SystemExit):
        main(["simulate", "--surface", "valley", "--optimizer", "sgd", "--lr", "nan"])
    assert "is not a number" in capsys.readouterr().err
    code, _out, err = run_cli(capsys, "simulate", "--surface", "valley", "--optimizer", "sgd",
                              "--lr", "0.05", "--steps", "3")
    assert code == 0, err
