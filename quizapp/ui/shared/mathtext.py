"""Text with inline ``$...$`` math, drawn properly (never as raw TeX), for every page.

Two entry points:

* :func:`math_to_html` turns a paragraph (or several, separated by blank lines) into
  Qt rich text: each math piece becomes an ``<img>`` whose pixels matplotlib's mathtext
  drew in the palette's text colour at the screen's device pixel ratio (so it stays
  crisp at 200 %). The images are inline ``data:`` URLs, so the HTML works anywhere Qt
  shows rich text (a QLabel, a tooltip, a QTextDocument) with no resource set-up.
* :class:`MathLabel` is a wrapping, selectable, read-only text widget built on that
  HTML. Unlike a QLabel it also puts each formula's *baseline* on the text's baseline
  (a QLabel can only stand an image on the baseline, which lifts subscripts), follows
  palette, font and pixel-ratio changes by redrawing, and fits its height to its text.
  Its accessible name is the plain-text version (``η = 0.01``), for screen readers.

Markup understood in the text (the same small set as the chapter and the bank):
``$...$`` math (``\\$`` is a literal dollar), ``**bold**``, ``*italic*``, ```code```,
blank lines between paragraphs and lines starting with ``"- "`` as bullets; a single
line break inside a paragraph is a space. Everything else is shown as written (HTML
in the text is escaped, never interpreted).

Rendered pieces are cached by (TeX, pixel size, colour, pixel ratio). A piece that
mathtext cannot draw, or that is too long or too deeply nested to be worth trying
(text travels between people: nothing in it may hang the app), is shown as readable
Unicode in italics instead (:func:`quizapp.textmath.math_to_text`).
"""
from __future__ import annotations

import base64
import html
import math
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QSize, Qt
from PySide6.QtGui import (
    QColor, QFont, QFontMetricsF, QGuiApplication, QImage, QPalette, QTextCharFormat, QTextCursor,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from quizapp.learn import paragraphs, split_math, unescape
from quizapp.textmath import math_to_text, tex_to_text
from quizapp.textmath import plain_text as _plain_text

#: matplotlib's math font family; DejaVu Sans matches the sans-serif UI text best
MATH_FONT = "dejavusans"
#: display formulas (the Learn page's centred equations) are this much larger than text
DISPLAY_SCALE = 1.3
MAX_TEX = 400  # longer math pieces are shown as text, not parsed
MAX_DEPTH = 12  # brace nesting beyond this is shown as text

__all__ = ["MathLabel", "math_to_html", "formula_html", "plain_text", "render_math",
           "MathImage", "clear_cache"]


@dataclass(frozen=True)
class MathImage:
    """One rendered math piece: a PNG ``data:`` URL and its size in logical pixels."""

    uri: str
    width: float
    height: float
    depth: float  # logical pixels below the baseline (after padding)


# ------------------------------------------------------------------ rendering


def _too_complex(tex: str) -> bool:
    if len(tex) > MAX_TEX:
        return True
    depth = 0
    for ch in tex:
        if ch == "{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch == "}":
            depth -= 1
    return False


# mathtext's parser (pyparsing, with a shared packrat cache) is not safe to run on two
# threads at once: the warm-up thread and the GUI thread take turns through this lock.
_PARSE_LOCK = threading.Lock()
_WARMING: list[bool] = []


def warm_up() -> None:
    """Import mathtext, build its grammar and load the math fonts on the warm-up thread
    (:mod:`quizapp.ui.shared.warm`), once.

    The first formula drawn otherwise freezes the window for a third of a second; pages
    that will show math call this when they are built (the window is up by then)."""
    if _WARMING:
        return
    from quizapp.ui.shared import warm

    def work() -> None:
        try:
            _parse(r"\hat{m}_t = \frac{\beta_1 m}{\sqrt{\hat{v}_t} + \epsilon}", 14.0, 1.0)
        except Exception:  # only a head start: the real call reports any problem
            pass

    _WARMING.append(True)
    warm.submit("mathtext-grammar", work)


def prerenderer(font: QFont | None = None, color: QColor | str | None = None,
                dpr: float | None = None) -> Callable[[list[str], list[str]], int]:
    """``draw(texts, displays)``, for the warm-up thread: draws into the cache the math of
    ``texts`` (as :class:`MathLabel` shows paragraphs) and ``displays`` (display formulas)
    for ``font``/``color``/``dpr`` as the GUI thread sees them now (the application's by
    default), so labels built later find their images ready. Returns how many it drew."""
    font, qcolor, ratio = _context(None, font, color, dpr)
    px = _font_px(font)
    hex_color = qcolor.name(QColor.NameFormat.HexArgb)
    ratio = round(ratio, 3)

    def draw(texts: list[str], displays: list[str] = ()) -> int:
        jobs: list[tuple[str, float, bool]] = []
        for text in texts:
            for piece, is_math in split_math((text or "").replace("\x00", "")):
                if is_math:
                    jobs.append((piece[1:-1].strip(), round(px, 1), True))
        jobs += [(tex.strip(), round(px * DISPLAY_SCALE, 1), False) for tex in displays]
        for tex, size, pad in jobs:
            _render(tex, size, hex_color, ratio, pad)
        return len(jobs)

    return draw


@lru_cache(maxsize=1)
def _parser():
    from matplotlib.mathtext import MathTextParser

    return MathTextParser("agg")


_GUI_WAITING = [0]  # GUI-thread callers waiting for the lock: a worker lets them go first


def _parse(tex: str, px: float, dpr: float) -> tuple[np.ndarray, float]:
    if threading.current_thread() is threading.main_thread():
        _GUI_WAITING[0] += 1
        try:
            with _PARSE_LOCK:
                return _parse_locked(tex, px, dpr)
        finally:
            _GUI_WAITING[0] -= 1
    # a worker drawing ahead (many formulas in a row) would otherwise take the lock again
    # and again while the window waits for one formula
    while _GUI_WAITING[0]:
        time.sleep(0.001)
    with _PARSE_LOCK:
        return _parse_locked(tex, px, dpr)


def _parse_locked(tex: str, px: float, dpr: float) -> tuple[np.ndarray, float]:
    """mathtext's alpha image of ``$tex$`` and the depth of its baseline, in device pixels.

    The public ``MathTextParser.parse`` reports a depth that can be a pixel off the row on
    which the glyphs were actually drawn; a pixel shows next to text. So this repeats its
    few steps (parse, ship, rasterise) to read the drawn baseline from the glyph positions,
    and falls back to the public call if matplotlib's internals ever change.
    """
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(size=px, math_fontfamily=MATH_FONT)
    dpi = 72.0 * dpr
    parser = _parser()
    try:
        from matplotlib import _mathtext
        from matplotlib.backends import backend_agg

        fontset = parser._font_type_mapping[prop.get_math_fontfamily()](
            prop, backend_agg.get_hinting_flag())
        if parser._parser is None:
            type(parser)._parser = _mathtext.Parser()
        box = parser._parser.parse(f"${tex}$", fontset, prop.get_size_in_points(), dpi)
        output = _mathtext.ship(box)
        raster = output.to_raster(antialiased=True)
        ymin = min([*[oy - info.metrics.ymax for _, oy, info in output.glyphs],
                    *[y for _, y, _, _ in output.rects], 0]) - 1
        on_line = [(ox, oy, info) for ox, oy, info in output.glyphs if abs(oy - box.height) < 1e-6]
        if on_line:  # where the first glyph on the baseline was really drawn (rows are whole)
            _, oy, info = min(on_line, key=lambda g: g[0])
            baseline = int(oy - ymin - info.metrics.iceberg) + info.metrics.iceberg
        else:
            baseline = box.height - ymin
        alpha = np.asarray(raster.image, dtype=np.uint8)
        return alpha, max(0.0, alpha.shape[0] - baseline)
    except (ImportError, AttributeError, KeyError, TypeError, IndexError):  # pragma: no cover
        parsed = parser.parse(f"${tex}$", dpi=dpi, prop=prop)
        # the reported depth puts the baseline one device pixel too low
        return np.asarray(parsed.image, dtype=np.uint8), float(parsed.depth) + 1.0


@lru_cache(maxsize=4096)
def _render(tex: str, px: float, color: str, dpr: float, pad: bool) -> MathImage | None:
    """Draw ``tex`` (no dollars) at ``px`` logical pixels; None when it cannot be drawn.

    ``pad`` pads the image below so that its depth is a whole number of logical pixels
    (what :class:`MathLabel` needs to put the formula's baseline on the text's).
    """
    if not tex.strip() or _too_complex(tex):
        return None
    try:
        alpha, depth = _parse(tex, px, dpr)
    except Exception:  # a TeX command mathtext does not know, a syntax error...
        return None
    if alpha.ndim != 2 or alpha.size == 0:
        return None
    ink = np.nonzero(alpha.any(axis=0))[0]
    if ink.size:  # mathtext leaves a little space left and right; a text space follows anyway
        margin = max(1, int(round(dpr)))
        alpha = alpha[:, max(0, ink[0] - margin):ink[-1] + 1 + margin]
    h, w = alpha.shape
    pad_bottom = 0
    if pad:  # whole logical pixels below the baseline (rounded to the nearest device row)
        rows_below = int(round(depth))
        target = int(math.ceil(rows_below / dpr - 1e-9) * dpr + 0.5)
        pad_bottom = max(0, target - rows_below)
        depth = rows_below + pad_bottom
    step = int(round(dpr)) if abs(dpr - round(dpr)) < 1e-6 and dpr >= 1 else 1
    # whole logical pixels where the ratio is a whole number: no blurry half pixels
    pad_top = (-(h + pad_bottom)) % step
    pad_right = (-w) % step
    rgba = np.zeros((pad_top + h + pad_bottom, w + pad_right, 4), dtype=np.uint8)
    c = QColor(color)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = c.blue(), c.green(), c.red()  # ARGB32 = BGRA bytes
    rgba[pad_top:pad_top + h, :w, 3] = (alpha.astype(np.uint16) * c.alpha() // 255).astype(np.uint8)
    rgba = np.ascontiguousarray(rgba)
    height, width = rgba.shape[:2]
    image = QImage(rgba.data, width, height, width * 4, QImage.Format.Format_ARGB32).copy()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    logical_depth = round(depth / dpr, 3)
    # the depth travels inside the URL (a media-type parameter Qt ignores when decoding)
    uri = (f"data:image/png;depth={logical_depth:g};base64,"
           + base64.b64encode(bytes(data)).decode("ascii"))
    return MathImage(uri, width / dpr, height / dpr, logical_depth)


def render_math(tex: str, font: QFont | None = None, color: QColor | str | None = None,
                dpr: float | None = None, scale: float = 1.0, pad: bool = False) -> MathImage | None:
    """Render one piece of TeX (without dollars) for ``font`` (cached); None if it cannot be."""
    font = font or QGuiApplication.font()
    color = QColor(color) if color is not None else QGuiApplication.palette().color(QPalette.ColorRole.WindowText)
    return _render(tex.strip(), round(_font_px(font) * scale, 1), color.name(QColor.NameFormat.HexArgb),
                   round(dpr or _default_dpr(), 3), bool(pad))


def clear_cache() -> None:
    _render.cache_clear()


def _default_dpr() -> float:
    app = QGuiApplication.instance()
    screen = QGuiApplication.primaryScreen() if app is not None else None
    return float(screen.devicePixelRatio()) if screen is not None else 1.0


def _font_px(font: QFont) -> float:
    if font.pixelSize() > 0:
        return float(font.pixelSize())
    dpi = 96.0
    app = QGuiApplication.instance()
    screen = QGuiApplication.primaryScreen() if app is not None else None
    if screen is not None and screen.logicalDotsPerInchY() > 0:
        dpi = float(screen.logicalDotsPerInchY())
    size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
    return size * dpi / 72.0


# ------------------------------------------------------------------ HTML

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_SLOT = "\x00{}\x00"
_SLOT_RE = re.compile("\x00(\\d+)\x00")


def plain_text(text: str) -> str:
    """The readable plain-text version of ``text`` (math as Unicode, markup removed)."""
    return _plain_text(text, one_line=True)


def _inline(text: str, font: QFont, color: QColor, dpr: float, scale: float, pad: bool) -> str:
    """One line or paragraph: escaped text with markup, math as images."""
    slots: list[str] = []
    parts: list[str] = []
    text = text.replace("\x00", "")  # the slot marker below must not come from the text
    for piece, is_math in split_math(text):
        if not is_math:
            parts.append(unescape(piece))
            continue
        tex = piece[1:-1]
        image = render_math(tex, font, color, dpr, scale, pad)
        if image is None:  # shown as readable text rather than raw TeX
            slots.append(f"<i>{html.escape(math_to_text(tex))}</i>")
        else:
            alt = html.escape(math_to_text(tex), quote=True)
            slots.append(f'<img src="{image.uri}" width="{image.width:g}" '
                         f'height="{image.height:g}" alt="{alt}">')
        parts.append(_SLOT.format(len(slots) - 1))
    out = html.escape(" ".join("".join(parts).split("\n")), quote=False)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    out = _ITALIC.sub(r"<i>\1</i>", out)
    return _SLOT_RE.sub(lambda m: slots[int(m.group(1))], out)


def _context(palette: QPalette | None, font: QFont | None, color, dpr):
    font = QFont(font) if font is not None else QGuiApplication.font()
    if color is None:
        palette = palette or QGuiApplication.palette()
        color = palette.color(QPalette.ColorRole.WindowText)
    return font, QColor(color), float(dpr or _default_dpr())


def math_to_html(text: str, palette: QPalette | None = None, font: QFont | None = None, *,
                 dpr: float | None = None, color: QColor | str | None = None,
                 scale: float = 1.0, baseline_pad: bool = False) -> str:
    """Rich text for ``text``: paragraphs, bullets and markup, every ``$...$`` an image.

    ``palette`` (default: the application's) gives the colour of the math (its
    WindowText) unless ``color`` is given; ``font`` (default: the application's) its
    size, times ``scale``; ``dpr`` the device pixel ratio to draw at (default: the
    primary screen's). The text itself gets no colour or font of its own, so it takes
    the widget's. ``baseline_pad`` pads each image's depth (below the baseline) to whole
    logical pixels, for documents that align images by depth (:class:`MathLabel`). Each
    image's depth is in its URL (``data:image/png;depth=3;base64,...``). A QLabel stands
    every image on the text's baseline, so there math with a descender sits a little high.
    """
    font, color, dpr = _context(palette, font, color, dpr)
    pad = bool(baseline_pad)
    blocks = paragraphs(text) if text else []
    out: list[str] = []
    for block in blocks:
        lines = block.split("\n")
        bullets: list[str] = []
        prose: list[str] = []

        def flush_prose() -> None:
            if prose:
                out.append(f"<p>{_inline(chr(10).join(prose), font, color, dpr, scale, pad)}</p>")
                prose.clear()

        def flush_bullets() -> None:
            if bullets:
                items = "".join(f"<li>{_inline(b, font, color, dpr, scale, pad)}</li>" for b in bullets)
                out.append(f"<ul>{items}</ul>")
                bullets.clear()

        for line in lines:
            stripped = line.strip()
            if stripped.startswith("- "):
                flush_prose()
                bullets.append(stripped[2:])
            elif bullets and line[:1].isspace():  # a bullet continued on the next line
                bullets[-1] += "\n" + stripped
            else:
                flush_bullets()
                prose.append(line)
        flush_prose()
        flush_bullets()
    return "".join(out)


def formula_html(tex: str, palette: QPalette | None = None, font: QFont | None = None, *,
                 dpr: float | None = None, color: QColor | str | None = None,
                 scale: float = DISPLAY_SCALE, max_width: float | None = None) -> str:
    """A display formula (TeX without dollars) as a centred, larger image.

    ``max_width`` (logical pixels) shrinks an image that would not fit.
    """
    font, color, dpr = _context(palette, font, color, dpr)
    image = render_math(tex, font, color, dpr, scale)
    if image is None:
        return f'<p align="center"><i>{html.escape(math_to_text(tex))}</i></p>'
    factor = 1.0
    if max_width and image.width > max_width > 0:
        factor = max_width / image.width
    alt = html.escape(math_to_text(tex), quote=True)
    return (f'<p align="center"><img src="{image.uri}" width="{image.width * factor:g}" '
            f'height="{image.height * factor:g}" alt="{alt}"></p>')


# ------------------------------------------------------------------ widget


class MathLabel(QTextBrowser):
    """A read-only paragraph (or a few) with inline math; wraps and fits its height.

    ``MathLabel(text)``; :meth:`setText` replaces the text; :meth:`text` returns it as
    given; :meth:`html` is what is displayed. ``display=True`` treats the text as one
    display formula (TeX without dollars), centred and larger. ``scale`` enlarges the
    whole label's font (e.g. 1.15 for a question's prompt). Text is selectable with the
    mouse (and the keyboard once clicked); the wheel scrolls the page around it.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, *, display: bool = False,
                 scale: float = 1.0, role: QPalette.ColorRole = QPalette.ColorRole.WindowText,
                 align: Qt.AlignmentFlag | None = None):
        super().__init__(parent)
        self._source = ""
        self._display = display
        self._scale = scale
        self._role = role
        self._align = align
        self._html = ""
        self._rendered_for: tuple | None = None
        self._natural_width = 0.0
        self._fit_height = 0
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setReadOnly(True)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setUndoRedoEnabled(False)
        self.setTabChangesFocus(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        self.setAutoFillBackground(False)
        self.viewport().setAutoFillBackground(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().setDocumentMargin(1)
        self.document().setIndentWidth(18)  # bullets: a small indent, not Qt's 40 px
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        if scale != 1.0:
            self._apply_scale()
        self.setText(text)

    # -------------------------------------------------------------- public

    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming)
        if (text or "") == getattr(self, "_source", None) and getattr(self, "_html", None) is not None:
            return  # the same text again (a live preview re-shows most of its labels): nothing to do
        self._source = text or ""
        self.setAccessibleName(plain_text(self._source) if not self._display
                               else math_to_text(self._source))
        self._render(force=True)

    def text(self) -> str:
        """The text as given (with its ``$...$``)."""
        return self._source

    def html(self) -> str:
        """The rich text shown (math as images: no raw TeX)."""
        return self._html

    def plainText(self) -> str:  # noqa: N802 (Qt naming)
        return self.accessibleName()

    # -------------------------------------------------------------- drawing

    def _apply_scale(self) -> None:
        font = QFont(self.font())
        base = QFont(self.parentWidget().font() if self.parentWidget() else QGuiApplication.font())
        if base.pointSizeF() > 0:
            font.setPointSizeF(base.pointSizeF() * self._scale)
        elif base.pixelSize() > 0:
            font.setPixelSize(max(1, round(base.pixelSize() * self._scale)))
        self.setFont(font)

    def _key(self) -> tuple:
        return (self._source, self.palette().color(self._role).rgba(), self.font().key(),
                round(self.devicePixelRatioF(), 3), self._max_width_bucket())

    def _max_width_bucket(self) -> int:
        if not self._display:
            return 0
        avail = self.viewport().width() - 2 * self.document().documentMargin() - 2
        return int(avail) if 0 < avail < self._natural_width else 0

    def _render(self, force: bool = False) -> None:
        key = self._key()
        if not force and key == self._rendered_for:
            return
        color = self.palette().color(self._role)
        dpr = self.devicePixelRatioF()
        if self._display:
            image = render_math(self._source, self.font(), color, dpr, DISPLAY_SCALE)
            self._natural_width = image.width if image is not None else 0.0
            body = formula_html(self._source, font=self.font(), color=color, dpr=dpr,
                                max_width=self._max_width_bucket() or None)
        else:
            body = math_to_html(self._source, font=self.font(), color=color, dpr=dpr,
                                baseline_pad=True)
        if self._align is not None and not self._display:
            where = {Qt.AlignmentFlag.AlignHCenter: "center", Qt.AlignmentFlag.AlignRight: "right"}
            side = where.get(self._align)
            if side:
                body = body.replace("<p>", f'<p align="{side}">')
        # paragraphs: no extra space before the first or after the last
        self._html = (f'<div style="color:{color.name()}">{body}</div>' if body else "")
        self._rendered_for = self._key()
        bar = self.verticalScrollBar()
        self.setHtml(self._html)
        self._align_images()
        bar.setValue(0)
        self._fit()

    def _align_images(self) -> None:
        """Each formula's baseline on the text's baseline.

        Qt stands a baseline-aligned image on the *descent of the image's own font*, so
        each image gets a font whose descent equals the image's depth.
        """
        doc = self.document()
        cursor = QTextCursor(doc)
        block = doc.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                if frag.isValid() and frag.charFormat().isImageFormat():
                    image_fmt = frag.charFormat().toImageFormat()
                    m = _DEPTH_RE.match(image_fmt.name())
                    if m:
                        image_fmt.setVerticalAlignment(QTextCharFormat.VerticalAlignment.AlignBaseline)
                        image_fmt.setFont(_font_with_descent(self.font(), float(m.group(1))))
                        cursor.setPosition(frag.position())
                        cursor.setPosition(frag.position() + frag.length(), QTextCursor.MoveMode.KeepAnchor)
                        cursor.setCharFormat(image_fmt)
                it += 1
            block = block.next()
        # the first and last paragraphs need no outer margins inside a label
        first = doc.begin()
        last = doc.lastBlock()
        for blk, top in ((first, True), (last, False)):
            if blk.isValid():
                fmt = blk.blockFormat()
                if top:
                    fmt.setTopMargin(0)
                else:
                    fmt.setBottomMargin(0)
                c = QTextCursor(blk)
                c.setBlockFormat(fmt)

    def _fit(self, *_args) -> None:
        height = math.ceil(self.document().size().height()) + 2 * self.frameWidth()
        if self._source == "":
            height = 0
        if height != self._fit_height:
            self._fit_height = height
            self.setFixedHeight(height)
            self.updateGeometry()

    # -------------------------------------------------------------- Qt

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        width = math.ceil(self.document().idealWidth()) + 2 * self.frameWidth() + 2
        return QSize(min(max(width, 40), 640), self._fit_height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(40, self._fit_height)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        kind = event.type()
        if kind in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._render()
        elif kind == QEvent.Type.FontChange:
            self._render()

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        result = super().event(event)
        if kind in _DPR_EVENTS:
            self._render()
        return result

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._render()  # the pixel ratio of the screen it is shown on

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if self._display:
            self._render()  # shrink (or restore) a formula wider than the label
        self._fit()

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt API)
        event.ignore()  # nothing to scroll here: let the page scroll


_DEPTH_RE = re.compile(r"data:image/png;depth=([0-9.]+);")
_DESCENT_FONTS: dict[tuple[str, float], QFont] = {}


def _font_with_descent(base: QFont, depth: float) -> QFont:
    """A font like ``base`` whose descent is ``depth`` logical pixels, as near as can be."""
    key = (base.family(), round(depth, 2))
    font = _DESCENT_FONTS.get(key)
    if font is None:
        best, best_err = QFont(base), None
        for px in range(1, 400):
            candidate = QFont(base)
            candidate.setPixelSize(px)
            got = QFontMetricsF(candidate).descent()
            err = abs(got - depth)
            if best_err is None or err < best_err:
                best, best_err = candidate, err
            if got >= depth:
                break
        font = _DESCENT_FONTS[key] = best
    return font


_DPR_EVENTS = {QEvent.Type.ScreenChangeInternal}
if hasattr(QEvent.Type, "DevicePixelRatioChange"):  # Qt 6.6+
    _DPR_EVENTS.add(QEvent.Type.DevicePixelRatioChange)
