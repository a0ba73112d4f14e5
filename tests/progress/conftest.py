from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from progress_fakebank import make_bank  # noqa: E402

from quizapp.progress.clock import ManualClock  # noqa: E402
from quizapp.progress import Store  # noqa: E402


Clock = ManualClock  # a settable Store.clock: clock.advance(days=1)


@pytest.fixture(autouse=True)
def _private_check_stamps(tmp_path, monkeypatch):
    """Where the store remembers its page checks: per test, not the user's cache."""
    monkeypatch.setenv("QUIZAPP_CHECKS", str(tmp_path / "checked.json"))


@pytest.fixture
def clock():
    # Noon UTC on a Wednesday: local days are stable for any time zone within +-11 h.
    return Clock(datetime(2025, 3, 5, 12, 0, tzinfo=timezone.utc))


@pytest.fixture
def store(clock):
    s = Store.memory()
    s.clock = clock
    yield s
    s.close()


@pytest.fixture
def file_store(tmp_path, clock):
    s = Store.open(tmp_path / "progress.db")
    s.clock = clock
    yield s
    s.close()


@pytest.fixture
def bank():
    return make_bank()


@pytest.fixture
def learner(store):
    return store.add_learner("ann")
