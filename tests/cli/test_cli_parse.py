"""``cableqa parse``, run as a real process: JSON per cable, a summary on stderr, named failures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from suite_support import REPO

from qa.cables.corpus import seed_cable_path

# What the ``cableqa`` console script runs (``qa.cli:main``), in whatever environment runs the tests.
CABLEQA = [sys.executable, "-c", "from qa.cli import main; main()"]

CABLE_KEYS = {"id", "transmission_id", "datetime", "precedence", "origin", "to", "info", "classification",
              "caveats", "section", "sipdis", "tags", "subject", "references", "classified_by", "reasons",
              "declassify_on", "signer", "partial", "paragraphs"}
PARAGRAPH_KEYS = {"number", "occurrence", "label", "marking", "section", "text", "start", "end", "unnumbered"}


def cableqa(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CABLEQA, *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          encoding="utf-8", timeout=120, check=False)


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_parse_json_prints_every_field_of_the_seed() -> None:
    run = cableqa("parse", seed_cable_path(), "--json")
    assert run.returncode == 0, run.stderr
    [cable] = json_lines(run.stdout)
    assert set(cable) >= CABLE_KEYS
    assert cable["id"] == "08TOKYO1074"
    assert cable["transmission_id"] == "VZCZCXRO1265"
    assert cable["datetime"] == "2008-04-18T09:29:00Z"
    assert cable["precedence"] == "IMMEDIATE"
    assert cable["origin"] == "AMEMBASSY TOKYO"
    assert cable["to"] == [{"name": "SECSTATE WASHDC", "routing_indicator": "RUEHC", "precedence": "IMMEDIATE",
                            "serial": "3576"}]
    assert len(cable["info"]) == 18
    assert cable["info"][1] == {"name": "AMEMBASSY BEIJING", "routing_indicator": "RUEHBJ",
                                "precedence": "PRIORITY", "serial": "2892"}
    assert (cable["classification"], cable["caveats"]) == ("CONFIDENTIAL", [])
    assert cable["section"] == {"number": 1, "of": 3}
    assert cable["sipdis"] is True
    assert cable["tags"] == ["PREL", "MARR", "PARM", "ENRG", "JA", "RS"]
    assert cable["subject"].startswith("RUSSIAN FM LAVROV SAYS AIM AND INTENT OF JAPAN MISSILE DEFENSE")
    assert cable["references"] == ["08TOKYO1002", "08TOKYO366", "07TOKYO2690"]
    assert (cable["classified_by"], cable["reasons"]) == ("Ambassador J. Thomas Schieffer", "1.4 (B) (D)")
    assert cable["declassify_on"] == "2016-04-18"
    assert (cable["signer"], cable["partial"]) == ("SCHIEFFER", False)
    assert [p["number"] for p in cable["paragraphs"]] == list(range(1, 10))
    for paragraph in cable["paragraphs"]:
        assert set(paragraph) == PARAGRAPH_KEYS
    third = cable["paragraphs"][2]
    assert (third["marking"], third["section"], third["unnumbered"]) == ("C", "Missile Defense - No Concerns?", False)
    text = seed_cable_path().read_text(encoding="utf-8")
    assert text[third["start"]:third["end"]].startswith("13. (C) Lavrov said")
    assert "parsed 1 (0 partial), failed 0" in run.stderr


def test_parse_without_arguments_reads_the_bundled_seed() -> None:
    run = cableqa("parse", "--json")
    assert run.returncode == 0, run.stderr
    assert [c["id"] for c in json_lines(run.stdout)] == ["08TOKYO1074"]


def test_parse_folder_prints_one_object_per_cable_and_a_summary_with_reasons(tmp_path: Path) -> None:
    seed_text = seed_cable_path().read_text(encoding="utf-8")
    (tmp_path / "08TOKYO1074.txt").write_text(seed_text, encoding="utf-8")
    (tmp_path / "08TOKYO1074-header.txt").write_text(seed_text[:seed_text.index("[1](#)1. (C)")], encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("Meeting notes, not a cable.\n", encoding="utf-8")
    run = cableqa("parse", tmp_path, "--json")
    assert run.returncode == 0, run.stderr
    cables = json_lines(run.stdout)
    # files in name order: "08TOKYO1074-header.txt" sorts before "08TOKYO1074.txt"
    assert [(c["id"], c["partial"]) for c in cables] == [("08TOKYO1074", True), ("08TOKYO1074", False)]
    assert "parsed 2 (1 partial), failed 2" in run.stderr
    assert f"{tmp_path / 'empty.txt'}: empty text" in run.stderr
    assert f"{tmp_path / 'notes.txt'}: not a cable" in run.stderr


def test_parse_missing_path_exits_non_zero_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-cable.txt"
    run = cableqa("parse", missing, "--json")
    assert run.returncode != 0
    assert run.stdout == ""
    assert str(missing) in run.stderr


def test_parse_of_only_bad_files_exits_non_zero(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    run = cableqa("parse", tmp_path / "empty.txt", "--json")
    assert run.returncode != 0
    assert "parsed 0 (0 partial), failed 1" in run.stderr


def test_parse_text_output_shows_fields_and_paragraphs() -> None:
    run = cableqa("parse", seed_cable_path())
    assert run.returncode == 0, run.stderr
    assert "08TOKYO1074" in run.stdout
    assert "¶3 (C)   [Missile Defense - No Concerns?]" in run.stdout
