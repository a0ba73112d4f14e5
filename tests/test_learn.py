"""The Learn page's chapter loads, is complete, and its math renders; split_math round-trips."""
import io
import re
import sys
import textwrap

import pytest
from hypothesis import given, strategies as st

from quizapp.learn import (KNOWN_PRESETS, KNOWN_TOPICS, Section, load_chapter, math_spans,
                           paragraphs, split_math, unescape)

EXPECTED_IDS = [
    "gradient-descent", "momentum", "nesterov", "adaptive", "adamw", "schedules",
    "clipping", "generalization", "tuning", "lab-notebook",
]


@pytest.fixture(scope="module")
def chapter():
    return load_chapter()


# ------------------------------------------------------------------ shipped chapter

def test_shipped_chapter_has_the_ten_sections_in_order(chapter):
    assert [s.id for s in chapter] == EXPECTED_IDS
    assert all(isinstance(s, Section) for s in chapter)


def test_every_section_is_complete(chapter):
    for s in chapter:
        assert s.title and s.body, s.id
        assert 3 <= len(s.key_points) <= 5, s.id
        assert all("\n" not in k for k in s.key_points), f"{s.id}: key points are one line"
        words = len(s.body.split())
        assert 150 <= words <= 350, f"{s.id}: body has {words} words"
        assert s.practice_topics, f"{s.id}: no practice topic"
        assert set(s.practice_topics) <= set(KNOWN_TOPICS)
        assert s.try_preset is None or s.try_preset in KNOWN_PRESETS


def test_backslashes_stay_single(chapter):
    # literal strings keep "\theta"; a basic string would have turned "\t" into a tab
    text = "".join(s.body + "".join(s.formulas) + "".join(s.key_points) for s in chapter)
    assert "\\theta" in text and "\t" not in text and "\\\\" not in text


def test_every_dollar_pairs_up(chapter):
    for s in chapter:
        for block in [s.title, *paragraphs(s.body), *s.key_points]:
            unescaped = re.sub(r"\\\$", "", block)
            assert unescaped.count("$") % 2 == 0, f"{s.id}: {block[:60]!r}"
        assert all("$" not in f for f in s.formulas), s.id


def test_key_facts_are_stated(chapter):
    by_id = {s.id: s for s in chapter}
    assert r"v \leftarrow \beta v + (1 - \beta) g" in by_id["momentum"].body
    assert "PyTorch" in by_id["momentum"].body and "starts at the first gradient" in by_id["momentum"].body
    assert r"\hat{m} = m / (1 - \beta_1^t)" in by_id["adaptive"].body
    assert r"\theta \leftarrow \theta (1 - \eta \cdot \mathrm{wd})" in by_id["adamw"].body
    assert "10^{-6}" in by_id["clipping"].body
    assert "optimizer, lr, batch_size, weight_decay, seed, scheduler" in by_id["lab-notebook"].body


def test_every_formula_renders_with_mathtext(chapter):
    mathtext = pytest.importorskip("matplotlib.mathtext")
    formulas = []
    for s in chapter:
        for text in [s.title, s.body, *s.key_points]:
            formulas += [(s.id, tex) for tex in math_spans(text)]
        formulas += [(s.id, tex) for tex in s.formulas]
    assert len(formulas) > 50
    for sid, tex in formulas:
        try:
            mathtext.math_to_image(f"${tex}$", io.BytesIO(), format="png")
        except Exception as exc:  # noqa: BLE001 - report which formula failed
            pytest.fail(f"{sid}: {tex!r} does not render: {type(exc).__name__}: {exc}")


def test_try_presets_exist_in_the_shipped_presets(chapter):
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    from quizapp.resources import assets_dir
    presets_file = assets_dir() / "presets.toml"
    shipped = {p["id"] for p in tomllib.loads(presets_file.read_text(encoding="utf-8"))["preset"]}
    used = {s.try_preset for s in chapter if s.try_preset}
    assert used <= shipped, used - shipped
    assert set(KNOWN_PRESETS) <= shipped, set(KNOWN_PRESETS) - shipped


def test_loading_does_not_import_gui_libraries():
    import subprocess
    import sys
    code = ("import sys; from quizapp.learn import load_chapter; load_chapter(); "
            "print(','.join(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ------------------------------------------------------------------ validation

GOOD = """
[[section]]
id = "a"
title = "A"
body = '''One $x$ paragraph.'''
practice_topics = ["sgd"]
key_points = ["k1", "k2", "k3"]
"""


def _write(tmp_path, text):
    p = tmp_path / "chapter.toml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_minimal_chapter_loads_with_defaults(tmp_path):
    (s,) = load_chapter(_write(tmp_path, GOOD))
    assert s == Section("a", "A", "One $x$ paragraph.", (), None, ("sgd",), ("k1", "k2", "k3"))


@pytest.mark.parametrize("change, field", [
    (lambda t: t.replace('title = "A"\n', ""), "title"),
    (lambda t: t.replace('key_points = ["k1", "k2", "k3"]\n', ""), "key_points"),
    (lambda t: t + 'try_preset = "moon-landing"\n', "try_preset"),
    (lambda t: t.replace('["sgd"]', '["sgd", "quantum"]'), "practice_topics"),
    (lambda t: t.replace("One $x$ paragraph.", "One $x paragraph."), "body"),
    (lambda t: t.replace('key_points = ["k1", "k2", "k3"]', 'key_points = []'), "key_points"),
    (lambda t: t + 'formulas = ["$x$"]\n', "formulas"),
    (lambda t: t + 'colour = "red"\n', "colour"),
    (lambda t: t.replace('body = ', 'body = 3 #'), "body"),
])
def test_bad_section_names_section_and_field(tmp_path, change, field):
    with pytest.raises(ValueError) as err:
        load_chapter(_write(tmp_path, change(GOOD)))
    assert "'a'" in str(err.value) and f"'{field}'" in str(err.value)


def test_duplicate_id_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"section 'a': field 'id': duplicate"):
        load_chapter(_write(tmp_path, GOOD + GOOD))


def test_missing_id_names_the_position(tmp_path):
    with pytest.raises(ValueError, match=r"section #1: field 'id': missing"):
        load_chapter(_write(tmp_path, GOOD.replace('id = "a"\n', "")))


@pytest.mark.parametrize("text, message", [
    ("", "no \\[\\[section\\]\\]"),
    ("title = 'x'\n" + GOOD, "unknown top-level"),
    ("[[section]\n", "invalid TOML"),
])
def test_bad_file(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_chapter(_write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        load_chapter(tmp_path / "nope.toml")


# ------------------------------------------------------------------ split_math

@pytest.mark.parametrize("text, expected", [
    ("", []),
    ("plain", [("plain", False)]),
    ("a $x$ b", [("a ", False), ("$x$", True), (" b", False)]),
    ("$x$$y$", [("$x$", True), ("$y$", True)]),
    (r"costs \$5 and $\eta$", [(r"costs \$5 and ", False), (r"$\eta$", True)]),
    (r"$a \$ b$", [(r"$a \$ b$", True)]),
    ("a $x", [("a $x", False)]),
    ("a $$ b", [("a $$ b", False)]),
    ("$x$ and $y", [("$x$", True), (" and $y", False)]),
])
def test_split_math_examples(text, expected):
    assert split_math(text) == expected


def test_unescape_and_math_spans():
    assert unescape(r"costs \$5") == "costs $5"
    assert math_spans("a $x$\n\nb $y^2$ c") == ["x", "y^2"]
    # math does not run across a paragraph break
    assert math_spans("a $x\n\ny$ b") == []


math_text = st.text(alphabet=st.sampled_from(list("ab $\\\n{}^_")), max_size=40)


@given(math_text)
def test_split_math_pieces_rejoin_to_the_original(text):
    pieces = split_math(text)
    assert "".join(p for p, _ in pieces) == text
    assert all(p for p, _ in pieces)
    assert not any(not a[1] and not b[1] for a, b in zip(pieces, pieces[1:]))


@given(math_text)
def test_split_math_pieces_are_well_formed(text):
    pieces = split_math(text)
    for piece, is_math in pieces:
        if is_math:
            assert len(piece) >= 3 and piece[0] == piece[-1] == "$"
            inner = piece[1:-1]
            assert "$" not in re.sub(r"\\\$", "", inner) and not inner.endswith("\\")
    # text keeps only skipped empty "$$" pairs, plus at most one unpaired "$" at the very end
    leftovers = [re.sub(r"\$\$", "", re.sub(r"\\\$", "", p)).count("$") if not m else 0
                 for p, m in pieces]
    assert all(n == 0 for n in leftovers[:-1])
    assert not leftovers or leftovers[-1] <= 1
