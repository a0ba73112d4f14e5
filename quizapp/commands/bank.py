"""`quizapp bank check|list|show|grade`: the question bank from a terminal."""
from __future__ import annotations

import argparse
import sys

from quizapp.commands import CommandError
from quizapp.commands.common import print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bank", help="check, list, show and grade question-bank items",
                       description="Work with the question bank (TOML items under question_bank/).")
    bank_sub = p.add_subparsers(dest="bank_command", metavar="ACTION", parser_class=type(p))
    bank_sub.required = True

    c = bank_sub.add_parser("check", help="validate the bank and draw instances of every item",
                            description=("Validate every file, then draw at least 50 instances of each "
                                         "parameterised item and check the answers. Prints every "
                                         "problem as file:line: item-id: field: message, then the quality "
                                         "figures (how often the key is the longest option, the true "
                                         "share of true/false items); exit 1 on errors."))
    _bank_arg(c)
    c.add_argument("--draws", type=int, default=50,
                   help="instances per parameterised item (seeds 0..N-1 plus a few far seeds; default 50)")
    c.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    c.add_argument("--json", action="store_true", help="print the problems as JSON")
    c.set_defaults(handler=_check)

    ls = bank_sub.add_parser("list", help="list the items",
                             description="One line per item: id, topic, category, answer kind.")
    _bank_arg(ls)
    ls.add_argument("--topic", help="only this topic")
    ls.add_argument("--json", action="store_true",
                    help='print [{"id", "topic", "category", "kind", "parameterised"}, ...]')
    ls.set_defaults(handler=_list)

    s = bank_sub.add_parser("show", help="show one instance of an item",
                            description="Render one instance: prompt, choices, answer, explanation.")
    _bank_arg(s)
    s.add_argument("id", help="item id (see `quizapp bank list`)")
    s.add_argument("--seed", type=int, default=0, help="instance seed (default 0)")
    s.add_argument("--json", action="store_true",
                   help='print {"id", "kind", "prompt", "choices", "answer", "answer_text", '
                        '"explanation", "params"}, plus "targets" (matching), "accepted" (short) '
                        'and "syntax" (how to type the answer) for those kinds')
    s.set_defaults(handler=_show)

    g = bank_sub.add_parser("grade", help="grade an answer to one instance",
                            description=("Grade TEXT as an answer to the instance of ID drawn with seed S. "
                                         "Numbers may be typed as 0.02, .02, 2e-2, -3 or 1/50; choices "
                                         "by their number; true/false as 1/2, true/false or t/f; "
                                         "select-all-that-apply as the numbers ticked (1 3); "
                                         "ordering as the numbers in order (3 1 2 4); matching as "
                                         "number-letter pairs (1b 2a 3c); a short answer as typed. "
                                         "With --json, partial credit is the \"score\" (0 to 1) and "
                                         "\"given\" is the answer as stored. "
                                         "Exit status: 0 right, 1 wrong, 3 the answer could not be read "
                                         "(not graded), 2 any other error."))
    _bank_arg(g)
    g.add_argument("id", help="item id")
    g.add_argument("--seed", type=int, required=True, help="instance seed")
    g.add_argument("--answer", required=True, metavar="TEXT", help="the answer as typed")
    g.add_argument("--json", action="store_true", help='print {"correct", "expected", "message"}')
    g.set_defaults(handler=_grade)

    from quizapp.commands.exchange import register_bank_commands

    register_bank_commands(bank_sub)


def _bank_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bank", action="append", metavar="PATH",
                   help="a TOML file or a folder of them, used instead of the shipped bank (repeatable)")


def _load(args):
    from pathlib import Path

    from quizapp.bank import load_bank

    if args.bank:
        for path in args.bank:
            if not Path(path).exists():
                raise CommandError(f"--bank {path}: no such file or folder")
    return load_bank(args.bank or None)


def _warn_errors(bank) -> None:
    if bank.errors:
        print(f"quizapp bank: warning: {len(bank.errors)} problem(s) in the bank left items out; "
              "run `quizapp bank check`", file=sys.stderr)


def _check(args) -> int:
    from quizapp.bank.check import check_bank

    if args.draws < 1 or args.draws > 10_000:
        raise CommandError("--draws must be between 1 and 10000")
    from quizapp.bank.quality import statistics

    bank = _load(args)
    drawn: dict = {}
    problems = check_bank(bank, draws=args.draws, instances=drawn)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    stats = statistics(bank, drawn)
    if args.json:
        print_json({"items": len(bank.items), "errors": errors, "warnings": warnings,
                    "problems": [p.to_json() for p in problems], "quality": stats.to_json()})
    else:
        for p in problems:
            print(p)
        print(stats.line())
        print(f"{len(bank.items)} items in {len(bank.files)} file(s): "
              f"{errors} error(s), {warnings} warning(s)")
    return 1 if errors or (args.strict and warnings) else 0


def _list(args) -> int:
    bank = _load(args)
    _warn_errors(bank)
    items = list(bank.items.values())
    if args.topic:
        if args.topic not in bank.topics:
            raise CommandError(f"unknown topic {args.topic!r}; topics: {', '.join(bank.topics)}")
        items = [i for i in items if i.topic == args.topic]
    if args.json:
        print_json([i.summary() for i in items])
        return 0
    width = max((len(i.id) for i in items), default=2)
    for i in items:
        mark = "random" if i.parameterised else "fixed"
        print(f"{i.id:<{width}}  {i.topic:<14} {i.category:<12} {i.kind:<16} {mark}")
    print(f"{len(items)} item(s)")
    return 0


def _instance(args):
    from quizapp.bank import BankError

    bank = _load(args)
    _warn_errors(bank)
    try:
        return bank, bank.instance(args.id, args.seed)
    except BankError as exc:
        raise CommandError(str(exc)) from None


def _show(args) -> int:
    bank, inst = _instance(args)
    from quizapp.bank.kinds import LETTERS, SYNTAX

    if args.json:
        out = {"id": inst.item_id, "kind": inst.kind, "prompt": inst.prompt, "choices": inst.choices,
               "answer": inst.answer, "answer_text": inst.answer_text,
               "explanation": inst.explanation, "params": inst.params}
        if inst.targets is not None:
            out["targets"] = inst.targets
        if inst.accepted is not None:
            out["accepted"] = inst.accepted
        if inst.kind in SYNTAX:
            out["syntax"] = SYNTAX[inst.kind]
        print_json(out)
        return 0
    item = bank.items[inst.item_id]
    print(f"[{item.id}]  {item.topic} / {item.category} / difficulty {item.difficulty}  (seed {inst.seed})")
    print()
    print(inst.prompt)
    if inst.choices:
        print()
        for n, text in enumerate(inst.choices, 1):
            print(f"  {n}. {text}")
    if inst.targets:
        print()
        for n, text in enumerate(inst.targets):
            print(f"  {LETTERS[n]}) {text}")
    if inst.kind in SYNTAX:
        print(f"(answer with {SYNTAX[inst.kind]})")
    print()
    print(f"Answer: {inst.answer_text}")
    print(f"Why: {inst.explanation}")
    if inst.params:
        from quizapp.bank.render import format_number, shorten

        print("Parameters: " + ", ".join(f"{k} = {shorten(format_number(v), 60)}"
                                         for k, v in inst.params.items()))
    return 0


def _grade(args) -> int:
    bank, inst = _instance(args)
    result = bank.grade(inst, args.answer)
    if args.json:
        print_json(result.to_json())
    else:
        print(result.message)
    return GRADE_EXIT[result.correct]


#: `bank grade` exit status by Grade.correct: right, wrong, unreadable (not graded)
GRADE_EXIT = {True: 0, False: 1, None: 3}
