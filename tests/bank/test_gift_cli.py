"""`quizapp bank export|import` through the command-line parser."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from tests.bank.test_gift_helpers import CORPUS, ROUNDTRIP_BANK, run_cli


def test_export_gift_then_import_then_check_and_list(tmp_path):
    gift = tmp_path / "out.gift"
    code, out, err = run_cli(["bank", "export", "--format", "gift", "--variants", "2",
                              "--bank", str(ROUNDTRIP_BANK), "-o", str(gift)])
    assert code == 0, err
    assert out.startswith("exported ") and "(gift)" in out
    assert "other.simulated" not in err                      # GIFT has no formulas to fall back from
    toml = tmp_path / "back.toml"
    code, out, err = run_cli(["bank", "import", str(gift), "-o", str(toml)])
    assert code == 0, err
    assert out.strip().splitlines()[-1].startswith("imported ")
    assert "skipped 0" in out

    code, out, _ = run_cli(["bank", "check", "--bank", str(toml)])
    assert code == 0, out
    assert "0 error(s)" in out
    code, out, _ = run_cli(["bank", "list", "--bank", str(toml), "--json"])
    listed = [row["id"] for row in json.loads(out)]
    text = gift.read_text(encoding="utf-8")
    assert listed == [line.split("[id:")[1].split("]")[0] for line in text.splitlines()
                      if line.startswith("// [id:")]


def test_import_reports_skipped_with_lines_and_summary(tmp_path):
    out_toml = tmp_path / "unsupported.toml"
    code, out, err = run_cli(["bank", "import", str(CORPUS / "unsupported.gift"), "-o", str(out_toml)])
    assert code == 0, err
    lines = out.strip().splitlines()
    assert f"{CORPUS / 'unsupported.gift'}:3: skipped essay 'Essay'" in lines[0]
    assert lines[-1] == (f"imported 1; skipped 10 (essay: 1, short answer: 1, description: 1, "
                         f"multiple response: 2, several answer blocks: 1, malformed: 4) -> {out_toml}")
    code, out, _ = run_cli(["bank", "list", "--bank", str(out_toml), "--json"])
    assert [row["id"] for row in json.loads(out)] == ["unsupported.good-one"]


def test_import_json_and_topic(tmp_path):
    out_toml = tmp_path / "x.toml"
    code, out, _ = run_cli(["bank", "import", str(CORPUS / "true_false.gift"), "-o", str(out_toml),
                            "--topic", "quiz-one", "--json"])
    assert code == 0
    payload = json.loads(out)
    assert payload["imported"] == 5 and payload["skipped"] == []
    assert payload["ids"][0] == "quiz-one.tf-plain"
    assert 'topic = "quiz-one"' in out_toml.read_text(encoding="utf-8")


def test_import_refuses_to_overwrite_without_force(tmp_path):
    out_toml = tmp_path / "x.toml"
    out_toml.write_text("keep me", encoding="utf-8")
    code, _, err = run_cli(["bank", "import", str(CORPUS / "true_false.gift"), "-o", str(out_toml)])
    assert code == 2 and "--force" in err
    assert out_toml.read_text(encoding="utf-8") == "keep me"
    code, _, _ = run_cli(["bank", "import", str(CORPUS / "true_false.gift"), "-o", str(out_toml), "--force"])
    assert code == 0 and "[[item]]" in out_toml.read_text(encoding="utf-8")


def test_import_errors_are_one_line(tmp_path):
    code, _, err = run_cli(["bank", "import", str(tmp_path / "missing.gift"), "-o", str(tmp_path / "a.toml")])
    assert code == 2 and "no such file" in err
    bad = tmp_path / "latin1.gift"
    bad.write_bytes("Caf\xe9 ? {T}".encode("latin-1"))
    code, _, err = run_cli(["bank", "import", str(bad), "-o", str(tmp_path / "a.toml")])
    assert code == 2 and "not UTF-8" in err
    code, _, err = run_cli(["bank", "import", str(CORPUS / "true_false.gift"), "-o", str(tmp_path / "a.txt")])
    assert code == 2 and ".toml" in err
    only_essay = tmp_path / "essay.gift"
    only_essay.write_text("Tell me about Adam. {}\n", encoding="utf-8")
    code, out, err = run_cli(["bank", "import", str(only_essay), "-o", str(tmp_path / "e.toml")])
    assert code == 2 and "nothing was written" in err and "skipped 1 (essay: 1)" in out
    assert not (tmp_path / "e.toml").exists()


def test_export_moodle_xml_notes_fallbacks_on_stderr(tmp_path):
    xml_path = tmp_path / "out.xml"
    code, out, err = run_cli(["bank", "export", "--format", "moodle-xml", "--variants", "3",
                              "--bank", str(ROUNDTRIP_BANK), "-o", str(xml_path)])
    assert code == 0, err
    assert "(2 calculated)" in out
    assert "other.simulated: cannot be a Moodle calculated question" in err
    ET.parse(xml_path)


def test_export_topic_filter_and_stdout(tmp_path):
    code, out, err = run_cli(["bank", "export", "--bank", str(ROUNDTRIP_BANK), "--topic", "other",
                              "--variants", "1", "-o", "-"])
    assert code == 0
    assert "$CATEGORY: $course$/top/other" in out and "exchange." not in out
    assert "exported" in err
    code, _, err = run_cli(["bank", "export", "--bank", str(ROUNDTRIP_BANK), "--topic", "nope", "-o", "-"])
    assert code == 2 and "unknown topic" in err
    code, _, err = run_cli(["bank", "export", "--bank", str(ROUNDTRIP_BANK), "--variants", "0", "-o", "-"])
    assert code == 2 and "--variants" in err
    code, _, err = run_cli(["bank", "export", "--bank", str(tmp_path / "none"), "-o", "-"])
    assert code == 2 and "no such file" in err
