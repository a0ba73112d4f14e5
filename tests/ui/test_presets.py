"""The chapter's stories as data: every preset loads, and every caption's claims hold."""
from __future__ import annotations

import numpy as np
import pytest

from quizapp import presets
from quizapp.presets import PresetError

IDS = ["valley-race", "lr-too-large", "lr-too-small", "adagrad-vs-rmsprop", "adam-warmup",
       "noisy-minibatches", "clipping-rescue", "nesterov-lookahead"]


def test_every_story_of_the_chapter_has_a_preset():
    loaded = presets.load()
    assert list(loaded) == IDS
    for preset in loaded.values():
        assert preset.caption.count(".") >= 3, preset.id  # a paragraph, not a label
        assert 1 <= len(preset.lanes) <= 8


@pytest.mark.parametrize("preset_id", IDS)
def test_each_preset_tells_a_true_story(preset_id):
    preset = presets.get(preset_id)
    results = presets.verify(preset)
    assert len(results) >= 2, "a story needs checks that can fail"
    failed = [f"{check.kind}: {message}" for check, ok, message in results if not ok]
    assert not failed, failed


def test_story_checks_can_fail():
    # swap the lanes of a "beats" check: the same evaluation must now say no
    preset = presets.get("adagrad-vs-rmsprop")
    runs = {lane.label: presets.run_lane(preset, lane) for lane in preset.lanes}
    check = presets.Check("beats", "AdaGrad", "RMSProp", factor=1.0)
    ok, message = presets.evaluate(preset, check, runs)
    assert not ok and "AdaGrad" in message
    ok, _ = presets.evaluate(preset, presets.Check("diverges", "AdaGrad"), runs)
    assert not ok


def test_lane_config_has_the_notebook_shape():
    preset = presets.get("noisy-minibatches")
    config = preset.config(preset.lanes[0])
    assert set(config) == {"surface", "surface_options", "optimizer", "hyper", "schedule",
                           "clip_norm", "noise", "seed", "start", "steps"}
    assert config["surface_options"]["batch_size"] == 2
    warm = presets.get("adam-warmup")
    assert warm.config(warm.lane("Adam + warmup"))["schedule"]["name"] == "linear"


def test_preset_topics_are_chapter_topics():
    learn = pytest.importorskip("quizapp.learn")
    for preset in presets.load().values():
        assert preset.topic in learn.KNOWN_TOPICS, preset.id


BASE = """
[[preset]]
id = "p"
title = "t"
caption = "c"
surface = "valley"
[[preset.lane]]
label = "a"
optimizer = "sgd"
hyper = { lr = 0.1 }
"""


@pytest.mark.parametrize("extra, message", [
    ('colour = "red"\n', "unknown field 'colour'"),
    ('[[preset.lane]]\nlabel = "b"\noptimizer = "sgd"\nhyper = { lr = -1 }\n', "lr must be > 0"),
    ('[[preset.lane]]\nlabel = "b"\noptimizer = "nope"\n', "Unknown optimizer"),
    ('[[preset.check]]\nkind = "beats"\nlane = "a"\nother = "zz"\n', "no lane labelled 'zz'"),
    ('[[preset.check]]\nkind = "sparkles"\nlane = "a"\n', "kind must be one of"),
    ('[[preset.lane]]\nlabel = "a"\noptimizer = "adam"\n', "lane labels must differ"),
])
def test_bad_preset_files_name_the_preset_and_field(extra, message):
    with pytest.raises(PresetError, match="'p'") as err:
        presets.parse(BASE + extra)
    assert message in str(err.value)


def test_broken_toml_says_where():
    with pytest.raises(PresetError, match="line"):
        presets.parse("[[preset]\nid = 1", "mine.toml")


def test_run_lane_matches_the_engine():
    from quizapp import optim

    preset = presets.get("clipping-rescue")
    lane = preset.lane("clip at 100")
    run = presets.run_lane(preset, lane)
    direct = optim.simulate("rosenbrock", "sgd", steps=300, start=(-1.5, 2.0),
                            hyper={"lr": 0.003}, clip_norm=100.0)
    np.testing.assert_array_equal(run.path, direct.path)
