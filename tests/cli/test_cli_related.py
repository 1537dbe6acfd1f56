"""``cableqa refs``, ``cableqa similar`` and ``cableqa eval --compare`` as a user runs them (real processes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eval.trec import write_run


def _cli(*args: str, index: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    where = ["--index", str(index)] if index else []
    return subprocess.run([sys.executable, "-c", "from qa.cli import main; main()", *args, *where],
                          capture_output=True, text=True, timeout=600, check=check)


def test_refs_and_similar_on_cables_that_cite_each_other(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    cables = corpus / "cables"
    _cli("ingest", str(cables / "10BERLIN128.txt"), str(cables / "09BERLIN1528.txt"), index=index)
    links = json.loads(_cli("refs", "09berlin1528", "--json", index=index).stdout)
    assert [c["cable_id"] for c in links["referenced_by"]] == ["10BERLIN128"]
    assert "09BERLIN1393" in {r["cable_id"] for r in links["references"]}
    text = _cli("refs", "10BERLIN128", index=index).stdout
    assert "09BERLIN1528  [indexed]" in text
    answer = json.loads(_cli("similar", "10BERLIN128 ¶2", "--k", "3", "--json", index=index).stdout)
    assert answer["question"] == "10BERLIN128 ¶2"
    assert answer["hits"] and {h["cable_id"] for h in answer["hits"]} == {"09BERLIN1528"}
    bad = _cli("similar", "the second paragraph", index=index, check=False)
    assert bad.returncode == 2 and "not a paragraph citation" in bad.stderr


def test_eval_compare_two_saved_runs(tmp_path: Path) -> None:
    pytest.importorskip("ranx")
    first, second = tmp_path / "first.run", tmp_path / "second.run"
    # q001 and q002 of the bundled seed set ask for 08TOKYO1074 ¶1 and ¶3/¶1.
    write_run({"q001": {"08TOKYO1074 ¶1": 1.0}, "q002": {"08TOKYO1074 ¶9": 1.0}}, first)
    write_run({"q001": {"08TOKYO1074 ¶1": 1.0}, "q002": {"08TOKYO1074 ¶3": 1.0}}, second)
    out = _cli("eval", "--compare", str(first), str(second), "--report", str(tmp_path / "report")).stdout
    assert "second vs first (paired Student's t-test, ranx" in out
    assert "| all |" in out and "| factual |" in out
    assert (tmp_path / "report" / "eval.md").is_file() and (tmp_path / "report" / "eval.png").is_file()
    bad = _cli("eval", "--compare", "hybrid", str(tmp_path / "missing.run"), check=False)
    assert bad.returncode == 2 and "neither a mode" in bad.stderr
