"""`quizapp progress`, `quizapp learners`, `quizapp practice`: the progress store from a terminal."""
from __future__ import annotations

import argparse
import sys
import time

from quizapp.commands import CommandError
from quizapp.commands.common import print_json

DB_HELP = "progress database (default: $QUIZAPP_DB, else progress.db in your data folder)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("progress", help="show a learner's progress",
                       usage="%(prog)s [--learner NAME] [--db PATH] [--json | --csv] "
                             "[--history] [--limit N]\n"
                             "       %(prog)s export [--learner NAME] [--db PATH] -o FILE "
                             "[--force]\n"
                             "       %(prog)s class FILE [FILE ...] [--json | --csv] "
                             "[--only {mastery,items}] [--bank PATH ...]\n"
                             "       %(prog)s backup [--db PATH] -o FILE [--force]",
                       description="Answers, mastery per topic, achievements, the weekly streak, "
                                   "the review forecast and the weakest items of one learner.")
    p.add_argument("--learner", metavar="NAME", help="learner profile (default: the most recently active)")
    p.add_argument("--db", dest="sub_db", metavar="PATH", help=DB_HELP)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV (one row per topic)")
    p.add_argument("--history", action="store_true",
                   help="list the answers themselves, newest first (with --json or --csv too)")
    p.add_argument("--limit", type=int, default=500, help="answers listed by --history (default 500)")
    p.set_defaults(handler=_progress)
    _register_class_progress(p)

    p = sub.add_parser("learners", help="list or add learner profiles",
                       description="Learner profiles in the progress database (several people "
                                   "can share one file).")
    p.add_argument("--db", dest="sub_db", metavar="PATH", help=DB_HELP)
    p.add_argument("--add", metavar="NAME", help="create a profile")
    p.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"), help="rename a profile")
    p.add_argument("--delete", metavar="NAME", help="delete a profile and all its work (needs --yes)")
    p.add_argument("--yes", action="store_true", help="confirm --delete")
    p.add_argument("--streak", choices=["on", "off"],
                   help="turn the weekly study streak on or off for --learner")
    p.add_argument("--learner", metavar="NAME", help="profile that --streak applies to "
                                                     "(default: the most recently active)")
    p.add_argument("--streak-answers", type=int, metavar="N",
                   help="answers that make a study day (default 5)")
    p.add_argument("--streak-days", type=int, metavar="D",
                   help="study days a week asks for (default 3; never more than the days "
                        "with a review due)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_learners)

    p = sub.add_parser("practice", help="a study session (--terminal: in this terminal)",
                       description="A study session: due reviews first, then new items across "
                                   "topics. With --terminal it runs on standard input and output "
                                   "(no TTY needed): answer with a choice number or a number; "
                                   "q, end of input or Ctrl-C stops, keeping every answer given.")
    p.add_argument("--terminal", action="store_true", help="run the session in this terminal")
    p.add_argument("--learner", metavar="NAME",
                   help="learner profile, created if new (default: the most recently active)")
    p.add_argument("--topic", action="append", metavar="T", help="only this topic (repeatable)")
    p.add_argument("--category", action="append", metavar="C",
                   help="only this category, e.g. calculation (repeatable)")
    p.add_argument("--count", type=int, default=10, metavar="N", help="questions (default 10)")
    p.add_argument("--mode", choices=["mixed", "review", "new", "exam"], default="mixed",
                   help="mixed (default), review (due items only), new (unseen only), "
                        "exam (no feedback until the end)")
    p.add_argument("--seed", type=int, help="seed for the drawn numbers (default: random)")
    p.add_argument("--db", dest="sub_db", metavar="PATH", help=DB_HELP)
    p.add_argument("--bank", action="extend", nargs="+", metavar="PATH",
                   help="question files or folders (default: the shipped bank)")
    p.set_defaults(handler=_practice)


# ------------------------------------------------------------------ shared


def _open_store(args, readonly: bool = False):
    """The store; ``readonly`` for commands that only read (nothing is created or locked).
    Notes about the file (a journal added, answers waiting) go to stderr."""
    from quizapp.progress import Store, StoreError

    path = getattr(args, "sub_db", None) or getattr(args, "db", None)
    try:
        store = Store.open(path, readonly=readonly)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    _print_notices(store)
    return store


def _print_notices(store) -> None:
    for note in store.notices:
        print(f"note: {note}", file=sys.stderr)
    store.notices.clear()


def _learner(store, name: str | None, create: bool = False):
    from quizapp.progress.store import shown

    if name is None:
        if store.read_only:
            found = store.last_active_learner()
            if found is None:
                raise CommandError(f"no learners yet in {store.path}; add one with: "
                                   "quizapp learners --add NAME")
            return found
        return store.default_learner()
    if create:
        return store.ensure_learner(name)
    found = store.find_learner(name)
    if found is None:
        names = store.learners()
        listed = ", ".join(shown(l.name) for l in names[:20]) or "none yet"
        if len(names) > 20:
            listed += f", … ({len(names)} in all)"
        raise CommandError(f"no learner named {shown(name)!r} (learners: {listed}); "
                           "add one with: quizapp learners --add NAME")
    return found


def _guard(fn):
    """Store problems (busy, read-only or damaged file) become one clear line."""
    def run(args):
        import sqlite3

        from quizapp.progress import StoreError
        from quizapp.progress.store import describe_error

        try:
            return fn(args)
        except StoreError as exc:
            raise CommandError(str(exc)) from None
        except sqlite3.Error as exc:
            path = getattr(args, "sub_db", None) or getattr(args, "db", None)
            raise CommandError(str(describe_error(exc, path or "(default)"))) from None
    return run


def _pct(num: int, den: int) -> str:
    return f"{100 * num / den:.0f} %" if den else "-"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds or 0))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


# ------------------------------------------------------------------ progress


@_guard
def _progress(args) -> int:
    if args.limit < 1:
        raise CommandError(f"--limit must be at least 1, got {args.limit}")
    store = _open_store(args, readonly=True)
    try:
        learner = _learner(store, args.learner)
        if args.history:
            return _print_history(store, learner, args)
        summary = store.progress_summary(learner.id)
        if args.json:
            summary["database"] = str(store.path)
            print_json(summary)
        elif args.csv:
            import csv

            w = csv.writer(sys.stdout, lineterminator="\n")
            w.writerow(["learner", "topic", "title", "attempts", "correct", "mastery",
                        "mastered", "days"])
            for topic, t in summary["topics"].items():
                w.writerow([learner.name, topic, t["title"], t["attempts"], t["correct"],
                            f"{t['mastery']:.2f}", "yes" if t["mastered"] else "no", t["days"]])
        else:
            _print_summary(summary, store)
    finally:
        store.close()
    return 0


def _print_history(store, learner, args) -> int:
    rows = store.history(learner.id, limit=args.limit)
    if args.json:
        print_json(rows)
    elif args.csv:
        import csv

        keys = ["answered_at", "item_id", "topic", "given", "expected", "correct", "seconds",
                "seed", "params"]
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(keys)
        for r in rows:
            w.writerow([r[k] for k in keys])
    else:
        for r in rows:
            mark = "right" if r["correct"] else "wrong"
            print(f"{r['answered_at'][:16].replace('T', ' ')}  {mark:5}  {r['item_id']:40}  "
                  f"gave {r['given']!r}, expected {r['expected']!r}")
    return 0


def _print_summary(s: dict, store) -> None:
    from quizapp.progress.classview import printable

    print(f"Learner: {printable(s['learner'])}   (database: {store.path})")
    print(f"Answered {s['attempts']}, right {s['correct']} ({_pct(s['correct'], s['attempts'])}), "
          f"time {_duration(s['seconds'])}; {s['due_now']} due for review now; "
          f"{s['runs']} simulator runs in the notebook.")
    if s["topics"]:
        print()
        width = max(len(t) for t in s["topics"]) + 2
        print(f"{'topic':{width}}{'answers':>8}{'right':>7}{'last 10':>9}{'days':>6}  mastered")
        for topic, t in s["topics"].items():
            print(f"{topic:{width}}{t['attempts']:>8}{t['correct']:>7}"
                  f"{t['recent_correct']:>6}/10{t['days']:>6}  {'yes' if t['mastered'] else '-'}")
    print()
    print(f"Achievements: {s['unlocked']} of {len(s['achievements'])} unlocked")
    mastery = [a for a in s["achievements"] if a.get("rule") == "topic_mastery"]
    shown = [a for a in s["achievements"] if a["unlocked_at"] or a not in mastery]
    width = max((len(a["title"]) for a in shown), default=10) + 2
    for a in s["achievements"]:
        if a["unlocked_at"]:
            print(f"  [x] {a['title']:{width}}{a['unlocked_at'][:10]:>10}  {a['description']}")
    for a in s["achievements"]:
        if not a["unlocked_at"] and a not in mastery:
            done = f"{a['progress']}/{a['target']}"
            print(f"  [ ] {a['title']:{width}}{done:>10}  {a['detail']}")
    if mastery:
        print(f"  Topic mastery: {sum(1 for a in mastery if a['unlocked_at'])} of {len(mastery)} "
              "topics (8 of the last 10 right, on 3+ days; see the table above)")
    st = s["streak"]
    print()
    if st["enabled"]:
        tw = st["this_week"] or {}
        print(f"Weekly streak: {st['weeks']} weeks (best {st['best']}); this week "
              f"{tw.get('study_days', 0)} of {tw.get('required', 1)} study days "
              f"(a study day = {st['min_answers']}+ answers).")
    else:
        print(f"Weekly streak: off (turn it on with: quizapp learners --streak on "
              f"--learner {_quote(printable(s['learner']))})")
    forecast = ", ".join(f"{d[5:]}: {n}" for d, n in s["review_forecast"] if n)
    print(f"Reviews coming up (14 days): {forecast or 'none'}")
    weak = [w for w in s["weakest_items"] if w[2] < w[1]]
    if weak:
        print("Weakest items: " + ", ".join(f"{i} ({c}/{n})" for i, n, c in weak))


def _quote(name: str) -> str:
    import shlex

    return shlex.quote(name)


# ------------------------------------------------------------------ class progress


def _register_class_progress(p: argparse.ArgumentParser) -> None:
    """`quizapp progress export` and `quizapp progress class`: sub-actions of `progress`.

    Without an action `quizapp progress` is the learner summary, as before. Options the
    actions share with the summary (--learner, --db, --json, --csv) keep the summary's
    names, and the actions leave unset ones alone (SUPPRESS), so they may be given
    before or after the action's name."""
    actions = p.add_subparsers(dest="progress_action", metavar="ACTION",
                               title="actions (optional; without one: the summary above)")
    e = actions.add_parser(
        "export", help="write a learner's progress file for an instructor",
        argument_default=argparse.SUPPRESS,
        description="Write one learner's answers, achievements and mastery to a JSON "
                    "progress file (format quizapp-progress, version 1) that an instructor "
                    "reads with `quizapp progress class`. The file is written atomically and "
                    "an existing file is never replaced without --force; a name ending in .gz "
                    "writes it compressed (needed past 50 MB).")
    e.add_argument("--learner", metavar="NAME", help="learner profile (default: the most "
                                                     "recently active)")
    e.add_argument("--db", dest="sub_db", metavar="PATH", help=DB_HELP)
    e.add_argument("-o", "--output", dest="export_output", metavar="FILE", required=True,
                   help="the progress file to write, e.g. ann-progress.json")
    e.add_argument("--force", dest="export_force", action="store_true",
                   help="replace FILE if it exists")
    e.set_defaults(handler=_export)

    c = actions.add_parser(
        "class", help="a class view of many learners' progress files",
        argument_default=argparse.SUPPRESS,
        description="Read progress files written by `quizapp progress export` and show, per "
                    "learner and topic, the answers, the share right among the last 10 and "
                    "whether the topic is mastered; and per item the answers, the share right "
                    "and the 3 most common wrong answers (numbers compared by value). Bad files "
                    "are named and skipped; a learner exported twice keeps the newest export. "
                    "Each export carries a checksum of its content: a file changed after it was "
                    "exported, or dated in the future, is refused. That catches accidents and "
                    "casual edits, not a determined forger (there is no shared secret). Only "
                    "regular files are read; .json.gz files are read too. "
                    "--csv prints two CSV sections, mastery then items, each with its own "
                    "header row and separated by one empty line (--only picks one section: a "
                    "plain CSV file).")
    c.add_argument("files", nargs="+", metavar="FILE", help="progress files (.json)")
    fmt = c.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the class view as JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV (see above)")
    c.add_argument("--only", dest="class_only", choices=["mastery", "items"],
                   help="print only this table")
    c.add_argument("--bank", dest="class_bank", action="extend", nargs="+", metavar="PATH",
                   help="question files or folders the learners used, for topic titles and "
                        "to name the choice behind a choice number (default: the shipped bank)")
    c.set_defaults(handler=_class)

    b = actions.add_parser(
        "backup", help="copy the progress file safely (while it is in use, too)",
        argument_default=argparse.SUPPRESS,
        description="Write a consistent copy of the whole progress file, every learner, with "
                    "SQLite's online backup: answers that so far live only in the -wal file "
                    "beside it are included, and other programs may keep using the file. The "
                    "copy is an ordinary progress file: open it with --db, or put it where "
                    "quizapp looks. An existing FILE is never replaced without --force.")
    b.add_argument("--db", dest="sub_db", metavar="PATH", help=DB_HELP)
    b.add_argument("-o", "--output", dest="backup_output", metavar="FILE", required=True,
                   help="the copy to write, e.g. progress-2025-03-05.db")
    b.add_argument("--force", dest="backup_force", action="store_true",
                   help="replace FILE if it exists")
    b.set_defaults(handler=_backup)


def _no_summary_options(args, action: str) -> None:
    if args.history:
        raise CommandError(f"--history goes with the summary, not with `progress {action}`")
    if args.limit != 500:
        raise CommandError(f"--limit goes with --history, not with `progress {action}`")


@_guard
def _export(args) -> int:
    from pathlib import Path

    from quizapp.progress import default_db_path
    from quizapp.progress.classview import export_to_file

    _no_summary_options(args, "export")
    if getattr(args, "json", False) or getattr(args, "csv", False):
        raise CommandError("export writes a JSON progress file; --json and --csv are not "
                           "options of `progress export`")
    db = getattr(args, "sub_db", None) or getattr(args, "db", None)
    db_path = Path(db).expanduser() if db else default_db_path()
    if not db_path.exists():
        raise CommandError(f"no progress database at {db_path}; nothing to export "
                           "(choose the file with --db)")
    out = Path(args.export_output).expanduser()
    if out.exists() and not out.is_dir() and not getattr(args, "export_force", False):
        raise CommandError(f"{out} already exists; add --force to replace it")
    store = _open_store(args, readonly=True)
    try:
        learner = _learner(store, args.learner)
        try:
            path, n, n_ach = export_to_file(store, learner.id, out,
                                            force=getattr(args, "export_force", False))
        except FileExistsError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        store.close()
    size = path.stat().st_size
    print(f"Exported {n} answer{'s' if n != 1 else ''} and "
          f"{n_ach} achievement(s) of {learner.name!r} to {path} "
          f"({_size(size)}).")
    if not n:
        print(f"note: {learner.name!r} has no answers yet", file=sys.stderr)
    return 0


@_guard
def _backup(args) -> int:
    from pathlib import Path

    from quizapp.progress.store import backup

    _no_summary_options(args, "backup")
    for flag in ("json", "csv", "learner"):
        if getattr(args, flag, None) not in (None, False):
            raise CommandError(f"--{flag} is not an option of `progress backup` (it copies "
                               "every learner)")
    store = _open_store(args, readonly=True)
    try:
        out = Path(args.backup_output).expanduser()
        path = backup(store, out, force=getattr(args, "backup_force", False))
        learners = len(store.learners())
        answers = store.attempt_count()
    finally:
        store.close()
    print(f"Backed up {learners} learner(s) and {answers} answer(s) from {store.path} to "
          f"{path} ({_size(path.stat().st_size)}).")
    return 0


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 ** 2:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 ** 2:.1f} MB"


def _class(args) -> int:
    from quizapp.progress.classview import class_view, load_exports

    _no_summary_options(args, "class")
    if getattr(args, "learner", None) is not None:
        raise CommandError("--learner is not an option of `progress class` (each file is "
                           "one learner)")
    as_json, as_csv = getattr(args, "json", False), getattr(args, "csv", False)
    if as_json and as_csv:
        raise CommandError("choose one of --json and --csv")
    only = getattr(args, "class_only", None)
    if only and as_json:
        raise CommandError("--only goes with --csv or the text tables, not with --json")
    _safe_output()
    docs, problems = load_exports(args.files)
    for p in problems:
        print(f"{'note' if p.duplicate else 'warning'}: {p}", file=sys.stderr)
    if not docs:
        raise CommandError(f"no readable progress file among the {len(args.files)} given "
                           "(see the warnings above)")
    bank = _class_bank(getattr(args, "class_bank", None))
    view = class_view(docs, bank=bank)
    if as_json:
        out = view.to_json()
        out["notes"] = [p.to_json() for p in problems] + out["notes"]
        out["files"] = {"given": len(args.files), "read": len(docs)}
        print_json(out)
    elif as_csv:
        _class_csv(view, only)
    else:
        _class_text(view, only, len(args.files))
    return 0


def _class_bank(paths):
    """The bank for titles and choice names: --bank, else the shipped one; None if it
    cannot be read (the view works without it, only less readable)."""
    from quizapp.bank import load_bank

    try:
        bank = load_bank(paths or None)
    except (OSError, ValueError) as exc:
        if paths:
            raise CommandError(f"cannot load the question bank: {exc}") from None
        return None
    return bank if bank.items else None


def _class_csv(view, only: str | None) -> None:
    import csv

    from quizapp.progress.classview import ITEM_COLUMNS, MASTERY_COLUMNS
    from quizapp.progress.classview import csv_cell as cell

    w = csv.writer(sys.stdout, lineterminator="\n")
    if only in (None, "mastery"):
        w.writerow(MASTERY_COLUMNS)
        for row in view.mastery_rows():
            w.writerow([cell(v) for v in row])
    if only is None:
        sys.stdout.write("\n")
    if only in (None, "items"):
        w.writerow(ITEM_COLUMNS)
        for row in view.item_rows():
            w.writerow([cell(v) for v in row])


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _class_text(view, only: str | None, given: int) -> None:
    n_items = len(view.items)
    print(f"Class view: {len(view.learners)} learner(s), {view.attempts} answers on "
          f"{n_items} item(s) (from {given} file(s)).")
    if only is None:
        print()
        width = min(30, max(8, *(len(r.name) + 2 for r in view.learners)))
        print(f"{'learner':{width}}{'answers':>8}{'right':>7}  {'mastered':>10}  "
              f"{'last answer':11}  exported")
        for r in view.learners:
            mastered = f"{r.topics_mastered} of {len(r.topics)}"
            print(f"{_clip(r.name, width - 2):{width}}{r.attempts:>8}"
                  f"{_pct(r.correct, r.attempts):>7}  {mastered:>10}  "
                  f"{(r.last_answer or '-')[:10]:11}  {r.exported_at[:16].replace('T', ' ')}")
    if only in (None, "mastery"):
        print()
        print("Mastery per topic (topics a learner has not answered are left out):")
        rows = [(r, t, m) for r in view.learners for t, m in r.topics.items() if m.attempts]
        if not rows:
            print("  (no answers yet)")
        else:
            lw = min(30, max(9, *(len(r.name) + 2 for r, _, _ in rows)))
            tw = min(40, max(7, *(len(view.topics.get(t, t)) + 2 for _, t, _ in rows)))
            print(f"{'learner':{lw}}{'topic':{tw}}{'answers':>8}{'right':>7}"
                  f"{'last 10':>10}  mastered")
            last = None
            for r, t, m in rows:
                name = _clip(r.name, lw - 2) if r is not last else ""
                last = r
                recent = f"{m.last10_correct}/{m.last10_answers}"
                print(f"{name:{lw}}{_clip(view.topics.get(t, t), tw - 2):{tw}}{m.attempts:>8}"
                      f"{_pct(m.correct, m.attempts):>7}{recent:>10}  "
                      f"{'yes' if m.mastered else '-'}")
    if only in (None, "items"):
        print()
        print("Items, hardest first (share right; the most common wrong answers, with counts):")
        if not view.items:
            print("  (no answers yet)")
            return
        iw = min(44, max(6, *(len(i.item_id) + 2 for i in view.items)))
        print(f"{'item':{iw}}{'answers':>8}{'right':>7}{'learners':>10}  wrong answers")
        for it in view.items:
            wrong = ", ".join(f"{_clip(a, 40)} ×{n}" for a, n in it.wrong_answers) or "-"
            print(f"{_clip(it.item_id, iw - 2):{iw}}{it.attempts:>8}"
                  f"{_pct(it.correct, it.attempts):>7}{it.learners:>10}  {wrong}")


# ------------------------------------------------------------------ learners


@_guard
def _learners(args) -> int:
    writes = bool(args.add or args.rename or args.delete or args.streak is not None)
    store = _open_store(args, readonly=not writes)
    try:
        did = False
        if args.add:
            learner = store.add_learner(args.add)
            print(f"Added learner {learner.name!r}.", file=sys.stderr if args.json else sys.stdout)
            did = True
        if args.rename:
            old, new = args.rename
            learner = _learner(store, old)
            store.rename_learner(learner.id, new)
            print(f"Renamed {learner.name!r} to {new!r}.", file=sys.stderr if args.json else sys.stdout)
            did = True
        if args.delete:
            learner = _learner(store, args.delete)
            if not args.yes:
                raise CommandError(f"--delete removes {learner.name!r} and all their answers, "
                                   "runs and achievements; add --yes to confirm")
            store.delete_learner(learner.id)
            print(f"Deleted learner {learner.name!r}.", file=sys.stderr if args.json else sys.stdout)
            did = True
        if args.streak is None and (args.streak_answers is not None or args.streak_days is not None):
            raise CommandError("--streak-answers and --streak-days go with --streak on")
        if args.streak is not None:
            learner = _learner(store, args.learner)
            unlocked = store.set_streak(learner.id, args.streak == "on", args.streak_answers,
                                        args.streak_days)
            info = store.study_streak(learner.id)
            out = sys.stderr if args.json else sys.stdout
            if info["enabled"]:
                print(f"Weekly streak on for {learner.name!r}: a study day is {info['min_answers']}+ "
                      f"answers; a week asks for {info['days_per_week']} study days (fewer when "
                      "fewer days had a review due).", file=out)
            else:
                print(f"Weekly streak off for {learner.name!r}.", file=out)
            for u in unlocked:
                print(f"Achievement unlocked: {u.title}", file=out)
            did = True
        elif args.learner is not None and not did:
            raise CommandError("--learner goes with --streak here")
        rows = store.db.execute(
            "SELECT l.id, l.name, l.created_at, l.last_active_at, l.streak_enabled, "
            "(SELECT COUNT(*) FROM attempts a WHERE a.learner_id = l.id), "
            "(SELECT COUNT(*) FROM attempts a WHERE a.learner_id = l.id AND a.correct = 1) "
            "FROM learners l ORDER BY l.id").fetchall()
        if args.json:
            print_json([{"id": r[0], "name": r[1], "created_at": r[2], "last_active_at": r[3],
                         "streak": bool(r[4]), "attempts": r[5], "correct": r[6]} for r in rows])
            return 0
        if did:
            return 0
        if not rows:
            print(f"No learners yet in {store.path}. Add one with: quizapp learners --add NAME")
            return 0
        width = max(8, max(len(r[1]) for r in rows) + 2)
        print(f"{'name':{width}}{'answers':>8}{'right':>7}  last active       streak")
        from quizapp.progress.classview import printable

        for r in rows:
            last = (r[3] or "-")[:16].replace("T", " ")
            print(f"{printable(r[1]):{width}}{r[5]:>8}{r[6]:>7}  {last:16}  "
                  f"{'on' if r[4] else 'off'}")
    finally:
        store.close()
    return 0


# ------------------------------------------------------------------ practice


@_guard
def _practice(args) -> int:
    if not args.terminal:  # the desktop Practice page, set up with these options
        from quizapp.ui.launch import launch

        args.db = args.sub_db or args.db
        args.app_bank = args.bank
        return launch(args, page="practice", topics=args.topic, length=args.count,
                      mode=args.mode, categories=args.category, seed=args.seed)
    if args.count < 1:
        raise CommandError(f"--count must be at least 1, got {args.count}")
    from quizapp.bank import load_bank
    from quizapp.progress.session import SessionOptions, StudySession

    _safe_output()
    store = _open_store(args)
    try:
        try:
            bank = load_bank(args.bank or None)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot load the question bank: {exc}") from None
        errors = [p for p in bank.problems if getattr(p, "severity", "error") == "error"]
        if errors:
            print(f"note: {len(errors)} problem(s) in the question bank; those items were left out",
                  file=sys.stderr)
        if not bank.items:
            first = f" ({errors[0].file}: {errors[0].message})" if errors else ""
            raise CommandError(f"the question bank has no usable items{first}")
        store.on_wait = lambda text: _say(sys.stdout, f"({text} up to "
                                                      f"{store.write_wait:.0f} s; your answer is kept)")
        learner = _learner(store, args.learner, create=True)
        session = StudySession(store, bank, learner.id, SessionOptions(
            topics=args.topic, categories=args.category, length=args.count, mode=args.mode,
            seed=args.seed))
        return _run_terminal(session, store, learner, sys.stdin, sys.stdout)
    finally:
        store.close()


def _safe_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass


def _say(out, text: str = "") -> None:
    out.write(text + "\n")
    out.flush()


def _show(out, session, inst) -> None:
    from quizapp.textmath import tex_to_text

    item = session.item(inst.item_id)
    _say(out)
    _say(out, f"[{session.position}/{session.total}] {item.topic} · {item.category}")
    if session.reason:
        _say(out, f"(why this one: {session.reason})")
    _say(out, tex_to_text(inst.prompt))
    if inst.choices:
        texts = [tex_to_text(c) for c in inst.choices]
        if inst.kind == "true_false":
            _say(out, "  " + "  ".join(f"{i}. {c}" for i, c in enumerate(texts, 1)))
        else:
            for i, c in enumerate(texts, 1):
                _say(out, f"  {i}. {c}")
    if getattr(inst, "targets", None):
        from quizapp.bank.kinds import LETTERS

        for i, c in enumerate(inst.targets):
            _say(out, f"  {LETTERS[i]}) {tex_to_text(c)}")
    from quizapp.bank.kinds import SYNTAX

    if inst.kind in SYNTAX:
        _say(out, f"(answer with {SYNTAX[inst.kind]})")


#: Longest line read from standard input; the rest of a longer line is skipped unread.
MAX_LINE = 4096


class _Lines:
    """Lines from standard input, read as bytes and decoded leniently: a byte that is not
    valid in the input's encoding becomes U+FFFD (and :attr:`bad_bytes` says so) instead of
    ending the session; a line longer than :data:`MAX_LINE` is skipped (:attr:`too_long`)."""

    def __init__(self, stream):
        self.stream = stream
        self.raw = getattr(stream, "buffer", None)
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        self.bad_bytes = False
        self.too_long = False

    def readline(self) -> str:
        self.bad_bytes = self.too_long = False
        if self.raw is None:  # a text stream without bytes (tests, embedding)
            line = self.stream.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE and not line.endswith("\n"):
                self._skip_text()
                return "\n"
            return line
        data = self.raw.readline(MAX_LINE + 1)
        if len(data) > MAX_LINE and not data.endswith(b"\n"):
            self.too_long = True
            while True:
                rest = self.raw.readline(1 << 16)
                if not rest or rest.endswith(b"\n"):
                    break
            return "\n"
        try:
            return data.decode(self.encoding)
        except (UnicodeDecodeError, LookupError):
            self.bad_bytes = True
            return data.decode(self.encoding if self._known() else "utf-8", errors="replace")

    def _known(self) -> bool:
        import codecs

        try:
            codecs.lookup(self.encoding)
            return True
        except LookupError:
            return False

    def _skip_text(self) -> None:
        self.too_long = True
        while True:
            rest = self.stream.readline(1 << 16)
            if not rest or rest.endswith("\n"):
                break


def _run_terminal(session, store, learner, inp, out) -> int:
    from quizapp.progress.classview import printable
    from quizapp.progress.store import LearnerGone, StoreError, shown
    from quizapp.textmath import tex_to_text

    lines = _Lines(inp)
    exam = session.opts.mode == "exam"
    echo = not _isatty(inp)
    if session.total == 0:
        _say(out, "Nothing to practise with these filters right now "
                  "(no due reviews or new items). Try other topics or --mode mixed.")
        session.finish()
        return 0
    _say(out, f"Practice for {printable(learner.name)}: {session.total} question(s)"
              f"{' (exam: verdicts at the end)' if exam else ''}. Answer with the choice "
              f"number or a number (each question says how); q stops.")
    stopped = ""
    try:
        while True:
            inst = session.next()
            if inst is None:
                break
            _show(out, session, inst)
            started = time.monotonic()
            while True:
                out.write("> ")
                out.flush()
                line = lines.readline()
                if line == "":
                    stopped = "end of input"
                    break
                text = line.strip()
                if lines.too_long:
                    _say(out, f"(that line was longer than {MAX_LINE} characters and was "
                              "skipped; type the choice number or the number)")
                    continue
                if echo:
                    _say(out, text)
                if lines.bad_bytes:
                    _say(out, "(that line held bytes that are not valid text; they are shown "
                              "as �. Type the answer again)")
                    continue
                if text.lower() in ("q", "quit", "exit"):
                    stopped = "stopped"
                    break
                if not text:
                    _say(out, "Type an answer, or q to stop.")
                    continue
                try:
                    fb = session.answer(text, time.monotonic() - started)
                except LearnerGone:
                    stopped = (f"the learner {shown(learner.name)!r} was deleted while "
                               "practising; this last answer was not saved")
                    break
                except StoreError as exc:
                    stopped = f"the progress file cannot take answers now ({exc})"
                    break
                if not fb.readable:
                    _say(out, fb.message)
                    continue
                if getattr(fb, "note", ""):
                    _say(out, fb.note)
                if exam:
                    _say(out, "Recorded.")
                else:
                    _say(out, ("✓ " if fb.correct else "✗ ") + tex_to_text(fb.message))
                    if fb.explanation:
                        _say(out, "Why: " + tex_to_text(fb.explanation))
                    for u in fb.unlocked:
                        _say(out, f"★ Achievement unlocked: {u.title} — {u.description}")
                break
            if stopped:
                break
    except KeyboardInterrupt:
        stopped = "interrupted"
        out.write("\n")
    summary = session.finish()
    _say(out)
    for item_id, reason in session.skipped:
        _say(out, f"(skipped {item_id}: {reason})")
    if stopped and stopped != "stopped":
        _say(out, f"({stopped}: every answer given so far is saved)")
    for note in store.notices:
        _say(out, f"(note: {note})")
    store.notices.clear()
    if store.unsaved:
        _say(out, f"({len(store.unsaved)} answer(s) could not be written anywhere (the file "
                  "stays busy and the journal cannot be written); here they are, to keep:")
        import json

        for answer in store.unsaved:
            _say(out, "  " + json.dumps(answer, ensure_ascii=False))
    if exam and summary.items:
        for item_id, ok, given, expected in summary.items:
            _say(out, f"  {'✓' if ok else '✗'} {item_id}: you gave {given}, "
                      f"answer {tex_to_text(expected)}")
    _say(out, f"Session over: {summary.correct} of {summary.answered} right"
              f"{' (' + _pct(summary.correct, summary.answered) + ')' if summary.answered else ''}"
              f" in {_duration(summary.seconds)}.")
    for u in summary.unlocked:  # exam mode: held back until now
        _say(out, f"★ Achievement unlocked: {u.title} — {u.description}")
    if summary.review_next:
        _say(out, "To review next: " + ", ".join(summary.review_next))
    for line in summary.next_steps:
        _say(out, "Next time: " + line)
    waiting = store.journal.count() if store.journal is not None else 0
    if waiting:
        _say(out, f"Saved for {printable(learner.name)}: {waiting} answer(s) wait in {store.journal.path}, "
                  f"to be added to {store.path} once it is free (at the latest when quizapp "
                  "next opens it).")
    else:
        _say(out, f"Saved for {printable(learner.name)} in {store.path}.")
    return 0


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
