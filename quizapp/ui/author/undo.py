"""One undo step per edit of the Author form, and the keys that reach the undo stack
from inside text fields."""
from __future__ import annotations

from typing import TYPE_CHECKING


from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoStack


if TYPE_CHECKING:  # the page imports this module
    from quizapp.ui.author.page import AuthorPage


class _Edit(QUndoCommand):
    """One edit: the item table before and after. Typing in one field merges."""

    def __init__(self, page: "AuthorPage", before: dict, after: dict, key: str):
        super().__init__(f"edit {key.split('#')[0] or 'item'}" if key else "edit item")
        self.page, self.before, self.after, self.key = page, before, after, key
        self._first = True

    def id(self) -> int:  # noqa: A003 (Qt API)
        return 1 if self.key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt API)
        if not isinstance(other, _Edit) or other.key != self.key or not self.key:
            return False
        self.after = other.after
        if self.after == self.before:
            self.setObsolete(True)
        return True

    def redo(self) -> None:
        if self._first:  # the form already shows it
            self._first = False
            return
        self.page._apply_table(self.after, self.key)

    def undo(self) -> None:
        self.page._apply_table(self.before, self.key)


class _UndoKeys(QObject):
    """Ctrl+Z / Ctrl+Shift+Z inside a text field go to the page's undo stack (one history
    for the whole item), not to the field's own undo."""

    def __init__(self, stack: QUndoStack, parent: QObject | None = None):
        super().__init__(parent)
        self.stack = stack

    @staticmethod
    def _which(event) -> str | None:
        if event.matches(QKeySequence.StandardKey.Undo):
            return "undo"
        if event.matches(QKeySequence.StandardKey.Redo) or (
                event.key() == Qt.Key.Key_Z and event.modifiers() == (Qt.KeyboardModifier.ControlModifier
                                                                      | Qt.KeyboardModifier.ShiftModifier)):
            return "redo"
        return None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            which = self._which(event)
            if which is None:
                return False
            if kind == QEvent.Type.ShortcutOverride:
                event.accept()  # deliver it as a key press, handled below
                return True
            (self.stack.undo if which == "undo" else self.stack.redo)()
            return True
        return False


# ---------------------------------------------------------------------- the page
