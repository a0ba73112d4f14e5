"""Achievement badges (painted, no font or image needed) and the "achievement unlocked"
toast: a small non-modal overlay in the main window's bottom-right corner.

:class:`ToastManager` queues what :attr:`AppContext.achievementsUnlocked` reports (from a
practice answer, a finished session or a simulator run) and shows one toast at a time:
it fades in, stays a few seconds (longer while the pointer rests on it), fades out, and
the next one follows. Clicking a toast emits :attr:`ToastManager.activated` with the
achievement's id; the main window opens the Achievements page on it.
"""
from __future__ import annotations

import math
from collections import deque

from PySide6.QtCore import (
    QEasingCurve, QEvent, QObject, QPointF, QPropertyAnimation, QRectF, QSize, Qt, QTimer, Signal,
)
from PySide6.QtGui import (
    QColor, QGuiApplication, QPainter, QPainterPath, QPalette, QPen, QPixmap, QPolygonF,
)
from PySide6.QtWidgets import (
    QFrame, QGraphicsOpacityEffect, QHBoxLayout, QLabel, QMainWindow, QToolButton, QVBoxLayout,
    QWidget,
)

# ---------------------------------------------------------------------- groups & badges

#: The achievement groups, in display order: (key, title, colour).
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("answers", "Answers", "#1f77b4"),
    ("mastery", "Mastery", "#2ca02c"),
    ("streak", "Weekly streak", "#e07b00"),
    ("simulator", "Simulator and lab notebook", "#8e44ad"),
    ("other", "Other", "#7f7f7f"),
)

#: Which group an achievement rule belongs to (quizapp.progress.achievements.RULES).
RULE_GROUP: dict[str, str] = {
    "correct_answers": "answers", "answer_streak": "answers", "recent_accuracy": "answers",
    "topics_answered": "answers", "reviews_done": "answers", "exam_passed": "answers",
    "topic_mastery": "mastery", "topics_mastered": "mastery",
    "weekly_streak": "streak",
    "runs_recorded": "simulator", "diverge_fixed": "simulator", "race": "simulator",
    "one_knob": "simulator", "reach_minimum": "simulator",
}


def group_of(status) -> str:
    """The group key of an AchievementStatus (by its rule, else by its id)."""
    rule = getattr(status, "rule", "") or ""
    if rule in RULE_GROUP:
        return RULE_GROUP[rule]
    ident = str(getattr(status, "id", ""))
    if ident.startswith("master"):
        return "mastery"
    if ident.startswith("week-streak"):
        return "streak"
    return "other"


def group_color(group: str) -> str:
    for key, _title, color in GROUPS:
        if key == group:
            return color
    return GROUPS[-1][2]


def _star(cx: float, cy: float, r_out: float, r_in: float) -> QPolygonF:
    points = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = -math.pi / 2 + i * math.pi / 5
        points.append(QPointF(cx + r * math.cos(a), cy + r * math.sin(a)))
    return QPolygonF(points)


def badge_pixmap(size: int, group: str, unlocked: bool, palette: QPalette | None = None,
                 ratio: float | None = None) -> QPixmap:
    """A round badge: the group's colour when unlocked, grey when locked, with a symbol
    (answers: a tick, mastery: a star, streak: rising bars, simulator: a descent path)."""
    palette = palette or QGuiApplication.palette()
    ratio = ratio or (QGuiApplication.primaryScreen().devicePixelRatio()
                      if QGuiApplication.primaryScreen() else 1.0)
    pm = QPixmap(int(size * ratio), int(size * ratio))
    pm.setDevicePixelRatio(ratio)
    pm.fill(Qt.GlobalColor.transparent)
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    if unlocked:
        fill = QColor(group_color(group))
        ink = QColor("#ffffff")
        rim = fill.darker(135)
    else:
        fill = QColor("#4a4a4a" if dark else "#d9d9d9")
        ink = QColor("#8a8a8a" if dark else "#a6a6a6")
        rim = QColor("#5c5c5c" if dark else "#c4c4c4")
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    p.setPen(QPen(rim, max(1.0, s / 24)))
    p.setBrush(fill)
    p.drawEllipse(QRectF(s * 0.06, s * 0.06, s * 0.88, s * 0.88))
    pen = QPen(ink, s / 11, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    if group == "mastery":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ink)
        p.drawPolygon(_star(s / 2, s * 0.52, s * 0.30, s * 0.13))
    elif group == "streak":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ink)
        w = s * 0.12
        for i, h in enumerate((0.18, 0.30, 0.42)):
            x = s * 0.27 + i * s * 0.17
            p.drawRoundedRect(QRectF(x, s * 0.70 - s * h, w, s * h), w / 3, w / 3)
    elif group == "simulator":
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        path = QPainterPath(QPointF(s * 0.26, s * 0.28))
        path.cubicTo(QPointF(s * 0.34, s * 0.62), QPointF(s * 0.52, s * 0.72),
                     QPointF(s * 0.74, s * 0.70))
        p.drawPath(path)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ink)
        p.drawEllipse(QPointF(s * 0.74, s * 0.70), s * 0.07, s * 0.07)
    else:  # answers, other: a tick
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(QPolygonF([QPointF(s * 0.29, s * 0.52), QPointF(s * 0.44, s * 0.67),
                                  QPointF(s * 0.72, s * 0.36)]))
    p.end()
    return pm


# ---------------------------------------------------------------------- the toast


class Toast(QFrame):
    """One toast: badge, "Achievement unlocked", the title and what it was for."""

    clicked = Signal()
    closeRequested = Signal()

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("achievement-toast")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never steals the keyboard
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.achievement_id: str | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 10, 8, 10)
        row.setSpacing(10)
        self.badge = QLabel()
        self.badge.setFixedSize(44, 44)
        row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        col = QVBoxLayout()
        col.setSpacing(2)
        self.kicker = QLabel("Achievement unlocked")
        font = self.kicker.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        self.kicker.setFont(font)
        self.title = QLabel()
        bold = self.title.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.1)
        self.title.setFont(bold)
        self.title.setWordWrap(True)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.more = QLabel()
        self.more.setFont(font)
        self.more.setWordWrap(True)
        for label in (self.kicker, self.title, self.description, self.more):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            col.addWidget(label)
        row.addLayout(col, 1)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.setAccessibleName("Dismiss the achievement notice")
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.closeRequested)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setFixedWidth(340)
        self.effect = QGraphicsOpacityEffect(self)
        self.effect.setOpacity(0.0)
        self.setGraphicsEffect(self.effect)
        self._restyle()

    def set_content(self, status, waiting: int) -> None:
        self.achievement_id = getattr(status, "id", None)
        title = getattr(status, "title", str(status))
        group = group_of(status)
        self.badge.setPixmap(badge_pixmap(44, group, True, None, self.devicePixelRatioF()))
        self.title.setText(title)
        self.description.setText(getattr(status, "description", ""))
        self.description.setVisible(bool(self.description.text()))
        hint = "Click to see all achievements."
        self.more.setText(f"{hint} {waiting} more to come." if waiting else hint)
        self.setAccessibleName(f"Achievement unlocked: {title}")
        self.setAccessibleDescription(self.description.text())
        self.setToolTip("Open the Achievements page")
        self.fit()

    def fit(self) -> None:
        """As tall as the wrapped texts need at the toast's fixed width."""
        layout = self.layout()
        layout.activate()
        height = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() \
            else layout.totalSizeHint().height()
        self.setFixedHeight(max(height, 64))

    def _restyle(self) -> None:
        pal = QGuiApplication.palette()  # our own palette is the style sheet's making
        dark = pal.color(QPalette.ColorRole.Window).lightness() < 128
        back = pal.color(QPalette.ColorRole.Base).name()
        text = pal.color(QPalette.ColorRole.Text).name()
        edge = "#c9a227" if not dark else "#e0b83a"
        sheet = (f"QFrame#achievement-toast {{ background: {back}; color: {text}; "
                 f"border: 2px solid {edge}; border-radius: 10px; }}"
                 f"QFrame#achievement-toast QLabel {{ color: {text}; background: transparent; }}")
        if sheet != self.styleSheet():  # setting it sends a palette change: no loop
            self.setStyleSheet(sheet)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()
        super().changeEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.clicked.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(340, super().sizeHint().height())


class ToastManager(QObject):
    """Queues unlocked achievements and shows them one by one over ``host``'s corner."""

    #: a toast was clicked: the achievement id ("" if it had none)
    activated = Signal(str)
    #: a toast is now on screen (its AchievementStatus)
    shown = Signal(object)

    MARGIN = 14

    def __init__(self, host: QWidget, duration_ms: int = 5000, fade_ms: int = 300):
        super().__init__(host)
        self.host = host
        self.duration_ms = duration_ms
        self.fade_ms = fade_ms
        self.queue: deque = deque()
        self.current = None
        self.toast = Toast(host)
        self.toast.hide()
        self.toast.clicked.connect(self._on_click)
        self.toast.closeRequested.connect(self.dismiss)
        self.toast.installEventFilter(self)
        host.installEventFilter(self)
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self._fade_out)
        self.anim = QPropertyAnimation(self.toast.effect, b"opacity", self)
        self.anim.setEasingCurve(QEasingCurve.Type.InOutQuad)
        self.anim.finished.connect(self._on_anim_finished)
        self._fading_out = False

    # ------------------------------------------------------------------ queue

    def push(self, unlocked) -> None:
        """Queue achievements (AchievementStatus objects, or anything with a title)."""
        for status in unlocked or []:
            self.queue.append(status)
        if self.current is None:
            self._show_next()
        else:
            self.toast.set_content(self.current, len(self.queue))
            self._place()

    @property
    def visible(self) -> bool:
        return self.current is not None and self.toast.isVisible()

    def _show_next(self) -> None:
        self.anim.stop()
        self._fading_out = False
        if not self.queue:
            self.current = None
            self.toast.hide()
            return
        self.current = self.queue.popleft()
        self.toast.set_content(self.current, len(self.queue))
        self._place()
        self.toast.show()
        self.toast.raise_()
        self._animate(1.0)
        self.timer.start(self.duration_ms)
        self.shown.emit(self.current)

    def dismiss(self) -> None:
        """Hide the current toast now; the next one (if any) follows."""
        self.timer.stop()
        self.anim.stop()
        self._show_next()

    def clear(self) -> None:
        self.queue.clear()
        self.dismiss()

    # ------------------------------------------------------------------ animation

    def _animate(self, target: float) -> None:
        self.anim.stop()
        self.anim.setDuration(self.fade_ms)
        self.anim.setStartValue(self.toast.effect.opacity())
        self.anim.setEndValue(target)
        self.anim.start()

    def _fade_out(self) -> None:
        if self.current is None:
            return
        self._fading_out = True
        self._animate(0.0)

    def _on_anim_finished(self) -> None:
        if self._fading_out:
            self._fading_out = False
            self._show_next()

    def _on_click(self) -> None:
        ident = getattr(self.current, "id", "") or ""
        self.dismiss()
        self.activated.emit(str(ident))

    # ------------------------------------------------------------------ placement

    def _place(self) -> None:
        host = self.host
        self.toast.fit()
        bottom = host.height()
        if isinstance(host, QMainWindow) and host.statusBar().isVisible():
            bottom -= host.statusBar().height()
        x = host.width() - self.toast.width() - self.MARGIN
        y = bottom - self.toast.height() - self.MARGIN
        self.toast.move(max(0, x), max(0, y))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.host and event.type() == QEvent.Type.Resize and self.current is not None:
            self._place()
        elif obj is self.toast:
            if event.type() == QEvent.Type.Enter and self.current is not None:
                self.timer.stop()  # hold still while the pointer rests on it
                if self._fading_out:
                    self._fading_out = False
                    self._animate(1.0)
            elif event.type() == QEvent.Type.Leave and self.current is not None:
                self.timer.start(max(1500, self.duration_ms // 2))
        return False
