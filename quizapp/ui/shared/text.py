"""Small wording helpers shared by the pages (Qt-free)."""
from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 answer``, ``2 answers``, ``0 study days`` (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def shorten(text: str, width: int) -> str:
    """One line of at most ``width`` characters, cut at a word with "…" when longer."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut[width // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.…") + "…"
