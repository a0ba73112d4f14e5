"""What the Achievements page shows, as plain data (Qt-free).

The page (``ui/achievements/page.py``) lays cards out in a grid and styles them; every
word and number on a card comes from here: :func:`card_view` turns one
:class:`quizapp.progress.AchievementStatus` into a :class:`CardView`, :func:`summary`
counts the whole set, and :func:`streak_view` describes the weekly-streak switch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quizapp.ui.shared.text import plural


def local_date(stamp: str | None) -> str:
    """``2025-03-05T12:00:00.000+00:00`` -> ``5 Mar 2025`` (the learner's local day)."""
    if not stamp:
        return ""
    from quizapp.progress import clock

    try:
        when = clock.parse_iso(stamp).astimezone()
    except ValueError:
        return stamp[:10]
    return f"{when.day} {when:%b %Y}"


@dataclass(frozen=True)
class BarView:
    """One progress bar of a locked badge: ``label`` says what it counts."""

    label: str
    value: int
    maximum: int

    @property
    def text(self) -> str:
        return f"{self.label}: {self.value}/{self.maximum}" if self.label else f"{self.value}/{self.maximum}"


@dataclass(frozen=True)
class CardView:
    id: str
    title: str
    description: str
    unlocked: bool
    when: str  # "Unlocked 5 Mar 2025", or the locked badge's detail line
    state: str  # for screen readers and the tooltip
    bars: list[BarView] = field(default_factory=list)

    @property
    def accessible_name(self) -> str:
        return f"{self.title}: {self.state}"

    @property
    def tooltip(self) -> str:
        return f"{self.description}\n{self.state[0].upper()}{self.state[1:]}"


def card_view(status: Any) -> CardView:
    """A badge card: unlocked with its day, or locked with bars that say what they count.

    A badge whose progress adds up several things (mastery: right answers *and* study
    days) gets one bar per part, so "2/11" never has to be decoded.
    """
    if status.unlocked:
        day = local_date(status.unlocked_at)
        return CardView(status.id, status.title, status.description, True, f"Unlocked {day}",
                        f"unlocked on {day}")
    parts = tuple(getattr(status, "parts", ()) or ())
    if parts:
        bars = [BarView(label, max(0, min(int(v), int(t))), max(1, int(t))) for label, v, t in parts]
        state = "locked, " + ", ".join(f"{b.label} {b.value} of {b.maximum}" for b in bars)
    else:
        target = max(1, int(status.target))
        bars = [BarView("", max(0, min(int(status.progress), target)), target)]
        state = f"locked, {status.progress} of {status.target}"
    if status.detail:
        state += f" ({status.detail})"
    return CardView(status.id, status.title, status.description, False, status.detail or "",
                    state, bars)


def summary(statuses: list) -> tuple[str, int, int, str]:
    """(``"27 of 34 unlocked"``, unlocked, total, ``"79 %"``)."""
    done = sum(1 for s in statuses if s.unlocked)
    total = len(statuses)
    return (f"{done} of {total} unlocked", done, total,
            f"{round(100 * done / total) if total else 0} %")


def section_title(title: str, statuses: list) -> str:
    done = sum(1 for s in statuses if s.unlocked)
    return f"{title} — {done} of {len(statuses)}"


@dataclass(frozen=True)
class StreakView:
    enabled: bool
    text: str  # the switch's label
    tooltip: str


def streak_view(streak: dict | None) -> StreakView:
    """The weekly study streak switch: what it is, and how it stands."""
    streak = streak or {}
    enabled = bool(streak.get("enabled"))
    per_week = int(streak.get("days_per_week") or 2)
    answers = int(streak.get("min_answers") or 5)
    rule = (f"A week counts when you study on {plural(per_week, 'day')} with at least "
            f"{plural(answers, 'answer')} each.")
    if enabled:
        weeks = int(streak.get("weeks") or 0)
        text = f"Weekly streak: {plural(weeks, 'week')}"
        return StreakView(True, text, rule + f" Best so far: {plural(int(streak.get('best') or 0), 'week')}.")
    return StreakView(False, "Weekly streak (off)", rule + " Turn it on to count your weeks "
                      "(and work towards the streak badges).")
