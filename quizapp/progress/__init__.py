"""Learner progress: a SQLite store (sqlite-utils), migrations, FSRS review, achievements,
study sessions and the simulator's lab notebook. Qt-free.

    from quizapp.progress import Store, StoreError, default_db_path
    store = Store.open()            # $QUIZAPP_DB, else progress.db in the user data folder
"""
from quizapp.progress.achievements import ACHIEVEMENTS, AchievementStatus, Unlock
from quizapp.progress.store import (
    AttemptRecorded, Learner, RunEntry, RunRecorded, Store, StoreError, default_db_path,
)

__all__ = [
    "ACHIEVEMENTS", "AchievementStatus", "AttemptRecorded", "Learner", "RunEntry", "RunRecorded",
    "Store", "StoreError", "Unlock", "default_db_path",
]
