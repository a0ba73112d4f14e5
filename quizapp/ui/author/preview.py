"""The Author page's right column: a live preview of one drawn instance, and the
problems list (the same checks as ``quizapp bank check``)."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame, QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QScrollArea,
    QSizePolicy, QSpinBox, QStyle, QVBoxLayout, QWidget,
)

from quizapp.ui.shared.a11y import focus_ring
from quizapp.ui.shared.theme import ERROR_COLOR, OK_COLOR

MAX_SEED = 2**31 - 1

try:  # the shared renderer of inline math (Learn/Practice pages)
    from quizapp.ui.shared.mathtext import MathLabel as _MathLabel
except ImportError:  # pragma: no cover - only while the module does not exist yet
    _MathLabel = None


def math_label(text: str = "", scale: float = 1.0) -> QWidget:
    """A wrapping label that draws ``$...$`` math (plain text if no renderer is available)."""
    if _MathLabel is not None:
        return _MathLabel(text, scale=scale)
    label = QLabel(text)  # pragma: no cover
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _heading(text: str) -> QLabel:
    label = QLabel(f"<b>{html.escape(text)}</b>")
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


class PreviewPanel(QGroupBox):
    """Seed, re-roll, and one instance: prompt (with math), choices (the right one marked),
    the computed answer, the drawn values and the explanation."""

    seedChanged = Signal(int)
    rerollRequested = Signal()
    presetRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Preview", parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        seed_label = QLabel("S&eed")
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setAccessibleName("Seed of the drawn instance")
        self.seed.setToolTip("The same item and seed always give the same numbers and choice order")
        self.seed.setKeyboardTracking(False)
        seed_label.setBuddy(self.seed)
        self.reroll = QPushButton(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload), "Re-roll")
        self.reroll.setAccessibleName("Draw new values (a new seed)")
        self.reroll.setToolTip("Draw new values with a new random seed (Ctrl+R)")
        bar.addWidget(seed_label)
        bar.addWidget(self.seed, 1)
        bar.addWidget(self.reroll)
        outer.addLayout(bar)
        self.seed.valueChanged.connect(self.seedChanged)
        self.reroll.clicked.connect(self.rerollRequested)

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Preview status")
        self.note.hide()
        outer.addWidget(self.note)

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 4, 0)
        lay.setSpacing(4)
        self.prompt = math_label(scale=1.08)
        self.prompt.setAccessibleDescription("The question as a learner sees it")
        lay.addWidget(self.prompt)
        self.choices_box = QWidget()
        self.choices_lay = QVBoxLayout(self.choices_box)
        self.choices_lay.setContentsMargins(8, 2, 0, 2)
        self.choices_lay.setSpacing(2)
        lay.addWidget(self.choices_box)
        self.answer = QLabel()
        self.answer.setWordWrap(True)
        self.answer.setTextFormat(Qt.TextFormat.RichText)
        self.answer.setAccessibleName("Correct answer")
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.answer)
        self.values = QLabel()
        self.values.setWordWrap(True)
        self.values.setAccessibleName("Drawn values")
        self.values.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.values)
        self.expl_heading = _heading("Explanation")
        lay.addWidget(self.expl_heading)
        self.explanation = math_label()
        self.explanation.setAccessibleDescription("The explanation shown after answering")
        lay.addWidget(self.explanation)
        self.preset_button = QPushButton("Open the preset in the simulator")
        self.preset_button.setAccessibleName("Open the item's preset in the simulator")
        self.preset_button.clicked.connect(lambda: self.presetRequested.emit(self._preset or ""))
        self.preset_button.hide()
        lay.addWidget(self.preset_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setAccessibleName("Preview of the item")
        focus_ring(scroll)  # a Tab stop for scrolling a long preview: show when it has the keys
        outer.addWidget(scroll, 1)
        self._preset: str | None = None
        self.instance = None
        self._choice_labels: list[QWidget] = []

    # ------------------------------------------------------------------ content

    def set_seed(self, seed: int) -> None:
        self.seed.blockSignals(True)
        self.seed.setValue(int(seed))
        self.seed.blockSignals(False)

    def show_instance(self, inst, item) -> None:
        """Show ``inst`` (an :class:`~quizapp.bank.model.Instance` of ``item``)."""
        self.instance = inst
        self.set_note("")
        self.setEnabled(True)
        self.prompt.setText(inst.prompt)
        # the choice rows are rebuilt only when they change (most keystrokes touch the prompt)
        rows_key = (inst.kind, tuple(inst.choices or ()), inst.correct_choice,
                    tuple(inst.answer) if inst.kind == "multiple" else None,
                    tuple(getattr(inst, "targets", None) or ()), str(OK_COLOR))
        if rows_key != getattr(self, "_rows_key", None):
            self._rows_key = rows_key
            self._show_rows(inst)
        self.choices_box.setVisible(inst.choices is not None)
        answer = html.escape(inst.answer_text)
        extra = ""
        if inst.kind == "short" and len(inst.accepted or []) > 1:
            extra = " (also accepted: " + html.escape(", ".join(inst.accepted[1:])) + ")"
        if inst.kind == "numeric":
            tol = item.answer.tolerance.describe() if item is not None else ""
            extra = f" (accepted {html.escape(tol)}; exact value {inst.answer!r})"
        self.answer.setText(f"<b>Answer:</b> <span style='color:{OK_COLOR}'><b>{answer}</b></span>{extra}")
        if inst.params:
            values = " · ".join(f"{k} = {_short(v)}" for k, v in inst.params.items())
            self.values.setText(f"Drawn values (seed {inst.seed}): {values}")
        else:
            self.values.setText(f"No parameters (seed {inst.seed} only changes the choice order)")
        self.explanation.setText(inst.explanation)
        self._preset = item.preset if item is not None else None
        self.preset_button.setVisible(bool(self._preset))

    def prerenderer(self):
        """``draw(instance)`` for the evaluation thread: draws the math this panel will show
        for ``instance`` into the renderer's cache, with the fonts and colours its labels
        have now, so showing it on the GUI thread finds the images ready."""
        if _MathLabel is None:  # pragma: no cover
            return lambda _inst: None
        from PySide6.QtGui import QPalette

        from quizapp.ui.shared.mathtext import prerenderer

        def for_label(label):  # the colour it has once enabled (the panel may be dimmed now)
            color = label.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText)
            return prerenderer(font=label.font(), color=color, dpr=label.devicePixelRatioF())

        prompt, body = for_label(self.prompt), for_label(self.explanation)

        def draw(inst) -> None:
            prompt([inst.prompt or ""])
            body([*(inst.choices or []), *(getattr(inst, "targets", None) or []), inst.explanation or ""])

        return draw

    def _show_rows(self, inst) -> None:
        for w in self._choice_labels:
            w.setParent(None)
            w.deleteLater()
        self._choice_labels = []
        if inst.choices is not None:
            for i, text in enumerate(inst.choices, 1):
                row = QWidget()
                rl = QHBoxLayout(row)
                rl.setContentsMargins(0, 0, 0, 0)
                rl.setSpacing(4)
                right = i == inst.correct_choice or (inst.kind == "multiple" and i in inst.answer)
                mark = QLabel(f"<span style='color:{OK_COLOR}'><b>✓ {i}.</b></span>" if right
                              else f"&nbsp;&nbsp;&nbsp;{i}.")
                mark.setTextFormat(Qt.TextFormat.RichText)
                mark.setMinimumWidth(mark.fontMetrics().horizontalAdvance("✓ 12.") + 4)
                mark.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
                label = math_label(text)
                label.setAccessibleName(f"Choice {i}{' (correct)' if right else ''}: {text}")
                rl.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
                rl.addWidget(label, 1)
                self.choices_lay.addWidget(row)
                self._choice_labels.append(row)
        for i, text in enumerate(getattr(inst, "targets", None) or []):  # matching: lettered options
            label = math_label(f"{chr(ord('a') + i)}) {text}")
            label.setAccessibleName(f"Option {chr(ord('a') + i)}: {text}")
            self.choices_lay.addWidget(label)
            self._choice_labels.append(label)

    def set_note(self, text: str, error: bool = False) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(f"color: {ERROR_COLOR};" if error else "")
        self.note.setVisible(bool(text))

    def show_error(self, text: str) -> None:
        """No instance for this state of the form: say why; the last good preview stays, dimmed."""
        self.set_note(text, error=True)
        for w in (self.prompt, self.choices_box, self.answer, self.values, self.explanation):
            w.setEnabled(False)

    def undim(self) -> None:
        for w in (self.prompt, self.choices_box, self.answer, self.values, self.explanation):
            w.setEnabled(True)

    def set_active(self, on: bool) -> None:
        """With no item on screen only the controls are off; the labels stay readable
        (a disabled group would grey its headings below contrast)."""
        for w in (self.seed, self.reroll, self.preset_button):
            w.setEnabled(on)

    def clear(self) -> None:
        self.instance = None
        self.prompt.setText("")
        for w in self._choice_labels:
            w.setParent(None)
            w.deleteLater()
        self._choice_labels = []
        self.answer.setText("")
        self.values.setText("")
        self.explanation.setText("")
        self.preset_button.hide()
        self.set_note("")

    def choice_texts(self) -> list[str]:
        return list(self.instance.choices or []) if self.instance is not None else []


def _short(v) -> str:
    if isinstance(v, float):
        return format(v, ".6g")
    return str(v)


class ProblemsList(QGroupBox):
    """Errors and warnings of the item on screen; activating one focuses its field."""

    activated = Signal(object)  # the BankProblem

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Problems", parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.list = QListWidget()
        self.list.setAccessibleName("Problems of this item")
        self.list.setWordWrap(True)
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.list.itemActivated.connect(self._on_item)
        lay.addWidget(self.list)
        self.problems: list = []

    def set_problems(self, problems: list, pending: bool = False) -> None:
        self.problems = list(problems)
        self.list.clear()
        style = self.style()
        err_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        warn_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for p in self.problems:
            where = f"{p.field}: " if p.field else ""
            item = QListWidgetItem(err_icon if p.severity == "error" else warn_icon, f"{where}{p.message}")
            item.setToolTip(f"{p.severity}: {where}{p.message}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.list.addItem(item)
        errors = sum(1 for p in self.problems if p.severity == "error")
        warnings = len(self.problems) - errors
        if not self.problems:
            self.list.addItem(QListWidgetItem(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
                                              "No problems: the same checks as `quizapp bank check` pass."))
            self.setTitle("Problems: none")
        else:
            parts = []
            if errors:
                parts.append(f"{errors} error{'s' if errors != 1 else ''}")
            if warnings:
                parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
            self.setTitle("Problems: " + ", ".join(parts))

    def _on_item(self, item: QListWidgetItem) -> None:
        p = item.data(Qt.ItemDataRole.UserRole)
        if p is not None:
            self.activated.emit(p)
