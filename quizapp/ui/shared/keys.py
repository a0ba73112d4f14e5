"""Page shortcuts on plain keys (Space, Right) that must not steal the key from a control.

A page's Space shortcut plays or trains; but when a button, a list or a combo box has the
focus, Space belongs to that control. :class:`KeyForwarder` gives the key to the focused
control instead: buttons are clicked and combo boxes opened directly, and anything else gets
the key event with a guard, because a key event sent back to a control can meet the very
same shortcut again (which used to recurse until Python gave up).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QWidget


class KeyForwarder:
    def __init__(self, page: QWidget, own: tuple = ()):
        self.page = page
        self.own = own  # the page's own controls for this key (its Play button...): never forwarded
        self.busy = False

    def forward(self, key: Qt.Key, text: str, types: tuple) -> bool:
        """True when the focused control took the key (the shortcut should then do nothing)."""
        if self.busy:
            return True  # the control did not take the key we gave it: neither does the page
        fw = QApplication.focusWidget()
        if (fw is None or any(fw is w for w in self.own) or not isinstance(fw, types)
                or not self.page.isAncestorOf(fw)):
            return False
        if isinstance(fw, QAbstractButton) and key == Qt.Key.Key_Space:
            fw.animateClick()
            return True
        if isinstance(fw, QComboBox) and key == Qt.Key.Key_Space:
            fw.showPopup()
            return True
        self.busy = True
        try:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(fw, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))
        finally:
            self.busy = False
        return True
