"""Growing an index: the ``auto`` index type (per segment: flat while small, HNSW beyond, the same answers) and
ingest chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.encoder import Encoder
from qa.cables.records import Cable
from qa.errors import InvalidQueryError
from qa.service import CableIndex

QUESTIONS = ("what did Lavrov say about missile defense", "Tu-95 intrusion into Japanese airspace",
             "Sakhalin II pipeline to Koz'mino", "who heads the Japanese delegation")


def _cited(index: CableIndex) -> list[list[str]]:
    return [[h.citation for h in index.ask(q, k=5, mode="dense").hits] for q in QUESTIONS]


def test_auto_gives_large_segments_hnsw_and_small_ones_flat_and_answers_as_flat_does(
        tmp_path: Path, encoder: Encoder, seed: Cable, mixed_cables: list[Cable],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("embeddings.index.AUTO_HNSW_FROM", 40)  # the seed alone has fewer windows
    grown = CableIndex.open(tmp_path / "auto", encoder)
    grown.ingest([seed])
    assert grown.snapshot.dense.kind == "flat"

    grown.ingest(mixed_cables)
    exact = CableIndex.open(tmp_path / "flat", encoder, "flat")
    exact.ingest([seed, *mixed_cables])

    # The seed's segment stays flat; the segment of the mixed cables is past 40 windows: HNSW.
    assert grown.snapshot.dense.kind == "flat+hnsw" and grown.snapshot.manifest.index_type == "auto"
    assert _cited(grown) == _cited(exact)
    reopened = CableIndex.open(tmp_path / "auto", encoder)
    assert reopened.snapshot.dense.kind == "flat+hnsw" and _cited(reopened) == _cited(exact)
    grown.optimize()
    assert grown.snapshot.dense.kind == "hnsw" and _cited(grown) == _cited(exact)

    # A deletion (a tombstone in the HNSW segment) and a re-ingest (a new segment) answer as flat does.
    gone = mixed_cables[0].id
    grown.delete(gone)
    exact.delete(gone)
    assert len(grown.snapshot.dense) == grown.snapshot.manifest.vectors == exact.snapshot.manifest.vectors
    assert _cited(grown) == _cited(exact)
    grown.ingest([mixed_cables[0]])
    exact.ingest([mixed_cables[0]])
    assert len(grown.snapshot.dense) == len(exact.snapshot.dense) and _cited(grown) == _cited(exact)


def test_ingest_encodes_whole_cables_in_chunks_of_about_the_asked_paragraphs(
        tmp_path: Path, encoder: Encoder, seed: Cable, mixed_cables: list[Cable]) -> None:
    cables = [seed, *mixed_cables]
    reported: list[int] = []
    index = CableIndex.open(tmp_path / "chunks", encoder)

    index.ingest(cables, on_encoded=reported.append, chunk_paragraphs=20)

    assert sum(reported) == len(cables) and len(reported) > 1
    start = 0
    for size in reported[:-1]:  # every chunk but the last holds at least 20 paragraphs, in whole cables
        assert sum(len(c.paragraphs) for c in cables[start:start + size]) >= 20
        start += size
    assert index.snapshot.manifest.paragraphs == sum(len(c.paragraphs) for c in cables)


def test_ingest_with_commit_size_publishes_one_generation_per_run_and_ends_where_one_commit_would(
        tmp_path: Path, encoder: Encoder, seed: Cable, mixed_cables: list[Cable]) -> None:
    cables = [seed, *mixed_cables]
    asked: list[int] = []
    stepped = CableIndex.open(tmp_path / "stepped", encoder)
    stepped.ingest([seed])

    def every_two(held: int) -> int:
        asked.append(held)
        return 2

    reported: list[int] = []
    stepped.ingest(cables, on_encoded=reported.append, chunk_paragraphs=10, commit_size=every_two)
    once = CableIndex.open(tmp_path / "once", encoder)
    once.ingest(cables, chunk_paragraphs=10)

    runs = (len(cables) + 1) // 2
    assert asked == [1 + 2 * i for i in range(runs)]  # counted as if every cable were new
    assert stepped.snapshot.manifest.generation == 1 + runs and once.snapshot.manifest.generation == 1
    assert sum(reported) == len(cables) and len(reported) >= runs  # chunks never span two commits
    for manifest in (stepped.snapshot.manifest, once.snapshot.manifest):
        assert (manifest.cables, manifest.paragraphs) == (len(cables), sum(len(c.paragraphs) for c in cables))
    assert _cited(stepped) == _cited(once)
    assert CableIndex.open(tmp_path / "stepped", encoder).snapshot.manifest == stepped.snapshot.manifest


def test_a_commit_size_below_one_is_refused_before_anything_is_encoded(
        tmp_path: Path, encoder: Encoder, seed: Cable) -> None:
    index = CableIndex.open(tmp_path / "index", encoder)
    with pytest.raises(InvalidQueryError, match="commit_size"):
        index.ingest([seed], commit_size=lambda held: 0)
    assert index.snapshot.manifest.cables == 0
