"""The Lab page's live plots: one small matplotlib canvas per plot.

``Figure`` + ``FigureCanvasQTAgg``, never pyplot. Each canvas owns its artists, made
once per run (:meth:`LabCanvas.reset`) and updated with ``set_data``
(:meth:`LabCanvas.refresh`); the page redraws one canvas per timer tick, so no single
piece of drawing holds the window for long. Axes are placed with fixed margins in
points (no constrained layout: it would cost more than the drawing).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator
from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from quizapp.ui.lab.model import Series
from quizapp.ui.shared.blit import BlitManager
from quizapp.ui.shared.theme import FigureColors, figure_colors, style_axes
from quizapp.ui.simulator.canvas import use_plain_log_ticks

MISTAKES_SHOWN = 6
MAX_POINTS = 1500  # points per line (longer runs are thinned for drawing)
FONT = 7.5


@dataclass
class LaneLook:
    """What a plot needs to know about a lane."""

    label: str
    color: str
    visible: bool = True
    clip_norm: float | None = None
    lr: float | None = None


@dataclass
class PlotContext:
    """What the plots share besides the numbers: lanes, the selection, the data."""

    lanes: list[LaneLook] = field(default_factory=list)
    selected: int = 0
    dataset: str = "moons"
    layer_names: list[str] = field(default_factory=list)
    X: np.ndarray | None = None  # the data (moons: for the scatter)
    y: np.ndarray | None = None
    train_idx: np.ndarray | None = None
    val_idx: np.ndarray | None = None
    grid: tuple[np.ndarray, np.ndarray] | None = None  # boundary grid axes (xs, ys)


def _thin(n: int) -> np.ndarray:
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_POINTS).astype(int))


def _positive(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=float)
    out[~np.isfinite(out) | (out <= 0)] = np.nan
    return out


def _log_axis(ax) -> None:
    """A log y axis with few labelled decades and no minor ticks (cheap to draw)."""
    ax.set_yscale("log")
    use_plain_log_ticks(ax.yaxis)
    ax.yaxis.set_major_locator(LogLocator(base=10.0, numticks=5))
    ax.yaxis.set_minor_locator(NullLocator())


class LabCanvas(FigureCanvasQTAgg):
    """A small plot that follows the palette; ``dirty`` says it needs a redraw."""

    title = ""
    margins = (40.0, 10.0, 22.0, 16.0)  # left, right, bottom, top in points

    def __init__(self):
        super().__init__(Figure(figsize=(3.2, 2.0)))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 110)
        self.colors: FigureColors = figure_colors()
        self.ax = self.figure.add_subplot()
        self.dirty = True
        self.series: Series | None = None
        self.ctx = PlotContext()
        self.mpl_connect("resize_event", lambda _e: self.place_axes())
        self.blitter = BlitManager(self)
        self._made: list = []  # artists of the current run (removed on reset)
        self._full = True  # the next refresh must redraw everything (limits, titles)
        self.underlay_changed = False  # an underlay artist (the boundary image) changed
        self._style()

    def animate(self, artist):
        """Register an artist that changes while the run trains (drawn by blitting)."""
        self.blitter.add(artist)
        self._made.append(artist)
        return artist

    def static(self, artist):
        """Register an artist of this run that does not change (part of the background)."""
        self._made.append(artist)
        return artist

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(320, 200)

    # ------------------------------------------------------------ layout/style
    def place_axes(self) -> None:
        w, h = self.figure.get_size_inches() * 72.0
        left, right, bottom, top = self.margins
        width, height = max(w - left - right, 10.0), max(h - bottom - top, 10.0)
        for ax in self.figure.axes:
            if ax.get_label() != "inset":
                ax.set_position([left / w, bottom / h, width / w, height / h])

    def _style(self) -> None:
        self.figure.set_facecolor(self.colors.face)
        for ax in self.figure.axes:
            style_axes(ax, self.colors)
            ax.tick_params(labelsize=FONT, length=2.5, pad=1.5)
            ax.title.set_fontsize(FONT + 1)
            ax.grid(True, color=self.colors.grid, linewidth=0.5, alpha=0.7)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.colors = figure_colors()
            self._style()
            self.dirty = True
        super().changeEvent(event)

    def _set_title(self, text: str) -> None:  # (keep titles short: a plot is ~170 px wide)
        # a fixed y: matplotlib would otherwise measure every tick label to place it
        self.ax.set_title(text, fontsize=FONT + 1, loc="left", pad=3, y=1.0, color=self.colors.text)

    # ------------------------------------------------------------ content
    def reset(self, series: Series | None, ctx: PlotContext) -> None:
        """A new run (or none): make the artists."""
        for artist in self._made:
            self.blitter.remove(artist)
            try:
                artist.remove()
            except (ValueError, NotImplementedError, AttributeError):
                pass
        self._made = []
        self.series, self.ctx = series, ctx
        self._reset()
        self._style()
        self.place_axes()
        self._full = True
        self.dirty = True

    def _reset(self) -> None:
        pass

    def set_context(self, ctx: PlotContext) -> None:
        """Lanes shown or hidden, another lane selected: keep the artists."""
        self.ctx = ctx
        self._full = True
        self.dirty = True

    def refresh(self) -> None:
        """Update the artists from the series; redraw everything only when the limits
        or the titles changed, else blit the moving artists onto the kept background."""
        self.dirty = False
        full = self._refresh() or self._full
        underlay, self.underlay_changed = self.underlay_changed, False
        self.last_full = bool(full or not self.blitter.ready)
        if full or not self.blitter.ready:
            self._full = False
            self.draw()
        elif underlay:
            self.blitter.refresh_underlay()
        else:
            self.blitter.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._full = True
        super().resizeEvent(event)

    def _refresh(self) -> bool:
        """Update the artists; True when a full redraw is needed."""
        return False

    def fit(self) -> None:
        """The run is over: fit the y range to the data (one full redraw)."""
        lo, hi = np.inf, -np.inf
        for line in self._fit_lines():
            if not line.get_visible():
                continue
            y = np.asarray(line.get_ydata(), dtype=float)
            y = y[np.isfinite(y)]
            if self.ax.get_yscale() == "log":
                y = y[y > 0]
            if len(y):
                lo, hi = min(lo, float(y.min())), max(hi, float(y.max()))
        if np.isfinite(lo) and np.isfinite(hi):
            if self.ax.get_yscale() == "log":
                self.ax.set_ylim(lo / 1.6, max(hi * 1.6, lo * 10))
            else:
                self.ax.set_ylim(min(0.0, lo), hi * 1.12 if hi > 0 else 1.0)
        self._full = True
        self.dirty = True

    def _fit_lines(self) -> list:
        return list(getattr(self, "lines", []))


def grow_limits(ax, lo: float, hi: float, log: bool) -> bool:
    """Widen ``ax``'s y range to hold [lo, hi] with room to spare; True if it changed.

    Limits only grow while a run trains (with a margin of half a decade on log axes), so
    the background is redrawn a few times per run rather than at every slice.
    """
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return False
    cur_lo, cur_hi = ax.get_ylim()
    fresh = getattr(ax, "_lab_fresh", True)
    if not fresh and cur_lo <= lo and hi <= cur_hi:
        return False
    if log:
        lo = max(lo, 1e-30)
        hi = max(hi, lo * 1.0001)
        new_lo = lo / 5.0 if fresh or lo < cur_lo else cur_lo
        new_hi = hi * 3.0 if fresh or hi > cur_hi else cur_hi
    else:
        span = max(hi - lo, abs(hi) * 0.1, 1e-9)
        new_lo = lo - 0.25 * span if fresh or lo < cur_lo else cur_lo
        new_hi = hi + 0.25 * span if fresh or hi > cur_hi else cur_hi
    ax.set_ylim(new_lo, new_hi)
    ax._lab_fresh = False
    return True


class _LaneLines(LabCanvas):
    """One line per lane against the step."""

    log = True
    ylabel = ""

    def __init__(self):
        super().__init__()
        if self.log:
            _log_axis(self.ax)
        self.ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        self._set_title(self.title)

    def _reset(self) -> None:
        self.ax.set_xlim(0, max(self.series.total if self.series else 1, 1))
        lo, hi = self.initial_range()
        self.ax.set_ylim(lo, hi)
        self.ax._lab_fresh = False  # wide enough that a run rarely needs a full redraw
        self.lines = [self.animate(self.ax.plot([], [], color=lane.color, linewidth=1.0, label=lane.label)[0])
                      for lane in self.ctx.lanes]
        self._reset_extra()

    def initial_range(self) -> tuple[float, float]:
        """The y range set before the first step (grown only if the data leave it)."""
        return 1e-4, 1e2

    def _reset_extra(self) -> None:
        pass

    def values(self) -> np.ndarray:
        raise NotImplementedError

    def _refresh(self) -> bool:
        s = self.series
        if s is None:
            return False
        n = s.step
        idx = _thin(n)
        x = idx + 1
        vals = self.values()
        lo, hi = np.inf, -np.inf
        order = []
        for k, line in enumerate(self.lines):
            look = self.ctx.lanes[k] if k < len(self.ctx.lanes) else None
            y = vals[k, :n][idx]
            y = _positive(y) if self.log else np.where(np.isfinite(y), y, np.nan)
            line.set_data(x, y)
            visible = bool(look and look.visible)
            line.set_visible(visible)
            line.set_linewidth(1.7 if k == self.ctx.selected else 1.0)
            if visible and np.isfinite(y).any():
                lo, hi = min(lo, float(np.nanmin(y))), max(hi, float(np.nanmax(y)))
            order.append(line)
        # the selected lane is drawn last (on top)
        sel = self.ctx.selected
        if 0 <= sel < len(self.lines):
            arts = self.blitter._artists
            if self.lines[sel] in arts:
                arts.remove(self.lines[sel])
                arts.insert(len(self.lines) - 1, self.lines[sel])  # after the lanes, before the marks
        extra = self._refresh_extra(n)
        return grow_limits(self.ax, lo, hi, self.log) or bool(extra)

    def _refresh_extra(self, n: int) -> bool:
        return False


class LossCanvas(_LaneLines):
    title = "Minibatch loss per step"

    def initial_range(self):
        chance = float(np.log(10 if self.ctx.dataset == "digits" else 2))  # the loss at the start
        return chance / 1000.0, chance * 5.0

    def values(self):
        return self.series.loss

    def _reset_extra(self) -> None:
        self.marks = self.animate(self.ax.plot([], [], linestyle="none", marker="x", markersize=7,
                                               color="#d62728", markeredgewidth=2)[0])

    def _refresh_extra(self, n: int) -> bool:
        xs, ys = [], []
        for k, (why, step) in self.series.stopped.items():
            if why != "diverged":
                continue
            finite = self.series.loss[k, :step][np.isfinite(self.series.loss[k, :step])]
            if len(finite):
                xs.append(step)
                ys.append(max(float(finite[-1]), 1e-12))
        self.marks.set_data(xs, ys)
        return False


class GradNormCanvas(_LaneLines):
    title = "Gradient norm (- - clip)"

    def values(self):
        return self.series.grad_norm

    def _reset_extra(self) -> None:
        self.clip_lines = []
        for k, lane in enumerate(self.ctx.lanes):
            if lane.clip_norm is not None:
                self.clip_lines.append((k, self.static(self.ax.axhline(
                    lane.clip_norm, color=lane.color, linestyle="--", linewidth=1.0))))

    def _refresh_extra(self, n: int) -> bool:
        changed = False
        lo, hi = np.inf, -np.inf
        for k, line in self.clip_lines:
            visible = k < len(self.ctx.lanes) and self.ctx.lanes[k].visible
            if line.get_visible() != visible:
                line.set_visible(visible)
                changed = True
            if visible:
                y = line.get_ydata()[0]
                lo, hi = min(lo, y), max(hi, y)
        return grow_limits(self.ax, lo, hi, True) or changed


class LrCanvas(_LaneLines):
    title = "Learning rate per step"

    def initial_range(self):
        rates = [lane.lr for lane in self.ctx.lanes if lane.lr]
        if not rates:
            return 1e-5, 1.0
        return min(rates) / 300.0, max(rates) * 3.0

    def values(self):
        return self.series.lr


class RatioCanvas(LabCanvas):
    """The selected lane's update-to-weight ratio ||ΔW|| / ||W||, one line per layer."""

    STYLES = ("-", "--", ":", "-.")

    def __init__(self):
        super().__init__()
        _log_axis(self.ax)
        self.ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        self._shown_title = None

    def _reset(self) -> None:
        self.ax.set_xlim(0, max(self.series.total if self.series else 1, 1))
        self.ax.set_ylim(1e-6, 1.0)
        self.ax._lab_fresh = False
        layers = self.series.layers if self.series is not None else 0
        names = self.ctx.layer_names
        self.lines = [self.animate(self.ax.plot([], [], linewidth=1.1, linestyle=self.STYLES[i % 4],
                                                label=names[i] if i < len(names) else f"layer {i + 1}")[0])
                      for i in range(layers)]
        self.legend = None
        if self.lines:
            leg = self.ax.legend(loc="upper right", fontsize=FONT - 0.5, frameon=True, framealpha=0.75,
                                 handlelength=2.0, borderpad=0.3, labelspacing=0.2)
            leg.get_frame().set_facecolor(self.colors.axes)
            for text in leg.get_texts():
                text.set_color(self.colors.text)
            self.legend = self.static(leg)
        self._shown_title = None

    def _refresh(self) -> bool:
        s = self.series
        if s is None:
            return False
        k = min(max(self.ctx.selected, 0), s.k - 1)
        look = self.ctx.lanes[k] if k < len(self.ctx.lanes) else LaneLook("", "#1f77b4")
        full = False
        if self._shown_title != (look.label, look.color):
            self._shown_title = (look.label, look.color)
            self._set_title(f"Update/weight: {_short(look.label)}")
            if self.legend is not None:
                for handle in self.legend.legend_handles:
                    handle.set_color(look.color)
            full = True
        n = s.step
        idx = _thin(n)
        lo, hi = np.inf, -np.inf
        for i, line in enumerate(self.lines):
            y = _positive(s.update_ratio[k, :n, i][idx])
            line.set_data(idx + 1, y)
            line.set_color(look.color)
            if np.isfinite(y).any():
                lo, hi = min(lo, float(np.nanmin(y))), max(hi, float(np.nanmax(y)))
        return grow_limits(self.ax, lo, hi, True) or full


class EpochCanvas(LabCanvas):
    """Validation loss (solid, left) and accuracy (dashed, right) per epoch."""

    margins = (40.0, 34.0, 22.0, 16.0)

    def __init__(self):
        super().__init__()
        self.acc_ax = self.ax.twinx()
        self.acc_ax.set_ylim(0, 1.02)
        self.acc_ax.yaxis.set_major_formatter(lambda v, _p: f"{v:.0%}")
        self.ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        self.ax.yaxis.set_major_locator(MaxNLocator(4))
        self.acc_ax.yaxis.set_major_locator(MaxNLocator(3))
        self._set_title("Validation loss — / accuracy - -")
        self._style()

    def _reset(self) -> None:
        chance = float(np.log(10 if self.ctx.dataset == "digits" else 2))
        self.ax.set_ylim(0, chance * 1.2)
        self.ax._lab_fresh = False
        epochs = self.series.epochs if self.series is not None else 1
        self.ax.set_xlim(0.5, max(epochs, 1) + 0.5)
        self.loss_lines, self.acc_lines = [], []
        for lane in self.ctx.lanes:
            self.loss_lines.append(self.animate(self.ax.plot([], [], color=lane.color, linewidth=1.2, marker=".",
                                                             markersize=3)[0]))
            self.acc_lines.append(self.animate(self.acc_ax.plot([], [], color=lane.color, linewidth=1.0,
                                                                linestyle="--")[0]))

    def _fit_lines(self) -> list:
        return list(getattr(self, "loss_lines", []))

    def _style(self) -> None:
        super()._style()
        if hasattr(self, "acc_ax"):
            self.acc_ax.grid(False)
            self.acc_ax.patch.set_visible(False)

    def _refresh(self) -> bool:
        s = self.series
        if s is None:
            return False
        x = np.arange(1, s.epoch + 1)
        hi = -np.inf
        for k, (ll, al) in enumerate(zip(self.loss_lines, self.acc_lines)):
            vis = k < len(self.ctx.lanes) and self.ctx.lanes[k].visible
            vl = np.array(s.val_loss[k, :s.epoch], dtype=float)
            vl[~np.isfinite(vl)] = np.nan
            ll.set_data(x, vl)
            al.set_data(x, s.val_accuracy[k, :s.epoch])
            ll.set_visible(vis)
            al.set_visible(vis)
            width = 1.8 if k == self.ctx.selected else 1.1
            ll.set_linewidth(width)
            al.set_linewidth(width - 0.2)
            if vis and np.isfinite(vl).any():
                hi = max(hi, float(np.nanmax(vl)))
        if np.isfinite(hi) and hi > self.ax.get_ylim()[1]:
            self.ax.set_ylim(0, hi * 1.3)
            return True
        return False


def _boundary_cmap(colors: FigureColors) -> LinearSegmentedColormap:
    a, b = ("#203d57", "#573322") if colors.dark else ("#9cc3e6", "#f2b48c")
    return LinearSegmentedColormap.from_list("quizapp-boundary", [a, colors.axes, b])


CLASS_COLORS = ("#0072B2", "#D55E00")
CLASS_COLORS_DARK = ("#56B4E9", "#F0A050")  # lighter, to stand out on a dark plot


class ViewCanvas(LabCanvas):
    """Moons: the selected lane's decision boundary over the data (training points
    filled, validation points as rings). Digits use :class:`MistakesView` instead."""

    margins = (26.0, 8.0, 16.0, 16.0)

    def __init__(self):
        super().__init__()
        self.image = None
        self.contour = None
        self._shown = None

    def fit(self) -> None:
        self.dirty = True

    def _reset(self) -> None:
        self.image = None
        self.contour = None
        self._shown = None
        ctx = self.ctx
        self.ax.set_visible(ctx.dataset == "moons")
        if ctx.dataset != "moons":
            return
        if ctx.grid is not None:
            xs, ys = ctx.grid
            self.image = self.static(self.ax.imshow(
                np.full((len(ys), len(xs)), 0.5), origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]),
                vmin=0, vmax=1, cmap=_boundary_cmap(self.colors), aspect="auto",
                interpolation="bilinear", zorder=1))
            self.blitter.add_underlay(self.image)
            self.ax.set_xlim(xs[0], xs[-1])
            self.ax.set_ylim(ys[0], ys[-1])
        if ctx.X is not None:  # the points go on the boundary
            X, y = ctx.X, ctx.y
            class_colors = CLASS_COLORS_DARK if self.colors.dark else CLASS_COLORS
            tr, va = ctx.train_idx, ctx.val_idx
            for c in (0, 1):
                m = tr[y[tr] == c]
                dots = self.static(self.ax.scatter(X[m, 0], X[m, 1], s=6, color=class_colors[c],
                                                   linewidths=0, zorder=3))
                m = va[y[va] == c]
                rings = self.static(self.ax.scatter(X[m, 0], X[m, 1], s=13, facecolors="none",
                                                    edgecolors=class_colors[c], linewidths=0.8, zorder=3))
                self.blitter.add_underlay(dots)
                self.blitter.add_underlay(rings)

    def _refresh(self) -> bool:
        s, ctx = self.series, self.ctx
        if ctx.dataset != "moons":
            return False
        k = ctx.selected
        look = ctx.lanes[k] if 0 <= k < len(ctx.lanes) else LaneLook("", "#888888")
        b = s.boundary if s is not None else None
        full = False
        if self._shown != look.label:
            self._shown = look.label
            self._set_title(f"Decision boundary: {_short(look.label, 18)}")
            full = True
        if self.contour is not None:
            self.blitter.remove(self.contour)
            self.contour.remove()
            self.contour = None
        if b is not None and self.image is not None:
            p = b[1]
            self.image.set_data(np.where(np.isfinite(p), p, 0.5))
            if np.isfinite(p).all() and p.min() < 0.5 < p.max():
                xs, ys = ctx.grid
                self.contour = self.ax.contour(xs, ys, p, levels=[0.5], colors=[self.colors.text],
                                               linewidths=1.0, zorder=2)
                self.blitter.add(self.contour)
            self.underlay_changed = True
        return full


class MistakesView(QWidget):
    """Digits: the validation images the selected lane gets most confidently wrong.

    Plain Qt labels (an 8 x 8 image scaled up, a caption), so updating them costs next
    to nothing while the lanes train."""

    def __init__(self, count: int = MISTAKES_SHOWN, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Validation images the selected lane gets wrong")
        self.setAutoFillBackground(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(4)
        self.head = QLabel()
        self.head.setWordWrap(True)
        outer.addWidget(self.head)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.tiles: list[tuple[QLabel, QLabel]] = []
        cols = 4
        for i in range(count):
            img, cap = QLabel(), QLabel()
            img.setAlignment(Qt.AlignmentFlag.AlignCenter)
            img.setMinimumSize(24, 24)
            img.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            r, c = divmod(i, cols)
            grid.addWidget(img, 2 * r, c)
            grid.addWidget(cap, 2 * r + 1, c)
            grid.setRowStretch(2 * r, 1)
            self.tiles.append((img, cap))
        outer.addLayout(grid, 1)
        self.rows: list[dict] | None = None
        self.label = ""
        self.dirty = True

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(320, 200)

    def show_mistakes(self, label: str, rows: list[dict] | None) -> None:
        self.label, self.rows = label, rows
        if rows is None:
            self.head.setText(f"<b>Mistakes of {label}</b>: shown after the first epoch")
        elif not rows:
            self.head.setText(f"<b>Mistakes of {label}</b>: none on the validation set")
        else:
            self.head.setText(f"<b>Mistakes of {label}</b> (true → predicted, confidence), "
                              "most confident first")
        self._paint()

    def _paint(self) -> None:
        rows = self.rows or []
        for i, (img, cap) in enumerate(self.tiles):
            if i < len(rows):
                r = rows[i]
                a = np.clip(np.asarray(r["image"], dtype=float), 0, 1)
                gray = np.ascontiguousarray((255 * (1 - a)).astype(np.uint8))
                qimg = QImage(gray.data, 8, 8, 8, QImage.Format.Format_Grayscale8).copy()
                side = max(8, min(img.width(), img.height()))
                side -= side % 8
                img.setPixmap(QPixmap.fromImage(qimg).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                                            Qt.TransformationMode.FastTransformation))
                cap.setText(f"{r['label']} → {r['predicted']}  {r['confidence']:.0%}")
                img.setToolTip(f"validation row {r['row']}: a {r['label']} read as {r['predicted']} "
                               f"with confidence {r['confidence']:.0%}")
            else:
                img.clear()
                cap.setText("")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._paint()


def _short(label: str, limit: int = 12) -> str:
    """A lane's label cut to fit a plot title (the legend and the lane list give it whole)."""
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"
