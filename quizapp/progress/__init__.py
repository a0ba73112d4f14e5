"""Learner progress: a SQLite store (sqlite-utils), migrations, FSRS review, achievements,
study sessions and the simulator's lab notebook. Qt-free.

    from quizapp.progress import Store, StoreError, default_db_path
    store = Store.open()            # $QUIZAPP_DB, else progress.db in the user data folder

The names below are loaded on first use: importing a light submodule (``clock``,
``notebook``) does not pull in the store, sqlite-utils and the review scheduler.
"""
from __future__ import annotations

import importlib

_WHERE = {
    "ACHIEVEMENTS": "achievements", "AchievementStatus": "achievements", "Unlock": "achievements",
    "AttemptRecorded": "store", "Learner": "store", "RunEntry": "store", "RunRecorded": "store",
    "Store": "store", "StoreError": "store", "default_db_path": "store",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'quizapp.progress' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"quizapp.progress.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
