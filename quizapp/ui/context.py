"""What every page shares: the progress store, the lab notebook, and a few signals.

Modelled on Anki's split: the Qt-free core does the work, pages call small operations
on it and refresh when :attr:`AppContext.dataChanged` fires.

The store is opened on first use (importing sqlite-utils and migrating the file is
work the window does not need before it is first shown).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from quizapp.ui.notebook import Notebook, open_store

_UNSET = object()


class AppContext(QObject):
    #: something in the store changed (a run recorded, an answer saved): refresh views
    dataChanged = Signal()
    #: achievements just unlocked (a list of AchievementStatus): show a toast
    unlocked = Signal(list)
    #: a one-line message for the status bar
    message = Signal(str)
    #: ``navigate(key, kwargs)``: the main window switches page and calls ``open_with``
    navigateRequested = Signal(str, dict)

    def __init__(self, db: str | None = None, store: Any = _UNSET, reason: str | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.db = db
        self._store = store
        self._reason = reason
        self._notebook: Notebook | None = None
        self._learner_id: int | None = None

    @classmethod
    def open(cls, db: str | None = None) -> "AppContext":
        """A context for the progress database (``--db``, ``$QUIZAPP_DB`` or the default file)."""
        return cls(db)

    def _ensure(self) -> None:
        if self._store is _UNSET:
            self._store, self._reason = open_store(self.db)

    @property
    def store(self):
        """The :class:`quizapp.progress.Store`, or None when it could not be opened."""
        self._ensure()
        return self._store

    @property
    def store_problem(self) -> str | None:
        self._ensure()
        return self._reason

    @property
    def learner_id(self) -> int | None:
        if self._learner_id is None and self.store is not None:
            self._learner_id = self.store.default_learner().id
        return self._learner_id

    @property
    def notebook(self) -> Notebook:
        if self._notebook is None:
            self._notebook = Notebook(self.store, self.learner_id, self.store_problem)
        return self._notebook

    def navigate(self, key: str, **kwargs: Any) -> None:
        self.navigateRequested.emit(key, kwargs)

    def close(self) -> None:
        store = self._store
        self._store = None
        if store is not None and store is not _UNSET:
            store.close()
