"""The Achievements page: every badge of the current learner, grouped.

Unlocked badges are in their group's colour with the day they were earned; locked ones
are grey with how far along the learner is (a bar, ``7/25`` and a line of detail from
:mod:`quizapp.progress.achievements`). The page re-reads the store whenever the context
says something changed (an answer, a run, an unlock, another learner), at once if it is
shown, else the next time it is.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QScrollArea, QSizePolicy,
    QVBoxLayout, QWidget,
)

from quizapp.ui.achievements import model
from quizapp.ui.achievements.model import local_date  # noqa: F401  (the page's old name)
from quizapp.ui.achievements.toast import GROUPS, badge_pixmap, group_color, group_of
from quizapp.ui.shared import warm
from quizapp.ui.shared.a11y import quiet_scroll
from quizapp.ui.shared.warm import Slices
from quizapp.ui.shared.theme import ERROR_COLOR, blend, readable

CARD_WIDTH = 300  # a column of badges needs about this many pixels
BADGE = 48


class BadgeCard(QFrame):
    """One achievement: badge, title, what it asks, and the date or the progress so far."""

    def __init__(self, status, parent: QWidget | None = None):
        super().__init__(parent)
        self.status = status
        self.group = group_of(status)
        self.setObjectName("badge-card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # one card of the grid is a Tab stop at a time (the page moves it); arrows move inside
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        # as tall as the tallest card in its row, so a row of badges lines up
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 8, 8, 8)
        row.setSpacing(10)
        self.badge = QLabel()
        self.badge.setFixedSize(BADGE, BADGE)
        row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        col = QVBoxLayout()
        col.setSpacing(3)
        self.title = QLabel(status.title)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        col.addWidget(self.title)
        self.description = QLabel(status.description)
        self.description.setWordWrap(True)
        col.addWidget(self.description)
        view = self.view = model.card_view(status)
        self.bars: list[QProgressBar] = []
        for part in view.bars:  # one bar per thing counted, each saying what it counts
            bar = QProgressBar()
            bar.setRange(0, part.maximum)
            bar.setValue(part.value)
            bar.setFormat(part.text)
            bar.setTextVisible(True)
            bar.setMaximumHeight(self.fontMetrics().height() + 4)
            bar.setAccessibleName(f"Progress towards {status.title}"
                                  + (f": {part.label}" if part.label else ""))
            col.addWidget(bar)
            self.bars.append(bar)
        self.bar: QProgressBar | None = self.bars[0] if self.bars else None
        self.when = QLabel(view.when)
        self.when.setWordWrap(True)
        col.addWidget(self.when)
        self.state_text = view.state
        col.addStretch(1)
        row.addLayout(col, 1)
        self.setAccessibleName(view.accessible_name)
        self.setAccessibleDescription(status.description)
        self.setToolTip(view.tooltip)
        self._highlight = False
        self._style_key = None
        self.restyle()

    @property
    def unlocked(self) -> bool:
        return bool(self.status.unlocked)

    def restyle(self) -> None:
        pal = QGuiApplication.palette()  # our own palette is the style sheets' making
        key = (pal.cacheKey(), self._highlight, self.devicePixelRatioF())
        if key == self._style_key:  # setting a style sheet sends a palette change: no loop
            return
        self._style_key = key
        self.badge.setPixmap(badge_pixmap(BADGE, self.group, self.unlocked, pal,
                                          self.devicePixelRatioF()))
        dark = pal.color(pal.ColorRole.Window).lightness() < 128
        # the placeholder colour may be translucent: what shows is it over the card
        under = pal.color(pal.ColorRole.Base if self.unlocked else pal.ColorRole.Window)
        muted = readable(blend(pal.color(pal.ColorRole.PlaceholderText), under), under)
        text = pal.color(pal.ColorRole.WindowText).name()
        accent = group_color(self.group)
        focus = pal.color(pal.ColorRole.Highlight).name()
        if self.unlocked:
            edge = accent
            back = pal.color(pal.ColorRole.Base).name()
            self.title.setStyleSheet(f"color: {text};")
            self.description.setStyleSheet(f"color: {text};")
            self.when.setStyleSheet(f"color: {readable(accent, back) if not dark else text}; font-weight: bold;")
        else:
            edge = "#5a5a5a" if dark else "#cfcfcf"
            back = pal.color(pal.ColorRole.Window).name()
            for label in (self.title, self.description, self.when):
                label.setStyleSheet(f"color: {muted};")
        width = 3 if self._highlight else 1
        edge = focus if self._highlight else edge
        self.setStyleSheet(
            f"QFrame#badge-card {{ background: {back}; border: {width}px solid {edge}; "
            f"border-radius: 8px; }}"
            f"QFrame#badge-card:focus {{ border: 2px solid {focus}; }}"
            "QFrame#badge-card QLabel { border: none; background: transparent; }")

    def set_highlight(self, on: bool) -> None:
        self._highlight = on
        self.restyle()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.restyle()
        super().changeEvent(event)


CARDS_PER_SLICE = 8  # badge cards built per event-loop turn


def _topics_job(ctx) -> str:
    return f"achievements-topics:{tuple(getattr(ctx, 'bank_paths', None) or ())!r}"


def _read_topics(ctx) -> dict[str, str]:
    from quizapp.bank.loader import topic_titles

    return topic_titles(getattr(ctx, "bank_paths", None) or None)


class AchievementsPage(QWidget):
    """A grid of badges per group with a summary and an all / unlocked / locked filter."""

    FILTERS = (("all", "All badges"), ("unlocked", "Unlocked"), ("locked", "Still locked"))

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("achievements-page")
        self.statuses: list = []
        self.cards: dict[str, BadgeCard] = {}
        self.sections: dict[str, tuple[QLabel, QWidget, QGridLayout]] = {}
        self._columns = 0
        self._dirty = True
        self._pending_highlight: str | None = None
        self._reload_timer = QTimer(self, singleShot=True, interval=0)
        self._reload_timer.timeout.connect(self._start_reload)
        self._slices: Slices | None = None
        self._build()
        ctx.dataChanged.connect(self.refresh)
        ctx.achievementsUnlocked.connect(self._on_signal)
        ctx.learnerChanged.connect(self._on_signal)

    @staticmethod
    def warm_up(ctx, _settings) -> None:
        """The main window's idle head start: the bank's topics read on the warm-up thread."""
        warm.submit(_topics_job(ctx), lambda: _read_topics(ctx))

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 6)
        outer.setSpacing(8)
        head = QHBoxLayout()
        head.setSpacing(12)
        self.heading = QLabel("Achievements")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        head.addWidget(self.heading)
        self.summary = QLabel()
        self.summary.setAccessibleName("Achievements summary")
        head.addWidget(self.summary)
        self.total_bar = QProgressBar()
        self.total_bar.setAccessibleName("Share of achievements unlocked")
        self.total_bar.setMaximumWidth(220)
        self.total_bar.setTextVisible(True)
        head.addWidget(self.total_bar)
        head.addStretch(1)
        self.streak_box = QCheckBox("Weekly streak")
        self.streak_box.setAccessibleName("Count my weekly study streak")
        self.streak_box.toggled.connect(self.set_streak)
        head.addWidget(self.streak_box)
        show = QLabel("&Show:")
        self.filter = QComboBox()
        for key, title in self.FILTERS:
            self.filter.addItem(title, key)
        self.filter.setAccessibleName("Which badges to show")
        show.setBuddy(self.filter)
        self.filter.currentIndexChanged.connect(self._apply_filter)
        head.addWidget(show)
        head.addWidget(self.filter)
        outer.addLayout(head)

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOR};")
        self.problem.hide()
        outer.addWidget(self.problem)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        quiet_scroll(self.scroll, "Badges")  # the cards hold the one Tab stop
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 6, 0)
        self.body_layout.setSpacing(6)
        for key, title, color in GROUPS:
            label = QLabel()
            label.setObjectName(f"section-{key}")
            f = label.font()
            f.setBold(True)
            f.setPointSizeF(f.pointSizeF() * 1.15)
            label.setFont(f)
            label.setProperty("groupColor", color)  # drawn readable by _style_headings
            holder = QWidget()
            grid = QGridLayout(holder)
            grid.setContentsMargins(0, 0, 0, 0)
            grid.setHorizontalSpacing(8)
            grid.setVerticalSpacing(8)
            self.body_layout.addWidget(label)
            self.body_layout.addWidget(holder)
            self.sections[key] = (label, holder, grid)
        self.body_layout.addStretch(1)
        self._style_headings()
        self.scroll.setWidget(self.body)
        self.scroll.viewport().installEventFilter(self)
        outer.addWidget(self.scroll, 1)

    # ------------------------------------------------------------------ data

    def _on_signal(self, _arg=None) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Re-read the achievements soon if the page is shown (an answer that unlocks
        something sends two signals: one re-read), else when it is next shown."""
        self._dirty = True
        if self.isVisible():
            self._reload_timer.start()

    @property
    def filling(self) -> bool:
        """Whether the cards are still being filled in (a slice per event-loop turn)."""
        return self._slices is not None and self._slices.active

    def reload(self) -> None:
        """Re-read the achievements now."""
        if self._slices is not None:
            self._slices.cancel()
            self._slices = None
        for _ in self._reload_steps():
            pass

    def _start_reload(self) -> None:
        """Re-read the achievements a slice per event-loop turn (reading, then the cards a
        few at a time, then one group per turn), so showing the page never freezes it."""
        self._reload_timer.stop()
        self._dirty = False
        if self._slices is not None:
            self._slices.cancel()
        self._slices = Slices(self, self._reload_steps())

    def _reload_steps(self):
        self._reload_timer.stop()
        self._dirty = False
        store = self.ctx.store
        if store is None:
            statuses = []
            self.problem.setText("The progress file could not be opened, so there are no "
                                 f"achievements to show: {self.ctx.store_problem}")
            self.problem.show()
        else:
            try:
                topics = self._bank_topics()
                yield
                learner = store.get_learner(self.ctx.learner_id)
                statuses = store.achievements(learner.id, bank_topics=topics)
                self._show_streak(store.study_streak(learner.id))
                self.problem.hide()
                self.heading.setText(f"Achievements of {learner.name}")
            except Exception as exc:  # a damaged file must not take the page down
                statuses = []
                self.problem.setText(f"Cannot read the achievements: {exc}")
                self.problem.show()
        yield
        yield from self._rebuild_steps(statuses)

    def _bank_topics(self) -> dict[str, str]:
        """The bank's topics (one mastery badge each; read once from the file headers), so
        a fresh profile sees every badge it can earn, not only the topic-free ones."""
        if getattr(self, "_topics", None) is None:
            try:  # read ahead by warm_up, or now
                self._topics = warm.take(_topics_job(self.ctx), lambda: _read_topics(self.ctx))
            except Exception:  # the badges the file knows are still shown
                self._topics = {}
        return self._topics

    def _show_streak(self, streak: dict | None) -> None:
        view = model.streak_view(streak)
        self.streak_box.blockSignals(True)
        self.streak_box.setChecked(view.enabled)
        self.streak_box.blockSignals(False)
        self.streak_box.setText(view.text)
        self.streak_box.setToolTip(view.tooltip)
        self.streak_box.setAccessibleDescription(view.tooltip)
        self.streak_box.setEnabled(streak is not None)

    def set_streak(self, on: bool) -> None:
        """Turn the learner's weekly study streak on or off (what ``quizapp learners
        --streak on`` does), then show the badges again."""
        store = self.ctx.store
        if store is None:
            return
        try:
            unlocked = store.set_streak(self.ctx.learner_id, bool(on))
        except Exception as exc:  # a read-only or locked file: say so, keep the switch as it was
            self.problem.setText(f"Cannot change the weekly streak: {exc}")
            self.problem.show()
            self._show_streak(None)
            return
        self.ctx.dataChanged.emit()
        if unlocked:
            self.ctx.achievementsUnlocked.emit(list(unlocked))
        self.reload()

    def _rebuild(self) -> None:
        for _ in self._rebuild_steps(self.statuses):
            pass

    def _rebuild_steps(self, statuses: list):
        cards: dict[str, BadgeCard] = {}
        for i, status in enumerate(statuses):
            card = BadgeCard(status, self.sections[group_of(status)][1])
            card.hide()  # shown by _layout_cards once it sits in its grid
            card.installEventFilter(self)  # arrow keys move between cards
            cards[status.id] = card
            if i % CARDS_PER_SLICE == CARDS_PER_SLICE - 1:
                yield
        for card in self.cards.values():
            if card not in cards.values():
                card.setParent(None)
                card.deleteLater()
        self.statuses, self.cards = list(statuses), cards
        text, done, total, percent = model.summary(self.statuses)
        self.summary.setText(text)
        self.total_bar.setRange(0, max(1, total))
        self.total_bar.setValue(done)
        self.total_bar.setFormat(percent)
        self._columns = 0
        yield from self._layout_steps()
        if self._pending_highlight:
            QTimer.singleShot(0, self, lambda: self.highlight(self._pending_highlight or ""))

    def _wanted_columns(self) -> int:
        width = self.scroll.viewport().width() - 8
        return max(1, min(4, width // CARD_WIDTH))

    def _layout_cards(self) -> None:
        for _ in self._layout_steps():
            pass

    def _layout_steps(self):
        """Lay the cards out in their groups, one group per step."""
        columns = self._wanted_columns()
        self._columns = columns
        mode = self.filter.currentData() or "all"
        by_group: dict[str, list[BadgeCard]] = {key: [] for key, _t, _c in GROUPS}
        for status in self.statuses:
            by_group[group_of(status)].append(self.cards[status.id])
        for key, title, _color in GROUPS:
            label, holder, grid = self.sections[key]
            while grid.count():
                grid.takeAt(0)
            cards = by_group[key]
            shown = [c for c in cards if mode == "all" or (mode == "unlocked") == c.unlocked]
            label.setText(model.section_title(title, [c.status for c in cards]))
            label.setVisible(bool(shown))
            holder.setVisible(bool(shown))
            for i, card in enumerate(shown):
                grid.addWidget(card, i // columns, i % columns)
            for c in cards:
                c.setVisible(c in shown)
            for col in range(4):
                grid.setColumnStretch(col, 1 if col < columns else 0)
            if shown:
                yield
        shown = self.visible_cards()
        if shown and not any(c.focusPolicy() & Qt.FocusPolicy.TabFocus for c in shown):
            self._rove(shown[0])

    def _apply_filter(self) -> None:
        self._layout_cards()

    # ------------------------------------------------------------------ keyboard

    def visible_cards(self) -> list[BadgeCard]:
        """The shown cards in reading order (group by group, row by row)."""
        order = {key: i for i, (key, _t, _c) in enumerate(GROUPS)}
        cards = [c for c in self.cards.values() if not c.isHidden()]

        def where(card: BadgeCard):
            grid = self.sections[card.group][2]
            index = grid.indexOf(card)
            row, col, _rs, _cs = grid.getItemPosition(index) if index >= 0 else (0, 0, 1, 1)
            return order.get(card.group, 99), row, col

        return sorted(cards, key=where)

    def _rove(self, card: BadgeCard) -> None:
        """Make ``card`` the grid's one Tab stop (a roving tab index)."""
        for other in self.cards.values():
            other.setFocusPolicy(Qt.FocusPolicy.StrongFocus if other is card
                                 else Qt.FocusPolicy.ClickFocus)

    def _move_focus(self, card: BadgeCard, key: int) -> bool:
        cards = self.visible_cards()
        if card not in cards:
            return False
        i = cards.index(card)
        columns = max(1, self._columns)
        K = Qt.Key
        if key in (K.Key_Right, K.Key_Left):
            j = i + (1 if key == K.Key_Right else -1)
        elif key in (K.Key_Down, K.Key_Up):
            # the card below/above: the nearest in the next row (rows of all groups in turn)
            mine = card.mapTo(self.body, card.rect().center())
            rows = [c for c in cards if (c.mapTo(self.body, c.rect().center()).y() > mine.y() + 4
                                         if key == K.Key_Down else
                                         c.mapTo(self.body, c.rect().center()).y() < mine.y() - 4)]
            if not rows:
                return True
            ys = [c.mapTo(self.body, c.rect().center()).y() for c in rows]
            target_y = min(ys) if key == K.Key_Down else max(ys)
            row = [c for c, y in zip(rows, ys) if y == target_y]
            target = min(row, key=lambda c: abs(c.mapTo(self.body, c.rect().center()).x() - mine.x()))
            j = cards.index(target)
        elif key == K.Key_Home:
            j = 0
        elif key == K.Key_End:
            j = len(cards) - 1
        elif key == K.Key_PageDown:
            j = i + columns * 3
        elif key == K.Key_PageUp:
            j = i - columns * 3
        else:
            return False
        j = max(0, min(len(cards) - 1, j))
        target = cards[j]
        self._rove(target)
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroll.ensureWidgetVisible(target, 10, 10)
        return True

    def _style_headings(self) -> None:
        """Group headings in their group's hue, darkened or lightened to be readable."""
        window = self.palette().color(self.palette().ColorRole.Window)
        for label, _holder, _grid in self.sections.values():
            color = label.property("groupColor") or "#000000"
            label.setStyleSheet(f"color: {readable(color, window)}; padding-top: 6px;")

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            if self.sections and not getattr(self, "_restyling", False):
                self._restyling = True  # a style sheet sends a palette change of its own
                try:
                    self._style_headings()
                finally:
                    self._restyling = False
        super().changeEvent(event)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if isinstance(obj, BadgeCard):
            if event.type() == QEvent.Type.KeyPress and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                if self._move_focus(obj, event.key()):
                    return True
            elif event.type() == QEvent.Type.FocusIn:
                self._rove(obj)
            return False
        if obj is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            if self.statuses and self._wanted_columns() != self._columns:
                self._layout_cards()
        return super().eventFilter(obj, event)

    # ------------------------------------------------------------------ page protocol

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._dirty:
            self._start_reload()

    @property
    def loading(self) -> bool:
        """Whether a re-read is still being shown (a slice per event-loop turn)."""
        return self._slices is not None and self._slices.active

    def activated(self) -> None:
        if self._dirty and self.isVisible():
            self._start_reload()
        self.filter.setFocus()

    def open_with(self, highlight: str | None = None, **_kwargs) -> None:
        """``ctx.navigate("achievements", highlight=id)``: scroll to that badge and mark it."""
        if highlight:
            if self._dirty or self.loading or highlight not in self.cards:
                self._pending_highlight = highlight
                if self.isVisible() and not self.loading:
                    self._start_reload()
            else:
                self.highlight(highlight)

    def highlight(self, achievement_id: str) -> BadgeCard | None:
        self._pending_highlight = None
        card = self.cards.get(achievement_id)
        if card is None:
            return None
        if not card.isVisible() and self.filter.currentData() != "all":
            self.filter.setCurrentIndex(0)
        for other in self.cards.values():
            if other._highlight:
                other.set_highlight(False)
        card.set_highlight(True)
        self.scroll.ensureWidgetVisible(card, 20, 40)
        card.setFocus(Qt.FocusReason.OtherFocusReason)
        QTimer.singleShot(4000, self, lambda c=card: c.set_highlight(False)
                          if c in self.cards.values() else None)
        return card

    def save_settings(self, settings) -> None:
        settings.setValue("filter", self.filter.currentData())

    def restore_settings(self, settings) -> None:
        index = self.filter.findData(settings.value("filter", "all"))
        if index >= 0:
            self.filter.setCurrentIndex(index)
