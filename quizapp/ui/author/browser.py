"""The Author page's left column: your folder and the shipped bank as a tree,
with search and filters (a part of :class:`quizapp.ui.author.page.AuthorPage`)."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import QTreeWidgetItem

from quizapp.ui.author import dialogs
from quizapp.ui.author.common import ROLE, SETTINGS_GROUP, esc, tooltip
from quizapp.ui.author.model import ItemEntry, same_path, scan
from quizapp.ui.shared import warm
from quizapp.ui.shared.settings import open_settings
from quizapp.ui.shared.text import plural
from quizapp.ui.shared.theme import ERROR_COLOR


def shipped_job(folder: Path) -> str:
    """The warm-up job (:mod:`quizapp.ui.shared.warm`) that reads the shipped ``folder``."""
    return f"author-shipped:{os.path.realpath(folder)}"


def warm_shipped() -> None:
    """Read the shipped bank on the warm-up thread; the first Author page takes it."""
    from quizapp.resources import bank_dir

    folder = bank_dir()
    warm.submit(shipped_job(folder), lambda: scan([folder], read_only=True))


class BrowserMixin:
    """Folders and the item tree."""

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

    def missing_folder(self) -> Path | None:
        """A folder given with ``--bank`` that does not exist yet (to be created on request)."""
        for p in self.author_paths:
            if not p.exists() and not self._is_shipped(p) and p.suffix.lower() != ".toml":
                return p
        return None

    def _ensure_folder(self) -> Path | None:
        folder = self.author_folder
        missing = self.missing_folder() if folder is None else None
        if missing is not None:
            if not dialogs.ConfirmDialog.ask(
                    self, "Create the folder?", f"{missing} does not exist yet. Create it for "
                    "your questions?", ok="Create folder"):
                return None
            try:
                missing.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                dialogs.MessageDialog.ask(self, "Cannot create the folder",
                                          f"Could not create {missing}: {exc.strerror or exc}")
                return None
            self.rescan()
            self._update_folder_label()
            self._status(f"Created {missing}: your questions go there")
            folder = self.author_folder
        if folder is None:
            dialogs.MessageDialog.ask(self, "Choose a folder", "Choose a folder for your questions first: "
                                      "the shipped bank is read-only.", error=False)
            if not self.choose_folder():
                return None
            folder = self.author_folder
        return folder

    # ------------------------------------------------------------------ browser

    def rescan(self) -> None:
        """Read the folders again and rebuild the tree (the item on screen stays)."""
        mine = [p for p in self.author_paths if not self._is_shipped(p)]
        if self._shipped_files is None:  # read-only: read once (perhaps ahead, by warm_up)
            shipped = self.shipped_dir
            self._shipped_files = warm.take(shipped_job(shipped),
                                            lambda: scan([shipped], read_only=True))
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
            mine.setData(0, ROLE, ("root", "mine"))
            mine.setToolTip(0, f"{mine.text(0)}\n{folder}" if folder else "Choose a folder for your questions")
            shipped = QTreeWidgetItem(["Shipped bank (read-only)", ""])
            shipped.setData(0, ROLE, ("root", "shipped"))
            shipped.setToolTip(0, f"{shipped.text(0)}\n{self.shipped_dir}")
            bold = QFont(self.tree.font())
            bold.setBold(True)
            for root in (mine, shipped):
                root.setFont(0, bold)
                self.tree.addTopLevelItem(root)
            for fi, f in enumerate(self.files):
                parent = shipped if f.read_only else mine
                node = QTreeWidgetItem([f.label + (f" · {f.title}" if f.title else ""), ""])
                node.setData(0, ROLE, ("file", fi))
                if f.error:
                    node.setForeground(0, QBrush(ERROR_COLOR.qcolor()))
                    node.setText(0, f"{f.label} · {f.error}")
                # the tree elides long names: the whole name is in the tooltip
                node.setToolTip(0, f"{node.text(0)}\n{f.path}")
                parent.addChild(node)
                for ii, e in enumerate(f.items):
                    short = e.id[len(f.topic) + 1:] if f.topic and e.id.startswith(f.topic + ".") else e.id
                    child = QTreeWidgetItem([short, e.category])
                    child.setData(0, ROLE, ("item", fi, ii))
                    child.setToolTip(0, tooltip(e))
                    node.addChild(child)
                if self.original_id is None and self.target is not None and same_path(self.target.path, f.path) \
                        and self._current is not None:
                    child = QTreeWidgetItem([f"{self._current.get('id') or 'new item'} (unsaved)", ""])
                    child.setData(0, ROLE, ("new", fi))
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
        data = node.data(0, ROLE)
        if data and data[0] == "file":
            return ("file", data[1]) if data[1] < len(self.files) else data
        return tuple(data) if data else ()

    def item_nodes(self, visible_only: bool = False) -> list[QTreeWidgetItem]:
        nodes = [n for n in self._all_nodes() if (n.data(0, ROLE) or ("",))[0] == "item"]
        if visible_only:
            nodes = [n for n in nodes if not n.isHidden()]
        return nodes

    def entry_of(self, node: QTreeWidgetItem) -> ItemEntry | None:
        data = node.data(0, ROLE)
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
        self.count_label.setText(f"{shown} of {plural(total, 'item')} shown" if shown != total
                                 else plural(total, "item"))

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
            data = n.data(0, ROLE)
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
            self.folder_label.setText(f"<span style='color:{ERROR_COLOR}'>{esc(missing[0])} does not exist "
                                      "yet.</span> <b>New item</b> (Ctrl+N) offers to create it; "
                                      "<b>Choose folder…</b> picks another one.")
        elif folder is None:
            self.folder_label.setText("No folder chosen: the shipped bank is read-only. "
                                      "Use <b>Choose folder…</b> to write your own questions.")
        else:
            self.folder_label.setText(f"Saving into <b>{esc(folder)}</b>")
        self.folder_label.setToolTip(str(folder) if folder else "")
