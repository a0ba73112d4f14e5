"""Property tests for everything that parses stored data (and the terminal's math text)."""
from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone

import pytest
from fsrs import Rating
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.progress import Store, StoreError, clock, review
from quizapp.progress.notebook import clean, diff_configs, dumps, flatten, loads_object
from quizapp.textmath import GREEK, tex_to_text

keys = st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=6)
leaves = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=10) | st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3)
configs = st.recursive(st.dictionaries(keys, leaves, max_size=5),
                       lambda inner: st.dictionaries(keys, leaves | inner, max_size=4), max_leaves=20)
wild = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    | st.tuples(inner, inner), max_leaves=25)


@given(configs)
def test_a_config_does_not_differ_from_itself(a):
    assert diff_configs(a, a) == []


@given(configs, configs)
def test_diff_is_symmetric_and_sorted(a, b):
    ab, ba = diff_configs(a, b), diff_configs(b, a)
    assert [(k, y, x) for k, x, y in ab] == ba
    assert [k for k, _, _ in ab] == sorted(k for k, _, _ in ab)


@given(configs, st.data())
def test_changing_one_leaf_is_one_difference(a, data):
    flat = {k: v for k, v in flatten(a).items() if v is not None}
    if not flat:
        return
    key = data.draw(st.sampled_from(sorted(flat)))
    b = json.loads(json.dumps(a))
    node = b
    parts = key.split(".")
    for p in parts[:-1]:
        node = node[p]
    node[parts[-1]] = "changed!" if flat[key] != "changed!" else "other"
    assert [k for k, _, _ in diff_configs(a, b)] == [key]


@given(wild)
def test_stored_json_is_strict_and_round_trips_to_the_clean_value(value):
    doc = {"v": value}
    text = dumps(doc)
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert loads_object(text, "x") == clean(doc)


@given(st.text(max_size=60))
def test_reading_stored_json_fails_only_with_a_clear_value_error(text):
    try:
        out = loads_object(text, "run config")
    except ValueError as exc:
        assert "run config" in str(exc)
    else:
        assert isinstance(out, dict)


@settings(max_examples=40, deadline=None)
@given(configs, st.dictionaries(keys, st.floats() | st.none() | st.integers(0, 10**4), max_size=5))
def test_notebook_runs_round_trip(config, outcome):
    with Store.memory() as store:
        learner = store.add_learner("p")
        rec = store.record_run(learner.id, config, outcome, group="g")
        entry = store.get_run(rec.run_id)
        assert entry.config == clean(config)
        assert entry.outcome == clean(outcome)
        assert store.runs(learner.id)[0] == entry


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(keys, leaves, max_size=6), st.integers(0, 2**31 - 1), st.text(max_size=20))
def test_attempt_params_round_trip(params, seed, given_text):
    with Store.memory() as store:
        learner = store.add_learner("p")
        store.record_attempt(learner.id, "x.y", correct=True, given=given_text, seconds=1.0,
                             seed=seed, params=params, topic="x")
        hist = store.history(learner.id)[0]
        assert json.loads(hist["params"]) == clean(params)
        assert hist["seed"] == seed and hist["given"] == given_text


def test_an_unreadable_notebook_row_is_reported():
    with Store.memory() as store:
        learner = store.add_learner("p")
        rec = store.record_run(learner.id, {"surface": "booth"}, {})
        store.db.execute("UPDATE runs SET config = '[1, 2' WHERE id = ?", [rec.run_id])
        with pytest.raises(StoreError, match=f"run {rec.run_id} is unreadable"):
            store.get_run(rec.run_id)


@given(st.text(max_size=200))
def test_reading_a_stored_card_fails_only_with_card_data_error(text):
    try:
        card = review.card_from_json(text)
    except review.CardDataError:
        return
    assert card is not None and card.due.tzinfo is not None


@given(st.dictionaries(st.sampled_from(["card_id", "state", "step", "stability", "difficulty",
                                        "due", "last_review"]),
                       st.none() | st.integers(-5, 5) | st.floats() | st.text(max_size=30)))
def test_reading_a_half_broken_card_fails_cleanly(data):
    try:
        review.card_from_json(json.dumps(data))
    except review.CardDataError:
        pass


@given(st.lists(st.tuples(st.sampled_from(list(Rating)), st.integers(0, 60 * 24 * 40)),
                min_size=1, max_size=8))
def test_cards_round_trip_through_storage(steps):
    when = datetime(2025, 1, 1, tzinfo=timezone.utc)
    card = None
    for rating, minutes in steps:
        when += timedelta(minutes=minutes)
        card = review.review(card, rating, when)
        again = review.card_from_json(review.card_to_json(card))
        assert again.to_dict() == card.to_dict()


@given(st.datetimes(timezones=st.just(timezone.utc)))
def test_time_stamps_round_trip_and_sort_as_text(dt):
    dt = dt.replace(microsecond=dt.microsecond // 1000 * 1000)
    text = clock.iso(dt)
    assert clock.parse_iso(text) == dt
    later = clock.iso(dt + timedelta(milliseconds=1)) if dt.year < 9999 else text
    assert later >= text


@given(st.text(max_size=40))
def test_time_stamp_parsing_fails_only_with_value_error(text):
    try:
        clock.parse_iso(text)
    except ValueError:
        pass


@given(st.text(max_size=120))
def test_math_to_text_never_fails(text):
    out = tex_to_text(text)
    assert isinstance(out, str)


@given(st.sampled_from(sorted(GREEK)))
def test_greek_letters_read_as_letters(name):
    assert tex_to_text(f"${chr(92)}{name}$") == GREEK[name]


@pytest.mark.parametrize("tex, text", [
    (r"Step $\eta g = 0.001 \times 20 = 0.02$.", "Step η g = 0.001 × 20 = 0.02."),
    (r"$\hat{m}_1 = g$", "m̂₁ = g"),
    (r"$\epsilon = 10^{-8}$", "ε = 10⁻⁸"),
    (r"$\theta \leftarrow \theta - \eta \nabla L(\theta)$", "θ ← θ - η ∇ L(θ)"),
    (r"$\frac{\eta}{\sqrt{\hat v} + \epsilon}$", "η/(√v̂ + ε)"),
    (r"$\sqrt{k}\,|g|$", "√k |g|"),
    (r"$v \leftarrow \beta v + (1-\beta)g$", "v ← β v + (1-β)g"),
    (r"costs \$5, not $5$", "costs $5, not 5"),
    (r"$\lceil 64 / 16 \rceil = 4$", "⌈ 64 / 16 ⌉ = 4"),
    (r"$T_{max}$ and $\beta_1^t$", "Tₘₐₓ and β₁ᵗ"),
    ("no math here", "no math here"),
])
def test_math_examples(tex, text):
    assert tex_to_text(tex) == text


def test_non_finite_numbers_are_stored_as_null():
    assert clean({"a": [math.inf, -math.inf, math.nan, 1.5]}) == {"a": [None, None, None, 1.5]}
