"""Colours that follow the system palette (light or dark), for widgets and figures."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QGuiApplication, QIcon, QPalette

from quizapp.resources import assets_dir

ERROR_COLOR = "#d62728"
OK_COLOR = "#2ca02c"


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
