"""Accessibility, checked the way its users meet it: every page, in both themes.

For every page of the main window (and every state of it a learner reaches: each tab
of a tab widget, Practice's set-up, question, feedback and summary), offscreen:

* **Names.** Every visible, enabled widget that Tab can reach has a non-empty name
  in Qt's accessibility interface (what a screen reader reads: ``accessibleName()``,
  else the button text, else the buddy label).
* **Visible focus.** Each Tab stop looks different while it has the focus (its pixels,
  grabbed with the focus on it and again once Tab has left the page, differ).
* **Tab order = visual order.** Real Tab presses from the sidebar walk the page's stops;
  Tab must never stick (no trap) and each step from stop A to the next stop B must
  not go *back*, where, with rectangles in window coordinates and a 4-pixel slack,
  B goes back from A when

  - B lies entirely above A and their columns overlap (Tab went up a column), or
  - B lies entirely left of A and not entirely below it (Tab went left along a
    row, or to an earlier column).

  Going down, right, to the top of the next column to the right, or to the start of
  the next row is forward. A step between nested or overlapping widgets is not judged.
* **Contrast (WCAG 2.x).** For every visible text (labels, rich-text colour spans,
  buttons, check boxes, fields, placeholders, math labels, item-view foregrounds) the
  ratio of its effective colour to the background it is drawn on is at least 4.5:1,
  or 3:1 for large text (18 pt, or 14 pt bold). The text colour is the widget's
  effective palette (style sheets included: Qt resolves them into the palette) in its
  colour group (disabled labels are judged in their disabled colour: a label is read
  whether or not it is enabled; disabled *controls* are exempt, as WCAG says); the
  background is the colour actually painted behind the widget: the most frequent
  pixel in its visible rectangle of the window's grab.
  The palettes themselves are checked role pair by role pair, with the semantic
  colours (error, ok, warning, accent, muted) on every background they meet.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible, QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractItemView, QAbstractSpinBox, QApplication, QComboBox, QGroupBox,
    QHeaderView, QLabel, QLineEdit, QTabWidget, QTextEdit, QTreeWidget, QTreeWidgetItem, QWidget,
)

from quizapp.bank import load_bank
from quizapp.ui import pages
from quizapp.ui.shared import theme
from quizapp.ui.shared.theme import contrast_ratio

THEMES = ("light", "dark")
SLACK = 4
BODY, LARGE = 4.5, 3.0


@pytest.fixture
def themed(qapp, request):
    """Apply a theme for one test and give the platform's palette and style back after."""
    old_palette = QPalette(qapp.palette())
    old_style = qapp.style().name()
    old_current, old_mode = theme._current, theme._mode

    def use(mode: str):
        return theme.apply_theme(mode, qapp)

    yield use
    qapp.setStyle(old_style)
    qapp.setPalette(old_palette)
    theme._current, theme._mode = old_current, old_mode


# ---------------------------------------------------------------------- the palettes


@pytest.mark.parametrize("mode", THEMES)
def test_palettes_pass_contrast(mode):
    s = theme.SCHEMES[mode]
    pairs = {
        "window text on window": (s.window_text, s.window),
        "text on base": (s.text, s.base),
        "text on alternate base": (s.text, s.alternate_base),
        "button text on button": (s.button_text, s.button),
        "selected text on highlight": (s.highlighted_text, s.highlight),
        "placeholder on base": (s.placeholder, s.base),
        "tooltip text": (s.tooltip_text, s.tooltip_base),
        "link on base": (s.link, s.base),
        "link on window": (s.link, s.window),
        "visited link on base": (s.link_visited, s.base),
    }
    for role in ("error", "ok", "warning", "accent", "muted"):
        for bg in ("window", "base", "alternate_base", "button"):
            pairs[f"{role} on {bg}"] = (getattr(s, role), getattr(s, bg))
    low = {k: round(contrast_ratio(a, b), 2) for k, (a, b) in pairs.items() if contrast_ratio(a, b) < BODY}
    assert not low, f"{mode}: {low}"
    # the plot grid and the disabled text only need to be told apart (3:1 is not asked)
    assert contrast_ratio(s.grid, s.base) > 1.2


def test_contrast_ratio_matches_wcag_examples():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#d62728", "#efefef") == pytest.approx(4.37, abs=0.01)  # the old ERROR_COLOR
    assert contrast_ratio("#2ca02c", "#ffffff") == pytest.approx(3.40, abs=0.01)  # the old OK_COLOR
    assert theme.readable("#2ca02c", "#ffffff") != "#2ca02c"
    assert contrast_ratio(theme.readable("#2ca02c", "#ffffff"), "#ffffff") >= 4.5
    assert contrast_ratio(theme.readable("#8e44ad", "#202225"), "#202225") >= 4.5


# ---------------------------------------------------------------------- the walk


def _large(font: QFont) -> bool:
    points = font.pointSizeF() if font.pointSizeF() > 0 else font.pixelSize() * 0.75
    return points >= 18 or (font.bold() and points >= 14)


def _rect(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _name(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    return (iface.text(QAccessible.Text.Name) if iface is not None else "") or ""


def _describe(widget: QWidget) -> str:
    text = ""
    for attr in ("text", "placeholderText", "currentText", "title", "accessibleName"):
        fn = getattr(widget, attr, None)
        if callable(fn):
            try:
                text = fn()
            except TypeError:
                continue
            if text:
                break
    text = re.sub(r"<[^>]+>", "", str(text))[:50]
    return f"{type(widget).__name__}({widget.objectName() or ''}) {text!r}"


def _inside_disabled_control(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit)):
            return not parent.isEnabled()
        parent = parent.parentWidget()
    return False


def _visible_rect(widget: QWidget, window: QWidget) -> QRect:
    """The part of ``widget`` on screen: its rectangle clipped by every ancestor's."""
    r = _rect(widget, window)
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        r = r.intersected(_rect(parent, window))
        parent = parent.parentWidget()
    return r.intersected(window.rect())


def _shown(widget: QWidget, window: QWidget) -> bool:
    return widget.isVisible() and widget.window() is window and not _visible_rect(widget, window).isEmpty()


class Walker:
    """Checks one window's page in its current state; collects the failures."""

    def __init__(self, qtbot, window, page, label: str):
        self.qtbot = qtbot
        self.window = window
        self.page = page
        self.label = label
        self.failures: list[str] = []

    def fail(self, text: str) -> None:
        self.failures.append(f"{self.label}: {text}")

    def widgets(self) -> list[QWidget]:
        return [w for w in self.page.findChildren(QWidget) if _shown(w, self.window)]

    # -- names
    def check_names(self) -> None:
        for w in self.widgets():
            if not w.isEnabled() or not (w.focusPolicy() & Qt.FocusPolicy.TabFocus):
                continue
            if w.focusProxy() is not None:
                continue
            if not _name(w).strip():
                self.fail(f"no accessible name: {_describe(w)}")

    # -- every button reachable from the keyboard
    def check_reachable(self) -> None:
        for w in self.widgets():
            if not isinstance(w, QAbstractButton) or not w.isEnabled():
                continue
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus:
                continue
            if w.autoExclusive() and any(
                    isinstance(o, QAbstractButton) and o.autoExclusive() and o.isVisible()
                    and o.focusPolicy() & Qt.FocusPolicy.TabFocus
                    for o in w.parentWidget().children()):
                continue  # one stop for an exclusive group (Qt's radio rule); arrows move in it
            action = getattr(w, "defaultAction", lambda: None)()
            keys = w.shortcut() if not w.shortcut().isEmpty() else (
                action.shortcut() if action is not None else None)
            if keys is None or keys.isEmpty():
                self.fail(f"a button neither Tab nor a shortcut reaches: {_describe(w)}")

    # -- tab order
    def check_tab_order(self) -> list[QWidget]:
        window, qtbot = self.window, self.qtbot
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
        window.nav.setFocus(Qt.FocusReason.TabFocusReason)
        QApplication.processEvents()
        stops: list[QWidget] = []
        focused: list = []
        current = QApplication.focusWidget()
        for _ in range(400):
            qtbot.keyClick(current, Qt.Key.Key_Tab)
            QApplication.processEvents()
            nxt = QApplication.focusWidget()
            if nxt is None or nxt is current:
                self.fail(f"Tab is stuck at {_describe(current)}")
                break
            if not self.page.isAncestorOf(nxt) or nxt in stops:
                break
            if not _name(nxt).strip():
                self.fail(f"a Tab stop with no accessible name: {_describe(nxt)}")
            if stops:
                a, b = stops[-1], nxt
                if not (a.isAncestorOf(b) or b.isAncestorOf(a)):
                    ra, rb = _rect(a, window), _rect(b, window)
                    why = goes_back(ra, rb)
                    if why:
                        self.fail(f"Tab goes {why}: {_describe(a)} at {_fmt(ra)} -> "
                                  f"{_describe(b)} at {_fmt(rb)}")
            stops.append(nxt)
            area = _visible_rect(nxt, window).adjusted(-3, -3, 3, 3)
            focused.append((nxt, area, window.grab(area).toImage()))
            current = nxt
        # focus has left the page: each stop must have looked different while it had it
        for widget, area, image in focused:
            if window.grab(area).toImage() == image:
                self.fail(f"no visible focus: {_describe(widget)}")
        return stops

    # -- contrast
    def check_contrast(self) -> None:
        image = self.window.grab().toImage()
        scale = image.devicePixelRatio()
        scheme = theme.current_scheme()
        for w in self.widgets():
            colors = getattr(w, "colors", None)
            if hasattr(w, "figure") and isinstance(colors, theme.FigureColors):
                # a plot: its labels and ticks on its own backgrounds, in the theme's colours
                if colors.face.lower() != scheme.window.lower():
                    self.fail(f"plot does not follow the theme: face {colors.face} in {_describe(w)}")
                for bg in (colors.face, colors.axes):
                    ratio = contrast_ratio(colors.text, bg)
                    if ratio < BODY:
                        self.fail(f"contrast {ratio:.2f} < {BODY}: plot text {colors.text} on {bg} "
                                  f"in {_describe(w)}")
            texts = list(self._texts(w))
            if not texts:
                continue
            bg = self._background(w, image, scale)
            if bg is None:
                continue
            for color, what, large in texts:
                if color.alpha() < 255:
                    color = theme.blend(color, bg)
                need = LARGE if large else BODY
                ratio = contrast_ratio(color, bg)
                if ratio < need - 0.005:
                    self.fail(f"contrast {ratio:.2f} < {need}: {what} {color.name()} on "
                              f"{bg.name()} in {_describe(w)}")

    def _background(self, w: QWidget, image, scale: float) -> QColor | None:
        region = _visible_rect(w, self.window)
        if region.isEmpty():
            return None
        if region.width() > 12 and region.height() > 12:  # inside frames and focus rings
            region = region.adjusted(3, 3, -3, -3)
        x0, y0 = int(region.x() * scale), int(region.y() * scale)
        x1 = min(image.width(), int((region.x() + region.width()) * scale))
        y1 = min(image.height(), int((region.y() + region.height()) * scale))
        step = max(1, int(min(x1 - x0, y1 - y0) / 40) or 1)
        counts: Counter = Counter()
        for y in range(max(0, y0), y1, step):
            for x in range(max(0, x0), x1, step):
                counts[image.pixel(x, y)] += 1
        if not counts:
            return None
        return QColor.fromRgb(counts.most_common(1)[0][0])

    def _texts(self, w: QWidget):
        """(colour, what, large) for each text ``w`` draws."""
        pal = w.palette()
        group = QPalette.ColorGroup.Active if w.isEnabled() else QPalette.ColorGroup.Disabled
        large = _large(w.font())
        if isinstance(w, QLabel):
            if not w.isEnabled() and _inside_disabled_control(w):
                return  # part of an inactive control (a graded choice): WCAG exempts it
            text = w.text()
            if not text.strip() or (w.pixmap() is not None and not w.pixmap().isNull()):
                return
            yield pal.color(group, w.foregroundRole()), "label text", large
            if "<" in text or w.textFormat() == Qt.TextFormat.RichText:
                for value in re.findall(r"color\s*[:=]\s*['\"]?\s*(#[0-9a-fA-F]{3,8}|[a-zA-Z]+)", text):
                    color = QColor(value)
                    if color.isValid():
                        yield color, f"rich-text colour {value}", large
            return
        if not w.isEnabled():
            return  # an inactive control: WCAG exempts it
        if isinstance(w, QAbstractButton):
            if w.text().strip():
                yield pal.color(group, w.foregroundRole()), "button text", large
            return
        if isinstance(w, QGroupBox):
            if w.title().strip():
                yield pal.color(group, QPalette.ColorRole.WindowText), "group title", large
            return
        if isinstance(w, QLineEdit):
            if w.text():
                yield pal.color(group, QPalette.ColorRole.Text), "field text", large
            elif w.placeholderText() and w.isEnabled():
                yield pal.color(group, QPalette.ColorRole.PlaceholderText), "placeholder", large
            return
        if isinstance(w, QComboBox) and not w.isEditable():
            if w.currentText():
                yield pal.color(group, QPalette.ColorRole.ButtonText), "combo text", large
            return
        if isinstance(w, QTextEdit) and w.toPlainText().strip():
            role = getattr(w, "_role", QPalette.ColorRole.Text)
            yield pal.color(group, role), "text", large
            return
        if isinstance(w, QAbstractItemView) and not isinstance(w, QHeaderView) and w.model() is not None:
            yield from self._item_colours(w, group)

    def _item_colours(self, view: QAbstractItemView, group):
        model = view.model()
        pal = view.palette()
        seen = set()

        def visit(parent, depth=0):
            if depth > 3:
                return
            rows = min(model.rowCount(parent), 200)
            try:
                cols = min(model.columnCount(parent), 12)
            except TypeError:  # a list model hides columnCount
                cols = 1
            for r in range(rows):
                for c in range(cols):
                    index = model.index(r, c, parent)
                    brush = model.data(index, Qt.ItemDataRole.ForegroundRole)
                    if brush is not None:
                        color = brush.color() if hasattr(brush, "color") else QColor(brush)
                        if color.isValid() and color.name() not in seen:
                            seen.add(color.name())
                            yield color, f"item colour {color.name()}", False
                child = model.index(r, 0, parent)
                if model.rowCount(child) if child.isValid() else False:
                    yield from visit(child, depth + 1)

        yield pal.color(group, QPalette.ColorRole.Text), "item text", False
        yield from visit(view.rootIndex())

    def check_all(self, tab_order: bool = True) -> None:
        QApplication.processEvents()
        self.check_names()
        self.check_reachable()
        self.check_contrast()
        if tab_order:
            self.check_tab_order()


def goes_back(a: QRect, b: QRect) -> str:
    """Why going from stop ``a`` to stop ``b`` runs against the reading order ('' if not)."""
    above = b.bottom() <= a.top() + SLACK
    left = b.right() <= a.left() + SLACK
    below = b.top() >= a.bottom() - SLACK
    x_overlap = min(a.right(), b.right()) - max(a.left(), b.left()) > SLACK
    if above and x_overlap:
        return "up"
    if left and not below:
        return "left"
    return ""


def _fmt(r: QRect) -> str:
    return f"({r.x()},{r.y()} {r.width()}x{r.height()})"


def test_goes_back_rule():
    row = QRect(0, 0, 100, 20)
    assert goes_back(row, QRect(0, 40, 100, 20)) == ""  # down
    assert goes_back(row, QRect(120, 0, 50, 20)) == ""  # right on the same row
    assert goes_back(QRect(120, 0, 50, 20), row) == "left"
    assert goes_back(QRect(0, 40, 100, 20), row) == "up"
    assert goes_back(QRect(0, 300, 100, 20), QRect(200, 0, 100, 20)) == ""  # next column, top
    assert goes_back(QRect(200, 300, 100, 20), QRect(0, 0, 100, 20)) == "left"  # earlier column
    assert goes_back(QRect(300, 0, 100, 20), QRect(0, 40, 100, 20)) == ""  # next row


# ---------------------------------------------------------------------- page states


def _tab_states(walker: Walker, tab_order: bool):
    """Check the page as it is, then each other tab of its visible tab widgets."""
    walker.check_all(tab_order)
    tabs = [t for t in walker.page.findChildren(QTabWidget) if t.isVisible()]
    for tabs_widget in tabs:
        start = tabs_widget.currentIndex()
        for i in range(tabs_widget.count()):
            if i == start or not tabs_widget.isTabEnabled(i):
                continue
            tabs_widget.setCurrentIndex(i)
            QApplication.processEvents()
            label = walker.label
            walker.label = f"{label} / tab {tabs_widget.tabText(i)!r}"
            walker.check_all(tab_order)
            walker.label = label
        tabs_widget.setCurrentIndex(start)


def _practice_states(qtbot, window, page, walker: Walker) -> None:
    qtbot.waitUntil(lambda: page.ready, timeout=20000)
    walker.label = "practice / set-up"
    walker.check_all()
    bank = page.bank
    choice = next(i.id for i in bank.items.values() if i.kind == "choice")
    numeric = next(i.id for i in bank.items.values() if i.kind == "numeric")
    assert page.start(item_ids=[choice, numeric])
    QApplication.processEvents()
    walker.label = "practice / choice question"
    walker.check_all()
    page.choose(1)
    page.submit()
    QApplication.processEvents()
    walker.label = "practice / feedback"
    walker.check_all()
    page.next_question()
    QApplication.processEvents()
    walker.label = "practice / number question"
    walker.check_all()
    page.answer_edit.setText("1e9")
    page.submit()
    page.next_question()
    QApplication.processEvents()
    walker.label = "practice / summary"
    walker.check_all()


def _seed(ctx) -> None:
    """A few answers, right and wrong, so Progress has a history and Achievements a badge."""
    store = ctx.store
    store.sync_topics({"sgd": "SGD and minibatches", "adam": "Adam"})
    learner = store.default_learner()
    for i in range(6):
        store.record_attempt(learner.id, f"sgd.q{i}", correct=i % 3 != 0, given="1", expected="2",
                             seconds=4.0, topic="sgd" if i < 4 else "adam", category="definition",
                             kind="choice")


@pytest.fixture
def open_window(qtbot, ctx, themed):
    """``open_window(mode)``: the main window in that theme (closed before the theme is undone)."""
    from quizapp.ui.app import MainWindow

    made = []

    def make(mode: str):
        themed(mode)
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        for page in window.pages.values():
            for name in ("pause", "wait_idle"):
                if hasattr(page, name):
                    getattr(page, name)()
        window.close()
    QApplication.processEvents()


@pytest.mark.parametrize("mode", THEMES)
@pytest.mark.parametrize("key", [p.key for p in pages.PAGES])
def test_every_page_is_named_ordered_and_readable(qtbot, ctx, open_window, key, mode):
    _seed(ctx)
    window = open_window(mode)
    window.show_page(key)
    page = window.pages[key]
    QApplication.processEvents()
    if hasattr(page, "wait_idle"):
        page.wait_idle()
    qtbot.wait(50)
    walker = Walker(qtbot, window, page, f"{key} ({mode})")
    if key == "practice":
        _practice_states(qtbot, window, page, walker)
    else:
        _tab_states(walker, tab_order=True)
    if key == "author":  # with an item of the shipped bank open (read-only banner, form)
        item = next(iter(load_bank().items))
        with qtbot.waitSignal(page.evaluated, timeout=10000):
            assert page.select_item(item, read_only=True)
        walker.label = f"author ({mode}) / item"
        walker.check_all()
    assert not walker.failures, "\n".join(dict.fromkeys(walker.failures))


# ---------------------------------------------------------------------- one by one


def _tab_stops_inside(qtbot, window, page) -> list[QWidget]:
    return Walker(qtbot, window, page, "").check_tab_order()


def test_badge_grid_is_one_tab_stop_and_arrows_walk_it(qtbot, open_window):
    window = open_window("light")
    window.show_page("achievements")
    page = window.pages["achievements"]
    qtbot.waitUntil(lambda: len(page.cards) >= 10 and len(page.visible_cards()) == len(page.cards),
                    timeout=5000)
    stops = _tab_stops_inside(qtbot, window, page)
    cards = [w for w in stops if type(w).__name__ == "BadgeCard"]
    assert len(cards) == 1, [_describe(w) for w in stops]
    shown = page.visible_cards()
    assert cards[0] is shown[0]
    for card in shown:  # what a screen reader says for each
        assert card.accessibleName().startswith(card.status.title)
        assert card.accessibleDescription() == card.status.description
    first = shown[0]
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(first, Qt.Key.Key_Right)
    assert QApplication.focusWidget() is shown[1]
    qtbot.keyClick(shown[1], Qt.Key.Key_Left)
    assert QApplication.focusWidget() is first
    qtbot.keyClick(first, Qt.Key.Key_Down)
    below = QApplication.focusWidget()
    assert below in shown and below.mapTo(page, QPoint(0, 0)).y() > first.mapTo(page, QPoint(0, 0)).y()
    assert abs(below.mapTo(page, QPoint(0, 0)).x() - first.mapTo(page, QPoint(0, 0)).x()) < 5
    qtbot.keyClick(below, Qt.Key.Key_End)
    assert QApplication.focusWidget() is shown[-1]
    # the card last visited is the grid's Tab stop now (a roving tab index)
    tab_cards = [c for c in shown if c.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert tab_cards == [shown[-1]]


def test_toolbar_buttons_of_the_plots_are_tab_stops_with_names(qtbot, open_window):
    from matplotlib.backends.backend_qtagg import NavigationToolbar2QT

    window = open_window("light")
    window.show_page("simulator")
    page = window.pages["simulator"]
    page._ensure_sweep()
    page._ensure_3d()
    bars = page.findChildren(NavigationToolbar2QT)
    assert len(bars) == 3
    for bar in bars:
        for action in bar.actions():
            button = bar.widgetForAction(action)
            if button is None or not action.text():
                continue
            assert button.focusPolicy() & Qt.FocusPolicy.TabFocus, action.text()
            assert action.text() in _name(button)
            assert button.accessibleDescription()
    stops = _tab_stops_inside(qtbot, window, page)
    names = [_name(w) for w in stops]
    assert "Home (map)" in names and "Zoom (map)" in names
    assert type(stops[0]).__name__ != "QScrollArea"  # no silent first stop
    assert not any(type(w).__name__ == "QScrollArea" and not _name(w) for w in stops)


def test_practice_choices_come_before_submit_and_the_hint_is_not_greyed(qtbot, open_window):
    window = open_window("dark")
    window.show_page("practice")
    page = window.pages["practice"]
    qtbot.waitUntil(lambda: page.ready, timeout=20000)
    choice = next(i.id for i in page.bank.items.values() if i.kind == "choice")
    assert page.start(item_ids=[choice])
    stops = _tab_stops_inside(qtbot, window, page)
    first_choice = next(i for i, w in enumerate(stops) if type(w).__name__ == "ChoiceButton")
    assert first_choice < stops.index(page.submit_button)
    # the choices are one stop; arrows move between them (Qt's rule for exclusive buttons)
    stops[first_choice].setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(stops[first_choice], Qt.Key.Key_Down)
    assert QApplication.focusWidget() is page.choice_buttons[1]
    assert page.keys_hint.isEnabled()
    scheme = theme.current_scheme()
    assert contrast_ratio(page.keys_hint.palette().color(page.keys_hint.foregroundRole()),
                          scheme.window) >= BODY


def test_author_toolbar_comes_first(qtbot, open_window):
    window = open_window("light")
    window.show_page("author")
    page = window.pages["author"]
    page.wait_idle()
    stops = _tab_stops_inside(qtbot, window, page)
    toolbar = [i for i, w in enumerate(stops) if w in page.buttons.values()]
    assert toolbar and toolbar == list(range(len(toolbar)))
    assert stops.index(page.search) > toolbar[-1]


def test_view_theme_menu_switches_remembers_and_restyles(qtbot, open_window, qapp):
    from quizapp.ui.app import apply_saved_theme
    from quizapp.ui.shared.settings import open_settings

    window = open_window("light")
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&View" in titles
    assert [a.text() for a in window.theme_menu.actions()] == ["&System", "&Light", "&Dark"]
    window.show_page("simulator")
    page = window.pages["simulator"]
    canvas = page.canvas
    label = QLabel()
    label.setStyleSheet(f"color: {theme.ERROR_COLOR};")
    window.statusBar().addWidget(label)
    tree = QTreeWidget()
    item = QTreeWidgetItem(["broken.toml"])
    item.setForeground(0, QBrush(theme.ERROR_COLOR.qcolor()))
    tree.addTopLevelItem(item)
    window.statusBar().addWidget(tree)
    assert theme.LIGHT.error in label.styleSheet()

    window.theme_actions["dark"].trigger()
    assert theme.current_scheme() is theme.DARK
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == theme.DARK.window
    assert open_settings().value(theme.SETTINGS_KEY) == "dark"
    assert window.theme_actions["dark"].isChecked()
    # a style sheet made in the light theme now holds the dark theme's error colour
    assert theme.DARK.error in label.styleSheet() and theme.LIGHT.error not in label.styleSheet()
    # and so do item colours set then (an author file with an error, say)
    assert tree.topLevelItem(0).foreground(0).color().name() == theme.DARK.error
    # the plots follow the palette
    qtbot.waitUntil(lambda: canvas.colors.face == theme.DARK.window, timeout=3000)
    assert canvas.figure.get_facecolor()[:3] == pytest.approx(QColor(theme.DARK.window).getRgbF()[:3], abs=0.01)

    window.theme_actions["light"].trigger()
    qtbot.waitUntil(lambda: canvas.colors.face == theme.LIGHT.window, timeout=3000)
    # next start: the saved theme comes back
    open_settings().setValue(theme.SETTINGS_KEY, "dark")
    assert apply_saved_theme() == "dark" and theme.current_scheme() is theme.DARK
    open_settings().setValue(theme.SETTINGS_KEY, "no-such-theme")
    assert apply_saved_theme() == "system"


def test_system_theme_follows_the_desktop_preference(themed, monkeypatch):
    monkeypatch.setattr(theme, "system_prefers_dark", lambda: True)
    assert themed("system") is theme.DARK
    monkeypatch.setattr(theme, "system_prefers_dark", lambda: False)
    assert themed("system") is theme.LIGHT
    with pytest.raises(ValueError):
        themed("sepia")


def test_muted_badge_text_keeps_the_placeholder_alpha(qtbot, ctx, themed, qapp):
    """A translucent placeholder colour (as some platform palettes have) is what shows
    over the card, not the same colour made opaque."""
    from quizapp.ui.achievements.page import AchievementsPage

    themed("light")
    pal = QPalette(qapp.palette())
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor(0, 0, 0, 128))
    qapp.setPalette(pal)
    page = AchievementsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.reload()
    locked = next(c for c in page.cards.values() if not c.unlocked)
    shown = locked.title.palette().color(locked.title.foregroundRole())
    assert shown.name() != "#000000"  # .name() of the translucent colour would be black
    expected = theme.blend(QColor(0, 0, 0, 128), QColor(theme.LIGHT.window))
    assert abs(shown.lightness() - expected.lightness()) < 40
    assert contrast_ratio(shown, theme.LIGHT.window) >= BODY


@pytest.mark.parametrize("mode", THEMES)
def test_text_inside_plot_bars_reads_on_the_bar(mode):
    s = theme.SCHEMES[mode]
    for fill in (s.ok, s.accent, s.grid, "#e07b00"):
        assert contrast_ratio(theme.ink_on(fill), fill) >= BODY, fill
