"""Focus-only mouse wheel for value controls inside scroll areas.

Scrolling a long form with the wheel must move the form, not the combo box or spin box
that happens to pass under the pointer (one tick once turned an item's Kind from
"Number" to "True/false"). One application-wide event filter does it for every page,
widgets created later included: a wheel event over a combo box, spin box or slider
that sits in a scroll area and does not have the keyboard focus goes to the scroll
area instead. Once the control has the focus (a click or Tab), the wheel changes its
value as usual.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea, QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox, QScrollBar,
    QWidget,
)

VALUE_CONTROLS = (QComboBox, QAbstractSpinBox, QAbstractSlider)


def _value_control(widget: QWidget | None) -> QWidget | None:
    """The combo, spin box or slider ``widget`` is (or is part of, e.g. a spin box's line edit)."""
    while widget is not None and not widget.isWindow():
        if isinstance(widget, VALUE_CONTROLS) and not isinstance(widget, QScrollBar):
            return widget
        widget = widget.parentWidget()
    return None


def _scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QComboBox):
            return parent
        parent = parent.parentWidget()
    return None


class WheelGuard(QObject):
    """The event filter (install it with :func:`install`)."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(obj, VALUE_CONTROLS):
            focus_on_click(obj)  # the wheel would hand it the focus before this filter runs
            return False
        if kind != QEvent.Type.Wheel or not isinstance(obj, QWidget):
            return False
        control = _value_control(obj)
        if control is None or control.hasFocus() or (
                control.focusProxy() is not None and control.focusProxy().hasFocus()):
            return False
        area = _scroll_area(control)
        if area is None:
            return False
        horizontal = abs(event.angleDelta().x()) > abs(event.angleDelta().y())
        bar = area.horizontalScrollBar() if horizontal else area.verticalScrollBar()
        if bar is not None:
            QApplication.sendEvent(bar, event)
        return True  # never the control's value


_guard: WheelGuard | None = None


def install(app: QApplication | None = None) -> WheelGuard:
    """Install the guard on the application once (later calls return the same one)."""
    global _guard
    app = app or QApplication.instance()
    if _guard is None:
        _guard = WheelGuard(app)
        app.installEventFilter(_guard)
    return _guard


def focus_on_click(widget: QWidget) -> None:
    """Make a value control take the focus by Tab or click only (not by the wheel)."""
    if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
