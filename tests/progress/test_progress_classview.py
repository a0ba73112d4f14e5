"""Class progress: `quizapp progress export`, `quizapp progress class` and quizapp.progress.classview."""
from __future__ import annotations

import copy
import csv
import io
import json
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from progress_fakebank import MINI_BANK

from quizapp.cli import main
from quizapp.progress.classview import (
    FORMAT, ITEM_COLUMNS, MASTERY_COLUMNS, MAX_BYTES, VERSION, ClassView, class_view,
    export_progress, load_exports, normalise_answer, parse_export, seal, write_export,
)


def answer(store, learner, item_id, correct, given, *, topic, kind="numeric", seed=1,
           expected="0.05", category="calculation"):
    store.record_attempt(learner.id, item_id, correct=correct, given=given, seconds=4.0,
                         seed=seed, params={"lr": 0.01}, expected=expected, topic=topic,
                         category=category, kind=kind)


@pytest.fixture
def class_db(file_store, clock):
    """Three learners in one progress file: ann masters sgd over three days; bo and cy
    give the same wrong number written four ways, and some wrong words."""
    s = file_store
    ann, bo, cy = (s.add_learner(n) for n in ("ann", "bo", "cy"))
    for day in range(3):
        for _ in range(4):
            answer(s, ann, "sgd.step", True, "0.05", topic="sgd")
        clock.advance(days=1)
    answer(s, ann, "adam.bias", False, "0.020", topic="adam")
    answer(s, bo, "adam.bias", False, ".02", topic="adam")
    answer(s, bo, "adam.bias", False, "2e-2", topic="adam")
    answer(s, cy, "adam.bias", False, "1/50", topic="adam")
    answer(s, cy, "adam.bias", False, "0.5", topic="adam")
    answer(s, cy, "adam.bias", False, "7", topic="adam")
    answer(s, cy, "adam.bias", False, "8", topic="adam")
    answer(s, bo, "adam.bias", True, "0.05", topic="adam")
    answer(s, bo, "sgd.why", False, "The  Noise", topic="sgd", kind=None, expected="the gradient")
    answer(s, cy, "sgd.why", False, "the noise", topic="sgd", kind=None, expected="the gradient")
    answer(s, cy, "sgd.why", False, "curvature", topic="sgd", kind=None, expected="the gradient")
    return s


def export_all(store, folder: Path) -> list[Path]:
    paths = []
    for learner in store.learners():
        path = folder / f"{learner.name}.json"
        write_export(path, export_progress(store, learner.id))
        paths.append(path)
    return paths


# ---------------------------------------------------------------------- export


def test_export_document_shape(class_db):
    ann = class_db.find_learner("ann")
    doc = export_progress(class_db, ann.id)
    assert doc["format"] == FORMAT == "quizapp-progress" and doc["version"] == VERSION == 1
    assert doc["learner"]["name"] == "ann"
    assert doc["exported_at"] == "2025-03-08T12:00:00.000+00:00"  # the store's clock
    assert isinstance(doc["quizapp_version"], str) and doc["quizapp_version"]
    assert len(doc["attempts"]) == 13
    first = doc["attempts"][0]
    for key in ("item_id", "topic", "category", "seed", "params", "given", "expected",
                "correct", "seconds", "answered_at"):
        assert key in first
    assert first == {**first, "item_id": "sgd.step", "topic": "sgd", "seed": 1,
                     "params": {"lr": 0.01}, "given": "0.05", "correct": True, "seconds": 4.0,
                     "answered_at": "2025-03-05T12:00:00.000+00:00"}
    assert doc["attempts"][-1]["given"] == "0.020" and doc["attempts"][-1]["correct"] is False
    assert any(a["id"] == "first-correct" for a in doc["achievements"])
    assert doc["mastery"]["sgd"]["mastered"] is True
    json.dumps(doc, allow_nan=False)  # strict JSON
    assert parse_export(doc).learner == "ann"


def test_write_export_is_atomic_and_refuses_to_overwrite(class_db, tmp_path):
    doc = export_progress(class_db, class_db.find_learner("bo").id)
    out = tmp_path / "bo.json"
    write_export(out, doc)
    before = out.read_bytes()
    assert json.loads(before)["learner"]["name"] == "bo"
    with pytest.raises(FileExistsError, match="--force"):
        write_export(out, export_progress(class_db, class_db.find_learner("cy").id))
    assert out.read_bytes() == before
    write_export(out, export_progress(class_db, class_db.find_learner("cy").id), force=True)
    assert json.loads(out.read_bytes())["learner"]["name"] == "cy"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    if os.name == "posix":  # an ordinary file for handing on, not a private temporary one
        mask = os.umask(0o022)
        os.umask(mask)
        assert out.stat().st_mode & 0o777 == 0o666 & ~mask


def test_write_export_checks_the_document_and_the_path(class_db, tmp_path):
    bad = export_progress(class_db, class_db.find_learner("bo").id)
    bad["attempts"][0]["correct"] = "yes"
    with pytest.raises(ValueError, match=r"attempts\[0\]\.correct"):
        write_export(tmp_path / "x.json", bad)
    assert not (tmp_path / "x.json").exists()
    good = export_progress(class_db, class_db.find_learner("bo").id)
    with pytest.raises(IsADirectoryError):
        write_export(tmp_path, good, force=True)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_export(tmp_path / "no" / "x.json", good)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------------- round trip


def test_export_then_class_view_round_trip(class_db, tmp_path):
    docs, problems = load_exports(export_all(class_db, tmp_path))
    assert problems == []
    view = class_view(docs)
    assert isinstance(view, ClassView)
    assert [r.name for r in view.learners] == ["ann", "bo", "cy"]
    assert list(view.topics) == ["adam", "sgd"]
    ann, bo, cy = view.learners
    assert ann.source.endswith("ann.json") and ann.attempts == 13 and ann.correct == 12
    sgd = ann.topics["sgd"]
    assert (sgd.attempts, sgd.last10_answers, sgd.last10_correct, sgd.days, sgd.mastered) == \
        (12, 10, 10, 3, True)
    assert ann.topics["adam"].mastered is False and ann.topics_mastered == 1
    assert bo.topics["adam"].attempts == 3 and bo.topics["adam"].last10_correct == 1
    assert cy.topics["sgd"].last10_share == 0.0
    # the class view agrees with each learner's own store on mastery
    for row in view.learners:
        own = class_db.mastery_by_topic(class_db.find_learner(row.name).id)
        for topic, m in row.topics.items():
            if topic in own:
                assert (m.attempts, m.mastered, m.last10_correct) == \
                    (own[topic]["attempts"], own[topic]["mastered"], own[topic]["recent_correct"])

    items = {i.item_id: i for i in view.items}
    adam = items["adam.bias"]
    assert (adam.attempts, adam.correct, adam.learners) == (8, 1, 3)
    # "0.020", ".02", "2e-2" and "1/50" are one answer; then the three singletons by label
    assert adam.wrong_answers == [("0.02", 4), ("0.5", 1), ("7", 1)]
    assert items["sgd.why"].wrong_answers == [("The Noise", 2), ("curvature", 1)]
    assert items["sgd.step"].share_correct == 1.0 and items["sgd.step"].wrong_answers == []
    # hardest first
    assert [i.item_id for i in view.items] == ["sgd.why", "adam.bias", "sgd.step"]


def test_class_view_accepts_documents_directly(class_db):
    docs = [export_progress(class_db, l.id) for l in class_db.learners()]
    broken = copy.deepcopy(docs[0])
    broken["version"] = 7
    view = class_view(docs + [broken])
    assert len(view.learners) == 3
    assert len(view.notes) == 1 and "newer quizapp" in view.notes[0].message


def test_tables_and_json_shapes(class_db, tmp_path):
    view = class_view(load_exports(export_all(class_db, tmp_path))[0])
    rows = view.mastery_rows()
    assert len(rows) == 3 * 2 and all(len(r) == len(MASTERY_COLUMNS) for r in rows)
    assert rows[0][:3] == ("ann", "adam", "adam")
    items = view.item_rows()
    assert all(len(r) == len(ITEM_COLUMNS) for r in items)
    adam = next(r for r in items if r[0] == "adam.bias")
    assert dict(zip(ITEM_COLUMNS, adam))["wrong_1"] == "0.02"
    assert dict(zip(ITEM_COLUMNS, adam))["wrong_1_count"] == 4
    data = json.loads(json.dumps(view.to_json(), allow_nan=False))
    assert set(data) == {"learners", "topics", "items", "notes"}
    assert data["learners"][0]["topics"]["sgd"]["mastered"] is True
    assert data["items"][1]["wrong_answers"][0] == {"answer": "0.02", "count": 4}


# ---------------------------------------------------------------------- wrong answers


@pytest.mark.parametrize("a, b", [
    ("0.020", ".02"), ("2e-2", "0.02"), ("1/50", "0.02"), (" 0.5 ", "+.5"), ("-0", "0"),
    ("It  Shrinks", "it shrinks"), ("\u22123", "-3"),
])
def test_same_answer_after_normalising(a, b):
    assert normalise_answer(a)[0] == normalise_answer(b)[0]


@pytest.mark.parametrize("a, b", [("0.02", "0.2"), ("1/50", "1/5"), ("shrinks", "grows"),
                                  ("1,000", "1000")])
def test_different_answers_stay_apart(a, b):
    assert normalise_answer(a)[0] != normalise_answer(b)[0]


def test_true_false_and_choice_numbers_without_a_bank():
    assert normalise_answer("f", "true_false") == normalise_answer("2", "true_false")
    assert normalise_answer("FALSE", "true_false")[1] == "False"
    assert normalise_answer("2", "choice")[1] == "choice 2 (as shown)"
    assert normalise_answer("2", "numeric")[1] == "2"


def _choice_attempt(bank, seed, written, expected=None):
    inst = bank.instance("alpha.choice", seed)
    shown = inst.choice_order.index(written) + 1
    return {"item_id": "alpha.choice", "topic": "alpha", "category": "definition",
            "kind": "choice", "seed": seed, "params": {}, "given": str(shown),
            "expected": inst.answer_text if expected is None else expected, "correct": False,
            "seconds": 3.0, "answered_at": f"2025-03-05T12:00:0{seed % 10}.000+00:00"}


def _doc(name, attempts, exported_at="2025-03-06T12:00:00.000+00:00"):
    return {"format": FORMAT, "version": VERSION, "exported_at": exported_at,
            "quizapp_version": "0.1.0", "learner": {"name": name}, "attempts": attempts,
            "achievements": [], "mastery": {}}


def test_the_bank_names_the_choice_behind_a_shuffled_number():
    from quizapp.bank import load_bank

    bank = load_bank([str(MINI_BANK)])
    orders = {}
    for seed in range(40):
        orders.setdefault(tuple(bank.instance("alpha.choice", seed).choice_order), seed)
    seeds = list(orders.values())[:3]
    assert len(seeds) >= 2, "the shuffle should give different orders"
    # everyone picked the written second choice ($\beta$), shown under different numbers
    attempts = [_choice_attempt(bank, s, 2) for s in seeds]
    assert len({a["given"] for a in attempts}) > 1
    view = class_view([_doc("ann", attempts)], bank=bank)
    assert view.items[0].wrong_answers == [("β", len(seeds))]
    assert view.topics == {"alpha": "Alpha topic"}
    # without the bank the shown numbers cannot be told apart from the choices
    plain = class_view([_doc("ann", attempts)])
    assert all(label.startswith("choice ") for label, _ in plain.items[0].wrong_answers)
    # a bank that changed since (the expected answer differs) is not trusted
    stale = [_choice_attempt(bank, s, 2, expected="9. something else") for s in seeds]
    view = class_view([_doc("ann", stale)], bank=bank)
    assert all(label.startswith("choice ") for label, _ in view.items[0].wrong_answers)


def test_the_bank_reads_numbers_and_true_false():
    from quizapp.bank import load_bank

    bank = load_bank([str(MINI_BANK)])
    tf = bank.instance("alpha.tf", 1)
    base = {"topic": "alpha", "category": "x", "params": {}, "seconds": 1.0,
            "answered_at": "2025-03-05T12:00:00.000+00:00", "correct": False}
    attempts = [{**base, "item_id": "alpha.tf", "kind": "true_false", "seed": 1,
                 "given": g, "expected": tf.answer_text} for g in ("f", "False", "2")]
    step = bank.instance("alpha.step", 3)
    attempts += [{**base, "item_id": "alpha.step", "kind": "numeric", "seed": 3,
                  "given": g, "expected": step.answer_text} for g in ("1e3", "1000.0")]
    view = class_view([_doc("ann", attempts)], bank=bank)
    wrong = {i.item_id: i.wrong_answers for i in view.items}
    assert wrong == {"alpha.tf": [("False", 3)], "alpha.step": [("1000", 2)]}


# ---------------------------------------------------------------------- bad files


def _write(folder: Path, name: str, content) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_bad_files_are_named_and_skipped(class_db, tmp_path):
    good = export_all(class_db, tmp_path)
    valid = json.loads(good[0].read_text())
    wrong_field = copy.deepcopy(valid)
    wrong_field["attempts"][2]["correct"] = "yes"
    bad_time = copy.deepcopy(valid)
    bad_time["attempts"][0]["answered_at"] = "0001-01-01T00:00:00+14:00"
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: cheap to make, still too large
    cases = {
        "not-json.json": "hello, not JSON",
        "empty.json": "",
        "binary.json": b"\xff\xfe\x00\x81garbage",
        "list.json": [1, 2, 3],
        "other.json": {"format": "something-else", "version": 1},
        "newer.json": {**valid, "version": 2},
        "zero.json": {**valid, "version": 0},
        "field.json": wrong_field,
        "time.json": bad_time,
        "noname.json": {**valid, "learner": {"name": "   "}},
        "nan.json": '{"format": "quizapp-progress", "version": NaN}',
        "deep.json": "[" * 100_000 + "]" * 100_000,
    }
    bad = [_write(tmp_path, n, c) for n, c in cases.items()]
    docs, problems = load_exports(good[1:] + bad + [huge, tmp_path / "missing.json", tmp_path])
    assert sorted(d.learner for d in docs) == ["bo", "cy"]
    by_file = {Path(p.path).name: p.message for p in problems}
    assert set(by_file) == set(cases) | {"huge.json", "missing.json", tmp_path.name}
    assert all(m.startswith("skipped: ") for m in by_file.values())
    assert "not valid JSON" in by_file["not-json.json"]
    assert "empty" in by_file["empty.json"]
    assert "UTF-8" in by_file["binary.json"]
    assert "not a quizapp progress file" in by_file["list.json"]
    assert "format is 'something-else'" in by_file["other.json"]
    assert "newer quizapp" in by_file["newer.json"]
    assert "version 0" in by_file["zero.json"]
    assert "attempts[2].correct must be true or false" in by_file["field.json"]
    assert "attempts[0].answered_at" in by_file["time.json"]
    assert "learner.name is empty" in by_file["noname.json"]
    assert "NaN" in by_file["nan.json"]
    assert "too large" in by_file["huge.json"] and "50 MB" in by_file["huge.json"]
    assert "no such file" in by_file["missing.json"]
    assert "folder" in by_file[tmp_path.name]


def test_duplicates_keep_the_newest_export(class_db, tmp_path, clock):
    ann = class_db.find_learner("ann")
    old = tmp_path / "ann-monday.json"
    write_export(old, export_progress(class_db, ann.id))
    clock.advance(hours=5)
    answer(class_db, ann, "adam.bias", True, "0.05", topic="adam")
    new = tmp_path / "ann-friday.json"
    write_export(new, export_progress(class_db, ann.id))
    # the same learner under another spelling of the name, exported earlier still
    doc = json.loads(old.read_text())
    doc["learner"]["name"] = "  ANN "
    doc["exported_at"] = "2025-01-01T00:00:00.000+00:00"
    older = _write(tmp_path, "ann-january.json", seal(doc))
    docs, problems = load_exports([new, old, older, new])
    assert [d.source for d in docs] == [str(new)]
    assert docs[0].attempts[-1].correct is True
    notes = {Path(p.path).name: p for p in problems}
    assert set(notes) == {"ann-monday.json", "ann-january.json", "ann-friday.json"}
    assert all(p.duplicate for p in problems)
    assert "older export of learner 'ann'" in notes["ann-monday.json"].message
    assert str(new) in notes["ann-monday.json"].message
    assert "named twice" in notes["ann-friday.json"].message
    assert len(class_view(docs).learners) == 1


# ---------------------------------------------------------------------- CLI


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def exported(class_db, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    db = class_db.path
    class_db.close()
    files = []
    for name in ("ann", "bo", "cy"):
        out = tmp_path / f"{name}.json"
        code, text, err = run(capsys, "progress", "export", "--db", db, "--learner", name,
                              "-o", out)
        assert code == 0, err
        assert f"of '{name}' to {out}" in text
        files.append(out)
    return db, files


def test_cli_export_refuses_to_overwrite_and_both_option_orders_work(exported, capsys, tmp_path):
    db, (ann, bo, _) = exported
    before = ann.read_bytes()
    code, _, err = run(capsys, "progress", "export", "--db", db, "--learner", "bo", "-o", ann)
    assert code == 2 and "already exists" in err and "--force" in err and err.count("\n") == 1
    assert ann.read_bytes() == before
    code, _, err = run(capsys, "progress", "--db", db, "--learner", "bo", "export", "-o", ann,
                       "--force")
    assert code == 0, err
    assert json.loads(ann.read_text())["learner"]["name"] == "bo"
    code, _, err = run(capsys, "progress", "export", "--db", tmp_path / "nope.db", "-o",
                       tmp_path / "x.json")
    assert code == 2 and "no progress database" in err and not (tmp_path / "nope.db").exists()
    code, _, err = run(capsys, "progress", "export", "--db", db, "--learner", "zed", "-o",
                       tmp_path / "z.json")
    assert code == 2 and "no learner named 'zed'" in err


def test_cli_summary_still_works_beside_the_actions(exported, capsys):
    db, _ = exported
    code, out, _ = run(capsys, "progress", "--db", db, "--learner", "ann", "--json")
    assert code == 0 and json.loads(out)["attempts"] == 13
    code, out, _ = run(capsys, "progress", "--learner", "ann", "--db", db, "--csv")
    assert code == 0 and {r["topic"] for r in csv.DictReader(io.StringIO(out))} >= {"sgd", "adam"}
    with pytest.raises(SystemExit) as stop:
        main(["progress", "--db", str(db), "frobnicate"])
    assert stop.value.code == 2 and "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_cli_class_text(exported, capsys, tmp_path):
    _, files = exported
    junk = _write(tmp_path, "junk.json", "{oops")
    code, out, err = run(capsys, "progress", "class", *files, junk, "--bank", MINI_BANK)
    assert code == 0, err
    assert "Class view: 3 learner(s), 23 answers on 3 item(s) (from 4 file(s))." in out
    assert "Mastery per topic" in out and "Items, hardest first" in out
    assert "0.02 ×4, 0.5 ×1, 7 ×1" in out
    assert "The Noise ×2" in out
    assert f"warning: {junk}: skipped: not valid JSON" in err


def test_cli_class_csv_two_sections(exported, capsys):
    _, files = exported
    code, out, _ = run(capsys, "progress", "class", *files, "--csv")
    assert code == 0
    mastery_text, items_text = out.split("\n\n")
    mastery = list(csv.DictReader(io.StringIO(mastery_text)))
    items = list(csv.DictReader(io.StringIO(items_text)))
    assert tuple(mastery[0]) == MASTERY_COLUMNS and tuple(items[0]) == ITEM_COLUMNS
    assert len(mastery) == 6 and len(items) == 3
    ann_sgd = next(r for r in mastery if r["learner"] == "ann" and r["topic"] == "sgd")
    assert ann_sgd["mastered"] == "yes" and ann_sgd["last10_share"] == "1"
    adam = next(r for r in items if r["item_id"] == "adam.bias")
    assert (adam["attempts"], adam["share_correct"], adam["wrong_1"], adam["wrong_1_count"]) == \
        ("8", "0.125", "0.02", "4")
    code, out, _ = run(capsys, "progress", "class", *files, "--csv", "--only", "items")
    assert "\n\n" not in out and out.startswith("item_id,")


def test_cli_class_json_and_duplicates(exported, capsys, tmp_path, monkeypatch):
    db, files = exported
    later = tmp_path / "ann-again.json"
    doc = json.loads(files[0].read_text())
    from quizapp.progress import clock as qclock

    doc["exported_at"] = qclock.iso(qclock.now() + timedelta(minutes=2))  # a later export
    later.write_text(json.dumps(seal(doc)))
    code, out, err = run(capsys, "progress", "class", *files, later, "--json")
    assert code == 0
    data = json.loads(out)
    assert [l["name"] for l in data["learners"]] == ["ann", "bo", "cy"]
    assert data["learners"][0]["source"] == str(later)
    assert data["files"] == {"given": 4, "read": 3}
    assert data["notes"][0]["duplicate"] is True and data["notes"][0]["file"] == str(files[0])
    assert "note: " in err and "older export of learner 'ann'" in err
    assert {"item_id", "topic", "attempts", "correct", "share_correct", "learners",
            "wrong_answers"} == set(data["items"][0])


def test_cli_class_with_no_usable_file(capsys, tmp_path):
    bad = _write(tmp_path, "a.json", "[]")
    code, _, err = run(capsys, "progress", "class", bad, tmp_path / "b.json")
    assert code == 2
    assert "warning:" in err and "no readable progress file among the 2 given" in err


# ---------------------------------------------------------------------- properties

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)

_VALID = _doc("ann", [
    {"item_id": "alpha.step", "topic": "alpha", "category": "calculation", "kind": "numeric",
     "seed": 1, "params": {"lr": 0.01}, "given": "0.02", "expected": "0.05", "correct": False,
     "seconds": 2.5, "answered_at": "2025-03-05T12:00:00.000+00:00", "day": "2025-03-05"},
    {"item_id": "alpha.choice", "topic": None, "category": None, "kind": "choice", "seed": None,
     "params": None, "given": "2", "expected": "", "correct": False, "seconds": None,
     "answered_at": "2025-03-06T12:00:00+01:00"},
])
# values that get past the type checks more often than random JSON does
_PLAUSIBLE = [None, "", " ", "2", "0.020", "It grows", 0, 1, -1, 2**70, 1.5, -0.0, True, False,
              [], {}, "2025-03-05", "2025-03-05T12:00:00Z", "2025-03-05T12:00:00",
              "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", FORMAT, "alpha.tf",
              "alpha.choice", "true_false", "choice", "computed_choice"]
_PATHS = [(), ("format",), ("version",), ("exported_at",), ("learner",), ("learner", "name"),
          ("attempts",), ("achievements",), ("mastery",), ("attempts", 0),
          ("attempts", 1)] + [("attempts", i, k) for i in (0, 1) for k in _VALID["attempts"][0]]


@st.composite
def mutated_docs(draw):
    doc = copy.deepcopy(_VALID)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_PATHS))
        value = draw(st.sampled_from(_PLAUSIBLE) | json_values)
        if not path:
            return value
        target = doc
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            pass
    return doc


def _contents():
    return (mutated_docs().map(json.dumps) | json_values.map(json.dumps) | st.binary(max_size=60)
            | st.text(max_size=60))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_contents(), min_size=1, max_size=3))
def test_load_exports_never_raises(contents):
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, c in enumerate(contents):
            path = Path(folder) / f"f{i}.json"
            if isinstance(c, bytes):
                path.write_bytes(c)
            else:
                path.write_text(c, encoding="utf-8", errors="surrogatepass")
            paths.append(path)
        docs, problems = load_exports(paths)
        assert len(docs) + len(problems) == len(paths)
        assert all(os.fspath(p.path) in {str(x) for x in paths} for p in problems)
        view = class_view(docs)
        json.dumps(view.to_json(), allow_nan=False)


_MINI = []


def _mini_bank():
    if not _MINI:
        from quizapp.bank import load_bank

        _MINI.append(load_bank([str(MINI_BANK)]))
    return _MINI[0]


@settings(max_examples=300, deadline=None)
@given(mutated_docs())
def test_parse_export_raises_only_value_error(doc):
    try:
        parsed = parse_export(doc)
    except ValueError as exc:
        assert str(exc)
        return
    view = class_view([parsed], bank=_mini_bank())
    assert len(view.learners) == 1
    assert sum(i.attempts for i in view.items) == len(parsed.attempts)


def test_the_untouched_sample_is_valid():
    assert parse_export(_VALID).learner == "ann"
    assert json.loads(json.dumps(_VALID)) == _VALID


@pytest.mark.parametrize("name", ["ann.json", "ann.json.gz"])
def test_streamed_export_is_the_same_document(class_db, tmp_path, name):
    from quizapp.progress.classview import content_checksum, export_to_file, read_export

    ann = class_db.find_learner("ann")
    path, n, n_ach = export_to_file(class_db, ann.id, tmp_path / name)
    data = path.read_bytes()
    if name.endswith(".gz"):
        import gzip

        assert data[:2] == b"\x1f\x8b"
        data = gzip.decompress(data)
    doc = json.loads(data)
    expected = export_progress(class_db, ann.id)
    assert {k: v for k, v in doc.items() if k != "checksum"} == expected
    assert doc["checksum"] == content_checksum(expected)
    assert n == len(expected["attempts"]) and n_ach == len(expected["achievements"])
    assert read_export(path).learner == "ann"
    with pytest.raises(FileExistsError):
        export_to_file(class_db, ann.id, path)
