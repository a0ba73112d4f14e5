"""Answer widgets of the Practice page for the kinds made of parts, and short answers.

Each widget turns what the learner did into the same text the terminal takes
(``1 3``, ``3 1 2 4``, ``1b 2a 3c``, a typed phrase), so grading and storage are the
engine's, never the widget's:

* :class:`MultipleAnswer`: one toggle button per option (math drawn); digits 1-9 toggle.
* :class:`OrderingAnswer`: a list to put in order; Alt+Up / Alt+Down move the selected
  step, Move up / Move down buttons do the same, and steps can be dragged.
* :class:`MatchingAnswer`: one row per left-hand entry with a combo box of the lettered
  right-hand options.
* :class:`ShortAnswer`: a line edit.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QPushButton, QVBoxLayout, QWidget,
)

from quizapp.bank.kinds import LETTERS, SYNTAX, multiple_text
from quizapp.ui.shared.a11y import tab_after
from quizapp.ui.shared.mathtext import plain_text
from quizapp.ui.shared.theme import ERROR_COLOR, OK_COLOR

KINDS = ("multiple", "ordering", "matching", "short")


class KindAnswer(QWidget):
    """Base: ``answer_text()``, ``empty_message``, ``lock(inst, grade_picks)``."""

    changed = Signal()
    empty_message = "Answer first."

    def answer_text(self) -> str:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def focus_first(self) -> None:
        w = self.focus_widgets()
        if w:
            w[0].setFocus()

    def focus_widgets(self) -> list[QWidget]:
        return []

    def press(self, n: int) -> bool:
        """A digit key: True when this widget used it."""
        return False

    def set_text(self, text: str) -> None:
        """Show the answer written as the terminal takes it (demo data, "show me")."""
        raise NotImplementedError

    def lock(self, inst) -> None:
        for w in self.focus_widgets():
            w.setEnabled(False)


class MultipleAnswer(KindAnswer):
    empty_message = "Tick every option you think is right first (1–9 or click), then Enter."

    def __init__(self, inst, parent: QWidget | None = None):
        super().__init__(parent)
        from quizapp.ui.practice.page import ChoiceButton

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        note = QLabel("Select all that apply: tick every right option (partial credit).")
        note.setAccessibleName("How to answer")
        note.setWordWrap(True)
        lay.addWidget(note)
        self.buttons: list = []
        for n, text in enumerate(inst.choices or [], 1):
            b = ChoiceButton(n, text)
            b.setAutoExclusive(False)
            b.setToolTip(f"Tick or untick with {n}; submit with Enter")
            b.setAccessibleName(f"Option {n}: {plain_text(text)} (tick if right)")
            fm = b.key_label.fontMetrics()
            b.key_label.setMinimumWidth(fm.horizontalAdvance("12 ☑ ✓") + 4)  # marks never shift the text
            b.toggled.connect(lambda _on, b=b: self._show_box(b))
            self._show_box(b)
            lay.addWidget(b)
            self.buttons.append(b)

    def _show_box(self, b) -> None:
        b.mark("☑" if b.isChecked() else "☐", None)
        self.changed.emit()

    def focus_widgets(self) -> list[QWidget]:
        return list(self.buttons)

    def press(self, n: int) -> bool:
        if 1 <= n <= len(self.buttons) and self.buttons[n - 1].isEnabled():
            self.buttons[n - 1].toggle()
            self.buttons[n - 1].setFocus()
            return True
        return False

    def set_text(self, text: str) -> None:
        picks = {int(p) for p in text.replace(",", " ").split() if p.isdigit()}
        for b in self.buttons:
            b.setChecked(b.number in picks)

    def ticked(self) -> list[int]:
        return [b.number for b in self.buttons if b.isChecked()]

    def answer_text(self) -> str:
        return multiple_text(self.ticked())

    def lock(self, inst) -> None:
        keys = set(inst.answer or [])
        for b in self.buttons:
            b.setEnabled(False)
            box = "☑" if b.isChecked() else "☐"
            if b.number in keys:
                b.mark(f"{box} ✓", str(OK_COLOR))
            elif b.isChecked():
                b.mark(f"{box} ✗", str(ERROR_COLOR))


class OrderingAnswer(KindAnswer):
    empty_message = "Put the steps in order first."

    def __init__(self, inst, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        note = QLabel("Put the steps in order, first step at the top: select a step and move it "
                      "with Alt+Up / Alt+Down, the buttons, or drag it.")
        note.setWordWrap(True)
        note.setAccessibleName("How to answer")
        lay.addWidget(note)
        row = QHBoxLayout()
        self.list = QListWidget()
        self.list.setAccessibleName("Steps, first at the top (Alt+Up and Alt+Down move the selected step)")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        for n, text in enumerate(inst.choices or [], 1):
            item = QListWidgetItem(f"{n}. {plain_text(text)}")
            item.setData(Qt.ItemDataRole.UserRole, n)
            self.list.addItem(item)
        self.list.setSpacing(3)
        self.list.setCurrentRow(0)
        rows = max(1, self.list.count())
        self.list.setFixedHeight((self.list.sizeHintForRow(0) + 2 * 3) * rows
                                 + 2 * self.list.frameWidth() + 6)
        self.list.model().rowsMoved.connect(lambda *_: self.changed.emit())
        row.addWidget(self.list, 1)
        side = QVBoxLayout()
        self.up_button = QPushButton("Move up")
        self.up_button.setAccessibleName("Move the selected step up (Alt+Up)")
        self.up_button.setToolTip("Alt+Up")
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button = QPushButton("Move down")
        self.down_button.setAccessibleName("Move the selected step down (Alt+Down)")
        self.down_button.setToolTip("Alt+Down")
        self.down_button.clicked.connect(lambda: self.move(1))
        side.addWidget(self.up_button)
        side.addWidget(self.down_button)
        side.addStretch(1)
        row.addLayout(side)
        lay.addLayout(row)
        self.shortcuts = []
        for seq, step in (("Alt+Up", -1), ("Alt+Down", 1)):
            sc = QShortcut(QKeySequence(seq), self.list)
            sc.setContext(Qt.ShortcutContext.WidgetShortcut)
            sc.activated.connect(lambda step=step: self.move(step))
            self.shortcuts.append(sc)
        tab_after(self.list, [self.up_button, self.down_button])
        self.touched = False

    def move(self, step: int) -> None:
        """Move the selected step up (-1) or down (+1), keeping it selected."""
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count() or not self.list.isEnabled():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self.touched = True
        self.changed.emit()

    def set_text(self, text: str) -> None:
        wanted = [int(p) for p in text.replace(",", " ").split() if p.isdigit()]
        items = {self.list.item(i).data(Qt.ItemDataRole.UserRole): i for i in range(self.list.count())}
        taken = [self.list.takeItem(0) for _ in range(self.list.count())]
        by_number = {it.data(Qt.ItemDataRole.UserRole): it for it in taken}
        for n in wanted + [n for n in items if n not in wanted]:
            if n in by_number:
                self.list.addItem(by_number.pop(n))
        self.changed.emit()

    def order(self) -> list[int]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def answer_text(self) -> str:
        return " ".join(str(n) for n in self.order())

    def focus_widgets(self) -> list[QWidget]:
        return [self.list, self.up_button, self.down_button]

    def lock(self, inst) -> None:
        super().lock(inst)
        key = list(inst.answer or [])
        for i in range(self.list.count()):
            item = self.list.item(i)
            right = i < len(key) and item.data(Qt.ItemDataRole.UserRole) == key[i]
            item.setText(("✓ " if right else "✗ ") + item.text())
            item.setForeground((OK_COLOR if right else ERROR_COLOR).qcolor())
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        self.list.setEnabled(True)  # readable (scrolling, screen readers), no longer movable
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.NoDragDrop)
        for sc in self.shortcuts:
            sc.setEnabled(False)


class MatchingAnswer(KindAnswer):
    empty_message = "Pick a partner for every entry first."

    def __init__(self, inst, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        note = QLabel("Pick the partner of each entry (some options may match nothing).")
        note.setWordWrap(True)
        note.setAccessibleName("How to answer")
        lay.addWidget(note)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        self.combos: list[QComboBox] = []
        self.marks: list[QLabel] = []
        targets = [plain_text(t) for t in (inst.targets or [])]
        for n, text in enumerate(inst.choices or [], 1):
            label = QLabel(f"{n}. {plain_text(text)}")
            label.setWordWrap(True)
            combo = QComboBox()
            combo.addItem("— choose —", None)
            for i, t in enumerate(targets):
                combo.addItem(f"{LETTERS[i]}) {t}", i + 1)
            combo.setAccessibleName(f"Partner of {n}: {plain_text(text)}")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(18)
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
            label.setBuddy(combo)
            mark = QLabel()
            mark.setAccessibleName(f"Result for {n}")
            grid.addWidget(label, n - 1, 0, 1, 1)
            grid.addWidget(combo, n - 1, 1, 1, 2)
            grid.addWidget(mark, n - 1, 3)
            self.combos.append(combo)
            self.marks.append(mark)
        grid.setColumnStretch(0, 1)
        lay.addLayout(grid)

    def set_text(self, text: str) -> None:
        from quizapp.bank.kinds import read_matching

        chosen = read_matching(text, len(self.combos), self.combos[0].count() - 1 if self.combos else 0)
        for combo, target in zip(self.combos, chosen):
            combo.setCurrentIndex(target)

    def chosen(self) -> list[int | None]:
        return [c.currentData() for c in self.combos]

    def answer_text(self) -> str:
        chosen = self.chosen()
        if any(c is None for c in chosen):
            return ""
        return " ".join(f"{i}{LETTERS[t - 1]}" for i, t in enumerate(chosen, 1))

    def focus_widgets(self) -> list[QWidget]:
        return list(self.combos)

    def lock(self, inst) -> None:
        super().lock(inst)
        key = list(inst.answer or [])
        for i, (combo, mark) in enumerate(zip(self.combos, self.marks)):
            right = i < len(key) and combo.currentData() == key[i]
            if right:
                mark.setText("✓")
                mark.setStyleSheet(f"color: {OK_COLOR};")
            else:
                mark.setText(f"✗ {LETTERS[key[i] - 1]}" if i < len(key) else "✗")
                mark.setStyleSheet(f"color: {ERROR_COLOR};")
            mark.setAccessibleDescription("right" if right else "wrong")


class ShortAnswer(KindAnswer):
    empty_message = "Type a word or a short phrase first."

    def __init__(self, inst, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.edit = QLineEdit()
        self.edit.setAccessibleName("Your answer (a word or a short phrase)")
        self.edit.setPlaceholderText("Type your answer")
        self.edit.setMaxLength(200)
        self.edit.setMaximumWidth(420)
        self.edit.textEdited.connect(lambda _t: self.changed.emit())
        hint = QLabel("Case and spacing do not matter.")
        hint.setAccessibleName("What is accepted")
        self.edit.setAccessibleDescription(SYNTAX["short"])
        lay.addWidget(self.edit)
        lay.addWidget(hint)

    def answer_text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)

    def focus_widgets(self) -> list[QWidget]:
        return [self.edit]

    def lock(self, inst) -> None:
        self.edit.setReadOnly(True)


def answer_widget(inst, parent: QWidget | None = None) -> KindAnswer:
    cls = {"multiple": MultipleAnswer, "ordering": OrderingAnswer, "matching": MatchingAnswer,
           "short": ShortAnswer}[inst.kind]
    return cls(inst, parent)
