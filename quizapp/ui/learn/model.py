"""The Learn page as plain data (Qt-free): which section is read, where the reader was
in each one, what the buttons say and where they lead.

The page (``ui/learn/page.py``) draws the text and formulas and forwards clicks and
scroll positions here; everything it shows about a section besides the drawing comes
from :meth:`LearnModel.view`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from quizapp import learn

#: questions in the session that "Practice it" starts
PRACTICE_LENGTH = 5


@dataclass(frozen=True)
class SectionView:
    """What the page shows around one section's text."""

    index: int
    has_prev: bool
    has_next: bool
    try_enabled: bool
    try_text: str
    try_tip: str
    try_description: str
    practice_enabled: bool
    practice_text: str
    practice_tip: str
    lab_enabled: bool = False
    lab_tip: str = ""
    lab_description: str = ""


class LearnModel:
    """Sections, the current one, and how far down each was scrolled (0..1)."""

    def __init__(self, sections: list[learn.Section], preset_titles: dict[str, str] | None = None):
        self.sections = list(sections)
        self.preset_titles = dict(preset_titles or {})
        self.current: learn.Section | None = None
        self.scroll: dict[str, float] = {}

    # -------------------------------------------------------------- sections

    def section(self, section_id: str) -> learn.Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(f"no section {section_id!r}; sections: {', '.join(s.id for s in self.sections)}")

    def index(self, section_id: str) -> int:
        return [s.id for s in self.sections].index(section_id)

    def list_titles(self, plain) -> list[str]:
        """The section list's rows (``plain`` turns a title's markup into plain text)."""
        return [f"{i}. {plain(s.title)}" for i, s in enumerate(self.sections, start=1)]

    def neighbour(self, delta: int) -> str | None:
        """The id of the section ``delta`` steps away, or None past either end."""
        if self.current is None:
            return None
        i = self.index(self.current.id) + delta
        return self.sections[i].id if 0 <= i < len(self.sections) else None

    def view(self, section: learn.Section) -> SectionView:
        i = self.index(section.id)
        preset = section.try_preset
        if preset:
            title = self.preset_titles.get(preset, preset)
            try_text, try_tip = f"Try it: {title}", f"Open the simulator with “{title}” (Ctrl+T)"
            try_description = f"Opens the simulator preset {title}"
        else:
            try_text, try_tip, try_description = "Try it", "This section has no simulator story", ""
        topics = section.practice_topics
        lab = getattr(section, "try_lab", None)
        return SectionView(
            i, i > 0, i < len(self.sections) - 1, preset is not None, try_text, try_tip,
            try_description, bool(topics), f"Practice it ({PRACTICE_LENGTH} questions)",
            f"A short session on {', '.join(topics)} (Ctrl+P)" if topics else "No questions for this section",
            lab is not None,
            "Train a real network on this section's symptom in the Lab (Ctrl+Shift+T)" if lab else "",
            f"Opens the training lab preset {lab}" if lab else "")

    # ----------------------------------------------------------------- links

    def try_request(self) -> tuple[str, dict[str, Any]] | None:
        """``(page, kwargs)`` for ``ctx.navigate`` when *Try it* is pressed."""
        if self.current is not None and self.current.try_preset:
            return "simulator", {"preset": self.current.try_preset}
        return None

    def lab_request(self) -> tuple[str, dict[str, Any]] | None:
        """``(page, kwargs)`` for *Try it in the Lab*."""
        lab = getattr(self.current, "try_lab", None) if self.current is not None else None
        return ("lab", {"preset": lab}) if lab else None

    def practice_request(self) -> tuple[str, dict[str, Any]] | None:
        if self.current is not None and self.current.practice_topics:
            return "practice", {"topics": list(self.current.practice_topics),
                                "length": PRACTICE_LENGTH, "mode": "mixed"}
        return None

    # ------------------------------------------------------------- settings

    def scroll_json(self) -> str:
        return json.dumps({k: round(v, 4) for k, v in self.scroll.items()})

    def restore_scroll(self, text: Any) -> None:
        """Merge saved scroll positions (anything unreadable is ignored)."""
        try:
            saved = json.loads(str(text or "{}"))
        except (TypeError, ValueError):
            return
        if isinstance(saved, dict):
            ids = {s.id for s in self.sections}
            self.scroll.update({k: min(1.0, max(0.0, float(v))) for k, v in saved.items()
                                if k in ids and isinstance(v, (int, float))
                                and not isinstance(v, bool) and v == v})
