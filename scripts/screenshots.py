"""Render PNG screenshots of the app's screens (used by the README).

    python scripts/screenshots.py                  # -> docs/screenshots/*.png at 1280x800
    python scripts/screenshots.py --out /tmp/shots --scale 2 --only simulator-race

Runs with Qt's offscreen platform, a throw-away settings folder and a throw-away
progress database, so it never touches your own. Each shot drives the real widgets
through their public methods (load a preset, step, open a tab, type a value).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed_demo(store, bank, name: str = "Ada", days: int = 84, seed: int = 7,
              skill: tuple[float, float] = (0.5, 0.9), runs: bool = True,
              catch_up: bool = True):
    """Fill ``store`` with a plausible learner: ``days`` of practice sessions driven through
    the real StudySession (accuracy climbing from skill[0] to skill[1], topics taken up
    one after another, an exam now and then), the weekly streak on, and a few simulator
    runs. The last answers are recorded just before now, so reviews fall due in the
    coming days. Returns the learner."""
    import random
    from datetime import datetime, timedelta, timezone

    from quizapp.progress.session import SessionOptions, StudySession

    rng = random.Random(seed)
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    now = [start]
    real_clock = store.clock
    store.clock = lambda: now[0]
    store.db.execute("PRAGMA synchronous = OFF")  # a throw-away file: seed it quickly
    try:
        learner = store.ensure_learner(name)
        store.set_streak(learner.id, True, min_answers=5, days_per_week=2)
        topics = list(bank.topics)
        knack = {t: rng.uniform(-0.25, 0.15) for t in topics}
        for day in range(days):
            when = start + timedelta(days=day)
            busy = 0.75 if when.weekday() < 5 else 0.35
            if day < days - 3 and rng.random() > busy:
                continue
            now[0] = when.replace(hour=rng.randint(7, 17), minute=rng.randint(0, 59))
            progress = day / max(1, days - 1)
            level = skill[0] + (skill[1] - skill[0]) * progress
            open_topics = topics[: max(2, min(len(topics), 2 + int(progress * 1.4 * len(topics))))]
            chosen = rng.sample(open_topics, k=min(len(open_topics), rng.randint(1, 3)))
            mode = "exam" if rng.random() < 0.08 and day > days // 2 else "mixed"
            sess = StudySession(store, bank, learner.id, SessionOptions(
                topics=chosen, length=rng.randint(6, 16) if mode == "mixed" else 10, mode=mode,
                seed=rng.randrange(2**30)))
            while (inst := sess.next()) is not None:
                right = rng.random() < level + knack.get(inst.topic, 0.0)
                secs = rng.uniform(6, 70)
                now[0] += timedelta(seconds=secs)
                sess.answer(_demo_answer(inst, right, rng), secs)
            sess.finish()
            if catch_up and day >= days - 12:  # catching up on reviews before the shots
                sess = StudySession(store, bank, learner.id, SessionOptions(
                    length=30, mode="review", seed=rng.randrange(2**30)))
                while (inst := sess.next()) is not None:
                    now[0] += timedelta(seconds=20)
                    sess.answer(_demo_answer(inst, rng.random() < level + 0.05, rng), 20.0)
                sess.finish()
        if runs:
            now[0] = end - timedelta(days=2)
            base = {"surface": "rosenbrock", "optimizer": "momentum", "steps": 200,
                    "start": [-1.5, 2.0], "noise": 0.0, "seed": 0, "schedule": None,
                    "clip_norm": None, "surface_options": {}}
            for opt, lr, div, dist in (("momentum", 0.02, 35, None), ("momentum", 0.002, None, 0.2),
                                       ("adam", 0.05, None, 0.03), ("sgd", 0.002, None, 0.6)):
                store.record_run(learner.id, {**base, "optimizer": opt, "hyper": {"lr": lr}},
                                 {"final_loss": None if div else dist, "steps": 200,
                                  "diverged_at": div, "final_point": None, "min_distance": dist},
                                 group="demo-race" if opt != "momentum" else None)
    finally:
        store.clock = real_clock
    return learner


def _demo_answer(inst, right: bool, rng) -> str:
    """An answer to ``inst`` that is right or (plausibly) wrong."""
    from quizapp.bank.kinds import typed_answer

    if typed_answer(inst, right) is not None:
        return typed_answer(inst, right)
    if inst.kind == "true_false":
        return str(bool(inst.answer) == right).lower()
    if inst.choices:
        if right:
            return str(inst.correct_choice)
        others = [i for i in range(1, len(inst.choices) + 1) if i != inst.correct_choice]
        return str(rng.choice(others or [1]))
    value = float(inst.answer)
    if right:
        return inst.answer_display or f"{value:.6g}"
    return f"{value * rng.choice((10, 0.1, 2, -1)) + rng.choice((0, 0.5)):.4g}"


def _dark_palette():
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    for role, color in (("Window", "#2b2b2b"), ("WindowText", "#e6e6e6"), ("Base", "#1e1e1e"),
                        ("AlternateBase", "#2f2f2f"), ("Text", "#e6e6e6"), ("Button", "#353535"),
                        ("ButtonText", "#e6e6e6"), ("Highlight", "#3d7bd9"),
                        ("HighlightedText", "#ffffff"), ("ToolTipBase", "#3a3a3a"),
                        ("ToolTipText", "#e6e6e6"), ("Light", "#5a5a5a"), ("Midlight", "#4a4a4a"),
                        ("Mid", "#404040"), ("Dark", "#202020"), ("Shadow", "#101010"),
                        ("PlaceholderText", "#9a9a9a")):
        palette.setColor(getattr(QPalette.ColorRole, role), QColor(color))
    return palette


AUTHOR_DEMO = r'''# course.toml: questions written for this term's optimizer lab
topic = "course"
title = "Optimizer lab: my questions"
format = 1

[[item]]
id = "course.adam-first-step"
category = "calculation"
difficulty = 2
tags = ["adam", "bias-correction"]
prompt = """Adam starts from $m_0 = v_0 = 0$ with $\\beta_1 = 0.9$ and $\\beta_2 = 0.999$. \
The first gradient is $g_1 = {g}$ and the rate is $\\eta = {lr}$. How long is the first step $|\\Delta\\theta|$?"""
explanation = """After bias correction $\\hat m_1 = g_1$ and $\\hat v_1 = g_1^2$, so the step is \
$\\eta\\,|g_1|/(|g_1| + \\epsilon) \\approx {answer}$: about the rate, whatever the gradient."""
preset = "adam-warmup"

[item.params]
g = { choice = [5, 10, 20, 40] }
lr = { range = [0.001, 0.01], step = 0.001 }

[item.answer]
kind = "numeric"
value = "adam_step(g, lr)"
tolerance = { relative = 0.01 }

[[item]]
id = "course.beta-sizes"
category = "true_false"
difficulty = 1
tags = ["adam"]
prompt = "With $\\beta_1 = {b1}$ and $\\beta_2 = {b2}$, the first moment forgets old gradients faster than the second."
explanation = "The smaller $\\beta$ forgets faster, so the statement is {answer}."

[item.params]
b1 = { choice = [0.8, 0.9, 0.95] }
b2 = { choice = [0.99, 0.999] }

[item.answer]
kind = "true_false"
value = "b1 < b2"

[[item]]
id = "course.sgd-one-step"
category = "calculation"
difficulty = 1
tags = ["sgd"]
prompt = "Plain SGD with $\\eta = {lr}$ stands at $\\theta = {theta}$ where the gradient is $g = {g}$. Where is $\\theta$ after one step?"
explanation = "SGD steps against the gradient: $\\theta - \\eta g = {answer}$."

[item.params]
lr = { choice = [0.1, 0.05] }
g = { randint = [1, 5] }
theta = 3

[item.answer]
kind = "computed_choice"
choices = ["sgd_step(theta, g, lr)", "theta + lr * g", "theta - g", "theta - 2 * lr * g"]
correct = 1
'''


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="output folder")
    parser.add_argument("--size", default="1280x800", help="window size, WxH (default 1280x800)")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio (2 = 200 %%)")
    parser.add_argument("--only", action="append", help="render only this shot (repeatable)")
    parser.add_argument("--full-color", action="store_true", help="keep 24-bit PNGs (larger files)")
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="quizapp-shots-")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["QUIZAPP_DB"] = os.path.join(tmp, "progress.db")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    width, height = (int(v) for v in args.size.lower().split("x"))

    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QColor, QPalette

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
    from quizapp.ui.app import AboutDialog, MainWindow, create_app
    from quizapp.ui.context import AppContext

    app = create_app([sys.argv[0]])
    app.setStyle("Fusion")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = AppContext.open()

    def settle(n: int = 3) -> None:
        for _ in range(n):
            app.processEvents()

    from quizapp.ui.shared.settings import open_settings

    def new_window() -> MainWindow:
        open_settings().clear()  # every shot starts from a fresh window
        window = MainWindow(ctx)
        window.resize(width, height)
        window.show()
        settle()
        return window

    def save(widget, name: str) -> None:
        settle()
        import time

        page = widget.stack.currentWidget() if hasattr(widget, "stack") else None
        deadline = time.perf_counter() + 10
        while (page is not None and time.perf_counter() < deadline
               and (getattr(page, "filling", False) is True or getattr(page, "busy", False) is True)):
            app.processEvents()  # what a page fills in a slice per turn, finished
        settle()
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        if not args.full_color:  # 256 colours: a third of the size, no visible change here
            from PIL import Image

            with Image.open(path) as image:
                small = image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
            small.save(path, optimize=True)
        print(path)

    def race(w):
        page = w.pages["simulator"]
        page.load_preset("valley-race")
        page.set_step(24)
        save(w, "simulator-race")

    def diverge(w):
        page = w.pages["simulator"]
        page.load_preset("lr-too-large")
        page.run_to_end()
        save(w, "simulator-diverged")

    def warmup(w):
        page = w.pages["simulator"]
        page.load_preset("adam-warmup")
        page.lane_list.list.setCurrentRow(1)
        page.set_step(60)
        save(w, "simulator-warmup")

    def minibatch(w):
        page = w.pages["simulator"]
        page.load_preset("noisy-minibatches")
        page.run_to_end()
        save(w, "simulator-minibatches")

    def view3d(w):
        page = w.pages["simulator"]
        page.load_preset("valley-race")
        page.set_step(40)
        page.tabs.setCurrentWidget(page.tab3d)
        save(w, "simulator-3d")

    def sweep(w):
        page = w.pages["simulator"]
        page.load_preset("valley-race")
        page.show_sweep()
        import time

        from PySide6.QtWidgets import QApplication

        deadline = time.monotonic() + 30  # the sweep runs on a worker thread
        while page.sweep_results is None and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.01)
        save(w, "simulator-sweep")

    def notebook(w):
        page = w.pages["simulator"]
        page.load_preset("lr-too-small")
        page.run_to_end()
        page.side_tabs.setCurrentWidget(page.notebook_panel)
        panel = page.notebook_panel
        panel.refresh(force=True)
        ids = [e.id for e in panel._entries[:2]]
        panel.select_ids(ids)
        save(w, "simulator-notebook")

    def invalid(w):
        page = w.pages["simulator"]
        page.load_preset("valley-race")
        page.run_to_end()
        page.editor.lr_field.setText("-0.5")
        page.editor.lr_field.textEdited.emit("-0.5")
        save(w, "simulator-invalid")

    def custom(w):
        page = w.pages["simulator"]
        page.load_preset("valley-race")
        panel = page.surface_panel
        panel.combo.setCurrentIndex(panel.combo.findData("custom"))
        panel.formula.setText("sin(x) * cos(y) + 0.1 * (x^2 + y^2)")
        panel.formula.textEdited.emit(panel.formula.text())
        page.flush()
        settle()
        page.flush()
        page.run_to_end()
        save(w, "simulator-custom")

    def dark(w):
        palette = QPalette()
        for role, color in ((QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e6e6e6"),
                            (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.AlternateBase, "#2f2f2f"),
                            (QPalette.ColorRole.Text, "#e6e6e6"), (QPalette.ColorRole.Button, "#353535"),
                            (QPalette.ColorRole.ButtonText, "#e6e6e6"), (QPalette.ColorRole.Highlight, "#3d7bd9"),
                            (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.ToolTipBase, "#3a3a3a"),
                            (QPalette.ColorRole.ToolTipText, "#e6e6e6"), (QPalette.ColorRole.Light, "#5a5a5a"),
                            (QPalette.ColorRole.Midlight, "#4a4a4a"), (QPalette.ColorRole.Mid, "#404040"),
                            (QPalette.ColorRole.Dark, "#202020"), (QPalette.ColorRole.Shadow, "#101010"),
                            (QPalette.ColorRole.PlaceholderText, "#9a9a9a")):
            palette.setColor(role, QColor(color))
        app.setPalette(palette)
        settle()
        page = w.pages["simulator"]
        page.load_preset("nesterov-lookahead")
        page.set_step(45)
        save(w, "simulator-dark")
        app.setPalette(app.style().standardPalette())
        settle()

    def about(w):
        dialog = AboutDialog(w)
        dialog.show()
        save(dialog, "about")
        dialog.close()

    shots = {"simulator-race": race, "simulator-diverged": diverge, "simulator-warmup": warmup,
             "simulator-minibatches": minibatch, "simulator-3d": view3d, "simulator-sweep": sweep,
             "simulator-notebook": notebook, "simulator-invalid": invalid,
             "simulator-custom": custom, "simulator-dark": dark, "about": about}

    # ------------------------------------------------------------ Learn and Practice
    def learn_section(w):
        w.show_page("learn")
        page = w.pages["learn"]
        page.show_section("momentum")
        settle(5)
        save(w, "learn-momentum")

    def learn_dark(w):
        app.setPalette(_dark_palette())
        settle()
        w.show_page("learn")
        page = w.pages["learn"]
        page.show_section("adaptive")
        settle(5)
        save(w, "learn-dark")
        app.setPalette(app.style().standardPalette())
        settle()

    def practice_page(w):
        import time

        from quizapp.progress.session import SessionOptions

        w.show_page("practice")
        page = w.pages["practice"]
        deadline = time.monotonic() + 30
        while not page.ready and time.monotonic() < deadline:  # the bank loads on a worker
            settle(1)
            time.sleep(0.02)
        return page, SessionOptions

    def answer(page, right: bool, seconds: float) -> None:
        inst = page.instance
        page._shown_at -= seconds  # as if the learner had thought for a while
        if page.kind_widget is not None:
            from quizapp.bank.kinds import typed_answer

            page.kind_widget.set_text(typed_answer(inst, right))
        elif inst.choices:
            pick = inst.correct_choice if right else (1 if inst.correct_choice != 1 else 2)
            page.choose(pick)
        else:
            page.answer_edit.setText(inst.answer_display if right else f"{float(inst.answer) * 2:.4g}")
        page.submit()
        settle()

    def practice_question(w):
        page, options = practice_page(w)
        page.start(options(length=1, seed=4), item_ids=["gradient_descent.update-rule"])
        page.choose(3)
        settle(5)
        save(w, "practice-question")

    def practice_feedback(w):
        page, options = practice_page(w)
        page.start(options(length=1, seed=11), item_ids=["momentum.zigzag-cancel"])
        answer(page, True, 42)
        settle(5)
        save(w, "practice-feedback")

    def practice_summary(w):
        page, options = practice_page(w)
        page.open_with(topics=["adam", "adamw"], length=6, mode="mixed", seed=5)
        for n, (right, secs) in enumerate(((True, 35), (False, 71), (True, 18), (True, 52),
                                          (False, 40), (True, 26))):
            if page.instance is None:
                break
            answer(page, right, secs)
            page.next_question()
        page.end_session()
        page.flush_cards()
        settle(5)
        save(w, "practice-summary")

    shots.update({"learn-momentum": learn_section, "learn-dark": learn_dark,
                  "practice-question": practice_question, "practice-feedback": practice_feedback,
                  "practice-summary": practice_summary})

    demo: dict = {}

    def demo_data() -> dict:
        """The seeded learner (once per run) and three learners' progress files."""
        if demo:
            return demo
        from quizapp.bank import load_bank
        from quizapp.progress import Store
        from quizapp.progress.classview import export_progress, write_export

        bank = load_bank()
        store = ctx.store
        ada = seed_demo(store, bank, "Ada")
        ctx.set_learner(ada.id)
        files = [write_export(Path(tmp) / "ada.json", export_progress(store, ada.id))]
        other = Store.memory()
        for name, days, seed, skill in (("Ben", 40, 11, (0.35, 0.7)), ("Chloé", 60, 23, (0.6, 0.95))):
            learner = seed_demo(other, bank, name, days=days, seed=seed, skill=skill, runs=False,
                                catch_up=False)
            files.append(write_export(Path(tmp) / f"{name.lower()}.json",
                                      export_progress(other, learner.id)))
        other.close()
        demo.update(ada=ada, files=[str(f) for f in files])
        return demo

    def progress_page(w, tab: int):
        demo_data()
        w.show_page("progress")
        page = w.pages["progress"]
        page.reload()
        page.tabs.setCurrentIndex(tab)
        page.flush_plots()
        settle(5)
        return page

    def progress_overview(w):
        progress_page(w, 0)
        save(w, "progress-overview")

    def progress_history(w):
        page = progress_page(w, 1)
        page.wrong_only.setChecked(True)
        page.text_filter.setText("adam")
        save(w, "progress-history")

    def progress_class(w):
        page = progress_page(w, 2)
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        page.class_panel.loaded.connect(loop.quit)
        QTimer.singleShot(30000, loop.quit)
        page.class_panel.load(demo_data()["files"])
        loop.exec()
        save(w, "progress-class")

    def progress_dark(w):
        app.setPalette(_dark_palette())
        settle()
        progress_page(w, 0)
        settle(5)
        save(w, "progress-dark")
        app.setPalette(app.style().standardPalette())
        settle()

    def achievements(w):
        demo_data()
        w.show_page("achievements")
        settle(5)
        save(w, "achievements")

    def achievements_toast(w):
        demo_data()
        w.show_page("achievements")
        page = w.pages["achievements"]
        settle(5)
        unlocked = [s for s in page.statuses if s.unlocked]
        w.toasts.duration_ms = 60000
        w.toasts.push(unlocked[-2:])
        w.toasts.anim.stop()
        w.toasts.toast.effect.setOpacity(1.0)
        save(w, "achievements-toast")
        w.toasts.clear()

    shots.update({"progress-overview": progress_overview, "progress-history": progress_history,
                  "progress-class": progress_class, "progress-dark": progress_dark,
                  "achievements": achievements, "achievements-toast": achievements_toast})
    # ---- Author page: a small folder of the instructor's own questions
    author_dir = Path(tmp) / "my-questions"

    def author_page(w, item_id: str | None = None, read_only: bool = False):
        if not author_dir.exists():
            author_dir.mkdir()
            (author_dir / "course.toml").write_text(AUTHOR_DEMO, encoding="utf-8")
        previous = ctx.bank_paths
        ctx.bank_paths = [str(author_dir)]
        try:
            w.show_page("author")
        finally:
            ctx.bank_paths = previous
        page = w.pages["author"]
        if item_id is not None:
            page.select_item(item_id, read_only=read_only)
            page.evaluate_now()
            page.wait_idle()
        settle(5)
        return page

    def author_edit(w):
        page = author_page(w, "course.adam-first-step")
        page.set_seed(3)
        page.evaluate_now()
        save(w, "author-edit")

    def author_invalid(w):
        page = author_page(w, "course.adam-first-step")
        page.form.value.setText("adam_step(g, lr, beta1=)")
        page.form.prompt.setPlainText(page.form.prompt.toPlainText().replace("{lr}", "{rate}"))
        page.evaluate_now()
        settle(5)
        bar = page.form_scroll.verticalScrollBar()
        bar.setValue(bar.maximum())
        save(w, "author-invalid")

    def author_readonly(w):
        page = author_page(w, "momentum.what-beta-does", read_only=True)
        if page.entry is None:
            page.select_item(next(iter(page.files[-1].items)).id, read_only=True)
        page.evaluate_now()
        save(w, "author-readonly")

    def author_dark(w):
        from PySide6.QtGui import QColor, QPalette

        palette = _dark_palette()
        for role in ("WindowText", "Text", "ButtonText"):  # greyed-out controls look disabled
            palette.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor("#7a7a7a"))
        app.setPalette(palette)
        settle()
        page = author_page(w, "course.beta-sizes")
        page.search.setText("course")
        page.evaluate_now()
        settle(5)
        save(w, "author-dark")
        app.setPalette(app.style().standardPalette())
        settle()

    shots.update({"author-edit": author_edit, "author-invalid": author_invalid,
                  "author-readonly": author_readonly, "author-dark": author_dark})
    # ---- Lab page: a real run, trained in its worker thread to the end
    def lab_run(w, preset: str | None = None, stage: int = 0, select: int = 0, side: int = 0):
        w.show_page("lab")
        page = w.pages["lab"]
        if preset:
            page.load_preset(preset, stage)
        page.pace_combo.setCurrentIndex(0)  # full speed
        page.start()
        # wait in an event loop: a tight processEvents() loop would crash PySide6 6.12
        # (each call drops a reference to None: about 20 000 calls abort the interpreter)
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        check = QTimer()
        check.setInterval(50)
        check.timeout.connect(lambda: loop.quit() if page.phase in ("done", "stopped", "idle") else None)
        check.start()
        loop.exec()
        check.stop()
        if select:
            page.lane_list.list.setCurrentRow(select)
        page.side_tabs.setCurrentIndex(side)
        settle(5)
        page.redraw_all()
        w.toasts.clear()  # the notebook's first record unlocks an achievement: not the subject here
        settle(5)
        return page

    def lab_moons(w):
        lab_run(w, select=2)
        save(w, "lab-moons")

    def lab_digits(w):
        lab_run(w, "tuning_order", 1, select=2, side=1)
        save(w, "lab-digits")

    def lab_symptom(w):
        page = lab_run(w, "oscillation")
        page.symptoms.verticalScrollBar().setValue(0)
        save(w, "lab-symptom")

    shots.update({"lab-moons": lab_moons, "lab-digits": lab_digits, "lab-symptom": lab_symptom})
    for name, shot in shots.items():
        if args.only and name not in args.only:
            continue
        window = new_window()
        shot(window)
        window.close()
        window.deleteLater()
        settle()
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
