"""GIFT import and GIFT / Moodle XML export on the Author page (a part of
:class:`quizapp.ui.author.page.AuthorPage`)."""
from __future__ import annotations


from pathlib import Path

from quizapp.ui.author import dialogs
from quizapp.ui.author.model import file_name_for


class ExchangeMixin:
    """Import and export."""

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
