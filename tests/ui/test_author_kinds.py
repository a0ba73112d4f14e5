"""The Author form for the four kinds made of parts: each item table shows in its own
form and reads back unchanged; edits typed in the form give a valid item."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from quizapp.bank import load_text
from quizapp.bank.tomlwrite import document_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

DATA = Path(__file__).resolve().parents[1] / "bank" / "data" / "kinds.toml"
TABLES = tomllib.loads(DATA.read_text(encoding="utf-8"))["item"]


@pytest.fixture
def form(qtbot):
    from quizapp.ui.author.form import ItemForm

    f = ItemForm()
    qtbot.addWidget(f)
    f.resize(700, 900)
    f.show()
    qtbot.waitExposed(f)
    return f


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t["answer"]["kind"])
def test_each_kind_round_trips_through_its_form(form, table):
    form.set_table(table, "debugging")
    kind = table["answer"]["kind"]
    assert form.kind.currentData() == kind
    assert form.stack.currentWidget() is form.pages[kind]
    got, problems = form.read()
    assert problems == []
    assert got == {**table, "difficulty": table.get("difficulty", 2)}
    assert all(w.accessibleName() for w in form.focus_chain())


def test_typing_an_ordering_and_a_matching_item(qtbot, form):
    form.set_table(TABLES[1], "debugging")
    form.steps.clear()
    form.steps.setFocus()
    qtbot.keyClicks(form.steps, "forward")
    qtbot.keyClick(form.steps, Qt.Key.Key_Return)
    qtbot.keyClicks(form.steps, "loss")
    qtbot.keyClick(form.steps, Qt.Key.Key_Return)
    qtbot.keyClicks(form.steps, "backward")
    table, problems = form.read()
    assert table["answer"] == {"kind": "ordering", "steps": ["forward", "loss", "backward"]}
    bank = load_text(document_text("debugging", "Debugging", [table]))
    assert not bank.errors

    form.kind.setCurrentIndex(form.kind.findData("matching"))
    form.pairs.setPlainText("loss is NaN -> lower the rate\nno arrow here")
    table, problems = form.read()
    assert problems and problems[0][0] == "answer.pairs[2]"
    assert form.widget_for("answer.pairs[2]") is form.pairs


def test_choices_carry_over_to_select_all_with_the_key_ticked(form):
    form.set_table({"id": "t.c", "category": "choice", "prompt": "q", "explanation": "x",
                    "answer": {"kind": "choice", "choices": ["a", "b", "c"], "correct": 2}}, "t")
    form.kind.setCurrentIndex(form.kind.findData("multiple"))
    table, _ = form.read()
    assert table["answer"] == {"kind": "multiple", "choices": ["a", "b", "c"], "correct": [2]}
    form.multi.rows[0].radio.setChecked(True)
    assert form.read()[0]["answer"]["correct"] == [1, 2]
    form.multi.move(0, 1)
    assert form.read()[0]["answer"] == {"kind": "multiple", "choices": ["b", "a", "c"], "correct": [1, 2]}
