"""A blit manager for matplotlib canvases (the pattern of matplotlib's blitting guide).

Static artists (contours, axes, ticks, legend) are drawn once by a full
``canvas.draw()``; the manager keeps a copy of that *base*. Artists of the
*underlay* (say faint previews of whole trajectories) change only when the data
changes: they are drawn onto the base once and the result becomes the frame
*background*. A frame restores the background, draws only the *animated* artists
(trajectory heads, markers, arrows) and blits: a few artist draws instead of a whole
figure.
"""
from __future__ import annotations

from typing import Iterable


class BlitManager:
    def __init__(self, canvas, artists: Iterable = ()):
        self.canvas = canvas
        self._base = None  # after a full draw
        self._background = None  # base + underlay
        self._artists: list = []
        self._underlay: list = []
        for artist in artists:
            self.add(artist)
        self._cid = canvas.mpl_connect("draw_event", self._on_draw)

    # ---------------------------------------------------------------- artists

    def add(self, artist) -> None:
        """An artist redrawn every frame."""
        if artist.figure is not self.canvas.figure:
            raise ValueError("the artist belongs to another figure")
        artist.set_animated(True)
        self._artists.append(artist)

    def add_underlay(self, artist) -> None:
        """An artist drawn under the frames, redrawn only by :meth:`refresh_underlay`."""
        artist.set_animated(True)
        self._underlay.append(artist)

    def remove(self, artist) -> None:
        for group in (self._artists, self._underlay):
            if artist in group:
                group.remove(artist)

    @property
    def artists(self) -> list:
        return list(self._underlay) + list(self._artists)

    @property
    def ready(self) -> bool:
        """True once a full draw has given the manager its background."""
        return self._base is not None

    # ------------------------------------------------------------------ frames

    def _on_draw(self, event) -> None:
        # A full draw just happened (first show, resize, zoom, style change): keep its
        # background, then put the underlay and the animated artists back on top.
        if event is not None and event.canvas is not self.canvas:
            return
        self._base = self.canvas.copy_from_bbox(self.canvas.figure.bbox)
        self._draw(self._underlay)
        self._background = self.canvas.copy_from_bbox(self.canvas.figure.bbox)
        self._draw(self._artists)

    def _draw(self, artists) -> None:
        fig = self.canvas.figure
        for artist in artists:
            if artist.get_visible():
                fig.draw_artist(artist)

    def refresh_underlay(self) -> None:
        """Redraw the underlay on the kept base (no full draw), then a frame."""
        if self._base is None:
            self.update()
            return
        self.canvas.restore_region(self._base)
        self._draw(self._underlay)
        self._background = self.canvas.copy_from_bbox(self.canvas.figure.bbox)
        self.update()

    def update(self) -> None:
        """Draw one frame: background + animated artists, then blit."""
        if self._background is None:
            self.canvas.draw()  # its draw_event stores the background and draws the artists
        else:
            self.canvas.restore_region(self._background)
            self._draw(self._artists)
        self.canvas.blit(self.canvas.figure.bbox)
