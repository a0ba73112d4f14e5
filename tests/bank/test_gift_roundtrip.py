"""GIFT export -> import gives back the same items (and variants as concrete items)."""
from __future__ import annotations

import math

import pytest

from quizapp.bank import check_bank, load_bank, load_text
from quizapp.bank.gift import concrete_questions, escape, export_gift, import_gift, read_gift

from tests.bank.test_gift_helpers import ROUNDTRIP_BANK


@pytest.fixture(scope="module")
def bank():
    b = load_bank([ROUNDTRIP_BANK])
    assert b.errors == []
    return b


def _round_trip(bank, variants):
    exported = export_gift(bank, variants=variants)
    result = import_gift(exported.text, default_topic="roundtrip")
    back = load_text(result.toml("roundtrip"), "<import>")
    return exported, result, back


def _assert_same(original_bank, back, variants):
    questions = list(concrete_questions(original_bank.items.values(), original_bank, variants))
    questions = [q for q in questions if q.kind != "ordering"]  # GIFT has no ordering question
    assert list(back.items) == [q.id for q in questions]
    for q in questions:
        item, new = q.item, back.items[q.id]
        inst = back.instance(q.id, 0)
        assert inst.prompt == q.prompt.strip(), q.id
        assert inst.explanation == q.explanation.strip(), q.id
        assert new.topic == item.topic
        assert new.tags == item.tags
        assert new.category == item.category
        assert new.difficulty == item.difficulty
        assert new.preset == item.preset
        if q.kind == "choice":
            assert new.kind == "choice"
            assert [t.render({}) for t in new.answer.choices] == q.choices
            assert new.answer.correct == q.correct
        elif q.kind == "true_false":
            assert new.kind == "true_false" and inst.answer is q.truth
        elif q.kind in ("multiple", "matching", "short"):
            from quizapp.bank.tomlwrite import item_to_table

            assert item_to_table(new)["answer"] == item_to_table(item)["answer"], q.id
        else:
            assert new.kind == "numeric"
            assert inst.answer == q.value
            assert new.answer.tolerance == item.answer.tolerance
            assert new.answer.display == item.answer.display
            assert new.answer.unit == item.answer.unit
            assert math.isclose(new.answer.tolerance.bound(inst.answer), q.tolerance, rel_tol=1e-12,
                                abs_tol=0)


def test_fixture_bank_round_trip(bank):
    exported, result, back = _round_trip(bank, variants=3)
    assert result.skipped == []
    assert back.errors == []
    _assert_same(bank, back, 3)
    # fixed items keep their ids; variants are <id>.v<seed>
    assert "exchange.specials" in back.items
    assert {"other.step-size.v0", "other.step-size.v1", "other.step-size.v2"} <= set(back.items)
    # the file's topic is the commonest one; its title travels in a [title:...] comment
    assert back.topics["other"] == "Other"
    only_exchange = export_gift(bank, items=bank.by_topic("exchange")).text
    titled = load_text(import_gift(only_exchange).toml(), "<import>")
    assert titled.topics == {"exchange": "Exchange test: GIFT & Moodle"}


def test_round_trip_output_passes_bank_check(bank):
    _, result, back = _round_trip(bank, variants=2)
    assert [p for p in check_bank(back, draws=5) if p.severity == "error"] == []


def test_export_text_follows_gift_conventions(bank):
    text = export_gift(bank, variants=2).text
    assert "$CATEGORY: $course$/top/exchange" in text
    assert "$CATEGORY: $course$/top/other" in text
    assert "::exchange.specials::" in text
    assert "::other.step-size\\#1::" in text          # a variant title, '#' escaped
    assert "// [id:exchange.specials]" in text
    # written as Moodle reads tags: "]" escaped with a backslash, "%" as it is
    assert "// [tag:escapes] [tag:odd \\] tag %] [tag:unicode-β]" in text
    assert "{#0.21:0.0042" in text                     # relative 2 % of 0.21 as an absolute tolerance
    assert "{#-1.5:0.01" in text
    assert "{TRUE####" in text and "{FALSE####" in text
    assert "\\(\\\\beta_1 \\= 0.9\\)" not in text      # the math delimiters are not GIFT-escaped ...
    assert "\\\\(\\\\beta_1 \\= 0.9\\\\)" in text       # ... but their backslashes are
    # an answer block holding '->' is written as [html] so Moodle does not take it for matching
    specials = next(block for block in text.split("\n\n") if "::exchange.specials::" in block)
    assert "::[html]" in specials and "-&gt;" in specials and "->" not in specials


def test_escape_covers_every_special_character():
    assert escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


def test_computed_choice_exports_as_choice_in_written_order(bank):
    qs = [q for q in concrete_questions([bank.items["exchange.computed-fixed"]], bank, 1)]
    assert len(qs) == 1
    assert qs[0].kind == "choice" and qs[0].correct == 1
    assert qs[0].choices[0] == "0.8"


def test_identical_variants_are_dropped(bank):
    notes: list[str] = []
    item = bank.items["other.beta-order"]   # 3 x 3 values, many seeds repeat
    qs = list(concrete_questions([item], bank, 40, notes))
    keys = {(q.prompt, q.truth) for q in qs}
    assert len(keys) == len(qs) <= 9
    assert any("distinct variant" in n for n in notes)


def test_shipped_bank_round_trip():
    shipped = load_bank()
    exported, result, back = _round_trip(shipped, variants=2)
    assert result.skipped == [], result.skipped[:3]
    assert back.errors == []
    assert len(back.items) == exported.questions
    _assert_same(shipped, back, 2)


def test_reading_is_stable_on_its_own_output(bank):
    """Import, export the imported bank, import again: the same tables."""
    _, first, back = _round_trip(bank, variants=2)
    again = read_gift(export_gift(back, variants=1).text, "roundtrip")
    strip = [{k: v for k, v in t.items()} for t in first.items]
    assert again.items == strip
