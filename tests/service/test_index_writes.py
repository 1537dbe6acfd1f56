"""The index as a service keeps what it wrote: a reload answers alike, a re-ingest adds nothing, a delete removes.

On the seed cable alone; each test that writes takes its own copy of the session's seed index.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from suite_support import LAVROV

from embeddings.encoder import Encoder
from qa.cables.records import Cable
from qa.service import CableIndex


def test_reloading_the_saved_index_gives_identical_hits_and_scores(seed_index: CableIndex, encoder: Encoder) -> None:
    reloaded = CableIndex.open(seed_index.root, encoder)
    for question in (LAVROV, "Tu-95 intrusion", "Baluyevsky", "Sakhalin II pipeline port"):
        for mode in ("hybrid", "dense", "bm25"):
            before = seed_index.ask(question, k=9, mode=mode).hits
            after = reloaded.ask(question, k=9, mode=mode).hits
            assert [(h.citation, round(h.score, 6)) for h in before] == [(h.citation, round(h.score, 6)) for h in after]


def test_reingesting_the_same_cable_leaves_the_paragraph_count_unchanged(
        seed_copy: Callable[[], Path], encoder: Encoder, seed: Cable) -> None:
    index = CableIndex.open(seed_copy(), encoder)  # the seed is in it already
    index.ingest([seed])
    index.ingest([seed])
    index.ingest([seed, seed])
    assert (index.snapshot.manifest.cables, index.snapshot.manifest.paragraphs) == (1, 9)
    assert index.snapshot.size == 9
    assert index.ask(LAVROV, k=1).hits[0].citation == "08TOKYO1074 ¶3"


def test_deleting_a_cable_removes_its_paragraphs_from_every_mode(seed_copy: Callable[[], Path],
                                                                encoder: Encoder) -> None:
    index = CableIndex.open(seed_copy(), encoder)
    index.delete("08TOKYO1074")
    for mode in ("hybrid", "dense", "bm25"):
        assert index.ask(LAVROV, k=5, mode=mode).hits == ()
    reloaded = CableIndex.open(index.root, encoder)
    assert reloaded.snapshot.manifest.paragraphs == 0
    assert reloaded.ask(LAVROV, k=5).hits == ()
