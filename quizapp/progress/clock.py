"""Time stamps in the progress file: ISO-8601 UTC text with milliseconds, and local days.

Every stored time has the same shape (``2025-03-01T09:30:00.000+00:00``) so that text
order is time order and SQL can compare them. Days (``2025-03-01``) are the learner's
local calendar days, taken when the answer is recorded: a streak or "3 separate days"
means days as the learner lives them.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise ValueError("time stamps must be time-zone aware")
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> datetime:
    """Parse a stored time stamp (ValueError if it is not an aware ISO-8601 time)."""
    if not isinstance(text, str):
        raise ValueError(f"time stamp must be text, got {type(text).__name__}")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        raise ValueError(f"time stamp {text!r} has no time zone")
    return dt.astimezone(timezone.utc)


def local_day(dt: datetime) -> str:
    return dt.astimezone().date().isoformat()


def local_date(dt: datetime) -> date:
    return dt.astimezone().date()


def week_start(d: date) -> date:
    """Monday of the ISO week holding ``d``."""
    return d - timedelta(days=d.weekday())


class ManualClock:
    """A clock that stands still until told to move: ``store.clock = ManualClock(t)``,
    then ``clock.advance(days=1)``. For tests, demos and seeded screenshots."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a time-zone aware start")
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw) -> None:
        self.t += timedelta(**kw)
