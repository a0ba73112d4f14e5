"""The `quizapp` entry point: the desktop app by default, sub-commands for headless work."""
from __future__ import annotations

import argparse
import importlib
import re
import sys

from quizapp import __version__
from quizapp.commands import CommandError

#: Modules that add sub-commands; each has ``register(subparsers)``.
COMMAND_MODULES = [
    "quizapp.commands.optim",
    "quizapp.commands.train",
    "quizapp.commands.bank",
    "quizapp.commands.progress",
]

_NEGATIVE = re.compile(r"^-(\d|\.\d)")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _join_negative_values(argv: list[str]) -> list[str]:
    """`--start -1.5,2` -> `--start=-1.5,2` so a negative value is not taken for an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if (tok.startswith("--") and "=" not in tok and i + 1 < len(argv)
                and _NEGATIVE.match(argv[i + 1])):
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="quizapp", description=(
        "A study lab for optimizers: watch them descend loss surfaces and practise with "
        "questions whose answers are computed live. With no command, opens the desktop app."))
    parser.add_argument("--version", action="version", version=f"quizapp {__version__}")
    parser.add_argument("--db", help="progress database (default: in your data folder; or $QUIZAPP_DB)")
    parser.add_argument("--bank", dest="app_bank", action="append", metavar="PATH",
                        help="desktop app: your own question folder (or TOML file), where the Author page "
                             "saves; repeatable")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from quizapp.ui.launch import launch

        return launch(args)
    if getattr(args, "app_bank", None) and getattr(args, "bank", "absent") is None:
        args.bank = args.app_bank  # `quizapp --bank X bank list` = `quizapp bank list --bank X`
    try:
        return int(args.handler(args) or 0)
    except (CommandError, ValueError) as exc:
        print(f"quizapp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
