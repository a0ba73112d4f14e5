"""The Learn page: the chapter, section by section, with its formulas drawn.

A list of sections on the left; on the right the section's text (every ``$...$`` drawn
by :class:`quizapp.ui.shared.mathtext.MathLabel`), its display formulas (larger, centred) and
its key points. Each section offers *Try it* (its simulator preset) and *Practice it*
(a short session on its topics). The section being read and how far down it was
scrolled survive a restart.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QFrame, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMenu,
    QPushButton, QScrollArea, QSizePolicy, QSplitter, QStyle, QVBoxLayout, QWidget,
)

from quizapp import learn
from quizapp.ui.shared.a11y import focus_ring
from quizapp.ui.learn.model import PRACTICE_LENGTH, LearnModel  # noqa: F401  (re-exported)
from quizapp.ui.shared import warm
from quizapp.ui.shared.mathtext import MathLabel, plain_text, prerenderer
from quizapp.ui.shared.warm import Slices
READER_MAX_WIDTH = 820  # logical pixels: long lines are hard to read
CHAPTER_JOB = "learn-chapter"
PRESETS_JOB = "learn-preset-titles"


def _math_pieces(text: str) -> list[str]:
    """The ``$...$`` pieces of ``text``, dollars included."""
    return [piece for piece, is_math in learn.split_math(text.replace("\x00", "")) if is_math]


class LearnPage(QWidget):
    """Section list + reader; "Try it" opens the simulator, "Practice it" a session."""

    def __init__(self, ctx, parent: QWidget | None = None, sections: list[learn.Section] | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("learn-page")
        self.load_error: str | None = None
        if sections is None:
            try:
                sections = warm.take(CHAPTER_JOB, learn.load_chapter)  # read ahead by warm_up
            except ValueError as exc:  # a broken chapter file: say so on the page
                sections, self.load_error = [], str(exc)
        self.model = LearnModel(sections, warm.take(PRESETS_JOB, self._load_preset_titles))
        self._pending_scroll: float | None = None
        # the text settles its height over a few layout passes after it is shown; the
        # saved scroll position follows it until then (or until the reader scrolls)
        self._drop_timer = QTimer(self, singleShot=True, interval=800)
        self._drop_timer.timeout.connect(self._drop_pending)
        self._rendering: Slices | None = None  # the first section, a block per turn
        self._build()
        self._build_actions()
        if self.sections:
            self.show_section(self.sections[0].id, sliced=True)
        else:
            self.title.setText("The chapter could not be loaded")
            self._add_block(MathLabel(self.load_error or "The chapter has no sections."))
            for w in (self.prev_button, self.next_button, self.try_button, self.lab_button, self.practice_button,
                      self.act_prev, self.act_next, self.act_try, self.act_lab, self.act_practice):
                w.setEnabled(False)

    @staticmethod
    def warm_up(ctx, settings) -> None:
        """The main window's idle head start: read the chapter and draw the math of the
        section the page will open on, on the warm-up thread (the page then takes both)."""
        wanted = settings.value("section")
        draw = prerenderer()

        def prerender() -> None:  # after the chapter: the page may take that one meanwhile
            try:
                sections = learn.load_chapter()
            except ValueError:
                return
            section = next((s for s in sections if s.id == wanted), sections[0] if sections else None)
            if section is not None:
                key_points = "\n".join(f"- {p}" for p in section.key_points)
                draw([*section.paragraphs(), key_points], list(section.formulas))

        warm.submit(CHAPTER_JOB, learn.load_chapter)
        warm.submit(PRESETS_JOB, LearnPage._load_preset_titles)
        warm.run(prerender, last=True)  # after the page imports: the page can draw its own

    @property
    def sections(self) -> list[learn.Section]:
        return self.model.sections

    @property
    def current(self) -> learn.Section | None:
        return self.model.current

    @current.setter
    def current(self, section: learn.Section | None) -> None:
        self.model.current = section

    @property
    def _scroll(self) -> dict[str, float]:  # section id -> how far down (0..1)
        return self.model.scroll

    @staticmethod
    def _load_preset_titles() -> dict[str, str]:
        try:
            from quizapp import presets

            return {pid: p.title for pid, p in presets.load(validate=False).items()}
        except Exception:  # the buttons then show the preset id
            return {}

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter)

        self.section_list = QListWidget()
        self.section_list.setAccessibleName("Chapter sections")
        self.section_list.setToolTip("Choose a section (Up / Down, or Alt+Up / Alt+Down from the text)")
        self.section_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.section_list.setWordWrap(True)
        self.section_list.setSpacing(1)
        self.section_list.setMinimumWidth(190)
        for i, section in enumerate(self.sections, start=1):
            item = QListWidgetItem(f"{i}. {plain_text(section.title)}")
            item.setData(Qt.ItemDataRole.UserRole, section.id)
            item.setToolTip(plain_text(section.title))
            self.section_list.addItem(item)
        self.section_list.currentRowChanged.connect(self._on_row)
        self.splitter.addWidget(self.section_list)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(8, 0, 0, 0)
        rv.setSpacing(6)
        self.title = QLabel()
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.45 if font.pointSizeF() > 0 else 14)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Section title")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rv.addWidget(self.title)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        style = self.style()
        self.prev_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "Previous")
        self.prev_button.setAccessibleName("Previous section")
        self.prev_button.setToolTip("Previous section (Alt+Up)")
        self.prev_button.clicked.connect(lambda: self.step_section(-1))
        self.next_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_ArrowForward), "Next")
        self.next_button.setAccessibleName("Next section")
        self.next_button.setToolTip("Next section (Alt+Down)")
        self.next_button.clicked.connect(lambda: self.step_section(1))
        self.try_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Try it")
        self.try_button.setAccessibleName("Try it in the simulator")
        self.try_button.clicked.connect(self.try_it)
        self.lab_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_ComputerIcon), "Try it in the Lab")
        self.lab_button.setAccessibleName("Try it in the training lab")
        self.lab_button.clicked.connect(self.try_lab)
        self.practice_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
                                           "Practice it")
        self.practice_button.setAccessibleName("Practice this section")
        self.practice_button.clicked.connect(self.practice_it)
        for b in (self.prev_button, self.next_button):
            b.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.try_button)
        bar.addWidget(self.lab_button)
        bar.addWidget(self.practice_button)
        rv.addLayout(bar)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setAccessibleName("Section text")
        focus_ring(self.scroll)  # a Tab stop for scrolling the text: show when it has the keys
        self.scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        bar_v = self.scroll.verticalScrollBar()
        bar_v.rangeChanged.connect(self._on_range)
        bar_v.valueChanged.connect(self._on_scrolled)
        bar_v.actionTriggered.connect(lambda _a: self._drop_pending())
        rv.addWidget(self.scroll, 1)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([230, 900])
        self._new_content()

    def _new_content(self) -> None:
        holder = QWidget()
        holder.setObjectName("learn-reader")
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        self.content = QWidget()
        self.content.setMaximumWidth(READER_MAX_WIDTH)
        self.content_layout = QVBoxLayout(self.content)
        self.content_layout.setContentsMargins(2, 4, 12, 12)
        self.content_layout.setSpacing(8)
        row.addWidget(self.content, 1)
        row.addStretch(0)
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll.setWidget(holder)
        self.blocks: list[MathLabel] = []
        self.formula_labels: list[MathLabel] = []
        self.key_point_label: MathLabel | None = None

    def _add_block(self, label: MathLabel) -> MathLabel:
        self.content_layout.addWidget(label)
        self.blocks.append(label)
        return label

    def _build_actions(self) -> None:
        self.act_prev = QAction("&Previous section", self)
        self.act_prev.setShortcut(QKeySequence("Alt+Up"))
        self.act_prev.triggered.connect(lambda: self.step_section(-1))
        self.act_next = QAction("&Next section", self)
        self.act_next.setShortcut(QKeySequence("Alt+Down"))
        self.act_next.triggered.connect(lambda: self.step_section(1))
        self.act_try = QAction("&Try it in the simulator", self)
        self.act_try.setShortcut(QKeySequence("Ctrl+T"))
        self.act_try.triggered.connect(self.try_it)
        self.act_lab = QAction("Try it in the &Lab", self)
        self.act_lab.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.act_lab.triggered.connect(self.try_lab)
        self.act_practice = QAction("Practice &it", self)
        self.act_practice.setShortcut(QKeySequence("Ctrl+P"))
        self.act_practice.triggered.connect(self.practice_it)
        for act in (self.act_prev, self.act_next, self.act_try, self.act_lab, self.act_practice):
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)  # work even when the page is used without the main window

    def menu(self) -> QMenu:
        menu = QMenu("&Learn", self)
        for act in (self.act_prev, self.act_next):
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.act_try)
        menu.addAction(self.act_lab)
        menu.addAction(self.act_practice)
        return menu

    # ------------------------------------------------------------------ sections

    def section(self, section_id: str) -> learn.Section:
        return self.model.section(section_id)

    def _index(self, section_id: str) -> int:
        return self.model.index(section_id)

    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self.sections):  # chosen in the list: built a few blocks per turn
            self.show_section(self.sections[row].id, sliced=True)

    def step_section(self, delta: int) -> None:
        target = self.model.neighbour(delta)
        if target is not None:
            self.show_section(target, sliced=True)

    def show_section(self, section_id: str, scroll: float | None = None, sliced: bool = False) -> None:
        """Show one section; ``scroll`` (0..1) is how far down to start (default: where
        the reader left it during this session, else the top). ``sliced``: its text and
        formulas are added a few per event-loop turn (the page's first section: the
        window keeps repainting while it is built); otherwise all at once."""
        section = self.section(section_id)
        self.finish_rendering()
        if self.current is not None and self.current.id == section.id:
            if scroll is not None:
                self._set_scroll(scroll)
            return
        self.current = section
        i = self._index(section.id)
        if self.section_list.currentRow() != i:
            self.section_list.blockSignals(True)
            self.section_list.setCurrentRow(i)
            self.section_list.blockSignals(False)
        if sliced:  # the title and the first paragraph now, the rest over the next turns
            steps = self._render_steps(section)
            next(steps, None)
            self._rendering = Slices(self, steps)
        else:
            self._render(section)
        view = self.model.view(section)
        for w in (self.prev_button, self.act_prev):
            w.setEnabled(view.has_prev)
        for w in (self.next_button, self.act_next):
            w.setEnabled(view.has_next)
        for w in (self.try_button, self.act_try):
            w.setEnabled(view.try_enabled)
        self.try_button.setText(view.try_text)
        self.try_button.setToolTip(view.try_tip)
        if view.try_description:
            self.try_button.setAccessibleDescription(view.try_description)
        self.lab_button.setVisible(view.lab_enabled)
        self.act_lab.setEnabled(view.lab_enabled)
        if view.lab_enabled:
            self.lab_button.setToolTip(view.lab_tip)
            self.lab_button.setAccessibleDescription(view.lab_description)
        for w in (self.practice_button, self.act_practice):
            w.setEnabled(view.practice_enabled)
        self.practice_button.setText(view.practice_text)
        self.practice_button.setToolTip(view.practice_tip)
        self._set_scroll(self._scroll.get(section.id, 0.0) if scroll is None else scroll)

    @property
    def filling(self) -> bool:
        """Whether the section shown is still being added (a block per event-loop turn)."""
        return self._rendering is not None and self._rendering.active

    def finish_rendering(self) -> None:
        """Add what a sliced render has not added yet, now."""
        if self._rendering is not None:
            rendering, self._rendering = self._rendering, None
            rendering.finish()

    @property
    def rendering(self) -> bool:
        return self._rendering is not None and self._rendering.active

    def _render(self, section: learn.Section) -> None:
        for _ in self._render_steps(section):
            pass

    def _render_steps(self, section: learn.Section):
        self._new_content()
        self.title.setText(plain_text(section.title))
        self.title.setAccessibleDescription(plain_text(section.title))
        draw = prerenderer()  # one formula per step (a paragraph may hold several)
        for block in section.paragraphs():
            for piece in _math_pieces(block):
                draw([piece])
                yield
            self._add_block(MathLabel(block))
            yield
        if section.formulas:
            head = QLabel("In formulas")
            head.setObjectName("learn-heading")
            self._heading(head)
            self.content_layout.addWidget(head)
            box = QFrame()
            box.setFrameShape(QFrame.Shape.StyledPanel)
            box.setAccessibleName("The section's formulas")
            bv = QVBoxLayout(box)
            bv.setContentsMargins(8, 8, 8, 8)
            bv.setSpacing(10)
            self.content_layout.addWidget(box)
            for tex in section.formulas:
                draw([], [tex])
                yield
                label = MathLabel(tex, display=True)
                bv.addWidget(label)
                self.formula_labels.append(label)
                yield
        head = QLabel("Key points")
        self._heading(head)
        self.content_layout.addWidget(head)
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setAccessibleName("Key points")
        gv = QVBoxLayout(box)
        gv.setContentsMargins(8, 8, 8, 8)
        key_points = "\n".join(f"- {p}" for p in section.key_points)
        for piece in _math_pieces(key_points):
            draw([piece])
            yield
        self.key_point_label = MathLabel(key_points)
        gv.addWidget(self.key_point_label)
        self.content_layout.addWidget(box)
        self.content_layout.addStretch(1)

    @staticmethod
    def _heading(label: QLabel) -> None:
        font = QFont(label.font())
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.1)
        label.setFont(font)

    # ------------------------------------------------------------------ links

    def try_it(self) -> None:
        """Open the simulator with this section's preset."""
        request = self.model.try_request()
        if request is not None:
            self.ctx.navigate(request[0], **request[1])

    def try_lab(self) -> None:
        """Open the training lab with this section's preset."""
        request = self.model.lab_request()
        if request is not None:
            self.ctx.navigate(request[0], **request[1])

    def practice_it(self) -> None:
        """Start a short Practice session on this section's topics."""
        request = self.model.practice_request()
        if request is not None:
            self.ctx.navigate(request[0], **request[1])

    def open_with(self, section: str | None = None, scroll: float | None = None, **_kwargs) -> None:
        """``ctx.navigate("learn", section="momentum")`` from other pages."""
        if section:
            try:
                self.show_section(section, scroll)
            except KeyError as exc:
                self.ctx.message.emit(str(exc).strip("'\""))

    # ------------------------------------------------------------------ scrolling

    def scroll_fraction(self) -> float:
        bar = self.scroll.verticalScrollBar()
        return bar.value() / bar.maximum() if bar.maximum() > 0 else 0.0

    def _set_scroll(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        self._pending_scroll = fraction if fraction > 0 else None
        bar = self.scroll.verticalScrollBar()
        bar.setValue(round(fraction * bar.maximum()))
        if self._pending_scroll is not None and self.isVisible():
            self._drop_timer.start()

    def _drop_pending(self) -> None:
        self._pending_scroll = None

    def _on_range(self, _low: int, high: int) -> None:
        if self._pending_scroll is not None and high > 0:
            self.scroll.verticalScrollBar().setValue(round(self._pending_scroll * high))

    def _on_scrolled(self, _value: int) -> None:
        if self.current is not None and self._pending_scroll is None:
            self._scroll[self.current.id] = self.scroll_fraction()

    # ------------------------------------------------------------------ settings

    def save_settings(self, settings) -> None:
        if self.current is not None:
            if self._pending_scroll is None:
                self._scroll[self.current.id] = self.scroll_fraction()
            settings.setValue("section", self.current.id)
        settings.setValue("scroll", self.model.scroll_json())
        settings.setValue("splitter", self.splitter.saveState())

    def restore_settings(self, settings) -> None:
        self.model.restore_scroll(settings.value("scroll", "{}"))
        splitter = settings.value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        section = settings.value("section")
        if section and any(s.id == section for s in self.sections):
            if self.current is not None and self.current.id == section:
                self._set_scroll(self._scroll.get(section, 0.0))
            else:
                self.show_section(str(section))

    # ------------------------------------------------------------------ Qt

    def activated(self) -> None:
        self.section_list.setFocus()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._pending_scroll is not None:
            self._drop_timer.start()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(1100, 720)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self.current is not None:
            section, self.current = self.current, None
            self.show_section(section.id)
