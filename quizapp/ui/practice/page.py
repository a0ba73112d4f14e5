"""The Practice page: a study session, one question at a time.

It drives :class:`quizapp.progress.session.StudySession`, the same Qt-free engine as
``quizapp practice --terminal``: the engine builds the queue (due reviews, then new
items, then the rest), grades each answer and commits it to the store *before* it
returns the feedback, so ending a session (Esc) or a crash loses nothing.

Views: set-up (topics, category, length, mode) → question (math drawn, numbered choice
buttons or a number field that says what it accepts; select-all toggles, a list to
order, matching rows or a phrase field from :mod:`.kinds`) with feedback and the worked
explanation for this instance's numbers → summary (score, time, what to review next).
Keys: 1–9 choose, Enter submits (and goes on), N next, Esc ends the session. In exam
mode nothing is revealed until the summary.

The question bank takes a few hundred milliseconds to load, so it is loaded once per
process on a worker thread (:func:`bank_loader`); the page shows "Loading…" meanwhile.
"""
from __future__ import annotations

import json
import time
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QListWidget, QListWidgetItem, QProgressBar, QPushButton, QScrollArea, QSizePolicy, QSpinBox,
    QStackedWidget, QVBoxLayout, QWidget,
)

from quizapp.bank.numeric import accepted_hint, number_examples
from quizapp.progress.session import CATEGORIES, MODES, SessionOptions, StudySession
from quizapp.ui.shared.text import plural
from quizapp.ui.practice import model
from quizapp.ui.practice.model import PracticeFlow
from quizapp.ui.shared import warm
from quizapp.ui.shared.warm import AFTER_PAINT_MS
from quizapp.ui.shared.a11y import focus_ring, quiet_scroll, tab_after
from quizapp.ui.practice.kinds import KINDS as ANSWER_WIDGET_KINDS, answer_widget
from quizapp.ui.shared.mathtext import MathLabel, plain_text, warm_up
from quizapp.ui.shared.theme import ERROR_COLOR, MUTED_COLOR, OK_COLOR, WARNING_COLOR

ACCEPTED_HINT = accepted_hint()  # per question, examples that are not its answer
MODE_TEXT = {
    "mixed": "Mixed: reviews due, then new questions, then the rest",
    "review": "Review: only questions due for review",
    "new": "New: only questions you have not seen",
    "exam": "Exam: no feedback until the end",
}
CATEGORY_TEXT = {"true_false": "true / false"}
DEFAULT_LENGTH = 10
MAX_LENGTH = 200


# ---------------------------------------------------------------------- the bank


class _BankLoader(QObject):
    """Loads the question bank (the shipped one, or ``quizapp --bank PATH``) once per
    process, on a worker thread."""

    loaded = Signal(object, str)  # bank or None, error message

    def __init__(self, paths: tuple[str, ...] = ()):
        super().__init__()
        self.paths = paths
        self.bank = None
        self.error = ""
        self._started = False

    @property
    def done(self) -> bool:
        return self.bank is not None or bool(self.error)

    def start(self) -> None:
        if self._started or self.done:
            return
        self._started = True

        def work() -> None:  # the warm-up thread (one for the app's head starts): no widgets
            bank, error = None, ""
            try:
                from quizapp.bank import load_bank

                bank = load_bank(list(self.paths) or None)
                if not bank.items:
                    error = "the question bank has no usable items"
            except Exception as exc:  # a broken bank must not take the app down
                error = f"cannot load the question bank: {exc}"
            self._finish(bank, error)

        warm.run(work, last=True)  # after the jobs already queued (the page imports)

    def _finish(self, bank, error: str) -> None:
        self.bank, self.error = (bank if not error else None), error
        self.loaded.emit(self.bank, error)  # queued to the GUI thread's receivers

    def set_bank(self, bank) -> None:
        """Use ``bank`` (tests, or a bank loaded elsewhere) instead of loading one."""
        self.bank, self.error, self._started = bank, "", True


_LOADERS: dict[tuple[str, ...], _BankLoader] = {}


def bank_loader(paths: list[str] | None = None) -> _BankLoader:
    """The loader of the bank at ``paths`` (None or empty: the shipped bank)."""
    key = tuple(paths or ())
    if key not in _LOADERS:
        loader = _BankLoader(key)
        loader.moveToThread(QCoreApplication.instance().thread())
        _LOADERS[key] = loader
    return _LOADERS[key]


# ---------------------------------------------------------------------- widgets


class ChoiceButton(QPushButton):
    """A numbered answer whose text may hold math (a plain QPushButton cannot draw it)."""

    def __init__(self, number: int, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.number = number
        self.setCheckable(True)
        self.setAutoExclusive(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.setSpacing(10)
        self.key_label = QLabel(str(number))
        font = QFont(self.key_label.font())
        font.setBold(True)
        self.key_label.setFont(font)
        self.key_label.setMinimumWidth(self.key_label.fontMetrics().horizontalAdvance("9 ✓") + 4)
        self.key_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label = MathLabel(text, role=QPalette.ColorRole.ButtonText)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.viewport().setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.label.viewport().setCursor(Qt.CursorShape.ArrowCursor)
        row.addWidget(self.key_label, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.label, 1, Qt.AlignmentFlag.AlignVCenter)
        self.setAccessibleName(f"{number}. {plain_text(text)}")
        self.setToolTip(f"Choose with {number}, submit with Enter")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def mark(self, symbol: str, color: str | None) -> None:
        self.key_label.setText(f"{self.number} {symbol}".strip())
        self.key_label.setStyleSheet(f"color: {color};" if color else "")

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return self.layout().sizeHint().expandedTo(QSize(120, 34))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return self.layout().minimumSize()


def _bold(widget: QWidget, factor: float = 1.0) -> None:
    font = QFont(widget.font())
    font.setBold(True)
    if factor != 1.0 and font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    widget.setFont(font)


_duration = model.duration
_literal = model.literal


# ---------------------------------------------------------------------- the page


class PracticePage(QWidget):
    """Set-up → one question at a time → summary, on the shared session engine."""

    #: a session started (after its queue was built)
    sessionStarted = Signal()
    #: an answer was graded and committed (the Feedback); unreadable input emits nothing
    answered = Signal(object)
    #: the session ended (the Summary)
    sessionFinished = Signal(object)
    #: the question bank is loaded (or failed to load: see :attr:`bank_error`)
    bankReady = Signal()

    def __init__(self, ctx, parent: QWidget | None = None, bank: Any = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("practice-page")
        self.bank = None
        self.bank_error = ""
        #: the session flow (Qt-free): session, question on screen, feedback, answers, summary
        self.flow = PracticeFlow()
        self._selected: int | None = None
        self._cards: list = []  # answer cards still to add to the summary (one per turn)
        self._card_timer = QTimer(self, singleShot=True, interval=0)
        self._card_timer.timeout.connect(self._add_card)
        self._shown_at = 0.0
        self._pending_start: dict | None = None
        self._memory_store = None
        self._build()
        self._build_keys()
        self._set_view(self.setup_view)
        if hasattr(ctx, "learnerChanged"):
            ctx.learnerChanged.connect(self._on_learner_changed)
        ctx.dataChanged.connect(self._on_data_changed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_quit)
        loader = bank_loader(self.ctx.bank_paths)
        if bank is not None:
            loader.set_bank(bank)
        if loader.done:
            self._on_bank(loader.bank, loader.error)
        else:
            loader.loaded.connect(self._on_bank)
            # after the first paint: the loading thread would slow it down
            QTimer.singleShot(AFTER_PAINT_MS, self, loader.start)

        QTimer.singleShot(AFTER_PAINT_MS, warm_up)  # mathtext's grammar and fonts (warm-up thread)

    @staticmethod
    def warm_up(ctx, _settings) -> None:
        """The main window's idle head start: load the question bank now (warm-up thread)."""
        bank_loader(getattr(ctx, "bank_paths", None)).start()

    # the flow's state under the names the page has always used
    session = property(lambda self: self.flow.session,
                       lambda self, v: setattr(self.flow, "session", v))
    instance = property(lambda self: self.flow.instance,
                        lambda self, v: setattr(self.flow, "instance", v))
    feedback = property(lambda self: self.flow.feedback,
                        lambda self, v: setattr(self.flow, "feedback", v))
    records = property(lambda self: self.flow.records,
                       lambda self, v: setattr(self.flow, "records", v))
    summary = property(lambda self: self.flow.summary,
                       lambda self, v: setattr(self.flow, "summary", v))
    _last_options = property(lambda self: self.flow.last_options,
                             lambda self, v: setattr(self.flow, "last_options", v))

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self._build_setup()
        self._build_question()
        self._build_summary()

    @staticmethod
    def _scrolling(inner: QWidget, name: str) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setWidget(inner)
        quiet_scroll(area, name)  # its controls are the Tab stops
        return area

    @staticmethod
    def _column(max_width: int = 860) -> tuple[QWidget, QVBoxLayout, QWidget]:
        """A centred column of readable width; returns (holder, layout, column)."""
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(12, 8, 12, 12)
        column = QWidget()
        column.setMaximumWidth(max_width)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        row.addStretch(0)
        row.addWidget(column, 1)
        row.addStretch(0)
        return holder, layout, column

    def _build_setup(self) -> None:
        holder, lay, _ = self._column(760)
        title = QLabel("Practice")
        _bold(title, 1.45)
        lay.addWidget(title)
        intro = QLabel("Questions one at a time. Numbers in calculation questions are drawn "
                       "afresh each time, and every answer is saved as soon as it is graded.")
        intro.setWordWrap(True)
        lay.addWidget(intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(8)
        self.topic_list = QListWidget()
        self.topic_list.setAccessibleName("Topics (none ticked means every topic)")
        self.topic_list.setToolTip("Tick topics with Space; none ticked means every topic")
        self.topic_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.topic_list.setMinimumHeight(150)
        focus_ring(self.topic_list)  # visible focus even before an item is current
        self.topic_list.itemChanged.connect(lambda _i: self._update_availability())
        topics_box = QVBoxLayout()
        topics_box.setSpacing(4)
        topics_box.addWidget(self.topic_list)
        row = QHBoxLayout()
        self.all_topics_button = QPushButton("Every topic")
        self.all_topics_button.setAccessibleName("Untick every topic: practise them all")
        self.all_topics_button.clicked.connect(lambda: self.set_topics([]))
        row.addWidget(self.all_topics_button)
        row.addStretch(1)
        topics_box.addLayout(row)
        topic_label = QLabel("&Topics:")
        topic_label.setBuddy(self.topic_list)
        form.addRow(topic_label, topics_box)

        self.category_combo = QComboBox()
        self.category_combo.setAccessibleName("Category")
        self.category_combo.addItem("Any category", None)
        for cat in CATEGORIES:
            self.category_combo.addItem(CATEGORY_TEXT.get(cat, cat).capitalize(), cat)
        self.category_combo.currentIndexChanged.connect(lambda _i: self._update_availability())
        cat_label = QLabel("&Category:")
        cat_label.setBuddy(self.category_combo)
        form.addRow(cat_label, self.category_combo)

        self.length_spin = QSpinBox()
        self.length_spin.setRange(1, MAX_LENGTH)
        self.length_spin.setValue(DEFAULT_LENGTH)
        self.length_spin.setSuffix(" questions")
        self.length_spin.setAccessibleName("Session length in questions")
        length_label = QLabel("&Length:")
        length_label.setBuddy(self.length_spin)
        form.addRow(length_label, self.length_spin)

        self.mode_combo = QComboBox()
        self.mode_combo.setAccessibleName("Mode")
        for mode in ("mixed", "review", "new", "exam"):
            self.mode_combo.addItem(MODE_TEXT[mode], mode)
        self.mode_combo.currentIndexChanged.connect(lambda _i: self._update_availability())
        mode_label = QLabel("&Mode:")
        mode_label.setBuddy(self.mode_combo)
        form.addRow(mode_label, self.mode_combo)
        lay.addLayout(form)

        self.availability = QLabel()
        self.availability.setWordWrap(True)
        self.availability.setAccessibleName("Questions available")
        lay.addWidget(self.availability)
        self.setup_message = QLabel()
        self.setup_message.setWordWrap(True)
        self.setup_message.setAccessibleName("Set-up message")
        self.setup_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setup_message.hide()
        lay.addWidget(self.setup_message)
        start_row = QHBoxLayout()
        self.start_button = QPushButton("Loading questions…")
        self.start_button.setEnabled(False)
        self.start_button.setAccessibleName("Start the session")
        self.start_button.setToolTip("Start (Enter)")
        self.start_button.setDefault(True)
        focus_ring(self.start_button)  # a default button looks the same with or without focus
        self.start_button.setMinimumWidth(180)
        self.start_button.clicked.connect(lambda: self.start())
        start_row.addWidget(self.start_button)
        start_row.addStretch(1)
        lay.addLayout(start_row)
        lay.addStretch(1)
        self.setup_view = self._scrolling(holder, "Practice set-up")
        self.stack.addWidget(self.setup_view)

    def _build_question(self) -> None:
        holder, lay, _ = self._column()
        head = QHBoxLayout()
        self.position_label = QLabel()
        _bold(self.position_label)
        self.position_label.setAccessibleName("Question number")
        self.topic_label = QLabel()
        self.topic_label.setAccessibleName("Topic and category")
        self.end_button = QPushButton("End session")
        self.end_button.setAccessibleName("End the session (answers are kept)")
        self.end_button.setToolTip("End the session; every answer so far is saved (Esc)")
        self.end_button.clicked.connect(self.end_session)
        head.addWidget(self.position_label)
        head.addWidget(self.topic_label, 1)
        head.addWidget(self.end_button)
        lay.addLayout(head)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(6)
        self.progress_bar.setAccessibleName("Session progress")
        lay.addWidget(self.progress_bar)
        self.exam_note = QLabel("Exam: answers are recorded; the verdicts come at the end.")
        self.exam_note.setAccessibleName("Exam mode")
        self.exam_note.setWordWrap(True)
        lay.addWidget(self.exam_note)

        self.prompt = MathLabel(scale=1.15)
        self.prompt.setAccessibleDescription("The question")
        lay.addWidget(self.prompt)

        self.choices_box = QWidget()
        self.choices_layout = QVBoxLayout(self.choices_box)
        self.choices_layout.setContentsMargins(0, 0, 0, 0)
        self.choices_layout.setSpacing(6)
        lay.addWidget(self.choices_box)
        self.choice_buttons: list[ChoiceButton] = []
        # multiple / ordering / matching / short: a widget per question (ui/practice/kinds.py)
        self.kind_box = QWidget()
        self.kind_layout = QVBoxLayout(self.kind_box)
        self.kind_layout.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.kind_box)
        self.kind_widget = None

        self.numeric_box = QWidget()
        nv = QVBoxLayout(self.numeric_box)
        nv.setContentsMargins(0, 0, 0, 0)
        nv.setSpacing(4)
        nrow = QHBoxLayout()
        self.answer_edit = QLineEdit()
        self.answer_edit.setAccessibleName("Your answer (a number)")
        self.answer_edit.setPlaceholderText("Your answer, e.g. 0.02")
        self.answer_edit.setMaximumWidth(320)
        self.answer_edit.setMaxLength(100)
        self.answer_edit.textEdited.connect(lambda _t: self._show_input_message(""))
        self.unit_label = QLabel()
        nrow.addWidget(self.answer_edit, 1)
        nrow.addWidget(self.unit_label)
        nrow.addStretch(1)
        nv.addLayout(nrow)
        self.accepted_label = QLabel(ACCEPTED_HINT)
        self.accepted_label.setWordWrap(True)
        self.accepted_label.setAccessibleName("Accepted number formats")
        self.answer_edit.setAccessibleDescription(ACCEPTED_HINT)
        self.answer_edit.setToolTip(ACCEPTED_HINT)
        nv.addWidget(self.accepted_label)
        lay.addWidget(self.numeric_box)

        self.input_message = QLabel()
        self.input_message.setWordWrap(True)
        self.input_message.setAccessibleName("Input problem")
        self.input_message.setStyleSheet(f"color: {ERROR_COLOR};")
        self.input_message.hide()
        lay.addWidget(self.input_message)

        buttons = QHBoxLayout()
        self.submit_button = QPushButton("Submit")
        self.submit_button.setAccessibleName("Submit the answer")
        self.submit_button.setToolTip("Submit (Enter)")
        self.submit_button.clicked.connect(self.submit)
        self.next_button = QPushButton("Next")
        self.next_button.setAccessibleName("Next question")
        self.next_button.setToolTip("Next question (N or Enter)")
        self.next_button.clicked.connect(self.next_question)
        self.sim_button = QPushButton("Show in the simulator")
        self.sim_button.setAccessibleName("Show this in the simulator")
        self.sim_button.clicked.connect(self.show_in_simulator)
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.sim_button)
        lay.addLayout(buttons)
        self.keys_hint = QLabel()
        self.keys_hint.setAccessibleName("Keyboard keys")
        self.keys_hint.setStyleSheet(f"color: {MUTED_COLOR};")  # quieter, still readable
        lay.addWidget(self.keys_hint)

        self.feedback_box = QFrame()
        self.feedback_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.feedback_box.setAccessibleName("Feedback")
        fv = QVBoxLayout(self.feedback_box)
        fv.setContentsMargins(10, 8, 10, 10)
        fv.setSpacing(6)
        self.verdict_label = QLabel()
        _bold(self.verdict_label, 1.15)
        self.verdict_label.setAccessibleName("Verdict")
        self.feedback_message = MathLabel()
        self.explanation_head = QLabel("Why")
        _bold(self.explanation_head)
        self.explanation = MathLabel()
        self.explanation.setAccessibleDescription("The worked explanation")
        self.unlocked_label = QLabel()
        self.unlocked_label.setWordWrap(True)
        self.unlocked_label.setAccessibleName("Achievements unlocked")
        for w in (self.verdict_label, self.feedback_message, self.explanation_head,
                  self.explanation, self.unlocked_label):
            fv.addWidget(w)
        lay.addWidget(self.feedback_box)
        lay.addStretch(1)
        self.question_scroll = self._scrolling(holder, "Question")
        self.question_view = self.question_scroll
        self.stack.addWidget(self.question_view)

    def _build_summary(self) -> None:
        holder, lay, _ = self._column()
        self.summary_title = QLabel("Session over")
        _bold(self.summary_title, 1.45)
        lay.addWidget(self.summary_title)
        self.score_label = QLabel()
        _bold(self.score_label, 1.2)
        self.score_label.setAccessibleName("Score")
        self.score_label.setWordWrap(True)
        lay.addWidget(self.score_label)
        self.summary_unlocked = QLabel()
        self.summary_unlocked.setWordWrap(True)
        self.summary_unlocked.setAccessibleName("Achievements unlocked in this session")
        lay.addWidget(self.summary_unlocked)
        # where the next session goes, and why (the adaptive model's reading of the learner)
        self.next_steps_label = QLabel()
        self.next_steps_label.setWordWrap(True)
        self.next_steps_label.setAccessibleName("Where the next questions come from")
        lay.addWidget(self.next_steps_label)

        self.review_box = QGroupBox("What to review next")
        self.review_box.setAccessibleName("What to review next")
        rv = QVBoxLayout(self.review_box)
        self.review_label = MathLabel()
        rv.addWidget(self.review_label)
        rrow = QHBoxLayout()
        self.review_button = QPushButton("Practise these again")
        self.review_button.setAccessibleName("Practise the questions you missed")
        self.review_button.clicked.connect(self.practise_missed)
        rrow.addWidget(self.review_button)
        rrow.addStretch(1)
        rv.addLayout(rrow)
        lay.addWidget(self.review_box)

        brow = QHBoxLayout()
        self.again_button = QPushButton("Same settings again")
        self.again_button.setAccessibleName("Start another session with the same settings")
        self.again_button.clicked.connect(self.practise_again)
        self.setup_button = QPushButton("New session…")
        self.setup_button.setAccessibleName("Back to the session set-up")
        self.setup_button.setToolTip("Back to the set-up (Enter)")
        self.setup_button.clicked.connect(self.show_setup)
        brow.addWidget(self.setup_button)
        brow.addWidget(self.again_button)
        brow.addStretch(1)
        lay.addLayout(brow)

        self.answers_head = QLabel("Your answers")
        _bold(self.answers_head, 1.1)
        lay.addWidget(self.answers_head)
        self.answers_box = QWidget()
        self.answers_layout = QVBoxLayout(self.answers_box)
        self.answers_layout.setContentsMargins(0, 0, 0, 0)
        self.answers_layout.setSpacing(8)
        lay.addWidget(self.answers_box)
        lay.addStretch(1)
        self.summary_view = self._scrolling(holder, "Session summary")
        self.stack.addWidget(self.summary_view)

    def _build_keys(self) -> None:
        def key(seq, slot, where: QWidget) -> QShortcut:
            sc = QShortcut(QKeySequence(seq), where)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
            return sc

        self.shortcuts: list[QShortcut] = []
        for n in range(1, 10):
            self.shortcuts.append(key(str(n), lambda n=n: self.choose(n), self.question_view))
            self.shortcuts.append(key(QKeySequence(Qt.KeyboardModifier.KeypadModifier | Qt.Key(Qt.Key.Key_0 + n)),
                                      lambda n=n: self.choose(n), self.question_view))
        for seq in ("Return", "Enter"):
            self.shortcuts.append(key(seq, self._on_enter, self))
        self.shortcuts.append(key("N", self._on_next_key, self.question_view))
        self.shortcuts.append(key("Escape", self.end_session, self.question_view))

    # ------------------------------------------------------------------ bank

    def _on_bank(self, bank, error: str) -> None:
        self.bank = bank
        self.bank_error = error
        self.topic_list.blockSignals(True)
        self.topic_list.clear()
        if bank is not None:
            counts: dict[str, int] = {}
            for item in bank.items.values():
                counts[item.topic] = counts.get(item.topic, 0) + 1
            for topic, title in bank.topics.items():
                if not counts.get(topic):
                    continue
                entry = QListWidgetItem(f"{title or topic}  ({counts[topic]})")
                entry.setData(Qt.ItemDataRole.UserRole, topic)
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Unchecked)
                self.topic_list.addItem(entry)
        self.topic_list.blockSignals(False)
        rows = self.topic_list.count()
        if rows:  # every topic visible without scrolling (at a sane size)
            row_h = self.topic_list.sizeHintForRow(0) + 2 * self.topic_list.spacing()
            self.topic_list.setMinimumHeight(min(row_h * rows + 2 * self.topic_list.frameWidth() + 4, 360))
        if self._restored_topics is not None:
            self.set_topics(self._restored_topics)
        self.start_button.setText("Start")
        self.start_button.setEnabled(bank is not None)
        if error:
            self._show_setup_message(f"Practice is not available: {error}.", error=True)
        self._update_availability()
        self.bankReady.emit()
        if self._pending_start is not None and bank is not None:
            kwargs, self._pending_start = self._pending_start, None
            self.open_with(**kwargs)

    _restored_topics: list[str] | None = None

    @property
    def ready(self) -> bool:
        return self.bank is not None

    # ------------------------------------------------------------------ set-up

    def set_topics(self, topics: list[str]) -> None:
        wanted = set(topics or [])
        self.topic_list.blockSignals(True)
        for i in range(self.topic_list.count()):
            entry = self.topic_list.item(i)
            on = entry.data(Qt.ItemDataRole.UserRole) in wanted
            entry.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.topic_list.blockSignals(False)
        self._update_availability()

    def topics(self) -> list[str]:
        out = []
        for i in range(self.topic_list.count()):
            entry = self.topic_list.item(i)
            if entry.checkState() == Qt.CheckState.Checked:
                out.append(entry.data(Qt.ItemDataRole.UserRole))
        return out

    def options(self) -> SessionOptions:
        """The set-up form as session options."""
        category = self.category_combo.currentData()
        return SessionOptions(topics=self.topics() or None,
                              categories=[category] if category else None,
                              length=self.length_spin.value(),
                              mode=self.mode_combo.currentData() or "mixed")

    def _set_form(self, topics=None, categories=None, length=None, mode=None) -> None:
        if topics is not None:
            self.set_topics(list(topics))
        if categories is not None:
            cats = list(categories)
            idx = self.category_combo.findData(cats[0]) if len(cats) == 1 else 0
            self.category_combo.setCurrentIndex(max(0, idx))
        if length is not None:
            self.length_spin.setValue(max(1, min(MAX_LENGTH, int(length))))
        if mode is not None:
            idx = self.mode_combo.findData(mode)
            if idx < 0:
                raise ValueError(f"unknown session mode {mode!r}; choose one of: {', '.join(MODES)}")
            self.mode_combo.setCurrentIndex(idx)

    def _store(self):
        """The progress store and learner id (a throw-away one when the file cannot be opened)."""
        store = self.ctx.store
        if store is not None:
            return store, self.ctx.learner_id
        if self._memory_store is None:
            from quizapp.progress import Store

            self._memory_store = Store.memory()
        return self._memory_store, self._memory_store.default_learner().id

    def _update_availability(self) -> None:
        if self.bank is None:
            self.availability.setText("Loading the question bank…" if not self.bank_error else "")
            return
        opts = self.options()
        topics = set(opts.topics or [])
        cats = set(opts.categories or [])
        items = [i for i in self.bank.items.values()
                 if (not topics or i.topic in topics) and (not cats or i.category in cats)]
        try:
            store, learner = self._store()
            schedule = store.review_schedule(learner)
            from quizapp.progress import clock

            now = clock.iso(store.clock())
        except Exception:  # the summary line is a nicety; never block the set-up on it
            self.availability.setText(f"{plural(len(items), 'question')} "
                                      f"{'matches' if len(items) == 1 else 'match'}.")
            return
        due = sum(1 for i in items if i.id in schedule and schedule[i.id] <= now)
        new = sum(1 for i in items if i.id not in schedule)
        self.availability.setText(f"{plural(len(items), 'question')} "
                                  f"{'matches' if len(items) == 1 else 'match'}: "
                                  f"{due} due for review, {new} new.")

    def _show_setup_message(self, text: str, error: bool = False) -> None:
        self.setup_message.setText(text)
        self.setup_message.setStyleSheet(f"color: {ERROR_COLOR};" if error else "")
        self.setup_message.setVisible(bool(text))

    # ------------------------------------------------------------------ sessions

    def start(self, opts: SessionOptions | None = None, item_ids: list[str] | None = None) -> bool:
        """Start a session with ``opts`` (default: the set-up form). ``item_ids`` replaces
        the queue by exactly those items (the summary's "practise these again").
        Returns False, with the reason on the set-up view, when nothing can start."""
        if self.bank is None:
            self._show_setup_message(self.bank_error or "The question bank is still loading…",
                                     error=bool(self.bank_error))
            return False
        if self.session is not None and self.summary is None:
            self.end_session(show=False)
        opts = opts or self.options()
        store, learner = self._store()
        try:
            why = self.flow.start(store, self.bank, learner, opts, item_ids)
        except Exception as exc:  # unknown topic, a store error...: say so, keep the form
            self._set_view(self.setup_view)
            self._show_setup_message(f"Cannot start: {exc}", error=True)
            return False
        self._show_setup_message("")
        self.sessionStarted.emit()
        if why is not None:
            self._set_view(self.setup_view)
            self._show_setup_message(why, error=True)
            return False
        self.next_question()
        return True

    def open_with(self, topics: list[str] | None = None, length: int | None = None,
                  mode: str | None = None, categories: list[str] | None = None,
                  category: str | None = None, seed: int | None = None, start: bool = True,
                  **_kwargs) -> None:
        """``ctx.navigate("practice", topics=[...], length=5, mode="mixed")``: fill in the
        set-up and start at once (a running session is ended first; its answers are kept)."""
        if category and not categories:
            categories = [category]
        if self.bank is None:
            self._pending_start = dict(topics=topics, length=length, mode=mode,
                                       categories=categories, seed=seed, start=start)
            self._set_form(topics=topics if topics is not None else [], categories=categories,
                           length=length, mode=mode)
            return
        try:
            self._set_form(topics=topics if topics is not None else [],
                           categories=categories if categories is not None else [None],
                           length=length, mode=mode)
        except ValueError as exc:
            self._set_view(self.setup_view)
            self._show_setup_message(str(exc), error=True)
            return
        if start:
            opts = self.options()
            if topics:  # as asked, even a topic the form does not list (the engine says no)
                opts.topics = list(topics)
            opts.seed = seed
            self.start(opts)
        else:
            self.show_setup()

    def next_question(self) -> None:
        if self.session is None:
            return
        if self.flow.waiting_for_answer:
            return  # answer first (Esc ends the session)
        inst = self.flow.next()
        if inst is None:
            self.end_session()
            return
        self._selected = None
        self._show_question(inst)

    def _show_question(self, inst) -> None:
        session = self.session
        item = session.item(inst.item_id)
        exam = session.opts.mode == "exam"
        self.position_label.setText(f"Question {session.position} of {session.total}")
        topic_title = self.bank.topics.get(item.topic, item.topic) if self.bank else item.topic
        self.topic_label.setText(f"· {topic_title} · {CATEGORY_TEXT.get(item.category, item.category)}")
        self.topic_label.setToolTip(f"Why this question: {session.reason}" if session.reason else "")
        self.progress_bar.setRange(0, session.total)
        self.progress_bar.setValue(session.position - 1)
        self.exam_note.setVisible(exam)
        self.prompt.setText(inst.prompt)
        for b in self.choice_buttons:
            self.choices_layout.removeWidget(b)
            b.deleteLater()
        self.choice_buttons = []
        if self.kind_widget is not None:
            self.kind_layout.removeWidget(self.kind_widget)
            self.kind_widget.hide()
            self.kind_widget.deleteLater()
            self.kind_widget = None
        part = inst.kind in ANSWER_WIDGET_KINDS
        if part:
            self.kind_widget = answer_widget(inst)
            self.kind_widget.changed.connect(lambda: self._show_input_message(""))
            self.kind_layout.addWidget(self.kind_widget)
            tab_after(self.end_button, self.kind_widget.focus_widgets())
        self.kind_box.setVisible(part)
        if inst.choices and not part:
            for n, text in enumerate(inst.choices, start=1):
                button = ChoiceButton(n, text)
                button.clicked.connect(lambda _c=False, n=n: self.choose(n))
                self.choices_layout.addWidget(button)
                button.show()  # now, not on the next event loop pass: it takes the focus below
                self.choice_buttons.append(button)
            tab_after(self.end_button, self.choice_buttons)  # Tab: choices, then Submit
        self.choices_box.setVisible(bool(inst.choices) and not part)
        n = len(inst.choices or [])
        keys = {"multiple": f"Keys: 1–{min(n, 9)} tick or untick", "ordering": "Keys: Alt+Up / Alt+Down move",
                "matching": "Keys: Tab to a row, arrows pick", "short": "Keys: type the answer"}
        self.keys_hint.setText((keys[inst.kind] if part else f"Keys: 1–{min(n, 9)} choose" if n
                                else "Keys: type the number")
                               + " · Enter submit · N next · Esc end the session")
        numeric = not inst.choices and not part
        self.numeric_box.setVisible(numeric)
        self.answer_edit.clear()
        self.answer_edit.setEnabled(numeric)
        self.answer_edit.setReadOnly(False)
        self.unit_label.setText(inst.unit or "")
        if numeric:
            self._show_number_examples(item, inst)
        self._show_input_message("")
        self.submit_button.setVisible(True)
        self.submit_button.setEnabled(True)
        self.next_button.setVisible(False)
        self.sim_button.setVisible(False)
        self.end_button.setEnabled(True)
        self.feedback_box.setVisible(False)
        self._set_view(self.question_view)
        self.question_scroll.verticalScrollBar().setValue(0)
        self._shown_at = time.monotonic()
        self._focus_question()

    def _focus_question(self) -> None:
        if self.kind_widget is not None and self.feedback is None:
            self.kind_widget.focus_first()
        elif self.instance is not None and self.feedback is None and not self.instance.choices:
            self.answer_edit.setFocus()
        elif self.feedback is not None and self.next_button.isVisible():
            self.next_button.setFocus()
        elif self.choice_buttons:
            target = self.choice_buttons[(self._selected or 1) - 1]
            target.setFocus()
        else:
            self.question_view.setFocus()

    def choose(self, n: int) -> None:
        """Select choice ``n`` (1-based); Enter submits it."""
        if self.kind_widget is not None and self.feedback is None:
            self.kind_widget.press(n)
            return
        if self.instance is None or self.feedback is not None or not self.choice_buttons:
            return
        if not 1 <= n <= len(self.choice_buttons):
            self._show_input_message(f"Choose a number from 1 to {len(self.choice_buttons)}.")
            return
        self._selected = n
        button = self.choice_buttons[n - 1]
        button.setChecked(True)
        button.setFocus()
        self._show_input_message("")

    def answer_text(self) -> str:
        if self.kind_widget is not None:
            return self.kind_widget.answer_text()
        if self.instance is not None and self.instance.choices:
            return str(self._selected) if self._selected else ""
        return self.answer_edit.text()

    def _show_number_examples(self, item, inst) -> None:
        """Placeholder and hint with example numbers the grader would not accept here, so
        they never show this question's own answer."""
        try:
            answer = float(inst.answer)
        except (TypeError, ValueError):
            examples = number_examples()
        else:
            tolerance = item.answer.tolerance
            examples = number_examples(lambda v: tolerance.accepts(v, answer)
                                       or abs(v - answer) <= 1e-12 * max(1.0, abs(answer)))
        hint = accepted_hint(examples)
        self.answer_edit.setPlaceholderText(f"Your answer, e.g. {examples[0]}")
        self.accepted_label.setText(hint)
        self.answer_edit.setAccessibleDescription(hint)
        self.answer_edit.setToolTip(hint)

    def submit(self) -> None:
        """Grade the answer on screen; the engine commits it before we show anything."""
        session, inst = self.session, self.instance
        if session is None or inst is None or self.feedback is not None:
            return
        text = self.answer_text()
        if not text.strip() and self.kind_widget is not None:
            self._show_input_message(self.kind_widget.empty_message)
            return
        if not text.strip():
            self._show_input_message("Choose an answer first (1–9 or click it)." if inst.choices
                                     else "Type a number first. " + self.accepted_label.text())
            return
        seconds = time.monotonic() - self._shown_at
        try:
            fb = self.flow.answer(text, seconds)
        except Exception as exc:  # a store failure: say so; the question stays
            self._show_input_message(f"Could not save the answer: {exc}")
            return
        if not fb.readable:  # not graded, not recorded: say what is accepted
            self._show_input_message(fb.message)
            if self.kind_widget is not None:
                self.kind_widget.focus_first()
                return
            self.answer_edit.setFocus()
            self.answer_edit.selectAll()
            return
        if getattr(fb, "note", ""):  # kept in the journal (file busy), or a journal added
            self.ctx.message.emit(fb.note)
        self.ctx.dataChanged.emit()
        if fb.unlocked:
            self._emit_unlocked(fb.unlocked)
        self.answered.emit(fb)
        if session.opts.mode == "exam":
            self.ctx.message.emit(f"Answer {len(self.records)} recorded.")
            self.next_question()
            return
        self._show_feedback(inst, fb)

    def _show_feedback(self, inst, fb) -> None:
        self._show_input_message("")
        ok = bool(fb.correct)
        partly = not ok and (getattr(fb, "score", None) or 0) > 0
        self.verdict_label.setText("✓ Correct" if ok else
                                   f"◐ Partly right ({fb.score * 100:.0f} % credit)" if partly
                                   else "✗ Not quite")
        self.verdict_label.setStyleSheet(f"color: {OK_COLOR if ok else WARNING_COLOR if partly else ERROR_COLOR};")
        if self.kind_widget is not None:
            self.kind_widget.lock(inst)
        self.feedback_message.setText(fb.message)
        self.explanation.setText(fb.explanation)
        self.explanation.setVisible(bool(fb.explanation))
        self.explanation_head.setVisible(bool(fb.explanation))
        if fb.unlocked:
            titles = ", ".join(getattr(a, "title", str(a)) for a in fb.unlocked)
            self.unlocked_label.setText(f"★ Achievement unlocked: {titles}")
        self.unlocked_label.setVisible(bool(fb.unlocked))
        correct = inst.correct_choice
        for b in self.choice_buttons:
            b.setEnabled(False)
            if b.number == correct:
                b.mark("✓", OK_COLOR)
            elif b.number == self._selected:
                b.mark("✗", ERROR_COLOR)
        self.answer_edit.setReadOnly(True)
        self.answer_edit.setEnabled(False)
        self.submit_button.setVisible(False)
        last = self.session is not None and self.session.position >= self.session.total
        self.next_button.setText("See the summary" if last else "Next")
        self.keys_hint.setText("Keys: N or Enter " + ("summary" if last else "next question")
                               + " · Esc end the session")
        self.next_button.setVisible(True)
        item = self.session.item(inst.item_id) if self.session else None
        self.sim_button.setVisible(bool(item is not None and item.preset))
        if item is not None and item.preset:
            self.sim_button.setToolTip(f"Open the simulator preset “{item.preset}”")
        self.progress_bar.setValue(self.session.position if self.session else 0)
        self.feedback_box.setVisible(True)
        self.next_button.setFocus()
        QTimer.singleShot(0, lambda: self.question_scroll.ensureWidgetVisible(self.feedback_box, 0, 0))

    def _show_input_message(self, text: str) -> None:
        self.input_message.setText(text)
        self.input_message.setVisible(bool(text))

    def _on_enter(self) -> None:
        view = self.stack.currentWidget()
        if view is self.setup_view:
            if self.start_button.isEnabled():
                self.start()
        elif view is self.question_view:
            if self.feedback is None:
                self.submit()
            else:
                self.next_question()
        elif view is self.summary_view:
            self.show_setup()

    def _on_next_key(self) -> None:
        if self.feedback is not None:
            self.next_question()

    def show_in_simulator(self) -> None:
        inst = self.instance
        if inst is None or self.session is None:
            return
        preset = self.session.item(inst.item_id).preset
        if preset:
            self.ctx.navigate("simulator", preset=preset)

    def end_session(self, show: bool = True) -> None:
        """End the session (Esc): every graded answer is already in the store."""
        session = self.session
        if session is None:
            return
        if self.summary is not None:
            return
        try:
            summary = self.flow.finish()
        except Exception as exc:  # the answers are saved already; only the totals failed
            self.ctx.message.emit(f"Could not close the session: {exc}")
            self.flow.abandon()
            self.show_setup()
            return
        if summary.unlocked:
            self._emit_unlocked(summary.unlocked)
        self.ctx.dataChanged.emit()
        self.sessionFinished.emit(summary)
        if show:
            self._show_summary(session, summary)

    def _emit_unlocked(self, unlocked: list) -> None:
        self.ctx.achievementsUnlocked.emit(list(unlocked))

    # ------------------------------------------------------------------ summary

    def _show_summary(self, session: StudySession, summary) -> None:
        """The score and what to review at once; the answer cards follow one per event-loop
        turn (each may draw formulas), so the summary is on screen without a pause."""
        flow = self.flow
        self.summary_title.setText(flow.title())
        self.score_label.setText(flow.score_text())
        all_unlocked = flow.unlocked()
        titles = ", ".join(getattr(a, "title", str(a)) for a in all_unlocked)
        self.summary_unlocked.setText(f"★ Achievements unlocked: {titles}")
        self.summary_unlocked.setVisible(bool(all_unlocked))
        steps = list(getattr(summary, "next_steps", []) or [])
        self.next_steps_label.setText("Next time: " + " ".join(steps) if steps else "")
        self.next_steps_label.setVisible(bool(steps))

        missed = list(summary.review_next)
        if missed:
            self.review_label.setText("\n".join(flow.missed_lines(self.bank)))
            self.review_button.setText(f"Practise these {len(missed)} again" if len(missed) > 1
                                       else "Practise this one again")
        elif summary.answered:
            self.review_label.setText("Nothing missed in this session. The review schedule "
                                      "brings each question back when it is due.")
        else:
            self.review_label.setText("Answer a few questions to see what to review.")
        self.review_button.setVisible(bool(missed))
        self.again_button.setEnabled(self._last_options is not None)

        while self.answers_layout.count():
            child = self.answers_layout.takeAt(0).widget()
            if child is not None:
                child.deleteLater()
        self._cards = flow.cards() + [f"(skipped {item_id}: {_literal(reason)})"
                                      for item_id, reason in session.skipped]
        self.answers_head.setVisible(bool(summary.items))
        self._set_view(self.summary_view)
        self.summary_view.verticalScrollBar().setValue(0)
        self.setup_button.setFocus()
        self._card_timer.start()

    def _add_card(self) -> None:
        if not self._cards or self.stack.currentWidget() is not self.summary_view:
            self._cards = []
            return
        card = self._cards.pop(0)
        if isinstance(card, str):
            self.answers_layout.addWidget(MathLabel(card))
        else:
            self.answers_layout.addWidget(self._answer_card(card))
        if self._cards:
            self._card_timer.start()

    def flush_cards(self) -> None:
        """Add every answer card still waiting now (tests, screenshots)."""
        while self._cards:
            self._add_card()

    def _answer_card(self, c: model.AnswerCard) -> QFrame:
        card = QFrame()
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setAccessibleName(f"Answer {c.number}: {'right' if c.correct else 'wrong'}")
        row = QHBoxLayout(card)
        row.setContentsMargins(8, 6, 8, 6)
        row.setSpacing(8)
        mark = QLabel(f"{'✓' if c.correct else '✗'} {c.number}")
        _bold(mark)
        mark.setStyleSheet(f"color: {OK_COLOR if c.correct else ERROR_COLOR};")
        mark.setMinimumWidth(mark.fontMetrics().horizontalAdvance("✗ 99") + 4)
        row.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        col = QVBoxLayout()
        col.setSpacing(3)
        col.addWidget(MathLabel(c.prompt))
        col.addWidget(MathLabel(c.answer_line))
        if c.why:
            col.addWidget(MathLabel(c.why))
        row.addLayout(col, 1)
        return card

    def practise_missed(self) -> None:
        if self.summary is None or not self.summary.review_next or self._last_options is None:
            return
        missed = list(self.summary.review_next)
        opts = SessionOptions(topics=None, categories=None, length=len(missed),
                              mode="exam" if self._last_options.mode == "exam" else "mixed")
        self.start(opts, item_ids=missed)

    def practise_again(self) -> None:
        if self._last_options is not None:
            last = self._last_options
            self.start(SessionOptions(topics=last.topics, categories=last.categories,
                                      length=last.length, mode=last.mode))

    def show_setup(self) -> None:
        self._update_availability()
        self._set_view(self.setup_view)
        self.start_button.setFocus()

    # ------------------------------------------------------------------ views

    def _set_view(self, view: QWidget) -> None:
        self.stack.setCurrentWidget(view)

    def current_view(self) -> str:
        view = self.stack.currentWidget()
        return {id(self.setup_view): "setup", id(self.question_view): "question",
                id(self.summary_view): "summary"}[id(view)]

    # ------------------------------------------------------------------ hooks

    def _on_learner_changed(self, _learner_id: int) -> None:
        if self.session is not None and self.summary is None:
            self.end_session(show=False)
            self.session = None
            self._show_setup_message("The learner changed, so the session ended "
                                     "(its answers were saved).")
            self.show_setup()
        self._update_availability()

    def _on_data_changed(self) -> None:
        if self.stack.currentWidget() is self.setup_view:
            self._update_availability()  # e.g. a profile was reset on the Progress page

    def _on_quit(self) -> None:
        if self.session is not None and self.summary is None:
            try:
                self.session.finish()
            except Exception:  # closing anyway; every answer is already saved
                pass

    def activated(self) -> None:
        view = self.stack.currentWidget()
        if view is self.setup_view:
            self._update_availability()
            self.start_button.setFocus()
        elif view is self.question_view:
            self._focus_question()
        else:
            self.setup_button.setFocus()

    def save_settings(self, settings) -> None:
        opts = self.options()
        settings.setValue("topics", json.dumps(opts.topics or []))
        settings.setValue("category", (opts.categories or [""])[0])
        settings.setValue("length", opts.length)
        settings.setValue("mode", opts.mode)

    def restore_settings(self, settings) -> None:
        try:
            topics = json.loads(str(settings.value("topics", "[]") or "[]"))
            if isinstance(topics, list):
                self._restored_topics = [t for t in topics if isinstance(t, str)]
                if self.bank is not None:
                    self.set_topics(self._restored_topics)
            category = settings.value("category", "")
            idx = self.category_combo.findData(category) if category else 0
            self.category_combo.setCurrentIndex(max(0, idx))
            self.length_spin.setValue(int(settings.value("length", DEFAULT_LENGTH)))
            idx = self.mode_combo.findData(settings.value("mode", "mixed"))
            if idx >= 0:
                self.mode_combo.setCurrentIndex(idx)
        except (TypeError, ValueError):
            pass

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(1100, 720)


_short = model.short_prompt
