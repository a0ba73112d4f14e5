"""Small helpers that make widgets usable from the keyboard and by screen readers.

* :func:`keyboard_toolbar`: a toolbar's buttons become Tab stops with spoken names
  (matplotlib's navigation toolbar leaves them mouse-only and nameless to Tab).
* :func:`quiet_scroll`: a scroll area whose content has its own Tab stops is not one
  itself (Qt makes every scroll area a silent stop), and gets a name.
* :func:`focus_ring`: a widget that paints itself (a plot, a state table) shows a
  frame while it has the keyboard focus.
* :func:`tab_after`: widgets built later (a form's rows for the chosen optimizer,
  choice buttons) take their visual place in the Tab order, not the end of the chain.
"""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QAbstractScrollArea, QToolBar, QToolButton, QWidget

#: matplotlib's toolbar tools and what they do, for screen readers
TOOL_DESCRIPTIONS = {
    "Home": "Reset the original view",
    "Back": "Back to the previous view",
    "Forward": "Forward to the next view",
    "Pan": "Pan with the left mouse button, zoom with the right",
    "Zoom": "Zoom to a rectangle",
    "Subplots": "Configure the subplots",
    "Customize": "Edit axis, curve and image parameters",
    "Save": "Save the figure",
}


def keyboard_toolbar(toolbar: QToolBar, what: str = "Plot") -> QToolBar:
    """Make every button of ``toolbar`` a Tab stop named after its action."""
    toolbar.setAccessibleName(f"{what} tools")
    # a tool button draws no focus frame of its own: show where the keyboard is
    toolbar.setStyleSheet("QToolButton:focus { border: 2px solid palette(highlight); "
                          "border-radius: 3px; }")
    for action in toolbar.actions():
        button = toolbar.widgetForAction(action)
        if not isinstance(button, QToolButton):
            continue
        text = action.text().replace("&", "").strip() or action.toolTip().strip()
        if not text:
            continue
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setAccessibleName(f"{text} ({what.lower()})" if what else text)
        description = action.toolTip().strip() or TOOL_DESCRIPTIONS.get(text, "")
        if description:
            button.setAccessibleDescription(description)
    return toolbar


def quiet_scroll(area: QAbstractScrollArea, name: str) -> QAbstractScrollArea:
    """Name ``area`` and take it out of the Tab order (its content holds the stops;
    Qt scrolls a focused child into view)."""
    area.setAccessibleName(name)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return area


def tab_after(anchor: QWidget, widgets: Iterable[QWidget]) -> None:
    """Put ``widgets`` in the Tab order right after ``anchor``, in the order given
    (what followed ``anchor`` before now follows the last of them)."""
    previous = anchor
    for widget in widgets:
        if widget is None or widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        QWidget.setTabOrder(previous, widget)
        previous = widget


def tab_first(container: QWidget, widgets: Iterable[QWidget]) -> None:
    """Make ``widgets`` the first Tab stops inside ``container`` (say a toolbar built
    after the panels below it), keeping the order of every other stop."""
    first = [w for w in widgets if w is not None and w.focusPolicy() != Qt.FocusPolicy.NoFocus]
    if not first:
        return
    rest: list[QWidget] = []
    w = container.nextInFocusChain()
    for _ in range(100_000):  # the chain is a ring over the whole window
        if w is None or w is container:
            break
        if (container.isAncestorOf(w) and w not in first
                and w.focusPolicy() != Qt.FocusPolicy.NoFocus):
            rest.append(w)
        w = w.nextInFocusChain()
    order = first + rest
    for a, b in zip(order, order[1:]):
        QWidget.setTabOrder(a, b)


def focus_stops(container: QWidget) -> list[QWidget]:
    """``container``'s descendants that take focus, in the current focus-chain order."""
    out: list[QWidget] = []
    w = container.nextInFocusChain()
    for _ in range(100_000):
        if w is None or w is container:
            break
        if container.isAncestorOf(w) and w.focusPolicy() != Qt.FocusPolicy.NoFocus:
            out.append(w)
        w = w.nextInFocusChain()
    return out


def tab_into(anchor: QWidget, container: QWidget) -> None:
    """Put the stops of ``container`` (built later, e.g. a tab's content made on first
    show) right after ``anchor`` (say the tab bar above it)."""
    tab_after(anchor, focus_stops(container))


class _FocusRing(QWidget):
    """A frame drawn over a widget while it has the keyboard focus (for widgets that
    paint every pixel themselves, such as plots, and draw no focus of their own)."""

    def __init__(self, target: QWidget):
        super().__init__(target)
        self.setObjectName("focus-ring")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        target.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        kind = event.type()
        if kind == QEvent.Type.FocusIn:
            self.setGeometry(obj.rect())
            self.raise_()
            self.show()
        elif kind == QEvent.Type.FocusOut:
            self.hide()
        elif kind == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(obj.rect())
        return False

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2)
        painter.setPen(pen)
        painter.drawRect(self.rect().adjusted(1, 1, -1, -1))
        painter.end()


def focus_ring(widget: QWidget) -> QWidget:
    """Show a highlight-coloured frame over ``widget`` while it has the focus."""
    if widget.findChild(_FocusRing, "focus-ring", Qt.FindChildOption.FindDirectChildrenOnly) is None:
        _FocusRing(widget)
    return widget
