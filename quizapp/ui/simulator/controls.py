"""The simulator's control panel: surface and start, the list of optimizers (lanes) and
the editor of the selected lane.

Every entry field checks its text as it is typed. An invalid value is marked at the
field (red frame, the reason in its tooltip and in the panel's message line) and is
not applied: the page keeps showing the last valid run until the value is fixed.
"""
from __future__ import annotations

import copy
import math
from typing import Any, Callable

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox, QColorDialog, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QMenu, QPushButton, QSizePolicy, QSlider,
    QSpinBox, QToolButton, QVBoxLayout, QWidget,
)

from quizapp import optim
from quizapp.optim import schedules as _schedules
from quizapp.ui.simulator import model as sim_model
from quizapp.ui.simulator.model import Lane, SimState
from quizapp.ui.shared.a11y import tab_after
from quizapp.ui.shared.theme import ERROR_COLOR, OK_COLOR, field_style

LR_MIN_EXP, LR_MAX_EXP = -6.0, 1.0  # the slider spans 1e-6 .. 10
SLIDER_TICKS = 700


def parse_float(text: str, name: str) -> float:
    text = text.strip().replace(",", ".") if text.count(",") == 1 and "." not in text else text.strip()
    if not text:
        raise ValueError(f"{name}: enter a number")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be a finite number")
    return value


def parse_int(text: str, name: str) -> int:
    value = parse_float(text, name)
    if not value.is_integer():
        raise ValueError(f"{name}: must be a whole number")
    return int(value)


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.6g}"
    return f"{value:.6g}"


class NumberField(QLineEdit):
    """A line edit for one number; says at the field what is wrong with its text."""

    #: a valid value was typed
    edited = Signal(object)

    def __init__(self, name: str, kind: type = float, check: Callable[[Any], str | None] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.kind = kind
        self.check = check
        self.error: str | None = None
        self._help = ""
        self.setAccessibleName(name)
        self.setClearButtonEnabled(False)
        self.setMinimumWidth(60)
        self.textEdited.connect(self._on_edit)

    def set_help(self, text: str) -> None:
        self._help = text
        if self.error is None:
            self.setToolTip(text)
        self.setAccessibleDescription(text)

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self):
            self.setText(format_value(value))
        self.set_error(None)

    def value(self) -> Any:
        parse = parse_int if self.kind is int else parse_float
        value = parse(self.text(), self.name)
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise ValueError(f"{self.name}: {problem}")
        return value

    def set_error(self, message: str | None) -> None:
        self.error = message
        self.setStyleSheet(field_style(message is not None))
        self.setToolTip(message if message else self._help)
        self.setAccessibleDescription(message if message else self._help)

    def _on_edit(self, _text: str) -> None:
        try:
            value = self.value()
        except ValueError as exc:
            self.set_error(str(exc))
            self.edited.emit(None)  # tells the owner the field is now invalid
            return
        self.set_error(None)
        self.edited.emit(value)


class LogSlider(QSlider):
    """A horizontal slider on a log scale (for the learning rate)."""

    valueEdited = Signal(float)

    def __init__(self, lo_exp: float = LR_MIN_EXP, hi_exp: float = LR_MAX_EXP, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.lo_exp, self.hi_exp = lo_exp, hi_exp
        self.setRange(0, SLIDER_TICKS)
        self.setSingleStep(10)  # 0.1 decade per arrow key
        self.setPageStep(100)  # one decade per page key
        self.sliderMoved.connect(self._moved)
        self.actionTriggered.connect(lambda _a: QTimer.singleShot(0, self._emit_current))

    def event(self, event) -> bool:  # keep the arrow keys for the slider while it has focus
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in (
                Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
                Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End):
            event.accept()
            return True
        return super().event(event)

    def to_value(self, position: int) -> float:
        exp = self.lo_exp + (self.hi_exp - self.lo_exp) * position / SLIDER_TICKS
        return float(f"{10 ** exp:.3g}")

    def set_log_value(self, value: float) -> None:
        if not (value > 0 and math.isfinite(value)):
            return
        exp = min(max(math.log10(value), self.lo_exp), self.hi_exp)
        with QSignalBlocker(self):
            self.setValue(round((exp - self.lo_exp) / (self.hi_exp - self.lo_exp) * SLIDER_TICKS))

    def _moved(self, position: int) -> None:
        self.valueEdited.emit(self.to_value(position))

    def _emit_current(self) -> None:
        if not self.isSliderDown():
            self.valueEdited.emit(self.to_value(self.value()))


class ArrowKeySlider(QSlider):
    """A slider that keeps its arrow keys (the window uses Right for 'step')."""

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in (
                Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            event.accept()
            return True
        return super().event(event)


def color_icon(color: str, size: int = 14) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(color))
    return QIcon(pix)


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setContentsMargins(6, 4, 6, 4)
    form.setHorizontalSpacing(8)
    form.setVerticalSpacing(4)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return form


# ---------------------------------------------------------------- the surface


class SurfacePanel(QGroupBox):
    """Surface picker (with the custom formula), regression options, start and steps."""

    #: something valid changed; ``surface`` is True when the map must be redrawn
    changed = Signal(bool)

    def __init__(self, state: SimState, parent: QWidget | None = None):
        super().__init__("Surface", parent)
        self.state = state
        form = _form()
        self.setLayout(form)
        self.combo = QComboBox()
        self.combo.setAccessibleName("Surface")
        for name in sim_model.SURFACE_CHOICES:
            label = "custom formula…" if name == "custom" else name.replace("_", " ")
            self.combo.addItem(label, name)
        self.combo.currentIndexChanged.connect(self._on_surface)
        form.addRow("&Surface", self.combo)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setAccessibleName("Surface description")
        form.addRow(self.description)

        self.formula = QLineEdit()
        self.formula.setAccessibleName("Custom formula in x and y")
        self.formula.setPlaceholderText("e.g. x^2 + 3*y^2")
        self.formula.setToolTip("A formula in x and y: + - * / ^, sin cos exp log sqrt abs tanh …, pi, e")
        self.formula.textEdited.connect(self._on_formula)
        self.formula_feedback = QLabel()
        self.formula_feedback.setWordWrap(True)
        self.formula_feedback.setAccessibleName("Formula feedback")
        self.formula_label = QLabel("&Formula")
        self.formula_label.setBuddy(self.formula)
        form.addRow(self.formula_label, self.formula)
        form.addRow(self.formula_feedback)
        self._formula_timer = QTimer(self, singleShot=True, interval=250)
        self._formula_timer.timeout.connect(lambda: self.changed.emit(True))

        self.samples = NumberField("samples", int, lambda v: None if 2 <= v <= 100_000 else "between 2 and 100000")
        self.samples.set_help("How many data points the line is fitted to.")
        self.samples.edited.connect(self._on_samples)
        self.data_seed = QSpinBox()
        self.data_seed.setRange(0, 1_000_000)
        self.data_seed.setAccessibleName("Data seed")
        self.data_seed.setToolTip("Seed of the synthetic data set.")
        self.data_seed.valueChanged.connect(self._on_data_seed)
        self.samples_label = QLabel("Sa&mples")
        self.samples_label.setBuddy(self.samples)
        self.data_seed_label = QLabel("Data seed")
        self.data_seed_label.setBuddy(self.data_seed)
        form.addRow(self.samples_label, self.samples)
        form.addRow(self.data_seed_label, self.data_seed)

        start_row = QHBoxLayout()
        self.start_x = NumberField("start x")
        self.start_y = NumberField("start y")
        for f in (self.start_x, self.start_y):
            f.set_help("Start point; or click on the map, or drag the white dot.")
            f.edited.connect(self._on_start)
            start_row.addWidget(f)
        start_label = QLabel("S&tart")
        start_label.setBuddy(self.start_x)
        form.addRow(start_label, start_row)
        self.steps = NumberField("steps", int, lambda v: None if 1 <= v <= sim_model.MAX_STEPS
                                 else f"between 1 and {sim_model.MAX_STEPS}")
        self.steps.set_help("How many optimizer steps every lane takes.")
        self.steps.edited.connect(self._on_steps)
        steps_label = QLabel("Ste&ps")
        steps_label.setBuddy(self.steps)
        form.addRow(steps_label, self.steps)
        self.load(state)

    @property
    def errors(self) -> list[str]:
        out = [f.error for f in (self.start_x, self.start_y, self.steps) if f.error]
        if self.state.surface == "regression" and self.samples.error:
            out.append(self.samples.error)
        if self.state.surface == "custom" and self.formula_error:
            out.append(f"formula: {self.formula_error}")
        return out

    def load(self, state: SimState) -> None:
        self.state = state
        with QSignalBlocker(self.combo):
            self.combo.setCurrentIndex(max(0, self.combo.findData(state.surface)))
        with QSignalBlocker(self.formula):
            self.formula.setText(state.formula)
        self.samples.set_value(state.samples)
        with QSignalBlocker(self.data_seed):
            self.data_seed.setValue(state.data_seed)
        self.set_start(*state.start)
        self.steps.set_value(state.steps)
        self.formula_error = None
        self._refresh()

    def set_start(self, x: float, y: float) -> None:
        self.start_x.set_value(float(f"{x:.4g}") if abs(x) >= 1e-4 else x)
        self.start_y.set_value(float(f"{y:.4g}") if abs(y) >= 1e-4 else y)

    def _refresh(self) -> None:
        name = self.state.surface
        custom, regression = name == "custom", name == "regression"
        for w in (self.formula_label, self.formula, self.formula_feedback):
            w.setVisible(custom)
        for w in (self.samples_label, self.samples, self.data_seed_label, self.data_seed):
            w.setVisible(regression)
        if custom:
            self._check_formula(self.formula.text())
            self.description.setText("Your own surface: the gradient is exact (automatic differentiation).")
        elif regression:
            self.description.setText(
                f"Fit a line y = w·x + b to {self.state.samples} points; the map shows the loss "
                "over the whole data set. Each optimizer picks its own batch size below.")
        else:
            try:
                surface = sim_model.build_surface(self.state)
                self.description.setText(surface.description)
            except ValueError as exc:
                self.description.setText(str(exc))

    def _check_formula(self, text: str) -> bool:
        ok, message = sim_model.check_formula(text)
        self.formula_error = None if ok else message
        self.formula_feedback.setText(message)
        self.formula_feedback.setStyleSheet(f"color: {OK_COLOR if ok else ERROR_COLOR};")
        self.formula.setStyleSheet(field_style(not ok))
        self.formula.setToolTip(message)
        return ok

    def _on_surface(self, _index: int) -> None:
        self.state.surface = self.combo.currentData()
        self.state.preset = None
        self._refresh()  # checks the formula when the surface is custom
        if self.state.surface == "custom" and self.formula_error:
            self.changed.emit(False)
            return
        try:
            surface = sim_model.build_surface(self.state)
        except ValueError:
            self.changed.emit(False)
            return
        self.state.start = tuple(surface.start)
        self.set_start(*surface.start)
        self.changed.emit(True)

    def _on_formula(self, text: str) -> None:
        if self._check_formula(text):
            self.state.formula = text
            self.state.preset = None
            self._formula_timer.start()
        else:
            self.changed.emit(False)  # let the page show that it waits

    def _on_samples(self, value) -> None:
        if value is None:
            self.changed.emit(False)
            return
        self.state.samples = int(value)
        self._refresh()
        self.changed.emit(True)

    def _on_data_seed(self, value: int) -> None:
        self.state.data_seed = int(value)
        self.changed.emit(True)

    def _on_start(self, _value) -> None:
        try:
            x, y = self.start_x.value(), self.start_y.value()
        except ValueError:
            self.changed.emit(False)
            return
        self.state.start = (x, y)
        self.changed.emit(False)

    def _on_steps(self, value) -> None:
        if value is not None:
            self.state.steps = int(value)
        self.changed.emit(False)


# ---------------------------------------------------------------- the lanes


class LaneList(QWidget):
    """The optimizers of the race: add, duplicate, remove; tick to show or hide."""

    selectionChanged = Signal(int)
    addRequested = Signal(str)
    duplicateRequested = Signal()
    removeRequested = Signal()
    visibilityChanged = Signal(int, bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.list = QListWidget()
        self.list.setAccessibleName("Optimizers in the race")
        self.list.setToolTip("Tick to show or hide a lane; select it to edit it below.")
        self.list.setMaximumHeight(130)
        self.list.currentRowChanged.connect(self.selectionChanged)
        self.list.itemChanged.connect(self._on_item_changed)
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.add_button = QToolButton()
        self.add_button.setText("&Add")
        self.add_button.setToolTip("Add an optimizer to the race")
        self.add_button.setAccessibleName("Add optimizer")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        for name in optim.OPTIMIZERS:
            action = menu.addAction(f"{sim_model.display_name(name)}  ({name})")
            action.triggered.connect(lambda _=False, n=name: self.addRequested.emit(n))
        self.add_button.setMenu(menu)
        self.duplicate_button = QPushButton("D&uplicate")
        self.duplicate_button.setAccessibleName("Duplicate optimizer")
        self.duplicate_button.setToolTip("Copy the selected lane (then change one knob)")
        self.duplicate_button.clicked.connect(self.duplicateRequested)
        self.remove_button = QPushButton("Remo&ve")
        self.remove_button.setAccessibleName("Remove optimizer")
        self.remove_button.clicked.connect(self.removeRequested)
        for b in (self.add_button, self.duplicate_button, self.remove_button):
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            buttons.addWidget(b)
        layout.addLayout(buttons)

    def set_lanes(self, lanes: list[Lane], current: int, errors: dict[int, dict] | None = None) -> None:
        with QSignalBlocker(self.list):
            self.list.clear()
            for i, lane in enumerate(lanes):
                bad = bool(errors and errors.get(i))
                text = f"{lane.label}  ·  {lane.optimizer}, lr {format_value(lane.lr)}"
                if bad:
                    text += "  (invalid)"
                item = QListWidgetItem(color_icon(lane.color), text)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if lane.visible else Qt.CheckState.Unchecked)
                item.setToolTip(f"{lane.label}: {lane.optimizer}")
                self.list.addItem(item)
            if lanes:
                self.list.setCurrentRow(min(max(current, 0), len(lanes) - 1))
        full = len(lanes) >= sim_model.MAX_LANES
        self.add_button.setEnabled(not full)
        self.duplicate_button.setEnabled(bool(lanes) and not full)
        self.remove_button.setEnabled(len(lanes) > 1)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        self.visibilityChanged.emit(self.list.row(item), item.checkState() == Qt.CheckState.Checked)


class LaneEditor(QGroupBox):
    """Everything about one lane: optimizer, colour, knobs, schedule, clipping, noise."""

    #: the lane changed (valid values only); the page recomputes it
    changed = Signal()
    #: the set of invalid fields changed (the page shows "waiting")
    validityChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Selected optimizer", parent)
        self.state: SimState | None = None
        self.lane: Lane | None = None
        self.errors: dict[str, str] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)
        form = _form()
        outer.addLayout(form)

        top = QHBoxLayout()
        self.optimizer = QComboBox()
        self.optimizer.setAccessibleName("Optimizer")
        for name in optim.OPTIMIZERS:
            self.optimizer.addItem(sim_model.display_name(name), name)
        self.optimizer.currentIndexChanged.connect(self._on_optimizer)
        self.color_button = QPushButton()
        self.color_button.setAccessibleName("Lane colour")
        self.color_button.setToolTip("Choose this lane's colour")
        self.color_button.setFixedWidth(34)
        self.color_button.clicked.connect(self._on_color)
        top.addWidget(self.optimizer, 1)
        top.addWidget(self.color_button)
        opt_label = QLabel("&Optimizer")
        opt_label.setBuddy(self.optimizer)
        form.addRow(opt_label, top)
        self.label_edit = QLineEdit()
        self.label_edit.setAccessibleName("Lane label")
        self.label_edit.setMaxLength(40)
        self.label_edit.textEdited.connect(self._on_label)
        form.addRow("Label", self.label_edit)

        lr_row = QHBoxLayout()
        self.lr_slider = LogSlider()
        self.lr_slider.setAccessibleName("Learning rate (log scale)")
        self.lr_slider.setToolTip(optim.HYPER_HELP["lr"] + " Slider: log scale, 1e-6 to 10.")
        self.lr_slider.valueEdited.connect(self._on_lr_slider)
        self.lr_field = NumberField("lr")
        self.lr_field.set_help(optim.HYPER_HELP["lr"] + " Type any exact value.")
        self.lr_field.setMaximumWidth(90)
        self.lr_field.edited.connect(lambda v: self._on_hyper("lr", v))
        lr_row.addWidget(self.lr_slider, 1)
        lr_row.addWidget(self.lr_field)
        lr_label = QLabel("η  l&r")
        lr_label.setBuddy(self.lr_field)
        lr_label.setToolTip(optim.HYPER_HELP["lr"])
        form.addRow(lr_label, lr_row)

        self.hyper_box = QWidget()
        self.hyper_form = _form()
        self.hyper_form.setContentsMargins(0, 0, 0, 0)
        self.hyper_box.setLayout(self.hyper_form)
        form.addRow(self.hyper_box)
        self.hyper_fields: dict[str, QWidget] = {}

        sched_row = QHBoxLayout()
        self.schedule = QComboBox()
        self.schedule.setAccessibleName("Learning-rate schedule")
        for name in _schedules.SCHEDULES:
            label = {"warmup_cosine": "warmup + cosine", "linear": "linear (warmup ramp)"}.get(name, name)
            self.schedule.addItem(label, name)
            self.schedule.setItemData(self.schedule.count() - 1, sim_model.SCHEDULE_HELP[name],
                                      Qt.ItemDataRole.ToolTipRole)
        self.schedule.currentIndexChanged.connect(self._on_schedule)
        sched_row.addWidget(self.schedule, 1)
        sched_label = QLabel("Sc&hedule")
        sched_label.setBuddy(self.schedule)
        form.addRow(sched_label, sched_row)
        self.sched_box = QWidget()
        self.sched_form = _form()
        self.sched_form.setContentsMargins(0, 0, 0, 0)
        self.sched_box.setLayout(self.sched_form)
        form.addRow(self.sched_box)
        self.sched_fields: dict[str, NumberField] = {}
        # The lr-by-step preview is built the first time a schedule other than
        # "constant" is chosen (a flat line says nothing, and a figure costs start-up time).
        self.preview = None
        self._form = form
        self._preview_row = form.rowCount()

        clip_row = QHBoxLayout()
        self.clip_check = QCheckBox("clip to")
        self.clip_check.setAccessibleName("Clip the gradient norm")
        self.clip_check.setToolTip("Rescale the gradient so its length is at most the max norm "
                                   "(torch.nn.utils.clip_grad_norm_).")
        self.clip_check.toggled.connect(self._on_clip)
        self.clip_field = NumberField("clip norm", float, lambda v: None if v > 0 else "must be > 0")
        self.clip_field.set_help("Largest gradient length allowed.")
        self.clip_field.edited.connect(lambda _v: self._on_clip(self.clip_check.isChecked()))
        clip_row.addWidget(self.clip_check)
        clip_row.addWidget(self.clip_field, 1)
        form.addRow("Clipping", clip_row)

        noise_row = QHBoxLayout()
        self.noise_field = NumberField("noise σ", float, lambda v: None if v >= 0 else "must be >= 0")
        self.noise_field.set_help("Gaussian noise added to every gradient (standard deviation); "
                                  "mimics minibatch noise.")
        self.noise_field.edited.connect(self._on_noise)
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.seed.setAccessibleName("Noise seed")
        self.seed.setToolTip("Seed of the gradient noise (same seed, same noise).")
        self.seed.setPrefix("seed ")
        self.seed.valueChanged.connect(self._on_seed)
        noise_row.addWidget(self.noise_field, 1)
        noise_row.addWidget(self.seed)
        noise_label = QLabel("Noise σ")
        noise_label.setBuddy(self.noise_field)
        form.addRow(noise_label, noise_row)

        batch_row = QHBoxLayout()
        self.batch = NumberField("batch size", int)
        self.batch.set_help("Points per minibatch: each step sees the gradient of one minibatch.")
        self.batch.edited.connect(self._on_batch)
        self.epoch_label = QLabel()
        self.epoch_label.setAccessibleName("Steps per epoch")
        batch_row.addWidget(self.batch, 1)
        batch_row.addWidget(self.epoch_label)
        self.batch_label = QLabel("&Batch size")
        self.batch_label.setBuddy(self.batch)
        form.addRow(self.batch_label, batch_row)
        self._batch_widgets = (self.batch_label, self.batch, self.epoch_label)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Problems with the values")
        self.message.setStyleSheet(f"color: {ERROR_COLOR};")
        self.message.hide()
        outer.addWidget(self.message)

    # ----------------------------------------------------------------- loading

    def load(self, state: SimState, lane: Lane | None) -> None:
        self.state, self.lane = state, lane
        self.draft = copy.deepcopy(lane)
        self.errors = {}
        self.setEnabled(lane is not None)
        if lane is None:
            return
        with QSignalBlocker(self.optimizer):
            self.optimizer.setCurrentIndex(self.optimizer.findData(lane.optimizer))
        self.label_edit.setText(lane.label)
        self._paint_color()
        self._build_hyper_fields()
        sched = (lane.schedule or {}).get("name", "constant")
        with QSignalBlocker(self.schedule):
            self.schedule.setCurrentIndex(self.schedule.findData(sched))
        self._build_schedule_fields()
        with QSignalBlocker(self.clip_check):
            self.clip_check.setChecked(lane.clip_norm is not None)
        self.clip_field.set_value(lane.clip_norm if lane.clip_norm is not None else 1.0)
        self.clip_field.setEnabled(lane.clip_norm is not None)
        self.noise_field.set_value(lane.noise)
        with QSignalBlocker(self.seed):
            self.seed.setValue(int(lane.seed))
        self.refresh_surface()
        self._show_errors()

    def refresh_surface(self) -> None:
        """Show or hide the batch size (regression only) and update steps per epoch."""
        if self.state is None or self.lane is None:
            return
        regression = self.state.surface == "regression"
        for w in self._batch_widgets:
            w.setVisible(regression)
        if regression:
            batch = self.draft.batch_size or sim_model.surface_options(self.state, self.draft)["batch_size"]
            self.batch.set_value(int(batch))
            self._update_epoch(int(batch))
        self._update_preview()

    def _paint_color(self) -> None:
        self.color_button.setIcon(color_icon(self.lane.color, 16))

    def _build_hyper_fields(self) -> None:
        while self.hyper_form.rowCount():
            self.hyper_form.removeRow(0)
        self.hyper_fields = {}
        lane = self.draft
        self.lr_field.set_value(lane.lr)
        self.lr_slider.set_log_value(lane.lr)
        for name, default in optim.defaults(lane.optimizer).items():
            if name == "lr":
                continue
            value = lane.hyper.get(name, default)
            help_text = optim.HYPER_HELP.get(name, name)
            if isinstance(default, bool):
                widget = QCheckBox()
                widget.setChecked(bool(value))
                widget.setAccessibleName(name)
                widget.setToolTip(help_text)
                widget.toggled.connect(lambda checked, n=name: self._on_hyper(n, bool(checked)))
            else:
                widget = NumberField(name)
                widget.set_help(help_text)
                widget.set_value(value)
                widget.edited.connect(lambda v, n=name: self._on_hyper(n, v))
            label = QLabel(_symbol(name))
            label.setToolTip(help_text)
            label.setBuddy(widget)
            self.hyper_form.addRow(label, widget)
            self.hyper_fields[name] = widget
        tab_after(self.lr_field, [w for n, w in self.hyper_fields.items()])  # Tab: where they are drawn
        self.hyper_fields["lr"] = self.lr_field

    def _build_schedule_fields(self) -> None:
        while self.sched_form.rowCount():
            self.sched_form.removeRow(0)
        self.sched_fields = {}
        sched = self.draft.schedule or {"name": "constant", "args": {}}
        self.schedule.setToolTip(sim_model.SCHEDULE_HELP[sched["name"]])
        for name, value in sched.get("args", {}).items():
            kind = int if name in ("step_size", "T_max", "total_iters", "warmup_steps", "total_steps") else float
            field = NumberField(name, kind)
            field.set_help(sim_model.SCHEDULE_ARG_HELP.get(name, name))
            field.set_value(value)
            field.edited.connect(lambda v, n=name: self._on_schedule_arg(n, v))
            label = QLabel(name)
            label.setBuddy(field)
            self.sched_form.addRow(label, field)
            self.sched_fields[name] = field
        tab_after(self.schedule, list(self.sched_fields.values()))
        self.sched_box.setVisible(bool(self.sched_fields))
        self._update_preview()

    # ----------------------------------------------------------------- editing

    def _commit(self, candidate: Lane, field: str | None = None) -> None:
        """Apply the draft if the engine accepts it; else mark the field at fault.

        The draft keeps a refused value (say nesterov on while momentum is 0), so fixing
        the other field later applies both.
        """
        errors = sim_model.validate_lane(self.state, candidate)
        typed = {k: v for k, v in self.errors.items() if k.startswith("typed:")}
        if field is not None:
            typed.pop(f"typed:{field}", None)
        self.errors = {**typed, **errors}
        if not errors:
            self._apply_draft()
        self._show_errors()
        if not errors and not typed:
            self.changed.emit()
        self.validityChanged.emit()

    def _typed_error(self, field: str, message: str) -> None:
        self.errors[f"typed:{field}"] = message
        self._show_errors()
        self.validityChanged.emit()

    def _candidate(self) -> Lane:
        """The draft: what the fields show (valid numbers), applied to the lane when the engine agrees."""
        return self.draft

    def _apply_draft(self) -> None:
        for key, value in vars(copy.deepcopy(self.draft)).items():
            if key != "visible":  # the lane list owns visibility
                setattr(self.lane, key, value)

    def _on_optimizer(self, _index: int) -> None:
        name = self.optimizer.currentData()
        lane = self.draft
        old_default = sim_model.display_name(lane.optimizer)
        keep_lr = lane.lr
        new_hyper = optim.defaults(name)
        new_hyper["lr"] = keep_lr
        for key in new_hyper:  # carry over knobs that both optimizers share
            if key in lane.hyper and key != "lr" and type(lane.hyper[key]) is type(new_hyper[key]):
                new_hyper[key] = lane.hyper[key]
        candidate = self.draft
        candidate.optimizer = name
        candidate.hyper = new_hyper
        if candidate.label in (old_default, "") or candidate.label == lane.optimizer:
            candidate.label = sim_model.display_name(name)
        self.errors = {}
        errors = sim_model.validate_lane(self.state, candidate)
        if errors:  # e.g. a carried-over value the new optimizer refuses: take its defaults
            candidate.hyper = dict(optim.defaults(name), lr=keep_lr)
        self._apply_draft()
        self.label_edit.setText(lane.label)
        self._build_hyper_fields()
        self._show_errors()
        self.changed.emit()
        self.validityChanged.emit()

    def _on_label(self, text: str) -> None:
        self.lane.label = self.draft.label = text.strip() or sim_model.display_name(self.lane.optimizer)
        self.changed.emit()

    def _on_color(self) -> None:
        color = self.ask_color(self.lane.color, self)
        if color:
            self.lane.color = self.draft.color = color
            self._paint_color()
            self._update_preview()
            self.changed.emit()

    @classmethod
    def ask_color(cls, current: str, parent: QWidget) -> str | None:
        """Ask for a colour (tests replace this)."""
        color = QColorDialog.getColor(QColor(current), parent, "Lane colour")
        return color.name() if color.isValid() else None

    def _on_hyper(self, name: str, value) -> None:
        if value is None:
            field = self.hyper_fields.get(name)
            self._typed_error(name, field.error if isinstance(field, NumberField) else f"{name}: invalid")
            return
        if name == "lr":
            self.lr_slider.set_log_value(value)
        candidate = self._candidate()
        candidate.hyper[name] = value
        self._commit(candidate, name)
        self._update_preview()

    def _on_lr_slider(self, value: float) -> None:
        self.lr_field.set_value(value)
        self._on_hyper("lr", value)

    def set_lr(self, value: float) -> None:
        """Set the learning rate from outside (the LR sweep)."""
        self.lr_field.set_value(value)
        self._on_hyper("lr", value)

    def _on_schedule(self, _index: int) -> None:
        name = self.schedule.currentData()
        candidate = self._candidate()
        candidate.schedule = None if name == "constant" else {
            "name": name, "args": sim_model.schedule_arg_defaults(name, self.state.steps)}
        self.errors = {k: v for k, v in self.errors.items() if not k.startswith(("schedule.", "typed:sched"))}
        self._build_schedule_fields()
        self._commit(self._candidate())

    def _on_schedule_arg(self, name: str, value) -> None:
        if value is None:
            self._typed_error(f"sched:{name}", self.sched_fields[name].error)
            return
        candidate = self._candidate()
        candidate.schedule["args"][name] = value
        self.errors.pop(f"typed:sched:{name}", None)
        self._commit(candidate)
        self._update_preview()

    def _on_clip(self, checked: bool) -> None:
        self.clip_field.setEnabled(checked)
        candidate = self._candidate()
        if checked:
            try:
                candidate.clip_norm = self.clip_field.value()
            except ValueError as exc:
                self._typed_error("clip_norm", str(exc))
                return
        else:
            candidate.clip_norm = None
            self.clip_field.set_error(None)
        self._commit(candidate, "clip_norm")

    def _on_noise(self, value) -> None:
        if value is None:
            self._typed_error("noise", self.noise_field.error)
            return
        candidate = self._candidate()
        candidate.noise = float(value)
        self._commit(candidate, "noise")

    def _on_seed(self, value: int) -> None:
        candidate = self._candidate()
        candidate.seed = int(value)
        self._commit(candidate)

    def _on_batch(self, value) -> None:
        if value is None:
            self._typed_error("batch_size", self.batch.error)
            return
        candidate = self._candidate()
        candidate.batch_size = int(value)
        self._commit(candidate, "batch_size")
        if "batch_size" not in self.errors:
            self._update_epoch(int(value))

    def _update_epoch(self, batch: int) -> None:
        try:
            spe = optim.steps_per_epoch(self.state.samples, batch)
            self.epoch_label.setText(f"= {spe} step{'s' if spe != 1 else ''} / epoch")
        except ValueError:
            self.epoch_label.setText("")

    def _ensure_preview(self):
        if self.preview is None:
            from quizapp.ui.simulator.canvas import SchedulePreview

            self.preview = SchedulePreview()
            self.preview.setAccessibleName("Learning rate by step (preview)")
            self._form.insertRow(self._preview_row, self.preview)
        return self.preview

    def _update_preview(self) -> None:
        if self.lane is None or self.state is None:
            return
        constant = not self.draft.schedule or self.draft.schedule.get("name") == "constant"
        if constant:
            if self.preview is not None:
                self.preview.hide()
            return
        self._ensure_preview().show()
        try:
            values = sim_model.schedule_values(self.draft, min(self.state.steps, 2000))
        except ValueError:
            values = None
        self.preview.plot(values, self.draft.color, self.draft.lr)

    # ------------------------------------------------------------------ errors

    def _field_for(self, key: str) -> QWidget | None:
        if key.startswith("typed:sched:"):
            return self.sched_fields.get(key.split(":", 2)[2])
        if key.startswith("typed:"):
            key = key[len("typed:"):]
        if key.startswith("schedule."):
            return self.sched_fields.get(key.split(".", 1)[1])
        return {"clip_norm": self.clip_field, "noise": self.noise_field,
                "batch_size": self.batch}.get(key) or self.hyper_fields.get(key)

    def _show_errors(self) -> None:
        for field in [*self.hyper_fields.values(), *self.sched_fields.values(), self.clip_field,
                      self.noise_field, self.batch]:
            if isinstance(field, NumberField):
                field.set_error(None)
            elif isinstance(field, QCheckBox):
                field.setStyleSheet("")
                field.setToolTip(optim.HYPER_HELP.get(field.accessibleName(), ""))
        for key, message in self.errors.items():
            field = self._field_for(key)
            if isinstance(field, NumberField):
                field.set_error(message)
            elif isinstance(field, QCheckBox):
                field.setStyleSheet(f"QCheckBox {{ color: {ERROR_COLOR}; }} "
                                    f"QCheckBox::indicator {{ border: 2px solid {ERROR_COLOR}; }}")
                field.setToolTip(message)
        if self.errors:
            lines = sorted(set(self.errors.values()))
            self.message.setText("Waiting for valid values:\n" + "\n".join(f"• {m}" for m in lines))
            self.message.show()
        else:
            self.message.hide()


def _symbol(name: str) -> str:
    return {"beta": "β  beta", "beta1": "β₁  beta1", "beta2": "β₂  beta2", "eps": "ε  eps",
            "momentum": "μ  momentum", "alpha": "α  alpha"}.get(name, name)
