"""Two processes starting on one empty folder: the seed is built once, and the one that did not build it
serves it at once, not the empty index it opened.

The other process is a real ``cableqa ingest`` of the seed cable, run between this process's open and
its seeding step (the window where a second server worker used to keep the empty snapshot).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from suite_support import LAVROV, REPO, cli

from embeddings.encoder import Encoder
from qa.cables.corpus import seed_cable_path
from qa.service import CableIndex
from qa.startup import seed_unless_held
from qa.store.generations import CURRENT, generations


def test_a_process_that_opened_an_empty_folder_serves_the_seed_another_published_meanwhile(
        encoder: Encoder, tmp_path: Path) -> None:
    root = tmp_path / "index"
    index = CableIndex.open(root, encoder)
    assert index.snapshot.folder is None and not index.exists

    env = {k: v for k, v in os.environ.items() if not k.startswith("CABLEQA_")}
    other = subprocess.run(cli("ingest", str(seed_cable_path()), "--index", str(root)), cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=600, check=False)
    assert other.returncode == 0, other.stderr
    assert index.exists and index.snapshot.folder is None  # published by the other; not yet loaded here

    said: list[str] = []
    seed_unless_held(index, said.append)

    assert said == []  # nothing built here
    assert [p.name for p in generations(root)] == ["gen-000001"]
    assert (root / CURRENT).read_text().strip() == "gen-000001"
    assert (index.snapshot.manifest.generation, index.snapshot.manifest.cables) == (1, 1)
    assert index.ask(LAVROV, k=1).hits[0].citation == "08TOKYO1074 ¶3"


def test_a_process_alone_on_an_empty_folder_builds_the_seed_and_says_so(encoder: Encoder, tmp_path: Path) -> None:
    index = CableIndex.open(tmp_path / "index", encoder)
    said: list[str] = []
    seed_unless_held(index, said.append)
    assert len(said) == 1 and "08TOKYO1074" in said[0] and str(index.root) in said[0]
    assert (index.snapshot.manifest.generation, index.snapshot.manifest.cables) == (1, 1)
    seed_unless_held(index, said.append)  # held now: nothing more
    assert len(said) == 1 and [p.name for p in generations(index.root)] == ["gen-000001"]
