"""The Learn page: sections with their math drawn, "Try it" and "Practice it" links,
and the reading position that survives a restart."""
from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QColor, QPalette

from quizapp.learn import load_chapter


@pytest.fixture(scope="module")
def chapter():
    return load_chapter()


@pytest.fixture
def learn(qtbot, ctx, chapter):
    from quizapp.ui.learn.page import LearnPage

    page = LearnPage(ctx, sections=chapter)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_every_section_is_listed_and_its_math_drawn(learn, chapter):
    assert learn.section_list.count() == len(chapter) == 10
    assert learn.current.id == chapter[0].id
    for section in chapter[:4]:
        learn.show_section(section.id)
        assert learn.title.text() == section.title
        assert len(learn.blocks) == len(section.paragraphs())
        for block, label in zip(section.paragraphs(), learn.blocks):
            html = label.html()
            assert "$" not in html.replace("\\$", "")  # no raw TeX anywhere
            assert "\\" not in re.sub(r'src="[^"]*"', "", html)
            assert html.count("<img") == sum(1 for _ in re.finditer(r"(?<!\\)\$[^$]+\$", block))
            assert "$" not in label.accessibleName() and label.accessibleName()
        assert [f.text() for f in learn.formula_labels] == list(section.formulas)
        for f in learn.formula_labels:
            assert "<img" in f.html() and 'align="center"' in f.html()
        assert learn.key_point_label.html().count("<li>") == len(section.key_points)


def test_display_formulas_are_larger_than_inline_math(learn):
    learn.show_section("momentum")
    sizes = [float(h) for h in re.findall(r'height="([0-9.]+)"', learn.blocks[1].html())]
    big = [float(h) for h in re.findall(r'height="([0-9.]+)"', learn.formula_labels[1].html())]
    assert sizes and big and big[0] > max(s for s in sizes if s < 20)  # theta <- theta - eta v


def test_try_it_opens_the_sections_preset(qtbot, learn, ctx, chapter):
    learn.show_section("momentum")
    assert learn.try_button.isEnabled() and "Narrow valley" in learn.try_button.text()
    with qtbot.waitSignal(ctx.navigateRequested, timeout=1000) as blocker:
        learn.try_button.click()
    assert blocker.args == ["simulator", {"preset": "valley-race"}]
    no_preset = next(s for s in chapter if s.try_preset is None)
    learn.show_section(no_preset.id)
    assert not learn.try_button.isEnabled() and not learn.act_try.isEnabled()


def test_practice_it_asks_for_a_short_session_on_the_sections_topics(qtbot, learn, ctx):
    learn.show_section("nesterov")
    with qtbot.waitSignal(ctx.navigateRequested, timeout=1000) as blocker:
        learn.practice_button.click()
    assert blocker.args == ["practice", {"topics": ["nesterov", "momentum"], "length": 5, "mode": "mixed"}]


def test_links_open_the_right_page_preset_and_session(qtbot, window):
    window.show_page("learn")
    learn = window.pages["learn"]
    learn.show_section("clipping")
    learn.try_it()
    assert window.current_page() == "simulator"
    assert window.pages["simulator"].state.preset == "clipping-rescue"
    window.show_page("learn")
    learn.practice_it()
    assert window.current_page() == "practice"
    practice = window.pages["practice"]
    qtbot.waitUntil(lambda: practice.session is not None, timeout=10000)  # after the bank loads
    assert practice.current_view() == "question"
    assert practice.session.opts.topics == ["clipping", "debugging"]
    assert practice.session.total == 5
    assert practice.session.item(practice.instance.item_id).topic in ("clipping", "debugging")


def test_keyboard_moves_between_sections(qtbot, learn):
    learn.show_section("momentum")
    learn.act_next.trigger()
    assert learn.current.id == "nesterov" and learn.section_list.currentRow() == 2
    learn.act_prev.trigger()
    learn.act_prev.trigger()
    assert learn.current.id == "gradient-descent"
    assert not learn.prev_button.isEnabled() and not learn.act_prev.isEnabled()
    learn.section_list.setCurrentRow(9)
    assert learn.current.id == "lab-notebook" and not learn.next_button.isEnabled()
    for w in (learn.section_list, learn.prev_button, learn.next_button, learn.try_button,
              learn.practice_button, learn.scroll):
        assert w.accessibleName()


def test_reading_position_survives_a_restart(qtbot, ctx, chapter, learn):
    from quizapp.ui.learn.page import LearnPage
    from quizapp.ui.shared.settings import open_settings

    learn.resize(900, 420)  # short, so the section scrolls
    learn.show_section("adaptive")
    bar = learn.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 100, timeout=3000)
    bar.setValue(bar.maximum() // 2)
    fraction = learn.scroll_fraction()
    assert 0.3 < fraction < 0.7
    settings = open_settings()
    settings.beginGroup("pages/learn")
    learn.save_settings(settings)
    settings.endGroup()

    again = LearnPage(ctx, sections=chapter)
    qtbot.addWidget(again)
    again.resize(900, 420)
    settings.beginGroup("pages/learn")
    again.restore_settings(settings)
    settings.endGroup()
    again.show()
    qtbot.waitExposed(again)
    assert again.current.id == "adaptive" and again.section_list.currentRow() == 3
    bar2 = again.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar2.maximum() > 100 and abs(again.scroll_fraction() - fraction) < 0.05,
                    timeout=3000)
    # within one run each section also keeps its own place
    again.show_section("momentum")
    again.show_section("adaptive")
    qtbot.waitUntil(lambda: abs(again.scroll_fraction() - fraction) < 0.05, timeout=3000)


def test_math_follows_a_dark_palette(qtbot, learn):
    learn.show_section("momentum")
    label = learn.blocks[1]
    before = label.html()
    assert "color:#e6e6e6" not in before
    dark = QPalette(learn.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e6e6e6"))
    learn.setPalette(dark)
    assert "color:#e6e6e6" in label.html()
    assert label.html() != before  # the images were drawn again, light on dark
    assert "color:#e6e6e6" in learn.formula_labels[0].html()


def test_a_broken_chapter_is_reported_on_the_page(qtbot, ctx, tmp_path, monkeypatch):
    from quizapp.ui.learn import page as learn_page

    def broken(*_a, **_k):
        raise ValueError("chapter.toml: section 'x': field 'body': missing")

    monkeypatch.setattr(learn_page.learn, "load_chapter", broken)
    page = learn_page.LearnPage(ctx)
    qtbot.addWidget(page)
    assert page.sections == [] and "could not be loaded" in page.title.text()
    assert "field 'body': missing" in page.blocks[0].text()
    assert not page.try_button.isEnabled() and not page.practice_button.isEnabled()
    assert not page.next_button.isEnabled() and not page.prev_button.isEnabled()


def test_every_control_has_an_accessible_name(learn):
    from PySide6.QtWidgets import QAbstractButton, QListWidget, QScrollArea

    for w in learn.findChildren(QAbstractButton) + learn.findChildren(QListWidget):
        assert w.accessibleName(), w
    named = [w for w in learn.findChildren(QScrollArea) if w.accessibleName()]
    assert learn.scroll in named


def test_a_section_chosen_from_the_keyboard_is_built_over_a_few_turns(qtbot, learn, chapter):
    """Alt+Down shows the next section's title and buttons at once and adds its text and
    formulas a few per event-loop turn (each formula drawn is a slice), until all are there."""
    learn.show_section(chapter[1].id)
    learn.act_next.trigger()
    section = chapter[2]
    assert learn.current.id == section.id and learn.title.text() == section.title
    assert learn.rendering and len(learn.blocks) < len(section.paragraphs())
    qtbot.waitUntil(lambda: not learn.rendering, timeout=5000)
    assert len(learn.blocks) == len(section.paragraphs())
    assert [f.text() for f in learn.formula_labels] == list(section.formulas)
    assert learn.key_point_label.html().count("<li>") == len(section.key_points)
