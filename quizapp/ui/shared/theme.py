"""The app's colours: two palettes (light and dark) that pass WCAG contrast, the
semantic colours (error, ok, warning, accent, muted) that go with them, and the
matplotlib figures' colours, all following the theme chosen in View → Theme.

``System`` follows the desktop's light or dark preference (Qt's colour scheme) with
our own palettes, because the platform's palettes do not all pass contrast (Fusion's
light palette draws selected text at 3.7:1). Every colour here is checked by
tests/ui/test_accessibility.py: body text ≥ 4.5:1 on every background it meets.

The semantic colours are :class:`ThemeColor` tokens: ``f"color: {ERROR_COLOR};"`` and
``str(ERROR_COLOR)`` give the current theme's value, so a style sheet built when it is
needed follows the theme. Style sheets built earlier are rewritten by
:func:`apply_theme` (it swaps the old theme's values for the new one's).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QIcon, QPalette

from quizapp.resources import assets_dir

THEMES = ("system", "light", "dark")  # View → Theme, in menu order
THEME_TITLES = {"system": "&System", "light": "&Light", "dark": "&Dark"}
SETTINGS_KEY = "view/theme"


@dataclass(frozen=True)
class Scheme:
    """One theme's colours (hex strings)."""

    name: str
    dark: bool
    window: str
    window_text: str
    base: str
    alternate_base: str
    text: str
    button: str
    button_text: str
    highlight: str
    highlighted_text: str
    link: str
    link_visited: str
    placeholder: str  # placeholder text and muted, informational labels
    tooltip_base: str
    tooltip_text: str
    disabled_text: str  # inactive controls only (WCAG exempts them)
    light: str
    midlight: str
    mid: str
    shadow: str
    # semantic colours, readable as text on window, base and button
    error: str
    ok: str
    warning: str
    accent: str
    muted: str
    grid: str  # plot grid lines


LIGHT = Scheme(
    name="light", dark=False,
    window="#f2f2f2", window_text="#1b1b1b", base="#ffffff", alternate_base="#f5f5f5",
    text="#1b1b1b", button="#e9e9e9", button_text="#1b1b1b",
    highlight="#1f5fae", highlighted_text="#ffffff",
    link="#1558a6", link_visited="#6a3595", placeholder="#5c5c5c",
    tooltip_base="#fffbe0", tooltip_text="#1b1b1b", disabled_text="#8c8c8c",
    light="#ffffff", midlight="#f7f7f7", mid="#b8b8b8", shadow="#767676",
    error="#b3232a", ok="#17692c", warning="#8a5200", accent="#1558a6", muted="#5c5c5c",
    grid="#d0d0d0",
)

DARK = Scheme(
    name="dark", dark=True,
    window="#202225", window_text="#e8e8e8", base="#2b2d31", alternate_base="#313338",
    text="#e8e8e8", button="#383a40", button_text="#ececec",
    highlight="#3b73c7", highlighted_text="#ffffff",
    link="#6cb6ff", link_visited="#c792ea", placeholder="#b0b0b0",
    tooltip_base="#3a3c42", tooltip_text="#ececec", disabled_text="#7a7a7a",
    light="#4a4d55", midlight="#404248", mid="#2a2c30", shadow="#101113",
    error="#ff8a80", ok="#6bd475", warning="#f2b347", accent="#79bbff", muted="#b0b0b0",
    grid="#5a5a5a",
)

SCHEMES = {"light": LIGHT, "dark": DARK}

_current: Scheme | None = None  # the scheme last applied (None: the platform's palette)
_mode: str = "system"


class ThemeColor:
    """A semantic colour whose value follows the applied theme.

    Formats as the hex value (``f"{ERROR_COLOR}"``, ``str(ERROR_COLOR)``); ``qcolor()``
    gives a QColor."""

    def __init__(self, role: str):
        self.role = role

    def name(self) -> str:
        return getattr(current_scheme(), self.role)

    def qcolor(self) -> QColor:
        return QColor(self.name())

    def __str__(self) -> str:
        return self.name()

    def __format__(self, spec: str) -> str:
        return format(self.name(), spec)

    def __repr__(self) -> str:
        return f"ThemeColor({self.role!r} = {self.name()})"

    def __eq__(self, other) -> bool:
        if isinstance(other, ThemeColor):
            return other.role == self.role
        return str(other).lower() == self.name().lower()

    def __hash__(self) -> int:
        return hash(self.role)


ERROR_COLOR = ThemeColor("error")
OK_COLOR = ThemeColor("ok")
WARNING_COLOR = ThemeColor("warning")
ACCENT_COLOR = ThemeColor("accent")
MUTED_COLOR = ThemeColor("muted")


def palette_of(scheme: Scheme) -> QPalette:
    """A QPalette holding ``scheme`` (all colour groups; disabled text greyed)."""
    pal = QPalette()
    R = QPalette.ColorRole
    roles = {
        R.Window: scheme.window, R.WindowText: scheme.window_text, R.Base: scheme.base,
        R.AlternateBase: scheme.alternate_base, R.Text: scheme.text, R.Button: scheme.button,
        R.ButtonText: scheme.button_text, R.BrightText: "#ffffff", R.Highlight: scheme.highlight,
        R.HighlightedText: scheme.highlighted_text, R.Link: scheme.link,
        R.LinkVisited: scheme.link_visited, R.PlaceholderText: scheme.placeholder,
        R.ToolTipBase: scheme.tooltip_base, R.ToolTipText: scheme.tooltip_text,
        R.Light: scheme.light, R.Midlight: scheme.midlight, R.Mid: scheme.mid,
        R.Dark: scheme.shadow, R.Shadow: scheme.shadow,
    }
    if hasattr(R, "Accent"):  # Qt 6.6+
        roles[R.Accent] = scheme.highlight
    for role, value in roles.items():
        pal.setColor(role, QColor(value))
    G = QPalette.ColorGroup
    for role in (R.WindowText, R.Text, R.ButtonText, R.PlaceholderText):
        pal.setColor(G.Disabled, role, QColor(scheme.disabled_text))
    pal.setColor(G.Disabled, R.Highlight, QColor(scheme.mid))
    pal.setColor(G.Disabled, R.HighlightedText, QColor(scheme.highlighted_text))
    # an unfocused window keeps the same selection colours (still readable)
    return pal


def system_prefers_dark() -> bool:
    """The desktop's light/dark preference (Qt 6.5+), else the platform palette's."""
    app = QGuiApplication.instance()
    if app is not None:
        hints = QGuiApplication.styleHints()
        scheme = getattr(hints, "colorScheme", None)
        if scheme is not None:
            value = scheme()
            if value == Qt.ColorScheme.Dark:
                return True
            if value == Qt.ColorScheme.Light:
                return False
        if _current is None:
            return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return False


def resolve(mode: str) -> Scheme:
    """The scheme a theme setting stands for (``system``: light or dark as the desktop)."""
    if mode in SCHEMES:
        return SCHEMES[mode]
    return DARK if system_prefers_dark() else LIGHT


def current_mode() -> str:
    return _mode


def current_scheme() -> Scheme:
    """The applied scheme; before any is applied, the one matching the app's palette."""
    if _current is not None:
        return _current
    app = QGuiApplication.instance()
    if app is not None and QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128:
        return DARK
    return LIGHT


def apply_theme(mode: str, app=None) -> Scheme:
    """Colour the whole app with ``mode`` (``system``, ``light`` or ``dark``).

    Sets the Fusion style (the one style that draws every palette role on every
    platform) and the palette, rewrites style sheets and rich text that hold the old
    theme's semantic colours, and lets the plots restyle (they listen for palette
    changes)."""
    global _current, _mode
    if mode not in THEMES:
        raise ValueError(f"unknown theme {mode!r}; choose one of {', '.join(THEMES)}")
    app = app or QGuiApplication.instance()
    old = current_scheme()
    new = resolve(mode)
    _mode = mode
    _current = new
    if hasattr(app, "setStyle") and app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette_of(new))
    if old != new:
        _swap_colours(app, old, new)
    return new


def _swap_colours(app, old: Scheme, new: Scheme) -> None:
    """Replace ``old``'s semantic colours with ``new``'s in live style sheets and labels
    (all at once, so a new value that equals another old one is not swapped twice)."""
    import re

    roles = ("error", "ok", "warning", "accent", "muted")
    mapping = {getattr(old, r).lower(): getattr(new, r) for r in roles
               if getattr(old, r).lower() != getattr(new, r).lower()}
    if not mapping or not hasattr(app, "allWidgets"):
        return
    pattern = re.compile("|".join(re.escape(k) for k in mapping), re.IGNORECASE)

    def swap(text: str) -> str:
        return pattern.sub(lambda m: mapping[m.group(0).lower()], text)

    from PySide6.QtWidgets import QLabel, QListWidget, QTableWidget, QTreeWidget

    brushes = {QColor(k).rgb(): QColor(v) for k, v in mapping.items()}

    def recolour(item, column=None) -> None:
        brush = item.foreground(column) if column is not None else item.foreground()
        if brush.style() != Qt.BrushStyle.NoBrush and brush.color().rgb() in brushes:
            new_brush = QBrush(brushes[brush.color().rgb()])
            if column is not None:
                item.setForeground(column, new_brush)
            else:
                item.setForeground(new_brush)

    for widget in app.allWidgets():
        if isinstance(widget, QTreeWidget):  # item colours (an author file with an error)
            stack = [widget.topLevelItem(i) for i in range(widget.topLevelItemCount())]
            while stack:
                item = stack.pop()
                for column in range(item.columnCount()):
                    recolour(item, column)
                stack.extend(item.child(i) for i in range(item.childCount()))
        elif isinstance(widget, QTableWidget):
            for r in range(widget.rowCount()):
                for c in range(widget.columnCount()):
                    if widget.item(r, c) is not None:
                        recolour(widget.item(r, c))
        elif isinstance(widget, QListWidget):
            for r in range(widget.count()):
                recolour(widget.item(r))
        sheet = widget.styleSheet()
        if sheet:
            changed = swap(sheet)
            if changed != sheet:
                widget.setStyleSheet(changed)
        if isinstance(widget, QLabel):
            text = widget.text()
            changed = swap(text)
            if changed != text:
                widget.setText(changed)


# ---------------------------------------------------------------- contrast (WCAG 2)


def relative_luminance(color) -> float:
    c = QColor(color) if not isinstance(color, QColor) else color

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio of two opaque colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(fg, bg) -> QColor:
    """``fg`` (maybe translucent) drawn over the opaque ``bg``."""
    f = QColor(fg) if not isinstance(fg, QColor) else fg
    b = QColor(bg) if not isinstance(bg, QColor) else bg
    a = f.alphaF()
    return QColor.fromRgbF(f.redF() * a + b.redF() * (1 - a), f.greenF() * a + b.greenF() * (1 - a),
                           f.blueF() * a + b.blueF() * (1 - a))


def ink_on(fill) -> str:
    """Near-white or near-black, whichever reads better on ``fill`` (text inside a bar)."""
    light, dark = "#ffffff", "#111111"
    return light if contrast_ratio(light, str(fill)) >= contrast_ratio(dark, str(fill)) else dark


def readable(color, background, ratio: float = 4.5) -> str:
    """``color`` darkened (on a light background) or lightened (on a dark one) just
    enough to reach ``ratio`` against ``background``: a hue that stays recognisable."""
    c = QColor(color) if isinstance(color, QColor) else QColor(str(color))
    bg = QColor(background) if isinstance(background, QColor) else QColor(str(background))
    dark_bg = relative_luminance(bg) < 0.18
    for _ in range(60):
        if contrast_ratio(c, bg) >= ratio:
            break
        c = c.lighter(106) if dark_bg else c.darker(106)
        if dark_bg and c.lightness() >= 250:
            c = QColor("#ffffff")
    return c.name()


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class FigureColors:
    face: str  # figure background (the window colour)
    axes: str  # plot background (the base colour)
    text: str
    grid: str
    dark: bool


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def figure_colors(palette: QPalette | None = None) -> FigureColors:
    palette = palette or QGuiApplication.palette()
    window = palette.color(QPalette.ColorRole.Window)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.WindowText)
    dark = window.lightness() < 128
    grid = "#5a5a5a" if dark else "#d0d0d0"
    return FigureColors(window.name(), base.name(), text.name(), grid, dark)


def style_figure(fig, colors: FigureColors) -> None:
    """Apply palette colours to a matplotlib Figure and all its axes."""
    fig.set_facecolor(colors.face)
    for ax in fig.axes:
        style_axes(ax, colors)


def style_axes(ax, colors: FigureColors) -> None:
    ax.set_facecolor(colors.axes)
    for spine in ax.spines.values():
        spine.set_color(colors.text)
    ax.tick_params(colors=colors.text, which="both")
    ax.xaxis.label.set_color(colors.text)
    ax.yaxis.label.set_color(colors.text)
    for title in (ax.title, ax._left_title, ax._right_title):
        title.set_color(colors.text)
    if hasattr(ax, "zaxis"):
        ax.zaxis.label.set_color(colors.text)
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_pane_color((0, 0, 0, 0))


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("icon.png", "icon.svg"):
        path = assets_dir() / name
        if path.is_file():
            icon.addFile(str(path))
    return icon


def field_style(invalid: bool) -> str:
    """Style sheet for an entry field: a red frame while its value is invalid."""
    return f"border: 2px solid {ERROR_COLOR}; border-radius: 3px;" if invalid else ""
