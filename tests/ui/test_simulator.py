"""The simulator page, driven through its widgets and methods (pytest-qt, offscreen)."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from quizapp import optim, presets
from quizapp.ui.simulator import model as sim_model


def type_into(field, text: str) -> None:
    """Type like a user: textEdited fires (setText alone does not)."""
    field.setFocus()
    field.selectAll()
    field.del_()
    for ch in text:
        field.insert(ch)
        field.textEdited.emit(field.text())


def mouse(canvas, kind: str, x: float, y: float, button=1) -> None:
    px, py = canvas.ax.transData.transform((x, y))
    MouseEvent(kind, canvas, px, py, button=button)._process()


def test_starts_with_the_valley_race(page):
    assert page.state.preset == "valley-race"
    assert [lane.label for lane in page.state.lanes] == ["SGD", "Momentum", "Adam"]
    assert all(run is not None for run in page.runs)
    assert "Narrow valley" in page.caption.text()


def test_click_places_the_start_and_drag_moves_it(page, qtbot):
    canvas = page.canvas
    mouse(canvas, "button_press_event", 4.0, -2.0)
    page.flush()
    assert page.state.start == pytest.approx((4.0, -2.0), abs=1e-6)
    assert page.runs[0].path[0] == pytest.approx([4.0, -2.0], abs=1e-6)
    assert page.surface_panel.start_x.text() == "4"
    # press on the marker and drag it
    mouse(canvas, "button_press_event", 4.0, -2.0)
    mouse(canvas, "motion_notify_event", 1.0, 1.5)
    mouse(canvas, "button_release_event", 1.0, 1.5)
    page.flush()
    assert page.state.start == pytest.approx((1.0, 1.5), abs=1e-6)
    for run in page.runs:
        assert run.path[0] == pytest.approx([1.0, 1.5], abs=1e-6)


def test_typed_start_point(page):
    type_into(page.surface_panel.start_x, "-5")
    type_into(page.surface_panel.start_y, "2.5")
    page.flush()
    assert page.runs[1].path[0] == pytest.approx([-5.0, 2.5])


def settle(page, qtbot) -> None:
    """Wait until the lanes computed off the GUI thread have arrived and are drawn."""
    qtbot.waitUntil(lambda: not page.busy and not page._pending, timeout=10000)


def test_add_duplicate_remove_optimizers(page, qtbot):
    page.add_lane("rmsprop")
    assert [lane.optimizer for lane in page.state.lanes] == ["sgd", "momentum", "adam", "rmsprop"]
    colors = [lane.color for lane in page.state.lanes]
    assert len(set(colors)) == 4
    assert page.current == 3 and page.editor.optimizer.currentData() == "rmsprop"
    assert set(page.editor.hyper_fields) == set(optim.defaults("rmsprop"))
    settle(page, qtbot)  # the new lane is computed on a worker
    assert page.runs[3] is not None
    page.duplicate_lane()
    assert len(page.state.lanes) == 5
    copy = page.state.lanes[4]
    assert copy.hyper == page.state.lanes[3].hyper and copy.color not in colors
    assert "copy" in copy.label
    page.remove_lane()
    page.remove_lane()
    assert [lane.optimizer for lane in page.state.lanes] == ["sgd", "momentum", "adam"]
    assert page.lane_list.list.count() == 3
    for _ in range(10):
        page.add_lane("sgd")
    assert len(page.state.lanes) == sim_model.MAX_LANES
    assert not page.lane_list.add_button.isEnabled()


def test_hyper_parameter_controls_have_tooltips_and_defaults(page):
    page.lane_list.list.setCurrentRow(2)  # Adam
    fields = page.editor.hyper_fields
    assert fields["beta2"].text() == "0.999"
    assert fields["beta1"].toolTip() == optim.HYPER_HELP["beta1"]
    assert fields["amsgrad"].isChecked() is False
    assert fields["lr"].text() == "0.5"


def test_changing_the_optimizer_keeps_shared_knobs(page):
    page.editor.optimizer.setCurrentIndex(page.editor.optimizer.findData("nesterov"))
    page.flush()
    lane = page.state.lanes[0]
    assert lane.optimizer == "nesterov" and lane.hyper["lr"] == 0.95
    assert lane.hyper["momentum"] == 0.9 and lane.label == "Nesterov"
    assert page.runs[0] is not None


def test_lr_slider_is_logarithmic(page):
    slider = page.editor.lr_slider
    assert slider.to_value(0) == pytest.approx(1e-6)
    assert slider.to_value(slider.maximum()) == pytest.approx(10.0)
    assert slider.to_value(slider.maximum() // 2) == pytest.approx(10 ** -2.5, rel=0.01)
    slider.setValue(500)  # 10^(-6 + 7*5/7) = 0.1
    slider.sliderMoved.emit(500)
    page.flush()
    assert page.state.lanes[0].lr == pytest.approx(0.1)
    assert page.editor.lr_field.text() == "0.1"


def test_stepping_and_playing(page, qtbot):
    assert page.step == 0
    page.single_step()
    page.single_step()
    assert page.step == 2
    head = page.canvas._lane_artists[0].head.get_data()
    assert (head[0][0], head[1][0]) == pytest.approx(tuple(page.runs[0].path[2]))
    page.speed_slider.setValue(page.speed_slider.maximum())
    page.play()
    assert page.playing
    qtbot.waitUntil(lambda: not page.playing, timeout=5000)
    assert page.step == page.state.steps
    page.reset()
    assert page.step == 0
    page.run_to_end()
    assert page.step == 80


def test_space_on_a_focused_button_presses_that_button_and_never_recurses(page, qtbot):
    """Space with Reset focused used to bounce between the shortcut and the button until a
    RecursionError; now it presses Reset, and a focused combo box opens instead."""
    page.show()
    page.single_step()
    page.single_step()
    assert page.step == 2
    page.reset_button.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.step == 0, timeout=2000)  # animateClick presses it a moment later
    assert not page.playing
    page.canvas.setFocus()
    qtbot.keyClick(page.canvas, Qt.Key.Key_Space)
    assert page.playing
    page.toggle_play()


def test_keyboard_shortcuts_drive_playback(page, qtbot):
    page.canvas.setFocus()
    qtbot.keyClick(page.canvas, Qt.Key.Key_Right)
    qtbot.keyClick(page.canvas, Qt.Key.Key_Period)
    assert page.step == 2
    qtbot.keyClick(page.canvas, Qt.Key.Key_End)
    assert page.step == page.state.steps
    qtbot.keyClick(page.canvas, Qt.Key.Key_R)
    assert page.step == 0
    qtbot.keyClick(page.canvas, Qt.Key.Key_Space)
    assert page.playing
    qtbot.keyClick(page.canvas, Qt.Key.Key_Space)
    assert not page.playing
    # typing in a field is never taken for a shortcut
    field = page.editor.label_edit
    field.setFocus()
    qtbot.keyClicks(field, "r .")
    assert field.text().endswith("r .") and page.step == 0


def test_a_frame_is_blitted_not_redrawn(page, monkeypatch):
    page.run_to_end()
    calls = {"draw": 0, "blit": 0}
    canvas = page.canvas
    real_draw, real_blit = canvas.draw, canvas.blit
    monkeypatch.setattr(canvas, "draw", lambda *a: (calls.__setitem__("draw", calls["draw"] + 1), real_draw(*a)))
    monkeypatch.setattr(canvas, "blit", lambda *a: (calls.__setitem__("blit", calls["blit"] + 1), real_blit(*a)))
    for step in range(10):
        page.set_step(step)
    assert calls == {"draw": 0, "blit": 10}


@pytest.mark.parametrize("preset_id", list(presets.load()))
def test_each_preset_loads_and_replays_its_story(page, qtbot, preset_id):
    preset = presets.get(preset_id)
    page.load_preset(preset_id)
    assert page.state.preset == preset_id and page.step == 0
    assert [lane.label for lane in page.state.lanes] == [lane.label for lane in preset.lanes]
    assert preset.title in page.caption.text()
    settle(page, qtbot)  # the lanes arrive from a worker thread
    for lane, run in zip(preset.lanes, page.runs):
        np.testing.assert_array_equal(run.path, presets.run_lane(preset, lane).path)
    page.run_to_end()
    diverges = [c.lane for c in preset.checks if c.kind == "diverges"]
    for label in diverges:
        i = [lane.label for lane in page.state.lanes].index(label)
        arts = page.canvas._lane_artists[i]
        assert arts.div_map.get_visible() and "diverged at step" in arts.div_text.get_text()
        assert f"{label} diverged at step" in page.status.text()
    if not diverges:
        assert page.last_error is None


def test_presets_from_the_menu_and_alt_keys(page):
    titles = [a.text() for a in page.preset_actions]
    assert titles == [p.title for p in presets.load().values()]
    assert page.preset_actions[4].shortcut() == QKeySequence("Alt+5")
    page.preset_actions[4].trigger()
    assert page.state.preset == "adam-warmup"


def test_invalid_value_is_marked_and_the_run_waits(page):
    before = page.runs[0]
    field = page.editor.lr_field
    type_into(field, "-0.5")
    page.flush()
    assert field.error and "lr must be > 0" in field.error
    assert "border" in field.styleSheet()
    assert field.toolTip() == field.error
    assert page.editor.message.isVisibleTo(page) and "lr must be > 0" in page.editor.message.text()
    assert page.runs[0] is before and page.state.lanes[0].lr == 0.95
    assert "(invalid)" in page.lane_list.list.item(0).text()
    assert "Waiting" in page.status.text()
    # playing now records nothing for the broken lane and does not crash
    type_into(field, "abc")
    assert "not a number" in field.error
    type_into(field, "0.2")
    page.flush()
    assert field.error is None and page.state.lanes[0].lr == 0.2
    assert page.runs[0] is not before and page.runs[0].lr[0] == 0.2
    assert not page.editor.message.isVisibleTo(page)


def test_engine_rules_are_marked_at_the_field(page):
    editor = page.editor
    editor.hyper_fields["nesterov"].setChecked(True)  # SGD with momentum 0: torch refuses
    assert "nesterov" in editor.errors
    assert "momentum > 0" in editor.message.text()
    type_into(editor.hyper_fields["momentum"], "0.9")
    page.flush()
    assert editor.errors == {} and page.state.lanes[0].hyper["nesterov"] is True


def test_schedule_with_preview_and_warmup(page):
    editor = page.editor
    assert editor.preview is None or not editor.preview.isVisible()  # constant: nothing to preview
    editor.schedule.setCurrentIndex(editor.schedule.findData("warmup_cosine"))
    page.flush()
    lane = page.state.lanes[0]
    assert lane.schedule["name"] == "warmup_cosine"
    assert set(editor.sched_fields) == {"warmup_steps", "total_steps", "eta_min", "start_factor"}
    type_into(editor.sched_fields["warmup_steps"], "20")
    page.flush()
    assert editor.preview.isVisible()
    xs, ys = editor.preview.line.get_data()  # as a multiple of the peak rate
    assert len(ys) == 80 and ys[0] == 0.0 and ys[20] == pytest.approx(1.0)
    np.testing.assert_allclose(page.runs[0].lr, 0.95 * ys)
    type_into(editor.sched_fields["warmup_steps"], "200")  # must stay below total_steps
    assert "total_steps" in " ".join(editor.errors.values()) or editor.errors


def test_clipping_and_noise(page):
    editor = page.editor
    editor.clip_check.setChecked(True)
    type_into(editor.clip_field, "0.5")
    type_into(editor.noise_field, "0.3")
    page.flush()
    lane = page.state.lanes[0]
    assert lane.clip_norm == 0.5 and lane.noise == 0.3
    grads = page.runs[0].states["grad"]
    assert np.all(np.hypot(grads[:, 0], grads[:, 1]) <= 0.5 + 1e-9)
    type_into(editor.noise_field, "-1")
    assert editor.noise_field.error


def test_regression_batch_size_and_steps_per_epoch(page):
    page.load_preset("noisy-minibatches")
    editor = page.editor
    assert editor.batch.isVisibleTo(page)
    assert editor.epoch_label.text() == "= 32 steps / epoch"
    type_into(editor.batch, "16")
    page.flush()
    assert editor.epoch_label.text() == "= 4 steps / epoch"
    assert page.state.lanes[0].batch_size == 16
    type_into(editor.batch, "100")
    assert "between 1 and the 64 samples" in editor.batch.error
    page.load_preset("valley-race")
    assert not editor.batch.isVisibleTo(page)


def test_custom_formula_gives_feedback_as_typed(page, qtbot):
    panel = page.surface_panel
    panel.combo.setCurrentIndex(panel.combo.findData("custom"))
    assert panel.formula.isVisibleTo(page)
    type_into(panel.formula, "x^^2")
    assert "character" in panel.formula_feedback.text()
    assert panel.errors
    type_into(panel.formula, "(x-1)^2 + 2*(y+0.5)^2")
    assert panel.formula_feedback.text().startswith("OK")
    qtbot.waitUntil(lambda: page.canvas.surface is not None and page.canvas.surface.name == "custom",
                    timeout=3000)
    page.flush()
    page.run_to_end()
    assert page.state.surface == "custom" and page.runs[2] is not None
    assert page.runs[2].path[-1] == pytest.approx([1.0, -0.5], abs=0.05)


def test_surface_picker_offers_every_engine_surface(page):
    names = [page.surface_panel.combo.itemData(i) for i in range(page.surface_panel.combo.count())]
    assert names == list(optim.SURFACE_NAMES) + ["custom"]
    for name in ("rosenbrock", "saddle", "regression"):
        page.surface_panel.combo.setCurrentIndex(names.index(name))
        page.flush()
        assert page.canvas.surface.name == name
        assert all(r is not None for r in page.runs)


def test_divergence_never_crashes(page):
    type_into(page.editor.lr_field, "1000")  # SGD
    page.flush()
    page.surface_panel.combo.setCurrentIndex(page.surface_panel.combo.findData("goldstein_price"))
    page.flush()
    page.play()
    page.run_to_end()
    run = page.runs[0]
    assert run.diverged_at is not None and run.diverged_at <= 5
    assert "diverged at step" in page.state_panel.toPlainText()
    assert page.canvas._lane_artists[0].div_text.get_visible()
    text = page.canvas._lane_artists[0].div_text
    x0, x1, y0, y1 = page.canvas.view
    tx, ty = text.get_position()
    assert x0 <= tx <= x1 and y0 <= ty <= y1  # the label stays on the map
    page.reset()
    page.play()
    page.pause()


def test_state_panel_shows_the_update_in_the_chapters_notation(page):
    page.set_step(1)
    text = page.state_panel.toPlainText()
    for symbol in ("θ", "g", "Δθ", "η_eff", "m̂", "v̂"):
        assert symbol in text
    assert page.canvas.arrow_g.get_visible() and page.canvas.arrow_v.get_visible()


def test_every_played_race_goes_to_the_notebook(page, ctx):
    page.run_to_end()
    runs = ctx.store.runs(ctx.learner_id)
    assert len(runs) == 3 and len({r.group for r in runs}) == 1 and runs[0].group
    assert {r.config["optimizer"] for r in runs} == {"sgd", "momentum", "adam"}
    page.run_to_end()  # the same race again: not recorded twice
    assert len(ctx.store.runs(ctx.learner_id)) == 3
    page.load_preset("lr-too-large")
    page.play()
    page.pause()
    runs = ctx.store.runs(ctx.learner_id)
    assert len(runs) == 6
    assert runs[0].outcome["diverged_at"] == 71


def test_notebook_shows_what_changed_and_reloads(page, ctx, qtbot):
    page.load_preset("lr-too-small")
    page.run_to_end()
    panel = page.notebook_panel
    page.side_tabs.setCurrentWidget(panel)
    assert panel.table.rowCount() == 2
    panel.select_ids([1, 2])
    assert panel.diff.rowCount() == 1
    assert [panel.diff.item(0, c).text() for c in range(3)] == ["hyper.lr", "0.5", "0.01"]
    assert "one knob changed" in panel.diff_label.text()
    # reload run 2 alone: its config comes back exactly
    panel.select_ids([2])
    panel.load_selected()
    assert len(page.state.lanes) == 1
    assert sim_model.lane_config(page.state, page.state.lanes[0]) == ctx.store.get_run(2).config
    # and the race of run 1 brings both back
    panel.select_ids([1])
    panel.load_race()
    assert [lane.lr for lane in page.state.lanes] == [0.5, 0.01]
    page.play()  # replaying a reloaded race adds no duplicate rows
    page.pause()
    assert len(ctx.store.runs(ctx.learner_id)) == 2


def test_notebook_without_a_store_keeps_runs_in_memory(qtbot, tmp_path):
    from quizapp.ui.context import AppContext
    from quizapp.ui.simulator.page import SimulatorPage

    ctx = AppContext(store=None, reason="the file is from a newer quizapp")
    page = SimulatorPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.run_to_end()
    page.side_tabs.setCurrentWidget(page.notebook_panel)
    assert page.notebook_panel.table.rowCount() == 3
    assert "newer quizapp" in page.notebook_panel.status.text()


def test_lr_sweep_runs_every_lane_and_rate_in_one_loop(page, monkeypatch, qtbot):
    calls = []
    real = sim_model.iter_many

    def counting(many, *args, **kwargs):
        calls.append([(c["optimizer"], len(np.atleast_1d(c["hyper"]["lr"]))) for c in many])
        return real(many, *args, **kwargs)

    monkeypatch.setattr(sim_model, "iter_many", counting)
    page.show_sweep()
    # in slices between other events: the page says it is busy and offers to cancel meanwhile
    assert page.sweep_results is None and "Cancel" in page.sweep_button.text()
    qtbot.waitUntil(lambda: page.sweep_results is not None, timeout=10000)
    assert page.sweep_button.text() == "Run s&weep" and page.sweep_progress.isHidden()
    assert calls == [[("sgd", 40), ("momentum", 40), ("adam", 40)]]
    results = page.sweep_results
    sgd = results[0]
    assert sgd[4][-1] and not sgd[4][0]  # the largest rates diverge, the smallest do not
    # clicking a point loads that rate
    page.sweep_canvas.rateClicked.emit(1, 0.0123456)
    page.flush()
    assert page.state.lanes[1].lr == 0.01235 and page.current == 1
    assert page.runs[1].lr[0] == pytest.approx(0.01235)


def test_a_running_lr_sweep_can_be_cancelled(page, qtbot):
    type_into(page.surface_panel.steps, "5000")  # long enough to catch it running
    page.flush()
    page.show_sweep()
    qtbot.waitUntil(lambda: page.sweep_progress.value() > 0, timeout=5000)
    assert page.sweep_progress.isVisible() and page.sweep_results is None
    qtbot.mouseClick(page.sweep_button, Qt.MouseButton.LeftButton)  # the button cancels
    assert page.sweep_button.text() == "Run s&weep" and "cancelled" in page.status.text()
    qtbot.wait(300)  # nothing more runs, nothing reports
    assert page.sweep_results is None and page.sweep_progress.isHidden()


def test_3d_view_follows_the_race(page):
    page.set_step(30)
    page.tabs.setCurrentWidget(page.tab3d)
    assert page.view3d is not None and len(page.view3d._lines) == 3
    page.lane_list.list.item(0).setCheckState(Qt.CheckState.Unchecked)
    page.flush()
    assert len(page.view3d._lines) == 2


def test_export_trajectories_and_figure(page, tmp_path, monkeypatch):
    page.run_to_end()
    target = tmp_path / "out.csv"
    monkeypatch.setattr(type(page), "ask_save_path", classmethod(lambda cls, *a: str(target)))
    assert page.export_trajectories() == target
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 3 * 81 and rows[0]["label"] == "SGD"
    target = tmp_path / "out.json"
    page.export_trajectories()
    assert len(json.loads(target.read_text())["lanes"]) == 3
    target = tmp_path / "fig.png"
    assert page.export_figure() == target
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(target) as image:  # the trajectories are in the file, not only on screen
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    assert np.any(np.all(pixels == (0xE6, 0x9F, 0x00), axis=1))  # SGD's orange
    target = tmp_path / "fig2.png"
    page.toolbar.save_figure()  # the toolbar's save button takes the same path
    assert target.is_file()
    assert page.canvas.blitter.ready and all(a.get_animated() for a in page.canvas.blitter.artists)
    monkeypatch.setattr(type(page), "ask_save_path", classmethod(lambda cls, *a: None))
    assert page.export_trajectories() is None


def test_controls_have_accessible_names(page):
    from PySide6.QtWidgets import (
        QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QSlider,
    )

    kinds = (QLineEdit, QComboBox, QSlider, QAbstractSpinBox)
    widgets = [w for kind in kinds for w in page.findChildren(kind)]
    unnamed = [w for w in widgets if w.isVisibleTo(page) and not w.accessibleName()
               and not isinstance(w.parent(), (QComboBox, QAbstractSpinBox))]
    assert len(widgets) > 15 and unnamed == []
    buttons = [b for b in page.findChildren(QAbstractButton)
               if b.isVisibleTo(page) and not (b.accessibleName() or b.text() or b.toolTip())]
    assert buttons == []


def test_lane_colour_and_label(page, monkeypatch):
    monkeypatch.setattr(type(page.editor), "ask_color", classmethod(lambda cls, current, parent: "#123456"))
    page.editor.color_button.click()
    page.flush()
    assert page.state.lanes[0].color == "#123456"
    assert page.canvas._lane_artists[0].path.get_color() == "#123456"
    type_into(page.editor.label_edit, "plain SGD")
    page.flush()
    assert page.state.lanes[0].label == "plain SGD"
    assert page.lane_list.list.item(0).text().startswith("plain SGD")
    assert "plain SGD" in [t.get_text() for t in page.canvas.ax.get_legend().get_texts()]


# ---------------------------------------------------------------- issue 12 defects


def drawn_points(page, lane: int = 0) -> int:
    """How many points of a lane's trajectory the map shows."""
    return len(page.canvas._lane_artists[lane].path.get_xdata())


def test_a_new_race_is_drawn_at_step_0_after_a_finished_one(page, qtbot):
    qtbot.keyClick(page.canvas, Qt.Key.Key_End)
    assert page.step == page.state.steps and drawn_points(page) == page.state.steps + 1
    # a new race loaded the way another page does it (Learn's Try it, Practice's Show)
    sim_model._RUNS.clear()  # the new race is computed, not taken from an earlier test's cache
    page.open_with(preset="lr-too-large")
    assert page.busy  # its lanes are on a worker thread: nothing of the old race is drawn meanwhile
    assert page.step == 0 and "Step 0 of" in page.status.text()
    assert page.canvas.step == 0
    assert all(drawn_points(page, i) == 0 for i in range(len(page.state.lanes)))
    settle(page, qtbot)
    assert page.canvas.step == 0 and "Step 0 of" in page.status.text()
    assert drawn_points(page) == 1  # only the start, not the old run's 80 steps
    assert page.canvas.cursor.get_xdata()[0] == 0
    # switching to a custom formula after a finished race: map and status agree
    qtbot.keyClick(page.canvas, Qt.Key.Key_End)
    combo = page.surface_panel.combo
    combo.setCurrentIndex(combo.findData("custom"))
    page.flush()
    assert page.canvas.step == page.step
    assert f"Step {page.step} of" in page.status.text()
    assert drawn_points(page) == min(page.step, page.runs[0].steps) + 1


def test_run_to_the_end_key_and_button_record_the_race(page, ctx, qtbot):
    qtbot.keyClick(page.canvas, Qt.Key.Key_End)
    assert len(ctx.store.runs(ctx.learner_id)) == 3
    page.load_preset("lr-too-large")
    qtbot.mouseClick(page.end_button, Qt.MouseButton.LeftButton)
    runs = ctx.store.runs(ctx.learner_id)
    assert len(runs) == 6 and any(r.outcome["diverged_at"] is not None for r in runs)


def test_end_key_lets_the_brake_pedal_badge_see_a_diverged_run(page, ctx, qtbot):
    page.load_preset("lr-too-large")
    qtbot.keyClick(page.canvas, Qt.Key.Key_End)  # a diverged lane, recorded
    # tame it: every lane with a lower learning rate
    for row in range(len(page.state.lanes)):
        page.lane_list.list.setCurrentRow(row)
        type_into(page.editor.lr_field, "0.01")
    page.flush()
    qtbot.keyClick(page.canvas, Qt.Key.Key_End)
    statuses = {s.id: s for s in ctx.store.achievements(ctx.learner_id)}
    assert statuses["diverge-fix"].unlocked


def test_map_arrows_show_the_update_the_state_panel_shows(page):
    canvas = page.canvas
    page.set_step(0)
    assert not canvas.arrow_g.get_visible() and not canvas.arrow_v.get_visible()
    for step in (1, 5):
        page.set_step(step)
        run = page.runs[page.current]
        start, tip = (np.array(p) for p in canvas.arrow_v._posA_posB)
        assert start == pytest.approx(run.path[step - 1])  # where this update began
        taken = run.path[step] - run.path[step - 1]  # the Δθ of the state panel
        direction = (tip - start) / np.linalg.norm(tip - start)
        assert direction == pytest.approx(taken / np.linalg.norm(taken), abs=1e-6)
        g_start, g_tip = (np.array(p) for p in canvas.arrow_g._posA_posB)
        grad = run.states["grad"][step - 1]
        assert g_start == pytest.approx(run.path[step - 1])
        assert (g_tip - g_start) / np.linalg.norm(g_tip - g_start) == pytest.approx(
            -grad / np.linalg.norm(grad), abs=1e-6)
    assert "start where this update began" in page.state_panel.toPlainText()


def test_wheel_over_the_simulators_controls_scrolls_the_column(page, qtbot):
    """Issue 12 (4): the left column scrolls; optimizer, surface and spin boxes keep values."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox

    def wheel(widget, dy):
        local = QPointF(widget.width() / 2, widget.height() / 2)
        glob = QPointF(widget.mapToGlobal(local.toPoint()))
        QApplication.sendEvent(widget, QWheelEvent(
            local, glob, QPoint(0, 0), QPoint(0, dy), Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False))

    page.resize(1150, 420)
    qtbot.wait(20)
    page.canvas.setFocus()
    inner = page.left_scroll.widget()
    controls = [w for kind in (QComboBox, QAbstractSpinBox) for w in inner.findChildren(kind)
                if w.isVisible()]
    assert page.editor.optimizer in controls and page.surface_panel.combo in controls
    for w in controls:
        before = w.currentIndex() if isinstance(w, QComboBox) else w.text()
        for notch in (-120, 120):  # either way: one of them would move any value
            wheel(w, notch)
            after = w.currentIndex() if isinstance(w, QComboBox) else w.text()
            assert after == before, w.accessibleName()
    assert [lane.optimizer for lane in page.state.lanes] == ["sgd", "momentum", "adam"]


def test_notebook_delta_agrees_with_the_comparison(page, ctx, qtbot):
    """Issue 12 (6): re-running a race with one lane's rate changed is a one-knob change."""
    qtbot.keyClick(page.canvas, Qt.Key.Key_End)  # SGD, Momentum, Adam: runs 1-3
    page.lane_list.list.setCurrentRow(2)  # Adam
    type_into(page.editor.lr_field, "0.3")
    page.flush()
    qtbot.keyClick(page.canvas, Qt.Key.Key_End)  # runs 4-6
    panel = page.notebook_panel
    panel.refresh(force=True)
    rows = {int(panel.table.item(r, 0).text()): r for r in range(panel.table.rowCount())}
    delta = {run_id: panel.table.item(r, 4).text() for run_id, r in rows.items()}
    assert (delta[4], delta[5], delta[6]) == ("0", "0", "1")
    stored = {e.id: e.changed for e in ctx.notebook.runs()}
    assert (stored[4], stored[5], stored[6]) == (0, 0, 1)  # the badge counts the same thing
    assert "since run 3" in panel.table.item(rows[6], 4).toolTip()
    panel.select_ids([3, 6])
    assert "one knob changed" in panel.diff_label.text()
    assert panel.diff.rowCount() == 1 and panel.diff.item(0, 0).text() == "hyper.lr"


def test_race_day_counts_what_the_optimizers_box_says(page, ctx, qtbot):
    """Issue 12 (7): the lane box and the badge count the same thing (shown lanes)."""
    page.load_preset("lr-too-small")  # two SGD lanes
    page.flush()
    assert page.lanes_box.title() == "Optimizers: 2 in the race"
    qtbot.keyClick(page.canvas, Qt.Key.Key_End)
    race = {s.id: s for s in ctx.store.achievements(ctx.learner_id)}["race-3"]
    assert race.progress == 2 and race.detail == "at most 2 optimizers raced together"
    page.add_lane("sgd")  # a third lane of the same algorithm
    page.flush()
    assert page.lanes_box.title() == "Optimizers: 3 in the race"
    qtbot.keyClick(page.canvas, Qt.Key.Key_End)
    race = {s.id: s for s in ctx.store.achievements(ctx.learner_id)}["race-3"]
    assert race.unlocked


def texts_outside(canvas, margin: float = 1.0) -> list[str]:
    """The drawn texts of a canvas's figure (titles, axis labels, tick labels in view,
    annotations) that do not fit inside it."""
    from matplotlib.text import Text

    canvas.draw()
    renderer = canvas.get_renderer()
    fig = canvas.figure
    W, H = fig.bbox.width, fig.bbox.height
    texts = []
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            texts += [t for t in ax.texts]
            continue
        for axis in [ax.xaxis, ax.yaxis] + ([ax.zaxis] if hasattr(ax, "zaxis") else []):
            for tick in axis._update_ticks():  # only the ticks drawn (inside the view)
                texts += [tick.label1, tick.label2]
            texts.append(axis.label)
        texts += [ax.title, ax._left_title, ax._right_title] + list(ax.texts)
    out = []
    for text in texts:
        if not isinstance(text, Text) or not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < margin or box.y0 < margin or box.x1 > W - margin or box.y1 > H - margin:
            out.append(text.get_text())
    return out


@pytest.mark.parametrize("size", [(640, 480), (420, 360)])
def test_sweep_title_3d_labels_and_ticks_fit_their_figures(page, qtbot, size):
    """Issue 12 (8): no title, axis label or tick label runs off a figure's edge."""
    page.show_sweep()
    qtbot.waitUntil(lambda: page.sweep_results is not None, timeout=10000)  # a worker runs it
    page.sweep_canvas.resize(*size)
    qtbot.wait(20)
    assert texts_outside(page.sweep_canvas) == []
    assert "click a point to use its rate" in page.sweep_canvas.ax.get_title(loc="left").replace("\n", " ")
    page.tabs.setCurrentWidget(page.tab3d)
    page.view3d.resize(*size)
    qtbot.wait(20)
    assert texts_outside(page.view3d) == []
    page.tabs.setCurrentIndex(0)
    page.canvas.resize(*size)
    qtbot.wait(20)
    assert texts_outside(page.canvas) == []


def test_sweep_coordinate_readout_shows_numbers(page, qtbot):
    """Issue 12 (8): the toolbar's readout was "(x, y) = (, )" on the log-log sweep."""
    page.show_sweep()
    qtbot.waitUntil(lambda: page.sweep_results is not None, timeout=10000)
    ax = page.sweep_canvas.ax
    text = ax.format_coord(0.05, 0.002)
    assert "0.05" in text and "0.002" in text
    assert "0.5" in page.canvas.ax_loss.format_coord(10, 0.5)


def test_exported_png_has_a_margin_on_every_side(page, tmp_path, monkeypatch):
    """Issue 12 (8): the "10.0" tick label touched the exported picture's edge."""
    from PySide6.QtGui import QImage

    target = tmp_path / "race.png"
    monkeypatch.setattr(type(page), "ask_save_path", classmethod(lambda *a: str(target)))
    page.resize(1280, 800)
    page.run_to_end()
    assert page.export_figure() == target
    image = QImage(str(target))
    background = image.pixelColor(0, 0)
    w, h = image.width(), image.height()
    border = [(x, y) for x in range(w) for y in (0, 1, 2, h - 3, h - 2, h - 1)]
    border += [(x, y) for y in range(h) for x in (0, 1, 2, w - 3, w - 2, w - 1)]
    assert all(image.pixelColor(x, y) == background for x, y in border)


# ------------------------------------------------- big races stay responsive


def _big_race() -> sim_model.SimState:
    state = sim_model.SimState(surface="valley", start=(-9.0, 3.0), steps=1500)
    for i, (name, lr) in enumerate((("sgd", 0.05), ("momentum", 0.05), ("nesterov", 0.02),
                                    ("adagrad", 0.5), ("rmsprop", 0.05), ("adam", 0.3),
                                    ("adamw", 0.3), ("adam", 0.05))):
        state.lanes.append(sim_model.Lane(optimizer=name, color=sim_model.PALETTE[i], hyper={"lr": lr}))
    return state


def test_a_big_race_is_computed_in_slices_while_the_window_runs(page, qtbot, monkeypatch):
    """8 lanes x 1500 steps: loading returns at once, the work runs in many short turns
    of the event loop (a timer of the page keeps firing meanwhile), then every lane is
    drawn, each run exactly the engine's."""
    from quizapp.ui.simulator import page as page_module

    turns = []
    real_turn = page_module._Slices._turn

    def counting(self):
        turns.append(1)
        real_turn(self)

    monkeypatch.setattr(page_module._Slices, "_turn", counting)
    sim_model._RUNS.clear()
    ticks = []
    timer = page_module.QTimer(page, interval=1)
    timer.timeout.connect(lambda: ticks.append(page.busy))
    timer.start()
    page._load_state(_big_race(), reset_step=True)
    assert page.busy and all(run is None for run in page.runs)
    settle(page, qtbot)
    timer.stop()
    assert len(turns) > 3 and ticks.count(True) >= 3  # the loop ran between slices
    assert all(run is not None and run.steps == 1500 for run in page.runs)
    lane = page.state.lanes[5]
    direct = optim.simulate("valley", "adam", steps=1500, start=(-9.0, 3.0), hyper=lane.hyper,
                            record_state=True)
    np.testing.assert_array_equal(page.runs[5].path, direct.path)
    np.testing.assert_array_equal(page.runs[5].states["exp_avg"], direct.states["exp_avg"])
    assert page.canvas._ghosts[7].get_visible()  # every lane drawn (its faint preview)


def test_flush_finishes_the_work_at_once_and_a_newer_edit_drops_the_older(page, qtbot):
    sim_model._RUNS.clear()
    page._load_state(_big_race(), reset_step=True)
    assert page.busy
    page.flush()  # what play, step, export and the notebook do before they read the runs
    assert not page.busy and all(run is not None for run in page.runs)
    # an edit while lanes compute: the older work is dropped, the newest values win
    sim_model._RUNS.clear()
    page.lane_list.list.setCurrentRow(5)
    page.editor.set_lr(0.123)
    qtbot.waitUntil(lambda: page.busy, timeout=2000)
    page.editor.set_lr(0.0456)
    settle(page, qtbot)
    assert page.runs[5].lr[0] == pytest.approx(0.0456)
    assert "Computing" not in page.status.text()


def test_space_while_a_race_is_computing_plays_it(page, qtbot):
    sim_model._RUNS.clear()
    page.canvas.setFocus()
    page._load_state(_big_race(), reset_step=True)
    assert page.busy
    qtbot.keyClick(page.canvas, Qt.Key.Key_Space)
    assert page.playing and not page.busy and all(run is not None for run in page.runs)
    page.pause()


def test_loading_another_story_never_resizes_the_map(page, qtbot):
    """A resize redraws the whole map: the caption keeps the height of the longest story."""
    qtbot.wait(50)
    size = page.canvas.size()
    for preset_id in list(presets.load()) + [None]:
        if preset_id is None:
            combo = page.surface_panel.combo
            combo.setCurrentIndex(combo.findData("bowl") if combo.findData("bowl") >= 0 else 0)
        else:
            page.load_preset(preset_id)
        settle(page, qtbot)
        qtbot.wait(20)
        assert page.canvas.size() == size, preset_id
        assert page.caption.height() >= page.caption.heightForWidth(page.caption.width()) - 1


def test_finished_or_dropped_work_leaves_nothing_behind(page, qtbot):
    from quizapp.ui.simulator.page import _Slices

    page.lane_list.list.setCurrentRow(2)
    for k in range(12):  # edits: each starts work, the next drops it or it finishes
        page.editor.set_lr(0.01 + 0.001 * k)
        qtbot.wait(1)
    settle(page, qtbot)
    qtbot.wait(20)  # deleteLater runs on a later turn
    assert page.findChildren(_Slices) == []


def test_a_new_run_that_moves_only_the_loss_limits_redraws_the_loss_plot_alone(page, qtbot, monkeypatch):
    """Same pixels as a whole-figure draw, without redrawing the map."""
    canvas = page.canvas

    def pixels():
        return np.asarray(canvas.buffer_rgba()).copy()

    page.run_to_end()
    canvas.full_redraw()
    layered = pixels()
    canvas.draw()  # one plain figure draw (its draw_event puts the frame back on top)
    canvas.blitter.update()
    np.testing.assert_array_equal(layered, pixels())
    canvas.full_redraw()  # keeps the map-only picture again
    limits = canvas.ax_loss.get_ylim()
    draws = []
    monkeypatch.setattr(canvas.ax, "draw", lambda *a, **k: draws.append(1))  # the map must not be drawn
    page.lane_list.list.setCurrentRow(0)
    type_into(page.editor.lr_field, "1.5")  # SGD diverges: the loss plot needs other limits
    page.flush()
    assert canvas.ax_loss.get_ylim() != limits and draws == []
    partial = pixels()
    monkeypatch.undo()
    canvas.draw()
    canvas.blitter.update()
    np.testing.assert_array_equal(partial, pixels())
