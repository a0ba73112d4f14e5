"""The Practice page with the answer kinds made of parts and short answers, driven by
real keystrokes and clicks: the stored answer is the engine's canonical text."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from quizapp.progress.session import SessionOptions

DATA = Path(__file__).resolve().parents[1] / "bank" / "data" / "kinds.toml"


@pytest.fixture(scope="module")
def bank():
    from quizapp.bank import load_bank

    b = load_bank(DATA)
    assert not b.errors, b.errors
    return b


def stored(ctx) -> list[tuple]:
    con = sqlite3.connect(ctx.store.path)
    try:
        return con.execute("SELECT item_id, correct, given FROM attempts ORDER BY id").fetchall()
    finally:
        con.close()


def start(page, item_id: str) -> None:
    assert page.start(SessionOptions(length=1, seed=3), item_ids=[item_id])
    assert page.instance.item_id == item_id


def test_multiple_digits_toggle_and_partial_credit_is_shown(qtbot, practice, ctx):
    start(practice, "debugging.k-multi")
    inst = practice.instance
    keys = inst.answer
    wrong = next(n for n in range(1, len(inst.choices) + 1) if n not in keys)
    for n in keys[:-1] + [wrong]:  # all right ones but one, and one wrong one
        qtbot.keyClick(practice.question_view, Qt.Key(Qt.Key.Key_0 + n))
    assert practice.kind_widget.ticked() == sorted(keys[:-1] + [wrong])
    qtbot.keyClick(practice.question_view, Qt.Key.Key_Return)
    assert practice.feedback is not None and practice.feedback.correct is False
    assert "Partly right" in practice.verdict_label.text()
    assert 0 < practice.feedback.score < 1
    [(item_id, ok, given)] = stored(ctx)
    assert (item_id, ok) == ("debugging.k-multi", 0)
    assert given == " ".join(str(n) for n in sorted(keys[:-1] + [wrong]))
    assert not practice.kind_widget.buttons[0].isEnabled()


def test_ordering_alt_up_down_moves_the_selected_step(qtbot, practice, ctx):
    start(practice, "debugging.k-order")
    widget = practice.kind_widget
    assert widget.list.hasFocus()
    key = list(practice.instance.answer)
    # put the right order together with Alt+Up / Alt+Down only, the way a keyboard user would
    for target, number in enumerate(key):
        row = widget.order().index(number)
        widget.list.setCurrentRow(row)
        while widget.list.currentRow() > target:
            qtbot.keyClick(widget.list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert widget.order() == key
    widget.list.setCurrentRow(1)
    qtbot.keyClick(widget.list, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # step 2 down
    assert widget.order() == [key[0], key[2], key[1]] + key[3:] and widget.list.currentRow() == 2
    qtbot.keyClick(widget.list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert widget.order() == key
    qtbot.mouseClick(practice.submit_button, Qt.MouseButton.LeftButton)
    assert practice.feedback.correct is True
    assert stored(ctx) == [("debugging.k-order", 1, " ".join(map(str, key)))]


def test_matching_combo_per_row_and_an_unfinished_answer_is_refused(qtbot, practice, ctx):
    start(practice, "debugging.k-match")
    widget = practice.kind_widget
    key = practice.instance.answer
    widget.combos[0].setFocus()
    for _ in range(key[0]):
        qtbot.keyClick(widget.combos[0], Qt.Key.Key_Down)
    qtbot.keyClick(practice.question_view, Qt.Key.Key_Return)
    assert practice.feedback is None and "partner for every entry" in practice.input_message.text()
    assert stored(ctx) == []
    for combo, k in list(zip(widget.combos, key))[1:]:
        for _ in range(k):
            qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert widget.answer_text() == practice.instance.answer_text
    qtbot.keyClick(practice.question_view, Qt.Key.Key_Return)
    assert practice.feedback.correct is True
    assert stored(ctx) == [("debugging.k-match", 1, practice.instance.answer_text)]
    assert all(m.text() == "✓" for m in widget.marks)


def test_short_answer_typed_with_other_case_and_a_typo(qtbot, practice, ctx):
    start(practice, "debugging.k-short")
    edit = practice.kind_widget.edit
    assert edit.hasFocus()
    qtbot.keyClicks(edit, "Warm pu")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert practice.feedback.correct is True and "typo" in practice.feedback.message
    assert stored(ctx) == [("debugging.k-short", 1, "Warm pu")]
    assert edit.isReadOnly()


def test_every_kind_widget_is_reachable_by_tab_and_named(qtbot, practice):
    for item_id in ("debugging.k-multi", "debugging.k-order", "debugging.k-match", "debugging.k-short"):
        start(practice, item_id)
        for w in practice.kind_widget.focus_widgets():
            assert w.accessibleName(), (item_id, w)
            assert w.focusPolicy() != Qt.FocusPolicy.NoFocus
        practice.end_session(show=False)


def test_set_text_shows_a_typed_answer_in_each_widget(practice):
    from quizapp.bank.kinds import typed_answer

    for item_id in ("debugging.k-multi", "debugging.k-order", "debugging.k-match", "debugging.k-short"):
        start(practice, item_id)
        for right in (True, False):
            text = typed_answer(practice.instance, right)
            practice.kind_widget.set_text(text)
            assert practice.kind_widget.answer_text() == text
        practice.end_session(show=False)
