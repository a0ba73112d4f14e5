"""The Lab page's panels: data and model settings, the symptom detector, the notebook."""
from __future__ import annotations

import html
from typing import Callable

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea,
    QSizePolicy, QSpinBox, QTableWidgetItem, QVBoxLayout, QWidget,
)

from quizapp.optim import symptoms as _symptoms
from quizapp.ui.lab import model as lab_model
from quizapp.ui.lab.model import LabLane, LabState
from quizapp.ui.shared.a11y import quiet_scroll
from quizapp.ui.shared.notebook import Notebook
from quizapp.ui.shared.theme import ERROR_COLOR, field_style
from quizapp.ui.simulator.controls import NumberField, _form
from quizapp.ui.simulator.panels import NotebookPanel


def parse_hidden(text: str) -> tuple[int, ...]:
    """``"64, 32"`` -> ``(64, 32)``; ValueError with a reason."""
    parts = [p.strip() for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    if not parts:
        raise ValueError("hidden layers: give at least one width, e.g. 32 or 64,32")
    out = []
    for p in parts:
        if not p.isdigit() or not 1 <= int(p) <= 4096:
            raise ValueError(f"hidden layers: {p!r} is not a width from 1 to 4096")
        out.append(int(p))
    if len(out) > 8:
        raise ValueError("hidden layers: at most 8")
    return tuple(out)


class SetupPanel(QGroupBox):
    """What every lane shares: data, model, loop, seed."""

    #: a valid change was made
    changed = Signal()

    def __init__(self, state: LabState, parent: QWidget | None = None):
        super().__init__("Data and model (shared by every lane)", parent)
        self.state = state
        self.errors: dict[str, str] = {}
        form = _form()
        self.setLayout(form)
        self.form = form

        self.dataset = QComboBox()
        self.dataset.setAccessibleName("Data set")
        self.dataset.addItem("moons (2-D, two classes)", "moons")
        self.dataset.addItem("digits (8×8 images, ten classes)", "digits")
        self.dataset.setToolTip("moons: two interleaving half circles, made from the seed.\n"
                                "digits: 1797 handwritten 8×8 digits (UCI, as shipped with scikit-learn).")
        self.dataset.currentIndexChanged.connect(self._on_dataset)
        label = QLabel("D&ata")
        label.setBuddy(self.dataset)
        form.addRow(label, self.dataset)

        moons = QHBoxLayout()
        self.moons_n = NumberField("points", int, lambda v: None if 20 <= v <= 20_000 else "between 20 and 20000")
        self.moons_n.set_help("How many moons points (train + validation).")
        self.moons_noise = NumberField("noise", float, lambda v: None if 0 <= v <= 2 else "between 0 and 2")
        self.moons_noise.set_help("Standard deviation of the noise added to each point.")
        for f, name in ((self.moons_n, "moons_n"), (self.moons_noise, "moons_noise")):
            f.edited.connect(lambda v, n=name, f=f: self._on_value(n, v, f))
        moons.addWidget(self.moons_n)
        moons.addWidget(QLabel("noise"))
        moons.addWidget(self.moons_noise)
        self.moons_label = QLabel("Points")
        self.moons_label.setBuddy(self.moons_n)
        form.addRow(self.moons_label, moons)
        self._moons_row = moons

        net = QHBoxLayout()
        self.hidden = QLineEdit()
        self.hidden.setAccessibleName("Hidden layer widths")
        self.hidden.setToolTip("Widths of the hidden layers, comma-separated: 32, or 64,32")
        self.hidden.textEdited.connect(self._on_hidden)
        self.activation = QComboBox()
        self.activation.setAccessibleName("Activation")
        self.activation.addItems(["relu", "tanh"])
        self.activation.currentTextChanged.connect(lambda t: self._set("activation", t))
        net.addWidget(self.hidden, 1)
        net.addWidget(self.activation)
        label = QLabel("&Hidden")
        label.setBuddy(self.hidden)
        form.addRow(label, net)

        self.init_scale = NumberField("init scale", float, lambda v: None if 0 < v <= 1000 else "between 0 and 1000")
        self.init_scale.set_help("Multiplies torch's default nn.Linear initialisation: 1 is torch's; "
                                 "10 makes the activations explode (the NaN row of the chapter's table).")
        self.init_scale.edited.connect(lambda v: self._on_value("init_scale", v, self.init_scale))
        label = QLabel("&Init scale")
        label.setBuddy(self.init_scale)
        form.addRow(label, self.init_scale)

        loop = QHBoxLayout()
        self.batch = NumberField("batch size", int, lambda v: None if 1 <= v <= 100_000 else "at least 1")
        self.batch.set_help("Rows per minibatch; the rows are reshuffled every epoch from the seed.")
        self.batch.edited.connect(lambda v: self._on_value("batch_size", v, self.batch))
        self.epochs = NumberField("epochs", int, lambda v: None if 1 <= v <= 10_000 else "between 1 and 10000")
        self.epochs.set_help("Passes over the training rows.")
        self.epochs.edited.connect(lambda v: self._on_value("epochs", v, self.epochs))
        loop.addWidget(self.batch)
        loop.addWidget(QLabel("epochs"))
        loop.addWidget(self.epochs)
        label = QLabel("&Batch")
        label.setBuddy(self.batch)
        form.addRow(label, loop)
        self.steps_label = QLabel()
        self.steps_label.setAccessibleName("Steps of the run")
        form.addRow("", self.steps_label)

        val = QHBoxLayout()
        self.val_fraction = NumberField("validation share", float,
                                        lambda v: None if 0 <= v < 1 else "from 0 up to (not including) 1")
        self.val_fraction.set_help("Share of the rows held out for validation (0.2 = 20 %).")
        self.val_fraction.edited.connect(lambda v: self._on_value("val_fraction", v, self.val_fraction))
        self.augment = QCheckBox("augment")
        self.augment.setAccessibleName("Augment the training inputs")
        self.augment.setToolTip("digits: a random 1-pixel shift of each image; moons: a little noise on "
                                "each input. Drawn afresh every step.")
        self.augment.toggled.connect(lambda c: self._set("augment", bool(c)))
        val.addWidget(self.val_fraction)
        val.addWidget(self.augment)
        label = QLabel("&Validation")
        label.setBuddy(self.val_fraction)
        form.addRow(label, val)

        stop = QHBoxLayout()
        self.early = QCheckBox("early stop, patience")
        self.early.setToolTip("Stop a lane when its validation loss has not improved for this many epochs.")
        self.early.toggled.connect(self._on_early)
        self.patience = QSpinBox()
        self.patience.setRange(1, 1000)
        self.patience.setAccessibleName("Early-stopping patience in epochs")
        self.patience.valueChanged.connect(self._on_early)
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.seed.setPrefix("seed ")
        self.seed.setAccessibleName("Seed")
        self.seed.setToolTip("One seed for the data, the split, the initial weights, the minibatch order "
                             "and the augmentation: every lane gets the same.")
        self.seed.valueChanged.connect(lambda v: self._set("seed", int(v)))
        stop.addWidget(self.early)
        stop.addWidget(self.patience)
        stop.addStretch(1)
        form.addRow("", stop)
        form.addRow("Seed", self.seed)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_COLOR};")
        self.message.setAccessibleName("Problems with the values")
        self.message.hide()
        form.addRow(self.message)
        for f in (self.moons_n, self.moons_noise, self.init_scale, self.batch, self.epochs, self.val_fraction):
            f.setMinimumWidth(44)
        self.hidden.setMinimumWidth(50)
        self.steps_label.setWordWrap(True)
        self.load(state)

    # ------------------------------------------------------------ loading
    def load(self, state: LabState) -> None:
        self.state = state
        self.errors = {}
        for w, value in ((self.dataset, state.dataset),):
            with QSignalBlocker(w):
                w.setCurrentIndex(max(0, w.findData(value)))
        self.moons_n.set_value(int(state.moons_n))
        self.moons_noise.set_value(float(state.moons_noise))
        self.hidden.setText(", ".join(str(h) for h in state.hidden))
        self.hidden.setStyleSheet(field_style(False))
        with QSignalBlocker(self.activation):
            self.activation.setCurrentText(state.activation)
        self.init_scale.set_value(float(state.init_scale))
        self.batch.set_value(int(state.batch_size))
        self.epochs.set_value(int(state.epochs))
        self.val_fraction.set_value(float(state.val_fraction))
        with QSignalBlocker(self.augment):
            self.augment.setChecked(bool(state.augment))
        with QSignalBlocker(self.early), QSignalBlocker(self.patience):
            self.early.setChecked(state.early_stop is not None)
            self.patience.setValue(int(state.early_stop or 5))
        self.patience.setEnabled(state.early_stop is not None)
        with QSignalBlocker(self.seed):
            self.seed.setValue(int(state.seed))
        self._refresh()

    def _refresh(self) -> None:
        moons = self.state.dataset == "moons"
        self.form.setRowVisible(self._moons_row, moons)
        try:
            spe = lab_model.steps_per_epoch(self.state)
            total = spe * int(self.state.epochs)
            self.steps_label.setText(f"= {spe} steps per epoch, {total} steps in all")
        except (ValueError, ZeroDivisionError):
            self.steps_label.setText("")
        problem = None
        if not self.errors:
            try:
                self.state.spec().check()
                lab_model.total_steps(self.state)
            except (ValueError, TypeError) as exc:
                problem = str(exc)
        shown = list(self.errors.values()) + ([problem] if problem else [])
        if shown:
            self.message.setText("\n".join(f"• {m}" for m in shown))
            self.message.show()
        else:
            self.message.hide()

    @property
    def valid(self) -> bool:
        return not self.errors

    # ------------------------------------------------------------ edits
    def _set(self, name: str, value) -> None:
        setattr(self.state, name, value)
        self.errors.pop(name, None)
        self._refresh()
        self.changed.emit()

    def _on_value(self, name: str, value, field: NumberField) -> None:
        if value is None:
            self.errors[name] = field.error or f"{name}: invalid"
            self._refresh()
            return
        self._set(name, value)

    def _on_dataset(self, _i: int) -> None:
        self._set("dataset", self.dataset.currentData())

    def _on_hidden(self, text: str) -> None:
        try:
            hidden = parse_hidden(text)
        except ValueError as exc:
            self.errors["hidden"] = str(exc)
            self.hidden.setStyleSheet(field_style(True))
            self.hidden.setToolTip(str(exc))
            self._refresh()
            return
        self.hidden.setStyleSheet(field_style(False))
        self.hidden.setToolTip("Widths of the hidden layers, comma-separated: 32, or 64,32")
        self._set("hidden", hidden)

    def _on_early(self, *_args) -> None:
        on = self.early.isChecked()
        self.patience.setEnabled(on)
        self._set("early_stop", int(self.patience.value()) if on else None)


class SymptomPanel(QScrollArea):
    """The detector's findings for every lane, each first check one click from its lever."""

    #: apply ``lever`` to lane ``lane`` and train again
    leverClicked = Signal(int, object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        quiet_scroll(self, "Symptoms found in the run")  # its buttons are the Tab stops
        self._signature: tuple | None = None
        self.evidence: dict[tuple[int, str], QLabel] = {}
        self.buttons: dict[tuple[int, str], list[QPushButton]] = {}
        self.show_symptoms({}, [])

    def show_symptoms(self, symptoms: dict[int, list[_symptoms.Symptom]], lanes: list[LabLane],
                      running: bool = False) -> None:
        found = [(k, s) for k in sorted(symptoms) for s in symptoms[k] if k < len(lanes)]
        signature = (tuple((k, s.key, tuple(l.label for l in s.checks)) for k, s in found),
                     tuple(l.label for l in lanes), bool(found) or running)
        if signature == self._signature:
            for k, s in found:  # the numbers move every epoch; the layout does not
                label = self.evidence.get((k, s.key))
                if label is not None and label.text() != s.evidence:
                    label.setText(s.evidence)
            return
        self._signature = signature
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(6)
        self.evidence, self.buttons = {}, {}
        if not found:
            intro = QLabel(
                "<b>No symptom so far.</b><br>While a run trains, the detector watches every lane "
                "for the chapter's debugging table:<ul style='margin-left:-20px'>"
                "<li><b>early divergence or NaN</b>: the loss blows up in the first epochs;</li>"
                "<li><b>oscillation</b>: the training loss keeps rising and falling;</li>"
                "<li><b>updates fading</b>: the update-to-weight ratio collapses while the loss is high;</li>"
                "<li><b>validation stagnating</b> while the training loss still falls.</li></ul>"
                "When one appears it is named here with the first checks, each a button that "
                "changes that setting and trains again. The presets reproduce each row.")
            intro.setWordWrap(True)
            intro.setTextFormat(Qt.TextFormat.RichText)
            layout.addWidget(intro)
        for k, s in found:
            lane = lanes[k]
            box = QFrame()
            box.setFrameShape(QFrame.Shape.StyledPanel)
            box.setAccessibleName(f"{s.title} in {lane.label}")
            bv = QVBoxLayout(box)
            bv.setContentsMargins(6, 4, 6, 6)
            bv.setSpacing(3)
            head = QLabel(f"<span style='color:{lane.color}'>■</span> <b>{html.escape(s.title)}</b>"
                          f" — {html.escape(lane.label)}")
            head.setTextFormat(Qt.TextFormat.RichText)
            head.setWordWrap(True)
            bv.addWidget(head)
            ev = QLabel(s.evidence)
            ev.setWordWrap(True)
            ev.setAccessibleName("What the numbers show")
            bv.addWidget(ev)
            self.evidence[(k, s.key)] = ev
            first = QLabel("<i>First checks (click one to apply it and train again):</i>")
            first.setTextFormat(Qt.TextFormat.RichText)
            first.setWordWrap(True)
            bv.addWidget(first)
            buttons = []
            for lever in s.checks:
                row = QHBoxLayout()
                row.setSpacing(6)
                b = QPushButton(lever.label)
                b.setAccessibleName(f"Apply: {lever.label} to {lane.label}")
                shared = lab_model.lever_target(lever) == "all"
                tip = lever.why + (" (a shared setting: it changes every lane)" if shared else "")
                b.setToolTip(tip)
                b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
                b.clicked.connect(lambda _=False, k=k, lever=lever: self.leverClicked.emit(k, lever))
                why = QLabel(html.escape(lever.why) + (" <i>(every lane)</i>" if shared else ""))
                why.setTextFormat(Qt.TextFormat.RichText)
                why.setWordWrap(True)
                why.setMinimumWidth(60)
                row.addWidget(b)
                row.addWidget(why, 1)
                bv.addLayout(row)
                buttons.append(b)
            self.buttons[(k, s.key)] = buttons
            layout.addWidget(box)
        layout.addStretch(1)
        self.setWidget(body)

    def found(self) -> list[tuple[int, str]]:
        return list(self.evidence)


class LabNotebookPanel(NotebookPanel):
    """The lab notebook, training runs only, with the chapter's record as columns."""

    COLUMNS = ("id", "optimizer", "lr", "batch_size", "weight_decay", "seed", "scheduler", "result",
               "changed", "data")
    HEADERS = ("#", "optimizer", "lr", "batch", "wd", "seed", "scheduler", "result", "Δ", "data, model")

    def __init__(self, get_notebook: Callable[[], Notebook], parent: QWidget | None = None):
        super().__init__(get_notebook, parent)
        self.table.setColumnCount(len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.horizontalHeaderItem(self.COLUMNS.index("changed")).setToolTip(
            "How many settings changed since the run before it (1 = a clean one-knob experiment)")
        self.load_button.setAccessibleName("Load the selected runs into the lab")
        self.race_button.setText("Load its &race")

    def refresh(self, force: bool = False) -> None:
        if not force and not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        nb = self.notebook
        if nb.persistent:
            self.status.setText(f"Every training run is recorded in {getattr(nb.store, 'path', '')}. "
                                "Select two to see which knobs changed.")
        else:
            self.status.setText("Runs are kept for this session only" + (f": {nb.reason}" if nb.reason else "."))
        try:
            self._entries = [e for e in nb.runs(limit=400) if lab_model.is_training_run(e)][:200]
        except Exception as exc:  # a broken file must not take the page down
            self._entries = []
            self.status.setText(f"Cannot read the notebook: {exc}")
        selected = set(self.selected_ids())
        self.table.setRowCount(len(self._entries))
        for r, entry in enumerate(self._entries):
            cells = lab_model.notebook_row(entry)
            for c, key in enumerate(self.COLUMNS):
                item = QTableWidgetItem(cells[key])
                item.setData(Qt.ItemDataRole.UserRole, entry.id)
                label = (entry.outcome or {}).get("label") or ""
                item.setToolTip(f"run {entry.id}" + (f" “{label}”" if label else "")
                                + (f", race {entry.group}" if entry.group else ""))
                self.table.setItem(r, c, item)
            if entry.id in selected:
                self.table.selectRow(r)
        self._on_selection()
