"""``cableqa ask`` under a ceiling shows what the HTTP API shows: no subject of a cable classified above it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from qa.cables.classification import Classification, parse_classification_name

SECRET_CABLE = "08MOSCOW2701"  # banner SECRET; paragraphs marked (C), (SBU) and (U)


def _cli(*args: str, index: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from qa.cli import main; main()", *args, "--index", str(index)],
                          capture_output=True, text=True, timeout=600, check=True)


def test_a_hit_from_a_cable_above_the_ceiling_comes_without_its_subject(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "cables" / f"{SECRET_CABLE}.txt"
    index = tmp_path / "index"
    _cli("ingest", str(source), index=index)
    question = "What questions remain about the Sarkozy-Medvedev agreement?"

    open_answer = json.loads(_cli("ask", question, "--json", index=index).stdout)
    ceiling = "SBU"
    limited = json.loads(_cli("ask", question, "--json", "--max-classification", ceiling, index=index).stdout)

    assert open_answer["hits"][0]["subject"].startswith("NEW SARKOZY-MEDVEDEV AGREEMENT")
    assert limited["hits"], "the SBU and unclassified paragraphs are still found"
    rank = parse_classification_name(ceiling, "ceiling")
    for hit in limited["hits"]:
        assert Classification(hit["classification"]).rank > rank.rank  # every hit here sits in the SECRET cable
        assert hit["subject"] is None, hit["citation"]
        assert hit["marking"] in ("SBU", "U")
