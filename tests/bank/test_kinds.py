"""Issue 10, part 3: the answer kinds multiple, ordering, matching and short, end to end
below the UI: the TOML format and its validation, drawing, grading with partial credit,
`bank show/grade --json`, the terminal practice and what the store keeps."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from quizapp.bank import kinds as K
from quizapp.bank import load_bank, load_text
from quizapp.bank.check import check_bank

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data" / "kinds.toml"


@pytest.fixture(scope="module")
def bank():
    b = load_bank(DATA)
    assert b.errors == [] and len(b.items) == 4
    return b


def one(answer: str, prompt: str = "q") -> tuple:
    """Load one item with this [item.answer] (inline table text)."""
    b = load_text(f'topic = "t"\n[[item]]\nid = "t.x"\ncategory = "concept"\nprompt = "{prompt}"\n'
                  f'explanation = "x"\nanswer = {answer}\n')
    return b, [(p.field, p.message) for p in b.errors]


# ---------------------------------------------------------------------- format and validation


@pytest.mark.parametrize("answer, field, words", [
    ('{ kind = "multiple", choices = ["a", "b", "c"], correct = [1, 2, 3] }', "answer.correct", "every choice"),
    ('{ kind = "multiple", choices = ["a", "b", "c"], correct = [1, 4] }', "answer.correct", "1 to 3"),
    ('{ kind = "multiple", choices = ["a", "b"], correct = [1] }', "answer.choices", "3 to"),
    ('{ kind = "multiple", choices = ["a", "b", "A"], correct = [1] }', "answer.choices[3]", "repeats"),
    ('{ kind = "multiple", choices = ["a", "b", "c"], correct = [1, 1] }', "answer.correct", "distinct"),
    ('{ kind = "ordering", steps = ["a", "b"] }', "answer.steps", "3 to 10"),
    ('{ kind = "ordering", steps = ["a", "b", "a"] }', "answer.steps[3]", "repeats"),
    ('{ kind = "matching", pairs = [["a", "x"]] }', "answer.pairs", "2 to 10"),
    ('{ kind = "matching", pairs = [["a", "x"], ["b"]] }', "answer.pairs[2]", "two texts"),
    ('{ kind = "matching", pairs = [["a", "x"], ["b", "y"]], extras = ["x"] }', "answer.extras[1]", "partner"),
    ('{ kind = "short", accept = [] }', "answer.accept", "1 to 20"),
    ('{ kind = "short", accept = ["Adam", " adam "] }', "answer.accept[2]", "same answer"),
    ('{ kind = "short", accept = ["Adam"], reject = ["ADAM"] }', "answer.reject[1]", "also accepted"),
    ('{ kind = "short", accept = ["Adam"], typos = 3 }', "answer.typos", "0, 1 or 2"),
    (f'{{ kind = "short", accept = ["{"x" * 101}"] }}', "answer.accept[1]", "limit is 100"),
])
def test_the_loader_names_the_field_of_each_mistake(answer, field, words):
    b, errors = one(answer)
    assert b.items == {}
    assert errors and errors[0][0] == field and words in errors[0][1], errors


def test_the_shipped_style_file_loads_checks_and_round_trips(bank):
    from quizapp.bank.tomlwrite import document_text, item_to_table

    assert [p for p in check_bank(bank, quality=False)] == []
    text = document_text("debugging", "Debugging", [item_to_table(i, "debugging") for i in bank.items.values()])
    again = load_text(text)
    assert [item_to_table(i) for i in again.items.values()] == [item_to_table(i) for i in bank.items.values()]


# ---------------------------------------------------------------------- drawing


def test_instances_shuffle_options_and_keep_the_key_consistent(bank):
    for seed in range(30):
        multi = bank.instance("debugging.k-multi", seed)
        assert sorted(multi.choices[k - 1] for k in multi.answer) == ["AdaGrad", "Adam", "RMSProp"]
        order = bank.instance("debugging.k-order", seed)
        assert [order.choices[k - 1] for k in order.answer] == \
            ["forward pass", "compute the loss", "backward pass", "optimizer step"]
        assert order.answer != [1, 2, 3, 4]  # never shown already in order
        match = bank.instance("debugging.k-match", seed)
        pairs = dict(zip(match.choices, (match.targets[k - 1] for k in match.answer)))
        assert pairs == {"loss NaN": "clip gradients", "loss oscillates": "lower the learning rate",
                         "updates fade": "switch AdaGrad for RMSProp"}
        assert "raise the batch size" in match.targets
    assert len({tuple(bank.instance("debugging.k-order", s).choices) for s in range(30)}) > 3


# ---------------------------------------------------------------------- grading


def test_multiple_uses_moodles_multiple_response_weights(bank):
    inst = bank.instance("debugging.k-multi", 0)
    keys = inst.answer                    # 3 right of 5: +1/3 each, a wrong tick -1/2
    wrong = [n for n in range(1, 6) if n not in keys]
    cases = [(keys, 1.0), (keys[:2], 2 / 3), (keys[:2] + wrong[:1], 2 / 3 - 1 / 2),
             (keys[:1] + wrong, 0.0), (list(range(1, 6)), 0.0), (wrong[:1], 0.0)]
    for picks, score in cases:
        g = bank.grade(inst, " ".join(map(str, picks)))
        assert g.score == pytest.approx(score) and g.correct is (score == 1.0), (picks, g)
        assert g.text == " ".join(map(str, sorted(picks)))
    assert K.multiple_weights(5, [1, 3, 4]) == pytest.approx([100 / 3, -50, 100 / 3, 100 / 3, -50])
    assert bank.grade(inst, "1, 3").correct is not None        # commas are fine
    for bad in ("", "1 1", "9", "one", "1a"):
        assert bank.grade(inst, bad).correct is None, bad


def test_ordering_credit_is_the_longest_ordered_subset(bank):
    inst = bank.instance("debugging.k-order", 0)
    key = inst.answer
    assert bank.grade(inst, " ".join(map(str, key))).correct is True
    assert bank.grade(inst, "".join(map(str, key))).correct is True            # 3124 for four steps
    swapped = [key[1], key[0]] + key[2:]                                       # 3 of 4 in order
    assert bank.grade(inst, " ".join(map(str, swapped))).score == pytest.approx(0.75)
    reverse = key[::-1]                                                        # only single steps
    assert bank.grade(inst, " ".join(map(str, reverse))).score == 0.0
    assert K.ordering_score([2, 1, 4, 3], [1, 2, 3, 4]) == pytest.approx(0.5)
    g = bank.grade(inst, "1 2 3")
    assert g.correct is None and "exactly once" in g.message and "missing 4" in g.message


def test_matching_credit_is_the_share_of_right_pairs_and_letters_alone_work(bank):
    inst = bank.instance("debugging.k-match", 0)
    right = K.matching_text(inst.answer)
    assert bank.grade(inst, right).correct is True
    letters = " ".join(K.LETTERS[t - 1] for t in inst.answer)
    assert bank.grade(inst, letters).correct is True                           # "b a c"
    assert bank.grade(inst, right.upper().replace(" ", ", ")).correct is True  # "1B, 2A, 3C"
    one_off = list(inst.answer)
    one_off[0] = next(t for t in range(1, 5) if t != one_off[0])
    assert bank.grade(inst, K.matching_text(one_off)).score == pytest.approx(2 / 3)
    for bad, words in (("1a 1b 2c", "paired twice"), ("1a 2b", "no letter"), ("1z 2a 3b", "no option z"),
                       ("4a 1b 2c 3d", "no entry 4")):
        g = bank.grade(inst, bad)
        assert g.correct is None and words in g.message, (bad, g.message)


def test_short_ignores_case_spacing_and_forgives_a_typo_but_not_a_rejected_answer(bank):
    inst = bank.instance("debugging.k-short", 0)
    for ok in ("warmup", "WARMUP", " Warm up ", "learning-rate  warmup", "Learning Rate Warmup".replace(" ", "-", 1),
               "warmup.", "warnup", "wramup"):
        assert bank.grade(inst, ok).correct is True, ok
    assert "typo" in bank.grade(inst, "warnup").message
    for wrong in ("warmdown", "cooldown", "war", "warmupxx"):
        assert bank.grade(inst, wrong).correct is False, wrong
    b, _ = one('{ kind = "short", accept = ["sgd"], typos = 2 }')
    i = b.instance("t.x", 0)
    assert b.grade(i, "sgd").correct and not b.grade(i, "sgx").correct   # 3 letters: exact only
    assert K.within_edits("momentum", "momentun", 1) and not K.within_edits("momentum", "momentxx", 1)
    assert K.within_edits("adam", "aadm", 1)                              # neighbours swapped


def test_every_reader_refuses_a_huge_answer_quickly(bank):
    for iid in bank.items:
        inst = bank.instance(iid, 0)
        for text in ("1 " * 100_000, "a" * 1_000_000, "1b " * 50_000):
            start = time.perf_counter()
            g = bank.grade(inst, text)
            assert g.correct is None and ("at most" in g.message or "too long" in g.message)
            assert time.perf_counter() - start < 0.05


def test_grading_time_is_linear_in_the_input():
    a = "x" * 100
    start = time.perf_counter()
    for _ in range(200):
        K.within_edits(a, "y" * 100, 2)
        K.within_edits(a, a[:-1] + "z", 2)
    assert time.perf_counter() - start < 1.0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_readers_never_raise_anything_but_unreadable(text):
    for read in (lambda t: K.read_multiple(t, 5), lambda t: K.read_ordering(t, 4),
                 lambda t: K.read_matching(t, 3, 4)):
        try:
            out = read(text)
        except K.Unreadable:
            continue
        assert all(isinstance(v, int) for v in out)
    try:
        K.match_short(text, ["warmup"], ["warmdown"], 1)
    except K.Unreadable:
        pass


@settings(max_examples=200, deadline=None)
@given(st.permutations([1, 2, 3, 4, 5, 6]))
def test_ordering_score_is_one_only_for_the_key_and_canonical_text_reads_back(perm):
    key = [1, 2, 3, 4, 5, 6]
    score = K.ordering_score(perm, key)
    assert (score == 1.0) == (list(perm) == key) and 0 <= score <= 1
    assert K.read_ordering(K.ordering_text(perm), 6) == list(perm)


# ---------------------------------------------------------------------- bank show / grade --json


def cli(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "quizapp", *argv], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_bank_show_and_grade_json(bank):
    shown = json.loads(cli("bank", "show", "debugging.k-match", "--seed", "2", "--bank", str(DATA),
                           "--json").stdout)
    inst = bank.instance("debugging.k-match", 2)
    assert shown["kind"] == "matching" and shown["targets"] == inst.targets
    assert shown["answer"] == inst.answer and "1b 2a 3c" in shown["syntax"]
    wrong = [inst.answer[1], inst.answer[0], inst.answer[2]]
    done = cli("bank", "grade", "debugging.k-match", "--seed", "2", "--answer", K.matching_text(wrong),
               "--bank", str(DATA), "--json")
    doc = json.loads(done.stdout)
    assert done.returncode == 1 and doc["correct"] is False
    assert doc["score"] == pytest.approx(1 / 3, abs=1e-4) and doc["given"] == K.matching_text(wrong)
    text = cli("bank", "show", "debugging.k-order", "--bank", str(DATA)).stdout
    assert "(answer with the numbers in the right order, first step first, e.g. 3 1 2 4)" in text


# ---------------------------------------------------------------------- terminal and store


def _until_prompt(proc) -> str:
    """What the terminal wrote up to its next "> " prompt (or the end)."""
    got = []
    while True:
        ch = proc.stdout.read(1)
        if not ch:
            break
        got.append(ch)
        if got[-2:] == [">", " "] and (len(got) == 2 or got[-3] == "\n"):
            break
    return "".join(got)


def test_terminal_practice_shows_the_syntax_and_stores_the_canonical_text(tmp_path, bank):
    db = tmp_path / "p.db"
    answers = {"multiple": "1,3", "ordering": "3 1 2 4", "matching": "b a c", "short": " Warm Up "}
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "quizapp", "practice", "--terminal", "--db", str(db),
                             "--bank", str(DATA), "--count", "4", "--seed", "5"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env)
    seen = []
    try:
        for _ in range(4):
            shown = _until_prompt(proc)
            kind = next(k for k, syntax in K.SYNTAX.items() if f"(answer with {syntax})" in shown)
            seen.append(kind)
            if kind == "matching":
                assert "  a) " in shown and "  1. " in shown
            proc.stdin.write(answers[kind] + "\n")
            proc.stdin.flush()
        rest, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert sorted(seen) == sorted(answers) and "Session over:" in rest
    con = sqlite3.connect(db)
    rows = con.execute("SELECT item_id, seed, given, correct, kind FROM attempts ORDER BY id").fetchall()
    con.close()
    assert len(rows) == 4
    for item_id, seed, given, correct, kind in rows:
        inst = bank.instance(item_id, seed)
        assert kind == inst.kind
        g = bank.grade(inst, given)           # the stored text grades the same again
        assert g.correct == bool(correct) and (g.text or given) == given
        if kind == "short":
            assert given == "Warm Up" and correct == 1
        if kind == "matching":
            assert given == K.matching_text(K.read_matching("b a c", 3, 4))
        if kind == "multiple":
            assert given == "1 3"


# ---------------------------------------------------------------------- the shipped items


def test_the_shipped_bank_has_eight_checked_items_of_each_kind():
    shipped = load_bank()
    by_kind: dict[str, list] = {}
    for item in shipped.items.values():
        by_kind.setdefault(item.kind, []).append(item)
    for kind in ("multiple", "ordering", "matching", "short"):
        assert len(by_kind.get(kind, [])) >= 8, kind
        for item in by_kind[kind]:
            for seed in range(6):
                inst = shipped.instance(item.id, seed)
                right = {"multiple": K.multiple_text, "ordering": K.ordering_text,
                         "matching": K.matching_text}.get(kind, str)(inst.answer)
                assert shipped.grade(inst, right).correct is True, (item.id, seed)
                for alt in inst.accepted or []:
                    assert shipped.grade(inst, alt.upper()).correct is True, (item.id, alt)
                if kind == "ordering":
                    assert shipped.grade(inst, K.ordering_text(inst.answer[::-1])).correct is False
                if kind == "multiple":
                    every = K.multiple_text(range(1, len(inst.choices) + 1))
                    assert shipped.grade(inst, every).score == 0.0


def test_class_view_names_a_wrong_answer_the_same_whatever_the_shuffle(bank):
    """Two learners tick the same wrong options, shown in different orders: one wrong answer."""
    from quizapp.progress.classview import Attempt, _AnswerNamer

    namer = _AnswerNamer(bank)
    names = set()
    for seed in (1, 2, 3):
        inst = bank.instance("debugging.k-multi", seed)
        picks = sorted(inst.choices.index(t) + 1 for t in ("SGD", "Adam"))
        given = K.multiple_text(picks)
        a = Attempt("debugging.k-multi", "debugging", "concept", "multiple", seed, {}, given,
                    inst.answer_text, False, 3.0, "2026-01-01T00:00:00", "2026-01-01")
        key, label = namer.name(a)
        names.add(key)
        assert "SGD" in label and "Adam" in label
    assert len(names) == 1
    inst = bank.instance("debugging.k-short", 0)
    a = Attempt("debugging.k-short", "debugging", "definition", "short", 0, {}, "Cool Down",
                inst.answer_text, False, 3.0, "2026-01-01T00:00:00", "2026-01-01")
    assert namer.name(a) == (("short", "cooldown"), "Cool Down")


def test_quality_flags_a_short_answer_printed_in_the_prompt_or_the_header():
    b = load_text('topic = "nesterov"\ntitle = "Nesterov momentum"\n[[item]]\nid = "nesterov.x"\n'
                  'category = "definition"\nprompt = "Whose look-ahead method is this?"\nexplanation = "x"\n'
                  'answer = { kind = "short", accept = ["Nesterov"] }\n\n[[item]]\nid = "nesterov.y"\n'
                  'category = "definition"\nprompt = "What is v called in the velocity update?"\n'
                  'explanation = "x"\nanswer = { kind = "short", accept = ["velocity"] }\n')
    flagged = {p.item_id for p in check_bank(b) if "answer-shown" in p.message}
    assert flagged == {"nesterov.x", "nesterov.y"}
