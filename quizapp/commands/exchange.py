"""`quizapp bank export|import`: questions to and from Moodle (GIFT, Moodle XML).

``register_bank_commands(bank_sub)`` adds the two actions to the sub-parsers of the
``bank`` command (quizapp/commands/bank.py calls it). Heavy imports happen inside
the handlers. No Qt.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from quizapp.commands import CommandError
from quizapp.commands.common import print_json

FORMATS = ("gift", "moodle-xml")
MAX_VARIANTS = 1000
MAX_INPUT_BYTES = 5 * 1024 * 1024


def register_bank_commands(bank_sub: argparse._SubParsersAction) -> None:
    e = bank_sub.add_parser(
        "export", help="export items as GIFT or Moodle XML",
        description=("Write the bank's items in a format Moodle imports. GIFT holds multiple "
                     "choice, true/false and numeric questions; a parameterised item becomes up "
                     "to N concrete variants (seeds 0..N-1; identical draws written once). Moodle "
                     "XML turns parameterised numeric items into 'calculated' questions whose "
                     "formula and N fixed dataset items (seeds 0..N-1) travel along "
                     "(or into N numerical variants when Moodle cannot compute the formula; "
                     "stderr says which)."))
    e.add_argument("--format", choices=FORMATS, default="gift", help="gift (default) or moodle-xml")
    e.add_argument("--variants", type=int, default=5, metavar="N",
                   help="variants per parameterised item (seeds 0..N-1; default 5)")
    e.add_argument("--bank", action="append", metavar="PATH",
                   help="a TOML file or a folder of them, used instead of the shipped bank (repeatable)")
    e.add_argument("--topic", action="append", metavar="TOPIC", help="only this topic (repeatable)")
    e.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="file to write ('-' writes to standard output)")
    e.set_defaults(handler=_export)

    i = bank_sub.add_parser(
        "import", help="import a GIFT file into a TOML question file",
        description=("Read a GIFT file and write the questions the bank can hold (multiple choice "
                     "with one right answer, true/false, numerical) as a TOML file that passes "
                     "`quizapp bank check`. Other question types (essay, matching, short answer, "
                     "description, multiple response) are listed with their line and skipped."))
    i.add_argument("file", help="the .gift (or .txt) file")
    i.add_argument("-o", "--output", required=True, metavar="OUT.toml", help="TOML file to write")
    i.add_argument("--topic", metavar="TOPIC",
                   help="topic for questions before any $CATEGORY (default: from the output file name)")
    i.add_argument("--force", action="store_true", help="overwrite OUT.toml if it exists")
    i.add_argument("--json", action="store_true",
                   help='print {"imported", "ids", "skipped", "skipped_by_type", "notes"} as JSON')
    i.set_defaults(handler=_import)


def _load(paths):
    from quizapp.bank import load_bank

    for path in paths or []:
        if not Path(path).exists():
            raise CommandError(f"--bank {path}: no such file or folder")
    return load_bank(paths or None)


def _write_text(output: str, text: str) -> None:
    if output == "-":
        sys.stdout.write(text)
        return
    path = Path(output)
    if path.is_dir():
        raise CommandError(f"-o {output}: is a folder; give a file name")
    if not path.parent.exists():
        raise CommandError(f"-o {output}: folder {path.parent} does not exist")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"-o {output}: cannot write: {exc.strerror or exc}") from None


def _export(args) -> int:
    if not 1 <= args.variants <= MAX_VARIANTS:
        raise CommandError(f"--variants must be between 1 and {MAX_VARIANTS}")
    bank = _load(args.bank)
    if bank.errors:
        print(f"quizapp bank export: warning: {len(bank.errors)} problem(s) in the bank left items out; "
              "run `quizapp bank check`", file=sys.stderr)
    items = list(bank.items.values())
    if args.topic:
        unknown = [t for t in args.topic if t not in bank.topics]
        if unknown:
            raise CommandError(f"unknown topic {unknown[0]!r}; topics: {', '.join(bank.topics)}")
        items = [i for i in items if i.topic in args.topic]
    if not items:
        raise CommandError("no items to export")
    source = ", ".join(args.bank) if args.bank else "the shipped bank"
    if args.format == "gift":
        from quizapp.bank.gift import export_gift

        result = export_gift(bank, variants=args.variants, items=items, source=source)
        text, extra = result.text, ""
    else:
        from quizapp.bank.moodle import export_moodle_xml

        result = export_moodle_xml(bank, variants=args.variants, items=items, source=source)
        text, extra = result.xml, f" ({result.calculated} calculated)"
    _write_text(args.output, text)
    for note in result.notes:
        print(f"quizapp bank export: {note}", file=sys.stderr)
    where = "standard output" if args.output == "-" else args.output
    summary = (f"exported {result.questions} question(s){extra} from {result.items} item(s) "
               f"to {where} ({args.format})")
    print(summary, file=sys.stderr if args.output == "-" else sys.stdout)
    return 0


def _import(args) -> int:
    from quizapp.bank.gift import import_gift, slugify
    from quizapp.bank.loader import ID_RE

    src = Path(args.file)
    if not src.is_file():
        raise CommandError(f"{args.file}: no such file")
    out = Path(args.output)
    if out.suffix.lower() != ".toml":
        raise CommandError(f"-o {args.output}: the output must be a .toml file")
    if out.exists() and not args.force:
        raise CommandError(f"-o {args.output}: the file exists; add --force to overwrite it")
    if not out.parent.exists():
        raise CommandError(f"-o {args.output}: folder {out.parent} does not exist")
    if src.stat().st_size > MAX_INPUT_BYTES:
        raise CommandError(f"{args.file}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; split it")
    data = src.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CommandError(f"{args.file}:{line}: the file is not UTF-8 text; save it as UTF-8") from None
    if args.topic is not None:
        topic = args.topic
        if not ID_RE.match(topic):
            raise CommandError(f"--topic {topic!r}: use a short lowercase id such as \"adam\"")
    else:
        topic = slugify(out.stem) or "imported"
        if not ID_RE.match(topic):
            topic = "imported"
    result = import_gift(text, default_topic=topic)
    shown = str(src)
    if not args.json:
        for s in result.skipped:
            label = f" {s.title!r}" if s.title else ""
            print(f"{shown}:{s.line}: skipped {s.type}{label}: {s.reason}")
        for n in result.notes:
            print(f"{shown}:{n.line}: note: {n.message}")
    if result.items:
        toml_text = result.toml(topic, header=f"Imported from {src.name} by `quizapp bank import`.")
        try:
            out.write_text(toml_text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"-o {args.output}: cannot write: {exc.strerror or exc}") from None
    if args.json:
        payload = result.to_json()
        payload["output"] = str(out) if result.items else None
        print_json(payload)
    else:
        print(result.summary() + (f" -> {out}" if result.items else ""))
    if not result.items:
        raise CommandError("no question could be imported; nothing was written")
    return 0
