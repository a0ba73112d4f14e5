"""The desktop app's responsiveness on two years of history, measured through the real pages.

    python benchmarks/bench_ui.py [--repeat 3] [--quick]

A progress file of two years of study (200,000 answers on the shipped questions, one
learner, sessions, notebook runs) is built through the store API, batched in
transactions, and cached in the temporary folder under a version key, so later runs
start at once. Every figure is measured offscreen through the real main window and
pages, with a 2 ms ``QTimer`` heartbeat running: the largest gap between two beats while
an interaction runs is its *stall* (how long the window could not repaint or take a key).

Targets (issue 12), each printed as one line with the figure, the target and OK/FAIL:

* no event-loop stall over 100 ms in any interaction (the worst one is named);
* each page's first switch <= 250 ms; any later switch <= 30 ms (p95);
* start-up <= 1.25x a bare PySide6 window with one canvas, whichever page was last
  (fresh processes, like ``bench_canvas.py``);
* simulator frame <= 16 ms (p95) at 8 lanes x 1000 steps;
* learning-rate change -> new trajectory drawn <= 60 ms (p95);
* LR sweep result <= 150 ms, with no stall;
* Author: keystroke -> preview <= 50 ms (p95);
* Practice: last answer -> summary shown (<= 100 ms, no stall).

Figures are p95 over the repeats (the maximum when there are fewer than 20 samples).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.startup import BARE, time_to_shown  # noqa: E402  (the baseline bench_canvas uses too)

DB_VERSION = "v1"  # bump when the generated history changes
CACHE = Path(tempfile.gettempdir()) / f"quizapp-bench-ui-{DB_VERSION}"
ATTEMPTS = 200_000
DAYS = 730

STALL_MS = 100.0
FIRST_SWITCH_MS = 250.0
LATER_SWITCH_MS = 30.0
STARTUP_RATIO = 1.25
FRAME_MS = 16.0
LR_CHANGE_MS = 60.0
SWEEP_MS = 150.0
PREVIEW_MS = 50.0
SUMMARY_MS = 100.0

PAGE_KEYS = ("learn", "simulator", "practice", "progress", "achievements", "author")

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adam")
LRS = (0.05, 0.05, 0.02, 0.5, 0.05, 0.3, 0.3, 0.05)


# ---------------------------------------------------------------------- the database


def build_db(path: Path, attempts: int = ATTEMPTS, days: int = DAYS) -> None:
    """Two years of one learner's study through the store API (batched per study day)."""
    from quizapp.bank import load_bank
    from quizapp.progress import Store
    from quizapp.progress.clock import ManualClock

    bank = load_bank()
    items = sorted(bank.items.values(), key=lambda i: i.id)
    rng = random.Random(12)
    tmp = path.with_suffix(".building")
    for p in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
        p.unlink(missing_ok=True)
    store = Store.open(tmp)
    store.db.execute("PRAGMA synchronous = OFF")  # a benchmark fixture: speed over durability
    store.sync_topics(dict(bank.topics))
    learner = store.add_learner("Two years")
    end = datetime.now(timezone.utc).replace(hour=20, minute=0, second=0, microsecond=0)
    clock = ManualClock(end - timedelta(days=days))
    store.clock = clock
    study_days = [d for d in range(days) if rng.random() < 0.82]
    per_day = attempts // len(study_days)
    extra = attempts - per_day * len(study_days)
    skill = {i.id: 0.45 + 0.5 * rng.random() for i in items}
    done = 0
    t0 = time.perf_counter()
    for n, d in enumerate(study_days):
        clock.t = end - timedelta(days=days - d, hours=rng.uniform(0, 6))
        count = per_day + (1 if n < extra else 0)
        growth = 0.25 * d / days  # the learner gets better
        with store._write():  # one transaction per study day
            sid = store.start_session(learner.id, "mixed", {"length": count})
            for _ in range(count):
                item = items[rng.randrange(len(items))]
                ok = rng.random() < min(0.97, skill[item.id] + growth)
                store.record_attempt(
                    learner.id, item.id, correct=ok, given="1" if ok else "2",
                    seconds=round(rng.uniform(3, 80), 1), seed=rng.randrange(2**31),
                    expected="1", topic=item.topic, category=item.category, kind=item.kind,
                    session_id=sid, evaluate=False)
                clock.advance(seconds=rng.uniform(5, 40))
                done += 1
        store.finish_session(sid)
        if n % 60 == 0:
            print(f"  building the two-year history: {done} of {attempts} answers "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    for r in range(300):  # the lab notebook
        clock.advance(minutes=3)
        store.record_run(learner.id, {
            "surface": rng.choice(["rosenbrock", "valley", "bowl"]),
            "optimizer": rng.choice(["sgd", "adam", "momentum", "rmsprop"]),
            "hyper": {"lr": rng.choice([0.001, 0.01, 0.1])}, "steps": 150, "start": [-1.5, 1.5],
            "seed": r}, {"final_loss": rng.random(), "diverged_at": None, "steps": 150})
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    os.replace(tmp, path)


def cached_db() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "progress.db"
    if not path.exists():
        print(f"building {path} (once; cached under {CACHE})", flush=True)
        build_db(path)
    return path


def working_copy(db: Path, folder: Path) -> Path:
    """A copy of the cached file for one run (answers recorded by the run stay out of it)."""
    target = folder / "progress.db"
    shutil.copyfile(db, target)
    return target


# ---------------------------------------------------------------------- measuring


def p95(values: list[float]) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    if len(values) < 20:
        return values[-1]
    return values[int(round(0.95 * (len(values) - 1)))]


class Heartbeat:
    """A 2 ms timer; :meth:`run` measures one interaction's duration and its largest stall."""

    def __init__(self):
        from PySide6.QtCore import QObject, Qt, QTimer

        self.owner = QObject()
        self.timer = QTimer(self.owner)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(2)
        self.beats: list[float] = []
        self.timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))
        self.timer.start()
        self.stalls: dict[str, float] = {}

    def run(self, name: str, action, until=None, settle: float = 0.06,
            timeout: float = 30.0) -> float:
        """Post ``action`` to the event loop (as a key press would), spin until ``until()``
        holds (checked every millisecond), then ``settle`` seconds more. Returns the ms
        from the action to ``until``; the stall is kept under ``name`` (the worst)."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        state = {"t0": None, "done": None}

        def start():
            state["t0"] = time.perf_counter()
            action()
            if until is None or until():
                state["done"] = time.perf_counter()

        def check():
            now = time.perf_counter()
            if state["t0"] is None:
                return
            if state["done"] is None and (until is None or until()):
                state["done"] = now
            if state["done"] is not None and now - state["done"] >= settle:
                loop.quit()
            elif now - state["t0"] > timeout:
                loop.quit()

        checker = QTimer()
        checker.setInterval(1)
        checker.timeout.connect(check)
        self.beats.clear()
        QTimer.singleShot(0, start)
        checker.start()
        loop.exec()
        checker.stop()
        end = time.perf_counter()
        t0 = state["t0"]
        done = state["done"]
        if done is None:
            raise SystemExit(f"{name}: did not finish within {timeout:.0f} s")
        marks = [t0] + [b for b in self.beats if t0 < b < end] + [end]
        stall = max(b - a for a, b in zip(marks, marks[1:])) * 1000.0
        self.stalls[name] = max(stall, self.stalls.get(name, 0.0))
        return (done - t0) * 1000.0


def spin(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def line(label: str, value: float, target: float, unit: str = "ms", note: str = "") -> bool:
    ok = value <= target
    text = f"{value:8.1f} {unit}" if unit == "ms" else f"{value:8.2f}{unit}"
    tgt = f"<= {target:g} {unit}" if unit == "ms" else f"<= {target:g}{unit}"
    print(f"{label:<52} {text}   target {tgt:<12} {'OK' if ok else 'FAIL'}"
          + (f"   ({note})" if note else ""), flush=True)
    return ok


# ---------------------------------------------------------------------- child processes


SWITCH_CHILD = r"""
import json, os, sys, time
sys.path.insert(0, os.environ["BENCH_ROOT"])
from benchmarks.bench_ui import Heartbeat, page_ready, spin
from quizapp.ui.app import MainWindow, create_app
from quizapp.ui.context import AppContext
app = create_app()
hb = Heartbeat()
win = MainWindow(AppContext.open())
win.show()
spin(0.5)
keys = json.loads(os.environ["BENCH_PAGES"])
out = {"first": {}, "later": {}, "content": {}, "stall": {}}
for key in keys:
    if key == win.current_page():
        continue
    out["first"][key] = hb.run("first switch to " + key, win.page_actions[key].trigger,
                               lambda k=key: page_ready(win, k))
    spin(0.05)
    if key == "progress":
        t0 = time.perf_counter()
        from benchmarks.bench_ui import progress_done
        out["content"][key] = hb.run("Progress content", lambda: None,
                                     lambda: progress_done(win.pages["progress"]))
        out["content"][key] += out["first"][key]
for _ in range(3):
    for key in keys:
        if key == win.current_page():
            continue
        out["later"].setdefault(key, []).append(
            hb.run("later switch to " + key, win.page_actions[key].trigger,
                   lambda k=key: page_ready(win, k)))
out["stall"] = hb.stalls
win.close()
print("RESULT " + json.dumps(out), flush=True)
"""

QUIZAPP = r"""
import sys
from quizapp.ui.app import MainWindow, create_app
from quizapp.ui.context import AppContext
app = create_app()
win = MainWindow(AppContext.open())
win.show()
for _ in range(3):
    app.processEvents()
print("shown", flush=True)
"""


def child_env(tmp: Path, db: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), BENCH_ROOT=str(ROOT), QT_QPA_PLATFORM="offscreen",
               QUIZAPP_DB=str(db), XDG_CONFIG_HOME=str(tmp / "config"))
    return env


def set_last_page(tmp: Path, key: str | None) -> None:
    ini = tmp / "config" / "quizapp" / "quizapp.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text("" if key is None else f"[window]\npage={key}\n", encoding="utf-8")


# ---------------------------------------------------------------------- conditions


def page_ready(win, key: str) -> bool:
    """The page is current, shown, and done filling in what it builds a slice per turn
    (Achievements' cards, Learn's section, Author's form; the Simulator's runs)."""
    page = win.pages.get(key)
    return (page is not None and win.stack.currentWidget() is page and page.isVisible()
            and getattr(page, "filling", False) is not True and getattr(page, "busy", False) is not True)


def progress_done(page) -> bool:
    """Everything the visible Progress tab shows is loaded and drawn."""
    if getattr(page, "loading", False) or getattr(page, "_dirty", False):
        return False
    return not any(c.stale for c in page.canvases) if page.tabs.currentIndex() == 0 else True


# ---------------------------------------------------------------------- in-process parts


def bench_simulator(win, hb: Heartbeat, repeat: int, results: dict) -> None:
    from quizapp.ui.simulator import model as sim_model

    win.page_actions["simulator"].trigger()
    spin(0.2)
    page = win.pages["simulator"]
    state = sim_model.SimState(surface="valley", start=(-9.0, 3.0), steps=1000)
    for i, name in enumerate(OPTIMIZERS):
        state.lanes.append(sim_model.Lane(optimizer=name, color=sim_model.PALETTE[i % len(sim_model.PALETTE)],
                                          hyper={"lr": LRS[i]}))
    from quizapp.ui.simulator.model import _RUNS

    loads = []
    for r in range(repeat):  # a new race each time: its lanes are computed, not cached
        _RUNS.clear()
        race = state.copy()
        race.steps = 1000 + r
        loads.append(hb.run("simulator: load an 8-lane race", lambda s=race: page._load_state(s, reset_step=True),
                            lambda: not getattr(page, "_pending", False) and not getattr(page, "busy", False)))
        spin(0.2)
    results["load"] = loads
    _RUNS.clear()
    hb.run("simulator: load an 8-lane race", lambda: page._load_state(state, reset_step=True),
           lambda: not getattr(page, "_pending", False) and not getattr(page, "busy", False))
    spin(0.2)
    # frames: the page's play timer drives its own tick; each tick is timed
    frames: list[float] = []
    page.timer.timeout.disconnect(page._tick)

    def timed_tick():
        t = time.perf_counter()
        page._tick()
        frames.append((time.perf_counter() - t) * 1000.0)

    page.timer.timeout.connect(timed_tick)
    page.speed = 250  # steps a second: the 1000 steps in 4 s
    for _ in range(repeat):
        page.set_step(0)
        hb.run("simulator: playing (8 lanes x 1000 steps)", page.play, lambda: not page.playing,
               timeout=60)
    page.timer.timeout.disconnect(timed_tick)
    page.timer.timeout.connect(page._tick)
    results["frame"] = frames
    # lr change on one lane -> its new trajectory drawn
    page.lane_list.list.setCurrentRow(5)
    spin(0.1)
    lr_times = []
    for r in range(10 * repeat):
        lr = 0.1 + 0.003 * r  # a new value each time: no cache hit

        def change(lr=lr):
            page.editor.set_lr(lr)

        def drawn(lr=lr):
            run = page.runs[5] if len(page.runs) > 5 else None
            return (run is not None and not getattr(page, "_pending", False)
                    and not getattr(page, "busy", False)
                    and abs(page.state.lanes[5].hyper.get("lr", 0) - lr) < 1e-12)

        lr_times.append(hb.run("simulator: lr change", change, drawn))
    results["lr"] = lr_times
    # LR sweep over 40 rates for the 8 lanes
    page.tabs.setCurrentWidget(page.tab_sweep)
    spin(0.2)
    sweep = []
    for _ in range(repeat):
        page.sweep_results = None
        sweep.append(hb.run("simulator: LR sweep", page.run_sweep,
                            lambda: getattr(page, "sweep_results", None) is not None,
                            settle=0.1))
    results["sweep"] = sweep
    page.tabs.setCurrentIndex(0)
    spin(0.1)


def bench_author(win, hb: Heartbeat, repeat: int, results: dict) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    win.page_actions["author"].trigger()
    spin(0.3)
    page = win.pages["author"]
    entries = [page.entry_of(n) for n in page.item_nodes()]
    mine = [e.id for e in entries if e is not None and not e.read_only]
    if not mine:
        raise SystemExit("author: no writable item in the bench folder")
    opened = []
    for i in range(min(len(mine), 3 * repeat)):
        item_id = mine[(i * 7) % len(mine)]
        opened.append(hb.run("Author: open an item", lambda i=item_id: page.select_item(i),
                             lambda i=item_id: page.entry is not None and page.entry.id == i))
    results["author_open"] = opened
    count = {"n": 0}
    page.evaluated.connect(lambda: count.__setitem__("n", count["n"] + 1))
    spin(0.5)
    times = []
    page.form.prompt.setFocus()
    for r in range(10 * repeat):
        spin(0.05)
        before = count["n"]
        key = Qt.Key.Key_A if r % 2 == 0 else Qt.Key.Key_Backspace
        times.append(hb.run("Author: keystroke -> preview",
                            lambda k=key: QTest.keyClick(page.form.prompt, k),
                            lambda b=before: count["n"] > b))
    results["preview"] = times


def bench_practice(win, hb: Heartbeat, repeat: int, results: dict) -> None:
    from quizapp.bank.kinds import typed_answer
    from quizapp.progress.session import SessionOptions

    win.page_actions["practice"].trigger()
    page = win.pages["practice"]
    t0 = time.perf_counter()
    while not page.ready and time.perf_counter() - t0 < 30:
        spin(0.05)
    summary, nexts = [], []
    for r in range(repeat):
        opts = SessionOptions(length=4, mode="mixed", seed=100 + r)
        hb.run("Practice: start a session (first question)", lambda o=opts: page.start(o),
               lambda: page.instance is not None)
        while True:
            inst = page.instance
            typed = typed_answer(inst, True)  # the newer kinds (select all, order, match, short)
            if typed is not None and page.kind_widget is not None:
                page.kind_widget.set_text(typed)
            elif inst.choices:
                page.choose(1)
            else:
                page.answer_edit.setText("1")
            hb.run("Practice: submit an answer", page.submit, lambda: page.feedback is not None)
            last = page.session.position >= page.session.total
            if last:
                summary.append(hb.run("Practice: last answer -> summary", page.next_question,
                                      lambda: page.current_view() == "summary" and page.summary_view.isVisible()))
                break
            nexts.append(hb.run("Practice: next question", page.next_question,
                                lambda: page.feedback is None and page.instance is not None))
        page.show_setup()
    results["summary"] = summary
    results["next"] = nexts


def bench_progress(win, hb: Heartbeat, repeat: int, results: dict) -> None:
    from PySide6.QtCore import Qt

    win.page_actions["progress"].trigger()
    page = win.pages["progress"]
    hb.run("Progress: first load", lambda: None, lambda: progress_done(page), settle=0.1)
    reload_ms = []
    for _ in range(repeat):
        page.tabs.setCurrentIndex(0)
        reload_ms.append(hb.run("Progress: reload after new data", win.ctx.dataChanged.emit,
                                lambda: progress_done(page), settle=0.1))
    results["progress_reload"] = reload_ms
    for bucket in (1, 2, 0):
        hb.run("Progress: group by week/month/day", lambda b=bucket: page.bucket_combo.setCurrentIndex(b),
               lambda: progress_done(page))
    hb.run("Progress: History tab", lambda: page.tabs.setCurrentIndex(1),
           lambda: progress_done(page))
    view = page.history_view
    for col in (2, 5, 0):
        hb.run("Progress: sort the history", lambda c=col: view.sortByColumn(c, Qt.SortOrder.AscendingOrder),
               lambda: progress_done(page))
    hb.run("Progress: filter the history", lambda: page.text_filter.setText("adam"),
           lambda: progress_done(page))
    hb.run("Progress: clear the filter", lambda: page.text_filter.setText(""),
           lambda: progress_done(page))
    hb.run("Progress: scroll to the oldest answers", lambda: view.scrollToBottom(),
           lambda: progress_done(page))
    page.tabs.setCurrentIndex(0)
    spin(0.2)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="desktop app responsiveness on a two-year history")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip the start-up processes")
    parser.add_argument("--only", default="", help="comma list: switch,startup,simulator,author,practice,progress")
    args = parser.parse_args(argv)
    only = {s for s in args.only.split(",") if s}
    want = (lambda part: not only or part in only)
    db = cached_db()
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-bench-ui-"))
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")
    work_db = working_copy(db, tmp)
    os.environ["QUIZAPP_DB"] = str(work_db)
    from quizapp.progress import Store

    with Store.open(work_db) as s:
        n = s.attempt_count()
    print(f"database: {n} answers over two years ({db.stat().st_size / 1e6:.0f} MB), "
          f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    ok = True
    stalls: dict[str, float] = {}
    rows: list[tuple] = []

    # page switches, each in fresh processes (a first switch happens once per process)
    if want("switch"):
        first: dict[str, list[float]] = {}
        later: list[float] = []
        content: list[float] = []
        order = ["learn", "practice", "progress", "achievements", "author", "simulator"]
        for r in range(args.repeat):
            set_last_page(tmp, "simulator")
            env = child_env(tmp, working_copy(db, tmp))
            env["BENCH_PAGES"] = json.dumps(order)
            proc = subprocess.run([sys.executable, "-c", SWITCH_CHILD], capture_output=True, text=True,
                                  env=env, cwd=ROOT, timeout=600)
            found = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
            if not found:
                print(proc.stderr[-3000:])
                raise SystemExit("the page-switch process failed")
            out = json.loads(found[0][7:])
            for k, v in out["first"].items():
                first.setdefault(k, []).append(v)
            for v in out["later"].values():
                later.extend(v)
            content.extend(out["content"].values())
            for k, v in out["stall"].items():
                stalls[k] = max(v, stalls.get(k, 0.0))
        for key in order:
            if key in first:
                rows.append((f"first switch to {key}", p95(first[key]), FIRST_SWITCH_MS, "ms", ""))
        rows.append(("later page switch (p95 over all pages)", p95(later), LATER_SWITCH_MS, "ms", ""))
        if content:
            rows.append(("Progress: switch -> everything drawn", p95(content), 1000.0, "ms",
                         "informative: loads off the GUI thread"))
        working_copy(db, tmp)

    if want("startup") and not args.quick:
        bare_env = child_env(tmp, work_db)
        time_to_shown(BARE, bare_env)
        for key in PAGE_KEYS:
            set_last_page(tmp, key)
            env = child_env(tmp, work_db)
            time_to_shown(QUIZAPP, env)  # warm the file caches
            bare, ours = [], []
            for _ in range(max(3, args.repeat)):
                bare.append(time_to_shown(BARE, bare_env))
                ours.append(time_to_shown(QUIZAPP, env))
            ratio = statistics.median(ours) / statistics.median(bare)
            rows.append((f"start-up, last page {key} (x bare window)", ratio, STARTUP_RATIO, "x",
                         f"{statistics.median(ours):.0f} vs {statistics.median(bare):.0f} ms median"))
        set_last_page(tmp, None)

    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "config"))
    set_last_page(tmp, "simulator")
    bank_dir = tmp / "my-questions"
    bank_dir.mkdir()
    shutil.copy(ROOT / "question_bank" / "adam.toml", bank_dir / "adam.toml")
    from quizapp.ui.app import MainWindow, create_app
    from quizapp.ui.context import AppContext

    app = create_app()
    hb = Heartbeat()
    win = MainWindow(AppContext.open(str(work_db), bank_paths=[str(bank_dir)]))
    win.resize(1280, 800)
    win.show()
    spin(0.5)
    results: dict[str, list[float]] = {}
    if want("simulator"):
        bench_simulator(win, hb, args.repeat, results)
        rows.append(("simulator: load 8 lanes x 1000 steps -> drawn (p95)", p95(results["load"]), 1000.0, "ms",
                     "informative: computed in slices, the window runs meanwhile"))
        rows.append(("simulator frame, 8 lanes x 1000 steps (p95)", p95(results["frame"]), FRAME_MS, "ms",
                     f"median {statistics.median(results['frame']):.1f} ms"))
        rows.append(("lr change -> new trajectory drawn (p95)", p95(results["lr"]), LR_CHANGE_MS, "ms", ""))
        rows.append(("LR sweep, 40 rates x 8 lanes -> result (p95)", p95(results["sweep"]), SWEEP_MS, "ms", ""))
    if want("author"):
        bench_author(win, hb, args.repeat, results)
        rows.append(("Author: keystroke -> preview (p95)", p95(results["preview"]), PREVIEW_MS, "ms", ""))
        rows.append(("Author: open an item (p95)", p95(results["author_open"]), STALL_MS, "ms", ""))
    if want("practice"):
        bench_practice(win, hb, args.repeat, results)
        rows.append(("Practice: last answer -> summary (p95)", p95(results["summary"]), SUMMARY_MS, "ms", ""))
        rows.append(("Practice: next question (p95)", p95(results["next"]), STALL_MS, "ms", ""))
    if want("progress"):
        bench_progress(win, hb, args.repeat, results)
        rows.append(("Progress: reload after new data -> drawn (p95)", p95(results["progress_reload"]),
                     1000.0, "ms", "informative: loads off the GUI thread"))
    for k, v in hb.stalls.items():
        stalls[k] = max(v, stalls.get(k, 0.0))
    win.close()
    ctx = win.ctx
    ctx.close()

    print()
    for label, value, target, unit, note in rows:
        ok &= line(label, value, target, unit, note)
    if stalls:
        worst = max(stalls, key=stalls.get)
        ok &= line("largest event-loop stall, any interaction", stalls[worst], STALL_MS, "ms", worst)
        print("\nstalls per interaction (ms):")
        for k in sorted(stalls, key=stalls.get, reverse=True):
            print(f"  {stalls[k]:7.1f}  {k}")
    print(f"\nload now {os.getloadavg()[0]:.2f}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
