"""Property tests for the GIFT reader: any input gives items + skipped + notes, never an exception."""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.bank import load_text
from quizapp.bank.gift import GiftImport, escape, import_gift, read_gift

# text made of the characters GIFT gives a meaning to, plus a little prose
GIFT_ALPHABET = st.sampled_from(list("~=#{}:\\%.-> \n/$[]TFabc0123456789") + [
    "::", "//", "{#", "{T}", "{}", "####", "..", "->", "=%50%", "~%-50%", "$CATEGORY: x/y\n",
    "\n\n", "[html]", "<b>", "&amp;", "\\n", "\\(", "\\)", "// [id:a.b] [tag:t]\n",
])
gift_like = st.lists(GIFT_ALPHABET, max_size=80).map("".join)


def _well_formed(result: GiftImport) -> None:
    assert isinstance(result, GiftImport)
    assert not any("internal error" in n.message for n in result.notes), result.notes
    assert len(result.items) == len(result.lines)
    ids = [t["id"] for t in result.items]
    assert len(ids) == len(set(ids))
    for table in result.items:
        assert table["answer"]["kind"] in ("choice", "true_false", "numeric")
        assert isinstance(table["prompt"], str) and table["prompt"].strip()
    for s in result.skipped:
        assert s.line >= 1 and s.type and s.reason
    assert re.match(r"^imported \d+; skipped \d+", result.summary())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_reader_never_raises_on_any_text(text):
    _well_formed(read_gift(text))


@settings(max_examples=300, deadline=None)
@given(gift_like)
def test_reader_never_raises_on_gift_like_text(text):
    _well_formed(read_gift(text))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gift_like)
def test_imported_items_always_load(text):
    """Whatever import_gift keeps loads without errors (bad ones are moved to skipped)."""
    result = import_gift(text, default_topic="prop")
    _well_formed(result)
    if result.items:
        bank = load_text(result.toml("prop"), "<prop>")
        assert bank.errors == []
        assert list(bank.items) == [t["id"] for t in result.items]


@given(st.binary(max_size=200))
@settings(max_examples=100, deadline=None)
def test_reader_takes_bytes_and_other_objects(data):
    _well_formed(read_gift(data))
    _well_formed(read_gift(None))


plain_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="$\ue000\ue001"
                           "\ue002\ue003\ue004\ue005\ue006\ue007\r"),
    min_size=1, max_size=60,
).filter(lambda t: t.strip() and not re.match(r"^\s*\[(html|moodle|plain|markdown)\]", t, re.I)
         and "\\(" not in t and "\\)" not in t)


@settings(max_examples=200, deadline=None)
@given(plain_text, plain_text, plain_text)
def test_escaped_text_reads_back_unchanged(prompt, right, wrong):
    """escape() then read: the prompt and the choices come back as written (stripped)."""
    if " ".join(right.split()).lower() == " ".join(wrong.split()).lower():
        return
    if "->" in right or "->" in wrong:
        return
    text = f"::t::{escape(prompt)}{{={escape(right)} ~{escape(wrong)}}}"
    result = read_gift(text, "prop")
    assert result.skipped == [], result.skipped
    (table,) = result.items
    unbrace = lambda s: s.replace("{{", "{").replace("}}", "}")  # noqa: E731
    assert unbrace(table["prompt"]) == prompt.strip()
    assert [unbrace(c) for c in table["answer"]["choices"]] == [right.strip(), wrong.strip()]


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.floats(min_value=0, max_value=1e6))
def test_numbers_read_back_exactly(value, tol):
    from quizapp.bank.gift import number_text

    result = read_gift(f"Q? {{#{number_text(value)}:{number_text(tol)}}}")
    (table,) = result.items
    assert table["answer"]["value"] == value
    assert table["answer"]["tolerance"] == {"absolute": tol}
