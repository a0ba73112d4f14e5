"""Writing items into TOML files: new files, insert, replace and delete keep the rest intact."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.bank import load_bank
from quizapp.bank.tomlwrite import (
    TomlWriteError, delete_item, document_text, item_text, item_to_table, new_file, save_item,
)

from tests.bank.test_gift_helpers import ROUNDTRIP_BANK

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

EDITED = '''# Header comment that must survive.
topic = "demo"
title = "Demo"
format = 1

# ---- first section
[[item]]
id = "demo.one"   # the first item
category = "concept"
# a note inside item one
prompt = "One?"
explanation = "Because."

[item.answer]
kind = "true_false"   # kind comment
value = true

# ---- second section: introduces item two
[[item]]
id = "demo.two"
category = "definition"
prompt = "Two?"
explanation = "Yes."

[item.answer]
kind = "choice"
choices = ["a", "b"]
correct = 2

# trailing comment at the end of the file
'''


def _table(item_id: str = "demo.new", **extra) -> dict:
    t = {"id": item_id, "category": "concept", "prompt": "New?", "explanation": "It is {answer}.",
         "answer": {"kind": "true_false", "value": False}}
    t.update(extra)
    return t


@pytest.fixture
def demo(tmp_path) -> Path:
    path = tmp_path / "demo.toml"
    path.write_text(EDITED, encoding="utf-8")
    return path


def test_new_file_then_items(tmp_path):
    path = tmp_path / "fresh.toml"
    new_file(path, "fresh", "Fresh questions")
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert doc == {"topic": "fresh", "title": "Fresh questions", "format": 1}
    save_item(path, _table("fresh.a"))
    save_item(path, _table("fresh.b", tags=["x"]))
    bank = load_bank([path])
    assert bank.errors == [] and list(bank.items) == ["fresh.a", "fresh.b"]
    assert bank.items["fresh.b"].tags == ("x",)
    with pytest.raises(TomlWriteError, match="exists"):
        new_file(path, "fresh", "Again")
    with pytest.raises(TomlWriteError, match="lowercase"):
        new_file(tmp_path / "bad.toml", "Bad Topic", "x")


def test_append_keeps_everything_before(demo):
    save_item(demo, _table())
    text = demo.read_text(encoding="utf-8")
    assert text.startswith(EDITED.rstrip("\n"))
    assert list(load_bank([demo]).items) == ["demo.one", "demo.two", "demo.new"]


def test_replace_keeps_other_items_and_comments(demo):
    table = {"id": "demo.one", "category": "concept", "prompt": "One, edited?", "explanation": "Because.",
             "answer": {"kind": "true_false", "value": True}}
    save_item(demo, table, replace_id="demo.one")
    text = demo.read_text(encoding="utf-8")
    assert 'prompt = "One, edited?"' in text
    for keep in ("# Header comment that must survive.", "# ---- first section", '# the first item',
                 "# a note inside item one", "# kind comment", "# ---- second section: introduces item two",
                 "# trailing comment at the end of the file"):
        assert keep in text, keep
    assert text.split("# ---- second section")[1] == EDITED.split("# ---- second section")[1]
    bank = load_bank([demo])
    assert bank.errors == [] and list(bank.items) == ["demo.one", "demo.two"]


def test_replace_can_rename_and_change_kind(demo):
    save_item(demo, _table("demo.renamed", answer={"kind": "numeric", "value": 0.5,
                                                   "tolerance": {"absolute": 0.01}}), "demo.two")
    bank = load_bank([demo])
    assert list(bank.items) == ["demo.one", "demo.renamed"]
    assert bank.items["demo.renamed"].kind == "numeric"
    assert "# trailing comment at the end of the file" in demo.read_text(encoding="utf-8")


def test_refusals_leave_the_file_alone(demo):
    with pytest.raises(TomlWriteError, match="already used"):
        save_item(demo, _table("demo.two"))
    with pytest.raises(TomlWriteError, match="already used"):
        save_item(demo, _table("demo.two"), replace_id="demo.one")
    with pytest.raises(TomlWriteError, match="no item"):
        save_item(demo, _table("demo.x"), replace_id="demo.missing")
    with pytest.raises(TomlWriteError, match="no item"):
        delete_item(demo, "demo.missing")
    with pytest.raises(TomlWriteError, match="needs an id"):
        save_item(demo, {"prompt": "no id"})
    assert demo.read_text(encoding="utf-8") == EDITED


def test_invalid_toml_is_not_touched(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("topic = \n[[item]]\n", encoding="utf-8")
    with pytest.raises(TomlWriteError, match="not valid TOML"):
        save_item(path, _table())
    assert path.read_text(encoding="utf-8") == "topic = \n[[item]]\n"


def test_delete_keeps_comments(demo):
    delete_item(demo, "demo.one")
    text = demo.read_text(encoding="utf-8")
    assert "demo.one" not in text
    assert "# ---- first section" in text and "# ---- second section: introduces item two" in text
    assert "\n\n\n" not in text
    assert list(load_bank([demo]).items) == ["demo.two"]
    delete_item(demo, "demo.two")
    assert load_bank([demo]).items == {}
    assert "# trailing comment at the end of the file" in demo.read_text(encoding="utf-8")


def test_crlf_files_stay_crlf(tmp_path):
    path = tmp_path / "crlf.toml"
    path.write_bytes(EDITED.replace("\n", "\r\n").encode("utf-8"))
    save_item(path, _table("demo.one", prompt="Changed?"), replace_id="demo.one")
    save_item(path, _table())
    data = path.read_bytes()
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")
    assert list(load_bank([path]).items) == ["demo.one", "demo.two", "demo.new"]


def test_item_header_inside_a_string_falls_back_safely(tmp_path):
    path = tmp_path / "tricky.toml"
    path.write_text('topic = "t"\n\n[[item]]\nid = "t.a"\ncategory = "concept"\n'
                    'prompt = """A string that holds\n[[item]]\non a line."""\nexplanation = "x"\n\n'
                    '[item.answer]\nkind = "true_false"\nvalue = true\n\n'
                    '[[item]]\nid = "t.b"\ncategory = "concept"\nprompt = "B"\nexplanation = "y"\n\n'
                    '[item.answer]\nkind = "true_false"\nvalue = false\n', encoding="utf-8")
    save_item(path, _table("t.b", prompt="B edited"), replace_id="t.b")
    bank = load_bank([path])
    assert bank.errors == []
    assert bank.items["t.a"].prompt.text == "A string that holds\n[[item]]\non a line."
    assert bank.items["t.b"].prompt.text == "B edited"


def test_saving_every_shipped_item_unchanged_changes_no_byte(tmp_path):
    from quizapp.resources import bank_dir

    files = sorted(Path(bank_dir()).glob("*.toml"))
    assert files
    for src in files:
        dst = tmp_path / src.name
        shutil.copy(src, dst)
        bank = load_bank([dst])
        topic = tomllib.loads(src.read_text(encoding="utf-8")).get("topic")
        for item in bank.items.values():
            save_item(dst, item_to_table(item, topic), replace_id=item.id)
        assert dst.read_bytes() == src.read_bytes(), src.name


def test_item_to_table_round_trips_every_kind(tmp_path):
    bank = load_bank([ROUNDTRIP_BANK])
    path = tmp_path / "copy.toml"
    new_file(path, "exchange", "Copy")
    for item in bank.items.values():
        save_item(path, item_to_table(item, "exchange"))
    copy = load_bank([path])
    assert copy.errors == []
    assert list(copy.items) == list(bank.items)
    for item_id, item in bank.items.items():
        for seed in (0, 1, 7):
            assert copy.instance(item_id, seed).to_json() == bank.instance(item_id, seed).to_json()


def test_document_text_and_item_text():
    text = document_text("t", "Title", [_table("t.a"), _table("t.b")], header="line one\n\nline two")
    assert text.startswith("# line one\n#\n# line two\n")
    assert tomllib.loads(text)["item"][1]["id"] == "t.b"
    block = item_text(_table("t.c", params={}, preset=None))
    assert "[item.params]" not in block and "preset" not in block
    assert block.startswith("[[item]]\nid = \"t.c\"\n")
    with pytest.raises(TomlWriteError):
        item_text(_table(answer={"kind": "numeric", "value": float("nan")}))


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompt=texts, choice=texts)
def test_any_text_survives_a_save(tmp_path_factory, prompt, choice):
    path = tmp_path_factory.mktemp("h") / "h.toml"
    new_file(path, "h", "H")
    table = {"id": "h.a", "category": "choice", "prompt": prompt, "explanation": "x",
             "answer": {"kind": "choice", "choices": [choice, choice + " (other)"], "correct": 1}}
    save_item(path, table)
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert doc["item"][0]["prompt"] == prompt
    assert doc["item"][0]["answer"]["choices"][0] == choice
    save_item(path, dict(table, prompt=prompt + "!"), replace_id="h.a")
    assert tomllib.loads(path.read_text(encoding="utf-8"))["item"][0]["prompt"] == prompt + "!"


def test_check_item_table_reports_like_bank_check():
    from quizapp.bank.tomlwrite import check_item_table

    assert check_item_table(_table("t.ok"), topic="t") == []
    problems = check_item_table(_table("t.bad", category="nonsense"), topic="t")
    assert [p.field for p in problems if p.severity == "error"] == ["category"]
    assert problems[0].line == 3          # [[item]] is line 1 of the item text, id 2, category 3
    problems = check_item_table(_table("t.nan", answer={"kind": "numeric", "value": float("inf")}))
    assert problems and problems[0].severity == "error"
