"""Saving, reverting, deleting and creating items and files, and the draft that
keeps unsaved edits (a part of :class:`quizapp.ui.author.page.AuthorPage`)."""
from __future__ import annotations


import json
from pathlib import Path

from quizapp.ui.author import dialogs
from quizapp.ui.author.common import ROLE, SETTINGS_GROUP
from quizapp.ui.author.model import FileEntry, file_name_for, new_item_table, same_path, unique_id
from quizapp.ui.author.undo import _Edit
from quizapp.ui.shared.settings import open_settings



class ItemsMixin:
    """Save, revert, delete, new item / file, duplicate, drafts."""

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
            data = node.data(0, ROLE) if node is not None else None
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
