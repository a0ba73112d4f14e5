"""Side panels of the simulator: the optimizer state at the current step, and the lab
notebook (runs, what changed between two of them, reload)."""
from __future__ import annotations

import html
import json
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSizePolicy, QSplitter,
    QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget,
)

from quizapp import optim
from quizapp.ui.simulator import model as sim_model
from quizapp.ui.shared.a11y import focus_ring
from quizapp.ui.shared.notebook import Entry, Notebook, summary


class StatePanel(QTextBrowser):
    """Each lane's update at the current step, with live numbers in the chapter's notation."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Optimizer state at the current step")
        self.setOpenLinks(False)
        self.setMinimumWidth(220)
        self._last = ""

    def show_state(self, lanes: list[tuple[sim_model.Lane, optim.Run | None]], step: int) -> None:
        parts = [f"<p style='margin:0'>The update that led to step <b>{step}</b>. "
                 "Hover a symbol for its meaning. Map arrows (selected lane): "
                 "dashed = −g, solid = the step taken.</p>"]
        for lane, run in lanes:
            if not lane.visible:
                continue
            swatch = f"<span style='color:{lane.color}'>■</span>"
            title = f"{swatch} <b>{html.escape(lane.label)}</b> ({lane.optimizer})"
            if run is None:
                parts.append(f"<p>{title}<br><i>waiting for valid values</i></p>")
                continue
            shown = min(step, run.steps)
            note = ""
            if run.diverged_at is not None and step >= run.diverged_at:
                note = f"<br><b>diverged at step {run.diverged_at}</b>"
            cells = []
            for row in sim_model.state_rows(lane, run, shown):
                values = [sim_model.format_number(v) for v in row.values]
                if len(values) == 1:
                    cell = f"<td colspan='2' align='right'>{values[0]}</td>"
                else:
                    cell = "".join(f"<td align='right'>{v}</td>" for v in values)
                tip = html.escape(row.meaning, quote=True)
                cells.append(f"<tr><td title=\"{tip}\"><b>{html.escape(row.symbol)}</b></td>{cell}</tr>")
            parts.append(f"<p style='margin:8px 0 2px 0'>{title}{note}</p>"
                         "<table cellspacing='0' cellpadding='1' width='100%'>"
                         "<tr><td></td><td align='right'><i>x</i></td><td align='right'><i>y</i></td></tr>"
                         f"{''.join(cells)}</table>")
        parts.append("<p style='margin-top:8px'><small>θ position · L loss · η rate of the step · "
                     "g gradient used (after noise and clipping) · v velocity or momentum buffer · "
                     "m, v first and second moments · m̂, v̂ bias-corrected · G, E[g²] accumulated "
                     "squares · Δθ the update · η_eff per-coordinate step size</small></p>")
        text = "".join(parts)
        if text != self._last:  # re-rendering the same HTML would reset the scroll position
            bar = self.verticalScrollBar().value()
            self.setHtml(text)
            self.verticalScrollBar().setValue(bar)
            self._last = text


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


class NotebookPanel(QWidget):
    """The lab notebook: every run, a diff of two selected runs, and reload."""

    #: load these runs into the simulator (as one race)
    loadRequested = Signal(list)

    COLUMNS = ("id", "optimizer", "lr", "result", "changed", "surface", "when")

    def __init__(self, get_notebook: Callable[[], Notebook], parent: QWidget | None = None):
        super().__init__(parent)
        self._get_notebook = get_notebook
        self._dirty = True
        self._entries: list[Entry] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Notebook status")
        layout.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Recorded runs")
        focus_ring(self.table)  # visible focus even with no current cell
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        self.table.setHorizontalHeaderLabels(["#", "optimizer", "lr", "result", "Δ", "surface", "when"])
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setWordWrap(False)
        self.table.horizontalHeaderItem(4).setToolTip(
            "How many settings changed since the run before it (1 = a clean one-knob experiment)")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.doubleClicked.connect(lambda _i: self.load_selected())
        split.addWidget(self.table)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.load_button = QPushButton("&Load selected")
        self.load_button.setAccessibleName("Load the selected runs into the simulator")
        self.load_button.clicked.connect(self.load_selected)
        self.race_button = QPushButton("Load its &race")
        self.race_button.setAccessibleName("Load every run started together with the selected one")
        self.race_button.clicked.connect(self.load_race)
        for b in (self.load_button, self.race_button):
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            buttons.addWidget(b)
        bl.addLayout(buttons)
        self.diff_label = QLabel("Select two runs to see exactly what changed between them.")
        self.diff_label.setWordWrap(True)
        self.diff_label.setAccessibleName("Comparison summary")
        bl.addWidget(self.diff_label)
        self.diff = QTableWidget(0, 3)
        self.diff.setAccessibleName("Settings that differ between the two selected runs")
        focus_ring(self.diff)
        self.diff.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        self.diff.setHorizontalHeaderLabels(["setting", "run A", "run B"])
        self.diff.verticalHeader().setVisible(False)
        self.diff.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.diff.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.diff.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.diff.horizontalHeader().setStretchLastSection(True)
        bl.addWidget(self.diff, 1)
        split.addWidget(bottom)
        split.setSizes([300, 200])
        layout.addWidget(split, 1)

    @property
    def notebook(self) -> Notebook:
        return self._get_notebook()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self._dirty:
            self.refresh(force=True)
        super().showEvent(event)

    def refresh(self, force: bool = False) -> None:
        """Re-read the runs (now if shown or forced, else when next shown)."""
        if not force and not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        nb = self.notebook
        if nb.persistent:
            path = getattr(nb.store, "path", "")
            self.status.setText(f"Every run you play is recorded in {path}.")
        else:
            self.status.setText("Runs are kept for this session only"
                                + (f": {nb.reason}" if nb.reason else "."))
        try:
            self._entries = nb.runs(limit=200)
        except Exception as exc:  # a broken file must not take the page down
            self._entries = []
            self.status.setText(f"Cannot read the notebook: {exc}")
        selected = set(self.selected_ids())
        self.table.setRowCount(len(self._entries))
        for r, entry in enumerate(self._entries):
            cells = summary(entry)
            for c, key in enumerate(self.COLUMNS):
                item = QTableWidgetItem(cells[key])
                item.setData(Qt.ItemDataRole.UserRole, entry.id)
                tip = f"run {entry.id}, {cells['when']}"
                if entry.group:
                    tip += f", race {entry.group}"
                item.setToolTip(tip)
                self.table.setItem(r, c, item)
            if entry.id in selected:
                self.table.selectRow(r)
        self._on_selection()

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self._entries[r].id for r in rows if r < len(self._entries)]

    def select_ids(self, ids: list[int]) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for r, entry in enumerate(self._entries):
            if entry.id in ids:
                self.table.selectRow(r)
        self.table.setSelectionMode(mode)

    def selected_entries(self) -> list[Entry]:
        ids = self.selected_ids()
        return sorted((e for e in self._entries if e.id in ids), key=lambda e: e.id)

    def _on_selection(self) -> None:
        entries = self.selected_entries()
        self.load_button.setEnabled(bool(entries))
        self.race_button.setEnabled(len(entries) == 1 and bool(entries[0].group))
        if len(entries) != 2:
            self.diff.setRowCount(0)
            self.diff_label.setText("Select two runs to see exactly what changed between them.")
            return
        a, b = entries
        changes = self.notebook.diff(a.config, b.config)
        self.diff.setHorizontalHeaderLabels(["setting", f"run {a.id}", f"run {b.id}"])
        self.diff.setRowCount(len(changes))
        for r, (key, va, vb) in enumerate(changes):
            for c, text in enumerate((key, _fmt(va), _fmt(vb))):
                self.diff.setItem(r, c, QTableWidgetItem(text))
        if not changes:
            self.diff_label.setText(f"Runs {a.id} and {b.id} have identical settings.")
        elif len(changes) == 1:
            self.diff_label.setText(f"Runs {a.id} → {b.id}: one knob changed — a clean experiment.")
        else:
            self.diff_label.setText(f"Runs {a.id} → {b.id}: {len(changes)} settings differ "
                                    "(change one at a time to know which one mattered).")

    def load_selected(self) -> None:
        entries = self.selected_entries()
        if entries:
            self.loadRequested.emit(entries)

    def load_race(self) -> None:
        entries = self.selected_entries()
        if len(entries) == 1 and entries[0].group:
            self.loadRequested.emit(self.notebook.group(entries[0].group))
