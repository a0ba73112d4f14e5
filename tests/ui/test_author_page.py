"""The Author page: browse and search, edit with live checks and preview, save keeping
comments, new item / new file / duplicate / delete, undo, read-only shipped bank,
seeds, GIFT import and export, drafts. Every dialog is monkeypatched."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication

from quizapp.bank import load_bank
from quizapp.ui.author import dialogs

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]

FIXTURE = '''\
# mine.toml: a small file for the Author page tests
# (this header comment must survive every save)
topic = "mine"
title = "My questions"
format = 1

# ---- first item: a plain choice
[[item]]
id = "mine.choice"
category = "definition"
difficulty = 1
tags = ["zorblax"]
prompt = "Which optimizer keeps a velocity?"
explanation = "It keeps a moving average of gradients: {answer}."

[item.answer]
kind = "choice"
choices = ["Momentum", "Plain SGD", "Grid search"]
correct = 1

# ---- second item: a parameterised number
[[item]]
id = "mine.step"
category = "calculation"
difficulty = 2
tags = ["quuxle"]
prompt = "Plain SGD with $\\\\eta = {lr}$ sees the gradient $g = {g}$. How far does $\\\\theta$ move?"
explanation = "The step is $\\\\eta g = {answer}$."

[item.params]
lr = { choice = [0.1, 0.01] }   # two rates, kept as written
g = { randint = [1, 1000000] }

[item.answer]
kind = "numeric"
value = "lr * g"
tolerance = { relative = 0.01 }

# ---- third item: true or false
[[item]]
id = "mine.truth"
category = "true_false"
prompt = "Adam's first step has about the size of the learning rate."
explanation = "Bias correction makes it so: {answer}."

[item.answer]
kind = "true_false"
value = true
'''


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "bank"
    path.mkdir()
    (path / "mine.toml").write_text(FIXTURE, encoding="utf-8")
    return path


def _make_page(qtbot, tmp_path, bank_paths):
    from quizapp.ui.author.page import AuthorPage
    from quizapp.ui.context import AppContext

    ctx = AppContext.open(str(tmp_path / "progress.db"), bank_paths=bank_paths)
    page = AuthorPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    qtbot.waitExposed(page)
    return page, ctx


@pytest.fixture
def author(qtbot, tmp_path, folder):
    page, ctx = _make_page(qtbot, tmp_path, [str(folder)])
    yield page
    page.wait_idle()
    ctx.close()


def open_item(qtbot, page, item_id, read_only=False):
    with qtbot.waitSignal(page.evaluated, timeout=10000):
        assert page.select_item(item_id, read_only=read_only)
    assert page.form.id_edit.text() == item_id


def edit(qtbot, page, action):
    with qtbot.waitSignal(page.evaluated, timeout=10000):
        action()


def visible_ids(page):
    return sorted(page.entry_of(n).id for n in page.item_nodes(visible_only=True))


# ---------------------------------------------------------------------- browse


def test_browse_lists_folder_and_shipped_bank_and_filters(author):
    shipped = load_bank()
    ids = visible_ids(author)
    assert {"mine.choice", "mine.step", "mine.truth"} <= set(ids)
    assert len(ids) == 3 + len(shipped.items)
    author.search.setText("zorblax")
    assert visible_ids(author) == ["mine.choice"]
    author.search.setText("QUUXLE")  # case does not matter
    assert visible_ids(author) == ["mine.step"]
    author.search.setText("")
    author.topic_filter.setCurrentIndex(author.topic_filter.findData("mine"))
    assert visible_ids(author) == ["mine.choice", "mine.step", "mine.truth"]
    author.category_filter.setCurrentIndex(author.category_filter.findData("true_false"))
    assert visible_ids(author) == ["mine.truth"]
    assert "1 of" in author.count_label.text()
    author.topic_filter.setCurrentIndex(author.topic_filter.findData("adam"))
    assert visible_ids(author) == sorted(i.id for i in shipped.by_topic("adam") if i.category == "true_false")


# ---------------------------------------------------------------------- edit, check, preview


def test_editing_a_field_updates_the_preview(qtbot, author):
    open_item(qtbot, author, "mine.choice")
    assert author.preview.instance.prompt == "Which optimizer keeps a velocity?"
    assert author.preview.instance.answer_text.endswith("Momentum")
    edit(qtbot, author, lambda: author.form.prompt.setPlainText("Which method keeps a velocity, $v$?"))
    assert author.preview.instance.prompt == "Which method keeps a velocity, $v$?"
    assert author.preview.prompt.text() == "Which method keeps a velocity, $v$?"
    assert "$" not in author.preview.prompt.html().replace("$v$", "")  # math drawn, not raw TeX
    edit(qtbot, author, lambda: author.form.choices.set_correct(2))
    inst = author.preview.instance
    assert inst.choices[inst.correct_choice - 1] == "Plain SGD"
    assert author.dirty and author.act_save.isEnabled()


def test_invalid_formula_is_marked_inline_and_blocks_saving(qtbot, author, folder):
    before = (folder / "mine.toml").read_text(encoding="utf-8")
    open_item(qtbot, author, "mine.step")
    edit(qtbot, author, lambda: author.form.value.setText("lr * * g"))
    fields = {p.field for p in author.errors}
    assert "answer.value" in fields
    assert author.form.marked().get(author.form.value) == "error"
    assert author.form.notes["answer"].isVisible()
    assert "answer.value" in author.form.notes["answer"].text()
    assert not author.act_save.isEnabled() and not author.save_button.isEnabled()
    assert author.save() is False
    assert (folder / "mine.toml").read_text(encoding="utf-8") == before
    # the problems list names the field; activating it focuses the field
    item = author.problems_list.list.item(0)
    assert item.text().startswith("answer.value")
    author.problems_list.list.itemActivated.emit(item)
    assert author.form.value.hasFocus()
    edit(qtbot, author, lambda: author.form.value.setText("2 * lr * g"))
    assert author.errors == [] and author.act_save.isEnabled()
    assert author.form.marked() == {}
    assert author.preview.instance.answer == pytest.approx(2 * author.preview.instance.params["lr"]
                                                           * author.preview.instance.params["g"])


def test_unknown_placeholder_and_bad_param_are_shown_at_their_fields(qtbot, author):
    open_item(qtbot, author, "mine.step")
    row = author.form.params.rows[1]
    edit(qtbot, author, lambda: row.values.setText("5, 1"))  # randint lo > hi
    assert any(p.field == "params.g" for p in author.errors)
    assert author.form.marked().get(row.values) == "error"
    edit(qtbot, author, lambda: author.form.prompt.setPlainText("How far with {nope}?"))
    assert author.form.marked().get(author.form.prompt) == "error"


# ---------------------------------------------------------------------- save


def test_save_keeps_other_items_and_comments(qtbot, author, folder):
    path = folder / "mine.toml"
    original = tomllib.loads(path.read_text(encoding="utf-8"))["item"]
    open_item(qtbot, author, "mine.step")
    edit(qtbot, author, lambda: author.form.prompt.setPlainText("How far does $\\theta$ move with {lr} and {g}?"))
    assert author.save() is True
    text = path.read_text(encoding="utf-8")
    for comment in ("# mine.toml: a small file for the Author page tests",
                    "# (this header comment must survive every save)", "# ---- first item: a plain choice",
                    "# ---- third item: true or false", "# two rates, kept as written"):
        assert comment in text
    items = tomllib.loads(text)["item"]
    assert [i["id"] for i in items] == ["mine.choice", "mine.step", "mine.truth"]
    assert items[0] == original[0] and items[2] == original[2]
    assert items[1]["prompt"] == "How far does $\\theta$ move with {lr} and {g}?"
    assert items[1]["params"] == original[1]["params"] and items[1]["answer"] == original[1]["answer"]
    bank = load_bank([folder])
    assert not bank.errors and len(bank.items) == 3
    assert not author.dirty and not author.act_save.isEnabled()


def test_switching_items_asks_about_unsaved_changes(qtbot, author, monkeypatch):
    open_item(qtbot, author, "mine.choice")
    edit(qtbot, author, lambda: author.form.prompt.setPlainText("Changed?"))
    answers = ["cancel", "discard"]
    asked = []
    monkeypatch.setattr(dialogs.UnsavedDialog, "ask",
                        classmethod(lambda cls, parent, item_id, can_save=True: asked.append(item_id) or answers.pop(0)))
    assert not author.select_item("mine.truth")
    assert author.form.id_edit.text() == "mine.choice" and author.form.prompt.toPlainText() == "Changed?"
    open_item(qtbot, author, "mine.truth")
    assert asked == ["mine.choice", "mine.choice"]


# ---------------------------------------------------------------------- new, new file, duplicate, delete


def test_new_item_new_file_duplicate_and_delete(qtbot, author, folder, monkeypatch):
    path = folder / "mine.toml"
    open_item(qtbot, author, "mine.truth")
    # new item in the file on screen
    with qtbot.waitSignal(author.evaluated, timeout=10000):
        assert author.new_item()
    assert author.original_id is None and author.form.id_edit.text() == "mine.new-question"
    assert author.errors == []
    assert author.save()
    assert [i["id"] for i in tomllib.loads(path.read_text(encoding="utf-8"))["item"]][-1] == "mine.new-question"

    # a new file (the dialog is patched), then a new item in it
    monkeypatch.setattr(dialogs.NewFileDialog, "ask",
                        classmethod(lambda cls, parent, f, topic="", title="": (f / "extra.toml", "extra", "Extra")))
    with qtbot.waitSignal(author.evaluated, timeout=10000):
        assert author.new_file_and_item()
    extra = folder / "extra.toml"
    assert extra.exists() and author.target.path == extra
    assert author.form.id_edit.text() == "extra.new-question"
    assert author.save()
    doc = tomllib.loads(extra.read_text(encoding="utf-8"))
    assert doc["topic"] == "extra" and [i["id"] for i in doc["item"]] == ["extra.new-question"]

    # duplicate an item of the folder: same file, new id, unsaved until saved
    open_item(qtbot, author, "mine.choice")
    with qtbot.waitSignal(author.evaluated, timeout=10000):
        assert author.duplicate()
    assert author.form.id_edit.text() == "mine.choice-copy" and author.target.path == path
    assert author.form.choices.texts() == ["Momentum", "Plain SGD", "Grid search"]
    assert author.save()
    ids = [i["id"] for i in tomllib.loads(path.read_text(encoding="utf-8"))["item"]]
    assert ids == ["mine.choice", "mine.step", "mine.truth", "mine.new-question", "mine.choice-copy"]

    # delete asks first: "no" keeps the item, "yes" removes it and keeps the comments
    asked = []
    monkeypatch.setattr(dialogs.ConfirmDialog, "ask",
                        classmethod(lambda cls, parent, title, text, ok="Delete": asked.append(text) or False))
    open_item(qtbot, author, "mine.step")
    assert author.delete_item() is False
    assert "mine.step" in path.read_text(encoding="utf-8") and "mine.step" in asked[0]
    monkeypatch.setattr(dialogs.ConfirmDialog, "ask",
                        classmethod(lambda cls, parent, title, text, ok="Delete": True))
    assert author.delete_item() is True
    text = path.read_text(encoding="utf-8")
    assert "mine.step" not in text and "# ---- third item: true or false" in text
    assert "mine.step" not in visible_ids(author)
    assert load_bank([folder]).errors == []


def test_duplicate_id_in_the_folder_is_an_error(qtbot, author):
    open_item(qtbot, author, "mine.choice")
    edit(qtbot, author, lambda: author.form.id_edit.setText("mine.truth"))
    assert any(p.field == "id" and "already used" in p.message for p in author.errors)
    assert not author.act_save.isEnabled()


# ---------------------------------------------------------------------- undo


def test_undo_restores_a_field_and_redo_reapplies_it(qtbot, author):
    open_item(qtbot, author, "mine.choice")
    prompt = author.form.prompt
    prompt.setFocus()
    prompt.moveCursor(prompt.textCursor().MoveOperation.End)
    qtbot.keyClicks(prompt, " Quickly")
    assert prompt.toPlainText() == "Which optimizer keeps a velocity? Quickly"
    assert author.undo_stack.count() == 1  # typing in one field is one step
    author.form.category.setCurrentIndex(author.form.category.findData("concept"))
    assert author.undo_stack.count() == 2
    author.undo()
    assert author.form.category.currentData() == "definition"
    assert prompt.toPlainText().endswith("Quickly")
    prompt.setFocus()
    qtbot.keyClick(prompt, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert prompt.toPlainText() == "Which optimizer keeps a velocity?"
    assert not author.dirty
    qtbot.keyClick(author.form.prompt, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert author.form.prompt.toPlainText().endswith("Quickly") and author.dirty
    # a one-line field: Ctrl+Z there undoes the page's last step too
    author.form.id_edit.setFocus()
    author.form.id_edit.end(False)
    qtbot.keyClicks(author.form.id_edit, "-v2")
    assert author.form.id_edit.text() == "mine.choice-v2"
    qtbot.keyClick(author.form.id_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert author.form.id_edit.text() == "mine.choice"
    # removing a choice row is a step too
    author.form.choices.remove_row(2)
    assert author.form.choices.texts() == ["Momentum", "Plain SGD"]
    author.undo()
    assert author.form.choices.texts() == ["Momentum", "Plain SGD", "Grid search"]
    assert author.form.choices.correct() == 1


# ---------------------------------------------------------------------- shipped bank


def test_shipped_bank_is_read_only_and_duplicates_into_the_folder(qtbot, author, folder):
    shipped_id = "adam.moments-chapter"
    open_item(qtbot, author, shipped_id, read_only=True)
    assert author.read_only and not author.banner.isHidden()
    assert "duplicate the item into your folder" in author.banner_label.text()
    assert author.form.prompt.isReadOnly() and author.form.id_edit.isReadOnly()
    assert not author.form.category.isEnabled() and not author.form.choices.add_button.isEnabled()
    assert not author.act_save.isEnabled() and not author.act_delete.isEnabled()
    qtbot.keyClicks(author.form.prompt, "typing does nothing")
    assert author.undo_stack.count() == 0 and not author.dirty
    with qtbot.waitSignal(author.evaluated, timeout=10000):
        author.banner_button.click()
    assert not author.read_only and author.banner.isHidden()
    assert author.form.id_edit.text() == "adam.moments-chapter-copy"
    assert author.target.path == folder / "adam.toml"
    assert author.save()
    bank = load_bank([folder])
    assert "adam.moments-chapter-copy" in bank.items and not bank.errors


def test_no_folder_means_choose_one_which_is_remembered(qtbot, tmp_path, monkeypatch):
    page, ctx = _make_page(qtbot, tmp_path, [])
    assert page.author_folder is None
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    monkeypatch.setattr(dialogs.MessageDialog, "ask", classmethod(lambda cls, *a, **k: None))
    monkeypatch.setattr(dialogs.FolderDialog, "ask", classmethod(lambda cls, parent, start="": chosen))
    open_item(qtbot, page, "adam.moments-chapter", read_only=True)
    with qtbot.waitSignal(page.evaluated, timeout=10000):
        assert page.duplicate()
    assert page.author_folder == chosen and page.target.path.parent == chosen
    page.wait_idle()
    ctx.close()
    again, ctx2 = _make_page(qtbot, tmp_path, [])
    assert again.author_folder == chosen
    again.wait_idle()
    ctx2.close()


# ---------------------------------------------------------------------- seeds


def test_reroll_changes_the_instance_and_a_fixed_seed_reproduces_it(qtbot, author, folder):
    open_item(qtbot, author, "mine.step")
    first = dict(author.preview.instance.params)
    seed0 = author.seed
    with qtbot.waitSignal(author.evaluated, timeout=10000):
        author.reroll()
    assert author.seed != seed0 and author.preview.seed.value() == author.seed
    assert author.preview.instance.params != first
    with qtbot.waitSignal(author.evaluated, timeout=10000):
        author.preview.seed.setValue(7)
    expected = load_bank([folder]).instance("mine.step", 7)
    assert author.preview.instance.params == expected.params
    assert author.preview.instance.prompt == expected.prompt
    with qtbot.waitSignal(author.evaluated, timeout=10000):
        author.reroll()
    with qtbot.waitSignal(author.evaluated, timeout=10000):
        author.preview.seed.setValue(7)
    assert author.preview.instance.params == expected.params


# ---------------------------------------------------------------------- GIFT


GIFT = """\
$CATEGORY: $course$/top/imported

::adam-size::Adam's first step is about the size of {
=the learning rate
~the gradient
~zero
}

::tf-one::Plain SGD has no velocity. {TRUE#Right: it only follows the current gradient.}

::essay-one::Describe warmup in your own words. {}
"""


def test_import_gift_writes_a_file_and_summarises(qtbot, author, folder, tmp_path, monkeypatch):
    src = tmp_path / "class.gift"
    src.write_text(GIFT, encoding="utf-8")
    out = folder / "class.toml"
    summaries = []
    monkeypatch.setattr(dialogs.OpenFileDialog, "ask", classmethod(lambda cls, *a: src))
    monkeypatch.setattr(dialogs.SaveFileDialog, "ask", classmethod(lambda cls, *a: out))
    monkeypatch.setattr(dialogs.SummaryDialog, "ask",
                        classmethod(lambda cls, parent, title, summary, details="": summaries.append((summary, details))))
    with qtbot.waitSignal(author.taskFinished, timeout=20000):
        assert author.import_gift()
    author.wait_idle()
    qtbot.waitUntil(lambda: bool(summaries), timeout=5000)
    summary, details = summaries[0]
    assert "imported 2; skipped 1" in summary and "essay" in details
    bank = load_bank([out])
    assert len(bank.items) == 2 and not bank.errors
    assert {i.kind for i in bank.items.values()} == {"choice", "true_false"}
    assert set(bank.items) <= set(visible_ids(author))


def test_export_gift_and_moodle_xml(qtbot, author, folder, tmp_path, monkeypatch):
    summaries = []
    target = {}
    monkeypatch.setattr(dialogs.SummaryDialog, "ask",
                        classmethod(lambda cls, parent, title, summary, details="": summaries.append(summary)))
    monkeypatch.setattr(dialogs.SaveFileDialog, "ask", classmethod(lambda cls, *a: target["path"]))
    for fmt, name, needle in (("gift", "out.gift", "::mine.choice::"), ("moodle-xml", "out.xml", "<quiz>")):
        target["path"] = tmp_path / name
        monkeypatch.setattr(dialogs.ExportDialog, "ask",
                            classmethod(lambda cls, parent, scopes, scope=None, fmt=fmt: (fmt, "folder", 2)))
        with qtbot.waitSignal(author.taskFinished, timeout=20000):
            assert author.export()
        qtbot.waitUntil(lambda: len(summaries) == (1 if fmt == "gift" else 2), timeout=5000)
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert needle in text
    assert "from 3 item(s)" in summaries[0] and "out.gift" in summaries[0]
    assert "calculated" in summaries[1]


# ---------------------------------------------------------------------- drafts, registry, CLI


def test_unsaved_changes_survive_a_new_page_as_a_draft(qtbot, tmp_path, folder):
    page, ctx = _make_page(qtbot, tmp_path, [str(folder)])
    open_item(qtbot, page, "mine.truth")
    edit(qtbot, page, lambda: page.form.explanation.setPlainText("A draft explanation: {answer}."))
    page.deactivated()
    page.wait_idle()
    ctx.close()
    again, ctx2 = _make_page(qtbot, tmp_path, [str(folder)])
    assert again.form.id_edit.text() == "mine.truth"
    assert again.form.explanation.toPlainText() == "A draft explanation: {answer}."
    assert again.dirty
    again.undo()
    assert again.form.explanation.toPlainText() == "Bias correction makes it so: {answer}."
    again.wait_idle()
    ctx2.close()


def test_main_window_opens_the_page_with_ctrl_6(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "author"
    page = window.pages["author"]
    assert "&Author" in [a.text() for a in window.menuBar().actions() if a.isVisible()]
    assert page.author_folder is None and page.form_scroll.isHidden()  # no --bank, no folder yet
    page.wait_idle()


def test_preview_follows_a_dark_palette(qtbot, qapp, author):
    from PySide6.QtGui import QColor, QPalette

    open_item(qtbot, author, "mine.step")
    old = qapp.palette()
    dark = QPalette(old)
    for role, color in ((QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e6e6e6"),
                        (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.Text, "#e6e6e6")):
        dark.setColor(role, QColor(color))
    try:
        qapp.setPalette(dark)
        qtbot.waitUntil(lambda: "#e6e6e6" in author.preview.prompt.html(), timeout=3000)
    finally:
        qapp.setPalette(old)


def test_page_is_registered_with_ctrl_6():
    from quizapp.ui.pages import page

    spec = page("author")
    assert spec.shortcut == "Ctrl+6" and spec.load().__name__ == "AuthorPage"


def test_author_model_is_qt_free():
    code = ("import sys, quizapp.ui.author.model; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'shiboken6', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_top_level_bank_option(folder, capsys):
    from quizapp.cli import build_parser, main

    args = build_parser().parse_args(["--bank", str(folder)])
    assert args.app_bank == [str(folder)] and args.command is None
    assert main(["--bank", str(folder), "bank", "list", "--json"]) == 0
    out = capsys.readouterr().out
    assert "mine.choice" in out and "adam." not in out


@pytest.mark.parametrize("text, value", [("0.9", 0.9), ("3", 3), ("true", True), ('"sgd"', "sgd"),
                                         ("sgd", "sgd"), ("1e-08", 1e-08), ("-2", -2)])
def test_scalar_fields_round_trip(text, value):
    from quizapp.ui.author.model import format_scalar, parse_scalar

    assert parse_scalar(text) == value and type(parse_scalar(text)) is type(value)
    assert parse_scalar(format_scalar(value)) == value


def test_list_fields_round_trip():
    from quizapp.ui.author.model import format_list, parse_list

    for values in ([5, 10, 20], ["sgd", "adam"], ["a, b", "5", 0.001], [True, 1]):
        assert parse_list(format_list(values)) == values
    assert parse_list("sgd, adam") == ["sgd", "adam"]
    assert parse_list("[1, 2]") == [1, 2]


# ---------------------------------------------------------------------- issue 12 (4)


def wheel(widget, dy: int = -120) -> None:
    """One wheel notch over the middle of ``widget`` (down when ``dy`` < 0)."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    local = QPointF(widget.width() / 2, widget.height() / 2)
    glob = QPointF(widget.mapToGlobal(QPoint(int(local.x()), int(local.y()))))
    event = QWheelEvent(local, glob, QPoint(0, 0), QPoint(0, dy), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_scrolling_the_form_over_a_combo_box_scrolls_and_changes_nothing(qtbot, author):
    open_item(qtbot, author, "mine.step")
    author.resize(1200, 420)  # short: the form scrolls
    qtbot.wait(20)
    kind = author.form.kind
    before = kind.currentData()
    bar = author.form_scroll.verticalScrollBar()
    assert bar.maximum() > 0
    author.form_scroll.ensureWidgetVisible(kind)
    start = bar.value()
    author.search.setFocus()  # the focus is elsewhere, as while scrolling with the mouse
    wheel(kind, -120)
    assert kind.currentData() == before  # one tick once switched Number to True/false
    assert bar.value() > start  # the form scrolled instead
    assert kind.focusPolicy() != Qt.FocusPolicy.WheelFocus  # the wheel does not take the focus
    spins = [w for w in author.form.findChildren(QAbstractSpinBox) if w.isVisible()]
    for spin in spins:
        value = spin.text()
        wheel(spin, 120)
        assert spin.text() == value
    # once the learner chose the box (click or Tab), the wheel is theirs
    kind.setFocus()
    wheel(kind, -120)
    assert kind.currentData() != before


def test_every_elided_tree_name_has_its_whole_text_in_a_tooltip(qtbot, author):
    """Issue 12 (8): names in the item tree are cut short by the column width."""
    author.tree.expandAll()
    author.resize(1000, 700)
    qtbot.wait(20)
    metrics = author.tree.fontMetrics()
    width = author.tree.columnWidth(0)
    elided = 0
    for node in author._all_nodes():
        text = node.text(0)
        if metrics.horizontalAdvance(text) + 40 > width:
            elided += 1
        assert text in node.toolTip(0), text
    assert elided > 0  # the case that matters does happen at this size


# ---------------------------------------------------------------------- issue 12 (10)


def test_missing_bank_folder_is_created_on_ctrl_n_and_files_follow_the_umask(qtbot, tmp_path, monkeypatch):
    import os
    import stat

    missing = tmp_path / "my-questions"
    page, ctx = _make_page(qtbot, tmp_path, [str(missing)])
    assert "does not exist yet" in page.folder_label.text() and "Ctrl+N" in page.folder_label.text()
    asked = []
    monkeypatch.setattr(dialogs.ConfirmDialog, "ask",
                        classmethod(lambda cls, parent, title, text, ok="": asked.append(text) or True))
    monkeypatch.setattr(dialogs.MessageDialog, "ask", classmethod(
        lambda cls, *a, **k: pytest.fail(f"a message box: {a[1:]}")))
    monkeypatch.setattr(dialogs.NewFileDialog, "ask", classmethod(
        lambda cls, parent, f, topic="", title="": (f / "mine.toml", "mine", "Mine")))
    old = os.umask(0o022)
    try:
        page.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is page, timeout=3000)
        page.tree.setFocus()
        with qtbot.waitSignal(page.evaluated, timeout=10000):
            qtbot.keyClick(page.tree, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert asked and str(missing) in asked[0]
        assert missing.is_dir() and page.author_folder == missing
        assert page.form.id_edit.text() == "mine.new-question"
        assert page.save()
    finally:
        os.umask(old)
    saved = missing / "mine.toml"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o644
    assert "Saving into" in page.folder_label.text()
    page.wait_idle()
    ctx.close()
