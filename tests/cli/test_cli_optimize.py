"""``cableqa optimize`` as a user runs it: segments merged into one, answers unchanged, bad folders refused."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from suite_support import LAVROV, REPO, cli, corpus_or_skip, live_segments


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(*args), cwd=REPO, capture_output=True, text=True, timeout=600, check=False)



def test_optimize_merges_the_segments_of_several_commits_and_answers_alike(
        seed_copy: Callable[[], Path]) -> None:
    root = seed_copy()
    cables = sorted((corpus_or_skip() / "cables").glob("*.txt"))[:3]
    done = _run("ingest", *map(str, cables), "--index", str(root), "--commit-every", "1")
    assert done.returncode == 0, done.stderr
    assert len(live_segments(root)) == 4  # the seed's and one per commit
    before = _run("ask", LAVROV, "--index", str(root), "--json")

    halved = _run("optimize", "--index", str(root), "--max-segments", "2")
    assert halved.returncode == 0, halved.stderr
    assert "merged 4 segments" in halved.stdout and "into 2:" in halved.stdout
    assert len(live_segments(root)) == 2
    assert json.loads(_run("ask", LAVROV, "--index", str(root), "--json").stdout)["hits"] == \
        json.loads(before.stdout)["hits"]
    again = _run("optimize", "--index", str(root), "--max-segments", "2")
    assert again.returncode == 0 and "has at most 2 segments with nothing deleted already" in again.stdout
    refused = _run("optimize", "--index", str(root), "--max-segments", "0")
    assert refused.returncode == 2 and "--max-segments" in refused.stderr

    merged = _run("optimize", "--index", str(root))
    assert merged.returncode == 0, merged.stderr
    assert "merged 2 segments" in merged.stdout and "into one:" in merged.stdout and "4 cables" in merged.stdout
    assert len(live_segments(root)) == 1
    after = _run("ask", LAVROV, "--index", str(root), "--json")
    assert json.loads(after.stdout)["hits"] == json.loads(before.stdout)["hits"]

    again = _run("optimize", "--index", str(root))
    assert again.returncode == 0 and "one segment with nothing deleted already" in again.stdout


def test_optimize_on_a_folder_without_an_index_says_so_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "nothing-here"
    done = _run("optimize", "--index", str(root))
    assert done.returncode == 2
    assert f"no index at {root}" in done.stderr
    assert not root.exists() or not any(root.iterdir())
