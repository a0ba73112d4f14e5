"""The optimizer simulator page.

Runs are computed whenever a valid value changes: lanes already computed come from the
model's cache at once, the others on a worker thread, all of them in one loop over the
steps (a race of 8 lanes x 1000 steps takes a tenth of a second: the window keeps
painting and taking keys meanwhile, and a newer edit drops the older work). Actions
that need every run now (play, step, export, the notebook, tests) call :meth:`flush`,
which finishes the work on the spot. Playing only *reveals* the precomputed steps,
frame by frame, with blitting. Every race that is played is written to the lab notebook.
"""
from __future__ import annotations

import time
import uuid
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_qtagg import NavigationToolbar2QT
from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractItemView, QComboBox, QFileDialog, QFrame, QGroupBox, QHBoxLayout,
    QLabel, QMenu, QProgressBar, QPushButton, QScrollArea, QSizePolicy, QSplitter, QStyle,
    QTabWidget, QToolButton, QVBoxLayout, QWidget,
)

from quizapp import optim
from quizapp import presets as _presets
from quizapp.ui.simulator import model as sim_model
from quizapp.ui.simulator.canvas import RaceCanvas, SweepCanvas
from quizapp.ui.simulator.controls import ArrowKeySlider, LaneEditor, LaneList, NumberField, SurfacePanel
from quizapp.ui.simulator.model import Lane, SimState
from quizapp.ui.simulator.panels import NotebookPanel, StatePanel
from quizapp.ui.shared import wheel
from quizapp.ui.shared.buttons import add_all, preset_combo, transport_button
from quizapp.ui.shared.keys import KeyForwarder
from quizapp.ui.shared.a11y import focus_ring, keyboard_toolbar, quiet_scroll, tab_into
from quizapp.ui.shared.theme import ERROR_COLOR

DEFAULT_PRESET = "valley-race"
FRAME_MS = 30
SPEEDS = (1, 2, 5, 10, 20, 30, 50, 100, 200, 500)  # steps per second
PANEL_HZ = 8.0  # state panel refreshes while playing


class _RaceToolbar(NavigationToolbar2QT):
    """matplotlib's toolbar; its save button goes through the page's figure export, which
    includes the animated trajectories (a plain savefig would leave them out)."""

    def __init__(self, canvas, parent, page):
        super().__init__(canvas, parent)
        self._page = page

    def save_figure(self, *args):
        return self._page.export_figure()


SLICE_S = 0.010  # the longest a slice of computing keeps the event loop waiting


class _Slices(QObject):
    """Long work on the GUI thread in slices of at most ``SLICE_S``, between other events.

    ``work`` is a generator of (step, steps) (see :func:`sim_model.drive`); a 0 ms timer
    runs it slice by slice, so the window paints and takes keys between slices, and
    nothing competes with painting for Python's interpreter lock (a worker thread
    would: every Qt call the GUI thread makes must win the lock back from it).
    :meth:`cancel` drops the work; :meth:`finish` runs the rest at once. ``done`` carries
    the generator's return value."""

    progress = Signal(int)  # per cent of the steps done
    done = Signal(object)

    def __init__(self, work, parent: QObject):
        super().__init__(parent)
        self.work = work
        self.result = None
        self.finished = False
        self._timer = QTimer(self, interval=0)
        self._timer.timeout.connect(self._turn)

    def start(self) -> None:
        """Run slices from the next event-loop turn on (the drawing of the runs, when
        they are in, then gets a turn of its own)."""
        self._timer.start()

    def cancel(self) -> None:
        self._timer.stop()
        if not self.finished:
            self.finished = True
            self.work.close()
        self.deleteLater()  # one per recompute: none may pile up under the page

    def finish(self) -> None:
        self._run(None)

    def _turn(self) -> None:
        self._run(time.perf_counter() + SLICE_S)

    def _run(self, deadline: float | None) -> None:
        if self.finished:
            return
        step = steps = 0
        try:
            while True:
                step, steps = next(self.work)
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        except StopIteration as end:
            self._timer.stop()
            self.finished = True
            self.result = end.value
            self.done.emit(end.value)
            self.deleteLater()
            return
        self.progress.emit(int(100 * step / max(steps, 1)))


def _race_work(tasks: dict):
    """Compute lane tasks (lane index -> :class:`sim_model.LaneTask`), all in one loop;
    returns (runs by key, failures by lane index). One lane the engine refuses never
    takes the others (or the window) down."""
    try:
        runs = yield from sim_model.iter_lane_tasks(list(tasks.values()))
        return runs, {}
    except Exception:  # find which lane it was: each alone
        runs, failures = {}, {}
        for i, task in tasks.items():
            try:
                runs.update((yield from sim_model.iter_lane_tasks([task])))
            except Exception as exc:  # reported in the status line
                failures[i] = str(exc)
        return runs, failures


def _sweep_work(tasks: list, lrs: np.ndarray, base: float | None):
    """Every lane's rates in one loop, keeping final losses; returns (results, failures, lrs)."""
    calls = [call for _i, _lane, call in tasks]
    failures = []
    try:
        finals = yield from sim_model.iter_many(calls, keep_path=False)
    except Exception:  # find which lane it was: each alone
        finals = []
        for _i, lane, call in tasks:
            try:
                finals += (yield from sim_model.iter_many([call], keep_path=False))
            except Exception as exc:
                failures.append(f"Sweep of {lane.label} failed: {exc}")
                finals.append(None)
    shift = base if base is not None else 0.0
    results = []
    for (i, lane, _call), out in zip(tasks, finals):
        if out is not None:
            final, diverged_at = out
            results.append((i, lane, lrs, final - shift, diverged_at >= 0))
    return results, failures, lrs


class SimulatorPage(QWidget):
    """Surface, lanes, playback, map + loss plot, 3-D, LR sweep, state and notebook."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        wheel.install()  # scrolling the left column never changes a control under the mouse
        self.ctx = ctx
        self.setObjectName("simulator-page")
        self.presets = _presets.load(validate=False)  # the shipped file is checked by the tests
        self.state = sim_model.state_from_preset(self.presets[DEFAULT_PRESET])
        self.runs: list[optim.Run | None] = []
        self.errors: dict[int, dict[str, str]] = {}  # lane index -> invalid fields
        self.current = 0
        self.step = 0
        self.playing = False
        self.speed = 30
        self._acc = 0.0
        self._last_tick = 0.0
        self._last_panel = 0.0
        self._recorded_key: str | None = None
        self._surface_key: str | None = None
        self._pending_surface = False
        self._pending = False
        self.last_error: str | None = None
        self.view3d = None
        self.sweep_canvas = None
        self.sweep_results = None
        self._sweep_job: _Slices | None = None
        self._race_job: _Slices | None = None
        self._failures: list[str] = []

        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._tick)
        self._recompute_timer = QTimer(self, singleShot=True, interval=0)
        self._recompute_timer.timeout.connect(self._apply_pending)
        # "Computing…" only when the work lasts long enough to notice (no flicker)
        self._busy_timer = QTimer(self, singleShot=True, interval=150)
        self._busy_timer.timeout.connect(self._show_busy)
        # while playing, the state panel is refreshed after the frame is on screen, and
        # only when it is shown (its HTML costs more than a frame)
        self._panel_timer = QTimer(self, singleShot=True, interval=0)
        self._panel_timer.timeout.connect(self._show_panel)
        self._panel_stale = False

        self._build()
        self._build_actions()
        self._load_state(self.state, reset_step=True, wait=True)  # a few ms: drawn at first paint

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter)

        # left: surface, lanes, lane editor (scrolls when the window is short)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 4, 0)
        lv.setSpacing(6)
        self.surface_panel = SurfacePanel(self.state)
        self.surface_panel.changed.connect(self._on_surface_changed)
        lv.addWidget(self.surface_panel)
        lanes_box = QGroupBox("Optimizers")
        self.lanes_box = lanes_box
        lb = QVBoxLayout(lanes_box)
        lb.setContentsMargins(4, 4, 4, 4)
        self.lane_list = LaneList()
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
        lv.addWidget(self.editor)
        lv.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(290)
        quiet_scroll(scroll, "Surface and optimizer settings")
        self.left_scroll = scroll
        self.splitter.addWidget(scroll)

        # centre: playback bar, story caption, plots
        center = QWidget()
        cv = QVBoxLayout(center)
        cv.setContentsMargins(0, 0, 0, 0)
        cv.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.preset_combo = preset_combo(
            "Preset: one of the chapter's stories", "Load one of the chapter's stories (Alt+1 … Alt+8)",
            ((pid, preset.title) for pid, preset in self.presets.items()), 10, self._on_preset_combo)
        bar.addWidget(self.preset_combo, 2)
        style = self.style()
        self._icon_play = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._icon_pause = style.standardIcon(QStyle.StandardPixmap.SP_MediaPause)
        self.play_button = transport_button(
            self._icon_play, "Play", "Play or pause",
            "Play / pause (Space)", self.toggle_play)
        self.step_button = transport_button(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward), "Step", "Single step",
            "One step forward (Right arrow or .)", self.single_step)
        self.end_button = transport_button(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward), "End", "Run to the end",
            "Show every step at once (End)", self.run_to_end)
        self.reset_button = transport_button(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward), "Reset", "Reset to step 0",
            "Back to the start (R)", self.reset)
        add_all(bar, self.play_button, self.step_button, self.end_button, self.reset_button)
        for b in (self.step_button, self.end_button, self.reset_button):
            b.setText("")  # icon only: the name is in the tooltip and the accessible name
        self.speed_slider = ArrowKeySlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(SPEEDS.index(self.speed))
        self.speed_slider.setAccessibleName("Playback speed")
        self.speed_slider.setToolTip("Steps per second while playing")
        self.speed_slider.setMinimumWidth(70)
        self.speed_slider.setMaximumWidth(120)
        self.speed_slider.valueChanged.connect(self._on_speed)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(52)
        bar.addWidget(self.speed_slider, 1)
        bar.addWidget(self.speed_label)
        cv.addLayout(bar)
        cap_row = QHBoxLayout()
        cap_row.setSpacing(2)
        self.caption_toggle = QToolButton()
        self.caption_toggle.setCheckable(True)
        self.caption_toggle.setChecked(True)
        self.caption_toggle.setAutoRaise(True)
        self.caption_toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.caption_toggle.setAccessibleName("Show or hide the story")
        self.caption_toggle.setToolTip("Show or hide the whole story")
        self.caption_toggle.toggled.connect(self._on_caption_toggle)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName("What this preset shows")
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setMargin(2)
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        cap_row.addWidget(self.caption_toggle, 0, Qt.AlignmentFlag.AlignTop)
        cap_row.addWidget(self.caption, 1)
        self.caption.installEventFilter(self)  # its height follows its width (_fit_caption)
        cv.addLayout(cap_row)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Views")
        race = QWidget()
        rv = QVBoxLayout(race)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.setSpacing(0)
        self.canvas = RaceCanvas()
        self.canvas.setAccessibleName("Contour map and loss plot; click to place the start, drag it to move")
        self.canvas.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        focus_ring(self.canvas)
        self.canvas.startMoved.connect(self._on_start_moved)
        self.toolbar = _RaceToolbar(self.canvas, race, self)
        keyboard_toolbar(self.toolbar, "Map")
        self.toolbar.setAccessibleName("Plot navigation: zoom, pan, save")
        self.canvas.toolbar = self.toolbar
        rv.addWidget(self.toolbar)
        rv.addWidget(self.canvas, 1)
        self.tabs.addTab(race, "Race")
        self.tab3d = QWidget()
        QVBoxLayout(self.tab3d).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self.tab3d, "3-D surface")
        self.tab_sweep = QWidget()
        QVBoxLayout(self.tab_sweep).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self.tab_sweep, "LR sweep")
        self.tabs.currentChanged.connect(self._on_tab)
        cv.addWidget(self.tabs, 1)
        self.status = QLabel()
        self.status.setAccessibleName("Simulator status")
        self.status.setWordWrap(True)
        cv.addWidget(self.status)
        self.splitter.addWidget(center)

        # right: state panel and notebook
        self.side_tabs = QTabWidget()
        self.side_tabs.setAccessibleName("State and notebook")
        self.state_panel = focus_ring(StatePanel())
        self.side_tabs.addTab(self.state_panel, "State")
        self.side_tabs.currentChanged.connect(self._on_side_tab)
        self.notebook_panel = NotebookPanel(lambda: self.ctx.notebook)
        self.notebook_panel.loadRequested.connect(self.load_entries)
        if hasattr(self.ctx, "learnerChanged"):  # another learner: re-read (force=the id)
            self.ctx.learnerChanged.connect(self.notebook_panel.refresh)
        self.side_tabs.addTab(self.notebook_panel, "Notebook")
        self.side_tabs.setMinimumWidth(230)
        self.splitter.addWidget(self.side_tabs)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([300, 640, 270])
        self._on_speed(self.speed_slider.value())

    def _build_actions(self) -> None:
        ctx_scope = Qt.ShortcutContext.WidgetWithChildrenShortcut

        def action(text, slot, keys=(), tip=""):
            act = QAction(text, self)
            if keys:
                act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(ctx_scope)
            act.triggered.connect(slot)
            if tip:
                act.setStatusTip(tip)
            self.addAction(act)
            return act

        self.act_play = action("&Play / pause", self._shortcut_play, ["Space"], "Start or pause the animation")
        self.act_step = action("Single &step", self._shortcut_step, ["Right", "."], "Advance one step")
        self.act_end = action("Run to the &end", lambda: self.run_to_end(), ["End"])
        self.act_reset = action("&Reset", self.reset, ["R"], "Back to step 0")
        self.act_add = action("&Add optimizer", lambda: self.add_lane("adam"), ["Ctrl+N"])
        self.act_duplicate = action("&Duplicate optimizer", self.duplicate_lane, ["Ctrl+D"])
        self.act_remove = action("Re&move optimizer", self.remove_lane, ["Ctrl+Delete"])
        self.act_sweep = action("LR s&weep", self.show_sweep, ["Ctrl+L"], "Final loss against learning rate")
        self.act_export = action("&Export trajectories…", self.export_trajectories, ["Ctrl+E"],
                                 "Save every trajectory as CSV or JSON")
        self.act_export_fig = action("Export &figure…", self.export_figure, ["Ctrl+Shift+E"],
                                     "Save the map and loss plot as PNG, SVG or PDF")
        self.act_arrows = action("Show &arrows", self._on_arrows, [])
        self.act_arrows.setCheckable(True)
        self.act_arrows.setChecked(True)
        self.preset_actions = []
        for i, (pid, preset) in enumerate(self.presets.items()):
            keys = [f"Alt+{i + 1}"] if i < 9 else []
            act = action(preset.title, lambda _=False, p=pid: self.load_preset(p), keys)
            self.preset_actions.append(act)

    def menu(self) -> QMenu:
        """The Simulator menu (the main window shows it while this page is current)."""
        if getattr(self, "_menu", None) is None:
            m = QMenu("&Simulator", self)
            for act in (self.act_play, self.act_step, self.act_end, self.act_reset):
                m.addAction(act)
            m.addSeparator()
            presets = m.addMenu("Pre&sets")
            for act in self.preset_actions:
                presets.addAction(act)
            m.addSeparator()
            for act in (self.act_add, self.act_duplicate, self.act_remove):
                m.addAction(act)
            m.addSeparator()
            m.addAction(self.act_sweep)
            m.addAction(self.act_arrows)
            m.addSeparator()
            m.addAction(self.act_export)
            m.addAction(self.act_export_fig)
            self._menu = m
        return self._menu

    # ----------------------------------------------------------- state in/out

    def _load_state(self, state: SimState, reset_step: bool, wait: bool = False) -> None:
        self.pause()
        self.state = state
        self.errors = {}
        self.runs = [None] * len(state.lanes)
        self.current = 0 if state.lanes else -1
        self.surface_panel.load(state)
        self.lane_list.set_lanes(state.lanes, self.current)
        self.editor.load(state, state.lanes[0] if state.lanes else None)
        if reset_step:
            self.step = 0
        self._surface_key = None
        self._show_caption()
        self.recompute(surface=True, wait=wait)

    def _on_caption_toggle(self, expanded: bool) -> None:
        self.caption_toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self._show_caption()

    OWN_RACE = ("Your own race.",
                "Click the map to choose a start point, add optimizers on the left, then press "
                "Play (Space). Change one knob at a time and compare runs in the Notebook tab.")
    CHANGED = " <i>(changed by you: the story describes the original)</i>"

    def _caption_text(self, title: str, body: str, expanded: bool) -> str:
        return f"<b>{title}</b> {body}" if expanded else f"<b>{title}</b>"

    def _show_caption(self) -> None:
        expanded = self.caption_toggle.isChecked()
        preset = self.presets.get(self.state.preset) if self.state.preset else None
        with QSignalBlocker(self.preset_combo):
            self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(self.state.preset)))
        if preset is None:
            title, body = self.OWN_RACE
        else:
            title = f"{preset.title}."
            if self.state.modified:
                title += self.CHANGED
            body = preset.caption
        self.caption.setToolTip(body)
        self.caption.setText(self._caption_text(title, body, expanded))
        self._fit_caption()

    def _fit_caption(self) -> None:
        """Give the caption the height of the longest story at its width, so loading
        another story never resizes the map (a resize costs a whole redraw of it)."""
        width = self.caption.width()
        expanded = self.caption_toggle.isChecked()
        key = (width, expanded, self.caption.font().key())
        if width <= 0 or key == getattr(self, "_caption_fit", None):
            return
        self._caption_fit = key
        measure = getattr(self, "_caption_measure", None)
        if measure is None:
            measure = self._caption_measure = QLabel()
            measure.setWordWrap(True)
            measure.setTextFormat(Qt.TextFormat.RichText)
            measure.setMargin(self.caption.margin())
        measure.setFont(self.caption.font())
        stories = [self.OWN_RACE] + [(f"{p.title}.{self.CHANGED}", p.caption)
                                     for p in self.presets.values()]
        # the longest texts (by characters) are the tallest: measure only those
        stories.sort(key=lambda tb: len(tb[0]) + (len(tb[1]) if expanded else 0), reverse=True)
        height = 0
        for title, body in stories[:2]:
            measure.setText(self._caption_text(title, body, expanded))
            height = max(height, measure.heightForWidth(width))
        self.caption.setMinimumHeight(height)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.caption and event.type() == QEvent.Type.Resize:
            self._fit_caption()
        return super().eventFilter(obj, event)

    def load_preset(self, preset_id: str) -> None:
        """Replace the race by one of the chapter's stories (at step 0, ready to play)."""
        preset = _presets.get(preset_id)
        self._load_state(sim_model.state_from_preset(preset), reset_step=True)
        if self.isVisible():
            self.canvas.setFocus()  # so Space plays at once (not the preset list's popup)
        self.ctx.message.emit(f"Loaded “{preset.title}”: press Space to play")

    def open_with(self, preset: str | None = None, **_kwargs) -> None:
        """``ctx.navigate("simulator", preset=...)`` from other pages."""
        if preset:
            self.load_preset(preset)

    def load_entries(self, entries: list) -> None:
        """Reload runs from the notebook as a race."""
        configs = [e.config for e in entries]
        surfaces = {c.get("surface") for c in configs}
        try:
            state = sim_model.state_from_configs(configs, [f"run {e.id}" for e in entries])
        except Exception as exc:  # an old or hand-edited row: say so, keep the current race
            self._set_status(f"Cannot load those runs: {exc}", error=True)
            return
        self._load_state(state, reset_step=False, wait=True)
        items = self._race_items()
        if items:  # already in the notebook: playing it again adds no duplicate
            self._recorded_key = sim_model.config_key([c for c, _ in items])
        self.run_to_end(record=False)
        note = "" if len(surfaces) == 1 else " (runs on other surfaces were left out)"
        self._set_status(f"Loaded {len(state.lanes)} run(s) from the notebook{note}.")

    # ----------------------------------------------------------------- compute

    def request_recompute(self, surface: bool = False) -> None:
        """Coalesce bursts of edits (typing, dragging) into one recompute."""
        self._pending = True
        self._pending_surface |= surface
        self._recompute_timer.start()

    def _apply_pending(self) -> None:
        if self._pending:
            self.recompute(self._pending_surface)

    def flush(self) -> None:
        """Apply pending edits and finish every run now (for actions that need the runs)."""
        if self._pending:
            self.recompute(self._pending_surface, wait=True)
        elif self._race_job is not None:
            self._race_job.finish()  # the rest of the work, now

    @property
    def busy(self) -> bool:
        """True while lanes are being computed (in slices, between other events)."""
        return self._race_job is not None

    def recompute(self, surface: bool = False, wait: bool = False) -> None:
        """Compute every valid lane and redraw; invalid values keep the last run.

        Cached lanes are drawn at once; the others are computed in slices between other
        events (``wait``: here and now) and drawn when they are in. Until then a lane
        being recomputed keeps its previous run on screen (a new race starts with none)."""
        self._pending = False
        self._pending_surface = False
        self._cancel_race()
        problems = self.surface_panel.errors
        if problems:
            self._set_status("Waiting for valid values: " + "; ".join(problems), error=True)
            return
        try:
            map_surface = sim_model.build_surface(self.state)
        except ValueError as exc:
            self._set_status(f"Waiting for valid values: {exc}", error=True)
            return
        key = sim_model.config_key([self.state.surface, sim_model.surface_options(self.state)])
        if surface or key != self._surface_key:
            self.canvas.set_surface(map_surface)
            self._surface_key = key
            if self.view3d is not None:
                self.view3d.set_surface(map_surface)
        self.canvas.set_start(*self.state.start)
        self.runs = (self.runs + [None] * len(self.state.lanes))[: len(self.state.lanes)]
        self._failures = []
        tasks = {}
        for i, lane in enumerate(self.state.lanes):
            if self.errors.get(i):
                continue  # waits until valid; the previous run stays on screen
            try:
                task = sim_model.lane_task(self.state, lane)
            except Exception as exc:  # an engine refusal must never take the window down
                self.runs[i] = None
                self._failures.append(f"{lane.label}: {exc}")
                continue
            run = sim_model.cached_run(task.key)
            if run is not None:
                self.runs[i] = run
            else:
                tasks[i] = task
        if tasks and wait:
            self._take_runs(tasks, *sim_model.drive(_race_work(tasks)))
            tasks = {}
        shown = not tasks or any(self.runs[i] is None for i in tasks) or surface
        if shown:
            self._show_runs(light=bool(tasks))
        # else (an edit of lanes that are on screen): they stay until their new runs are in
        if tasks:
            job = _Slices(_race_work(tasks), self)
            job.tasks = tasks
            job.done.connect(lambda out, j=job: self._on_race_done(j, out))
            self._race_job = job
            self._busy_timer.start()
            job.start()

    def _cancel_race(self) -> None:
        job, self._race_job = self._race_job, None
        if job is not None:
            job.cancel()
        self._busy_timer.stop()
        self.canvas.unsetCursor()

    def _take_runs(self, tasks: dict, runs: dict, failures: dict) -> None:
        for i, task in tasks.items():
            if i < len(self.runs):
                self.runs[i] = runs.get(task.key)
                if i in failures:
                    self._failures.append(f"{self.state.lanes[i].label}: {failures[i]}")

    def _on_race_done(self, job: _Slices, out) -> None:
        if job is not self._race_job:  # dropped: a newer edit started newer work
            return
        self._cancel_race()
        if self._pending:  # an edit is about to recompute (the runs are cached by now)
            return
        self._take_runs(job.tasks, *out)
        self._show_runs()

    def _show_busy(self) -> None:
        if self._race_job is not None:
            n = len(self._race_job.tasks)
            self._set_status(f"Computing {n} optimizer{'s' if n > 1 else ''}…")
            self.canvas.setCursor(Qt.CursorShape.BusyCursor)

    def _show_runs(self, light: bool = False) -> None:
        """Draw the runs there are (the page's step is the one truth: a new race starts at 0).

        ``light`` (more runs are coming): lanes and step at once, but the axes, legend
        and limits only with the runs, so one load or edit costs one full draw."""
        failures = self._failures
        self.step = min(self.step, self.state.steps)
        self.canvas.selected = self.current
        self.canvas.set_runs(self._pairs(), self.state.steps)
        self.canvas.redraw(self.step, static=not light)
        # the new trajectories first; the state panel's HTML on the next turn
        self._last_panel = time.perf_counter()
        self._panel_stale = True
        self._panel_timer.start()
        if not light and self.view3d is not None and self.tabs.currentWidget() is self.tab3d:
            self.view3d.set_runs(self._pairs(), self.step)
        self.lane_list.set_lanes(self.state.lanes, self.current, self.errors)
        self._update_lanes_title()
        if failures:
            self._set_status("; ".join(failures), error=True)
        elif any(self.errors.values()):
            self._set_status("Waiting for valid values (marked in red on the left).", error=True)
        else:
            self._status_for_step()

    def _update_lanes_title(self) -> None:
        """How many optimizers race, counted as the Race day badge counts them (shown lanes)."""
        shown = sum(1 for lane in self.state.lanes if lane.visible)
        hidden = len(self.state.lanes) - shown
        title = f"Optimizers: {shown} in the race"
        self.lanes_box.setTitle(title + (f", {hidden} hidden" if hidden else ""))

    def _pairs(self) -> list[tuple[Lane, optim.Run | None]]:
        return list(zip(self.state.lanes, self.runs))

    # ---------------------------------------------------------------- playback

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        self.flush()  # the runs still being computed, now
        if not any(r is not None for r in self.runs):
            return
        self._record_if_new()
        if self.step >= self.state.steps:
            self.step = 0
        self.playing = True
        self._acc = 0.0
        self._last_tick = time.perf_counter()
        self.play_button.setText("Pause")
        self.play_button.setIcon(self._icon_pause)
        self.timer.start()

    def pause(self) -> None:
        self.playing = False
        self.timer.stop()
        self.play_button.setText("Play")
        self.play_button.setIcon(self._icon_play)
        self._update_side(force=True)

    def single_step(self) -> None:
        self.pause()
        self.flush()
        self._record_if_new()
        self.set_step(self.step + 1)

    def run_to_end(self, record: bool = True) -> None:
        self.pause()
        self.flush()
        if record:
            self._record_if_new()
        self.set_step(self.state.steps)

    def reset(self) -> None:
        self.pause()
        self.set_step(0)

    def set_step(self, step: int) -> None:
        self.step = max(0, min(int(step), self.state.steps))
        self.canvas.show_step(self.step)
        self._update_side(force=not self.playing)
        self._status_for_step()

    def _tick(self) -> None:
        now = time.perf_counter()
        self._acc += (now - self._last_tick) * self.speed
        self._last_tick = now
        advance = int(self._acc)
        if advance <= 0:
            return
        self._acc -= advance
        step = min(self.step + advance, self.state.steps)
        self.step = step
        self.canvas.show_step(step)
        self._update_side()
        if step >= self.state.steps:
            self.pause()
            self._status_for_step()

    def _update_side(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_panel < 1.0 / PANEL_HZ:
            return
        self._last_panel = now
        if force:
            self._panel_timer.stop()
            self._panel_stale = False
            self.state_panel.show_state(self._pairs(), self.step)
        else:
            self._panel_timer.start()
        if self.playing:
            self._status_for_step()
        if self.view3d is not None and self.tabs.currentWidget() is self.tab3d:
            self.view3d.set_runs(self._pairs(), self.step)

    def _show_panel(self) -> None:
        self._panel_timer.stop()
        if not self.state_panel.isVisible():  # another side tab: refreshed when shown
            self._panel_stale = True
            return
        self._panel_stale = False
        self.state_panel.show_state(self._pairs(), self.step)

    def _on_side_tab(self, _index: int) -> None:
        if self._panel_stale and self.state_panel.isVisible():
            self._show_panel()

    def _status_for_step(self) -> None:
        diverged = [f"{lane.label} diverged at step {run.diverged_at}"
                    for lane, run in self._pairs()
                    if run is not None and lane.visible and run.diverged_at is not None
                    and self.step >= run.diverged_at]
        text = f"Step {self.step} of {self.state.steps}."
        if diverged:
            text += " " + "; ".join(diverged) + " (the numbers blew past 1e10)."
            self._set_status(text, error=True)
        else:
            self._set_status(text)

    def _set_status(self, text: str, error: bool = False) -> None:
        self.last_error = text if error else None
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {ERROR_COLOR};" if error else "")

    # ----------------------------------------------------------- the notebook

    def _race_items(self) -> list[tuple[dict, dict]]:
        items = []
        for i, (lane, run) in enumerate(self._pairs()):
            if run is None or not lane.visible or self.errors.get(i):
                continue
            surface = sim_model.build_surface(self.state, lane)
            items.append((sim_model.lane_config(self.state, lane), sim_model.outcome(surface, run)))
        return items

    def _record_if_new(self) -> None:
        """Write the race to the lab notebook the first time it is played."""
        items = self._race_items()
        if not items:
            return
        key = sim_model.config_key([c for c, _ in items])
        if key == self._recorded_key:
            return
        group = uuid.uuid4().hex[:12] if len(items) > 1 else None
        try:
            ids, unlocked = self.ctx.notebook.record_race(items, group)
        except Exception as exc:  # a locked or read-only file: keep simulating, say why
            self._set_status(f"Could not write to the lab notebook: {exc}", error=True)
            return
        self._recorded_key = key
        self.notebook_panel.refresh()
        self.ctx.dataChanged.emit()
        self.ctx.message.emit(f"Recorded run{'s' if len(ids) > 1 else ''} "
                              f"{', '.join(map(str, ids))} in the lab notebook")
        if unlocked:  # after the message above, so a toast or status line shows it last
            self.ctx.achievementsUnlocked.emit(list(unlocked))

    # ------------------------------------------------------------ lane edits

    def _on_lane_selected(self, row: int) -> None:
        if row < 0 or row >= len(self.state.lanes) or row == self.current:
            return
        if self.errors.get(self.current):  # leaving a lane drops its unapplied text
            self.errors.pop(self.current, None)
        self.current = row
        self.editor.load(self.state, self.state.lanes[row])
        self.canvas.selected = row
        self.canvas.show_step(self.step)
        self.lane_list.set_lanes(self.state.lanes, row, self.errors)

    def _on_lane_edited(self) -> None:
        self._mark_modified()
        self.errors[self.current] = {}
        self.request_recompute()

    def _on_validity(self) -> None:
        self.errors[self.current] = dict(self.editor.errors)
        if self.editor.errors:
            self.lane_list.set_lanes(self.state.lanes, self.current, self.errors)
            self._set_status("Waiting for valid values (marked in red on the left).", error=True)
        else:
            self.request_recompute()

    def _on_visibility(self, row: int, visible: bool) -> None:
        if 0 <= row < len(self.state.lanes):
            self.state.lanes[row].visible = visible
            self.request_recompute()

    def add_lane(self, optimizer: str = "adam") -> None:
        if len(self.state.lanes) >= sim_model.MAX_LANES:
            self._set_status(f"At most {sim_model.MAX_LANES} optimizers at once.", error=True)
            return
        color = sim_model.next_color(lane.color for lane in self.state.lanes)
        lane = Lane(optimizer=optimizer, color=color)
        labels = {l.label for l in self.state.lanes}
        if lane.label in labels:
            n = 2
            while f"{lane.label} {n}" in labels:
                n += 1
            lane.label = f"{lane.label} {n}"
        self.state.lanes.append(lane)
        self.runs.append(None)
        self._select_after_change(len(self.state.lanes) - 1)

    def duplicate_lane(self) -> None:
        if not (0 <= self.current < len(self.state.lanes)):
            return
        if len(self.state.lanes) >= sim_model.MAX_LANES:
            self._set_status(f"At most {sim_model.MAX_LANES} optimizers at once.", error=True)
            return
        import copy

        lane = copy.deepcopy(self.state.lanes[self.current])
        lane.color = sim_model.next_color(l.color for l in self.state.lanes)
        lane.label = f"{lane.label} (copy)"
        self.state.lanes.insert(self.current + 1, lane)
        self.runs.insert(self.current + 1, None)
        self._select_after_change(self.current + 1)

    def remove_lane(self) -> None:
        if len(self.state.lanes) <= 1 or not (0 <= self.current < len(self.state.lanes)):
            return
        del self.state.lanes[self.current]
        del self.runs[self.current]
        self._select_after_change(min(self.current, len(self.state.lanes) - 1))

    def _select_after_change(self, row: int) -> None:
        self.errors = {}
        self._mark_modified()
        self.current = row
        self.lane_list.set_lanes(self.state.lanes, row)
        self.editor.load(self.state, self.state.lanes[row])
        self.recompute()

    def _on_surface_changed(self, surface: bool) -> None:
        self.editor.refresh_surface()
        if surface:  # another surface is another scene: the preset's story no longer applies
            self.state.preset = None
            self._show_caption()
        else:
            self._mark_modified()
        self.request_recompute(surface)

    def _on_start_moved(self, x: float, y: float, final: bool) -> None:
        self.state.start = (x, y)
        self.surface_panel.set_start(x, y)
        if final:
            self._mark_modified()
        self.request_recompute()

    def _mark_modified(self) -> None:
        if self.state.preset and not self.state.modified:
            self.state.modified = True
            self._show_caption()

    def place_start(self, x: float, y: float) -> None:
        """Move the start point (what a click on the map does) and recompute."""
        self.canvas.set_start(x, y)
        self._on_start_moved(float(x), float(y), True)
        self.flush()

    def _on_preset_combo(self, index: int) -> None:
        pid = self.preset_combo.itemData(index)
        if pid:
            self.load_preset(pid)

    def _on_speed(self, index: int) -> None:
        self.speed = SPEEDS[index]
        self.speed_label.setText(f"{self.speed} st/s")
        self.speed_slider.setAccessibleDescription(f"{self.speed} steps per second")

    def _on_arrows(self, checked: bool) -> None:
        self.canvas.show_arrows = bool(checked)
        self.canvas.show_step(self.step)

    # ------------------------------------------------------------ shortcuts

    def _forward_key(self, key: Qt.Key, text: str, types: tuple) -> bool:
        """Give the key to the focused control when that control uses it itself."""
        if getattr(self, "_keys", None) is None:
            self._keys = KeyForwarder(self, own=(self.play_button, self.step_button))
        return self._keys.forward(key, text, types)

    def _shortcut_play(self) -> None:
        if not self._forward_key(Qt.Key.Key_Space, " ", (QAbstractButton, QAbstractItemView, QComboBox)):
            self.toggle_play()

    def _shortcut_step(self) -> None:
        if not self._forward_key(Qt.Key.Key_Right, "", (QAbstractItemView, QComboBox)):
            self.single_step()

    # ------------------------------------------------------------- the tabs

    def _on_tab(self, _index: int) -> None:
        widget = self.tabs.currentWidget()
        if widget is self.tab3d:
            self._ensure_3d()
            self.view3d.set_runs(self._pairs(), self.step)
        elif widget is self.tab_sweep:
            self._ensure_sweep()

    def _ensure_3d(self) -> None:
        if self.view3d is not None:
            return
        from quizapp.ui.simulator.canvas import Surface3DCanvas

        self.view3d = Surface3DCanvas()
        self.view3d.setAccessibleName("3-D view of the surface with the trajectories")
        focus_ring(self.view3d)
        layout = self.tab3d.layout()
        layout.addWidget(keyboard_toolbar(NavigationToolbar2QT(self.view3d, self.tab3d), "3-D plot"))
        layout.addWidget(self.view3d, 1)
        tab_into(self.tabs.tabBar(), self.tab3d)  # built late: Tab still goes bar -> content
        try:
            self.view3d.set_surface(sim_model.build_surface(self.state))
        except ValueError:
            pass

    def _ensure_sweep(self) -> None:
        if self.sweep_canvas is not None:
            return
        layout = self.tab_sweep.layout()
        row = QHBoxLayout()
        row.setContentsMargins(4, 4, 4, 0)
        self.sweep_lo = NumberField("lowest rate", float, lambda v: None if v > 0 else "must be > 0")
        self.sweep_hi = NumberField("highest rate", float, lambda v: None if v > 0 else "must be > 0")
        self.sweep_n = NumberField("number of rates", int, lambda v: None if 2 <= v <= 400 else "between 2 and 400")
        self.sweep_lo.set_value(1e-4)
        self.sweep_hi.set_value(10.0)
        self.sweep_n.set_value(40)
        for label, field in (("from", self.sweep_lo), ("to", self.sweep_hi), ("rates", self.sweep_n)):
            field.setMaximumWidth(80)
            row.addWidget(QLabel(label))
            row.addWidget(field)
        self.sweep_button = QPushButton("Run s&weep")
        self.sweep_button.setAccessibleName("Run the learning-rate sweep")
        self.sweep_button.clicked.connect(self.run_sweep)
        row.addWidget(self.sweep_button)
        self.sweep_progress = QProgressBar()  # steps done while a sweep runs
        self.sweep_progress.setMaximumWidth(120)
        self.sweep_progress.setFormat("%p% of the steps")
        self.sweep_progress.setAccessibleName("Sweep progress")
        self.sweep_progress.hide()
        row.addWidget(self.sweep_progress)
        row.addStretch(1)
        layout.addLayout(row)
        self.sweep_canvas = SweepCanvas()
        self.sweep_canvas.setAccessibleName("Final loss against learning rate")
        focus_ring(self.sweep_canvas)
        self.sweep_canvas.rateClicked.connect(self.use_rate)
        layout.addWidget(keyboard_toolbar(NavigationToolbar2QT(self.sweep_canvas, self.tab_sweep), "Sweep plot"))
        layout.addWidget(self.sweep_canvas, 1)
        tab_into(self.tabs.tabBar(), self.tab_sweep)  # built late: Tab still goes bar -> content

    def show_sweep(self) -> None:
        self.tabs.setCurrentWidget(self.tab_sweep)
        self.run_sweep()

    def run_sweep(self) -> None:
        """Final loss for each learning rate, for every shown lane: all lanes and rates in
        one loop over the steps (:func:`sim_model.sweep_many`), keeping only final losses.

        It runs in slices between other events while the page stays live: the button turns into
        *Cancel* and a bar shows the share of the steps done; the plot shows the result
        when it is in (a new sweep or Cancel drops the running one)."""
        self._ensure_sweep()
        if self._sweep_job is not None:  # the button cancels a running sweep
            self.cancel_sweep()
            return
        try:
            lo, hi, n = self.sweep_lo.value(), self.sweep_hi.value(), self.sweep_n.value()
        except ValueError as exc:
            self._set_status(f"Sweep: {exc}", error=True)
            return
        if not lo < hi:
            self._set_status("Sweep: the lowest rate must be below the highest.", error=True)
            self.sweep_lo.set_error("must be below the highest rate")
            return
        lrs = np.geomspace(lo, hi, int(n))
        try:
            base = sim_model.build_surface(self.state).min_value
        except ValueError as exc:
            self._set_status(f"Sweep: {exc}", error=True)
            return
        tasks, failures = [], []
        for i, lane in enumerate(self.state.lanes):
            if not lane.visible or self.errors.get(i):
                continue
            try:
                call = sim_model.lane_task(self.state, lane).call
            except Exception as exc:  # an engine refusal: that lane is left out, and said so
                failures.append(f"Sweep of {lane.label} failed: {exc}")
                continue
            call["hyper"] = dict(call["hyper"], lr=lrs)
            tasks.append((i, lane, call))  # the worker reads only the call (plain data)
        job = _Slices(_sweep_work(tasks, lrs, base), self)
        job.failures = failures
        job.base = base
        job.progress.connect(self._on_sweep_progress)
        job.done.connect(lambda out, j=job: self._on_sweep_done(j, out))
        self._sweep_job = job
        self.sweep_button.setText("Cancel s&weep")
        self.sweep_button.setAccessibleName("Cancel the running learning-rate sweep")
        self.sweep_progress.setRange(0, 100)
        self.sweep_progress.setValue(0)
        self.sweep_progress.show()
        self._set_status(f"Sweeping {len(lrs)} rates for {len(tasks)} optimizer(s)…")
        job.start()

    def cancel_sweep(self) -> None:
        job, self._sweep_job = self._sweep_job, None
        if job is not None:
            job.cancel()
            self._sweep_idle()
            self._set_status("Sweep cancelled.")

    def _sweep_idle(self) -> None:
        self.sweep_button.setText("Run s&weep")
        self.sweep_button.setAccessibleName("Run the learning-rate sweep")
        self.sweep_progress.hide()

    def _on_sweep_progress(self, done: int) -> None:  # per cent
        if self._sweep_job is not None:
            self.sweep_progress.setValue(done)

    def _on_sweep_done(self, job: _Slices, out) -> None:
        if job is not self._sweep_job:  # cancelled, or replaced by a newer sweep
            return
        self._sweep_job = None
        self._sweep_idle()
        results, failures, lrs = out
        failures = list(getattr(job, "failures", [])) + list(failures)
        self.sweep_results = results
        self.sweep_canvas.plot(results, job.base is not None)
        if failures:
            self._set_status("; ".join(failures), error=True)
        else:
            self._set_status(f"Swept {len(lrs)} rates for {len(results)} optimizer(s); "
                             "click a point to use its rate.")

    def use_rate(self, index: int, lr: float) -> None:
        """Load a learning rate picked on the sweep into lane ``index``."""
        if not 0 <= index < len(self.state.lanes):
            return
        lr = float(f"{lr:.4g}")
        if index != self.current:
            self.lane_list.list.setCurrentRow(index)
            self._on_lane_selected(index)
        self.editor.set_lr(lr)
        self.flush()
        if getattr(self, "sweep_results", None):
            self.sweep_canvas.plot(self.sweep_results, sim_model.build_surface(self.state).min_value is not None)
        self._set_status(f"{self.state.lanes[index].label}: learning rate set to {lr:g} "
                         "(see the Race tab).")

    # --------------------------------------------------------------- export

    @classmethod
    def ask_save_path(cls, parent: QWidget, title: str, filters: str, suggested: str) -> str | None:
        """Ask where to save (tests replace this)."""
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
        return path or None

    def export_trajectories(self) -> Path | None:
        self.flush()  # every run, as the race now stands
        path = self.ask_save_path(self, "Export trajectories", "CSV (*.csv);;JSON (*.json)",
                                  f"trajectories-{self.state.surface}.csv")
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() not in (".csv", ".json"):
            path = path.with_suffix(".csv")
        runs = {i: r for i, r in enumerate(self.runs) if r is not None}
        text = (sim_model.export_json if path.suffix.lower() == ".json" else sim_model.export_csv)(
            self.state, runs, self.state.lanes)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            self._set_status(f"Could not save {path}: {exc.strerror or exc}", error=True)
            return None
        self.ctx.message.emit(f"Saved the trajectories to {path}")
        return path

    def export_figure(self) -> Path | None:
        self.flush()
        path = self.ask_save_path(self, "Export figure", "PNG (*.png);;SVG (*.svg);;PDF (*.pdf)",
                                  f"race-{self.state.surface}.png")
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg", ".pdf"):
            path = path.with_suffix(".png")
        try:
            # animated artists are not part of a plain savefig: show them for the export
            arts = self.canvas.blitter.artists
            for a in arts:
                a.set_animated(False)
            try:
                self.canvas.figure.savefig(path, dpi=150, facecolor=self.canvas.figure.get_facecolor())
            finally:
                for a in arts:
                    a.set_animated(True)
                self.canvas.full_redraw()
        except (OSError, ValueError) as exc:
            self._set_status(f"Could not save {path}: {exc}", error=True)
            return None
        self.ctx.message.emit(f"Saved the figure to {path}")
        return path

    # ------------------------------------------------------------- settings

    def save_settings(self, settings) -> None:
        settings.setValue("state", self.state.to_json())
        settings.setValue("speed", self.speed)
        settings.setValue("tab", self.tabs.currentIndex())
        settings.setValue("side_tab", self.side_tabs.currentIndex())
        settings.setValue("splitter", self.splitter.saveState())
        settings.setValue("current", self.current)

    def restore_settings(self, settings) -> None:
        text = settings.value("state")
        if text:
            try:
                state = SimState.from_json(str(text))
            except Exception:  # settings from an older or broken version: keep the default race
                state = None
            if state is not None and state.lanes:
                self._load_state(state, reset_step=False)
                self.set_step(state.steps)
        try:
            speed = int(settings.value("speed", self.speed))
            if speed in SPEEDS:
                self.speed_slider.setValue(SPEEDS.index(speed))
            self.side_tabs.setCurrentIndex(int(settings.value("side_tab", 0)))
            tab = int(settings.value("tab", 0))
            if 0 <= tab < self.tabs.count():
                self.tabs.setCurrentIndex(tab)
            splitter = settings.value("splitter")
            if splitter is not None:
                self.splitter.restoreState(splitter)
            current = int(settings.value("current", 0))
            if 0 < current < len(self.state.lanes):
                self.lane_list.list.setCurrentRow(current)
        except (TypeError, ValueError):
            pass

    def activated(self) -> None:
        self.canvas.setFocus()

    def deactivated(self) -> None:
        self.pause()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        # matplotlib gives its canvases a fixed white palette, so they never hear of a
        # palette change themselves: the page tells them.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            for view in (self.canvas, self.view3d, self.sweep_canvas, self.editor.preview):
                if view is not None:
                    view.changeEvent(event)
        super().changeEvent(event)
