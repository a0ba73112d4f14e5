"""The GIFT corpus: hand-written files, each with the results the reader must give."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from quizapp.bank import check_bank, load_text
from quizapp.bank.gift import import_gift, read_gift

from tests.bank.test_gift_helpers import CORPUS

FILES = sorted(CORPUS.glob("*.gift"))


def _expected(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def test_the_corpus_is_there():
    assert len(FILES) >= 7
    for f in FILES:
        assert f.with_suffix(".json").is_file(), f"{f.name} has no expected-results JSON"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_corpus_file(path: Path):
    exp = _expected(path)
    result = import_gift(path.read_text(encoding="utf-8"), default_topic=exp["default_topic"])
    assert len(result.items) == exp["imported"]
    assert [{"line": s.line, "type": s.type, "title": s.title} for s in result.skipped] == exp["skipped"]
    assert [{"line": n.line, "message": n.message} for n in result.notes] == exp["notes"]
    assert result.topics == exp["topics"]

    bank = load_text(result.toml(exp["default_topic"]), "<import>")
    assert bank.errors == []
    assert list(bank.items) == [e["id"] for e in exp["items"]]
    for e in exp["items"]:
        item = bank.items[e["id"]]
        inst = bank.instance(item.id, 0)
        assert item.topic == e["topic"]
        assert item.category == e["category"]
        assert item.difficulty == e["difficulty"]
        assert list(item.tags) == e["tags"]
        assert item.kind == e["kind"]
        assert inst.prompt == e["prompt"]
        assert inst.explanation == e["explanation"]
        if e["kind"] == "choice":
            assert [t.render({}) for t in item.answer.choices] == e["choices"]
            assert item.answer.correct == e["correct"]
        elif e["kind"] == "multiple":
            assert [t.render({}) for t in item.answer.choices] == e["choices"]
            assert list(item.answer.keys) == e["correct"]
        elif e["kind"] == "matching":
            assert [[l.render({}), r.render({})] for l, r in item.answer.pairs] == e["pairs"]
            assert [x.render({}) for x in item.answer.extras] == e["extras"]
        elif e["kind"] == "short":
            assert list(item.answer.accept) == e["accept"]
            assert list(item.answer.reject) == e["reject"] and item.answer.typos == e["typos"]
        elif e["kind"] == "numeric":
            assert math.isclose(inst.answer, e["value"], rel_tol=1e-12)
            assert item.answer.tolerance.to_json() == e["tolerance"]
            assert item.answer.display == e.get("display", ".4g")
        else:
            assert inst.answer is e["value"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_corpus_output_passes_bank_check(path: Path):
    result = import_gift(path.read_text(encoding="utf-8"), default_topic=path.stem)
    bank = load_text(result.toml(path.stem), "<import>")
    assert [p for p in check_bank(bank, draws=5) if p.severity == "error"] == []
    assert [t["id"] for t in result.items] == list(bank.items)


def test_unsupported_types_are_listed_by_type():
    result = read_gift((CORPUS / "unsupported.gift").read_text(encoding="utf-8"), "unsupported")
    by_type = result.skipped_by_type()
    for kind in ("essay", "short answer", "description", "multiple response"):
        assert by_type.get(kind, 0) >= 1, kind
    assert result.summary().startswith("imported 1; skipped 10 (essay: 1, short answer: 1")


def test_every_construct_of_the_issue_is_in_the_corpus():
    text = "\n".join(f.read_text(encoding="utf-8") for f in FILES)
    for construct in ("{T}", "{TRUE", "{F", "{#", "..", "=%50%", "$CATEGORY:", "::", "// [id:",
                      "[tag:", "\\=", "\\#", "\\{", "\\}", "\\:", "\\~", "\\n", "[html]", "[moodle]",
                      "[markdown]", "[plain]", "{}", "->", "~%50%", "####"):
        assert construct in text, construct
