"""The Learn page's Qt-free model: navigation, button texts, links, saved scroll."""
from __future__ import annotations

from quizapp import learn
from quizapp.ui.learn.model import PRACTICE_LENGTH, LearnModel


def model() -> LearnModel:
    return LearnModel(learn.load_chapter(), {"valley-race": "Narrow valley"})


def test_views_and_neighbours():
    m = model()
    first, last = m.sections[0], m.sections[-1]
    m.current = first
    assert m.neighbour(-1) is None and m.neighbour(1) == m.sections[1].id
    view = m.view(first)
    assert view.index == 0 and not view.has_prev and view.has_next
    assert not m.view(last).has_next
    with_preset = next(s for s in m.sections if s.try_preset == "valley-race")
    v = m.view(with_preset)
    assert v.try_enabled and v.try_text == "Try it: Narrow valley"
    assert v.practice_text == f"Practice it ({PRACTICE_LENGTH} questions)"


def test_links_say_where_to_go():
    m = model()
    m.current = next(s for s in m.sections if s.try_preset)
    assert m.try_request() == ("simulator", {"preset": m.current.try_preset})
    page, kwargs = m.practice_request()
    assert page == "practice" and kwargs["topics"] == list(m.current.practice_topics)


def test_saved_scroll_positions_are_checked():
    m = model()
    sid = m.sections[1].id
    m.restore_scroll(f'{{"{sid}": 0.5, "nope": 0.3, "{m.sections[0].id}": "x"}}')
    assert m.scroll == {sid: 0.5}
    m.restore_scroll("not json")
    m.restore_scroll('{"%s": 7}' % sid)
    assert m.scroll == {sid: 1.0}
    assert LearnModel(m.sections).restore_scroll(m.scroll_json()) is None


def test_the_lab_button_follows_the_section():
    m = model()
    with_lab = [s for s in m.sections if getattr(s, "try_lab", None)]
    without = [s for s in m.sections if not getattr(s, "try_lab", None)]
    if with_lab:
        m.current = with_lab[0]
        assert m.view(with_lab[0]).lab_enabled
        assert m.lab_request() == ("lab", {"preset": with_lab[0].try_lab})
    if without:
        m.current = without[0]
        assert not m.view(without[0]).lab_enabled and m.lab_request() is None
