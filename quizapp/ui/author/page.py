"""The Author page: browse, edit, check, preview and save question items.

Left: every item of the instructor's folder (``quizapp --bank PATH`` or "Choose
folder…", remembered) and of the shipped bank (read-only), with a search and topic
and category filters. Centre: a form fitted to the item's answer kind. Right: a live
preview of one drawn instance (seed spin box and re-roll) and the problems list.

Every edit is one step on an undo stack (typing in one field merges into one step).
300 ms after the last edit the item is checked with the same checks as ``quizapp bank
check`` (:func:`quizapp.bank.tomlwrite.check_item_table`) in a worker thread; the
problems are marked at their fields and listed, and Save stays disabled while there
is an error. Saving goes through :mod:`quizapp.bank.tomlwrite`, which keeps the other
items and every comment of the file. Unsaved edits are kept as a draft in the settings,
so a crash or a closed window does not lose them.

This module holds the page's layout, actions, editor state, undo and checks; the rest
are mixins of the same class, one file per concern: ``browser`` (folders and the item
tree), ``items`` (save, revert, delete, new, duplicate, drafts), ``exchange`` (GIFT and
Moodle XML), ``undo`` (undo steps and keys), ``common`` (shared constants and helpers).
"""
from __future__ import annotations

import atexit
import random
import weakref
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QMenu, QProgressBar,
    QPushButton, QScrollArea, QSplitter, QStyle, QToolButton, QTreeWidget, QVBoxLayout, QWidget
)

from quizapp.bank.errors import BankProblem
from quizapp.bank.model import CATEGORIES
from quizapp.ui.shared import wheel
from quizapp.ui.author.common import DEBOUNCE_MS, READ_ONLY_BANNER, esc
from quizapp.ui.author.form import ItemForm
from quizapp.ui.author.model import Evaluation, FileEntry, ItemEntry, evaluate
from quizapp.ui.author.browser import BrowserMixin, warm_shipped
from quizapp.ui.author.exchange import ExchangeMixin
from quizapp.ui.author.items import ItemsMixin
from quizapp.ui.author.preview import MAX_SEED, PreviewPanel, ProblemsList
from quizapp.ui.author.undo import _Edit, _UndoKeys
from quizapp.ui.shared.a11y import quiet_scroll, tab_first, tab_into
from quizapp.ui.shared.warm import AFTER_PAINT_MS
from quizapp.ui.shared.theme import ERROR_COLOR


# ---------------------------------------------------------------------- workers


class _Bridge(QObject):
    done = Signal(int, object)


class _Task(QRunnable):
    def __init__(self, bridge: _Bridge, token: int, fn: Callable[[], Any]):
        super().__init__()
        self.bridge, self.token, self.fn = bridge, token, fn

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported in the GUI thread, never lost in the worker
            result = exc
        try:
            self.bridge.done.emit(self.token, result)
        except RuntimeError:  # the page is gone
            pass


_PAGES: "weakref.WeakSet[AuthorPage]" = weakref.WeakSet()


@atexit.register
def _finish_work() -> None:
    """Before Python shuts down: let each page's running evaluation or task end (a worker
    thread still in Python code while the interpreter is torn down crashes the process)."""
    for page in list(_PAGES):
        for pool in (getattr(page, "eval_pool", None), getattr(page, "task_pool", None)):
            try:
                if pool is not None:
                    pool.clear()
                    pool.waitForDone(5000)
            except RuntimeError:  # the page's C++ side is gone already, and its pools with it
                pass


class AuthorPage(BrowserMixin, ItemsMixin, ExchangeMixin, QWidget):
    """Browse, edit, check, preview and save question items."""

    #: an evaluation (checks and/or preview) was applied to the page
    evaluated = Signal()
    #: an import or export finished (its summary is about to be shown)
    taskFinished = Signal()

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        wheel.install()  # scrolling the form never changes a combo or spin box under the mouse
        self.ctx = ctx
        self.setObjectName("author-page")
        from quizapp.resources import bank_dir

        self.shipped_dir = bank_dir()
        self.author_paths: list[Path] = self._initial_paths()
        self.files: list[FileEntry] = []
        self._shipped_files: list[FileEntry] | None = None
        self.entry: ItemEntry | None = None  # the saved item on screen (None: new or nothing)
        self.target: FileEntry | None = None  # the file the item on screen belongs to
        self.original_id: str | None = None  # its id in that file (None: not saved yet)
        self._baseline: dict | None = None
        self._current: dict | None = None
        self._applying = False
        self._gen = 0
        self._tokens = 0
        self._callbacks: dict[int, Callable[[Any], None]] = {}
        self._checked_table: dict | None = None
        self._pending_table: dict | None = None
        self._check_problems: list = []
        self._form_problems: list = []
        self.problems: list = []
        self.seed = 0
        self.busy = False

        self.undo_stack = QUndoStack(self)
        self.eval_pool = QThreadPool(self)
        self.eval_pool.setMaxThreadCount(1)
        self.task_pool = QThreadPool(self)
        self.task_pool.setMaxThreadCount(1)
        self._bridge = _Bridge(self)
        _PAGES.add(self)
        self._bridge.done.connect(self._on_done)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._evaluate_async)

        self._build()
        self._build_actions()
        self.rescan()
        self._restore_draft()
        if self._current is None:
            self._show_nothing()

    @staticmethod
    def warm_up(_ctx, _settings) -> None:
        """The main window's idle head start: the shipped bank read on the warm-up thread."""
        warm_shipped()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)

        bar = QHBoxLayout()
        bar.setSpacing(2)
        self.toolbar = bar
        outer.addLayout(bar)

        self.banner = QFrame()
        self.banner.setObjectName("author-banner")
        self.banner.setStyleSheet("#author-banner { background: rgba(230, 160, 0, 0.18); "
                                  "border: 1px solid rgba(200, 130, 0, 0.8); border-radius: 4px; }")
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(8, 4, 8, 4)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation).pixmap(18, 18))
        self.banner_label = QLabel(READ_ONLY_BANNER)
        self.banner_label.setWordWrap(True)
        self.banner_label.setAccessibleName("Read-only notice")
        self.banner_button = QPushButton("Duplicate into my folder")
        self.banner_button.setAccessibleName("Duplicate this item into my folder")
        self.banner_button.clicked.connect(self.duplicate)
        bl.addWidget(icon)
        bl.addWidget(self.banner_label, 1)
        bl.addWidget(self.banner_button)
        self.banner.hide()
        outer.addWidget(self.banner)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter, 1)

        # ---- browser
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 4, 0)
        lv.setSpacing(4)
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        self.folder_label.setAccessibleName("Your folder")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lv.addWidget(self.folder_label)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search id, text, tags… (Ctrl+F)")
        self.search.setAccessibleName("Search items")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        lv.addWidget(self.search)
        frow = QHBoxLayout()
        frow.setSpacing(4)
        self.topic_filter = QComboBox()
        self.topic_filter.setAccessibleName("Show only this topic")
        self.topic_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.topic_filter.setMinimumContentsLength(8)
        self.topic_filter.currentIndexChanged.connect(self.apply_filter)
        self.category_filter = QComboBox()
        self.category_filter.setAccessibleName("Show only this category")
        self.category_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.category_filter.setMinimumContentsLength(8)
        self.category_filter.addItem("All categories", "")
        for c in CATEGORIES:
            self.category_filter.addItem(c, c)
        self.category_filter.currentIndexChanged.connect(self.apply_filter)
        frow.addWidget(self.topic_filter, 1)
        frow.addWidget(self.category_filter, 1)
        lv.addLayout(frow)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Question files and items")
        self.tree.setHeaderLabels(["Item", "Category"])
        self.tree.setColumnCount(2)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, self.tree.header().ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, self.tree.header().ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._on_tree_current)
        lv.addWidget(self.tree, 1)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("How many items are shown")
        lv.addWidget(self.count_label)
        left.setMinimumWidth(220)
        self.splitter.addWidget(left)

        # ---- editor
        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(4, 0, 4, 0)
        mv.setSpacing(4)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setAccessibleName("Item being edited")
        mv.addWidget(self.header)
        # the form (the page's largest part) is built when first needed, or in an idle
        # turn after the page is first shown (see _build_form)
        self._form: ItemForm | None = None
        self.undo_keys = _UndoKeys(self.undo_stack, self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        quiet_scroll(scroll, "Item form")
        self.form_scroll = scroll
        mv.addWidget(scroll, 1)
        self.empty_label = QLabel("Pick an item on the left, or make a new one (Ctrl+N).")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        mv.addWidget(self.empty_label, 1)
        middle.setMinimumWidth(380)
        self.splitter.addWidget(middle)

        # ---- preview and problems
        right = QSplitter(Qt.Orientation.Vertical)
        right.setChildrenCollapsible(False)
        self.preview = PreviewPanel()
        self.preview.seedChanged.connect(self._on_seed)
        self.preview.rerollRequested.connect(self.reroll)
        self.preview.presetRequested.connect(lambda pid: self.ctx.navigate("simulator", preset=pid))
        self.problems_list = ProblemsList()
        self.problems_list.activated.connect(self.focus_problem)
        right.addWidget(self.preview)
        right.addWidget(self.problems_list)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([540, 170])
        right.setMinimumWidth(300)
        self.right_splitter = right
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setSizes([270, 540, 360])

        self.delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree)
        self.delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_key.activated.connect(self.delete_item)

    @property
    def form(self) -> ItemForm:
        """The item form (built on first use)."""
        if self._form is None:
            self._build_form()
        return self._form

    def _build_form(self) -> None:
        from quizapp import presets as _presets

        try:
            preset_list = [(pid, p.title) for pid, p in _presets.load(validate=False).items()]
        except Exception:  # the simulator page reports a broken presets file; offer the ids
            from quizapp.bank.model import PRESETS

            preset_list = [(pid, pid) for pid in PRESETS]
        form = ItemForm(preset_list)
        form.changed.connect(self._on_form_changed)
        form.install_text_filter(self.undo_keys)
        self._form = form
        self.form_scroll.setWidget(form)
        tab_into(self.tree, form)  # made after the panels beside it: Tab follows the layout

    @property
    def filling(self) -> bool:
        """Whether the item form is still to be built (it comes a turn after the first paint)."""
        return self._form is None and self.isVisible()

    def _build_form_soon(self) -> None:
        if self._form is None:  # in a turn of its own, after the page's first paint
            QTimer.singleShot(AFTER_PAINT_MS, self, lambda: self.form)

    def _build_actions(self) -> None:
        scope = Qt.ShortcutContext.WidgetWithChildrenShortcut
        style = self.style()

        def action(text: str, slot, keys=(), tip: str = "", icon=None) -> QAction:
            act = QAction(text, self)
            if icon is not None:
                act.setIcon(style.standardIcon(icon))
            if keys:
                act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(scope)
            act.triggered.connect(lambda _=False: slot())
            if tip:
                act.setStatusTip(tip)
                act.setToolTip(tip + (f" ({QKeySequence(keys[0]).toString(QKeySequence.SequenceFormat.NativeText)})"
                                      if keys else ""))
            self.addAction(act)
            return act

        SP = QStyle.StandardPixmap
        self.act_folder = action("Choose &folder…", self.choose_folder, (),
                                 "Pick the folder your questions are saved in", SP.SP_DirOpenIcon)
        self.act_new_file = action("New &file…", self.new_file_and_item, ("Ctrl+Shift+N",),
                                   "Start a new topic file in your folder", SP.SP_FileDialogNewFolder)
        self.act_new = action("&New item", self.new_item, ("Ctrl+N",), "Start a new item", SP.SP_FileIcon)
        self.act_duplicate = action("&Duplicate", self.duplicate, ("Ctrl+D",),
                                    "Copy the item on screen into your folder under a new id",
                                    SP.SP_FileDialogDetailedView)
        self.act_delete = action("De&lete item…", self.delete_item, (),
                                 "Delete the item from its file (asks first)", SP.SP_TrashIcon)
        self.act_undo = action("&Undo", self.undo, ("Ctrl+Z",), "Undo the last edit", SP.SP_ArrowBack)
        self.act_redo = action("&Redo", self.redo, ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo the edit undone last",
                               SP.SP_ArrowForward)
        self.undo_stack.undoTextChanged.connect(
            lambda text: self.act_undo.setToolTip(f"Undo {text} (Ctrl+Z)" if text else "Nothing to undo"))
        self.undo_stack.redoTextChanged.connect(
            lambda text: self.act_redo.setToolTip(f"Redo {text} (Ctrl+Shift+Z)" if text else "Nothing to redo"))
        self.act_save = action("&Save", self.save, ("Ctrl+S",), "Save the item into its file",
                               SP.SP_DialogSaveButton)
        self.act_revert = action("Re&vert", self.revert, (), "Drop the unsaved changes", SP.SP_DialogResetButton)
        self.act_reroll = action("&Re-roll", self.reroll, ("Ctrl+R",), "Draw the preview with a new seed",
                                 SP.SP_BrowserReload)
        self.act_find = action("&Find", self._focus_search, ("Ctrl+F",), "Search the items")
        self.act_import = action("&Import GIFT…", self.import_gift, (),
                                 "Read a GIFT file into a new TOML file in your folder", SP.SP_ArrowDown)
        self.act_export = action("&Export GIFT / Moodle XML…", self.export, ("Ctrl+E",),
                                 "Write items as GIFT or Moodle XML", SP.SP_ArrowUp)

        def button(act: QAction, text: str | None = None) -> QToolButton:
            b = QToolButton()
            b.setDefaultAction(act)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            b.setAccessibleName(act.text().replace("&", ""))
            b.setIconSize(QSize(16, 16))
            if text is not None:
                b.setText(text)
            self.toolbar.addWidget(b)
            return b

        self.buttons: dict[str, QToolButton] = {}
        for key, act, text in (("folder", self.act_folder, None), ("new_file", self.act_new_file, None),
                               ("new", self.act_new, None), ("duplicate", self.act_duplicate, None),
                               ("delete", self.act_delete, "Delete…")):
            self.buttons[key] = button(act, text)
        self.toolbar.addSpacing(12)
        for key, act, text in (("undo", self.act_undo, None), ("redo", self.act_redo, None),
                               ("save", self.act_save, None), ("revert", self.act_revert, None)):
            self.buttons[key] = button(act, text)
        self.toolbar.addStretch(1)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(90)
        self.busy_bar.setAccessibleName("Working")
        self.busy_bar.hide()
        self.toolbar.addWidget(self.busy_bar)
        for key, act, text in (("import", self.act_import, None), ("export", self.act_export, "Export…")):
            self.buttons[key] = button(act, text)
        self.save_button = self.buttons["save"]
        self.undo_stack.indexChanged.connect(self._on_undo_index)

    def _on_undo_index(self, _index: int) -> None:
        try:
            self._update_actions()
        except RuntimeError:  # the page is being destroyed
            pass

    def menu(self) -> QMenu:
        """The Author menu (the main window shows it while this page is current)."""
        if getattr(self, "_menu", None) is None:
            m = QMenu("&Author", self)
            for group in ((self.act_new, self.act_new_file, self.act_duplicate, self.act_delete),
                          (self.act_save, self.act_revert, self.act_undo, self.act_redo),
                          (self.act_reroll, self.act_find),
                          (self.act_folder, self.act_import, self.act_export)):
                for act in group:
                    m.addAction(act)
                m.addSeparator()
            self._menu = m
        return self._menu

    # ------------------------------------------------------------------ editor state

    def open_entry(self, entry: ItemEntry) -> None:
        self.entry = entry
        self.target = entry.file
        self.original_id = entry.table.get("id") if isinstance(entry.table.get("id"), str) else None
        self._load(entry.table, saved=True)

    def _load(self, table: dict, saved: bool) -> None:
        self._applying = True
        try:
            self.form.set_table(table, self.target.topic if self.target else None)
            self.form.set_read_only(self.read_only)
        finally:
            self._applying = False
        self._current, problems = self.form.read()
        self._baseline = self._current if saved else None
        self._checked_table = None
        self._check_problems = []
        self.undo_stack.clear()
        self.form_scroll.show()
        self.empty_label.hide()
        self.preview.set_active(True)
        self.banner.setVisible(self.read_only)
        self.form_scroll.verticalScrollBar().setValue(0)
        self._update_header()
        self._update_actions()
        self._timer.start(0)

    def _show_nothing(self) -> None:
        self.entry = self.target = None
        self.original_id = None
        self._current = self._baseline = None
        self.undo_stack.clear()
        self.form_scroll.hide()
        self.empty_label.show()
        self.banner.hide()
        self.preview.clear()
        self.preview.set_active(False)
        self.problems_list.set_problems([])
        self._update_header()
        self._update_actions()

    @property
    def read_only(self) -> bool:
        return self.target is not None and self.target.read_only

    @property
    def editable(self) -> bool:
        return self.target is not None and not self.target.read_only and self._current is not None

    @property
    def dirty(self) -> bool:
        return self._current is not None and self._current != self._baseline and not self.read_only

    def _topic(self) -> str | None:
        return self.target.topic if self.target is not None else None

    def _update_header(self) -> None:
        if self._current is None or self.target is None:
            self.header.setText("")
            return
        item_id = self._current.get("id") or "(no id)"
        where = "shipped bank, read-only" if self.read_only else "your folder"
        state = ""
        if self.original_id is None:
            state = f" <span style='color:{ERROR_COLOR}'>● new, not saved yet</span>"
        elif self.dirty:
            state = f" <span style='color:{ERROR_COLOR}'>● unsaved changes</span>"
        self.header.setText(f"<b>{esc(item_id)}</b> — {esc(self.target.path.name)} ({where}){state}")

    def _update_actions(self) -> None:
        editable = self.editable
        errors = any(p.severity == "error" for p in self.problems)
        self.act_save.setEnabled(editable and self.dirty and not errors)
        self.act_revert.setEnabled(editable and self.dirty and self.original_id is not None)
        self.act_delete.setEnabled(editable)
        self.act_duplicate.setEnabled(self._current is not None)
        self.act_reroll.setEnabled(self._current is not None)
        self.act_import.setEnabled(not self.busy)
        self.act_export.setEnabled(not self.busy)
        self.act_undo.setEnabled(editable and self.undo_stack.canUndo())
        self.act_redo.setEnabled(editable and self.undo_stack.canRedo())
        self._update_header()

    # ------------------------------------------------------------------ edits and undo

    def _on_form_changed(self, key: str) -> None:
        if self._applying or self._current is None or self.read_only:
            return
        new = self.form.table()
        if new == self._current:
            return
        before = self._current
        self._current = new
        self.undo_stack.push(_Edit(self, before, new, key))
        self._after_edit()
        self._timer.start(DEBOUNCE_MS)

    def _after_edit(self) -> None:
        self._update_actions()
        if self.original_id is None:  # the unsaved node shows the id being typed
            node = self._current_node()
            if node is not None:
                node.setText(0, f"{self._current.get('id') or 'new item'} (unsaved)")

    def _apply_table(self, table: dict, key: str) -> None:
        """Show ``table`` (an undo or redo step) and focus the field it changed."""
        self._applying = True
        try:
            self.form.set_table(table, self._topic())
        finally:
            self._applying = False
        self._current = self.form.table()
        self._after_edit()
        widget = self.form.widget_for(key.split(":")[0]) if key else None
        if widget is not None:
            widget.setFocus()
            self.form_scroll.ensureWidgetVisible(widget)
        self._timer.start(DEBOUNCE_MS // 2)

    def undo(self) -> None:
        self.undo_stack.undo()

    def redo(self) -> None:
        self.undo_stack.redo()

    # ------------------------------------------------------------------ checks and preview

    def _on_seed(self, seed: int) -> None:
        self.seed = int(seed)
        if self._current is not None:
            self._timer.start(0)

    def reroll(self) -> None:
        """Draw the preview again with a new random seed."""
        if self._current is None:
            return
        seed = self.seed
        while seed == self.seed:
            seed = random.randrange(MAX_SEED)
        self.set_seed(seed)

    def set_seed(self, seed: int) -> None:
        self.preview.set_seed(seed)
        self._on_seed(seed)

    def _extra_problems(self, table: dict, form_problems: list[tuple[str, str]]) -> list[BankProblem]:
        item_id = table.get("id") or None
        out = [BankProblem("<form>", 0, item_id, f, m, "error") for f, m in form_problems]
        if isinstance(item_id, str) and item_id:
            for f in self.files:
                for e in f.items:
                    if e is self.entry or e.id != item_id:
                        continue
                    if f.read_only and not self.read_only:
                        out.append(BankProblem("<form>", 0, item_id, "id",
                                               f"the shipped bank also has an item {item_id!r} "
                                               f"({f.path.name}): learners' answers to the two would be "
                                               "mixed; give the copy its own id", "warning"))
                    elif not f.read_only and not self.read_only:
                        out.append(BankProblem("<form>", 0, item_id, "id",
                                               f"id {item_id!r} is already used in {f.path.name}; "
                                               "ids must be unique", "error"))
                    break
        return out

    def _evaluate_async(self) -> None:
        if self._current is None:
            return
        table, form_problems = self.form.read()
        self._form_problems = self._extra_problems(table, form_problems)
        check = table != self._checked_table
        self._gen += 1
        gen, seed, topic = self._gen, self.seed, self._topic()
        self._pending_table = table
        self.eval_pool.clear()
        draw = self.preview.prerenderer()

        def job() -> Evaluation:
            result = evaluate(table, topic, seed, gen, check=check)
            if result.instance is not None:  # its math drawn here, not on the GUI thread
                try:
                    draw(result.instance)
                except Exception:  # only a head start: the preview draws what is missing
                    pass
            return result

        self._start(self.eval_pool, job, self._on_evaluation)

    def evaluate_now(self) -> None:
        """Check and draw in this thread (before saving: no stale verdict)."""
        self._timer.stop()
        if self._current is None:
            return
        table, form_problems = self.form.read()
        self._form_problems = self._extra_problems(table, form_problems)
        self._gen += 1
        self._pending_table = table
        self._on_evaluation(evaluate(table, self._topic(), self.seed, self._gen, check=True))

    def _start(self, pool: QThreadPool, fn: Callable[[], Any], callback: Callable[[Any], None]) -> None:
        self._tokens += 1
        self._callbacks[self._tokens] = callback
        pool.start(_Task(self._bridge, self._tokens, fn))

    def _on_done(self, token: int, result: Any) -> None:
        callback = self._callbacks.pop(token, None)
        if callback is not None:
            callback(result)

    def _on_evaluation(self, result: Evaluation | Exception) -> None:
        if isinstance(result, Exception):
            item_id = (self._current or {}).get("id")
            self._check_problems = [BankProblem("<item>", 0, item_id, None,
                                                f"internal error while checking: {type(result).__name__}: {result}")]
            self._apply_problems()
            self.evaluated.emit()
            return
        if result.generation != self._gen or self._current is None:
            return  # an older state of the form
        if result.problems is not None:
            self._check_problems = list(result.problems)
            self._checked_table = self._pending_table
        self._apply_problems()
        if result.instance is not None:
            self.preview.undim()
            self.preview.show_instance(result.instance, result.item)
        else:
            self.preview.show_error(result.error or "")
        self._save_draft()
        self.evaluated.emit()

    def _apply_problems(self) -> None:
        seen = set()
        merged = []
        for p in self._form_problems + self._check_problems:
            key = (p.field, p.message, p.severity)
            if key not in seen:
                seen.add(key)
                merged.append(p)
        merged.sort(key=lambda p: p.severity != "error")
        self.problems = merged
        self.form.show_problems(merged)
        self.problems_list.set_problems(merged)
        self._update_actions()

    def focus_problem(self, problem) -> None:
        widget = self.form.widget_for(problem.field, problem.message)
        if widget is not None:
            self.form_scroll.ensureWidgetVisible(widget)
            widget.setFocus()

    @property
    def errors(self) -> list:
        return [p for p in self.problems if p.severity == "error"]

    # ------------------------------------------------------------------ page protocol

    def open_with(self, item: str | None = None, **_kwargs) -> None:
        """``ctx.navigate("author", item=ID)`` from other pages."""
        if item and not self.select_item(item, read_only=False):
            self.select_item(item)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._build_form_soon()  # shown without an item: the form is built a turn later

    def activated(self) -> None:
        # Tab: the toolbar first, as it is drawn (here: moving the page into the window
        # rebuilds its focus chain, so an order set while it was built would be lost)
        tab_first(self, list(self.buttons.values()))
        if self._current is None:
            self.search.setFocus()

    def deactivated(self) -> None:
        if self._timer.isActive():
            self.evaluate_now()
        self._save_draft()

    def save_settings(self, settings) -> None:
        settings.setValue("splitter", self.splitter.saveState())
        settings.setValue("right_splitter", self.right_splitter.saveState())
        settings.setValue("seed", self.seed)

    def restore_settings(self, settings) -> None:
        for key, splitter in (("splitter", self.splitter), ("right_splitter", self.right_splitter)):
            state = settings.value(key)
            if state is not None:
                try:
                    splitter.restoreState(state)
                except TypeError:
                    pass
        try:
            seed = int(settings.value("seed", 0))
        except (TypeError, ValueError):
            seed = 0
        if 0 <= seed <= MAX_SEED and seed != self.seed:
            self.set_seed(seed)

    def wait_idle(self, ms: int = 10000) -> bool:
        """Wait for the worker threads (tests, closing)."""
        return self.eval_pool.waitForDone(ms) and self.task_pool.waitForDone(ms)

    def _status(self, text: str) -> None:
        try:
            self.ctx.message.emit(text)
        except (AttributeError, RuntimeError):
            pass
        self.status_text = text
