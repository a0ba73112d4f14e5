"""The simulator's matplotlib views: the race map with its loss plot, the 3-D surface,
the LR sweep and the small schedule preview.

``Figure`` + ``FigureCanvasQTAgg`` only, never pyplot. The race map animates with
blitting (:class:`quizapp.ui.shared.blit.BlitManager`): contours, axes and ticks are the
static background; trajectories, heads, arrows, the start marker and the divergence
markers are animated artists updated with ``set_data`` and blitted each frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.colors import LinearSegmentedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator
from PySide6.QtCore import QEvent, QSize, QTimer, Signal
from PySide6.QtWidgets import QSizePolicy

from quizapp import optim
from quizapp.ui.simulator import model as sim_model
from quizapp.ui.shared.blit import BlitManager
from quizapp.ui.shared.theme import FigureColors, figure_colors, style_axes, style_figure

GRID = 161  # contour grid points per side
LOSS_FLOOR = 1e-16


def _finite_path(path: np.ndarray) -> np.ndarray:
    out = np.array(path, dtype=float)
    out[~np.isfinite(out)] = np.nan
    return out


def surface_grid(surface: optim.Surface, view, n: int = GRID):
    x0, x1, y0, y1 = view
    xs, ys = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    z = surface.loss(np.stack([xs, ys], axis=-1))
    return xs, ys, np.asarray(z, dtype=float)


def gap_of(surface: optim.Surface, loss: np.ndarray, grid_min: float | None = None) -> np.ndarray:
    """Loss above the surface's minimum (or above the lowest grid value when unknown)."""
    base = surface.min_value if surface.min_value is not None else grid_min
    return np.asarray(loss, dtype=float) - (base or 0.0)


def contour_levels(gap: np.ndarray, count: int = 18) -> np.ndarray:
    """Log-spaced levels covering the interesting range of a non-negative field."""
    finite = gap[np.isfinite(gap)]
    positive = finite[finite > 0]
    if positive.size == 0:
        return np.array([1e-12, 1.0])
    hi = float(np.percentile(positive, 99.5))
    lo = max(float(np.percentile(positive, 0.2)), hi * 1e-8, 1e-300)
    if not hi > lo:
        hi = lo * 10
    return np.geomspace(lo, hi, count)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _pow10(value: float, _pos=None) -> str:
    """Tick label ``10³`` in plain Unicode: log axes without mathtext (which is slow to load)."""
    if not value > 0 or not math.isfinite(value):
        return ""
    exp = math.log10(value)
    if abs(exp - round(exp)) > 1e-9:
        return ""
    return "10" + str(int(round(exp))).translate(_SUPERSCRIPT)


class _Pow10Formatter(FuncFormatter):
    """Ticks as ``10³``; the toolbar's coordinate readout gets the number itself (the
    tick function leaves every value that is not a power of ten empty)."""

    def __init__(self):
        super().__init__(_pow10)

    def format_data_short(self, value) -> str:
        return f"{value:.4g}" if math.isfinite(value) else ""


def use_plain_log_ticks(axis) -> None:
    """Plain-text labels on a log axis (one per decade, thinned when there are many)."""
    axis.set_major_locator(LogLocator(base=10.0, numticks=7))
    axis.set_major_formatter(_Pow10Formatter())
    # minor marks at 2 and 5 only: each tick is an object of its own, and eight a decade
    # made a plot's draw several times slower
    axis.set_minor_locator(LogLocator(base=10.0, subs=(2.0, 5.0), numticks=12))
    axis.set_minor_formatter(NullFormatter())


def _map_cmap(colors: FigureColors) -> LinearSegmentedColormap:
    # low = tinted, high = the plot background: the minimum reads as the deepest colour
    low, high = ("#2b4a6b", colors.axes) if colors.dark else ("#9fbcd9", colors.axes)
    return LinearSegmentedColormap.from_list("quizapp-map", [low, high])


class _Canvas(FigureCanvasQTAgg):
    """A canvas that follows the palette and can be shrunk freely by layouts.

    Axes are placed with fixed margins in points (:meth:`layout`, run on every resize)
    rather than by constrained layout, which would cost more than a whole frame budget
    on every full redraw.
    """

    def __init__(self, figsize=(6, 4)):
        super().__init__(Figure(figsize=figsize))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 120)
        self.colors = figure_colors()
        self.mpl_connect("resize_event", lambda _e: self.place_axes())

    def place_axes(self) -> None:
        """Place the axes for the current figure size (override)."""

    def _place(self, ax, left: float, right: float, bottom: float, top: float) -> None:
        """Put ``ax`` with margins in points from the figure's edges."""
        w, h = self.figure.get_size_inches() * 72.0
        width = max(w - left - right, 10.0)
        height = max(h - bottom - top, 10.0)
        ax.set_position([left / w, bottom / h, width / w, height / h])

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(480, 360)

    def restyle(self) -> None:
        self.colors = figure_colors()
        style_figure(self.figure, self.colors)
        self.draw_idle()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            if not getattr(self, "_restyle_pending", False):
                self._restyle_pending = True
                QTimer.singleShot(0, self, self._restyle_now)
        super().changeEvent(event)

    def _restyle_now(self) -> None:
        self._restyle_pending = False
        if figure_colors() != self.colors:
            self.restyle()


class _RaceBlit(BlitManager):
    """The race's blit manager, plus: a full draw the canvas composes itself (the map,
    then the loss plot over it) takes its base only when :meth:`rebase` says so."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self.suspended = False

    def _on_draw(self, event) -> None:
        if self.suspended:
            return
        self.canvas._map_base = None  # a draw of its own (resize, zoom): no map-only picture
        super()._on_draw(event)

    def rebase(self) -> None:
        """The canvas now holds a new static picture: keep it, then the frame on top."""
        super()._on_draw(None)


@dataclass
class _LaneArtists:
    path: object
    head: object
    loss: object
    div_map: object
    div_text: object
    div_loss: object


class RaceCanvas(_Canvas):
    """The contour map (click to place the start, drag to move it) over the loss plot."""

    #: (x, y, final): the start point moved; final is False while dragging
    startMoved = Signal(float, float, bool)

    def __init__(self):
        super().__init__(figsize=(6.4, 6.0))
        fig = self.figure
        self.ax = fig.add_axes([0.1, 0.4, 0.85, 0.55])
        self.ax_loss = fig.add_axes([0.1, 0.08, 0.85, 0.25])
        self.blitter = _RaceBlit(self)
        self._map_base = None  # the last full draw without the loss plot (see full_redraw)
        self.surface: optim.Surface | None = None
        self.view = (-1.0, 1.0, -1.0, 1.0)
        self.grid_min: float | None = None
        self.lanes: list[tuple[sim_model.Lane, optim.Run | None]] = []
        self.steps = 1
        self.step = 0
        self.selected = 0
        self.show_arrows = True
        self._lane_artists: list[_LaneArtists] = []
        self._dragging = False
        self._static: list = []
        self._start = (0.0, 0.0)
        self.start_marker, = self.ax.plot([], [], "o", ms=11, mfc="white", mec="black", mew=1.6,
                                          zorder=10, label="start")
        self.blitter.add(self.start_marker)
        self.arrow_g = FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=14,
                                       lw=1.6, linestyle="--", zorder=9, shrinkA=0, shrinkB=0)
        self.arrow_v = FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=14,
                                       lw=2.2, zorder=9, shrinkA=0, shrinkB=0)
        for arrow in (self.arrow_g, self.arrow_v):
            self.ax.add_patch(arrow)
            arrow.set_visible(False)
            self.blitter.add(arrow)
        self.cursor = self.ax_loss.axvline(0, lw=1, alpha=0.5, color=self.colors.text)
        self.blitter.add(self.cursor)
        self._ghosts: list = []
        self._legend_key: tuple | None = None
        self._static_key: tuple | None = None
        self._loss_cap = 1.0
        self.mpl_connect("button_press_event", self._on_press)
        self.mpl_connect("motion_notify_event", self._on_motion)
        self.mpl_connect("button_release_event", self._on_release)
        self.toolbar = None  # set by the page; clicks go to the toolbar while it pans/zooms
        style_figure(self.figure, self.colors)
        self.place_axes()

    def place_axes(self) -> None:
        w, h = self.figure.get_size_inches() * 72.0
        # right: room for half of the last x tick label ("10.0"), on screen and in exports
        left, right, top, bottom, gap = 52.0, 22.0, 18.0, 34.0, 30.0
        avail = max(h - top - bottom - gap, 40.0)
        loss_h = avail * 1.0 / 3.6
        self._place(self.ax_loss, left, right, bottom, h - bottom - loss_h)
        self._place(self.ax, left, right, bottom + loss_h + gap, top)

    # ------------------------------------------------------------------ surface

    def set_surface(self, surface: optim.Surface, view=None, force: bool = False) -> None:
        """Draw the contour map (log-spaced levels) and mark the minima (nothing to do when
        that map is already shown, unzoomed: a new race on the same surface)."""
        view = tuple(view or surface.view)
        ax = self.ax
        if (not force and surface is self.surface and view == self.view and self._static
                and tuple(ax.get_xlim()) == view[:2] and tuple(ax.get_ylim()) == view[2:]):
            return
        self.surface = surface
        self.view = view
        for artist in self._static:
            artist.remove()
        self._static = []
        xs, ys, z = surface_grid(surface, self.view)
        finite = z[np.isfinite(z)]
        self.grid_min = float(finite.min()) if finite.size else 0.0
        gap = gap_of(surface, z, self.grid_min)
        if surface.min_value is None:  # unbounded below (the saddle): shift to positive
            gap = z - self.grid_min
        levels = contour_levels(gap)
        with np.errstate(all="ignore"):
            shown = np.clip(gap, levels[0], levels[-1])
        cmap = _map_cmap(self.colors)
        filled = ax.contourf(xs, ys, shown, levels=levels, norm=LogNorm(levels[0], levels[-1]),
                             cmap=cmap, extend="neither", zorder=0)
        lines = ax.contour(xs, ys, shown, levels=levels[::2], colors=[self.colors.grid],
                           linewidths=0.6, zorder=1)
        self._static += [filled, lines]
        for mx, my in surface.minima:
            marker, = ax.plot([mx], [my], marker="*", ms=14, color="#ffd400", mec=self.colors.text,
                              mew=1.0, ls="none", zorder=5)
            self._static.append(marker)
        ax.set_xlim(self.view[0], self.view[1])
        ax.set_ylim(self.view[2], self.view[3])
        names = ("w", "b") if surface.name == "regression" else ("x", "y")
        ax.set_xlabel(names[0], labelpad=1)
        ax.set_ylabel(names[1], labelpad=1)
        formula = surface.formula if len(surface.formula) <= 60 else surface.formula[:57] + "…"
        ax.set_title(f"{surface.name}: {formula}", fontsize=9, loc="left")
        self.ax_loss.set_ylabel("loss − min (log)" if surface.min_value is not None
                                else "loss − lowest on map")
        self.ax_loss.grid(True, which="major", color=self.colors.grid, lw=0.5)
        style_axes(ax, self.colors)

    # ------------------------------------------------------------------- lanes

    def set_start(self, x: float, y: float) -> None:
        self._start = (float(x), float(y))
        self.start_marker.set_data([x], [y])

    def _make_lane_artists(self) -> _LaneArtists:
        ax, axl = self.ax, self.ax_loss
        path, = ax.plot([], [], "-", lw=1.8, ms=3.5, zorder=6)
        head, = ax.plot([], [], "o", ms=8, mew=1.0, zorder=8)
        loss, = axl.plot([], [], "-", lw=1.6)
        div_map, = ax.plot([], [], "X", ms=12, mew=1.0, zorder=9)
        div_text = ax.text(0, 0, "", fontsize=8.5, zorder=11, ha="left", va="bottom", clip_on=True,
                           bbox=dict(boxstyle="round,pad=0.2", alpha=0.9))
        div_loss, = axl.plot([], [], "X", ms=9, mew=0.8, zorder=5, clip_on=False)
        arts = _LaneArtists(path, head, loss, div_map, div_text, div_loss)
        for artist in vars(arts).values():
            artist.set_visible(False)
            self.blitter.add(artist)
        return arts

    def set_runs(self, lanes: list[tuple[sim_model.Lane, optim.Run | None]], steps: int) -> None:
        """Show new runs (after every recompute); then call :meth:`redraw`.

        Artists are reused lane by lane (only their data and colours change), so a
        recompute costs no artist construction.
        """
        while len(self._lane_artists) > len(lanes):
            for artist in vars(self._lane_artists.pop()).values():
                self.blitter.remove(artist)
                artist.remove()
        while len(self._lane_artists) < len(lanes):
            self._lane_artists.append(self._make_lane_artists())
        while len(self._ghosts) > len(lanes):
            ghost = self._ghosts.pop()
            self.blitter.remove(ghost)
            ghost.remove()
        while len(self._ghosts) < len(lanes):
            ghost, = self.ax.plot([], [], "-", lw=1.0, alpha=0.3, zorder=3)
            self.blitter.add_underlay(ghost)
            self._ghosts.append(ghost)
        self.lanes = lanes
        self.steps = max(1, int(steps))
        dots = "." if self.steps <= 150 else "None"  # one dot per step while they can be told apart
        edge, face = self.colors.text, self.colors.axes
        for (lane, run), arts, ghost in zip(lanes, self._lane_artists, self._ghosts):
            for artist in (arts.path, arts.head, arts.loss, arts.div_map, arts.div_loss):
                artist.set_color(lane.color)
            for artist in (arts.head, arts.div_map, arts.div_loss):
                artist.set_markeredgecolor(edge)
            arts.path.set_marker(dots)
            arts.div_text.set_color(edge)
            arts.div_text.get_bbox_patch().set(facecolor=face, edgecolor=lane.color)
            ghost.set_color(lane.color)
            if run is not None and lane.visible:  # the whole path, faint: a preview before playing
                whole = _finite_path(run.path)
                ghost.set_data(whole[:, 0], whole[:, 1])
                ghost.set_visible(True)
            else:
                ghost.set_visible(False)
        self._set_loss_limits()
        ax = self.ax
        legend_key = tuple((lane.label, lane.color) for lane, _run in lanes if lane.visible)
        if legend_key != self._legend_key:
            self._legend_key = legend_key
            if ax.get_legend() is not None:
                ax.get_legend().remove()
            if legend_key:
                handles = [Line2D([], [], color=c, lw=2.2, marker="o", ms=5, label=label)
                           for label, c in legend_key]
                ax.legend(handles=handles, loc="best", fontsize=8, framealpha=0.85,
                          facecolor=self.colors.axes, edgecolor=self.colors.grid,
                          labelcolor=self.colors.text)
        self.step = min(self.step, self.steps)

    def _static_signature(self) -> tuple:
        axl = self.ax_loss
        return (id(self.surface), self.view, axl.get_yscale(), tuple(axl.get_ylim()),
                tuple(axl.get_xlim()), self._legend_key, tuple(self.ax.get_xlim()),
                tuple(self.ax.get_ylim()), self.colors)

    def _gap(self, run: optim.Run) -> np.ndarray:
        return gap_of(self.surface, run.loss, self.grid_min)

    def _set_loss_limits(self) -> None:
        axl = self.ax_loss
        axl.set_xlim(0, self.steps)
        values = []
        for lane, run in self.lanes:
            if run is not None:
                g = self._gap(run)
                values.append(g[np.isfinite(g)])
        vals = np.concatenate(values) if values else np.array([1.0])
        log = self.surface is None or self.surface.min_value is not None
        if log:
            if axl.get_yscale() != "log":
                axl.set_yscale("log")
                use_plain_log_ticks(axl.yaxis)
                # no minor marks: over up to 20 decades they are noise, and their tick
                # objects cost a tenth of every full redraw (and more of the first)
                axl.yaxis.set_minor_locator(NullLocator())
            pos = vals[vals > LOSS_FLOOR]
            start = np.array([self._gap(r)[0] for _, r in self.lanes if r is not None] or [1.0])
            start = start[np.isfinite(start) & (start > 0)]
            top = float(start.max()) if start.size else 1.0
            hi = max(top * 1e3, float(pos.max())) if pos.size else 10.0
            hi = min(hi, max(top, 1.0) * 1e6)  # a diverging run must not flatten the others
            lo = float(pos.min()) if pos.size else 1e-6
            lo = max(min(lo, top * 1e-3), LOSS_FLOOR)
            cur_lo, cur_hi = axl.get_ylim()
            keep = (axl.get_yscale() == "log" and cur_lo <= lo / 2 and cur_hi >= hi * 2
                    and cur_lo >= lo / 2e3 and cur_hi <= hi * 2e3)
            if not keep:  # new limits only when the data no longer fits (or fits far too loosely)
                axl.set_ylim(lo / 2, hi * 2)
            self._loss_cap = axl.get_ylim()[1] / 2
        else:
            axl.set_yscale("symlog", linthresh=1.0)
            finite = vals[np.isfinite(vals)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
            span = max(hi - lo, 1.0)
            self._loss_cap = hi + span
            axl.set_ylim(max(lo - 0.1 * span, -1e6), min(hi + 0.1 * span, 1e6))
        if axl.get_xlabel() != "step":
            axl.set_xlabel("step", labelpad=1)
            axl.grid(True, which="major", color=self.colors.grid, lw=0.5)

    # -------------------------------------------------------------------- frames

    def show_step(self, step: int, blit: bool = True) -> None:
        """Reveal every trajectory up to ``step`` and update the markers."""
        self.step = step = max(0, min(int(step), self.steps))
        x0, x1, y0, y1 = self.view
        dx, dy = x1 - x0, y1 - y0
        log = self.surface is None or self.surface.min_value is not None
        for i, ((lane, run), arts) in enumerate(zip(self.lanes, self._lane_artists)):
            if run is None or not lane.visible:  # hidden, or its run is still being computed
                for artist in vars(arts).values():
                    artist.set_visible(False)
                for artist in (arts.path, arts.head, arts.loss):
                    artist.set_data([], [])  # nothing of an older run stays behind
                continue
            n = min(step, run.steps)
            path = _finite_path(run.path[: n + 1])
            arts.path.set_data(path[:, 0], path[:, 1])
            arts.path.set_visible(True)
            head = path[-1]
            arts.head.set_data([head[0]], [head[1]])
            arts.head.set_visible(bool(np.all(np.isfinite(head))))
            gap = self._gap(run)[: n + 1]
            with np.errstate(all="ignore"):
                if log:
                    gap = np.where(np.isfinite(gap), np.clip(gap, LOSS_FLOOR, self._loss_cap), self._loss_cap)
                else:
                    gap = np.where(np.isfinite(gap), np.clip(gap, -1e6, self._loss_cap), self._loss_cap)
            arts.loss.set_data(np.arange(n + 1), gap)
            arts.loss.set_visible(True)
            diverged = run.diverged_at is not None and step >= run.diverged_at
            for artist in (arts.div_map, arts.div_text, arts.div_loss):
                artist.set_visible(diverged)
            if diverged:
                k = run.diverged_at
                # the last point still on the map, clamped inside the view
                inside = [p for p in run.path[: k + 1]
                          if np.all(np.isfinite(p)) and x0 <= p[0] <= x1 and y0 <= p[1] <= y1]
                px, py = inside[-1] if inside else run.path[0]
                px = min(max(px, x0 + 0.03 * dx), x1 - 0.03 * dx)
                py = min(max(py, y0 + 0.03 * dy), y1 - 0.03 * dy)
                arts.div_map.set_data([px], [py])
                tx = px + 0.02 * dx if px < x0 + 0.6 * dx else px - 0.02 * dx
                arts.div_text.set_position((tx, py + 0.02 * dy))
                arts.div_text.set_ha("left" if px < x0 + 0.6 * dx else "right")
                arts.div_text.set_text(f"{lane.label}: diverged at step {k}")
                arts.div_loss.set_data([k], [self._loss_cap])
        self._update_arrows(step)
        self.cursor.set_xdata([step, step])
        if blit:
            self.blitter.update()

    def _update_arrows(self, step: int) -> None:
        self.arrow_g.set_visible(False)
        self.arrow_v.set_visible(False)
        if not self.show_arrows or not (0 <= self.selected < len(self.lanes)):
            return
        lane, run = self.lanes[self.selected]
        if run is None or not lane.visible:
            return
        vectors = sim_model.arrow_vectors(run, min(step, run.steps))
        if vectors is None:
            return
        point, neg_g, update = vectors
        x0, x1, y0, y1 = self.view
        if not (x0 <= point[0] <= x1 and y0 <= point[1] <= y1):
            return
        length = 0.12 * math.hypot(x1 - x0, y1 - y0)
        for arrow, vec, color in ((self.arrow_g, neg_g, self.colors.text),
                                  (self.arrow_v, update, lane.color)):
            norm = float(np.hypot(*vec))
            if not norm > 0 or not math.isfinite(norm):
                continue
            tip = point + vec / norm * length
            arrow.set_positions(tuple(point), tuple(tip))
            arrow.set_color(color)
            arrow.set_visible(True)

    def redraw(self, step: int | None = None, static: bool = True) -> None:
        """Show new runs at ``step`` (default: the current one): a full draw only when axes,
        limits or legend changed. ``static=False``: never a full draw (while runs are still
        being computed: the one full draw comes with them), only the lanes and previews."""
        if step is not None:
            self.step = max(0, min(int(step), self.steps))
        key = self._static_signature()
        if static and key != self._static_key or not self.blitter.ready:
            if self._only_loss_axes_changed(key):
                self._redraw_loss_axes()
            else:
                self.full_redraw()
            return
        self.show_step(self.step, blit=False)
        if self.isVisible():
            self.blitter.refresh_underlay()

    def full_redraw(self) -> None:
        """Redraw everything (static background included).

        Drawn in two layers, the map and then the loss plot over it (what one figure draw
        does, in that order), keeping the map-only picture: when a new run changes only
        the loss plot's limits, :meth:`_redraw_loss_axes` then redraws that plot alone."""
        self.show_step(self.step, blit=False)
        self._static_key = self._static_signature()
        self._map_base = None
        if not self.isVisible():  # drawn when first painted; no work for a hidden canvas
            self.draw_idle()
            return
        self.blitter.suspended = True
        self.ax_loss.set_visible(False)
        try:
            self.draw()
        finally:
            self.ax_loss.set_visible(True)
            self.blitter.suspended = False
        self._map_base = self.copy_from_bbox(self.figure.bbox)
        self.ax_loss.draw(self.get_renderer())
        self.blitter.rebase()
        self.blitter.update()

    def _only_loss_axes_changed(self, key: tuple) -> bool:
        """True when the static picture differs from the drawn one only in the loss plot's
        scale or limits (a new run reaching lower or higher), the map being as drawn."""
        old = self._static_key
        if old is None or self._map_base is None or not self.isVisible() or not self.blitter.ready:
            return False
        loss = (2, 3, 4)  # yscale, ylim, xlim of the loss plot in _static_signature
        return all(a == b for i, (a, b) in enumerate(zip(old, key)) if i not in loss)

    def _redraw_loss_axes(self) -> None:
        """Put the kept map back and draw the loss plot over it: the same picture as a full
        draw, at a third of its cost."""
        self.show_step(self.step, blit=False)
        self._static_key = self._static_signature()
        self.restore_region(self._map_base)
        self.ax_loss.draw(self.get_renderer())
        self.blitter.rebase()
        self.blitter.update()

    def restyle(self) -> None:
        self.colors = figure_colors()
        style_figure(self.figure, self.colors)
        self.cursor.set_color(self.colors.text)
        if self.surface is not None:
            self.set_surface(self.surface, self.view, force=True)
            self._legend_key = None
            self.set_runs(self.lanes, self.steps)
        self.full_redraw()

    # ----------------------------------------------------------- start point

    def _toolbar_busy(self) -> bool:
        return bool(self.toolbar is not None and getattr(self.toolbar, "mode", ""))

    def _near_start(self, event) -> bool:
        sx, sy = self.ax.transData.transform(self._start)
        return math.hypot(event.x - sx, event.y - sy) <= 12 * self.device_pixel_ratio

    def _on_press(self, event) -> None:
        if event.inaxes is not self.ax or event.button != 1 or self._toolbar_busy():
            return
        if event.xdata is None or event.ydata is None:
            return
        if self._near_start(event):
            self._dragging = True
            return
        self.set_start(event.xdata, event.ydata)
        self.startMoved.emit(float(event.xdata), float(event.ydata), True)

    def _on_motion(self, event) -> None:
        if not self._dragging or event.inaxes is not self.ax or event.xdata is None:
            return
        self.set_start(event.xdata, event.ydata)
        self.startMoved.emit(float(event.xdata), float(event.ydata), False)

    def _on_release(self, event) -> None:
        if not self._dragging:
            return
        self._dragging = False
        x, y = self._start
        self.startMoved.emit(x, y, True)


class Surface3DCanvas(_Canvas):
    """The surface in 3-D (log of the loss gap) with the trajectories on it; drag to rotate."""

    def __init__(self):
        super().__init__(figsize=(6.0, 5.0))
        from mpl_toolkits.mplot3d import Axes3D  # noqa: F401  (registers the projection)

        self.ax = self.figure.add_subplot(projection="3d")
        # the 3-D box is drawn smaller than its axes, so the tick labels and the z label
        # (which stick out of the box) stay inside the figure
        self.figure.subplots_adjust(left=0.02, right=0.9, bottom=0.04, top=0.93)
        self.ax.set_box_aspect(None, zoom=0.82)
        self.surface: optim.Surface | None = None
        self._lines: list = []
        self._surf = None
        self._base = 0.0
        style_figure(self.figure, self.colors)

    def restyle(self) -> None:
        self.colors = figure_colors()
        style_figure(self.figure, self.colors)
        if self.surface is not None:
            self.set_surface(self.surface, (*self.ax.get_xlim(), *self.ax.get_ylim()))
        self.draw_idle()

    def _z(self, loss):
        with np.errstate(all="ignore"):
            return np.log10(np.clip(np.asarray(loss, dtype=float) - self._base, 1e-8, 1e12))

    def set_surface(self, surface: optim.Surface, view=None) -> None:
        self.surface = surface
        view = view or surface.view
        xs, ys, z = surface_grid(surface, view, n=61)
        finite = z[np.isfinite(z)]
        self._base = surface.min_value if surface.min_value is not None else (
            float(finite.min()) if finite.size else 0.0)
        ax = self.ax
        ax.clear()
        ax.set_box_aspect(None, zoom=0.82)
        self._lines = []
        zz = self._z(z)
        self._surf = ax.plot_surface(xs, ys, zz, cmap="viridis", alpha=0.75, linewidth=0,
                                     antialiased=False, rcount=61, ccount=61)
        self._zlim = (float(np.nanmin(zz)), float(np.nanmax(zz)))
        ax.set_xlim(view[0], view[1])
        ax.set_ylim(view[2], view[3])
        ax.set_zlim(*self._zlim)
        names = ("w", "b") if surface.name == "regression" else ("x", "y")
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.set_zlabel("log₁₀(loss − min)", labelpad=2)
        ax.set_title(f"{surface.name} in 3-D (drag to turn)", fontsize=9)
        style_axes(ax, self.colors)

    def set_runs(self, lanes, step: int) -> None:
        for line in self._lines:
            line.remove()
        self._lines = []
        if self.surface is None:
            return
        x0, x1, y0, y1 = self.ax.get_xlim() + self.ax.get_ylim()
        for lane, run in lanes:
            if run is None or not lane.visible:
                continue
            n = min(step, run.steps)
            path = _finite_path(run.path[: n + 1])
            z = self._z(run.loss[: n + 1])
            inside = (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
            path = np.where(inside[:, None], path, np.nan)
            line, = self.ax.plot(path[:, 0], path[:, 1], np.clip(z, *self._zlim), color=lane.color,
                                 lw=2.0, zorder=10)
            self._lines.append(line)
        self.draw_idle()


class SweepCanvas(_Canvas):
    """Final loss against learning rate, log-log, one curve per lane; click a point to use it."""

    #: (lane index, lr) clicked
    rateClicked = Signal(int, float)

    def __init__(self):
        super().__init__(figsize=(6.0, 4.5))
        self.ax = self.figure.add_axes([0.1, 0.1, 0.85, 0.8])
        self.mpl_connect("pick_event", self._on_pick)
        self._points: dict[object, tuple[int, np.ndarray]] = {}
        self.results: list = []
        self._framed = None  # the colours the axes frame was built with (None: not built)
        self._artists: list = []
        style_figure(self.figure, self.colors)
        self.place_axes()
        self.show_message("Press “Run sweep” to try a range of learning rates for every "
                          "shown optimizer\n(one batched engine call per optimizer).")

    TITLE = ("LR sweep: × = diverged (shaded); dotted = current rate; click a point to use "
             "its rate")

    def place_axes(self) -> None:
        """Wrap the title to the width (it never runs off the edge) and leave it room."""
        import textwrap

        w = self.figure.get_size_inches()[0] * 72.0
        chars = max(12, int((w - 52.0 - 6.0) / (0.62 * 9)))  # 9 pt text: ~0.6 em per char
        lines = textwrap.wrap(self.TITLE, chars)
        self._title = "\n".join(lines)
        if self.ax.get_title(loc="left"):
            self.ax.set_title(self._title, fontsize=9, loc="left", y=1.0, pad=4)
        self._place(self.ax, 52.0, 16.0, 34.0, 10.0 + 12.0 * len(lines))

    def restyle(self) -> None:
        self.colors = figure_colors()
        style_figure(self.figure, self.colors)
        if self.results:
            self.plot(self.results, self._min_known)
        else:
            self.draw_idle()

    def show_message(self, text: str) -> None:
        ax = self.ax
        ax.clear()
        self._framed = None
        ax.set_axis_off()
        ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes,
                color=self.colors.text, fontsize=10, wrap=True)
        self.draw_idle()

    def _frame(self, min_known: bool) -> None:
        """Scales, ticks, labels and title, built once: clearing the axes on every sweep
        rebuilt every tick object, the bulk of a draw."""
        ax = self.ax
        if self._framed != self.colors:
            ax.clear()
            ax.set_axis_on()
            ax.set_xscale("log")
            ax.set_yscale("log")
            use_plain_log_ticks(ax.xaxis)
            use_plain_log_ticks(ax.yaxis)
            ax.set_xlabel("learning rate (log)")
            ax.set_title(self._title, fontsize=9, loc="left", y=1.0, pad=4)  # y: no measuring
            ax.grid(True, which="major", color=self.colors.grid, lw=0.5)
            style_axes(ax, self.colors)
            self._framed = self.colors
            self._artists = []
        for artist in self._artists:
            artist.remove()
        self._artists = []
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.set_ylabel("final loss − min (log)" if min_known else "final loss (log)")

    def plot(self, results, min_known: bool) -> None:
        """``results``: list of (lane index, Lane, lrs, final gaps, diverged mask)."""
        self.results = results
        self._min_known = min_known
        ax = self.ax
        self._frame(min_known)
        self._points = {}
        keep = self._artists.append
        finite_all = np.concatenate([g[np.isfinite(g) & ~d & (g > 0)] for _, _, _, g, d in results]
                                    or [np.array([1.0])])
        top = float(finite_all.max()) if finite_all.size else 1.0
        bottom = float(finite_all.min()) if finite_all.size else 1e-6
        top_plot = top * 30
        for k, (index, lane, lrs, gaps, diverged) in enumerate(results):
            ok = ~diverged & np.isfinite(gaps)
            y = np.where(ok, np.clip(gaps, max(bottom, LOSS_FLOOR), None), top_plot)
            line, = ax.plot(lrs[ok], y[ok], "-o", color=lane.color, ms=4, lw=1.5, label=lane.label,
                            picker=True, pickradius=6)
            keep(line)
            self._points[line] = (index, lrs[ok])
            if (~ok).any():
                xs, = ax.plot(lrs[~ok], y[~ok], "x", color=lane.color, ms=7, mew=1.8, picker=True,
                              pickradius=6)
                keep(xs)
                self._points[xs] = (index, lrs[~ok])
                first = float(lrs[~ok].min())
                keep(ax.axvspan(first, float(lrs.max()) * 1.05, color=lane.color, alpha=0.12, lw=0))
                keep(ax.annotate(f"{lane.label} diverges from {first:.3g} →", (first, top_plot),
                                 xytext=(-4, -14 - 11 * k), textcoords="offset points", ha="right",
                                 color=lane.color, fontsize=8))
            keep(ax.axvline(lane.lr, color=lane.color, ls=":", lw=1.2))
        ax.relim()
        ax.autoscale_view()
        if results:
            ax.legend(fontsize=8, loc="lower left", facecolor=self.colors.axes,
                      edgecolor=self.colors.grid, labelcolor=self.colors.text)
        self.draw_idle()

    def _on_pick(self, event) -> None:
        entry = self._points.get(event.artist)
        if entry is None or not len(event.ind):
            return
        index, lrs = entry
        self.rateClicked.emit(index, float(lrs[event.ind[0]]))


class SchedulePreview(_Canvas):
    """A small plot of the learning rate against the step."""

    def __init__(self):
        super().__init__(figsize=(3.0, 0.9))
        self.setMinimumSize(120, 70)
        self.setMaximumHeight(90)
        self.ax = self.figure.add_axes([0.1, 0.2, 0.85, 0.6])
        self.line, = self.ax.plot([], [], lw=1.5)
        self.ax.tick_params(labelsize=7, pad=1)
        style_figure(self.figure, self.colors)
        self.place_axes()

    def place_axes(self) -> None:
        self._place(self.ax, 34.0, 6.0, 14.0, 11.0)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(260, 80)

    def plot(self, values: np.ndarray | None, color: str, base: float = 1.0) -> None:
        """Plot the schedule as a multiple of the base rate ``base`` (so changing lr alone
        costs no redraw)."""
        if values is not None and len(values) and base > 0:
            key = (tuple(np.round(np.asarray(values) / base, 9)), color)
        else:
            key = None
        if key == getattr(self, "_key", ()) and key is not None:
            return
        self._key = key
        ax = self.ax
        if key is None:
            self.line.set_data([], [])
            ax.set_title("(invalid schedule)", fontsize=7, pad=2)
        else:
            factors = np.asarray(values, dtype=float) / base
            self.line.set_data(np.arange(len(values)), factors)
            self.line.set_color(color)
            ax.set_xlim(0, max(1, len(values) - 1))
            top = float(np.nanmax(factors)) if np.isfinite(factors).any() else 1.0
            ax.set_ylim(0, top * 1.1 if top > 0 else 1.0)
            ax.set_title("rate by step, as a multiple of lr", fontsize=7, pad=2)
        style_axes(ax, self.colors)
        self.draw_idle()
