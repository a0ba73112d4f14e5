"""The Practice page: whole sessions on the shared engine, exam mode, unreadable input,
the keyboard flow, math drawn, and links out (simulator) and in (open_with)."""
from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from quizapp.progress.session import SessionOptions


def attempts(ctx) -> list[tuple]:
    con = sqlite3.connect(ctx.store.path)
    try:
        return con.execute("SELECT item_id, correct, given FROM attempts ORDER BY id").fetchall()
    finally:
        con.close()


def right_answer(inst) -> str:
    from quizapp.bank.kinds import typed_answer

    if typed_answer(inst, True) is not None:
        return typed_answer(inst, True)
    if inst.choices:
        return str(inst.correct_choice)
    return inst.answer_display or repr(float(inst.answer))


def wrong_answer(inst) -> str:
    from quizapp.bank.kinds import typed_answer

    if typed_answer(inst, False) is not None:
        return typed_answer(inst, False)
    if inst.choices:
        return str(1 if inst.correct_choice != 1 else 2)
    return repr(float(inst.answer) * 3 + 7)


def give(page, text: str) -> None:
    """Enter ``text`` the way a learner would (a choice number or typed digits) and submit."""
    if page.kind_widget is not None:  # select-all, ordering, matching, short
        page.kind_widget.set_text(text)
    elif page.instance.choices:
        page.choose(int(text))
    else:
        page.answer_edit.setText(text)
    page.submit()


def numeric_item(bank, with_math: bool = False) -> str:
    for item in bank.items.values():
        if item.kind == "numeric" and (not with_math or "$" in item.prompt_text):
            return item.id
    raise AssertionError("the bank has no numeric item")


# ---------------------------------------------------------------------- whole session


def test_whole_session_records_answers_unlocks_an_achievement_and_summarises(qtbot, practice, ctx):
    unlocked: list = []
    ctx.achievementsUnlocked.connect(unlocked.extend)
    practice.open_with(topics=["momentum"], length=3, mode="mixed", seed=7)
    assert practice.current_view() == "question" and practice.session.total == 3
    assert practice.session.opts.topics == ["momentum"]
    given = []
    for n in range(3):
        inst = practice.instance
        assert practice.session.item(inst.item_id).topic == "momentum"
        answer = right_answer(inst) if n != 1 else wrong_answer(inst)
        with qtbot.waitSignal(practice.answered, timeout=2000) as blocker:
            give(practice, answer)
        fb = blocker.args[0]
        assert fb.readable and fb.correct is (n != 1)
        given.append((inst.item_id, n != 1))
        # immediate feedback, with this instance's own worked explanation
        assert practice.feedback_box.isVisible()
        assert practice.verdict_label.text().startswith("✓" if n != 1 else "✗")
        assert practice.explanation.text() == inst.explanation
        assert "$" not in practice.explanation.html()
        # committed before the feedback was shown
        assert [(a[0], bool(a[1])) for a in attempts(ctx)] == given
        if n == 0:
            assert "first-correct" in [a.id for a in unlocked]
            assert "First step downhill" in practice.unlocked_label.text()
        practice.next_question()
    assert practice.current_view() == "summary"
    summary = practice.summary
    assert (summary.answered, summary.correct) == (3, 2)
    assert practice.score_label.text().startswith("2 of 3 right (67 %)")
    assert summary.review_next == [given[1][0]]
    assert practice.review_button.isVisible() and "again" in practice.review_button.text()
    # the answer cards follow the score, one per event-loop turn (no pause before the summary)
    qtbot.waitUntil(lambda: practice.answers_layout.count() == 3, timeout=5000)
    # "practise these again" starts a session on exactly the missed item
    practice.practise_missed()
    assert practice.current_view() == "question"
    assert practice.session.queue == [given[1][0]] and practice.instance.item_id == given[1][0]


def test_exam_mode_shows_nothing_until_the_end(qtbot, practice, ctx):
    unlocked: list = []
    ctx.achievementsUnlocked.connect(unlocked.extend)
    practice.open_with(topics=["adam"], length=3, mode="exam", seed=3)
    assert practice.exam_note.isVisible()
    for n in range(3):
        inst = practice.instance
        assert practice.current_view() == "question" and practice.session.position == n + 1
        with qtbot.waitSignal(practice.answered, timeout=2000) as blocker:
            give(practice, right_answer(inst))
        fb = blocker.args[0]
        assert fb.correct is None and fb.explanation == "" and fb.unlocked == []
        assert not practice.feedback_box.isVisible()
        if n < 2:  # the last answer ends the exam, which reveals everything
            assert unlocked == []  # held back by the engine until the end
    assert len(attempts(ctx)) == 3 and all(a[1] == 1 for a in attempts(ctx))
    assert practice.current_view() == "summary"
    assert practice.summary_title.text() == "Exam over"
    assert practice.score_label.text().startswith("3 of 3 right")
    assert "first-correct" in [a.id for a in unlocked]  # revealed with the verdicts
    assert "First step downhill" in practice.summary_unlocked.text()


def test_unreadable_numeric_input_is_explained_not_graded(qtbot, practice, ctx, bank):
    item_id = numeric_item(bank)
    assert practice.start(SessionOptions(length=1, seed=1), item_ids=[item_id])
    assert practice.numeric_box.isVisible() and not practice.choices_box.isVisible()
    assert "0.02, .02, 2e-2, -3 or 1/50" in practice.accepted_label.text()
    seen = []
    practice.answered.connect(seen.append)
    practice.answer_edit.setFocus()
    qtbot.keyClicks(practice.answer_edit, "1,000")
    qtbot.keyClick(practice.answer_edit, Qt.Key.Key_Return)
    assert practice.input_message.isVisible() and "Commas are not accepted" in practice.input_message.text()
    assert practice.feedback is None and seen == [] and attempts(ctx) == []
    assert practice.answer_edit.isEnabled()  # try again
    practice.answer_edit.clear()
    qtbot.keyClicks(practice.answer_edit, right_answer(practice.instance))
    qtbot.keyClick(practice.answer_edit, Qt.Key.Key_Return)
    assert practice.feedback is not None and practice.feedback.correct is True
    assert not practice.input_message.isVisible()
    assert [a[0] for a in attempts(ctx)] == [item_id]


def test_keyboard_flow_choose_submit_next_and_escape_keeps_answers(qtbot, practice, ctx, bank):
    choice = next(i.id for i in bank.items.values() if i.kind == "choice")
    other = next(i.id for i in bank.items.values() if i.kind == "choice" and i.id != choice)
    numeric = numeric_item(bank)
    assert practice.start(SessionOptions(length=3, seed=5), item_ids=[choice, numeric, other])
    view = practice.question_view
    assert practice.instance.item_id == choice
    qtbot.keyClick(practice.focusWidget() or view, Qt.Key.Key_2)
    assert practice.choice_buttons[1].isChecked() and practice.answer_text() == "2"
    qtbot.keyClick(practice.focusWidget(), Qt.Key.Key_1)  # change of mind
    assert practice.choice_buttons[0].isChecked() and practice.answer_text() == "1"
    qtbot.keyClick(practice.focusWidget(), Qt.Key.Key_Return)  # submit
    assert practice.feedback is not None and len(attempts(ctx)) == 1
    assert attempts(ctx)[0][2] == "1"
    qtbot.keyClick(practice.focusWidget(), Qt.Key.Key_N)  # next
    assert practice.instance.item_id == numeric and practice.feedback is None
    assert practice.focusWidget() is practice.answer_edit
    # digits go into the number field, not to the choice keys; N is text there too
    qtbot.keyClicks(practice.answer_edit, "12n")
    assert practice.answer_edit.text() == "12n" and practice.feedback is None
    practice.answer_edit.clear()
    qtbot.keyClicks(practice.answer_edit, "1/50")
    qtbot.keyClick(practice.answer_edit, Qt.Key.Key_Return)
    assert practice.feedback is not None and len(attempts(ctx)) == 2
    qtbot.keyClick(practice.focusWidget(), Qt.Key.Key_Return)  # Enter also goes on
    assert practice.instance.item_id == other
    qtbot.keyClick(practice.focusWidget(), Qt.Key.Key_Escape)  # end, unanswered question dropped
    assert practice.current_view() == "summary"
    assert practice.summary.answered == 2
    assert [a[0] for a in attempts(ctx)] == [choice, numeric]
    con = sqlite3.connect(ctx.store.path)
    finished = con.execute("SELECT answered, finished_at FROM sessions ORDER BY id DESC").fetchone()
    con.close()
    assert finished[0] == 2 and finished[1]


def test_choice_key_out_of_range_says_so(qtbot, practice, bank):
    tf = next(i.id for i in bank.items.values() if i.kind == "true_false")
    practice.start(SessionOptions(length=1), item_ids=[tf])
    assert [b.accessibleName() for b in practice.choice_buttons] == ["1. True", "2. False"]
    qtbot.keyClick(practice.focusWidget(), Qt.Key.Key_5)
    assert practice.input_message.text() == "Choose a number from 1 to 2."
    qtbot.keyClick(practice.focusWidget(), Qt.Key.Key_Return)  # nothing chosen: not submitted
    assert practice.feedback is None and "Choose an answer first" in practice.input_message.text()


def test_math_is_drawn_not_shown_as_tex(practice, bank):
    item_id = numeric_item(bank, with_math=True)
    practice.start(SessionOptions(length=1, seed=2), item_ids=[item_id])
    assert "$" in practice.instance.prompt
    html = practice.prompt.html()
    assert "<img" in html and "$" not in html and "\\" not in html
    assert "$" not in practice.prompt.accessibleName()
    practice.answer_edit.setText(wrong_answer(practice.instance))
    practice.submit()
    assert "$" not in practice.explanation.html()


def test_show_in_the_simulator_for_items_with_a_preset(qtbot, practice, ctx, bank):
    item = next(i for i in bank.items.values() if i.preset)
    plain = next(i for i in bank.items.values() if not i.preset)
    practice.start(SessionOptions(length=2, seed=1), item_ids=[plain.id, item.id])
    give(practice, wrong_answer(practice.instance))
    assert not practice.sim_button.isVisible()
    practice.next_question()
    assert not practice.sim_button.isVisible()  # only once answered
    give(practice, right_answer(practice.instance))
    assert practice.sim_button.isVisible()
    with qtbot.waitSignal(ctx.navigateRequested, timeout=1000) as blocker:
        practice.sim_button.click()
    assert blocker.args == ["simulator", {"preset": item.preset}]


def test_nothing_to_review_on_a_fresh_profile_is_explained(practice):
    practice.open_with(mode="review", length=5)
    assert practice.current_view() == "setup"
    assert practice.session is None
    assert "no questions are due for review" in practice.setup_message.text()


def test_unknown_topic_is_an_inline_error(practice):
    practice.open_with(topics=["no-such-topic"], length=3)
    assert practice.current_view() == "setup"
    assert "unknown topic 'no-such-topic'" in practice.setup_message.text()


def test_open_with_ends_a_running_session_first_and_keeps_its_answers(practice, ctx):
    practice.open_with(topics=["sgd"], length=3, seed=1)
    give(practice, right_answer(practice.instance))
    first = practice.session
    practice.open_with(topics=["adam"], length=2, seed=1)
    assert practice.session is not first and practice.session.opts.topics == ["adam"]
    assert len(attempts(ctx)) == 1
    con = sqlite3.connect(ctx.store.path)
    rows = con.execute("SELECT answered, finished_at IS NOT NULL FROM sessions ORDER BY id").fetchall()
    con.close()
    assert rows[0] == (1, 1)


def test_setup_from_the_form_and_settings_round_trip(qtbot, ctx, practice, bank):
    from quizapp.ui.practice.page import PracticePage
    from quizapp.ui.shared.settings import open_settings

    practice.set_topics(["rmsprop", "adagrad"])
    practice.category_combo.setCurrentIndex(practice.category_combo.findData("calculation"))
    practice.length_spin.setValue(4)
    practice.mode_combo.setCurrentIndex(practice.mode_combo.findData("new"))
    assert "questions match" in practice.availability.text()
    opts = practice.options()
    assert (sorted(opts.topics), opts.categories, opts.length, opts.mode) == (
        ["adagrad", "rmsprop"], ["calculation"], 4, "new")
    settings = open_settings()
    settings.beginGroup("pages/practice")
    practice.save_settings(settings)
    settings.endGroup()
    again = PracticePage(ctx, bank=bank)
    qtbot.addWidget(again)
    settings.beginGroup("pages/practice")
    again.restore_settings(settings)
    settings.endGroup()
    o2 = again.options()
    assert (sorted(o2.topics), o2.categories, o2.length, o2.mode) == (
        ["adagrad", "rmsprop"], ["calculation"], 4, "new")
    # Enter on the set-up starts that session
    practice.close()
    again.show()
    again.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is again, timeout=3000)
    again.activated()
    assert QApplication.focusWidget() is again.start_button
    qtbot.keyClick(again.start_button, Qt.Key.Key_Return)
    assert again.current_view() == "question", again.setup_message.text()
    item = again.session.item(again.instance.item_id)
    assert item.topic in ("rmsprop", "adagrad") and item.category == "calculation"


def test_bank_loads_on_a_worker_thread(qtbot, ctx, monkeypatch):
    from quizapp.ui.practice import page as practice_page

    monkeypatch.setattr(practice_page, "_LOADERS", {})
    page = practice_page.PracticePage(ctx)
    qtbot.addWidget(page)
    if not page.ready:
        assert not page.start_button.isEnabled()
        page.open_with(topics=["nesterov"], length=2)  # remembered until the bank is there
        with qtbot.waitSignal(page.bankReady, timeout=10000):
            pass
    else:  # pragma: no cover - only if loading beat us to it
        page.open_with(topics=["nesterov"], length=2)
    assert page.ready and page.start_button.isEnabled()
    assert page.current_view() == "question" and page.session.opts.topics == ["nesterov"]


def test_every_control_has_an_accessible_name(practice):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QListWidget

    def unnamed():
        out = []
        for w in practice.findChildren(QWidget):
            if isinstance(w, QLineEdit) and isinstance(w.parent(), (QAbstractSpinBox, QComboBox)):
                continue  # the spin box's own editor: the spin box carries the name
            if isinstance(w, (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QListWidget)):
                if not w.accessibleName():
                    out.append(w)
        return out

    assert unnamed() == []
    practice.open_with(topics=["momentum"], length=2, seed=1)
    give(practice, right_answer(practice.instance))
    assert unnamed() == []
    practice.end_session()
    assert unnamed() == []


def test_switching_learner_ends_the_session_and_practises_as_the_new_one(practice, ctx):
    practice.open_with(topics=["sgd"], length=3, seed=2)
    give(practice, right_answer(practice.instance))
    first_learner = ctx.learner_id
    ben = ctx.store.ensure_learner("Ben")
    ctx.set_learner(ben.id)
    assert practice.current_view() == "setup" and "learner changed" in practice.setup_message.text()
    practice.open_with(topics=["sgd"], length=1, seed=2)
    give(practice, right_answer(practice.instance))
    con = sqlite3.connect(ctx.store.path)
    rows = con.execute("SELECT learner_id FROM attempts ORDER BY id").fetchall()
    con.close()
    assert rows == [(first_learner,), (ben.id,)]


def test_practice_uses_the_bank_given_with_dash_dash_bank(qtbot, tmp_path):
    """`quizapp --bank PATH` replaces the shipped bank on the Practice page too."""
    from pathlib import Path

    from quizapp.ui.practice import page as practice_page
    from quizapp.ui.context import AppContext

    sample = Path(__file__).resolve().parents[1] / "bank" / "data" / "sample.toml"
    own = AppContext.open(str(tmp_path / "own.db"), bank_paths=[str(sample)])
    try:
        page = practice_page.PracticePage(own)
        qtbot.addWidget(page)
        qtbot.waitUntil(lambda: page.ready, timeout=10000)
        assert set(page.bank.items) == set(practice_page.bank_loader([str(sample)]).bank.items)
        assert "adam.first-step" in page.bank.items and len(page.bank.items) < 20
    finally:
        own.close()


def test_exam_mode_keeps_the_keyboard_on_every_question(qtbot, practice, ctx, bank):
    """Issue 12 (3): after the first Enter, 1–9 and Enter must still answer later questions."""
    choice_ids = [i.id for i in bank.items.values() if i.kind in ("choice", "true_false")][:4]
    practice.start(SessionOptions(length=4, mode="exam", seed=1), item_ids=choice_ids)
    for n in range(4):
        qtbot.wait(30)  # the event loop runs between two questions, as it does for a learner
        inst = practice.instance
        assert inst.choices and practice.session.position == n + 1
        focus = QApplication.focusWidget()
        assert focus is not None and practice.question_view.isAncestorOf(focus)
        qtbot.keyClick(focus, Qt.Key(Qt.Key.Key_0 + right_answer_number(inst)))
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert len(attempts(ctx)) == 4 and all(a[1] == 1 for a in attempts(ctx))
    assert practice.current_view() == "summary"


def right_answer_number(inst) -> int:
    return int(inst.correct_choice)


def test_exam_mode_keeps_the_keyboard_across_kinds(qtbot, practice, ctx, bank):
    """A typed answer, then choices, then a typed answer again: keys still reach them."""
    numeric = [i.id for i in bank.items.values() if i.kind == "numeric" and not i.params][:2]
    choice = [i.id for i in bank.items.values() if i.kind == "choice"][:1]
    ids = [numeric[0], choice[0], numeric[1]]
    practice.start(SessionOptions(length=3, mode="exam", seed=1), item_ids=ids)
    for n in range(3):
        qtbot.wait(30)
        inst = practice.instance
        focus = QApplication.focusWidget()
        assert focus is not None and practice.question_view.isAncestorOf(focus), n
        if inst.choices:
            qtbot.keyClick(focus, Qt.Key(Qt.Key.Key_0 + int(inst.correct_choice)))
        else:
            qtbot.keyClicks(focus, right_answer(inst))
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert len(attempts(ctx)) == 3 and all(a[1] == 1 for a in attempts(ctx))


# ---------------------------------------------------------------------- a busy progress file


def test_an_answer_given_while_another_program_holds_the_file_is_kept_and_said(
        qtbot, practice, ctx):
    """Issue 11: a real second process holds the file; the page does not freeze for long,
    keeps the answer in the journal, says so, and the next open adds it."""
    import subprocess
    import sys
    from pathlib import Path

    from quizapp.progress import Store

    practice.open_with(topics=["momentum"], length=2, mode="mixed", seed=7)
    messages: list = []
    ctx.message.connect(messages.append)
    ctx.store.write_wait = 0.3
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], "
         "isolation_level=None); c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); "
         "sys.stdin.readline(); c.execute('COMMIT')", str(ctx.store.path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        give(practice, right_answer(practice.instance))
        assert practice.feedback is not None and practice.feedback.saved == "journal"
        assert any("p" in m and "journal.jsonl" in m for m in messages), messages
    finally:
        holder.communicate("\n", timeout=30)
    path = Path(ctx.store.path)
    ctx.close()
    with Store.open(path) as store:
        assert store.attempt_count() == 1
    assert not Path(f"{path}.journal.jsonl").exists()
