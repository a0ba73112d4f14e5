"""The shared math renderer: ``$...$`` drawn as images (never raw TeX), in the palette's
colour, at the device pixel ratio, on the text's baseline; robust to any input."""
from __future__ import annotations

import base64
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor, QFont, QImage, QPalette

from quizapp.ui.shared import mathtext
from quizapp.ui.shared.mathtext import MathLabel, formula_html, math_to_html, plain_text, render_math


def images(html: str) -> list[QImage]:
    out = []
    for data in re.findall(r'src="data:image/png;[^,"]*base64,([^"]+)"', html):
        image = QImage()
        assert image.loadFromData(base64.b64decode(data), "PNG")
        out.append(image)
    return out


def test_math_becomes_images_and_text_stays_text(qapp):
    html = math_to_html(r"The rate $\eta$ times $g_1$ is **small**, *very* and `lr` costs \$5.")
    assert "$5" in html and "\\$" not in html  # an escaped dollar is a dollar
    assert "$" not in html.replace("$5", "")
    assert html.count("<img") == 2 and len(images(html)) == 2
    assert "<b>small</b>" in html and "<i>very</i>" in html and "<code>lr</code>" in html
    assert "\\eta" not in html and "g_1" not in html


def test_paragraphs_and_bullets(qapp):
    html = math_to_html("First $x$.\n\n- one $a$\n- two\n\nLast line\ncontinues.")
    assert html.count("<p>") == 2 and html.count("<li>") == 2 and "<ul>" in html
    assert "Last line continues." in html  # a single line break is a space


def test_html_in_the_text_is_shown_not_interpreted(qapp):
    html = math_to_html('<img src="file:///etc/passwd"> & <b>x</b> $a<b$')
    assert "&lt;img" in html and "&amp;" in html and "&lt;b&gt;x" in html
    tags = re.findall(r'<img src="([^"]+)"', html)
    assert len(tags) == 1 and tags[0].startswith("data:image/png;")  # only the rendered math


@pytest.mark.parametrize("tex", [r"\nosuchcommand{x}", "{" * 40 + "x" + "}" * 40, "x" * 600,
                                 r"\frac{", "^^"])
def test_math_that_cannot_be_drawn_is_readable_text(qapp, tex):
    html = math_to_html(f"before ${tex}$ after")
    assert "<img" not in html and "<i>" in html
    assert "$" not in html


def test_plain_text_for_screen_readers(qapp):
    assert plain_text(r"Set $\eta = 10^{-3}$ and **go**") == "Set η = 10⁻³ and go"
    label = MathLabel(r"With $\beta_1 = 0.9$ *here*")
    assert label.accessibleName() == "With β₁ = 0.9 here"
    assert label.text() == r"With $\beta_1 = 0.9$ *here*"


def test_colour_follows_the_palette(qapp):
    light = QPalette()
    light.setColor(QPalette.ColorRole.WindowText, QColor("#102030"))
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#f0e0d0"))

    def ink(html):
        image = images(html)[0].convertToFormat(QImage.Format.Format_ARGB32)
        best = max(((image.pixelColor(x, y).alpha(), x, y) for x in range(image.width())
                    for y in range(image.height())))
        return image.pixelColor(best[1], best[2]).name()

    assert ink(math_to_html("$x$", light)) == "#102030"
    assert ink(math_to_html("$x$", dark)) == "#f0e0d0"


def test_drawn_at_the_device_pixel_ratio_and_cached(qapp):
    font = QFont(qapp.font())
    one = render_math(r"\theta_t", font, "#000000", dpr=1.0)
    two = render_math(r"\theta_t", font, "#000000", dpr=2.0)
    assert abs(one.height - two.height) <= 2.5 and abs(one.width - two.width) <= 2.5  # same logical size
    (img1,), (img2,) = images(f'<img src="{one.uri}">'), images(f'<img src="{two.uri}">')
    assert img2.height() == pytest.approx(2 * two.height) and img2.width() == pytest.approx(2 * two.width)
    assert img1.height() == pytest.approx(one.height)
    assert render_math(r"\theta_t", font, "#000000", dpr=2.0) is two  # cached
    big = render_math(r"\theta_t", font, "#000000", dpr=1.0, scale=1.3)
    assert big.height > one.height


def test_display_formula_is_centred_and_shrinks_to_fit(qapp):
    html = formula_html(r"v \leftarrow \beta v + (1 - \beta) g")
    assert html.startswith('<p align="center"><img') and "$" not in html
    width = float(re.search(r'width="([0-9.]+)"', html).group(1))
    narrow = formula_html(r"v \leftarrow \beta v + (1 - \beta) g", max_width=width / 2)
    assert float(re.search(r'width="([0-9.]+)"', narrow).group(1)) == pytest.approx(width / 2)


def _ink_rows(image: QImage, x0: int, x1: int) -> tuple[int, int]:
    ys = [y for y in range(image.height()) for x in range(x0, x1)
          if image.pixelColor(x, y).lightness() < 110]
    return min(ys), max(ys)


def _segments(image: QImage) -> list[tuple[int, int]]:
    cols = [x for x in range(image.width())
            if any(image.pixelColor(x, y).lightness() < 110 for y in range(image.height()))]
    segs, start, prev = [], cols[0], cols[0]
    for x in cols[1:]:
        if x > prev + 2:
            segs.append((start, prev))
            start = x
        prev = x
    segs.append((start, prev))
    return segs


@pytest.mark.parametrize("hanging", ["", "g", r"\beta", "v_0", r"\frac{1}{2}", r"-(1 - \beta)^2 g"])
def test_formulas_sit_on_the_text_baseline(qtbot, hanging):
    # an x in the math must sit exactly where the text's x sits, however far the rest
    # of the formula hangs below the baseline
    tex = rf"x \quad {hanging}" if hanging else "x"
    label = MathLabel(f"x ${tex}$ x")
    qtbot.addWidget(label)
    label.setStyleSheet("background: white; color: black")
    label.resize(300, 80)
    label.show()
    qtbot.waitExposed(label)
    image = label.viewport().grab().toImage()
    segs = _segments(image)
    assert len(segs) >= 3
    text_x = _ink_rows(image, segs[0][0], segs[0][1] + 1)
    math_x = _ink_rows(image, segs[1][0], segs[1][1] + 1)
    last_x = _ink_rows(image, segs[-1][0], segs[-1][1] + 1)
    assert text_x == last_x
    assert abs(math_x[1] - text_x[1]) <= 1  # the same baseline
    assert abs(math_x[0] - text_x[0]) <= 1  # and the same size


def test_label_fits_its_height_and_redraws_for_the_palette(qtbot):
    label = MathLabel(r"A long paragraph with $\eta$ " * 20)
    qtbot.addWidget(label)
    label.resize(600, 10)
    label.show()
    qtbot.waitExposed(label)
    wide = label.height()
    label.resize(250, label.height())
    qtbot.waitUntil(lambda: label.height() > wide * 1.5, timeout=2000)
    before = label.html()
    palette = QPalette(label.palette())
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#ff8800"))
    label.setPalette(palette)
    assert label.html() != before and "color:#ff8800" in label.html()
    label.setText("")
    assert label.height() == 0 and label.html() == ""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list("ab $\\{}^_*`<>&\n-") + ["\\frac", "\\eta", "$$"]),
                max_size=40).map("".join))
def test_any_text_renders_without_error(qapp, text):
    html = math_to_html(text)
    assert isinstance(html, str)
    assert "<script" not in html
    plain_text(text)


def test_cache_can_be_cleared(qapp):
    render_math("y", dpr=1.0)
    assert mathtext._render.cache_info().currsize > 0
    mathtext.clear_cache()
    assert mathtext._render.cache_info().currsize == 0


def test_crisp_and_on_the_baseline_at_200_percent(tmp_path):
    """The same checks in a fresh process at QT_SCALE_FACTOR=2 (set before Qt starts)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = r'''
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["QT_SCALE_FACTOR"] = "2"
from PySide6.QtWidgets import QApplication
app = QApplication([])
from quizapp.ui.shared.mathtext import MathLabel
label = MathLabel(r"x $x \quad v_0$ x")
label.setStyleSheet("background: white; color: black")
label.resize(300, 80)
label.show()
app.processEvents()
image = label.viewport().grab().toImage()
print(label.devicePixelRatioF(), image.width(), label.viewport().width())
cols = [x for x in range(image.width())
        if any(image.pixelColor(x, y).lightness() < 110 for y in range(image.height()))]
segs, start, prev = [], cols[0], cols[0]
for x in cols[1:]:
    if x > prev + 2:
        segs.append((start, prev)); start = x
    prev = x
segs.append((start, prev))
def rows(s):
    ys = [y for y in range(image.height()) for x in range(s[0], s[1] + 1)
          if image.pixelColor(x, y).lightness() < 110]
    return min(ys), max(ys)
print(repr((rows(segs[-1]), rows(segs[1]))))
'''
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "QT_SCALE_FACTOR"}
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.strip().splitlines()[-2:]
    dpr, grabbed, logical = first.split()
    assert float(dpr) == 2.0 and int(grabbed) == 2 * int(logical)  # drawn with device pixels
    import ast

    text_x, math_x = ast.literal_eval(second)
    assert math_x[1] == text_x[1]  # the same baseline, to the device pixel
    assert abs(text_x[0] - math_x[0]) <= 1


def test_control_characters_in_the_text_cannot_confuse_the_renderer(qapp):
    html = math_to_html("a \x000\x00 b $x$ \x0099\x00")
    assert html.count("<img") == 1 and "a 0 b" in html
