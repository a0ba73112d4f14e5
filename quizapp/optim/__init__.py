"""The optimizer engine: NumPy only (no Qt, no matplotlib).

* :mod:`~quizapp.optim.optimizers`: ``sgd``, ``momentum``, ``nesterov``, ``adagrad``,
  ``rmsprop``, ``adam``, ``adamw``, ``nadam``, ``radam`` as pure ``init``/``update`` pairs.
* :mod:`~quizapp.optim.schedules`: ``step -> lr`` functions.
* :mod:`~quizapp.optim.surfaces`: loss surfaces with analytic gradients.
* :mod:`~quizapp.optim.simulate`: single and batched runs.
* The training lab: :mod:`~quizapp.optim.data` (digits, moons, split, augmentation),
  :mod:`~quizapp.optim.mlp` (a small MLP, forward and backward by hand),
  :mod:`~quizapp.optim.train` (K lanes trained at once, history, replay file) and
  :mod:`~quizapp.optim.symptoms` (the chapter's debugging table as a detector).
"""
from quizapp.optim.optimizers import (
    HYPER_HELP, OPTIMIZERS, Optimizer, adagrad, adam, adamw, defaults, make, momentum,
    nadam, nesterov, radam, rmsprop, sgd,
)
from quizapp.optim.schedules import SCHEDULES
from quizapp.optim.simulate import BatchRun, Run, simulate, simulate_batch, sweep
from quizapp.optim.surfaces import SURFACE_NAMES, Surface, steps_per_epoch
from quizapp.optim.surfaces import get as get_surface

__all__ = [
    "HYPER_HELP", "OPTIMIZERS", "Optimizer", "adagrad", "adam", "adamw", "defaults", "make",
    "momentum", "nadam", "nesterov", "radam", "rmsprop", "sgd", "SCHEDULES", "BatchRun", "Run",
    "simulate", "simulate_batch", "sweep", "SURFACE_NAMES", "Surface", "steps_per_epoch",
    "get_surface",
]
