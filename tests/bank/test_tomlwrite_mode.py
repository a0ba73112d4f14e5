"""Files written by the bank's TOML writer get the usual mode (issue 12, 10)."""
from __future__ import annotations

import os
import stat

import pytest

from quizapp.bank.tomlwrite import new_file


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_follows_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = tmp_path / "topic.toml"
        new_file(path, "topic", "A topic")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_rewriting_keeps_the_files_own_mode(tmp_path):
    path = tmp_path / "topic.toml"
    new_file(path, "topic", "A topic")
    os.chmod(path, 0o640)
    from quizapp.bank import tomlwrite

    tomlwrite._write(path, path.read_text(encoding="utf-8") + "\n# more\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_topic_titles_and_item_prompts_read_only_what_they_need(tmp_path):
    """Issue 12 (9, 11): topic titles from the file headers; a question's text by its id."""
    from quizapp.bank.loader import item_prompts, topic_titles

    shipped = topic_titles()
    assert shipped["adamw"] == "AdamW and decoupled weight decay" and len(shipped) >= 14
    prompts = item_prompts(["adamw.decoupled-meaning", "adam.bias-correction", "gone.item"])
    assert "*decoupled*" in prompts["adamw.decoupled-meaning"]
    assert "{beta}" not in prompts["adam.bias-correction"] and "…" in prompts["adam.bias-correction"]
    assert "gone.item" not in prompts
    (tmp_path / "bad.toml").write_text('topic = "bad"\n[[item]\n', encoding="utf-8")
    assert item_prompts(["bad.x"], [tmp_path]) == {}
    assert topic_titles([tmp_path]) == {"bad": "Bad"}
