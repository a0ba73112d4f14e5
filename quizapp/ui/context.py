"""What every page shares: the progress store, the lab notebook, and a few signals.

Modelled on Anki's split: the Qt-free core does the work, pages call small operations
on it and refresh when :attr:`AppContext.dataChanged` fires.

The store is opened on first use (importing sqlite-utils and migrating the file is
work the window does not need before it is first shown).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from quizapp.ui.shared.notebook import Notebook, open_store

_UNSET = object()
#: Longest a write waits for a file held by another program before the journal (seconds).
GUI_WRITE_WAIT_S = 3.0


class AppContext(QObject):
    #: something in the store changed (a run recorded, an answer saved): refresh views
    dataChanged = Signal()
    #: achievements just unlocked anywhere (a list of AchievementStatus): the main window
    #: shows a toast for each (quizapp.ui.achievements.toast) and the Achievements page refreshes
    achievementsUnlocked = Signal(list)
    #: the current learner changed (``set_learner``): pages reload everything they show
    learnerChanged = Signal(int)
    #: a one-line message for the status bar
    message = Signal(str)
    #: ``navigate(key, kwargs)``: the main window switches page and calls ``open_with``
    navigateRequested = Signal(str, dict)

    def __init__(self, db: str | None = None, store: Any = _UNSET, reason: str | None = None,
                 parent: QObject | None = None, bank_paths: list[str] | None = None):
        super().__init__(parent)
        self.db = db
        #: ``quizapp --bank PATH`` (repeatable): the instructor's question folders or files
        self.bank_paths: list[str] = list(bank_paths or [])
        self._store = store
        self._reason = reason
        self._notebook: Notebook | None = None
        self._learner_id: int | None = None
        self._preferred: int | None = None  # the learner chosen last time (settings)

    @classmethod
    def open(cls, db: str | None = None, bank_paths: list[str] | None = None) -> "AppContext":
        """A context for the progress database (``--db``, ``$QUIZAPP_DB`` or the default file)
        and the question folders given with ``--bank``."""
        return cls(db, bank_paths=bank_paths)

    def _ensure(self) -> None:
        if self._store is _UNSET:
            self._store, self._reason = open_store(self.db)
            store = self._store
            if store is not None and hasattr(store, "write_wait"):
                # the window must not freeze for long: a busy file sends answers to the
                # journal beside it sooner (they are added at the next write or open)
                store.write_wait = min(store.write_wait, GUI_WRITE_WAIT_S)
                for note in getattr(store, "notices", []):
                    self.message.emit(note)
                store.notices.clear()

    @property
    def store(self):
        """The :class:`quizapp.progress.Store`, or None when it could not be opened."""
        self._ensure()
        return self._store

    def check_pages_ahead(self) -> bool | None:
        """Check the progress file's pages before it is opened (any thread; no Qt): the
        open that follows then skips that check (see ``store.check_pages_ahead``)."""
        if self.store_opened:
            return None
        try:
            from quizapp.progress import store as store_mod

            return store_mod.check_pages_ahead(self.db or store_mod.default_db_path())
        except Exception:  # best effort: the open checks and reports as always
            return None

    @property
    def store_opened(self) -> bool:
        """Whether the store was opened (or tried) already; reading :attr:`store` opens it.
        Pages that read on a worker thread open their own connection instead of waiting."""
        return self._store is not _UNSET

    @property
    def store_problem(self) -> str | None:
        self._ensure()
        return self._reason

    @property
    def learner_id(self) -> int | None:
        if self._learner_id is None and self.store is not None:
            if self._preferred is not None:
                try:
                    self._learner_id = self.store.get_learner(self._preferred).id
                except ValueError:  # deleted since (perhaps from the command line)
                    pass
            if self._learner_id is None:
                self._learner_id = self.store.default_learner().id
        return self._learner_id

    @property
    def preferred_learner_id(self) -> int | None:
        """The learner chosen last time (settings), not checked yet (opens nothing)."""
        return self._preferred

    @property
    def chosen_learner_id(self) -> int | None:
        """The current learner if one was chosen or looked up already (opens nothing)."""
        return self._learner_id

    def prefer_learner(self, learner_id: int) -> None:
        """Start with this learner (the one chosen last time) if it still exists; checked
        when the store is first used, so nothing is opened now."""
        self._preferred = int(learner_id)

    def set_learner(self, learner_id: int) -> None:
        """Make ``learner_id`` the current learner everywhere (the notebook too) and emit
        :attr:`learnerChanged` then :attr:`dataChanged`. ValueError for an unknown id."""
        if self.store is None:
            raise ValueError("the progress file is not open, so there are no learners")
        learner = self.store.get_learner(int(learner_id))
        changed = learner.id != self._learner_id
        self._learner_id = learner.id
        if self._notebook is not None:
            self._notebook.learner_id = learner.id
        if changed:
            self.learnerChanged.emit(learner.id)
            self.dataChanged.emit()

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
