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
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, QRunnable, QSignalBlocker, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QFont, QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QMenu, QProgressBar,
    QPushButton, QScrollArea, QSplitter, QStyle, QToolButton, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from quizapp.bank.errors import BankProblem
from quizapp.bank.model import CATEGORIES
from quizapp.ui.author import dialogs
from quizapp.ui.author.form import ItemForm
from quizapp.ui.author.model import (
    Evaluation, FileEntry, ItemEntry, evaluate, file_name_for, new_item_table, same_path, scan,
    unique_id,
)
from quizapp.ui.author.preview import MAX_SEED, PreviewPanel, ProblemsList
from quizapp.ui.shared.settings import open_settings
from quizapp.ui.shared.a11y import quiet_scroll, tab_first
from quizapp.ui.shared.theme import ERROR_COLOR

DEBOUNCE_MS = 30  # the check and preview take ~5 ms on a worker thread: keep typing snappy
SETTINGS_GROUP = "pages/author"
READ_ONLY_BANNER = "The shipped bank is read-only: duplicate the item into your folder to edit it."
_ROLE = Qt.ItemDataRole.UserRole


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


class _Edit(QUndoCommand):
    """One edit: the item table before and after. Typing in one field merges."""

    def __init__(self, page: "AuthorPage", before: dict, after: dict, key: str):
        super().__init__(f"edit {key.split('#')[0] or 'item'}" if key else "edit item")
        self.page, self.before, self.after, self.key = page, before, after, key
        self._first = True

    def id(self) -> int:  # noqa: A003 (Qt API)
        return 1 if self.key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt API)
        if not isinstance(other, _Edit) or other.key != self.key or not self.key:
            return False
        self.after = other.after
        if self.after == self.before:
            self.setObsolete(True)
        return True

    def redo(self) -> None:
        if self._first:  # the form already shows it
            self._first = False
            return
        self.page._apply_table(self.after, self.key)

    def undo(self) -> None:
        self.page._apply_table(self.before, self.key)


class _UndoKeys(QObject):
    """Ctrl+Z / Ctrl+Shift+Z inside a text field go to the page's undo stack (one history
    for the whole item), not to the field's own undo."""

    def __init__(self, stack: QUndoStack, parent: QObject | None = None):
        super().__init__(parent)
        self.stack = stack

    @staticmethod
    def _which(event) -> str | None:
        if event.matches(QKeySequence.StandardKey.Undo):
            return "undo"
        if event.matches(QKeySequence.StandardKey.Redo) or (
                event.key() == Qt.Key.Key_Z and event.modifiers() == (Qt.KeyboardModifier.ControlModifier
                                                                      | Qt.KeyboardModifier.ShiftModifier)):
            return "redo"
        return None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            which = self._which(event)
            if which is None:
                return False
            if kind == QEvent.Type.ShortcutOverride:
                event.accept()  # deliver it as a key press, handled below
                return True
            (self.stack.undo if which == "undo" else self.stack.redo)()
            return True
        return False


# ---------------------------------------------------------------------- the page


class AuthorPage(QWidget):
    """Browse, edit, check, preview and save question items."""

    #: an evaluation (checks and/or preview) was applied to the page
    evaluated = Signal()
    #: an import or export finished (its summary is about to be shown)
    taskFinished = Signal()

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
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
        self._bridge.done.connect(self._on_done)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._evaluate_async)

        self._build()
        self._build_actions()
        self.rescan()
        self._restore_draft()
        if self._current is None:
            self._show_nothing()

    # ------------------------------------------------------------------ folders

    def _initial_paths(self) -> list[Path]:
        given = getattr(self.ctx, "bank_paths", None) or []
        if given:
            return [Path(p) for p in given]
        settings = open_settings()
        folder = settings.value(f"{SETTINGS_GROUP}/folder")
        if folder and Path(str(folder)).is_dir():
            return [Path(str(folder))]
        return []

    @property
    def author_folder(self) -> Path | None:
        """Where new files go: the first folder given (or the folder of the first file)."""
        for p in self.author_paths:
            if self._is_shipped(p):
                continue
            if p.is_dir():
                return p
            if p.is_file():
                return p.parent
        return None

    def _is_shipped(self, path: Path) -> bool:
        return same_path(path, self.shipped_dir) or (path.is_file() and same_path(path.parent, self.shipped_dir))

    def set_folder(self, folder: Path, remember: bool = True) -> None:
        """Author into ``folder`` from now on (remembered for the next start)."""
        self.author_paths = [Path(folder)]
        if remember:
            settings = open_settings()
            settings.setValue(f"{SETTINGS_GROUP}/folder", str(folder))
            settings.sync()
        self.rescan()
        self._show_nothing()
        self._update_folder_label()

    def choose_folder(self) -> bool:
        if not self._keep_or_drop_changes():
            return False
        start = str(self.author_folder or Path.home())
        folder = dialogs.FolderDialog.ask(self, start)
        if folder is None:
            return False
        if self._is_shipped(folder):
            dialogs.MessageDialog.ask(self, "Read-only folder", "That is the shipped bank, which is "
                                      "read-only. Choose (or create) another folder for your questions.")
            return False
        self.set_folder(folder)
        self._status(f"Questions now go to {folder}")
        return True

    def _ensure_folder(self) -> Path | None:
        folder = self.author_folder
        if folder is None:
            dialogs.MessageDialog.ask(self, "Choose a folder", "Choose a folder for your questions first: "
                                      "the shipped bank is read-only.", error=False)
            if not self.choose_folder():
                return None
            folder = self.author_folder
        return folder

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
        from quizapp import presets as _presets

        try:
            preset_list = [(pid, p.title) for pid, p in _presets.load(validate=False).items()]
        except Exception:  # the simulator page reports a broken presets file; offer the ids
            from quizapp.bank.model import PRESETS

            preset_list = [(pid, pid) for pid in PRESETS]
        self.form = ItemForm(preset_list)
        self.form.changed.connect(self._on_form_changed)
        self.undo_keys = _UndoKeys(self.undo_stack, self)
        self.form.install_text_filter(self.undo_keys)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
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

    # ------------------------------------------------------------------ browser

    def rescan(self) -> None:
        """Read the folders again and rebuild the tree (the item on screen stays)."""
        mine = [p for p in self.author_paths if not self._is_shipped(p)]
        if self._shipped_files is None:  # read-only: read once
            self._shipped_files = scan([self.shipped_dir], read_only=True)
        self.files = scan(mine, read_only=False) + self._shipped_files
        # the item on screen: find it again in the new index
        if self.target is not None:
            self.target = next((f for f in self.files if same_path(f.path, self.target.path)), self.target)
            self.entry = None
            if self.original_id is not None:
                self.entry = next((e for e in self.target.items if e.id == self.original_id), None)
        self._fill_topics()
        self._fill_tree()
        self._update_folder_label()

    def _fill_topics(self) -> None:
        current = self.topic_filter.currentData()
        topics = sorted({e.topic for f in self.files for e in f.items if e.topic})
        with QSignalBlocker(self.topic_filter):
            self.topic_filter.clear()
            self.topic_filter.addItem("All topics", "")
            for t in topics:
                self.topic_filter.addItem(t, t)
            i = self.topic_filter.findData(current) if current else 0
            self.topic_filter.setCurrentIndex(max(i, 0))

    def _fill_tree(self) -> None:
        expanded = {self._node_key(n) for n in self._all_nodes() if n.isExpanded()}
        first = not self.tree.topLevelItemCount()
        with QSignalBlocker(self.tree):
            self.tree.clear()
            folder = self.author_folder
            mine = QTreeWidgetItem([f"Your folder: {folder.name if folder else '(none chosen)'}", ""])
            mine.setData(0, _ROLE, ("root", "mine"))
            mine.setToolTip(0, str(folder) if folder else "Choose a folder for your questions")
            shipped = QTreeWidgetItem(["Shipped bank (read-only)", ""])
            shipped.setData(0, _ROLE, ("root", "shipped"))
            shipped.setToolTip(0, str(self.shipped_dir))
            bold = QFont(self.tree.font())
            bold.setBold(True)
            for root in (mine, shipped):
                root.setFont(0, bold)
                self.tree.addTopLevelItem(root)
            for fi, f in enumerate(self.files):
                parent = shipped if f.read_only else mine
                node = QTreeWidgetItem([f.label + (f" · {f.title}" if f.title else ""), ""])
                node.setData(0, _ROLE, ("file", fi))
                node.setToolTip(0, str(f.path) + (f"\n{f.error}" if f.error else ""))
                if f.error:
                    node.setForeground(0, QBrush(ERROR_COLOR.qcolor()))
                    node.setText(0, f"{f.label} · {f.error}")
                parent.addChild(node)
                for ii, e in enumerate(f.items):
                    short = e.id[len(f.topic) + 1:] if f.topic and e.id.startswith(f.topic + ".") else e.id
                    child = QTreeWidgetItem([short, e.category])
                    child.setData(0, _ROLE, ("item", fi, ii))
                    child.setToolTip(0, _tooltip(e))
                    node.addChild(child)
                if self.original_id is None and self.target is not None and same_path(self.target.path, f.path) \
                        and self._current is not None:
                    child = QTreeWidgetItem([f"{self._current.get('id') or 'new item'} (unsaved)", ""])
                    child.setData(0, _ROLE, ("new", fi))
                    font = QFont(self.tree.font())
                    font.setItalic(True)
                    child.setFont(0, font)
                    node.addChild(child)
            for n in self._all_nodes():
                key = self._node_key(n)
                if first:
                    n.setExpanded(key in (("root", "mine"), ("root", "shipped"))
                                  or (key[0] == "file" and not self.files[key[1]].read_only))
                else:
                    n.setExpanded(key in expanded)
            mine.setExpanded(True)
        self.apply_filter()
        self._select_current_node()

    def _all_nodes(self) -> list[QTreeWidgetItem]:
        out = []
        stack = [self.tree.topLevelItem(i) for i in reversed(range(self.tree.topLevelItemCount()))]
        while stack:  # depth first, in the order shown
            n = stack.pop()
            out.append(n)
            stack.extend(n.child(i) for i in reversed(range(n.childCount())))
        return out

    def _node_key(self, node: QTreeWidgetItem) -> tuple:
        data = node.data(0, _ROLE)
        if data and data[0] == "file":
            return ("file", data[1]) if data[1] < len(self.files) else data
        return tuple(data) if data else ()

    def item_nodes(self, visible_only: bool = False) -> list[QTreeWidgetItem]:
        nodes = [n for n in self._all_nodes() if (n.data(0, _ROLE) or ("",))[0] == "item"]
        if visible_only:
            nodes = [n for n in nodes if not n.isHidden()]
        return nodes

    def entry_of(self, node: QTreeWidgetItem) -> ItemEntry | None:
        data = node.data(0, _ROLE)
        if not data or data[0] != "item":
            return None
        return self.files[data[1]].items[data[2]]

    def apply_filter(self) -> None:
        text = self.search.text()
        topic = self.topic_filter.currentData() or None
        category = self.category_filter.currentData() or None
        shown = total = 0
        for fi in range(self.tree.topLevelItemCount()):
            root = self.tree.topLevelItem(fi)
            for j in range(root.childCount()):
                fnode = root.child(j)
                visible = 0
                for k in range(fnode.childCount()):
                    child = fnode.child(k)
                    e = self.entry_of(child)
                    if e is None:  # the unsaved new item stays visible
                        child.setHidden(False)
                        visible += 1
                        continue
                    total += 1
                    ok = e.matches(text, topic, category)
                    child.setHidden(not ok)
                    visible += ok
                    shown += ok
                filtering = bool(text.strip() or topic or category)
                fnode.setHidden(filtering and visible == 0)
                if filtering and visible:
                    fnode.setExpanded(True)
        self.count_label.setText(f"{shown} of {total} items shown" if shown != total else f"{total} items")

    def _select_current_node(self) -> None:
        node = self._current_node()
        with QSignalBlocker(self.tree):
            if node is not None:
                self.tree.setCurrentItem(node)
            else:
                self.tree.clearSelection()
        if node is not None:
            self.tree.scrollToItem(node)

    def _current_node(self) -> QTreeWidgetItem | None:
        for n in self._all_nodes():
            data = n.data(0, _ROLE)
            if not data:
                continue
            if data[0] == "new" and self.original_id is None and self.target is not None \
                    and same_path(self.files[data[1]].path, self.target.path):
                return n
            if data[0] == "item" and self.entry is not None:
                e = self.entry_of(n)
                if e is self.entry:
                    return n
        return None

    def _on_tree_current(self, node: QTreeWidgetItem | None, previous: QTreeWidgetItem | None) -> None:
        if node is None:
            return
        entry = self.entry_of(node)
        if entry is None or entry is self.entry:
            return
        key = (entry.file.path, entry.index, entry.id)
        if not self._keep_or_drop_changes():
            with QSignalBlocker(self.tree):
                self.tree.setCurrentItem(previous)
            return
        entry = self._resolve(*key)  # saving or dropping may have read the files again
        if entry is None:
            return
        self.open_entry(entry)
        self._select_current_node()

    def _resolve(self, path: Path, index: int, item_id: str) -> ItemEntry | None:
        f = self._file_entry(path)
        if f is None:
            return None
        if index < len(f.items) and f.items[index].id == item_id:
            return f.items[index]
        return next((e for e in f.items if e.id == item_id), None)

    def select_item(self, item_id: str, read_only: bool | None = None) -> bool:
        """Open the item ``item_id`` (the first one found; ``read_only`` picks a side)."""
        for n in self.item_nodes():
            e = self.entry_of(n)
            if e is not None and e.id == item_id and (read_only is None or e.read_only == read_only):
                self.tree.setCurrentItem(n)
                return self.entry is e
        return False

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _update_folder_label(self) -> None:
        folder = self.author_folder
        missing = [p for p in self.author_paths if not p.exists()]
        if folder is None and missing:
            self.folder_label.setText(f"<span style='color:{ERROR_COLOR}'>{_esc(missing[0])} does not exist.</span> "
                                      "Use <b>Choose folder…</b> to pick the folder for your questions.")
        elif folder is None:
            self.folder_label.setText("No folder chosen: the shipped bank is read-only. "
                                      "Use <b>Choose folder…</b> to write your own questions.")
        else:
            self.folder_label.setText(f"Saving into <b>{_esc(folder)}</b>")
        self.folder_label.setToolTip(str(folder) if folder else "")

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
        self.header.setText(f"<b>{_esc(item_id)}</b> — {_esc(self.target.path.name)} ({where}){state}")

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
        self._start(self.eval_pool, lambda: evaluate(table, topic, seed, gen, check=check),
                    self._on_evaluation)

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

    # ------------------------------------------------------------------ save, revert, delete

    def save(self) -> bool:
        """Write the item into its file (other items and comments stay as they are)."""
        from quizapp.bank.tomlwrite import TomlWriteError, save_item

        if not self.editable or not self.dirty:
            return False
        self.evaluate_now()
        if self.errors:
            self._status(f"Not saved: {len(self.errors)} error(s) to fix first (see Problems)")
            self._update_actions()
            return False
        table = self._current
        try:
            save_item(self.target.path, table, replace_id=self.original_id)
        except (TomlWriteError, OSError) as exc:
            dialogs.MessageDialog.ask(self, "Cannot save", str(exc))
            return False
        self.original_id = table["id"]
        self._baseline = table
        self.undo_stack.setClean()
        self._clear_draft()
        self.rescan()
        self._update_actions()
        self._status(f"Saved {table['id']} to {self.target.path.name}")
        return True

    def revert(self) -> None:
        """Drop the unsaved changes (the file is read again)."""
        if self.original_id is None or self.target is None:
            return
        self.rescan()
        self._clear_draft()
        if self.entry is not None:
            self.open_entry(self.entry)

    def _keep_or_drop_changes(self) -> bool:
        """Before leaving the item on screen: save, discard or stay. True = go on."""
        if not self.dirty:
            return True
        if self._timer.isActive():
            self.evaluate_now()
        answer = dialogs.UnsavedDialog.ask(self, self._current.get("id") or "new item",
                                           can_save=not self.errors)
        if answer == "save":
            return self.save()
        if answer == "discard":
            self._clear_draft()
            if self.original_id is None:  # the unsaved node goes away
                self._current = None
                self.target = None
                self.rescan()
            self._baseline = self._current
            return True
        return False

    def delete_item(self) -> bool:
        from quizapp.bank.tomlwrite import TomlWriteError, delete_item

        if not self.editable:
            return False
        item_id = self.original_id or self._current.get("id") or "new item"
        if self.original_id is None:
            text = f"Drop the new item {item_id!r}? It was never saved."
        else:
            text = (f"Delete {item_id!r} from {self.target.path.name}? The other items and the comments "
                    "of the file stay. Learners' history of this id is kept, but the item is gone.")
        if not dialogs.ConfirmDialog.ask(self, "Delete item", text):
            return False
        if self.original_id is not None:
            try:
                delete_item(self.target.path, self.original_id)
            except (TomlWriteError, OSError) as exc:
                dialogs.MessageDialog.ask(self, "Cannot delete", str(exc))
                return False
        path = self.target.path
        self._clear_draft()
        self._current = None
        self.target = None
        self.original_id = None
        self.rescan()
        self._show_nothing()
        self._status(f"Deleted {item_id} from {path.name}")
        return True

    # ------------------------------------------------------------------ new, new file, duplicate

    def _used_ids(self) -> set[str]:
        return {e.id for f in self.files for e in f.items}

    def _file_entry(self, path: Path) -> FileEntry | None:
        return next((f for f in self.files if same_path(f.path, path)), None)

    def _start_new(self, table: dict, target: FileEntry) -> None:
        self.entry = None
        self.target = target
        self.original_id = None
        self._current = table  # so the tree shows the unsaved node
        self._fill_tree()
        self._load(table, saved=False)
        self.form.id_edit.setFocus()
        self.form.id_edit.selectAll()

    def new_item(self) -> bool:
        """Start a new item in the file on screen (or the first file of your folder)."""
        if not self._keep_or_drop_changes():
            return False
        target = self.target if self.target is not None and not self.target.read_only else None
        if target is None:
            node = self.tree.currentItem()
            data = node.data(0, _ROLE) if node is not None else None
            if data and data[0] in ("file", "item", "new") and not self.files[data[1]].read_only:
                target = self.files[data[1]]
        if target is None:
            target = next((f for f in self.files if not f.read_only and f.error is None), None)
        if target is None:
            target = self.new_file()
            if target is None:
                return False
        self._start_new(new_item_table(target.topic, self._used_ids()), target)
        self._status(f"New item in {target.path.name}: fill it in, then save (Ctrl+S)")
        return True

    def new_file(self, topic: str = "", title: str = "") -> FileEntry | None:
        """Create an empty topic file in your folder (asks for its topic, title and name)."""
        from quizapp.bank.tomlwrite import TomlWriteError, new_file

        folder = self._ensure_folder()
        if folder is None:
            return None
        answer = dialogs.NewFileDialog.ask(self, folder, topic, title)
        if answer is None:
            return None
        path, topic, title = answer
        try:
            new_file(path, topic, title)
        except (TomlWriteError, OSError) as exc:
            dialogs.MessageDialog.ask(self, "Cannot create the file", str(exc))
            return None
        self.rescan()
        self._status(f"Created {path.name}")
        return self._file_entry(path)

    def new_file_and_item(self) -> bool:
        if not self._keep_or_drop_changes():
            return False
        target = self.new_file()
        if target is None:
            return False
        self._start_new(new_item_table(target.topic, self._used_ids()), target)
        return True

    def duplicate(self) -> bool:
        """Copy the item on screen (as it is now) under a new id into your folder."""
        if self._current is None or self.target is None:
            return False
        table = json.loads(json.dumps(self._current))
        source = self.target
        topic = table.get("topic") or source.topic
        if not self._keep_or_drop_changes():
            return False
        if source.read_only or self.target is None:
            folder = self._ensure_folder()
            if folder is None:
                return False
            target = next((f for f in self.files if not f.read_only and f.error is None and f.topic == topic), None)
            if target is None:
                from quizapp.bank.tomlwrite import TomlWriteError, new_file

                path = file_name_for(topic or "questions", folder)
                title = source.title or (topic or "questions")
                try:
                    new_file(path, topic or "questions", title)
                except (TomlWriteError, OSError) as exc:
                    dialogs.MessageDialog.ask(self, "Cannot create the file", str(exc))
                    return False
                self.rescan()
                target = self._file_entry(path)
                if target is None:
                    return False
        else:
            target = self._file_entry(source.path) or source
        table["id"] = unique_id(str(table.get("id") or "item"), self._used_ids())
        if topic and topic != target.topic:
            table["topic"] = topic
        elif "topic" in table and table["topic"] == target.topic:
            del table["topic"]
        self._start_new(table, target)
        self._status(f"Copied into {target.path.name} as {table['id']}: edit it, then save (Ctrl+S)")
        return True

    # ------------------------------------------------------------------ import / export

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_bar.setVisible(busy)
        self._update_actions()

    def import_gift(self) -> bool:
        """Read a GIFT file into a new TOML file of your folder; a summary says what was skipped."""
        from quizapp.bank.gift import MAX_GIFT_BYTES, import_gift, slugify
        from quizapp.bank.loader import ID_RE

        folder = self._ensure_folder()
        if folder is None or self.busy:
            return False
        src = dialogs.OpenFileDialog.ask(self, "Import a GIFT file", str(folder),
                                         "GIFT files (*.gift *.txt);;All files (*)")
        if src is None:
            return False
        try:
            if src.stat().st_size > MAX_GIFT_BYTES:
                raise ValueError(f"{src.name} is larger than {MAX_GIFT_BYTES // (1024 * 1024)} MB; split it")
            text = src.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            dialogs.MessageDialog.ask(self, "Cannot import", f"{src.name} is not UTF-8 text; save it as UTF-8.")
            return False
        except (OSError, ValueError) as exc:
            dialogs.MessageDialog.ask(self, "Cannot import", str(getattr(exc, "strerror", None) or exc))
            return False
        topic = slugify(src.stem) or "imported"
        if not ID_RE.match(topic):
            topic = "imported"
        out = dialogs.SaveFileDialog.ask(self, "Save the imported questions as",
                                         str(file_name_for(topic, folder)), "TOML files (*.toml)")
        if out is None:
            return False
        if out.suffix.lower() != ".toml":
            out = out.with_suffix(".toml")
        used = self._used_ids()

        def work():
            result = import_gift(text, default_topic=topic)
            toml = result.toml(topic, header=f"Imported from {src.name} by quizapp") if result.items else None
            if toml is not None:
                out.write_text(toml, encoding="utf-8")
            return result

        def done(result) -> None:
            self._set_busy(False)
            if isinstance(result, Exception):
                dialogs.MessageDialog.ask(self, "Import failed", f"{type(result).__name__}: {result}")
                self.taskFinished.emit()
                return
            self.rescan()
            clashes = [t["id"] for t in result.items if t["id"] in used]
            lines = [f"line {s.line}: {s.type}: {s.reason}" + (f" ({s.title})" if s.title else "")
                     for s in result.skipped]
            lines += [f"note, line {n.line}: {n.message}" for n in result.notes]
            if clashes:
                lines.append("ids also used elsewhere (rename them before saving): " + ", ".join(clashes))
            where = f" into {out.name}" if result.items else " (nothing written)"
            summary = f"GIFT import from {src.name}: {result.summary()}{where}."
            self.last_summary = (summary, "\n".join(lines))
            self.taskFinished.emit()
            dialogs.SummaryDialog.ask(self, "Import GIFT", summary, "\n".join(lines))
            if result.items:
                self.select_item(result.items[0]["id"], read_only=False)

        self._set_busy(True)
        self._start(self.task_pool, work, done)
        return True

    def export(self) -> bool:
        """Write items as GIFT or Moodle XML (a summary lists what changed on the way)."""
        from quizapp.ui.author.dialogs import EXPORT_FORMATS

        if self.busy:
            return False
        scopes: list[tuple[str, str]] = []
        if self.original_id is not None and self.entry is not None:
            scopes.append(("item", f"This item ({self.original_id})"))
        if self.target is not None:
            scopes.append(("file", f"This file ({self.target.path.name})"))
        if self.author_folder is not None:
            scopes.append(("folder", "Every file of your folder"))
        scopes.append(("shipped", "The shipped bank"))
        default = "folder" if self.author_folder is not None and self.target is None else scopes[0][0]
        answer = dialogs.ExportDialog.ask(self, scopes, default)
        if answer is None:
            return False
        fmt, scope, variants = answer
        _key, _label, filters, suffix = next(f for f in EXPORT_FORMATS if f[0] == fmt)
        stem = {"item": self.original_id or "item", "file": self.target.path.stem if self.target else "file",
                "folder": self.author_folder.name if self.author_folder else "questions",
                "shipped": "quizapp-bank"}[scope]
        start = (self.author_folder or Path.home()) / f"{stem}{suffix}"
        out = dialogs.SaveFileDialog.ask(self, "Export as", str(start), filters)
        if out is None:
            return False
        if scope in ("item", "file"):
            paths = [self.target.path]
        elif scope == "folder":
            paths = [p for p in self.author_paths if not self._is_shipped(p)]
        else:
            paths = [self.shipped_dir]
        item_id = self.original_id
        unsaved = self.dirty

        def work():
            from quizapp.bank import load_bank

            bank = load_bank(paths)
            items = list(bank.items.values())
            if scope == "item":
                items = [bank.items[item_id]] if item_id in bank.items else []
            if not items:
                raise ValueError("no item to export (an item with errors is left out; see Problems)")
            source = ", ".join(str(p) for p in paths)
            if fmt == "gift":
                from quizapp.bank.gift import export_gift

                result = export_gift(bank, variants=variants, items=items, source=source)
                text, extra = result.text, ""
            else:
                from quizapp.bank.moodle import export_moodle_xml

                result = export_moodle_xml(bank, variants=variants, items=items, source=source)
                text, extra = result.xml, f", {result.calculated} of them calculated"
            out.write_text(text, encoding="utf-8")
            left_out = len({p.item_id for p in bank.errors if p.item_id})
            return result, extra, left_out

        def done(value) -> None:
            self._set_busy(False)
            if isinstance(value, Exception):
                self.last_summary = (str(value), "")
                self.taskFinished.emit()
                dialogs.MessageDialog.ask(self, "Export failed", str(value))
                return
            result, extra, left_out = value
            name = "GIFT" if fmt == "gift" else "Moodle XML"
            summary = (f"Exported {result.questions} question(s){extra} from {result.items} item(s) "
                       f"to {out.name} ({name}).")
            lines = list(result.notes)
            if left_out:
                lines.insert(0, f"{left_out} item(s) with errors were left out (run the checks).")
            if unsaved:
                lines.insert(0, "The unsaved changes on screen are not in the export: save first.")
            self.last_summary = (summary, "\n".join(lines))
            self.taskFinished.emit()
            dialogs.SummaryDialog.ask(self, f"Export {name}", summary, "\n".join(lines))
            self._status(summary)

        self._set_busy(True)
        self._start(self.task_pool, work, done)
        return True

    # ------------------------------------------------------------------ drafts (nothing lost)

    def _save_draft(self) -> None:
        if not self.dirty or self.target is None:
            return
        settings = open_settings()
        settings.setValue(f"{SETTINGS_GROUP}/draft", json.dumps({
            "file": str(self.target.path), "original_id": self.original_id, "table": self._current}))

    def _clear_draft(self) -> None:
        settings = open_settings()
        settings.remove(f"{SETTINGS_GROUP}/draft")

    def _restore_draft(self) -> None:
        settings = open_settings()
        raw = settings.value(f"{SETTINGS_GROUP}/draft")
        if not raw:
            return
        try:
            draft = json.loads(str(raw))
            path, original_id, table = Path(draft["file"]), draft.get("original_id"), draft["table"]
        except (ValueError, KeyError, TypeError):
            self._clear_draft()
            return
        if not path.exists() or not isinstance(table, dict):
            self._clear_draft()  # the file is gone: nothing to come back to
            return
        target = self._file_entry(path)
        if target is None or target.read_only:
            return  # a folder not in use this time: keep the draft for when it is
        entry = next((e for e in target.items if e.id == original_id), None) if original_id else None
        if original_id is not None and entry is None:
            self._clear_draft()  # the item was deleted meanwhile
            return
        if entry is not None:
            self.open_entry(entry)
            self._select_current_node()
            if self._current == table:
                self._clear_draft()
                return
            before = self._current
            self._apply_table(table, "")
            self.undo_stack.push(_Edit(self, before, self._current, ""))
        else:
            self._start_new(table, target)
        self._update_actions()
        self._status(f"Restored the unsaved changes of {table.get('id') or 'a new item'}")

    # ------------------------------------------------------------------ page protocol

    def open_with(self, item: str | None = None, **_kwargs) -> None:
        """``ctx.navigate("author", item=ID)`` from other pages."""
        if item and not self.select_item(item, read_only=False):
            self.select_item(item)

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


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))


def _tooltip(e: ItemEntry) -> str:
    prompt = " ".join(e.prompt.split())
    if len(prompt) > 240:
        prompt = prompt[:237] + "…"
    return f"{e.id}\n{e.topic} · {e.category} · {e.kind}\n\n{prompt}"
