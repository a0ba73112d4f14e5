"""Where the desktop app keeps its settings (QSettings, INI format).

Everything goes through :func:`open_settings`, so tests redirect it with
``QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tmp)`` (tests/ui/conftest.py)
and never touch the user's real file (``~/.config/quizapp/quizapp.ini`` on Linux).
"""
from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANIZATION = "quizapp"
APPLICATION = "quizapp"


def open_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)
