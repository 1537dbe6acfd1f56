"""``cableqa ingest`` waits for the background merge its commits started before it exits."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from suite_support import REPO, cli, corpus_or_skip, live_segments

from qa.cables.corpus import read_cable_file
from qa.store.merges import MERGE_FACTOR


def test_ingest_exits_only_once_the_merge_its_commits_made_due_is_published(seed_copy: Callable[[], Path]) -> None:
    root = seed_copy()  # the seed's segment: 9 paragraphs, level 0
    files = sorted((corpus_or_skip() / "cables").glob("*.txt"))
    small = [f for f in files[:60] if len(read_cable_file(f).paragraphs) < 10][:MERGE_FACTOR - 1]
    assert len(small) == MERGE_FACTOR - 1  # with the seed's, ten level-0 segments: a merge is due
    done = subprocess.run(cli("ingest", *map(str, small), "--index", str(root), "--commit-every", "1"),
                          cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert len(live_segments(root)) == 1
    assert not [p.name for p in (root / "segments").iterdir() if p.name.startswith(".tmp-")]
    assert f"now holds {MERGE_FACTOR} cables" in done.stdout
