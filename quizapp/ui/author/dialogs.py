"""The Author page's modal dialogs, each behind a ``@classmethod ask(...)`` that tests
monkeypatch (so no test ever waits on a modal event loop)."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLabel, QLineEdit, QMessageBox,
    QPlainTextEdit, QSpinBox, QVBoxLayout, QWidget,
)

from quizapp.bank.loader import ID_RE


class ConfirmDialog:
    @classmethod
    def ask(cls, parent: QWidget | None, title: str, text: str, ok: str = "Delete") -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
        yes = box.addButton(ok, QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is yes


class UnsavedDialog:
    """Save, discard or keep editing the changes of the item on screen."""

    @classmethod
    def ask(cls, parent: QWidget | None, item_id: str, can_save: bool = True) -> str:
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"The item {item_id!r} has changes that are not saved.", parent=parent)
        buttons = QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
        if can_save:
            buttons |= QMessageBox.StandardButton.Save
        else:
            box.setInformativeText("It has errors, so it cannot be saved as it is.")
        box.setStandardButtons(buttons)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(answer), "cancel")


class MessageDialog:
    @classmethod
    def ask(cls, parent: QWidget | None, title: str, text: str, error: bool = True) -> None:
        icon = QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information
        QMessageBox(icon, title, text, parent=parent).exec()


class FolderDialog:
    @classmethod
    def ask(cls, parent: QWidget | None, start: str = "") -> Path | None:
        path = QFileDialog.getExistingDirectory(parent, "Folder for your questions", start)
        return Path(path) if path else None


class OpenFileDialog:
    @classmethod
    def ask(cls, parent: QWidget | None, caption: str, start: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(parent, caption, start, filters)
        return Path(path) if path else None


class SaveFileDialog:
    @classmethod
    def ask(cls, parent: QWidget | None, caption: str, start: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(parent, caption, start, filters)
        return Path(path) if path else None


class NewFileDialog(QDialog):
    """File name, topic id and title of a new topic file in the authoring folder."""

    def __init__(self, folder: Path, topic: str = "", title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.folder = folder
        self.setWindowTitle("New question file")
        lay = QVBoxLayout(self)
        intro = QLabel(f"A new topic file in <b>{html.escape(str(folder))}</b>. "
                       "Every item of the file belongs to its topic.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.topic = QLineEdit(topic)
        self.topic.setAccessibleName("Topic id")
        self.topic.setPlaceholderText("short lowercase id, e.g. my-adam")
        self.title_edit = QLineEdit(title)
        self.title_edit.setAccessibleName("Topic title")
        self.title_edit.setPlaceholderText("e.g. Adam, my questions")
        self.name = QLineEdit()
        self.name.setAccessibleName("File name")
        self.name.setPlaceholderText("e.g. my-adam.toml")
        form.addRow("&Topic", self.topic)
        form.addRow("T&itle", self.title_edit)
        form.addRow("&File name", self.name)
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setAccessibleName("What is wrong")
        lay.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self._auto_name = True
        self.topic.textChanged.connect(self._on_topic)
        self.name.textEdited.connect(lambda: setattr(self, "_auto_name", False))
        self.name.textChanged.connect(self._validate)
        self.title_edit.textChanged.connect(self._validate)
        self._on_topic()
        self.resize(460, 0)

    def _on_topic(self) -> None:
        if self._auto_name:
            topic = self.topic.text().strip()
            self.name.setText(f"{topic}.toml" if topic else "")
        self._validate()

    def problem(self) -> str | None:
        topic = self.topic.text().strip()
        name = self.name.text().strip()
        if not ID_RE.match(topic):
            return "The topic must be a short lowercase id: letters, digits, '.', '_' or '-'."
        if not name.endswith(".toml") or "/" in name or "\\" in name or name.startswith("."):
            return "The file name must end with .toml (no folders)."
        if (self.folder / name).exists():
            return f"{name} already exists in this folder."
        return None

    def _validate(self) -> None:
        problem = self.problem()
        self.error.setText(problem or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def result_value(self) -> tuple[Path, str, str]:
        topic = self.topic.text().strip()
        return (self.folder / self.name.text().strip(), topic, self.title_edit.text().strip() or topic)

    @classmethod
    def ask(cls, parent: QWidget | None, folder: Path, topic: str = "",
            title: str = "") -> tuple[Path, str, str] | None:
        dialog = cls(folder, topic, title, parent)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.problem() is None:
            return dialog.result_value()
        return None


EXPORT_FORMATS = (("gift", "GIFT (Moodle's text format)", "GIFT files (*.gift *.txt)", ".gift"),
                  ("moodle-xml", "Moodle XML (calculated questions keep their formulas)",
                   "Moodle XML (*.xml)", ".xml"))


class ExportDialog(QDialog):
    """Format, which items, and how many variants of each parameterised item."""

    def __init__(self, scopes: list[tuple[str, str]], scope: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export questions")
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.format = QComboBox()
        self.format.setAccessibleName("Export format")
        for key, label, _f, _s in EXPORT_FORMATS:
            self.format.addItem(label, key)
        self.scope = QComboBox()
        self.scope.setAccessibleName("Which items")
        for key, label in scopes:
            self.scope.addItem(label, key)
        if scope is not None and self.scope.findData(scope) >= 0:
            self.scope.setCurrentIndex(self.scope.findData(scope))
        self.variants = QSpinBox()
        self.variants.setRange(1, 1000)
        self.variants.setValue(5)
        self.variants.setAccessibleName("Variants per parameterised item")
        self.variants.setToolTip("GIFT has no formulas: a parameterised item becomes this many "
                                 "concrete questions (seeds 0, 1, …)")
        form.addRow("&Format", self.format)
        form.addRow("&Items", self.scope)
        form.addRow("&Variants", self.variants)
        lay.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    @classmethod
    def ask(cls, parent: QWidget | None, scopes: list[tuple[str, str]],
            scope: str | None = None) -> tuple[str, str, int] | None:
        dialog = cls(scopes, scope, parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.format.currentData(), dialog.scope.currentData(), dialog.variants.value()
        return None


class SummaryDialog(QDialog):
    """What an import or export did: one line, and the details (skipped questions, notes)."""

    def __init__(self, title: str, summary: str, details: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        label = QLabel(summary)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName("Summary")
        lay.addWidget(label)
        if details:
            box = QPlainTextEdit(details)
            box.setReadOnly(True)
            box.setAccessibleName("Details")
            box.setMinimumHeight(160)
            lay.addWidget(box, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        lay.addWidget(buttons)
        self.resize(560, 360 if details else 0)

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, summary: str, details: str = "") -> None:
        cls(title, summary, details, parent).exec()
