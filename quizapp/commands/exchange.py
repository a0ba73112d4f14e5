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
                     "description, multiple response) are listed with their line and skipped. "
                     "More questions than one bank file holds (2000, 1 MB) are written into "
                     "OUT.toml, OUT-2.toml, OUT-3.toml, ... (load the folder with --bank)."))
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
    out = Path(args.output)
    if out.suffix.lower() != ".toml":
        raise CommandError(f"-o {args.output}: the output must be a .toml file")
    if out.exists() and not args.force:
        raise CommandError(f"-o {args.output}: the file exists; add --force to overwrite it")
    if not out.parent.exists():
        raise CommandError(f"-o {args.output}: folder {out.parent} does not exist")
    data = _read_source(args.file)
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
    written: list[Path] = []
    if result.items:
        parts = result.toml_parts(topic, header=f"Imported from {src.name} by `quizapp bank import`.")
        # one bank file holds at most 2000 items (1 MB): OUT.toml, OUT-2.toml, OUT-3.toml, ...
        paths = [out] + [out.with_name(f"{out.stem}-{n}{out.suffix}") for n in range(2, len(parts) + 1)]
        taken = [p for p in paths[1:] if p.exists()]
        if taken and not args.force:
            raise CommandError(f"{taken[0]}: the file exists (the import needs {len(parts)} files); "
                               "add --force to overwrite it")
        for path, (toml_text, _) in zip(paths, parts):
            try:
                path.write_text(toml_text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"-o {path}: cannot write: {exc.strerror or exc}") from None
            written.append(path)
    if args.json:
        payload = result.to_json()
        payload["output"] = str(out) if result.items else None
        payload["outputs"] = [str(p) for p in written]
        print_json(payload)
    else:
        where = ""
        if len(written) == 1:
            where = f" -> {out}"
        elif written:
            where = (f" -> {len(written)} files ({', '.join(str(p) for p in written)}): one bank file "
                     "holds at most 2000 items; load them together with --bank FOLDER")
        print(result.summary() + where)
    if not result.items:
        raise CommandError("no question could be imported; nothing was written")
    return 0


def _read_source(name: str) -> bytes:
    """The GIFT file's bytes: a regular file only (a FIFO or a device is refused, never
    waited on), at most MAX_INPUT_BYTES."""
    from quizapp import files

    try:
        return files.read_regular(name, MAX_INPUT_BYTES)
    except FileNotFoundError:
        raise CommandError(f"{name}: no such file") from None
    except files.NotRegularFile as exc:
        if exc.kind == "a folder":
            raise CommandError(f"{name}: is a folder; give a .gift file") from None
        raise CommandError(f"{name}: not a regular file ({exc.kind})") from None
    except files.TooLarge:
        raise CommandError(f"{name}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; split it") from None
    except OSError as exc:
        raise CommandError(f"{name}: cannot read: {exc.strerror or exc}") from None
