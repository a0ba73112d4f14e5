"""Shared helpers for the GIFT / Moodle XML / TOML-writing tests (holds no tests itself)."""
from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

CORPUS = Path(__file__).parent / "gift_corpus"
ROUNDTRIP_BANK = CORPUS / "roundtrip_bank.toml"


def cli_parser() -> argparse.ArgumentParser:
    """The real `quizapp` parser, with `bank export|import` added if bank.py does not add them yet."""
    from quizapp.cli import build_parser
    from quizapp.commands.exchange import register_bank_commands

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    bank = sub.choices["bank"]
    bank_sub = next(a for a in bank._actions if isinstance(a, argparse._SubParsersAction))
    if "export" not in bank_sub.choices:
        register_bank_commands(bank_sub)
    return parser


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run like `quizapp ARGV`: (exit status, stdout, stderr); errors as cli.main reports them."""
    from quizapp.commands import CommandError

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            args = cli_parser().parse_args(argv)
            code = int(args.handler(args) or 0)
        except (CommandError, ValueError) as exc:
            print(f"quizapp {argv[0]}: error: {exc}", file=err)
            code = 2
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()
