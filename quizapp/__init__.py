"""quizapp: a desktop study lab for optimizers (momentum and adaptive learning rates)."""

__version__ = "0.1.0"
