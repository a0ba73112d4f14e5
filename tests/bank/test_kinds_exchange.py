"""GIFT and Moodle XML for the kinds made of parts (issue 10, part 3)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from quizapp.bank import load_bank, load_text
from quizapp.bank.gift import export_gift, import_gift
from quizapp.bank.moodle import export_moodle_xml
from quizapp.bank.tomlwrite import item_to_table

DATA = Path(__file__).resolve().parent / "data" / "kinds.toml"


@pytest.fixture(scope="module")
def bank():
    return load_bank(DATA)


def test_gift_round_trip_keeps_every_kind_gift_can_say(bank):
    out = export_gift(bank)
    assert "~%33.33333%AdaGrad" in out.text and "~%-50%SGD" in out.text
    assert "=loss NaN -> clip gradients" in out.text and "= -> raise the batch size" in out.text
    assert "{=warmup =learning-rate warmup" in out.text and "[typos:1]" in out.text
    assert any("k-order" in n and "no ordering question" in n for n in out.notes)
    back = import_gift(out.text, "debugging")
    assert back.skipped == [] and [n.message for n in back.notes] == []
    again = load_text(back.toml("debugging"))
    for item_id in ("debugging.k-multi", "debugging.k-match", "debugging.k-short"):
        mine, theirs = item_to_table(bank.items[item_id]), item_to_table(again.items[item_id])
        assert theirs["answer"] == mine["answer"], item_id
        assert theirs["prompt"] == mine["prompt"]


def test_gift_weights_import_as_select_all_and_unequal_weights_are_noted():
    text = "::W::Which adapt per coordinate? {~%50%AdaGrad ~%50%Adam ~%-100%SGD ~%0%Momentum}\n"
    got = import_gift(text, "t")
    [table] = got.items
    assert table["answer"] == {"kind": "multiple", "choices": ["AdaGrad", "Adam", "SGD", "Momentum"],
                               "correct": [1, 2]}
    assert any("equal shares" in n.message for n in got.notes)  # -100 and 0 become -50 each


def test_moodle_xml_types_and_weights(bank):
    out = export_moodle_xml(bank)
    root = ET.fromstring(out.xml)
    by_id = {q.findtext("idnumber"): q for q in root.iter("question") if q.get("type") != "category"}
    multi = by_id["debugging.k-multi"]
    assert multi.get("type") == "multichoice" and multi.findtext("single") == "false"
    fractions = [float(a.get("fraction")) for a in multi.findall("answer")]
    assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=1e-3)
    assert sum(f for f in fractions if f < 0) == pytest.approx(-100, abs=1e-3)
    order = by_id["debugging.k-order"]
    assert order.get("type") == "ordering" and order.findtext("gradingtype") == "LONGEST_ORDERED_SUBSET"
    assert [a.findtext("text") for a in order.findall("answer")] == \
        ["forward pass", "compute the loss", "backward pass", "optimizer step"]
    match = by_id["debugging.k-match"]
    pairs = [(s.findtext("text") or "", s.findtext("answer/text")) for s in match.findall("subquestion")]
    assert pairs[-1] == ("", "raise the batch size") and len(pairs) == 4
    short = by_id["debugging.k-short"]
    assert short.get("type") == "shortanswer" and short.findtext("usecase") == "0"
    assert [a.findtext("text") for a in short.findall("answer")] == ["warmup", "learning-rate warmup"]
    assert any("qtype_ordering" in n for n in out.notes)
    assert any("k-short" in n and "typo" in n for n in out.notes)
