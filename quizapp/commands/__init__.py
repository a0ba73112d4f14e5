"""Sub-commands of the `quizapp` CLI. Each module has ``register(subparsers)``.

Modules here import only argparse-level things at import time; heavy libraries are
imported inside the handlers so ``quizapp --help`` stays fast. None imports Qt.
"""


class CommandError(Exception):
    """A user mistake: printed as one line on stderr, exit status 2."""
