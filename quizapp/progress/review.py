"""Spaced review with FSRS: how an auto-graded answer becomes an fsrs rating.

Every learner x item pair has one ``fsrs.Card``; each graded answer reviews it once with
the rating below, and the card's ``due`` time decides when the item comes back as a due
review in a study session.

The mapping from an answer to a rating (nobody is asked to grade themselves):

=====================================================  =========
answer                                                 rating
=====================================================  =========
wrong                                                  Again
right, but slower than twice the item's time budget    Hard
right within a quarter of the budget (not true/false)  Easy
right otherwise                                        Good
=====================================================  =========

Time budgets by answer kind: numeric 60 s, computed choice 45 s, choice 30 s,
true/false 15 s, select-all (multiple) 45 s, ordering 60 s, matching 75 s, short answer
30 s. Only full credit counts as right here: a partly right multiple, ordering or
matching answer is rated Again, so the item comes back soon. A true/false answer is never rated Easy, because a fast right answer
there is a coin toss as often as it is knowledge. A missing, negative or non-finite time
counts as exactly the budget (so it rates Good when right).

The scheduler is ``fsrs.Scheduler`` with its default parameters (desired retention 0.9,
learning steps 1 and 10 minutes) and fuzzing off, so the same answers at the same times
always give the same due dates.
"""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

from fsrs import Card, Rating, Scheduler, State

TIME_BUDGET = {"numeric": 60.0, "computed_choice": 45.0, "choice": 30.0, "true_false": 15.0,
               "multiple": 45.0, "ordering": 60.0, "matching": 75.0, "short": 30.0}
DEFAULT_BUDGET = 30.0
SLOW_FACTOR = 2.0
FAST_FACTOR = 0.25

SCHEDULER = Scheduler(enable_fuzzing=False)


def rating_for(correct: bool, seconds: float | None, kind: str | None) -> Rating:
    """The fsrs rating of one auto-graded answer (see the table in the module docstring)."""
    if not correct:
        return Rating.Again
    budget = TIME_BUDGET.get(kind or "", DEFAULT_BUDGET)
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        seconds = budget
    if seconds > SLOW_FACTOR * budget:
        return Rating.Hard
    if seconds <= FAST_FACTOR * budget and kind != "true_false":
        return Rating.Easy
    return Rating.Good


def new_card() -> Card:
    # card_id is fixed: the store keys cards by (learner, item); fsrs' default id sleeps.
    return Card(card_id=1)


def review(card: Card | None, rating: Rating, when: datetime) -> Card:
    """Review ``card`` (a new one if None) at ``when`` (aware UTC) and return the new card."""
    if card is None:
        card = new_card()
    when = when.astimezone(timezone.utc)
    new, _log = SCHEDULER.review_card(card, rating, review_datetime=when)
    return new


def card_to_json(card: Card) -> str:
    return json.dumps(card.to_dict(), sort_keys=True)


class CardDataError(ValueError):
    """A stored review card could not be read."""


def card_from_json(text: str | None) -> Card | None:
    """Parse a stored card; None for a missing one; CardDataError for anything unreadable."""
    if text is None:
        return None
    try:
        data: Any = json.loads(text)
        if not isinstance(data, dict):
            raise TypeError("not an object")
        card = Card.from_dict(data)
        if card.due.tzinfo is None:
            raise ValueError("due time has no time zone")
        if card.last_review is not None and card.last_review.tzinfo is None:
            raise ValueError("last review time has no time zone")
        for value in (card.stability, card.difficulty):
            if value is not None and not math.isfinite(value):
                raise ValueError("non-finite stability or difficulty")
        if card.state not in (State.Learning, State.Review, State.Relearning):
            raise ValueError("unknown state")
        return card
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as exc:
        raise CardDataError(f"stored review card is unreadable ({exc})") from None
