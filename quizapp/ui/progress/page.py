"""The Progress page: who is learning, how it is going, and a class view for instructors.

* a learner switcher (create, rename, delete with confirmation); switching goes through
  :meth:`AppContext.set_learner`, so every page follows;
* **Overview**: accuracy over time, mastery per topic, a calendar of study days (the
  last 20 weeks) and the review forecast (matplotlib ``Figure`` + ``FigureCanvasQTAgg``),
  the weakest topics (one click starts a 10-question session on one) and the items to
  revisit;
* **History**: every answer in a table filtered by topic, text and right/wrong
  (``QSortFilterProxyModel``), exported as CSV exactly as filtered and sorted;
* **Class**: progress files of many learners (``quizapp progress export``) read by
  :mod:`quizapp.progress.classview` in a worker thread: mastery per learner and topic, and
  per item the share right and the most common wrong answers; each table exports as CSV.

Everything the page shows comes from the Qt-free store queries; it reloads when the
context reports new data or another learner (at once when shown, else when next shown).
"""
from __future__ import annotations

import csv
import html
import threading
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import matplotlib.dates as mdates
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory
from PySide6.QtCore import (
    QAbstractTableModel, QEvent, QModelIndex, QObject, QRunnable, QSize, Qt,
    QThreadPool, QTimer, Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QFrame, QGridLayout, QGroupBox,
    QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit, QMessageBox, QProgressBar,
    QPushButton, QScrollArea, QSizePolicy, QSplitter, QTableView, QTableWidget, QTableWidgetItem,
    QTabWidget, QVBoxLayout, QWidget,
)

from quizapp.ui.shared.a11y import focus_ring, quiet_scroll
from quizapp.ui.shared.warm import AFTER_PAINT_MS
from quizapp.ui.shared.text import plural, shorten
from quizapp.ui.shared.theme import (
    ACCENT_COLOR, ERROR_COLOR, OK_COLOR, figure_colors, ink_on, style_figure,
)

from quizapp.ui.progress import model
from quizapp.ui.progress.model import (  # noqa: F401 - the page's names, kept for callers
    FORECAST_DAYS, WEAK_ITEMS, WEAK_TOPICS, WEEKS, HistoryQuery, ProgressData, StoreReader,
    calendar_grid, load_data, local_time, short, weakest_topics, wrap_name, write_history_csv,
)

PRACTICE_LENGTH = 10
ACCENT = ACCENT_COLOR  # follows the theme; str(ACCENT) is its colour now
BUCKETS = (("day", "Day"), ("week", "Week"), ("month", "Month"))


# ---------------------------------------------------------------------- plots


class PlotCanvas(FigureCanvasQTAgg):
    """A small static plot that follows the palette; subclasses draw in :meth:`plot`.

    Axes sit at fixed margins in points (:meth:`margins`), placed on every resize:
    matplotlib's constrained layout would double the cost of each draw. :meth:`show_data`
    only stores the data; :meth:`render` builds and rasterises the plot; :meth:`step` does
    one of the two, so the page can draw its four plots a half at a time, one half per
    event-loop turn, instead of in one long block."""

    TITLE = ""
    MARGINS = (40.0, 12.0, 26.0, 22.0)  # left, right, bottom, top (points)

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(Figure(figsize=(5, 3)))
        self.setParent(parent)
        self._ax = None  # made with the first plot: a page shown before its data costs no axes
        self.colors = figure_colors()
        self.data = None
        self.stale = False  # data arrived that is not drawn yet
        self.built = True  # the artists show the data (what is left is rasterising them)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, 150)
        self.setAccessibleName(name)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mpl_connect("resize_event", lambda _e: self.place_axes())

    @property
    def ax(self):
        """The plot's axes (made on first use)."""
        if self._ax is None:
            self._ax = self.figure.add_subplot()
            self.place_axes()
        return self._ax

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(420, 260)

    def margins(self) -> tuple[float, float, float, float]:
        return self.MARGINS

    def place_axes(self) -> None:
        w, h = self.figure.get_size_inches() * 72.0
        left, right, bottom, top = self.margins()
        box = [left / w, bottom / h, max(w - left - right, 10.0) / w,
               max(h - bottom - top, 10.0) / h]
        for ax in self.figure.axes:
            ax.set_position(box)

    def show_data(self, data) -> None:
        """Keep ``data`` for the next :meth:`render` (the page decides when)."""
        self.data = data
        self.stale = True
        self.built = False

    def render(self) -> None:
        """Build the plot and rasterise it now."""
        self.redraw(idle=False)
        self.draw()
        self.update()

    def step(self) -> None:
        """Half of :meth:`render`: build the plot if it is not built, else rasterise it."""
        if not self.built:
            self.redraw(idle=False)
        else:
            self.draw()
            self.update()

    def draw(self) -> None:
        super().draw()
        if self.built:
            self.stale = False

    def redraw(self, idle: bool = True) -> None:
        """Build the plot from the data (and the palette); ``idle``: rasterise it at the next
        event-loop turn (else the caller does, with :meth:`draw`)."""
        self.built = True
        self.stale = True
        self.colors = figure_colors()
        for extra in self.figure.axes[1:]:
            extra.remove()
        self.ax.clear()
        self.ax.set_axis_on()
        # a fixed title position (y given) skips matplotlib's measuring of the tick labels
        self.ax.set_title(self.TITLE, loc="left", fontsize=10, fontweight="bold", y=1.0, pad=5)
        self.ax.tick_params(labelsize=8)
        description = self.plot(self.ax, self.data) if self.data is not None else ""
        self.place_axes()
        style_figure(self.figure, self.colors)
        self.setAccessibleDescription(description or "")
        self.setToolTip(description or "")
        if idle:
            self.draw_idle()

    def plot(self, ax, data) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def empty(self, ax, text: str) -> str:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=9,
                color=self.colors.text, wrap=True)
        return text

    def restyle_if_needed(self) -> None:
        if self.data is not None and figure_colors() != self.colors:
            self.redraw()


class AccuracyCanvas(PlotCanvas):
    TITLE = "Accuracy over time (% right)"
    MARGINS = (36.0, 12.0, 22.0, 22.0)

    def __init__(self, parent=None):
        super().__init__("Accuracy over time", parent)
        self.line = None
        self.bars = None
        self.bar_heights = np.zeros(0)

    def plot(self, ax, data) -> str:
        rows, bucket = data
        self.line, self.bars, self.bar_heights = None, None, np.zeros(0)
        if not rows:
            return self.empty(ax, "No answers yet: practise a few questions to see your accuracy here.")
        xs, heights, width = model.accuracy_bars(rows, bucket)
        counts = [n for _p, n, _c in rows]
        share = [100.0 * c / n if n else 0.0 for _p, n, c in rows]
        # answers per period as pale bars in the lower third, on the same axes (a second
        # y axis would cost as much again to draw); the note says what their top means.
        # One collection of rectangles: hundreds of separate bar patches cost half a second.
        most = max(counts)
        x = mdates.date2num(xs)
        left, right = x - width / 2, x + width / 2
        zero = np.zeros_like(heights)
        verts = np.stack([np.column_stack([left, zero]), np.column_stack([left, heights]),
                          np.column_stack([right, heights]), np.column_stack([right, zero])], axis=1)
        self.bars = PolyCollection(verts, facecolors=self.colors.grid, edgecolors="none",
                                   alpha=0.8, zorder=1)
        self.bar_heights = heights
        ax.add_collection(self.bars, autolim=True)
        ax.xaxis_date()
        (self.line,) = ax.plot(x, share, marker="o", markersize=3.5, color=str(ACCENT), lw=1.5,
                               zorder=3)
        ax.text(1.0, 1.01, f"bars: answers per {bucket} (tallest {most})", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=7, color=self.colors.text)
        ax.set_ylim(-3, 103)
        ax.set_yticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100 %"])
        ax.grid(True, axis="y", color=self.colors.grid, lw=0.6, zorder=0)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
        if len(xs) == 1:
            ax.set_xlim(x[0] - 3, x[0] + 3)
        else:
            ax.set_xlim(x[0] - width, x[-1] + width)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        last = rows[-1]
        total = sum(counts)
        right = sum(c for _p, _n, c in rows)
        return (f"{right} of {plural(total, 'answer')} right overall ({100 * right / total:.0f} %); "
                f"latest {bucket} {last[0]}: {last[2]} of {last[1]} right.")


class MasteryCanvas(PlotCanvas):
    TITLE = "Mastery per topic"

    def __init__(self, parent=None):
        super().__init__("Mastery per topic", parent)
        self.bars = None
        self.topics: list[str] = []

    MARGINS = (120.0, 14.0, 22.0, 22.0)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(420, 380)

    def margins(self) -> tuple[float, float, float, float]:
        return (self._left, *self.MARGINS[1:])

    _left = MARGINS[0]

    def plot(self, ax, data) -> str:
        mastery, titles = data
        topics = [t for t in titles if t in mastery] + [t for t in mastery if t not in titles]
        self.topics = topics
        names = {t: wrap_name(titles.get(t, t)) for t in topics}
        longest = max((len(line) for n in names.values() for line in n.split("\n")), default=10)
        self._left = min(180.0, max(60.0, 14.0 + 5.3 * longest))  # 8-pt labels
        if not topics:
            return self.empty(ax, "No topics yet.")
        values = [100.0 * mastery[t]["mastery"] for t in topics]
        colors = [str(OK_COLOR) if mastery[t]["mastered"] else str(ACCENT) if mastery[t]["attempts"]
                  else self.colors.grid for t in topics]
        ys = np.arange(len(topics))
        self.bars = ax.barh(ys, values, color=colors, height=0.7)
        # labels as plain texts: 14 tick objects would cost more than the whole plot
        ax.set_yticks([])
        left = blended_transform_factory(ax.transAxes, ax.transData)
        for y, t in zip(ys, topics):
            ax.text(-0.015, y, names[t], transform=left, ha="right", va="center",
                    fontsize=8 if "\n" not in names[t] else 7, linespacing=0.95,
                    color=self.colors.text)
        ax.set_ylim(len(topics) - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 25, 50, 80, 100], ["0", "25", "50", "80", "100 %"])
        ax.axvline(80, color=self.colors.text, lw=0.8, ls="--", alpha=0.6)
        for y, t, bar_color in zip(ys, topics, colors):
            m = mastery[t]
            if not m["attempts"]:
                label = "not started"
            elif m["mastered"]:
                label = "mastered"
            else:
                label = f"{m['recent_correct']}/10 · {m['days']} day{'s' if m['days'] != 1 else ''}"
            x = 100.0 * m["mastery"]
            inside = x > 60
            ax.text(x - 1.5 if inside else x + 1.5, y, label, va="center",
                    ha="right" if inside else "left", fontsize=7,
                    color=ink_on(bar_color) if inside else self.colors.text)  # readable on the bar
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        done = sum(1 for t in topics if mastery[t]["mastered"])
        started = sum(1 for t in topics if mastery[t]["attempts"])
        return (f"{done} of {len(topics)} topics mastered, {started} started. Mastery means 8 "
                "of your last 10 answers on a topic right, on 3 or more days (the dashed line).")


class CalendarCanvas(PlotCanvas):
    TITLE = f"Study days (last {WEEKS} weeks)"
    MARGINS = (30.0, 30.0, 4.0, 34.0)  # month names above the grid

    def __init__(self, parent=None):
        super().__init__("Calendar of study days", parent)
        self.grid: np.ndarray | None = None
        self.first: date | None = None

    def plot(self, ax, data) -> str:
        days, today = data
        grid, first = calendar_grid(days, today)
        self.grid, self.first = grid, first
        studied = grid[grid > 0]
        levels = np.zeros_like(grid)
        if studied.size:
            q = np.quantile(studied, [0.25, 0.5, 0.75])
            levels = np.where(grid > 0, 1 + (grid > q[0]).astype(int) + (grid > q[1]) + (grid > q[2]), 0)
        levels = np.ma.masked_where(grid < 0, levels)
        greens = (["#0e4429", "#006d32", "#26a641", "#39d353"] if self.colors.dark
                  else ["#9be9a8", "#40c463", "#30a14e", "#216e39"])
        empty = "#2d333b" if self.colors.dark else "#ebedf0"
        cmap = ListedColormap([empty] + greens).with_extremes(bad=(0, 0, 0, 0))
        norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5, 4.5], cmap.N)
        ax.pcolormesh(np.arange(WEEKS + 1), np.arange(8), levels, cmap=cmap, norm=norm,
                      edgecolors=self.colors.face, linewidth=2.0)
        ax.set_xlim(0, WEEKS)
        ax.set_ylim(8.4, 0)  # a row under the grid for the legend
        ax.set_aspect("equal")
        ax.xaxis.tick_top()
        ax.set_title(self.TITLE, loc="left", fontsize=10, fontweight="bold", y=1.0, pad=16)
        from matplotlib.patches import Rectangle

        for i, color in enumerate([empty] + greens):
            ax.add_patch(Rectangle((WEEKS - 5 + i + 0.1, 7.5), 0.8, 0.8, facecolor=color,
                                   edgecolor="none"))
        ax.text(WEEKS - 5 - 0.1, 7.9, "fewer answers", ha="right", va="center", fontsize=7,
                color=self.colors.text)
        ax.text(WEEKS + 0.1, 7.9, "more", ha="left", va="center", fontsize=7,
                color=self.colors.text)
        ax.set_yticks([0.5, 2.5, 4.5], ["Mon", "Wed", "Fri"], fontsize=7)
        ticks, labels = [], []
        prev = None
        for col in range(WEEKS):
            monday = first + timedelta(weeks=col)
            if monday.month != prev:
                if prev is not None or monday.day <= 7:
                    ticks.append(col + 0.5)
                    labels.append(f"{monday:%b}")
                prev = monday.month
        ax.set_xticks(ticks, labels, fontsize=7)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        # today's square gets a frame
        row, col = today.weekday(), WEEKS - 1
        ax.add_patch(Rectangle((col + 0.06, row + 0.06), 0.88, 0.88, fill=False,
                               edgecolor=self.colors.text, lw=1.0))
        n_days = int((grid > 0).sum())
        span = int((grid >= 0).sum())
        if not n_days:
            ax.text(WEEKS / 2, 3.5, "No study days yet", ha="center", va="center", fontsize=9,
                    color=self.colors.text)
            return f"No study days in the last {WEEKS} weeks."
        best = int(grid.max())
        r, c = np.unravel_index(int(grid.argmax()), grid.shape)
        best_day = first + timedelta(weeks=int(c), days=int(r))
        ax.text(0, 7.9, plural(n_days, "study day"), ha="left", va="center", fontsize=7,
                color=self.colors.text)
        return (f"Studied on {n_days} of the last {plural(span, 'day')}; the busiest day was "
                f"{best_day.isoformat()} with {plural(best, 'answer')}.")


class ForecastCanvas(PlotCanvas):
    TITLE = f"Reviews due (next {FORECAST_DAYS} days)"
    MARGINS = (32.0, 10.0, 30.0, 22.0)  # two-line day labels

    def __init__(self, parent=None):
        super().__init__("Review forecast", parent)
        self.bars = None

    def plot(self, ax, data) -> str:
        rows = data
        if not rows:
            return self.empty(ax, "Nothing scheduled.")
        xs = np.arange(len(rows))
        counts = [n for _d, n in rows]
        colors = ["#e07b00" if i == 0 else str(ACCENT) for i in range(len(rows))]
        self.bars = ax.bar(xs, counts, color=colors, width=0.7)
        ax.set_xticks([])  # day labels as plain texts (cheaper than 14 ticks)
        below = blended_transform_factory(ax.transData, ax.transAxes)
        for i, (d, _n) in enumerate(rows):
            day = date.fromisoformat(d)
            label = "today" if i == 0 else f"{day:%a}"[:2] + f"\n{day.day}"
            ax.text(i, -0.04, label, transform=below, ha="center", va="top", fontsize=7,
                    color=self.colors.text)
        ax.set_xlim(-0.6, len(rows) - 0.4)
        top = max(counts) if counts else 0
        ax.set_ylim(0, max(1, top) * 1.25)
        ax.yaxis.get_major_locator().set_params(integer=True)
        for x, n in zip(xs, counts):
            if n:
                ax.text(x, n, str(n), ha="center", va="bottom", fontsize=7, color=self.colors.text)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        total = sum(counts)
        if not total:
            ax.text(0.5, 0.6, "No reviews due in the next two weeks", transform=ax.transAxes,
                    ha="center", fontsize=9, color=self.colors.text)
        return (f"{plural(counts[0], 'review')} due today (overdue ones included), {total} in the "
                f"next {plural(len(rows), 'day')}.")


# ---------------------------------------------------------------------- history table


class _Done(QObject):
    """Hands a finished read (a ``concurrent.futures.Future``) back to the GUI thread."""

    done = Signal(object, object)  # tag, future


class HistoryModel(QAbstractTableModel):
    """The answers of one :class:`HistoryQuery`, fetched as the table scrolls.

    Filtering and sorting happen in SQL on the page's reader thread (a new query, or
    :meth:`sort` from a header click, resets the table and reads the ordered ids there);
    rows are then looked up a page at a time by id (:meth:`fetchMore`, a few ms)."""

    COLUMNS = model.COLUMNS
    CSV_COLUMNS = model.CSV_COLUMNS
    #: the count of matching answers (and the first rows) arrived
    loaded = Signal()

    def __init__(self, reader: StoreReader | None, store_getter, parent: QObject | None = None):
        super().__init__(parent)
        self.reader = reader
        self._store = store_getter
        self.query: HistoryQuery | None = None
        self.ids: list[int] = []
        self.rows: list[dict] = []
        self.cells: list[tuple] = []
        self.total = 0
        self.loading = False
        self.error: str | None = None
        self._gen = 0
        self._done = _Done(self)
        self._done.done.connect(self._on_done)

    # ---------------------------------------------------------------- queries

    def set_query(self, query: HistoryQuery | None, wait: bool = False) -> None:
        """Show the answers of ``query`` (read on the reader thread unless ``wait``)."""
        self._gen += 1
        self.beginResetModel()
        self.query, self.ids, self.rows, self.cells = query, [], [], []
        self.endResetModel()
        if query is None:
            self.loading = False
            self.total = 0
            self.loaded.emit()
            return
        self.loading = True
        gen = self._gen

        def job(store):
            ids = query.ids(store.db)
            return query.total(store.db), ids, model.rows_for(store.db, ids[:model.HISTORY_PAGE])

        if wait or self.reader is None:
            self._apply(gen, job(self._store()))
            return
        future = self.reader.submit(job, key="history")
        future.add_done_callback(lambda f, g=gen: self._done.done.emit(g, f))

    def _on_done(self, gen: int, future) -> None:
        if gen != self._gen or future.cancelled():
            return
        try:
            result = future.result()
        except Exception as exc:  # a damaged or vanished file: the page says so
            self.loading = False
            self.error = f"Cannot read the answers: {exc}"
            self.loaded.emit()
            return
        self._apply(gen, result)

    def _apply(self, gen: int, result) -> None:
        total, ids, first = result
        self.error = None
        self.beginResetModel()
        self.total, self.ids = total, ids
        self.rows = list(first)
        self.cells = [model.history_cells(r) for r in self.rows]
        self.endResetModel()
        self.loading = False
        self.loaded.emit()

    @property
    def matched(self) -> int:
        return len(self.ids)

    def all_rows(self) -> list[dict]:
        """Every matching answer in the table's order (for the CSV export)."""
        store = self._store()
        return model.rows_for(store.db, self.ids) if store is not None else []

    # ---------------------------------------------------------------- Qt model API

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802 (Qt API)
        return not parent.isValid() and len(self.rows) < len(self.ids)

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802 (Qt API)
        if parent.isValid() or len(self.rows) >= len(self.ids):
            return
        store = self._store()
        if store is None:
            return
        start = len(self.rows)
        more = model.rows_for(store.db, self.ids[start:start + model.HISTORY_PAGE])
        if not more:
            return
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self.rows.extend(more)
        self.cells.extend(model.history_cells(r) for r in more)
        self.endInsertRows()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if self.query is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (self.query.column, self.query.descending) != (column, descending):
            self.set_query(replace(self.query, column=column, descending=descending))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells[r][col]
        if role == Qt.ItemDataRole.UserRole:  # the stored row
            return self.rows[r]
        if role == Qt.ItemDataRole.ForegroundRole and col == 5:
            return QBrush((OK_COLOR if self.rows[r].get("correct") else ERROR_COLOR).qcolor())  # the theme's, now
        if role == Qt.ItemDataRole.ToolTipRole and col in (1, 3, 4):
            return self.cells[r][col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


# ---------------------------------------------------------------------- class view worker

_BANK_LOCK = threading.Lock()
_BANK: list = []  # [bank or None] once loaded


def shipped_bank():
    """The shipped question bank (for topic titles and choice names), loaded once; None
    if it cannot be read (the class view works without it)."""
    with _BANK_LOCK:
        if not _BANK:
            try:
                from quizapp.bank import load_bank

                bank = load_bank()
                _BANK.append(bank if bank.items else None)
            except Exception:  # the view is only less readable without it
                _BANK.append(None)
        return _BANK[0]


class _JobSignals(QObject):
    done = Signal(object)


class _ClassJob(QRunnable):
    """Reads progress files and builds the class view off the GUI thread."""

    def __init__(self, paths: list[str], token: int):
        super().__init__()
        self.paths = list(paths)
        self.token = token
        self.signals = _JobSignals()
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            from quizapp.progress.classview import class_view, load_exports

            docs, problems = load_exports(self.paths)
            view = class_view(docs, bank=shipped_bank()) if docs else None
            self.signals.done.emit((self.token, view, problems, None))
        except Exception as exc:  # reported in the panel, never raised in a thread
            self.signals.done.emit((self.token, None, [], f"{type(exc).__name__}: {exc}"))


def _share_color(share: float | None, dark: bool) -> QColor | None:
    """A soft red → amber → green background for a share right."""
    if share is None:
        return None
    stops = [(0.0, (214, 39, 40)), (0.6, (230, 160, 30)), (1.0, (44, 160, 44))]
    for (a, ca), (b, cb) in zip(stops, stops[1:]):
        if share <= b:
            t = (share - a) / (b - a) if b > a else 0.0
            rgb = [int(x + (y - x) * t) for x, y in zip(ca, cb)]
            break
    else:
        rgb = list(stops[-1][1])
    color = QColor(*rgb)
    color.setAlpha(110 if dark else 70)
    return color


class _SortItem(QTableWidgetItem):
    """A table cell that sorts by a value of its own (numbers as numbers)."""

    def __init__(self, text: str, key: Any = None):
        super().__init__(text)
        self.key = text.casefold() if key is None else key
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other) -> bool:
        a, b = self.key, getattr(other, "key", other.text())
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)


class ClassPanel(QWidget):
    """Import learners' progress files and see the class: mastery and hardest items."""

    #: the class view was rebuilt (or failed: see ``error``)
    loaded = Signal()

    def __init__(self, page: "ProgressPage"):
        super().__init__(page)
        self.page = page
        self.paths: list[str] = []
        self.view = None
        self.problems: list = []
        self.error: str | None = None
        self._token = 0
        self._jobs: dict[int, _ClassJob] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        intro = QLabel("Each learner writes a progress file (<i>Export my progress file…</i> "
                       "below, or <code>quizapp progress export -o FILE</code>); add several "
                       "to see mastery per learner and, per question, the share answered "
                       "right and the most common wrong answers.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.add_button = QPushButton("&Add progress files…")
        self.add_button.setAccessibleName("Add learners' progress files to the class view")
        self.add_button.clicked.connect(self.add_files)
        self.clear_button = QPushButton("Clear")  # its letters are taken
        self.clear_button.setAccessibleName("Remove every progress file from the class view")
        self.clear_button.clicked.connect(self.clear)
        self.export_mastery_button = QPushButton("Export &mastery CSV…")
        self.export_mastery_button.setAccessibleName("Export mastery per learner and topic as CSV")
        self.export_mastery_button.clicked.connect(lambda: self.export_csv("mastery"))
        self.export_items_button = QPushButton("Export &questions CSV…")
        self.export_items_button.setAccessibleName("Export the questions table as CSV")
        self.export_items_button.clicked.connect(lambda: self.export_csv("items"))
        self.mine_button = QPushButton("Export m&y progress file…")
        self.mine_button.setAccessibleName("Write the current learner's progress file for an "
                                           "instructor")
        self.mine_button.clicked.connect(self.export_mine)
        for b in (self.add_button, self.clear_button, self.export_mastery_button,
                  self.export_items_button):
            bar.addWidget(b)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(140)
        self.busy.setAccessibleName("Reading progress files")
        self.busy.hide()
        bar.addWidget(self.busy)
        bar.addStretch(1)
        bar.addWidget(self.mine_button)
        layout.addLayout(bar)
        self.summary = QLabel("No progress files yet.")
        self.summary.setAccessibleName("Class summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setAccessibleName("Files skipped")
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes.hide()
        layout.addWidget(self.notes)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.setChildrenCollapsible(False)
        self.mastery_table = self._table("Mastery per learner and topic")
        self.items_table = self._table("Questions: share right and common wrong answers")
        for title, table in (("Mastery per learner: right among the last 10 answers on each "
                              "topic (✓ mastered)", self.mastery_table),
                             ("Questions, hardest first: share right and the most common wrong "
                              "answers", self.items_table)):
            box = QWidget()
            bv = QVBoxLayout(box)
            bv.setContentsMargins(0, 0, 0, 0)
            bv.setSpacing(2)
            label = QLabel(f"<b>{title}</b>")
            label.setBuddy(table)
            bv.addWidget(label)
            bv.addWidget(table, 1)
            self.split.addWidget(box)
        self.split.setSizes([200, 360])
        layout.addWidget(self.split, 1)
        self._update_buttons()

    def _table(self, name: str) -> QTableWidget:
        t = QTableWidget(0, 0)
        t.setAccessibleName(name)
        focus_ring(t)  # visible focus even with no current cell
        t.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setAlternatingRowColors(True)
        t.verticalHeader().setVisible(False)
        t.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        t.setWordWrap(False)
        return t

    def _update_buttons(self) -> None:
        loading = bool(self._jobs)
        self.clear_button.setEnabled(bool(self.paths) and not loading)
        self.export_mastery_button.setEnabled(self.view is not None and not loading)
        self.export_items_button.setEnabled(self.view is not None and not loading)
        self.busy.setVisible(loading)

    # ------------------------------------------------------------------ actions

    def add_files(self) -> None:
        paths = self.page.ask_open_paths(self, "Add progress files",
                                         "Progress files (*.json);;All files (*)")
        if paths:
            self.load(self.paths + [str(p) for p in paths])

    def clear(self) -> None:
        self.paths = []
        self.view = None
        self.problems = []
        self._token += 1
        self._show()

    def load(self, paths: list[str]) -> None:
        """Read ``paths`` (in a worker) and show the class view; emits :attr:`loaded`."""
        seen: list[str] = []
        for p in paths:
            if p not in seen:
                seen.append(p)
        self.paths = seen
        self._token += 1
        job = _ClassJob(self.paths, self._token)
        job.signals.done.connect(self._on_done)
        self._jobs[self._token] = job
        self.summary.setText(f"Reading {len(self.paths)} progress file"
                             f"{'s' if len(self.paths) != 1 else ''}…")
        self._update_buttons()
        QThreadPool.globalInstance().start(job)

    def _on_done(self, result) -> None:
        token, view, problems, error = result
        self._jobs.pop(token, None)
        if token != self._token:  # a newer import replaced this one
            self._update_buttons()
            return
        self.view, self.problems, self.error = view, list(problems), error
        self._show()
        self.loaded.emit()

    def _show(self) -> None:
        view = self.view
        self._update_buttons()
        notes = [str(p) for p in self.problems]
        if self.error:
            notes.insert(0, f"The class view could not be built: {self.error}")
        self.notes.setText("\n".join(notes))
        self.notes.setStyleSheet(f"color: {ERROR_COLOR};" if any(
            not getattr(p, "duplicate", False) for p in self.problems) or self.error else "")
        self.notes.setVisible(bool(notes))
        if view is None:
            self.summary.setText("No progress files yet." if not self.paths else
                                 "None of the files could be read (see below).")
            for t in (self.mastery_table, self.items_table):
                t.setRowCount(0)
                t.setColumnCount(0)
            return
        n = len(view.learners)
        self.summary.setText(
            f"{n} learner{'s' if n != 1 else ''}, {plural(view.attempts, 'answer')}, "
            f"{plural(len(view.items), 'question')} answered, from {len(self.paths)} file{'s' if len(self.paths) != 1 else ''}.")
        self._fill_mastery(view)
        self._fill_items(view)

    def _fill_mastery(self, view) -> None:
        t = self.mastery_table
        t.setSortingEnabled(False)
        topics = list(view.topics)
        heads = ["Learner", "Answers", "% right", "Mastered"] + [short(view.topics[k], 18)
                                                                   for k in topics]
        t.clear()
        t.setColumnCount(len(heads))
        t.setHorizontalHeaderLabels(heads)
        for c, k in enumerate(topics, start=4):
            t.horizontalHeaderItem(c).setToolTip(view.topics[k])
        t.setRowCount(len(view.learners))
        dark = self.palette().color(self.palette().ColorRole.Window).lightness() < 128
        for r, row in enumerate(view.learners):
            share = row.share_correct
            cells = [
                _SortItem(row.name),
                _SortItem(str(row.attempts), row.attempts),
                _SortItem("—" if share is None else f"{100 * share:.0f} %", -1 if share is None else share),
                _SortItem(f"{row.topics_mastered} of {len(topics)}", row.topics_mastered),
            ]
            cells[0].setToolTip(f"{row.name}: exported {local_time(row.exported_at)} from "
                                f"{row.source}")
            for k in topics:
                m = row.topics.get(k)
                if m is None or not m.attempts:
                    item = _SortItem("—", -1.0)
                else:
                    mark = " ✓" if m.mastered else ""
                    item = _SortItem(f"{m.last10_correct}/{m.last10_answers}{mark}",
                                     (m.last10_share or 0.0) + (1.0 if m.mastered else 0.0))
                    color = _share_color(m.last10_share, dark)
                    if color is not None:
                        item.setBackground(QBrush(color))
                    item.setToolTip(f"{row.name} · {view.topics[k]}: {m.last10_correct} of the "
                                    f"last {m.last10_answers} answers right; "
                                    f"{plural(m.attempts, 'answer')} on {m.days} day{'s' if m.days != 1 else ''}"
                                    + ("; mastered" if m.mastered else ""))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                cells.append(item)
            for c, item in enumerate(cells):
                t.setItem(r, c, item)
        t.setSortingEnabled(True)
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)

    def _fill_items(self, view) -> None:
        t = self.items_table
        t.setSortingEnabled(False)
        heads = ["Question", "Topic", "Answers", "Learners", "% right", "Most common wrong answers"]
        t.clear()
        t.setColumnCount(len(heads))
        t.setHorizontalHeaderLabels(heads)
        t.setRowCount(len(view.items))
        dark = self.palette().color(self.palette().ColorRole.Window).lightness() < 128
        for r, it in enumerate(view.items):
            share = it.share_correct
            wrong = " · ".join(f"{a} (×{n})" for a, n in it.wrong_answers)
            right = _SortItem("—" if share is None else f"{100 * share:.0f} %",
                              -1 if share is None else share)
            color = _share_color(share, dark)
            if color is not None:
                right.setBackground(QBrush(color))
            cells = [_SortItem(it.item_id), _SortItem(short(view.topics.get(it.topic, it.topic), 30)),
                     _SortItem(str(it.attempts), it.attempts),
                     _SortItem(str(it.learners), it.learners), right, _SortItem(wrong or "—")]
            cells[1].setToolTip(view.topics.get(it.topic, it.topic))
            cells[5].setToolTip(wrong or "no wrong answers")
            for c, item in enumerate(cells):
                t.setItem(r, c, item)
        t.setSortingEnabled(True)
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def export_csv(self, table: str = "mastery") -> Path | None:
        """Write one table ("mastery" or "items") with the columns of
        ``quizapp progress class --csv --only mastery|items``."""
        if self.view is None:
            return None
        from quizapp.progress.classview import ITEM_COLUMNS, MASTERY_COLUMNS

        items = table == "items"
        which = "questions" if items else "mastery"
        path = self.page.ask_save_path(self, "Export the class table", "CSV (*.csv)",
                                       f"class-{which}.csv")
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() != ".csv":
            path = path.with_suffix(".csv")
        columns = ITEM_COLUMNS if items else MASTERY_COLUMNS
        rows = self.view.item_rows() if items else self.view.mastery_rows()
        from quizapp.progress.classview import csv_cell as cell

        try:
            with open(path, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(columns)
                for row in rows:
                    w.writerow([cell(v) for v in row])
        except OSError as exc:
            self.page.show_problem(f"Could not save {path}: {exc.strerror or exc}")
            return None
        self.page.ctx.message.emit(f"Saved the class {which} table ({len(rows)} rows) to {path}")
        return path

    def export_mine(self) -> Path | None:
        """Write the current learner's progress file (what an instructor adds here)."""
        ctx = self.page.ctx
        if ctx.store is None:
            return None
        learner = ctx.store.get_learner(ctx.learner_id)
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in learner.name) or "learner"
        path = self.page.ask_save_path(self, "Export my progress file", "Progress files (*.json)",
                                       f"{safe}-progress.json")
        if not path:
            return None
        from quizapp.progress.classview import export_progress, write_export

        path = Path(path)
        if path.suffix.lower() != ".json":
            path = path.with_suffix(".json")
        try:  # the save dialog already asked before replacing a file
            write_export(path, export_progress(ctx.store, learner.id), force=True)
        except (OSError, ValueError) as exc:
            self.page.show_problem(f"Could not write {path}: {getattr(exc, 'strerror', None) or exc}")
            return None
        ctx.message.emit(f"Wrote the progress file of {learner.name} to {path}")
        return path


# ---------------------------------------------------------------------- the page


class WeakTopicRow(QFrame):
    def __init__(self, topic: str, title: str, m: dict, on_practice):
        super().__init__()
        self.topic = topic
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 2, 0, 2)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(1)
        name = QLabel(f"<b>{short(title, 34)}</b>")
        name.setToolTip(title)
        grid.addWidget(name, 0, 0)
        recent, right = m["recent"], m["recent_correct"]
        detail = QLabel(f"{right} of your last {recent} right · {plural(m['attempts'], 'answer')} on "
                        f"{m['days']} day{'s' if m['days'] != 1 else ''}")
        small = detail.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        detail.setFont(small)
        grid.addWidget(detail, 1, 0)
        self.button = QPushButton("Practice")
        self.button.setAccessibleName(f"Practice {title}: {PRACTICE_LENGTH} questions")
        self.button.setToolTip(f"Start a {PRACTICE_LENGTH}-question session on {title}")
        self.button.clicked.connect(lambda: on_practice(topic))
        grid.addWidget(self.button, 0, 1, 2, 1, Qt.AlignmentFlag.AlignVCenter)
        grid.setColumnStretch(0, 1)


class ProgressPage(QWidget):
    """Learner switcher; Overview (plots, weakest topics), History and Class tabs."""

    #: the history CSV export finished: its path ("" when it failed)
    exported = Signal(str)

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("progress-page")
        self.data: ProgressData | None = None
        self._dirty = True
        self._reload_timer = QTimer(self, singleShot=True, interval=0)
        self._reload_timer.timeout.connect(self.load)
        #: reads the store on a worker thread with a connection of its own
        self.reader = StoreReader(
            lambda: ctx.store if getattr(ctx, "store_opened", True) else model.ReaderTarget(ctx.db))
        self.loading = False  # an Overview read is under way
        self._token = 0
        self._history_stale = True
        self._done = _Done(self)
        self._done.done.connect(self._on_loaded)
        self.destroyed.connect(lambda *_a, r=self.reader: r.close())
        self._plot_timer = QTimer(self, singleShot=True, interval=0)
        self._plot_timer.timeout.connect(self._draw_step)
        self._build()
        self.canvases = (self.accuracy_canvas, self.mastery_canvas, self.calendar_canvas,
                         self.forecast_canvas)
        self.tabs.currentChanged.connect(self._on_tab)
        ctx.dataChanged.connect(self.refresh)
        ctx.learnerChanged.connect(self._on_learner_changed)

    # ------------------------------------------------------------------ dialogs (tests replace)

    @classmethod
    def ask(cls, parent: QWidget, title: str, text: str) -> bool:
        """Ask a yes/no question (No is the default)."""
        answer = QMessageBox.question(parent, title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    @classmethod
    def ask_name(cls, parent: QWidget, title: str, label: str, text: str = "") -> str | None:
        name, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
        return name if ok else None

    @classmethod
    def ask_save_path(cls, parent: QWidget, title: str, filters: str, suggested: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
        return path or None

    @classmethod
    def ask_open_paths(cls, parent: QWidget, title: str, filters: str) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(parent, title, "", filters)
        return list(paths)

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 4)
        outer.setSpacing(6)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        who = QLabel("&Learner:")
        self.learner_combo = QComboBox()
        self.learner_combo.setMinimumContentsLength(14)
        self.learner_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.learner_combo.setAccessibleName("Current learner")
        who.setBuddy(self.learner_combo)
        self.learner_combo.activated.connect(self._on_learner_picked)
        self.new_button = QPushButton("&New…")
        self.new_button.setAccessibleName("Create a learner profile")
        self.new_button.clicked.connect(self.new_learner)
        self.rename_button = QPushButton("&Rename…")
        self.rename_button.setAccessibleName("Rename the current learner")
        self.rename_button.clicked.connect(self.rename_learner)
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.setAccessibleName("Delete the current learner and all their progress")
        self.delete_button.clicked.connect(self.delete_learner)
        for w in (who, self.learner_combo, self.new_button, self.rename_button, self.delete_button):
            bar.addWidget(w)
        bar.addSpacing(12)
        self.summary = QLabel()
        self.summary.setAccessibleName("Progress summary")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.summary, 1)
        self.busy = QProgressBar()  # shown while the store is read on the worker thread
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(90)
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName("Reading your progress")
        self.busy.hide()
        bar.addWidget(self.busy)
        outer.addLayout(bar)

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOR};")
        self.problem.setAccessibleName("Problem")
        self.problem.hide()
        outer.addWidget(self.problem)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Progress views")
        self.tabs.addTab(self._build_overview(), "&Overview")
        self.tabs.addTab(self._build_history(), "H&istory")  # Alt+H is the Help menu
        self.class_panel = ClassPanel(self)
        self.tabs.addTab(self.class_panel, "&Class")
        outer.addWidget(self.tabs, 1)

    def _build_overview(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        row.setContentsMargins(4, 4, 4, 4)
        row.setSpacing(8)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.setSpacing(4)
        head = QHBoxLayout()
        head.addStretch(1)
        by = QLabel("Group &by:")  # Alt+G is the Go menu
        self.bucket_combo = QComboBox()
        for key, title in BUCKETS:
            self.bucket_combo.addItem(title, key)
        self.bucket_combo.setAccessibleName("Group accuracy by day, week or month")
        by.setBuddy(self.bucket_combo)
        self.bucket_combo.currentIndexChanged.connect(self._on_bucket)
        head.addWidget(by)
        head.addWidget(self.bucket_combo)
        lv.addLayout(head)
        self.accuracy_canvas = AccuracyCanvas()
        self.calendar_canvas = CalendarCanvas()
        self.forecast_canvas = ForecastCanvas()
        lv.addWidget(self.accuracy_canvas, 5)
        lv.addWidget(self.calendar_canvas, 4)
        lv.addWidget(self.forecast_canvas, 4)
        split.addWidget(left)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.setSpacing(6)
        self.mastery_canvas = MasteryCanvas()
        rv.addWidget(self.mastery_canvas, 3)
        self.weak_box = QGroupBox("Weakest topics")
        self.weak_box.setAccessibleName("Weakest topics, each with a practice button")
        box_layout = QVBoxLayout(self.weak_box)
        box_layout.setContentsMargins(8, 4, 8, 6)
        box_layout.setSpacing(6)
        self.weak_layout = QVBoxLayout()  # refilled on every reload
        self.weak_layout.setSpacing(2)
        box_layout.addLayout(self.weak_layout)
        self.items_label = QLabel()
        self.items_label.setWordWrap(True)
        self.items_label.setAccessibleName("Questions to revisit")
        self.items_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box_layout.addWidget(self.items_label)
        box_layout.addStretch(1)
        weak_scroll = QScrollArea()
        weak_scroll.setWidget(self.weak_box)
        weak_scroll.setWidgetResizable(True)
        weak_scroll.setFrameShape(QFrame.Shape.NoFrame)
        quiet_scroll(weak_scroll, "Topics to work on")
        rv.addWidget(weak_scroll, 2)
        self.weak_rows: list[WeakTopicRow] = []
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 4)
        split.setSizes([600, 480])
        self.overview_split = split
        row.addWidget(split)
        return page

    def _build_history(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(4, 4, 4, 4)
        v.setSpacing(6)
        row = QHBoxLayout()
        row.setSpacing(6)
        t = QLabel("&Topic:")
        self.topic_filter = QComboBox()
        self.topic_filter.setAccessibleName("Show answers on this topic")
        t.setBuddy(self.topic_filter)
        self.topic_filter.currentIndexChanged.connect(self._apply_filter)
        s = QLabel("&Search:")
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText("item, answer or expected answer")
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.setAccessibleName("Search the answers")
        s.setBuddy(self.text_filter)
        self.text_filter.textChanged.connect(self._apply_filter)
        self.wrong_only = QCheckBox("&Wrong answers only")
        self.wrong_only.setAccessibleName("Show only wrong answers")
        self.wrong_only.toggled.connect(self._apply_filter)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setAccessibleName("Export the answers shown as CSV")
        self.export_button.clicked.connect(self.export_history)
        for w in (t, self.topic_filter, s):
            row.addWidget(w)
        row.addWidget(self.text_filter, 1)
        row.addWidget(self.wrong_only)
        row.addWidget(self.export_button)
        v.addLayout(row)
        self.history_model = HistoryModel(self.reader, lambda: self.ctx.store, self)
        self.history_model.loaded.connect(self._on_history_loaded)
        self.history_view = QTableView()
        self.history_view.setModel(self.history_model)
        self.history_view.setAccessibleName("Answers, newest first")
        focus_ring(self.history_view)
        self.history_view.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        self.history_view.setSortingEnabled(True)
        self.history_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.history_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_view.setAlternatingRowColors(True)
        self.history_view.verticalHeader().setVisible(False)
        self.history_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.history_view.setWordWrap(False)
        header = self.history_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for col, width in enumerate((130, 230, 190, 170, 170, 80, 70)):
            header.resizeSection(col, width)
        v.addWidget(self.history_view, 1)
        self.history_count = QLabel()
        self.history_count.setAccessibleName("Answers shown")
        v.addWidget(self.history_count)
        return page

    # ------------------------------------------------------------------ refresh

    def _on_learner_changed(self, _learner_id: int) -> None:
        self.refresh()

    # Each plot takes tens of milliseconds to build and rasterise: they are drawn one per
    # event-loop turn, and only while the Overview is on screen.

    def _schedule_plots(self) -> None:
        if self.isVisible() and self.tabs.currentIndex() == 0 and any(
                c.stale for c in self.canvases):
            self._plot_timer.start()

    def _draw_step(self) -> None:
        if not (self.isVisible() and self.tabs.currentIndex() == 0):
            return
        for canvas in self.canvases:
            if canvas.stale:
                canvas.step()
                break
        self._schedule_plots()

    def flush_plots(self) -> None:
        """Draw every plot waiting for it now (tests, screenshots)."""
        self._plot_timer.stop()
        for canvas in self.canvases:
            if canvas.stale:
                canvas.render()

    def refresh(self) -> None:
        """Reload soon if shown (several signals in a row cost one reload), else when shown."""
        self._dirty = True
        self._history_stale = True
        if self.isVisible():
            self._reload_timer.start(0)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._dirty:  # the first read waits for the first paint (its worker would slow it)
            self._reload_timer.start(AFTER_PAINT_MS if self.data is None else 0)
        self._schedule_plots()

    def _begin(self, open_store: bool = True) -> tuple[Any, int] | None:
        """Common start of a reload: the store (None: the problem is shown) and a token.
        Without ``open_store`` a store the window has not opened yet stays unopened (the
        reader thread opens its own connection; the window's opens after the first paint)."""
        self._reload_timer.stop()
        self._dirty = False
        if not open_store and not getattr(self.ctx, "store_opened", True):
            self._token += 1
            return None, self._token
        store = self.ctx.store
        enabled = store is not None
        for w in (self.learner_combo, self.new_button, self.rename_button, self.delete_button):
            w.setEnabled(enabled)
        if store is None:
            self.show_problem("The progress file could not be opened, so there is no progress "
                              f"to show: {self.ctx.store_problem}")
            return None
        self._token += 1
        return store, self._token

    def load(self) -> None:
        """Re-read everything for the current learner on the reader thread; the page shows
        what it has until the new data arrives (a newer load supersedes an older one)."""
        begun = self._begin(open_store=False)
        if begun is None:
            return
        _store, token = begun
        wanted, bucket = self.ctx.chosen_learner_id, self.bucket_combo.currentData()
        if wanted is None:
            wanted = getattr(self.ctx, "preferred_learner_id", None)  # checked by the job
        self._set_loading(True)

        paths = list(self.ctx.bank_paths or [])

        def job(store):
            data = model.load_data(store, model.resolve_learner(store, wanted), bucket)
            if data.weakest_items:  # their questions too: reading bank files is slow
                data.item_texts = model.question_texts([i for i, _n, _c in data.weakest_items], paths)
            return data

        future = self.reader.submit(job, key="overview")
        future.add_done_callback(lambda f, t=token: self._done.done.emit(t, f))

    def reload(self) -> None:
        """Re-read everything for the current learner now, on this thread (tests, scripts)."""
        begun = self._begin()
        if begun is None:
            return
        store, token = begun
        try:
            data = model.load_data(store, model.resolve_learner(store, self.ctx.chosen_learner_id),
                                   self.bucket_combo.currentData())
        except Exception as exc:  # a damaged file must not take the page down
            self.show_problem(f"Cannot read the progress file: {exc}")
            return
        self._show_loaded(data)
        if self.tabs.currentIndex() == 1:  # only the tab on screen is read
            self._load_history()

    def _on_loaded(self, token, future) -> None:
        if isinstance(token, tuple):  # ("bucket", bucket, token) or ("export", path)
            if token[0] == "export":
                self._on_exported(token[1], future)
            else:
                self._on_bucket_loaded(token[1], token[2], future)
            return
        if token != self._token or future.cancelled():
            return
        self._set_loading(False)
        try:
            data = future.result()
        except Exception as exc:  # a damaged file must not take the page down
            self.show_problem(f"Cannot read the progress file: {exc}")
            return
        self._show_loaded(data)
        if self.tabs.currentIndex() == 1:
            self._load_history()

    def _show_loaded(self, data: ProgressData) -> None:
        if data.learner.id != self.ctx.chosen_learner_id:  # deleted elsewhere, or first use
            self.ctx.set_learner(data.learner.id)  # (emits: the reload it asks for is this one)
            self._reload_timer.stop()
            self._dirty = False
        self.data = data
        self._fill_learners(data.learners)
        self._show_data(data)
        self._fill_topics(data.titles)
        self._history_stale = True

    def _set_loading(self, on: bool) -> None:
        self.loading = on
        self.busy.setVisible(on)

    def _fill_learners(self, learners: list) -> None:
        current = self.ctx.learner_id
        combo = self.learner_combo
        combo.blockSignals(True)
        combo.clear()
        for learner in learners:
            combo.addItem(learner.name, learner.id)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)
        self.delete_button.setEnabled(combo.count() > 0)

    def _show_data(self, data: ProgressData) -> None:
        parts = model.summary_parts(data)
        streak = data.streak or {}
        self.summary.setText(" · ".join(parts))
        tip = " · ".join(parts)
        if streak.get("enabled"):
            tip += f" (best {streak.get('best', 0)})"
        self.summary.setToolTip(tip)
        self.accuracy_canvas.show_data((data.accuracy, data.bucket))
        self.mastery_canvas.show_data((data.mastery, data.titles))
        self.calendar_canvas.show_data((data.days, data.today))
        self.forecast_canvas.show_data(data.forecast)
        self._fill_weak(data)
        self._schedule_plots()

    def _fill_weak(self, data: ProgressData) -> None:
        self.weak_rows = []
        while self.weak_layout.count():
            widget = self.weak_layout.takeAt(0).widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        if not data.weak_topics:
            text = ("Answer a few questions first: the topics you find hardest will show here, "
                    "each with a practice button." if not data.attempts else
                    "No weak topics: every topic you have answered is mastered.")
            note = QLabel(text)
            note.setWordWrap(True)
            self.weak_layout.addWidget(note)
        for topic, m in data.weak_topics:
            row = WeakTopicRow(topic, data.titles.get(topic, topic), m, self.practice_topic)
            self.weak_rows.append(row)
            self.weak_layout.addWidget(row)
        if data.weakest_items:
            texts = data.item_texts
            if texts is None:
                texts = self.question_texts([item for item, _n, _c in data.weakest_items])
            lines, tips = [], []
            for item, n, c in data.weakest_items:
                text = texts.get(item)
                lines.append(f"{html.escape(shorten(text, 46) if text else item)} — {c} of {n} right")
                tips.append(f"{text} ({item})" if text else item)
            self.items_label.setText("<b>Questions to revisit</b><br>" + "<br>".join(lines))
            self.items_label.setToolTip("\n".join(tips))
        else:
            self.items_label.setText("")
        self.items_label.setVisible(bool(data.weakest_items))

    def question_texts(self, item_ids: list[str]) -> dict[str, str]:
        """Each item's question as one line of plain text, read from the bank files of
        those items' topics (items the bank no longer has are left out)."""
        return model.question_texts(item_ids, self.ctx.bank_paths or None)

    def _fill_topics(self, titles: dict[str, str]) -> None:
        """The topic filter: the topics this learner has answered (titles from the store)."""
        combo = self.topic_filter
        keep = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("All topics", None)
        for topic, title in titles.items():
            combo.addItem(title, topic)
        index = combo.findData(keep) if keep is not None else 0
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def history_query(self) -> HistoryQuery | None:
        learner = self.ctx.chosen_learner_id
        if learner is None:
            return None
        header = self.history_view.horizontalHeader()
        return HistoryQuery(learner, self.topic_filter.currentData(), self.text_filter.text(),
                            self.wrong_only.isChecked(), header.sortIndicatorSection(),
                            header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)

    def _load_history(self, wait: bool = False) -> None:
        """Ask for the answers the History tab shows (only read while it is shown)."""
        self._history_stale = False
        self.history_count.setText("Loading the answers…")
        self.history_model.set_query(self.history_query(), wait=wait)

    def _apply_filter(self, *_args) -> None:
        if self.tabs.currentIndex() == 1 or self.history_model.query is not None:
            self._load_history()

    def _on_history_loaded(self) -> None:
        m = self.history_model
        if m.error:
            self.history_count.setText(m.error)
        elif m.loading:
            self.history_count.setText("Loading the answers…")
        else:
            self.history_count.setText(f"{m.matched} of {plural(m.total, 'answer')} shown")
        self.export_button.setEnabled(m.matched > 0 and not m.loading)

    def _on_tab(self, index: int) -> None:
        if index == 1 and (self._history_stale or self.history_model.query is None):
            self._load_history()
        self._schedule_plots()

    def _on_bucket(self) -> None:
        if self.data is not None and self.ctx.store is not None:
            bucket = self.bucket_combo.currentData()
            learner, token = self.ctx.chosen_learner_id, self._token

            def job(store):
                return store.accuracy_over_time(learner, bucket)

            future = self.reader.submit(job, key="bucket")
            future.add_done_callback(lambda f, b=bucket, t=token: self._done.done.emit(("bucket", b, t), f))

    def _on_bucket_loaded(self, bucket: str, token: int, future) -> None:
        if token != self._token or self.data is None or future.cancelled():
            return
        try:
            rows = future.result()
        except Exception as exc:
            self.show_problem(f"Cannot read the progress file: {exc}")
            return
        self.data.accuracy, self.data.bucket = rows, bucket
        self.accuracy_canvas.show_data((rows, bucket))
        self._schedule_plots()

    def show_problem(self, text: str | None) -> None:
        self.problem.setText(text or "")
        self.problem.setVisible(bool(text))

    # ------------------------------------------------------------------ learners

    def _on_learner_picked(self, index: int) -> None:
        learner_id = self.learner_combo.itemData(index)
        if learner_id is not None:
            self.switch_learner(int(learner_id))

    def switch_learner(self, learner_id: int) -> None:
        """Make ``learner_id`` current in the whole app (through the context)."""
        self.show_problem(None)
        try:
            self.ctx.set_learner(learner_id)
        except ValueError as exc:
            self.show_problem(str(exc))
            return
        self.reload()
        self.ctx.message.emit(f"Now showing the progress of {self.learner_combo.currentText()}")

    def new_learner(self) -> None:
        name = self.ask_name(self, "New learner", "Name of the new learner:")
        if name is None:
            return
        try:
            learner = self.ctx.store.add_learner(name)
        except ValueError as exc:
            self.show_problem(f"Could not create the learner: {exc}")
            return
        self.switch_learner(learner.id)

    def rename_learner(self) -> None:
        store = self.ctx.store
        learner = store.get_learner(self.ctx.learner_id)
        name = self.ask_name(self, "Rename learner", f"New name for {learner.name}:", learner.name)
        if name is None or name.strip() == learner.name:
            return
        try:
            store.rename_learner(learner.id, name)
        except ValueError as exc:
            self.show_problem(f"Could not rename {learner.name}: {exc}")
            return
        self.show_problem(None)
        self.ctx.dataChanged.emit()  # pages that show the name re-read it
        self.reload()

    def delete_learner(self) -> None:
        store = self.ctx.store
        learner = store.get_learner(self.ctx.learner_id)
        n = store.attempt_count(learner.id)
        if not self.ask(self, "Delete learner",
                        f"Delete {learner.name} with their {n} answer{'s' if n != 1 else ''}, "
                        "achievements, review schedule and lab-notebook runs?\n\n"
                        "This cannot be undone."):
            return
        try:
            store.delete_learner(learner.id)
            nxt = store.default_learner()  # another learner, or a new "default"
        except Exception as exc:
            self.show_problem(f"Could not delete {learner.name}: {exc}")
            return
        self.show_problem(None)
        self.ctx.set_learner(nxt.id)
        self.ctx.dataChanged.emit()
        self.reload()
        self.ctx.message.emit(f"Deleted {learner.name}; now showing {nxt.name}")

    # ------------------------------------------------------------------ actions

    def practice_topic(self, topic: str) -> None:
        """One click: a short mixed session on one topic (the Practice page)."""
        self.ctx.navigate("practice", topics=[topic], length=PRACTICE_LENGTH, mode="mixed")

    def export_history(self) -> Path | None:
        """Write the answers shown (filtered and sorted as on screen) as CSV, on the reader
        thread; :attr:`exported` says when it is written (the status bar too)."""
        ids = list(self.history_model.ids)
        name = self.learner_combo.currentText() or "learner"
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)
        path = self.ask_save_path(self, "Export answers", "CSV (*.csv)", f"{safe}-answers.csv")
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() != ".csv":
            path = path.with_suffix(".csv")
        self.export_button.setEnabled(False)
        self.ctx.message.emit(f"Saving {len(ids)} answers to {path}…")

        def job(store):
            return write_history_csv(path, model.rows_for(store.db, ids))

        future = self.reader.submit(job)
        future.add_done_callback(lambda f: self._done.done.emit(("export", path), f))
        return path

    def _on_exported(self, path: Path, future) -> None:
        self.export_button.setEnabled(self.history_model.matched > 0)
        try:
            n = future.result()
        except OSError as exc:
            self.show_problem(f"Could not save {path}: {exc.strerror or exc}")
            self.exported.emit("")
            return
        except Exception as exc:
            self.show_problem(f"Could not save {path}: {exc}")
            self.exported.emit("")
            return
        self.ctx.message.emit(f"Saved {plural(n, 'answer')} to {path}")
        self.exported.emit(str(path))

    # ------------------------------------------------------------------ page protocol

    def open_with(self, tab: str | None = None, **_kwargs) -> None:
        """``ctx.navigate("progress", tab="history" | "class" | "overview")``."""
        index = {"overview": 0, "history": 1, "class": 2}.get(tab or "")
        if index is not None:
            self.tabs.setCurrentIndex(index)

    def activated(self) -> None:
        if self._dirty and self.isVisible():
            self.load()

    def save_settings(self, settings) -> None:
        settings.setValue("tab", self.tabs.currentIndex())
        settings.setValue("bucket", self.bucket_combo.currentData())
        settings.setValue("splitter", self.overview_split.saveState())

    def restore_settings(self, settings) -> None:
        try:
            tab = int(settings.value("tab", 0))
        except (TypeError, ValueError):
            tab = 0
        if 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)
        index = self.bucket_combo.findData(settings.value("bucket", "day"))
        if index >= 0:
            self.bucket_combo.blockSignals(True)
            self.bucket_combo.setCurrentIndex(index)
            self.bucket_combo.blockSignals(False)
        state = settings.value("splitter")
        if state is not None:
            self.overview_split.restoreState(state)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        # matplotlib canvases keep a fixed palette of their own: the page tells them
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            QTimer.singleShot(0, self, self._restyle)
        super().changeEvent(event)

    def _restyle(self) -> None:
        for canvas in getattr(self, "canvases", ()):  # a palette change may come mid-build
            if figure_colors() != canvas.colors and canvas.data is not None:
                canvas.stale, canvas.built = True, False
        self._schedule_plots()
        if self.class_panel.view is not None:
            self.class_panel._show()
