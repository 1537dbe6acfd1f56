"""A replaced generation's files are let go as soon as no reader holds it, not whenever the GC runs.

A long-running server publishes a generation per write and prunes all but two. Each
generation's SQLite store was held open until Python's cyclic GC happened to free its
connection (the statement cache refers back to it), so a busy server kept deleted stores
open: file descriptors and the disk space of pruned generations. With the cyclic GC off,
the only store open after many writes must be the live one, while a reader that still
holds an old snapshot can go on reading it, pruned or not, until it lets go.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from suite_support import copy_index

from embeddings.encoder import Encoder
from qa.cables.records import Cable
from qa.service import CableIndex

FD_DIR = Path("/proc/self/fd")


def _open_stores(root: Path) -> list[str]:
    """The store files under ``root`` this process has open (Linux: read from /proc/self/fd)."""
    found = []
    for fd in os.listdir(FD_DIR):
        try:
            target = os.readlink(FD_DIR / fd)
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
        if target.startswith(str(root)) and "store.sqlite" in target:
            found.append(target.removeprefix(str(root) + "/"))
    return sorted(found)


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    if not FD_DIR.is_dir():
        pytest.skip("needs /proc/self/fd (Linux)")
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_only_the_live_store_stays_open_after_many_writes(no_cyclic_gc: None, seed_index_dir: Path, seed: Cable,
                                                          encoder: Encoder, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    index = CableIndex.open(root, encoder)
    held = index.snapshot  # a reader still busy with generation 1
    for _ in range(6):
        index.ingest([seed])  # replaces the seed: a new generation each time
    assert index.snapshot.manifest.generation == 7
    assert _open_stores(root) == ["segments/seg-000001/store.sqlite (deleted)", "segments/seg-000007/store.sqlite"]
    assert index.cable(seed.id, held).text == seed.text  # the pruned generation still reads

    del held
    assert _open_stores(root) == ["segments/seg-000007/store.sqlite"]
