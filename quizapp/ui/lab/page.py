"""The training lab page: a small network trained live by up to eight optimizers at once.

A thin view over :mod:`quizapp.ui.lab.model`. Training runs in a worker thread
(:mod:`quizapp.ui.lab.worker`) that hands back a slice of steps at a time; the page adds
each slice to its :class:`~quizapp.ui.lab.model.Series` and redraws one plot per timer
tick, so the window answers at once while the lanes train. The symptom detector's
findings appear in the side panel with the chapter's first checks as buttons; every run
is written to the lab notebook when it ends or is stopped.
"""
from __future__ import annotations

import html
import time
import uuid

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractItemView, QApplication, QComboBox, QFrame, QGridLayout, QGroupBox,
    QHBoxLayout, QLabel, QMenu, QScrollArea, QSizePolicy, QSplitter, QStackedWidget, QStyle,
    QTabWidget, QToolButton, QVBoxLayout, QWidget,
)

from quizapp import lab_presets
from quizapp.ui.lab import model as lab_model
from quizapp.ui.lab.canvas import (
    EpochCanvas, GradNormCanvas, LaneLook, LossCanvas, LrCanvas, MistakesView, PlotContext, RatioCanvas,
    ViewCanvas,
)
from quizapp.ui.lab.model import LabLane, LabRun, LabState, Series
from quizapp.ui.lab.panels import LabNotebookPanel, SetupPanel, SymptomPanel
from quizapp.ui.lab.worker import TrainThread
from quizapp.ui.shared.buttons import add_all, preset_combo, transport_button
from quizapp.ui.shared.keys import KeyForwarder
from quizapp.ui.shared.a11y import quiet_scroll
from quizapp.ui.simulator import model as sim_model
from quizapp.ui.simulator.controls import LaneEditor, LaneList, NumberField

DRAW_MS = 40  # one plot is redrawn per tick
PACES = ((None, "full speed"), (1000, "1000 steps/s"), (300, "300 steps/s"), (100, "100 steps/s"),
         (30, "30 steps/s"), (10, "10 steps/s"))


class LabPage(QWidget):
    """Data and model, lanes, live plots, symptoms, presets and the notebook."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("lab-page")
        self.state: LabState = lab_model.default_state()
        self.current = 0
        self.phase = "idle"  # idle | starting | running | paused | done | stopped
        self.run: LabRun | None = None
        self.series: Series | None = None
        self.job: TrainThread | None = None
        self._old_jobs: list[TrainThread] = []
        self.recorded_ids: list[int] = []
        self.last_error: str | None = None
        self.stage_trainers: dict[int, object] = {}
        self.claim_result: tuple[bool, str] | None = None
        self._started_at = 0.0
        self._draw_next = 0
        self._primed = True
        self._build()
        self._build_actions()
        self.draw_timer = QTimer(self)
        self.draw_timer.setInterval(DRAW_MS)
        self.draw_timer.timeout.connect(self._draw_tick)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._load_state(self.state)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 4, 0)
        lv.setSpacing(6)
        self.setup = SetupPanel(self.state)
        self.setup.changed.connect(self._on_setup_changed)
        lv.addWidget(self.setup)
        lanes_box = QGroupBox("Optimizers (lanes)")
        lb = QVBoxLayout(lanes_box)
        lb.setContentsMargins(4, 4, 4, 4)
        self.lane_list = LaneList()
        self.lane_list.list.setAccessibleName("Lanes of the run")
        self.lane_list.selectionChanged.connect(self._on_lane_selected)
        self.lane_list.addRequested.connect(self.add_lane)
        self.lane_list.duplicateRequested.connect(self.duplicate_lane)
        self.lane_list.removeRequested.connect(self.remove_lane)
        self.lane_list.visibilityChanged.connect(self._on_visibility)
        lb.addWidget(self.lane_list)
        lv.addWidget(lanes_box)
        self.editor = LaneEditor()
        self.editor.changed.connect(self._on_lane_edited)
        self.editor.validityChanged.connect(self._on_validity)
        self._adapt_editor()
        lv.addWidget(self.editor)
        lv.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(max(290, left.minimumSizeHint().width() + bar + 2))
        quiet_scroll(scroll, "Data, model and lane settings")
        self.left_scroll = scroll
        self.splitter.addWidget(scroll)

        center = QWidget()
        cv = QVBoxLayout(center)
        cv.setContentsMargins(0, 0, 0, 0)
        cv.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.preset_combo = preset_combo(
            "Lab preset: one of the chapter's stories", "Load one of the chapter's stories (Alt+1 … Alt+6)",
            lab_model.preset_choices(), 12, self._on_preset_combo)
        bar.addWidget(self.preset_combo, 2)
        style = self.style()
        self._icon_play = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._icon_pause = style.standardIcon(QStyle.StandardPixmap.SP_MediaPause)
        self.start_button = transport_button(
            self._icon_play, "Train", "Train, pause or resume",
            "Train / pause / resume (Space)", self.toggle)
        self.stop_button = transport_button(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaStop), "Stop", "Stop the run",
            "Stop the run and record it in the notebook (Esc)", self.stop)
        self.again_button = transport_button(
            style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload), "", "Train again from the start",
            "Train again from the start with the settings on the left (Ctrl+R)", self.restart)
        add_all(bar, self.start_button, self.stop_button, self.again_button)
        self.pace_combo = QComboBox()
        self.pace_combo.setAccessibleName("Training pace")
        self.pace_combo.setToolTip("How fast the steps come (slower is easier to watch)")
        for pace, label in PACES:
            self.pace_combo.addItem(label, pace)
        self.pace_combo.setCurrentIndex(3)
        self.pace_combo.currentIndexChanged.connect(self._on_pace)
        bar.addWidget(self.pace_combo)
        cv.addLayout(bar)

        cap = QHBoxLayout()
        cap.setSpacing(2)
        self.caption_toggle = QToolButton()
        self.caption_toggle.setCheckable(True)
        self.caption_toggle.setChecked(True)
        self.caption_toggle.setAutoRaise(True)
        self.caption_toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.caption_toggle.setAccessibleName("Show or hide the story")
        self.caption_toggle.toggled.connect(self._on_caption_toggle)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setAccessibleName("What this preset shows")
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.caption.setMargin(2)
        cap.addWidget(self.caption_toggle, 0, Qt.AlignmentFlag.AlignTop)
        cap.addWidget(self.caption, 1)
        cv.addLayout(cap)
        stages = QHBoxLayout()
        stages.setSpacing(4)
        self.prev_stage = QToolButton()
        self.prev_stage.setArrowType(Qt.ArrowType.LeftArrow)
        self.prev_stage.setAccessibleName("Previous stage")
        self.prev_stage.setToolTip("Previous stage of the story (Ctrl+PgUp)")
        self.prev_stage.clicked.connect(lambda: self.load_stage(self.state.stage - 1))
        self.stage_label = QLabel()
        self.stage_label.setAccessibleName("Stage of the story")
        self.stage_label.setWordWrap(True)
        self.stage_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.next_stage = QToolButton()
        self.next_stage.setArrowType(Qt.ArrowType.RightArrow)
        self.next_stage.setAccessibleName("Next stage")
        self.next_stage.setToolTip("Next stage of the story (Ctrl+PgDown)")
        self.next_stage.clicked.connect(lambda: self.load_stage(self.state.stage + 1))
        stages.addWidget(self.prev_stage, 0, Qt.AlignmentFlag.AlignTop)
        stages.addWidget(self.next_stage, 0, Qt.AlignmentFlag.AlignTop)
        stages.addWidget(self.stage_label, 1)
        self.stage_row = QWidget()
        self.stage_row.setLayout(stages)
        stages.setContentsMargins(0, 0, 0, 0)
        cv.addWidget(self.stage_row)

        plots = QWidget()
        grid = QGridLayout(plots)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(3)
        self.loss_canvas = LossCanvas()
        self.epoch_canvas = EpochCanvas()
        self.grad_canvas = GradNormCanvas()
        self.lr_canvas = LrCanvas()
        self.ratio_canvas = RatioCanvas()
        self.view_canvas = ViewCanvas()
        names = ("Minibatch loss per step", "Validation loss and accuracy per epoch",
                 "Gradient norm per step with the clipping threshold", "Learning rate per step",
                 "Update-to-weight ratio per layer of the selected lane",
                 "Decision boundary or misclassified images of the selected lane")
        self.canvases = [self.loss_canvas, self.epoch_canvas, self.grad_canvas, self.lr_canvas,
                         self.ratio_canvas, self.view_canvas]
        self.mistakes = MistakesView()
        self.view_stack = QStackedWidget()
        self.view_stack.addWidget(self.view_canvas)
        self.view_stack.addWidget(self.mistakes)
        for i, (canvas, name) in enumerate(zip(self.canvases, names)):
            canvas.setAccessibleName(name)
            grid.addWidget(canvas if canvas is not self.view_canvas else self.view_stack, i // 2, i % 2)
        for r in range(3):
            grid.setRowStretch(r, 1)
        for c in range(2):
            grid.setColumnStretch(c, 1)
        cv.addWidget(plots, 1)
        self.status = QLabel()
        self.status.setAccessibleName("Lab status")
        self.status.setWordWrap(True)
        cv.addWidget(self.status)
        self.splitter.addWidget(center)

        self.side_tabs = QTabWidget()
        self.side_tabs.setAccessibleName("Symptoms and notebook")
        self.symptoms = SymptomPanel()
        self.symptoms.leverClicked.connect(self.apply_lever)
        self.side_tabs.addTab(self.symptoms, "Symptoms")
        self.notebook_panel = LabNotebookPanel(lambda: self.ctx.notebook)
        self.notebook_panel.loadRequested.connect(self.load_entries)
        if hasattr(self.ctx, "learnerChanged"):
            self.ctx.learnerChanged.connect(self.notebook_panel.refresh)
        self.side_tabs.addTab(self.notebook_panel, "Notebook")
        self.side_tabs.currentChanged.connect(
            lambda i: self.side_tabs.setTabText(0, "Symptoms") if i == 0 else None)
        self.side_tabs.setMinimumWidth(240)
        self.splitter.addWidget(self.side_tabs)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([295, 600, 255])

    def _adapt_editor(self) -> None:
        """The simulator's lane editor, as the lab uses it: no gradient noise or own seed
        (the lanes share data and seed), plus a warmup field."""
        form = self.editor._form
        for r in range(form.rowCount()):
            item = form.itemAt(r, form.ItemRole.FieldRole)
            lay = item.layout() if item is not None else None
            if lay is not None and lay.indexOf(self.editor.noise_field) >= 0:
                form.setRowVisible(r, False)
        self.warmup_field = NumberField("warmup steps", int,
                                        lambda v: None if 0 <= v <= 100_000 else "between 0 and 100000")
        self.warmup_field.set_help("Linear warmup: the rate climbs from lr/warmup to lr over this many "
                                   "steps, multiplied into any schedule (0 = none).")
        self.warmup_field.edited.connect(self._on_warmup)
        label = QLabel("&Warmup")
        label.setBuddy(self.warmup_field)
        form.addRow(label, self.warmup_field)

    def _build_actions(self) -> None:
        scope = Qt.ShortcutContext.WidgetWithChildrenShortcut

        def action(text, slot, keys=(), tip=""):
            act = QAction(text, self)
            if keys:
                act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(scope)
            act.triggered.connect(slot)
            if tip:
                act.setStatusTip(tip)
            self.addAction(act)
            return act

        self.act_train = action("&Train / pause", self._shortcut_toggle, ["Space"], "Train, pause or resume")
        self.act_stop = action("&Stop", self._shortcut_stop, ["Esc"], "Stop the run (it is recorded)")
        self.act_again = action("Train &again", self.restart, ["Ctrl+R"], "Train again from the start")
        self.act_add = action("&Add lane", lambda: self.add_lane("adam"), ["Ctrl+N"])
        self.act_duplicate = action("&Duplicate lane", self.duplicate_lane, ["Ctrl+D"])
        self.act_remove = action("Re&move lane", self.remove_lane, ["Ctrl+Delete"])
        self.act_next_stage = action("&Next stage", lambda: self.load_stage(self.state.stage + 1),
                                     ["Ctrl+PgDown"])
        self.act_prev_stage = action("&Previous stage", lambda: self.load_stage(self.state.stage - 1),
                                     ["Ctrl+PgUp"])
        self.preset_actions = []
        for i, (key, title) in enumerate(lab_model.preset_choices()):
            act = action(title, lambda _=False, k=key: self.load_preset(k), [f"Alt+{i + 1}"] if i < 9 else [])
            self.preset_actions.append(act)

    def menu(self) -> QMenu:
        """The Lab menu (shown while this page is current)."""
        if getattr(self, "_menu", None) is None:
            m = QMenu("&Lab", self)
            for act in (self.act_train, self.act_stop, self.act_again):
                m.addAction(act)
            m.addSeparator()
            presets = m.addMenu("Pre&sets")
            for act in self.preset_actions:
                presets.addAction(act)
            m.addAction(self.act_prev_stage)
            m.addAction(self.act_next_stage)
            m.addSeparator()
            for act in (self.act_add, self.act_duplicate, self.act_remove):
                m.addAction(act)
            self._menu = m
        return self._menu

    # ------------------------------------------------------------- state in/out
    def _editor_state(self) -> sim_model.SimState:
        """What the simulator's lane editor needs to know (run length for schedule defaults)."""
        try:
            steps = lab_model.total_steps(self.state)
        except ValueError:
            steps = 1000
        return sim_model.SimState(surface="valley", steps=max(1, min(steps, sim_model.MAX_STEPS)))

    def _load_state(self, state: LabState) -> None:
        self.state = state
        self.current = 0
        self.setup.load(state)
        self.lane_list.set_lanes(state.lanes, 0)
        self._load_editor()
        self._show_caption()
        self._update_buttons()

    def _load_editor(self) -> None:
        lane = self.state.lanes[self.current] if 0 <= self.current < len(self.state.lanes) else None
        self.editor.load(self._editor_state(), lane)
        self.warmup_field.set_value(int(lane.warmup) if lane is not None else 0)
        self.warmup_field.setEnabled(lane is not None)

    def _mark_modified(self) -> None:
        if self.state.preset and not self.state.modified:
            self.state.modified = True
            self._show_caption()

    # ------------------------------------------------------------ presets
    def load_preset(self, key: str, stage: int = 0) -> None:
        """Load a lab preset's stage (its story in the caption), ready to train."""
        if key != self.state.preset:
            self.stage_trainers = {}
            self.claim_result = None
        self._halt()
        self._load_state(lab_model.state_from_stage(key, stage))
        preset = lab_presets.get(key)
        self.ctx.message.emit(f"Loaded “{preset.title}”: press Space to train")

    def load_stage(self, stage: int) -> None:
        if not self.state.preset:
            return
        preset = lab_presets.get(self.state.preset)
        if 0 <= stage < len(preset.stages):
            self.load_preset(preset.key, stage)

    def open_with(self, preset: str | None = None, stage: int = 0, **_kwargs) -> None:
        """``ctx.navigate("lab", preset=...)`` from other pages (Learn's Try it)."""
        if preset:
            self.load_preset(preset, stage)

    def _on_preset_combo(self, index: int) -> None:
        key = self.preset_combo.itemData(index)
        if key:
            self.load_preset(key)

    def _on_caption_toggle(self, expanded: bool) -> None:
        self.caption_toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self._show_caption()

    def _show_caption(self) -> None:
        expanded = self.caption_toggle.isChecked()
        with QSignalBlocker(self.preset_combo):
            self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(self.state.preset)))
        preset = lab_presets.get(self.state.preset) if self.state.preset else None
        if preset is None:
            title = "Your own run."
            body = ("Pick the data and the network on the left, give each lane an optimizer, then "
                    "press Train (Space). Every lane sees the same data, initial weights and minibatches, "
                    "so lanes differ only by their optimizer settings. Change one knob at a time and "
                    "compare runs in the Notebook tab; the presets reproduce each row of the chapter's "
                    "debugging table.")
            self.stage_row.hide()
        else:
            title = html.escape(preset.title) + "."
            if self.state.modified:
                title += " <i>(changed by you: the story describes the original)</i>"
            body = html.escape(preset.text) + f"<br><b>Claim:</b> {html.escape(preset.claim)}"
            if self.claim_result is not None:
                ok, text = self.claim_result
                mark = "✔ checked on your runs" if ok else "✘ not confirmed"
                color = "#2ca02c" if ok else "#d62728"
                body += f"<br><b style='color:{color}'>{mark}:</b> {html.escape(text)}"
            stage = preset.stages[self.state.stage]
            n = len(preset.stages)
            done = len(self.stage_trainers)
            self.stage_label.setText(
                (f"<b>Stage {self.state.stage + 1} of {n}: {html.escape(stage.title)}.</b> " if n > 1
                 else f"<b>{html.escape(stage.title)}.</b> ")
                + html.escape(stage.text)
                + (f" <i>({done} of {n} stages trained to the end; the claim is checked when all are)</i>"
                   if n > 1 and self.claim_result is None else ""))
            self.prev_stage.setVisible(n > 1)
            self.next_stage.setVisible(n > 1)
            self.prev_stage.setEnabled(self.state.stage > 0)
            self.next_stage.setEnabled(self.state.stage < n - 1)
            self.act_prev_stage.setEnabled(self.state.stage > 0)
            self.act_next_stage.setEnabled(self.state.stage < n - 1)
            self.stage_row.show()
        self.caption.setToolTip(body.replace("<br>", "\n"))
        self.caption.setText(f"<b>{title}</b> {body}" if expanded else f"<b>{title}</b>")
        if not expanded:
            self.stage_row.hide()

    # ------------------------------------------------------------ training
    def toggle(self) -> None:
        """Space: train when idle, pause when training, resume when paused."""
        if self.phase in ("running", "starting"):
            self.pause()
        elif self.phase == "paused":
            self.resume()
        else:
            self.start()

    def start(self) -> bool:
        """Train the lanes on the left from step 0 (a run already going is stopped)."""
        problem = self._problem()
        if problem:
            self._set_status(f"Cannot train yet: {problem}", error=True)
            return False
        self._halt()
        self.run = LabRun(self.state)
        self.run.selected = min(self.current, len(self.state.lanes) - 1)
        self.series = Series.for_state(self.state)
        self._run_state_key = self.state.to_json()
        self._recorded = False
        self.recorded_ids = []
        self.job = TrainThread(self.run, self.pace)
        self.job.worker.pause()  # resumed once every plot has drawn its empty frame
        self._primed = False
        w = self.job.worker
        w.started.connect(self._on_started)
        w.progressed.connect(self._on_progress)
        w.ended.connect(self._on_ended)
        w.failed.connect(self._on_failed)
        self.phase = "starting"
        self._started_at = time.perf_counter()
        self.symptoms.show_symptoms({}, self.state.lanes, running=True)
        self._set_status("Preparing the data and the initial weights…")
        self.job.start()
        self._update_buttons()
        return True

    def restart(self) -> None:
        self.start()

    def pause(self) -> None:
        if self.job is not None and self.phase in ("running", "starting"):
            self._primed = True  # do not resume on the next draw tick
            self.job.worker.pause()
            self.phase = "paused"
            self._update_buttons()
            self._status_for_run()

    def resume(self) -> None:
        if self.job is not None and self.phase == "paused":
            self.job.worker.resume()
            self.phase = "running"
            self._update_buttons()
            self.draw_timer.start()

    def stop(self) -> None:
        """Stop the run; what was trained so far is recorded in the notebook."""
        if self.job is not None and self.phase in ("running", "paused", "starting"):
            self.job.worker.stop()

    @property
    def pace(self) -> float | None:
        return self.pace_combo.currentData()

    def _on_pace(self, _i: int) -> None:
        if self.job is not None:
            self.job.worker.pace = self.pace

    def _halt(self) -> None:
        """End any run without waiting for its signals (a new run replaces it)."""
        job, self.job = self.job, None
        if job is not None:
            for sig in (job.worker.started, job.worker.progressed, job.worker.ended, job.worker.failed):
                try:
                    sig.disconnect()
                except (RuntimeError, TypeError):
                    pass
            was_running = self.phase in ("running", "paused", "starting")
            job.worker.stop()
            if was_running and self.run is not None and self.run.trainer is not None and not self._recorded:
                job.thread.wait(5000)
                self._record(stopped=True)
            self._old_jobs.append(job)
            job.thread.finished.connect(lambda j=job: self._forget(j))
        self.phase = "idle"
        self._update_buttons()

    def _forget(self, job: TrainThread) -> None:
        if job in self._old_jobs:
            self._old_jobs.remove(job)

    def shutdown(self) -> None:
        """Stop every worker thread and wait for it (the window is closing)."""
        jobs = ([self.job] if self.job is not None else []) + list(self._old_jobs)
        for job in jobs:
            job.stop(5000)
        self.draw_timer.stop()

    def _problem(self) -> str | None:
        if self.setup.errors:
            return "; ".join(self.setup.errors.values())
        if self.editor.errors:
            return "the selected lane has invalid values (marked in red)"
        return lab_model.check_state(self.state)

    def _plot_context(self) -> PlotContext:
        run = self.run
        lanes = run.state.lanes if run is not None else self.state.lanes
        looks = [LaneLook(l.label, l.color, l.visible, l.clip_norm, float(l.hyper["lr"])) for l in lanes]
        sel = min(max(self.current, 0), max(len(lanes) - 1, 0))
        ctx = PlotContext(lanes=looks, selected=sel, dataset=(run.state if run else self.state).dataset,
                          layer_names=lab_model.layer_names(run.state if run else self.state))
        if run is not None and run.trainer is not None:
            d = run.trainer.data
            ctx.X, ctx.y, ctx.train_idx, ctx.val_idx = d.X, d.y, d.train_idx, d.val_idx
            if ctx.dataset == "moons":
                xs, ys, _pts = run.grid()
                ctx.grid = (xs, ys)
        return ctx

    def _on_started(self, run) -> None:
        if run is not self.run:
            return
        self.phase = "running" if self.phase == "starting" else self.phase
        ctx = self._plot_context()
        self.view_stack.setCurrentWidget(self.mistakes if ctx.dataset == "digits" else self.view_canvas)
        self._show_mistakes()
        for c in self.canvases:  # each canvas makes its artists on its own draw tick
            c.pending_reset = (self.series, ctx)
            c.dirty = True
        self._draw_next = 0
        self.draw_timer.start()
        self._update_buttons()

    def _on_progress(self, snap) -> None:
        if self.series is None or self.run is None:
            return
        self.series.add(snap)
        for c in (self.loss_canvas, self.grad_canvas, self.lr_canvas, self.ratio_canvas):
            c.dirty = True
        if snap.epochs:
            self.epoch_canvas.dirty = True
        if snap.boundary is not None:
            self.view_canvas.dirty = True
        if snap.misclassified is not None:
            self._show_mistakes()
        if snap.symptoms is not None:
            self.symptoms.show_symptoms(self.series.symptoms, self.run.state.lanes, running=True)
            if any(self.series.symptoms.values()) and self.side_tabs.currentWidget() is not self.symptoms:
                self.side_tabs.setTabText(0, "Symptoms •")
        self._status_for_run()

    def _show_mistakes(self) -> None:
        if self.series is None or self.run is None:
            return
        lanes = self.run.state.lanes
        sel = min(max(self.current, 0), len(lanes) - 1)
        m = self.series.misclassified
        self.mistakes.show_mistakes(lanes[sel].label, m[1] if m is not None and m[0] == sel else None)

    def _on_ended(self, reason: str) -> None:
        self.phase = "done" if reason == "done" else "stopped"
        self._update_buttons()
        self._record(stopped=reason != "done")
        if self.series is not None:
            self.symptoms.show_symptoms(self.series.symptoms, self.run.state.lanes)
        self._check_claim()
        self._status_for_run()
        for c in self.canvases:
            if getattr(c, "pending_reset", None) is None:
                c.fit()  # the run is over: a tight view costs one full redraw each
            c.dirty = True
        self.draw_timer.start()

    def _on_failed(self, message: str) -> None:
        self.phase = "idle"
        self._update_buttons()
        self._set_status(f"Could not train: {message}", error=True)

    def _check_claim(self) -> None:
        run = self.run
        st = run.state if run is not None else None
        if (self.phase != "done" or st is None or not st.preset or st.modified
                or run.trainer is None or not run.trainer.done):
            return
        preset = lab_presets.get(st.preset)
        self.stage_trainers[st.stage] = run.trainer
        if len(self.stage_trainers) == len(preset.stages):
            try:
                evidence = preset.verify([self.stage_trainers[i] for i in range(len(preset.stages))])
                self.claim_result = (True, evidence)
            except lab_presets.ClaimFailed as exc:
                self.claim_result = (False, str(exc))
            except Exception as exc:  # a preset's check must not take the page down
                self.claim_result = (False, f"could not check the claim: {exc}")
        if self.state.preset == st.preset:
            self._show_caption()

    # ------------------------------------------------------------ drawing
    def _draw_tick(self) -> None:
        if not self.isVisible():
            return
        n = len(self.canvases)
        for i in range(n):
            c = self.canvases[(self._draw_next + i) % n]
            if c.dirty:
                self._draw_next = (self._draw_next + i + 1) % n
                self._refresh_canvas(c)
                return
        if self.phase == "running" and not self._primed and self.job is not None:
            # every plot has its background: now the steps may come
            self._primed = True
            self.job.worker.resume()
            return
        if self.phase not in ("running", "starting"):
            self.draw_timer.stop()

    @staticmethod
    def _refresh_canvas(c) -> None:
        pending = getattr(c, "pending_reset", None)
        if pending is not None:
            c.pending_reset = None
            c.reset(*pending)
        c.refresh()

    def redraw_all(self) -> None:
        """Draw every plot now (screenshots, tests)."""
        for c in self.canvases:
            self._refresh_canvas(c)

    # ------------------------------------------------------------ status
    def _status_for_run(self) -> None:
        s = self.series
        if s is None:
            return
        parts = [f"Epoch {s.epoch} of {s.epochs} · step {s.step} of {s.total}"]
        if self.phase == "paused":
            parts.append("paused (Space resumes, Esc stops)")
        elif self.phase == "done":
            parts.append("finished")
        elif self.phase == "stopped":
            parts.append("stopped")
        lanes = self.run.state.lanes if self.run else []
        notes = []
        for k, (why, step) in sorted(s.stopped.items()):
            name = lanes[k].label if k < len(lanes) else f"lane {k + 1}"
            if why == "diverged":
                notes.append(f"{name}: NaN at step {step}")
            else:
                notes.append(f"{name}: stopped early after epoch {step // max(1, s.steps_per_epoch)}")
        if self.recorded_ids:
            notes.append(f"recorded as run{'s' if len(self.recorded_ids) > 1 else ''} "
                         f"{', '.join(map(str, self.recorded_ids))}")
        self._set_status(" · ".join(parts) + (". " + "; ".join(notes) if notes else "."),
                         error=any(w == "diverged" for w, _ in s.stopped.values()))

    def _set_status(self, text: str, error: bool = False) -> None:
        self.last_error = text if error else None
        self.status.setText(text)
        self.status.setStyleSheet("color: #d62728;" if error else "")

    def _update_buttons(self) -> None:
        running = self.phase in ("running", "starting")
        self.start_button.setText("Pause" if running else "Resume" if self.phase == "paused" else "Train")
        self.start_button.setIcon(self._icon_pause if running else self._icon_play)
        self.stop_button.setEnabled(self.phase in ("running", "paused", "starting"))

    # ------------------------------------------------------------ notebook
    def _record(self, stopped: bool) -> None:
        run = self.run
        if run is None or run.trainer is None or getattr(self, "_recorded", False):
            return
        items = lab_model.notebook_items(run.state, run.trainer, stopped)
        self._recorded = True
        if not items:
            return
        group = uuid.uuid4().hex[:12] if len(items) > 1 else None
        try:
            ids, unlocked = self.ctx.notebook.record_race(items, group)
        except Exception as exc:  # a locked or read-only file: keep training, say why
            self._set_status(f"Could not write to the lab notebook: {exc}", error=True)
            return
        self.recorded_ids = ids
        self.notebook_panel.refresh()
        self.ctx.dataChanged.emit()
        self.ctx.message.emit(f"Recorded run{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))} "
                              "in the lab notebook")
        if unlocked:
            self.ctx.achievementsUnlocked.emit(list(unlocked))

    def load_entries(self, entries: list) -> None:
        """Load notebook runs as lanes (they must share data and model)."""
        try:
            state = lab_model.state_from_configs([e.config for e in entries], [f"run {e.id}" for e in entries])
        except Exception as exc:
            self._set_status(f"Cannot load those runs: {exc}", error=True)
            return
        self._halt()
        self._load_state(state)
        self._set_status(f"Loaded {len(state.lanes)} run(s) from the notebook: press Space to train them again.")

    # ------------------------------------------------------------ levers
    def apply_lever(self, lane: int, lever) -> None:
        """Apply a first check to the lane it was found in and train again."""
        base = self.run.state if self.run is not None else self.state
        if not 0 <= lane < len(base.lanes):
            return
        try:
            state = lab_model.apply_lever(base, lane, lever)
        except (ValueError, TypeError) as exc:
            self._set_status(f"Cannot apply “{lever.label}”: {exc}", error=True)
            return
        self._halt()
        self._load_state(state)
        self.current = lane
        self.lane_list.set_lanes(self.state.lanes, lane)
        self._load_editor()
        self.ctx.message.emit(f"Applied “{lever.label}” to {state.lanes[lane].label}: training again")
        self.start()

    # ------------------------------------------------------------ lane edits
    def _on_setup_changed(self) -> None:
        self._mark_modified()
        self._load_editor()  # schedule defaults follow the run's length
        self._hint_changed()

    def _hint_changed(self) -> None:
        problem = self._problem()
        if problem:
            self._set_status(f"Waiting for valid values: {problem}", error=True)
        elif self.phase in ("running", "paused"):
            self._set_status("Settings changed: the run going on keeps its settings; "
                             "Ctrl+R trains again with the new ones.")
        else:
            self._set_status("Settings changed: press Space to train with them.")

    def _on_lane_selected(self, row: int) -> None:
        if row < 0 or row >= len(self.state.lanes) or row == self.current:
            return
        self.current = row
        self._load_editor()
        self._select_in_run(row)

    def _select_in_run(self, row: int) -> None:
        run = self.run
        if run is None or run.trainer is None or row >= run.trainer.k:
            return
        run.selected = row
        ctx = self._plot_context()
        if self.phase not in ("running", "starting") and self.series is not None:
            boundary, mistakes = run.view(force=True)
            if boundary is not None:
                self.series.boundary = boundary
            if mistakes is not None:
                self.series.misclassified = mistakes
        self._show_mistakes()
        for c in self.canvases:
            c.set_context(ctx)
        self.draw_timer.start()

    def _on_lane_edited(self) -> None:
        self._mark_modified()
        self.lane_list.set_lanes(self.state.lanes, self.current)
        self._hint_changed()

    def _on_validity(self) -> None:
        if self.editor.errors:
            self._set_status("Waiting for valid values (marked in red on the left).", error=True)
        else:
            self._hint_changed()

    def _on_warmup(self, value) -> None:
        if value is None or not (0 <= self.current < len(self.state.lanes)):
            return
        self.state.lanes[self.current].warmup = int(value)
        self.editor.draft.warmup = int(value)
        self._on_lane_edited()

    def _on_visibility(self, row: int, visible: bool) -> None:
        if 0 <= row < len(self.state.lanes):
            self.state.lanes[row].visible = visible
        if self.run is not None and row < len(self.run.state.lanes):
            self.run.state.lanes[row].visible = visible
            ctx = self._plot_context()
            for c in self.canvases:
                c.set_context(ctx)
            self.draw_timer.start()

    def add_lane(self, optimizer: str = "adam") -> None:
        if len(self.state.lanes) >= lab_model.MAX_LANES:
            self._set_status(f"At most {lab_model.MAX_LANES} lanes at once.", error=True)
            return
        color = sim_model.next_color(l.color for l in self.state.lanes)
        lane = LabLane(optimizer=optimizer, color=color)
        labels = {l.label for l in self.state.lanes}
        if lane.label in labels:
            n = 2
            while f"{lane.label} {n}" in labels:
                n += 1
            lane.label = f"{lane.label} {n}"
        self.state.lanes.append(lane)
        self._after_lanes_changed(len(self.state.lanes) - 1)

    def duplicate_lane(self) -> None:
        if not 0 <= self.current < len(self.state.lanes):
            return
        if len(self.state.lanes) >= lab_model.MAX_LANES:
            self._set_status(f"At most {lab_model.MAX_LANES} lanes at once.", error=True)
            return
        import copy

        lane = copy.deepcopy(self.state.lanes[self.current])
        lane.color = sim_model.next_color(l.color for l in self.state.lanes)
        lane.label = f"{lane.label} (copy)"
        self.state.lanes.insert(self.current + 1, lane)
        self._after_lanes_changed(self.current + 1)

    def remove_lane(self) -> None:
        if len(self.state.lanes) <= 1 or not 0 <= self.current < len(self.state.lanes):
            return
        del self.state.lanes[self.current]
        self._after_lanes_changed(min(self.current, len(self.state.lanes) - 1))

    def _after_lanes_changed(self, row: int) -> None:
        self._mark_modified()
        self.current = row
        self.lane_list.set_lanes(self.state.lanes, row)
        self._load_editor()
        self._hint_changed()

    # ------------------------------------------------------------ keys
    def _forward_key(self, key: Qt.Key, text: str, types: tuple) -> bool:
        """Give the key to the focused control when that control uses it itself."""
        if getattr(self, "_keys", None) is None:
            self._keys = KeyForwarder(self, own=(self.start_button, self.stop_button))
        return self._keys.forward(key, text, types)

    def _shortcut_toggle(self) -> None:
        if not self._forward_key(Qt.Key.Key_Space, " ", (QAbstractButton, QAbstractItemView, QComboBox)):
            self.toggle()

    def _shortcut_stop(self) -> None:
        fw = QApplication.focusWidget()
        if isinstance(fw, QComboBox) and fw.view().isVisible():
            fw.hidePopup()
            return
        self.stop()

    # ------------------------------------------------------------ settings
    def save_settings(self, settings) -> None:
        settings.setValue("state", self.state.to_json())
        settings.setValue("pace", self.pace_combo.currentIndex())
        settings.setValue("side_tab", self.side_tabs.currentIndex())
        settings.setValue("splitter", self.splitter.saveState())

    def restore_settings(self, settings) -> None:
        text = settings.value("state")
        if text:
            try:
                self._load_state(LabState.from_json(str(text)))
            except Exception:  # settings from an older or broken version: keep the default
                pass
        try:
            pace = int(settings.value("pace", self.pace_combo.currentIndex()))
            if 0 <= pace < self.pace_combo.count():
                self.pace_combo.setCurrentIndex(pace)
            self.side_tabs.setCurrentIndex(int(settings.value("side_tab", 0)))
            splitter = settings.value("splitter")
            if splitter is not None:
                self.splitter.restoreState(splitter)
        except (TypeError, ValueError):
            pass

    def activated(self) -> None:
        self.start_button.setFocus()
        # open the progress store now, while nothing trains (the first run's record then
        # costs milliseconds, not the store's start-up)
        QTimer.singleShot(200, lambda: self.ctx.notebook)
        if self.series is not None:
            for c in self.canvases:
                c.dirty = True
            self.draw_timer.start()

    def deactivated(self) -> None:
        self.pause()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            for c in self.canvases:
                c.changeEvent(event)
            self.draw_timer.start()
        super().changeEvent(event)
