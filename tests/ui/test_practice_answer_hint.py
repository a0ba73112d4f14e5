"""The Practice answer box's placeholder and format hint never show the question's own answer."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from quizapp.progress.session import SessionOptions


def _accepted(item, inst, text: str) -> bool:
    from quizapp.bank import read_number

    value, _ = read_number(text)
    return value is not None and item.answer.tolerance.accepts(value, float(inst.answer))


def test_update_size_chapter_hint_does_not_show_its_answer(qtbot, practice, bank):
    item = bank.items["gradient_descent.update-size-chapter"]
    assert practice.start(SessionOptions(length=1, seed=1), item_ids=[item.id])
    inst = practice.instance
    assert float(inst.answer) == pytest.approx(0.02)  # the chapter's example: the old hint's number
    shown = [practice.answer_edit.placeholderText(), practice.accepted_label.text(),
             practice.answer_edit.toolTip()]
    assert all("0.02" not in s and "1/50" not in s and "2e-2" not in s for s in shown), shown
    import re

    typed = re.findall(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?(?:/\d+)?", " ".join(shown))
    assert typed and not any(_accepted(item, inst, t) for t in typed), typed
    # the "type a number first" message shows the same safe examples
    practice.answer_edit.setFocus()
    qtbot.keyClick(practice.answer_edit, Qt.Key.Key_Return)
    assert "0.02" not in practice.input_message.text() and "Type a number" in practice.input_message.text()


def test_every_numeric_item_hint_avoids_its_answer(bank):
    from quizapp.bank.numeric import EXAMPLE_SETS, number_examples, read_number

    for item in bank.items.values():
        if item.kind != "numeric":
            continue
        inst = bank.instance(item.id, 0)
        answer = float(inst.answer)
        examples = number_examples(lambda v: item.answer.tolerance.accepts(v, answer))
        assert examples in EXAMPLE_SETS
        assert not any(item.answer.tolerance.accepts(read_number(e)[0], answer) for e in examples), item.id
