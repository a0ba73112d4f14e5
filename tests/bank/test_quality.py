"""`bank check` quality checks: one fixture bank per check triggers it (and only it), the
shipped bank is clean under --strict, and the figures `bank check` prints are reproducible."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from quizapp.bank import check_bank, load_bank, load_text
from quizapp.bank.check import check_bank as check_with_instances
from quizapp.bank.quality import (
    KEY_LONGEST_TARGET, numbers_in, statistics,
)
from quizapp.bank.render import scientific
from quizapp.cli import main

QUALITY = Path(__file__).parent / "data" / "quality"


def tags_of(problems) -> set[tuple[str | None, str]]:
    out = set()
    for p in problems:
        m = re.match(r"\[([a-z-]+)\]", p.message)
        if m:
            out.add((p.item_id, m.group(1)))
    return out


def quality_of(*paths: Path):
    return [p for p in check_bank(load_bank(list(paths))) if p.message.startswith("[")]


def test_key_length():
    problems = quality_of(QUALITY / "key_length.toml")
    assert tags_of(problems) == {("ql.long-key", "key-length")}
    (p,) = problems
    assert p.severity == "warning" and p.field == "answer.choices"
    assert "key longest by >=1.3x in 5/5 draws" in p.message and "3.9x" in p.message
    assert p.line == 7 and p.file.endswith("key_length.toml")


def test_key_rank():
    problems = quality_of(QUALITY / "key_rank.toml")
    assert tags_of(problems) == {("qr.always-middle", "key-rank")}
    assert "the key is the middle value in 56/56 draws" in problems[0].message


def test_answer_shown_in_prompt_and_header():
    problems = quality_of(QUALITY / "answer_shown.toml")
    assert tags_of(problems) == {("qa.rate-printed", "answer-shown"), ("qa.title-is-key", "answer-shown"),
                                 ("qa.key-in-prompt", "answer-shown")}
    text = {p.item_id: p.message for p in problems}
    assert "is printed in the prompt in 56/56 draws" in text["qa.rate-printed"]
    assert "header (topic title)" in text["qa.title-is-key"]
    assert "appears in the prompt" in text["qa.key-in-prompt"]


def test_integer_tolerance():
    problems = quality_of(QUALITY / "integer_tolerance.toml")
    assert tags_of(problems) == {("qi.steps-loose", "integer-tolerance")}
    assert "accepts 138 for 139" in problems[0].message or re.search(r"accepts \d+ for \d+", problems[0].message)
    assert problems[0].field == "answer.tolerance"


def test_printed_answer_in_most_draws():
    problems = quality_of(QUALITY / "printed_answer.toml")
    assert tags_of(problems) == {("qp.warmup-past-end", "printed-answer")}
    m = re.search(r"in (\d+)/(\d+) draws", problems[0].message)
    assert m and int(m.group(2)) > int(m.group(1)) > int(m.group(2)) // 2


def test_near_duplicates_across_files():
    alone = quality_of(QUALITY / "dup_a.toml") + quality_of(QUALITY / "dup_b.toml")
    assert not any("[near-duplicate]" in p.message for p in alone)
    problems = quality_of(QUALITY / "dup_a.toml", QUALITY / "dup_b.toml")
    assert tags_of(problems) == {("qe.total-steps", "near-duplicate"), ("qe.ratio", "near-duplicate"),
                                 ("qe.weight-decay-row", "near-duplicate"), ("qe.why-adam", "near-duplicate")}
    text = {p.item_id: p.message for p in problems}
    assert "same answer formula as qd.total-updates (dup_a.toml:7)" in text["qe.total-steps"]
    assert "same answer formula as qd.ratio" in text["qe.ratio"]  # 2 and 0.01 written vs g and lr drawn
    assert "quotes the key of qd.stagnation" in text["qe.weight-decay-row"]
    assert re.search(r"prompt \d+% alike to qd.why-adam's", text["qe.why-adam"])


def test_true_share_of_a_folder():
    problems = quality_of(QUALITY / "true_share")
    assert [(p.item_id, p.field) for p in problems] == [(None, "answer.value")]
    assert problems[0].file.endswith("true_share") and "[true-share] True in 83%" in problems[0].message


def test_strict_turns_quality_warnings_into_a_failure(capsys):
    path = str(QUALITY / "key_length.toml")
    assert main(["bank", "check", "--bank", path]) == 0
    assert main(["bank", "check", "--bank", path, "--strict"]) == 1
    out = capsys.readouterr().out
    assert "[key-length]" in out and "quality: key strictly longest in 50.0% of 10 choice draws" in out


def test_first_step_fix_is_not_flagged_and_quality_can_be_skipped():
    problems = check_bank(load_bank([QUALITY / "answer_shown.toml"]), quality=False)
    assert problems == []
    assert not any(p.item_id == "qa.fine" for p in quality_of(QUALITY / "answer_shown.toml"))


def test_a_fixed_item_with_numeric_options_is_not_judged_on_rank():
    bank = load_text('''
topic = "t"
[[item]]
id = "t.beta"
category = "choice"
prompt = "Which beta keeps the longest memory?"
explanation = "x"
[item.answer]
kind = "choice"
choices = ["0.99", "0.9", "0.5", "0.09"]
correct = 1
''')
    assert check_bank(bank) == []


# ---------------------------------------------------------------- the shipped bank


def test_shipped_bank_is_clean_under_strict_and_meets_the_targets(capsys):
    start = time.perf_counter()
    code = main(["bank", "check", "--strict", "--json"])
    seconds = time.perf_counter() - start
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["errors"] == 0 and doc["warnings"] == 0, doc["problems"][:5]
    q = doc["quality"]
    assert q["choice_draws"] > 300
    assert q["key_strictly_longest_share"] <= KEY_LONGEST_TARGET
    assert q["all_key_strictly_longest_share"] <= KEY_LONGEST_TARGET
    assert 0.35 <= q["true_false_true_share"] <= 0.65 and 0.35 <= q["true_false_true_share_per_draw"] <= 0.65
    assert seconds < 30  # about 1.5 s on an idle machine; generous for a loaded CI box


def test_statistics_match_a_direct_count():
    bank = load_bank()
    drawn: dict = {}
    check_with_instances(bank, instances=drawn)
    stats = statistics(bank, drawn)
    longest = total = 0
    for item in bank.items.values():
        if item.kind != "choice":
            continue
        for inst in drawn[item.id]:
            key = inst.choices[inst.correct_choice - 1]
            others = [c for i, c in enumerate(inst.choices) if i + 1 != inst.correct_choice]
            total += 1
            longest += all(len(" ".join(re.sub(r"\\[A-Za-z]+|[{}$\\^_`*]", " ", key).split()))
                           > len(" ".join(re.sub(r"\\[A-Za-z]+|[{}$\\^_`*]", " ", o).split())) for o in others)
    assert (stats.choice_draws, stats.key_longest) == (total, longest)


def test_near_duplicate_check_is_fast_for_300_items():
    from quizapp.bank.quality import near_duplicates

    words = ("gradient momentum velocity rate batch epoch decay warmup clipping norm adam valley "
             "loss step weight bias moment schedule seed noise").split()
    import random

    rng = random.Random(3)
    text = "\n".join(f'''[[item]]
id = "t.i{i}"
category = "concept"
prompt = "{' '.join(rng.choice(words) for _ in range(30))}?"
explanation = "x"
answer = {{ kind = "numeric", value = "sqrt(a{i} * {i + 2}) + ceil(b / {i + 3})" }}
params = {{ a{i} = 2, b = 5 }}
''' for i in range(300))
    bank = load_text('topic = "t"\n' + text)
    assert len(bank.items) == 300, bank.problems[:3]
    start = time.perf_counter()
    near_duplicates(list(bank.items.values()), {})
    assert time.perf_counter() - start < 10  # well under a second when idle


# ---------------------------------------------------------------- reading and writing numbers


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-9, max_value=1e9, allow_nan=False, allow_infinity=False), st.booleans())
def test_numbers_in_reads_every_written_form(value, math_mode):
    shown = format(value, ".4g")
    written = scientific(shown, math=math_mode)
    text = f"the rate is ${written}$ here" if math_mode else f"the rate is {written}."
    assert float(shown) in [pytest.approx(v, rel=1e-12) for v in numbers_in(text)]


@pytest.mark.parametrize("text, plain, math", [
    ("2.5e-05", "2.5×10⁻⁵", "2.5 \\times 10^{-5}"),
    ("1e+04", "10⁴", "10^{4}"),
    ("-1e-08", "-10⁻⁸", "-10^{-8}"),
    ("0.02", "0.02", "0.02"),
    ("10.125", "10.125", "10.125"),
])
def test_scientific(text, plain, math):
    assert scientific(text) == plain and scientific(text, math=True) == math


def test_templates_write_powers_of_ten_inside_and_outside_math():
    bank = load_text(r'''
topic = "t"
[[item]]
id = "t.tiny"
category = "calculation"
prompt = "How small is $\\eta\\lambda\\theta$ with $\\eta = {lr}$?"
explanation = "It is ${answer}$, written {answer} in text."
[item.params]
lr = 0.001
[item.answer]
kind = "numeric"
value = "lr * 0.025"
''')
    inst = bank.instance("t.tiny", 0)
    assert inst.explanation == "It is $2.5 \\times 10^{-5}$, written 2.5×10⁻⁵ in text."
    assert inst.answer_display == "2.5e-05"  # what a learner can type back stays plain


def test_grading_messages_never_show_the_answer_as_an_example():
    bank = load_bank()
    inst = bank.instance("gradient_descent.update-size-chapter", 0)
    assert float(inst.answer) == pytest.approx(0.02)
    for typed in ("abc", "1,5", "25%", ""):
        g = bank.grade(inst, typed)
        assert g.correct is None and "0.02" not in g.message and "1/50" not in g.message, g.message
        assert "Type a number such as" in g.message
    other = bank.instance("adam.bias-correction", 0)  # an answer nowhere near 0.02
    assert "0.02, .02, 2e-2" in bank.grade(other, "abc").message or float(other.answer) == pytest.approx(0.02)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_numbers_in_never_fails_on_any_text(text):
    assert all(isinstance(v, float) for v in numbers_in(text))


_NAMES = st.sampled_from(["lr", "eta", "g", "grad", "k", "steps", "beta", "b1", "N", "samples"])


@settings(max_examples=60, deadline=None)
@given(st.lists(_NAMES, min_size=3, max_size=3, unique=True), st.lists(_NAMES, min_size=3, max_size=3, unique=True))
def test_answer_formula_ignores_parameter_names(first, second):
    from quizapp.bank.quality import answer_formula

    def item(names, item_id):
        a, b, c = names
        return load_text(f'''
topic = "t"
[[item]]
id = "t.{item_id}"
category = "calculation"
prompt = "{{{a}}} {{{b}}} {{{c}}}"
explanation = "x"
[item.params]
{a} = {{ choice = [2, 3] }}
{b} = {{ choice = [10, 20] }}
{c} = {{ derived = "{a} * 0.5" }}
[item.answer]
kind = "numeric"
value = "ceil({b} / {c}) + sqrt({a})"
''').items[f"t.{item_id}"]

    one, two = item(first, "one"), item(second, "two")
    assert answer_formula(one) is not None and answer_formula(one) == answer_formula(two)
