"""Issue 11, item 12: GIFT import of Moodle's own numerical export, short answers labelled
as such, and large files imported whole (split into several bank files), never capped silently."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from quizapp.bank import check_bank, load_bank, load_text
from quizapp.bank.gift import import_gift, read_gift
from tests.bank.test_gift_helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]

# what Moodle 4.x writes for a numerical question with "any other answer" feedback
MOODLE_NUMERICAL = """// question: 12  name: Sum
::Sum::[html]<p>What is 1 + 2?</p>{#
=%100%3:2#Right, three.
~#Completely wrong
}
"""


def test_moodles_numerical_export_with_wrong_answer_feedback_imports():
    for text in (MOODLE_NUMERICAL, "::Short::What is 1 + 2?{#\n=3:2\n~#Completely wrong}\n"):
        result = import_gift(text, "sums")
        assert result.skipped == [], result.skipped
        [table] = result.items
        assert table["answer"]["kind"] == "numeric" and table["answer"]["value"] == 3
        assert table["answer"]["tolerance"] == {"absolute": 2}
        assert "Completely wrong" in table["explanation"]
        bank = load_text(result.toml("sums"))
        inst = bank.instance(table["id"], 0)
        assert bank.grade(inst, "4").correct is True and bank.grade(inst, "6").correct is False
        assert check_bank(bank, quality=False) == []  # the quality checks judge content, not the import


def test_a_bare_word_answer_is_a_short_answer():
    result = read_gift("::Q:: Name the optimizer that keeps a velocity. {Momentum}\n\n"
                       "::R:: Which one? {One}\n")
    assert [(s.type, s.line) for s in result.skipped] == [("short answer", 1), ("short answer", 3)]
    assert "short-answer" in result.skipped[0].reason


def _questions(n: int) -> str:
    return "\n\n".join(f"::Q{i}:: What is {i} plus one? {{#{i + 1}}}" for i in range(n)) + "\n"


def test_twenty_thousand_questions_are_all_read_no_cap():
    result = read_gift(_questions(20_000), "big")
    assert len(result.items) == 20_000 and not result.skipped and not result.notes
    assert result.items[-1]["answer"]["value"] == 20_000


def test_parts_respect_the_loaders_item_and_byte_limits(monkeypatch):
    from quizapp.bank import loader

    result = read_gift(_questions(50), "big")
    monkeypatch.setattr(loader, "MAX_ITEMS_PER_FILE", 20)
    assert [count for _, count in result.toml_parts("big")] == [20, 20, 10]
    monkeypatch.setattr(loader, "MAX_ITEMS_PER_FILE", 2000)
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 4096 + 2000)
    parts = result.toml_parts("big")
    assert len(parts) > 1 and sum(count for _, count in parts) == 50
    assert all(len(text.encode()) <= 2000 for text, count in parts if count > 1)


def test_the_import_command_writes_every_question_into_several_files(tmp_path):
    gift = tmp_path / "big.gift"
    gift.write_text(_questions(4500), encoding="utf-8")
    out = tmp_path / "bank" / "big.toml"
    out.parent.mkdir()
    code, stdout, err = run_cli(["bank", "import", str(gift), "-o", str(out), "--json"])
    assert code == 0, err
    payload = json.loads(stdout)
    assert payload["imported"] == 4500
    assert [Path(p).name for p in payload["outputs"]] == ["big.toml", "big-2.toml", "big-3.toml"]
    bank = load_bank(out.parent)
    assert len(bank.items) == 4500 and not bank.errors
    # again without --force: the first file exists, so nothing is overwritten
    code, _, err = run_cli(["bank", "import", str(gift), "-o", str(out)])
    assert code == 2 and "--force" in err


def test_an_oversized_gift_file_is_refused_with_a_non_zero_exit(tmp_path):
    gift = tmp_path / "huge.gift"
    gift.write_text(_questions(1) + "x" * (5 * 1024 * 1024), encoding="utf-8")
    code, _, err = run_cli(["bank", "import", str(gift), "-o", str(tmp_path / "h.toml")])
    assert code == 2 and "larger than 5 MB" in err
    assert not (tmp_path / "h.toml").exists()


def test_a_fifo_or_a_device_as_the_gift_file_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "q.gift"
    os.mkfifo(fifo)
    link = tmp_path / "zero.gift"
    link.symlink_to("/dev/zero")
    for path, words in ((fifo, "not a regular file (a FIFO"), (link, "not a regular file (a device)")):
        proc = subprocess.run([sys.executable, "-m", "quizapp", "bank", "import", str(path), "-o",
                               str(tmp_path / "o.toml")], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 2 and words in proc.stderr, proc.stderr


def test_more_questions_than_one_import_takes_are_refused_loudly(tmp_path):
    from quizapp.bank.gift import MAX_IMPORT_QUESTIONS

    gift = tmp_path / "tiny.gift"
    gift.write_text("\n\n".join("::a:: b {T}" for _ in range(MAX_IMPORT_QUESTIONS + 1)) + "\n",
                    encoding="utf-8")
    out = tmp_path / "tiny.toml"
    code, stdout, err = run_cli(["bank", "import", str(gift), "-o", str(out)])
    assert code == 2 and "nothing was written" in err
    assert f"more than {MAX_IMPORT_QUESTIONS:,} questions" in stdout
    assert not out.exists()
    assert f"up to {MAX_IMPORT_QUESTIONS:,} questions" in (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
