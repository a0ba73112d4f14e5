"""What the parts of the Author page share: settings key, the read-only banner, the
tree's data role and two small text helpers."""
from __future__ import annotations

from PySide6.QtCore import Qt

from quizapp.ui.author.model import ItemEntry

DEBOUNCE_MS = 15  # the check and preview run on a worker and take a few ms: keep typing snappy
SETTINGS_GROUP = "pages/author"
READ_ONLY_BANNER = "The shipped bank is read-only: duplicate the item into your folder to edit it."
ROLE = Qt.ItemDataRole.UserRole


def esc(text: str) -> str:
    import html

    return html.escape(str(text))


def tooltip(e: ItemEntry) -> str:
    prompt = " ".join(e.prompt.split())
    if len(prompt) > 240:
        prompt = prompt[:237] + "…"
    return f"{e.id}\n{e.topic} · {e.category} · {e.kind}\n\n{prompt}"
