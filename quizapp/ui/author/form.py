"""The Author page's editor: a form fitted to one item table.

:class:`ItemForm` shows every field of an item (the answer part changes with the
answer kind) and turns itself back into an item table with :meth:`ItemForm.read`.
Each edit emits :attr:`ItemForm.changed` with the key of the field, which the page
uses to group typing into one undo step. :meth:`ItemForm.show_problems` marks the
fields that the checks complain about and writes the messages under each section.
"""
from __future__ import annotations

import html
from typing import Any, Callable

from PySide6.QtCore import QObject, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QRadioButton, QSizePolicy, QStackedWidget, QStyle, QToolButton,
    QVBoxLayout, QWidget,
)

from quizapp.bank.loader import ITEM_FIELDS
from quizapp.bank.model import CATEGORIES
from quizapp.ui.author.model import (
    DEFAULT_DISPLAY, DEFAULT_TOLERANCE, PARAM_HINTS, PARAM_KINDS, TOLERANCE_KINDS, ParamRow,
    format_scalar, parse_number_or_text, parse_scalar, params_from_rows, part_answer, part_fields,
    row_from_spec,
)
from quizapp.ui.shared.theme import ERROR_COLOR, MUTED_COLOR, WARNING_COLOR

ANSWER_KINDS = (("choice", "Multiple choice"), ("true_false", "True / false"),
                ("numeric", "Number"), ("computed_choice", "Computed choices"),
                ("multiple", "Select all that apply"), ("ordering", "Put in order"),
                ("matching", "Matching pairs"), ("short", "Short answer (typed)"))
DIFFICULTIES = ((1, "1 · easy"), (2, "2 · medium"), (3, "3 · hard"))
#: the section (group box) each field's problems are listed under
SECTIONS = ("item", "text", "params", "constraints", "answer")
PROBLEM_STYLE = (f'*[problem="error"] {{ border: 2px solid {ERROR_COLOR}; border-radius: 3px; }}\n'
                 f'*[problem="warning"] {{ border: 2px solid {WARNING_COLOR}; border-radius: 3px; }}')


def problem_style() -> str:
    """PROBLEM_STYLE in the current theme's colours."""
    return (f'*[problem="error"] {{ border: 2px solid {ERROR_COLOR}; border-radius: 3px; }}\n'
            f'*[problem="warning"] {{ border: 2px solid {WARNING_COLOR}; border-radius: 3px; }}')


def section_of(field: str | None) -> str:
    if not field:
        return "item"
    if field in ("prompt", "explanation"):
        return "text"
    if field.startswith("params"):
        return "params"
    if field.startswith("constraints"):
        return "constraints"
    if field.startswith("answer"):
        return "answer"
    return "item"


def _tool(icon: QStyle.StandardPixmap, tip: str, parent: QWidget) -> QToolButton:
    b = QToolButton(parent)
    b.setIcon(parent.style().standardIcon(icon))
    b.setToolTip(tip)
    b.setAccessibleName(tip)
    b.setAutoRaise(True)
    b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return b


def _plain_edit(name: str, lines: int, placeholder: str = "") -> QPlainTextEdit:
    w = QPlainTextEdit()
    w.setAccessibleName(name)
    w.setTabChangesFocus(True)  # Tab moves on; the texts rarely need a tab character
    w.setUndoRedoEnabled(False)  # the page's undo stack handles Ctrl+Z
    w.setPlaceholderText(placeholder)
    w.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    height = w.fontMetrics().lineSpacing() * lines + 14
    w.setMinimumHeight(height)
    w.setMaximumHeight(int(height * 1.6))
    w.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return w


class _ParamRowWidget(QWidget):
    changed = Signal(str)

    def __init__(self, index: int, row: ParamRow, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        n = index + 1
        self.name = QLineEdit(row.name)
        self.name.setPlaceholderText("name")
        self.name.setAccessibleName(f"Parameter {n} name")
        self.name.setMaximumWidth(90)
        self.name.setMinimumWidth(50)
        self.kind = QComboBox()
        self.kind.setAccessibleName(f"Parameter {n} kind")
        for k in PARAM_KINDS:
            self.kind.addItem(k, k)
        _compact(self.kind, 9)
        self.kind.setCurrentIndex(max(0, self.kind.findData(row.kind)))
        self.values = QLineEdit(row.values)
        self.values.setAccessibleName(f"Parameter {n} values")
        self.values.setMinimumWidth(90)
        self.step = QLineEdit(row.step)
        self.step.setPlaceholderText("step")
        self.step.setToolTip("Step of the grid lo, lo+step, …, hi (empty: any value, rounded)")
        self.step.setAccessibleName(f"Parameter {n} step")
        self.step.setMaximumWidth(56)
        self.sigfigs = QLineEdit(row.sigfigs)
        self.sigfigs.setPlaceholderText("digits")
        self.sigfigs.setToolTip("Significant figures the drawn value is rounded to (empty: 3)")
        self.sigfigs.setAccessibleName(f"Parameter {n} significant figures")
        self.sigfigs.setMaximumWidth(56)
        self.up = _tool(QStyle.StandardPixmap.SP_ArrowUp, f"Move parameter {n} up", self)
        self.down = _tool(QStyle.StandardPixmap.SP_ArrowDown, f"Move parameter {n} down", self)
        self.remove = _tool(QStyle.StandardPixmap.SP_DialogDiscardButton, f"Remove parameter {n}", self)
        for w in (self.name, self.kind):
            lay.addWidget(w)
        lay.addWidget(self.values, 1)
        for w in (self.step, self.sigfigs, self.up, self.down, self.remove):
            lay.addWidget(w)
        for key, edit in (("name", self.name), ("values", self.values), ("step", self.step),
                          ("sigfigs", self.sigfigs)):
            edit.textChanged.connect(lambda _t, key=key: self.changed.emit(f"params#{self.index + 1}.{key}"))
        self.kind.currentIndexChanged.connect(self._on_kind)
        self._show_for_kind()

    def _on_kind(self) -> None:
        self._show_for_kind()
        self.changed.emit("")

    def _show_for_kind(self) -> None:
        kind = self.kind.currentData()
        self.values.setPlaceholderText(PARAM_HINTS[kind])
        self.values.setToolTip(PARAM_HINTS[kind])
        self.step.setVisible(kind == "range")
        self.sigfigs.setVisible(kind in ("range", "loguniform", "derived"))

    def row(self) -> ParamRow:
        return ParamRow(self.name.text(), self.kind.currentData(), self.values.text(),
                        self.step.text(), self.sigfigs.text())

    def focus_widgets(self) -> list[QWidget]:
        return [self.name, self.kind, self.values, self.step, self.sigfigs, self.up, self.down,
                self.remove]


class _RowList(QWidget):
    """A vertical list of row widgets (each with up / down / remove buttons) above an
    "Add ..." button: what the parameter and choice editors share."""

    changed = Signal(str)
    rebuilt = Signal()

    def __init__(self, add_text: str, add_name: str, empty_text: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.rows: list = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(3)
        lay.addLayout(self.rows_box)
        self.empty = None
        if empty_text:
            self.empty = QLabel(empty_text)
            self.empty.setStyleSheet(f"color: {MUTED_COLOR};")  # quieter, still readable
            lay.addWidget(self.empty)
        bottom = QHBoxLayout()
        self.add_button = QPushButton(add_text)
        self.add_button.setAccessibleName(add_name)
        self.add_button.clicked.connect(self.add_row)
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        lay.addLayout(bottom)

    def _clear_rows(self) -> None:
        for w in self.rows:
            w.setParent(None)
            w.deleteLater()
        self.rows = []

    def _place_row(self, w: QWidget, i: int, count: int) -> None:
        w.up.clicked.connect(lambda _=False, i=i: self.move(i, -1))
        w.down.clicked.connect(lambda _=False, i=i: self.move(i, +1))
        w.remove.clicked.connect(lambda _=False, i=i: self.remove_row(i))
        w.up.setEnabled(i > 0)
        w.down.setEnabled(i < count - 1)
        self.rows_box.addWidget(w)
        self.rows.append(w)

    def focus_widgets(self) -> list[QWidget]:
        out: list[QWidget] = []
        for w in self.rows:
            out += w.focus_widgets()
        return out + [self.add_button]


class ParamsEditor(_RowList):
    """The ``[item.params]`` table: one row per parameter, in order (order matters)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Add parameter", "Add a parameter",
                         "No parameters: the item always shows the same numbers.", parent)

    def set_rows(self, rows: list[ParamRow]) -> None:
        self._clear_rows()
        for i, row in enumerate(rows):
            w = _ParamRowWidget(i, row, self)
            w.changed.connect(self.changed)
            self._place_row(w, i, len(rows))
        self.empty.setVisible(not rows)
        self.rebuilt.emit()

    def values(self) -> list[ParamRow]:
        return [w.row() for w in self.rows]

    def add_row(self) -> None:
        rows = self.values() + [ParamRow()]
        self.set_rows(rows)
        self.rows[-1].name.setFocus()
        self.changed.emit("")

    def remove_row(self, i: int) -> None:
        rows = self.values()
        del rows[i]
        self.set_rows(rows)
        if self.rows:
            self.rows[min(i, len(self.rows) - 1)].name.setFocus()
        else:
            self.add_button.setFocus()
        self.changed.emit("")

    def move(self, i: int, delta: int) -> None:
        rows = self.values()
        j = i + delta
        if not 0 <= j < len(rows):
            return
        rows[i], rows[j] = rows[j], rows[i]
        self.set_rows(rows)
        (self.rows[j].up if delta < 0 and j > 0 else self.rows[j].down if j < len(rows) - 1
         else self.rows[j].name).setFocus()
        self.changed.emit("")

class _ChoiceRowWidget(QWidget):
    def __init__(self, index: int, text: str, formulas: bool, group: QButtonGroup,
                 parent: QWidget | None = None, multi: bool = False):
        super().__init__(parent)
        n = index + 1
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        if multi:  # select all that apply: every right choice is ticked
            self.radio = QCheckBox(f"{n}.")
            self.radio.setToolTip("Ticked: a right choice")
            self.radio.setAccessibleName(f"Choice {n} is right")
        else:
            self.radio = QRadioButton(f"{n}.")
            self.radio.setToolTip("The correct choice")
            self.radio.setAccessibleName(f"Choice {n} is the correct one")
        group.addButton(self.radio, index)
        self.edit = QLineEdit(text)
        self.edit.setAccessibleName(f"Choice {n} " + ("formula" if formulas else "text"))
        self.edit.setPlaceholderText("a formula, e.g. lr * g" if formulas else "the text of this choice")
        self.up = _tool(QStyle.StandardPixmap.SP_ArrowUp, f"Move choice {n} up", self)
        self.down = _tool(QStyle.StandardPixmap.SP_ArrowDown, f"Move choice {n} down", self)
        self.remove = _tool(QStyle.StandardPixmap.SP_DialogDiscardButton, f"Remove choice {n}", self)
        lay.addWidget(self.radio)
        lay.addWidget(self.edit, 1)
        for w in (self.up, self.down, self.remove):
            lay.addWidget(w)

    def focus_widgets(self) -> list[QWidget]:
        return [self.radio, self.edit, self.up, self.down, self.remove]


class ChoicesEditor(_RowList):
    """Choices as written (2 to 12) with the correct one marked by a radio button
    (``multi``: every right one ticked, for select-all-that-apply items)."""

    def __init__(self, formulas: bool, parent: QWidget | None = None, multi: bool = False):
        super().__init__("Add choice", "Add a choice", parent=parent)
        self.formulas = formulas
        self.multi = multi
        self.key = "answer.choices"
        self.group = QButtonGroup(self)
        self.group.setExclusive(not multi)
        self.group.idClicked.connect(lambda _i: self.changed.emit(""))

    def _flags(self) -> list[bool]:
        return [w.radio.isChecked() for w in self.rows]

    def _set_flags(self, texts: list[str], flags: list[bool]) -> None:
        self.set_choices(texts, [i + 1 for i, f in enumerate(flags) if f] if self.multi
                         else next((i + 1 for i, f in enumerate(flags) if f), 0))

    def set_choices(self, texts: list[str], correct) -> None:
        for w in self.rows:
            self.group.removeButton(w.radio)
        self._clear_rows()
        right = set(correct) if isinstance(correct, (list, tuple, set)) else {correct}
        for i, text in enumerate(texts):
            w = _ChoiceRowWidget(i, text, self.formulas, self.group, self, multi=self.multi)
            w.radio.setChecked(i + 1 in right)
            w.edit.textChanged.connect(lambda _t, i=i: self.changed.emit(f"{self.key}[{i + 1}]"))
            self._place_row(w, i, len(texts))
        self.add_button.setEnabled(len(texts) < 12)
        self.rebuilt.emit()

    def texts(self) -> list[str]:
        return [w.edit.text() for w in self.rows]

    def correct(self):
        """The correct choice (1-based, 0 for none); ``multi``: the list of right ones."""
        if self.multi:
            return [i + 1 for i, w in enumerate(self.rows) if w.radio.isChecked()]
        for i, w in enumerate(self.rows):
            if w.radio.isChecked():
                return i + 1
        return 0

    def set_correct(self, n: int) -> None:
        if 1 <= n <= len(self.rows):
            self.rows[n - 1].radio.setChecked(True)
            self.changed.emit("")

    def add_row(self) -> None:
        self._set_flags(self.texts() + [""], self._flags() + [False])
        self.rows[-1].edit.setFocus()
        self.changed.emit("")

    def remove_row(self, i: int) -> None:
        texts, flags = self.texts(), self._flags()
        del texts[i]
        del flags[i]
        self._set_flags(texts, flags)
        if self.rows:
            self.rows[min(i, len(self.rows) - 1)].edit.setFocus()
        else:
            self.add_button.setFocus()
        self.changed.emit("")

    def move(self, i: int, delta: int) -> None:
        texts, flags = self.texts(), self._flags()
        j = i + delta
        if not 0 <= j < len(texts):
            return
        texts[i], texts[j] = texts[j], texts[i]
        flags[i], flags[j] = flags[j], flags[i]
        self._set_flags(texts, flags)
        self.rows[j].edit.setFocus()
        self.changed.emit("")

class _ToleranceRow(QWidget):
    def __init__(self, prefix: str, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        self.kind = QComboBox()
        self.kind.setAccessibleName(f"{prefix}tolerance kind")
        for k in TOLERANCE_KINDS:
            self.kind.addItem(k, k)
        self.amount = QLineEdit()
        self.amount.setAccessibleName(f"{prefix}tolerance amount")
        self.amount.setPlaceholderText("0.01")
        self.amount.setToolTip("relative 0.01 = within 1 %; absolute 1e-4 = within ±0.0001; "
                               "sigfigs 3 = to 3 significant figures")
        lay.addWidget(self.kind)
        lay.addWidget(self.amount, 1)

    def set(self, tol: Any) -> None:
        kind, amount = DEFAULT_TOLERANCE
        if isinstance(tol, dict) and len(tol) == 1:
            (kind, amount), = tol.items()
        if self.kind.findData(kind) < 0:
            self.kind.addItem(str(kind), kind)
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.amount.setText(format_scalar(amount))

    def get(self) -> dict[str, Any] | None:
        kind = self.kind.currentData()
        text = self.amount.text().strip()
        amount = parse_scalar(text) if text else (0.01 if kind == "relative" else None)
        if amount is None:
            return {kind: ""}
        if (kind, amount) == DEFAULT_TOLERANCE:
            return None
        return {kind: amount}


class ItemForm(QWidget):
    """Every field of one item; :meth:`read` gives the item table back."""

    #: a field was edited; the argument groups typing into one undo step ("" = do not merge)
    changed = Signal(str)

    def __init__(self, presets: list[tuple[str, str]] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._loading = False
        self._extra: dict[str, Any] = {}
        self._file_topic: str | None = None
        self._text_filter: QObject | None = None
        self._read_only = False
        self.setStyleSheet(problem_style())
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        self.boxes: dict[str, QGroupBox] = {}
        self.notes: dict[str, QLabel] = {}

        # ---- item
        box = self._section("item", "Item")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(0, 0, 0, 0)
        self.id_edit = QLineEdit()
        self.id_edit.setAccessibleName("Item id")
        self.id_edit.setPlaceholderText("topic.short-name")
        self.id_edit.setToolTip("Unique across every file; lowercase letters, digits, . _ -. "
                                "Never change it once learners have answered the item.")
        form.addRow("&Id", self.id_edit)
        self.topic_edit = QLineEdit()
        self.topic_edit.setAccessibleName("Topic (empty: the file's topic)")
        form.addRow("To&pic", self.topic_edit)
        row = QHBoxLayout()
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        for c in CATEGORIES:
            self.category.addItem(c, c)
        self.difficulty = QComboBox()
        self.difficulty.setAccessibleName("Difficulty")
        for value, label in DIFFICULTIES:
            self.difficulty.addItem(label, value)
        row.addWidget(self.category, 1)
        diff_label = QLabel("&Difficulty")
        diff_label.setBuddy(self.difficulty)
        row.addWidget(diff_label)
        row.addWidget(self.difficulty)
        cat_label = QLabel("&Category")
        cat_label.setBuddy(self.category)
        form.addRow(cat_label, row)
        self.tags = QLineEdit()
        self.tags.setAccessibleName("Tags, separated by commas")
        self.tags.setPlaceholderText("comma-separated, e.g. bias-correction, first-step")
        form.addRow("&Tags", self.tags)
        self.preset = QComboBox()
        self.preset.setAccessibleName("Simulator preset")
        self.preset.addItem("(none)", "")
        for pid, title in presets or []:
            self.preset.addItem(f"{title} ({pid})", pid)
        form.addRow("Pre&set", self.preset)
        box.layout().insertLayout(0, form)

        # ---- text
        box = self._section("text", "Question text")
        lay = box.layout()
        hint = QLabel("Placeholders <b>{name}</b> show drawn values, <b>{answer}</b> the answer "
                      "(explanation only); math goes between <b>$…$</b>.")
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {MUTED_COLOR};")  # quieter, still readable
        self.prompt = _plain_edit("Prompt", 4, "The question the learner sees")
        self.explanation = _plain_edit("Explanation", 4, "Shown after the learner answers")
        p_label = QLabel("P&rompt")
        p_label.setBuddy(self.prompt)
        e_label = QLabel("E&xplanation")
        e_label.setBuddy(self.explanation)
        for w in (hint, p_label, self.prompt, e_label, self.explanation):
            lay.insertWidget(lay.count() - 1, w)

        # ---- params
        box = self._section("params", "Parameters (drawn for every attempt, in this order)")
        self.params = ParamsEditor()
        box.layout().insertWidget(0, self.params)

        # ---- constraints
        box = self._section("constraints", "Constraints (one formula per line)")
        self.constraints = _plain_edit("Constraints, one formula per line", 2,
                                       "e.g. samples % batch == 0")
        box.layout().insertWidget(0, self.constraints)

        # ---- answer
        box = self._section("answer", "Answer")
        lay = box.layout()
        krow = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.setAccessibleName("Answer kind")
        for k, label in ANSWER_KINDS:
            self.kind.addItem(label, k)
        k_label = QLabel("&Kind")
        k_label.setBuddy(self.kind)
        krow.addWidget(k_label)
        krow.addWidget(self.kind, 1)
        lay.insertLayout(0, krow)
        self.stack = QStackedWidget()
        lay.insertWidget(1, self.stack)
        self.pages: dict[str, QWidget] = {}

        # choice
        self.choices = ChoicesEditor(formulas=False)
        self.pages["choice"] = self.choices
        # true_false
        tf = QWidget()
        tf_lay = QFormLayout(tf)
        tf_lay.setContentsMargins(0, 0, 0, 0)
        self.tf_value = QComboBox()
        self.tf_value.setAccessibleName("True or false")
        for label, data in (("True", "true"), ("False", "false"), ("A formula…", "formula")):
            self.tf_value.addItem(label, data)
        self.tf_formula = QLineEdit()
        self.tf_formula.setAccessibleName("Formula giving true or false")
        self.tf_formula.setPlaceholderText("e.g. b1 < b2")
        tf_lay.addRow("The statement is", self.tf_value)
        tf_lay.addRow("Formula", self.tf_formula)
        self.pages["true_false"] = tf
        # numeric
        num = QWidget()
        n_lay = QFormLayout(num)
        n_lay.setContentsMargins(0, 0, 0, 0)
        n_lay.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.value = QLineEdit()
        self.value.setAccessibleName("Answer value: a number or a formula")
        self.value.setPlaceholderText("a number or a formula, e.g. adam_step(g, lr)")
        self.tolerance = _ToleranceRow("")
        self.display = QLineEdit()
        self.display.setAccessibleName("Display format of the answer")
        self.display.setPlaceholderText(".4g")
        self.display.setToolTip(".4g: 4 significant digits; .3f: 3 decimals; d: whole number; "
                                ".2e: scientific; .1%: percent")
        self.unit = QLineEdit()
        self.unit.setAccessibleName("Unit shown after the answer")
        n_lay.addRow("&Value", self.value)
        n_lay.addRow("Tolerance", self.tolerance)
        n_lay.addRow("Display", self.display)
        n_lay.addRow("Unit", self.unit)
        self.pages["numeric"] = num
        # computed_choice
        cc = QWidget()
        c_lay = QVBoxLayout(cc)
        c_lay.setContentsMargins(0, 0, 0, 0)
        self.formulas = ChoicesEditor(formulas=True)
        c_lay.addWidget(self.formulas)
        c_form = QFormLayout()
        c_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.cc_display = QLineEdit()
        self.cc_display.setAccessibleName("Display format of every choice")
        self.cc_display.setPlaceholderText(".4g")
        self.cc_unit = QLineEdit()
        self.cc_unit.setAccessibleName("Unit shown after every choice")
        self.cc_tolerance = _ToleranceRow("Ambiguity ")
        self.cc_tolerance.setToolTip("A wrong choice this close to the right one makes the item ambiguous")
        c_form.addRow("Display", self.cc_display)
        c_form.addRow("Unit", self.cc_unit)
        c_form.addRow("Tolerance", self.cc_tolerance)
        c_lay.addLayout(c_form)
        self.pages["computed_choice"] = cc
        # multiple: choices with every right one ticked
        self.multi = ChoicesEditor(formulas=False, multi=True)
        self.pages["multiple"] = self.multi
        # ordering: one step per line, in the right order
        order = QWidget()
        o_lay = QVBoxLayout(order)
        o_lay.setContentsMargins(0, 0, 0, 0)
        o_label = QLabel("&Steps, one per line, in the right order (3 to 10; learners see them shuffled)")
        o_label.setWordWrap(True)
        self.steps = _plain_edit("Steps in the right order, one per line", 5,
                                 "forward pass\ncompute the loss\nbackward pass\noptimizer step")
        o_label.setBuddy(self.steps)
        o_lay.addWidget(o_label)
        o_lay.addWidget(self.steps)
        self.pages["ordering"] = order
        # matching: "left -> right" per line, extras one per line
        match = QWidget()
        m_lay = QVBoxLayout(match)
        m_lay.setContentsMargins(0, 0, 0, 0)
        m_label = QLabel("&Pairs, one per line as <b>left -&gt; right</b> (2 to 10)")
        m_label.setWordWrap(True)
        self.pairs = _plain_edit("Pairs, one per line: left -> right", 5,
                                 "loss is NaN -> check for a too-large learning rate")
        m_label.setBuddy(self.pairs)
        x_label = QLabel("Extra right-hand options that match &nothing, one per line (optional)")
        x_label.setWordWrap(True)
        self.extras = _plain_edit("Extra right-hand options, one per line", 2, "")
        x_label.setBuddy(self.extras)
        for w in (m_label, self.pairs, x_label, self.extras):
            m_lay.addWidget(w)
        self.pages["matching"] = match
        # short: accepted answers, near misses, typo allowance
        short = QWidget()
        s_lay = QFormLayout(short)
        s_lay.setContentsMargins(0, 0, 0, 0)
        s_lay.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.accept = _plain_edit("Accepted answers, one per line (the first is shown)", 3,
                                  "warmup\nlearning-rate warmup")
        self.reject = _plain_edit("Wrong answers close to a right one, one per line", 2, "")
        self.typos = QComboBox()
        self.typos.setAccessibleName("Typos forgiven")
        for label, data in (("none", 0), ("1 edit (answers of 4+ characters)", 1),
                            ("2 edits (1 below 8 characters)", 2)):
            self.typos.addItem(label, data)
        s_lay.addRow("&Accepted", self.accept)
        s_lay.addRow("&Rejected", self.reject)
        s_lay.addRow("T&ypos", self.typos)
        self.pages["short"] = short
        for k, _ in ANSWER_KINDS:
            self.stack.addWidget(self.pages[k])
        outer.addStretch(1)

        # ---- signals
        def emit(key: str) -> Callable[..., None]:
            return lambda *_: self._emit(key)

        self.id_edit.textChanged.connect(emit("id"))
        self.topic_edit.textChanged.connect(emit("topic"))
        self.category.currentIndexChanged.connect(emit(""))
        self.difficulty.currentIndexChanged.connect(emit(""))
        self.tags.textChanged.connect(emit("tags"))
        self.preset.currentIndexChanged.connect(emit(""))
        self.prompt.textChanged.connect(emit("prompt"))
        self.explanation.textChanged.connect(emit("explanation"))
        self.constraints.textChanged.connect(emit("constraints"))
        self.params.changed.connect(self._emit)
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.choices.changed.connect(self._emit)
        self.formulas.changed.connect(self._emit)
        self.multi.changed.connect(self._emit)
        self.steps.textChanged.connect(emit("answer.steps"))
        self.pairs.textChanged.connect(emit("answer.pairs"))
        self.extras.textChanged.connect(emit("answer.extras"))
        self.accept.textChanged.connect(emit("answer.accept"))
        self.reject.textChanged.connect(emit("answer.reject"))
        self.typos.currentIndexChanged.connect(emit(""))
        self.tf_value.currentIndexChanged.connect(self._on_tf)
        self.tf_formula.textChanged.connect(emit("answer.value"))
        self.value.textChanged.connect(emit("answer.value"))
        self.display.textChanged.connect(emit("answer.display"))
        self.unit.textChanged.connect(emit("answer.unit"))
        self.tolerance.kind.currentIndexChanged.connect(emit(""))
        self.tolerance.amount.textChanged.connect(emit("answer.tolerance"))
        self.cc_display.textChanged.connect(emit("answer.display"))
        self.cc_unit.textChanged.connect(emit("answer.unit"))
        self.cc_tolerance.kind.currentIndexChanged.connect(emit(""))
        self.cc_tolerance.amount.textChanged.connect(emit("answer.tolerance"))
        for editor in (self.params, self.choices, self.formulas, self.multi):
            editor.rebuilt.connect(self._after_rebuild)
        for combo in (self.category, self.difficulty, self.preset, self.kind, self.tf_value,
                      self.tolerance.kind, self.cc_tolerance.kind, self.typos):
            _compact(combo)
        self._after_rebuild()

    # ------------------------------------------------------------------ building

    def _section(self, key: str, title: str) -> QGroupBox:
        box = QGroupBox(title)
        box.setObjectName(f"section-{key}")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        note = QLabel()
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.RichText)
        note.setAccessibleName(f"Problems in {title}")
        note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note.hide()
        lay.addWidget(note)
        self.layout().addWidget(box)
        self.boxes[key] = box
        self.notes[key] = note
        return box

    def text_widgets(self) -> list[QWidget]:
        """Every field one types in (the page routes their Ctrl+Z to its undo stack)."""
        out: list[QWidget] = [self.id_edit, self.topic_edit, self.tags, self.prompt, self.explanation,
                              self.constraints, self.tf_formula, self.value, self.display, self.unit,
                              self.tolerance.amount, self.cc_display, self.cc_unit,
                              self.cc_tolerance.amount, self.steps, self.pairs, self.extras,
                              self.accept, self.reject]
        for w in self.params.rows:
            out += [w.name, w.values, w.step, w.sigfigs]
        for editor in (self.choices, self.formulas, self.multi):
            out += [w.edit for w in editor.rows]
        return out

    def install_text_filter(self, obj: QObject) -> None:
        self._text_filter = obj
        for w in self.text_widgets():
            w.installEventFilter(obj)

    def focus_chain(self) -> list[QWidget]:
        kind = self.kind.currentData()
        chain: list[QWidget] = [self.id_edit, self.topic_edit, self.category, self.difficulty, self.tags,
                                self.preset, self.prompt, self.explanation]
        chain += self.params.focus_widgets()
        chain += [self.constraints, self.kind]
        if kind == "choice":
            chain += self.choices.focus_widgets()
        elif kind == "true_false":
            chain += [self.tf_value, self.tf_formula]
        elif kind == "numeric":
            chain += [self.value, self.tolerance.kind, self.tolerance.amount, self.display, self.unit]
        elif kind == "multiple":
            chain += self.multi.focus_widgets()
        elif kind == "ordering":
            chain += [self.steps]
        elif kind == "matching":
            chain += [self.pairs, self.extras]
        elif kind == "short":
            chain += [self.accept, self.reject, self.typos]
        else:
            chain += self.formulas.focus_widgets()
            chain += [self.cc_display, self.cc_unit, self.cc_tolerance.kind, self.cc_tolerance.amount]
        return chain

    def _after_rebuild(self) -> None:
        if self._text_filter is not None:
            for w in self.text_widgets():
                w.removeEventFilter(self._text_filter)
                w.installEventFilter(self._text_filter)
        chain = self.focus_chain()
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)
        if self._read_only:
            self._apply_read_only()

    # ------------------------------------------------------------------ signals

    def _emit(self, key: str) -> None:
        if not self._loading:
            self.changed.emit(key)

    def _on_kind(self) -> None:
        kind = self.kind.currentData()
        self.stack.setCurrentWidget(self.pages[kind])
        if not self._loading:
            # carry the choices over between the multiple-choice kinds when the other is empty
            src, dst = ((self.choices, self.formulas) if kind == "computed_choice"
                        else (self.formulas, self.choices) if kind == "choice" else (None, None))
            if kind == "choice" and not self.formulas.texts():
                src = self.multi
            if kind == "multiple":
                src, dst = self.choices, self.multi
            if src is not None and not any(t.strip() for t in dst.texts()) and src.texts():
                self._loading = True
                right = src.correct()
                if dst.multi != src.multi:
                    right = ([right] if right else []) if dst.multi else (right[0] if right else 0)
                dst.set_choices(src.texts(), right)
                self._loading = False
        self._after_rebuild()
        self._emit("")

    def _on_tf(self) -> None:
        self.tf_formula.setEnabled(self.tf_value.currentData() == "formula" and not self._read_only)
        self._emit("")

    # ------------------------------------------------------------------ table <-> form

    def set_table(self, table: dict[str, Any], file_topic: str | None = None) -> None:
        """Show ``table`` (an item as written); nothing is emitted."""
        self._loading = True
        try:
            self._file_topic = file_topic
            self._extra = {k: v for k, v in table.items() if k not in ITEM_FIELDS}
            self.id_edit.setText(_text(table.get("id")))
            self.topic_edit.setText(_text(table.get("topic")))
            self.topic_edit.setPlaceholderText(f"the file's topic: {file_topic}" if file_topic
                                               else "the file has no topic: set one here")
            _select(self.category, table.get("category"), fallback=None)
            _select(self.difficulty, table.get("difficulty", 2), fallback=2)
            tags = table.get("tags", [])
            self.tags.setText(", ".join(str(t) for t in tags) if isinstance(tags, list) else _text(tags))
            _select(self.preset, table.get("preset"), fallback="")
            self.prompt.setPlainText(_text(table.get("prompt")))
            self.explanation.setPlainText(_text(table.get("explanation")))
            params = table.get("params", {})
            rows = ([row_from_spec(str(k), v) for k, v in params.items()]
                    if isinstance(params, dict) else [])
            self.params.set_rows(rows)
            cons = table.get("constraints", [])
            if isinstance(cons, str):
                cons = [cons]
            self.constraints.setPlainText("\n".join(_text(c) for c in cons) if isinstance(cons, list) else "")
            ans = table.get("answer")
            ans = ans if isinstance(ans, dict) else {}
            kind = ans.get("kind") if ans.get("kind") in dict(ANSWER_KINDS) else "choice"
            self.kind.setCurrentIndex(self.kind.findData(kind))
            self.stack.setCurrentWidget(self.pages[kind])
            choices = ans.get("choices", [])
            choices = [c if isinstance(c, str) else format_scalar(c) for c in choices] \
                if isinstance(choices, list) else []
            correct = ans.get("correct", 0)
            keys = [c for c in correct if isinstance(c, int) and not isinstance(c, bool)] \
                if isinstance(correct, list) else [correct]
            correct = correct if isinstance(correct, int) and not isinstance(correct, bool) else 0
            self.choices.set_choices(choices if kind == "choice" else [], correct)
            self.formulas.set_choices(choices if kind == "computed_choice" else [], correct)
            self.multi.set_choices(choices if kind == "multiple" else [], keys)
            part = part_fields(ans if kind in ("ordering", "matching", "short") else {})
            self.steps.setPlainText(part["steps"])
            self.pairs.setPlainText(part["pairs"])
            self.extras.setPlainText(part["extras"])
            self.accept.setPlainText(part["accept"])
            self.reject.setPlainText(part["reject"])
            self.typos.setCurrentIndex(max(0, self.typos.findData(part["typos"])))
            value = ans.get("value")
            if kind == "true_false":
                mode = ("true" if value is True else "false" if value is False else "formula")
                self.tf_value.setCurrentIndex(self.tf_value.findData(mode))
                self.tf_formula.setText(value if isinstance(value, str) else "")
            else:
                self.tf_value.setCurrentIndex(0)
                self.tf_formula.setText("")
            self.tf_formula.setEnabled(self.tf_value.currentData() == "formula" and not self._read_only)
            self.value.setText("" if kind != "numeric" or value is None
                               else value if isinstance(value, str) else format_scalar(value))
            tol = ans.get("tolerance")
            display = _text(ans.get("display", ""))
            unit = _text(ans.get("unit", ""))
            for tw, dw, uw, own in ((self.tolerance, self.display, self.unit, "numeric"),
                                    (self.cc_tolerance, self.cc_display, self.cc_unit, "computed_choice")):
                tw.set(tol if kind == own else None)
                dw.setText(display if kind == own and display != DEFAULT_DISPLAY else "")
                uw.setText(unit if kind == own else "")
        finally:
            self._loading = False
        self._after_rebuild()

    def read(self) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The item table the form shows, and problems a table cannot hold (field, message)."""
        t: dict[str, Any] = {"id": self.id_edit.text().strip()}
        topic = self.topic_edit.text().strip()
        if topic:
            t["topic"] = topic
        t["category"] = self.category.currentData()
        t["difficulty"] = self.difficulty.currentData()
        tags = [s.strip() for s in self.tags.text().split(",") if s.strip()]
        if tags:
            t["tags"] = tags
        t["prompt"] = self.prompt.toPlainText()
        t["explanation"] = self.explanation.toPlainText()
        if self.preset.currentData():
            t["preset"] = self.preset.currentData()
        cons = [line.strip() for line in self.constraints.toPlainText().splitlines() if line.strip()]
        if cons:
            t["constraints"] = cons
        params, problems = params_from_rows(self.params.values())
        if params:
            t["params"] = params
        kind = self.kind.currentData()
        ans: dict[str, Any] = {"kind": kind}
        if kind == "choice":
            ans["choices"] = self.choices.texts()
            ans["correct"] = self.choices.correct()
        elif kind == "computed_choice":
            ans["choices"] = [parse_number_or_text(s) if s.strip() else s for s in self.formulas.texts()]
            ans["correct"] = self.formulas.correct()
            _tail(ans, self.cc_tolerance, self.cc_display, self.cc_unit)
        elif kind == "true_false":
            mode = self.tf_value.currentData()
            ans["value"] = True if mode == "true" else False if mode == "false" else self.tf_formula.text().strip()
        elif kind == "multiple":
            ans["choices"] = self.multi.texts()
            ans["correct"] = self.multi.correct()
        elif kind in ("ordering", "matching", "short"):
            got, wrong = part_answer(kind, {"steps": self.steps.toPlainText(),
                                            "pairs": self.pairs.toPlainText(),
                                            "extras": self.extras.toPlainText(),
                                            "accept": self.accept.toPlainText(),
                                            "reject": self.reject.toPlainText(),
                                            "typos": self.typos.currentData()})
            ans.update(got)
            problems += wrong
        else:
            ans["value"] = parse_number_or_text(self.value.text())
            _tail(ans, self.tolerance, self.display, self.unit)
        t["answer"] = ans
        t.update(self._extra)
        return t, problems

    def table(self) -> dict[str, Any]:
        return self.read()[0]

    # ------------------------------------------------------------------ read-only

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self._apply_read_only()

    def _apply_read_only(self) -> None:
        ro = self._read_only
        # writable after writable: nothing was made read-only, so only the row buttons
        # below change (walking every field of a long form costs tens of milliseconds)
        if ro or getattr(self, "_applied_read_only", None) is not False:
            for w in self.findChildren(QWidget):
                if isinstance(w, (QLineEdit, QPlainTextEdit)):
                    w.setReadOnly(ro)
                elif isinstance(w, (QComboBox, QRadioButton, QPushButton, QToolButton)):
                    w.setEnabled(not ro)
        self._applied_read_only = ro
        self.tf_formula.setEnabled(self.tf_value.currentData() == "formula" or ro)
        if not ro:
            for editor in (self.params, self.choices, self.formulas, self.multi):
                n = len(editor.rows)
                for i, w in enumerate(editor.rows):
                    w.up.setEnabled(i > 0)
                    w.down.setEnabled(i < n - 1)
            for editor in (self.choices, self.formulas, self.multi):
                editor.add_button.setEnabled(len(editor.rows) < 12)
            self.tf_formula.setEnabled(self.tf_value.currentData() == "formula")

    @property
    def read_only(self) -> bool:
        return self._read_only

    # ------------------------------------------------------------------ problems

    def widget_for(self, field: str | None, message: str = "") -> QWidget | None:
        """The field widget a problem belongs to (None when it is about the whole item)."""
        if not field:
            return None
        kind = self.kind.currentData()
        simple = {"id": self.id_edit, "topic": self.topic_edit, "category": self.category,
                  "difficulty": self.difficulty, "tags": self.tags, "preset": self.preset,
                  "prompt": self.prompt, "explanation": self.explanation,
                  "constraints": self.constraints, "answer": self.kind, "answer.kind": self.kind,
                  "params": self.params.add_button}
        if field in simple:
            return simple[field]
        if field.startswith("params#"):
            number, _, part = field[len("params#"):].partition(".")
            try:
                row = self.params.rows[int(number) - 1]
            except (ValueError, IndexError):
                return None
            return {"values": row.values, "step": row.step, "sigfigs": row.sigfigs}.get(part, row.name)
        if field.startswith("params."):
            name = field[len("params."):]
            for w in self.params.rows:
                if w.name.text().strip() == name:
                    lowered = message.lower()
                    return w.name if ("name" in lowered or "reserved" in lowered or "twice" in lowered) \
                        else w.values
            return None
        editor = self.formulas if kind == "computed_choice" else self.multi if kind == "multiple" \
            else self.choices
        part = {"answer.steps": self.steps, "answer.pairs": self.pairs, "answer.extras": self.extras,
                "answer.accept": self.accept, "answer.reject": self.reject, "answer.typos": self.typos}
        for key, widget in part.items():
            if field == key or field.startswith(key + "["):
                return widget
        if field.startswith("answer.choices["):
            try:
                i = int(field[len("answer.choices["):].rstrip("]")) - 1
                return editor.rows[i].edit
            except (ValueError, IndexError):
                return None
        if field in ("answer.choices", "answer.correct"):
            return editor.rows[0].radio if editor.rows else editor.add_button
        tf = kind == "true_false"
        cc = kind == "computed_choice"
        other = {"answer.value": self.tf_formula if tf else self.value,
                 "answer.tolerance": (self.cc_tolerance if cc else self.tolerance).amount,
                 "answer.display": self.cc_display if cc else self.display,
                 "answer.unit": self.cc_unit if cc else self.unit}
        return other.get(field)

    def show_problems(self, problems: list) -> None:
        """Mark fields and list messages per section; ``problems`` are BankProblem-like."""
        for w in self.findChildren(QWidget):
            if w.property("problem"):
                w.setProperty("problem", "")
                w.setToolTip(w.property("plainTip") or "")
                _repolish(w)
        per_section: dict[str, list[str]] = {k: [] for k in SECTIONS}
        for p in problems:
            w = self.widget_for(p.field, p.message)
            if w is not None:
                if w.property("problem") != "error":
                    if w.property("plainTip") is None:
                        w.setProperty("plainTip", w.toolTip())
                    w.setProperty("problem", p.severity)
                    w.setToolTip(p.message)
                    _repolish(w)
            color = ERROR_COLOR if p.severity == "error" else WARNING_COLOR
            where = f"<b>{html.escape(p.field)}</b>: " if p.field else ""
            per_section[section_of(p.field)].append(
                f"<span style='color:{color}'>{'✖' if p.severity == 'error' else '⚠'} {where}"
                f"{html.escape(p.message)}</span>")
        for key, lines in per_section.items():
            note = self.notes[key]
            note.setText("<br>".join(lines[:6]) + (f"<br>… and {len(lines) - 6} more" if len(lines) > 6 else ""))
            note.setVisible(bool(lines))

    def marked(self) -> dict[QWidget, str]:
        """Widgets currently marked with a problem (for tests)."""
        return {w: w.property("problem") for w in self.findChildren(QWidget) if w.property("problem")}


def _compact(combo: QComboBox, chars: int = 8) -> None:
    """A combo box that may be narrower than its longest entry (the popup shows it whole)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)


def _repolish(w: QWidget) -> None:
    style = w.style()
    style.unpolish(w)
    style.polish(w)
    w.update()


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else format_scalar(value)


def _select(combo: QComboBox, value: Any, fallback: Any) -> None:
    with QSignalBlocker(combo):
        for i in range(combo.count() - 1, -1, -1):  # values shown for an earlier item
            if combo.itemData(i, Qt.ItemDataRole.UserRole + 1):
                combo.removeItem(i)
        if value is None or value == "":
            value = fallback
        i = combo.findData(value) if value is not None else -1
        if i < 0 and value is not None:  # a value the list does not know: show it, the check explains
            combo.addItem(f"{value} (unknown)", value)
            i = combo.count() - 1
            combo.setItemData(i, True, Qt.ItemDataRole.UserRole + 1)
        combo.setCurrentIndex(i)


def _tail(ans: dict[str, Any], tol: _ToleranceRow, display: QLineEdit, unit: QLineEdit) -> None:
    t = tol.get()
    if t is not None:
        ans["tolerance"] = t
    d = display.text().strip()
    if d and d != DEFAULT_DISPLAY:
        ans["display"] = d
    u = unit.text()
    if u.strip():
        ans["unit"] = u.strip()
