"""Segments: a write adds one and tombstones what it replaces, so publishing costs what was added; merges and
``optimize`` give the space back; and searches over segments answer exactly as one index of the same cables.

Real model, real FAISS and SQLite, real folders; the corpus cables where ``../shared`` is present.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import mmap
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from suite_support import LAVROV, answers_in_every_mode, corpus_or_skip, live_segments

from embeddings.encoder import Encoder
from qa.cables.classification import Classification
from qa.cables.corpus import read_cable_file
from qa.cables.records import Cable
from qa.errors import IndexCorruptError
from qa.search.answer import Answer
from qa.search.filters import Filters
from qa.service import CableIndex
from qa.store.bm25_index import BM25Index
from qa.store.cable_columns import CableColumns
from qa.store.generations import SEGMENTS
from qa.store.merges import MAX_MERGED_PARAGRAPHS, MERGE_FACTOR, due_merge, forced_runs
from qa.store.segment import COLUMNS_NAME, ParagraphColumns, SegmentInfo, cable_documents, paragraph_documents
from qa.store.snapshot import Snapshot
from qa.store.sqlite_store import CABLE_FIELDS_QUERY, STORE_NAME
from qa.store.stacked_rows import page_ranges, will_need

QUESTIONS = (LAVROV, "Tu-95 bomber intrusion into Japanese airspace", "Sakhalin oil and gas",
             "election results and the opposition", "nuclear program sanctions", "Baluyevsky")


@pytest.fixture(scope="module")
def cables() -> list[Cable]:
    files = sorted((corpus_or_skip() / "cables").glob("*.txt"))[:40:2]
    return [read_cable_file(f) for f in files]


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "write.lock"}


def _size(root: Path, names: set[str] | None = None) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()
               and (names is None or str(p.relative_to(root)) in names))


def test_one_uploaded_cable_writes_its_own_segment_and_a_manifest_and_changes_no_file(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = CableIndex.open(root, encoder)
    index.ingest(cables[:-1])
    before = _files(root)
    index.ingest([cables[-1]])
    after = _files(root)
    written = {name for name in after if name not in before}
    changed = [name for name, digest in before.items() if name in after and after[name] != digest]
    assert changed == ["CURRENT"]  # nothing else is rewritten
    new_segment = live_segments(root)[-1]
    assert {n.split("/")[0] for n in written} == {index.snapshot.folder.name, SEGMENTS}  # type: ignore[union-attr]
    assert {n.split("/")[1] for n in written if n.startswith(SEGMENTS)} == {new_segment}
    assert _size(root, written) < 0.2 * _size(root)
    assert index.snapshot.manifest.cables == len(cables) + 1


def test_a_delete_is_a_tombstone_and_the_cable_is_gone_from_every_mode(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = CableIndex.open(root, encoder)
    index.ingest(cables[:6])  # one segment of six cables besides the seed's
    target = cables[2]
    segment_files = {n: d for n, d in _files(root).items() if n.startswith(SEGMENTS)}
    index.delete(target.id)
    manifest = index.snapshot.manifest
    assert manifest.deleted == {live_segments(root)[1]: [target.id]}
    assert {n: d for n, d in _files(root).items() if n.startswith(SEGMENTS)} == segment_files
    assert target.id not in index.snapshot.cable_rows
    for mode in ("hybrid", "dense", "bm25"):
        for paragraph in target.paragraphs[:3]:
            hits = index.ask(paragraph.text[:200], k=20, mode=mode).hits
            assert all(not h.citation.startswith(target.id + " ") for h in hits), (mode, paragraph.number)
    reopened = CableIndex.open(root, encoder)
    assert (reopened.snapshot.manifest.cables, reopened.snapshot.size) == (manifest.cables, manifest.paragraphs)


def test_many_segments_with_tombstones_answer_exactly_as_one_index_of_the_same_cables(
        seed_copy: Callable[[], Path], tmp_path: Path, encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    segmented = CableIndex.open(root, encoder)
    for cable in cables[:8]:
        segmented.ingest([cable])  # a segment each, merged by the policy as they come
    segmented.ingest(cables[8:14])
    segmented.ingest([cables[3], cables[9]])  # replaced: tombstones in two older segments
    segmented.delete(cables[5].id)
    segmented.delete(cables[11].id)
    assert len(live_segments(root)) > 2 and segmented.snapshot.manifest.deleted

    live = [c for c in [*cables[:14]] if c.id not in {cables[5].id, cables[11].id}]
    seed = segmented.cable("08TOKYO1074")
    whole = CableIndex.open(tmp_path / "whole", encoder)
    whole.ingest([seed, *live])
    assert len(live_segments(tmp_path / "whole")) == 1
    assert segmented.snapshot.manifest.cables == whole.snapshot.manifest.cables
    assert segmented.snapshot.manifest.paragraphs == whole.snapshot.manifest.paragraphs
    assert answers_in_every_mode(segmented, QUESTIONS) == answers_in_every_mode(whole, QUESTIONS)
    _assert_joined_as_defined(segmented.snapshot, whole.snapshot)

    # Texts, markings and sections are read from the segments' stores per row: each row's are its own.
    expected = {(c.id, p.number, p.occurrence): (p.text, p.marking, p.section) for c in [seed, *live]
                for p in c.paragraphs}
    for snapshot in (segmented.snapshot, whole.snapshot):
        rows = range(snapshot.size)
        read = list(zip(snapshot.texts.many(rows), snapshot.markings.many(rows), snapshot.sections.many(rows),
                        strict=True))
        cited = [(snapshot.cables[int(snapshot.para_cable[r])].id, int(snapshot.numbers[r]),
                  int(snapshot.occurrences[r])) for r in rows]
        assert read == [expected[c] for c in cited]
        backwards = rows[::-7]
        assert snapshot.texts.many(backwards) == [snapshot.texts[r] for r in backwards]


def _assert_joined_as_defined(snapshot: Snapshot, whole: Snapshot) -> None:
    """What a snapshot joins from its segments' layouts agrees with its definitions, read from scratch, and
    with one segment holding the same cables."""
    ids = [c.id for c in snapshot.cables]
    assert ids == sorted(ids) == [c.id for c in whole.cables]
    reference = CableColumns.build(snapshot.cables)
    assert snapshot.columns.ids.tolist() == ids and snapshot.columns.positions == reference.positions
    assert snapshot.columns.origins.tolist() == reference.origins.tolist()
    assert snapshot.columns.days.tolist() == reference.days.tolist()
    assert {t: p.tolist() for t, p in snapshot.columns.tag_positions.items()} == \
        {t: p.tolist() for t, p in reference.tag_positions.items()}
    assert snapshot.cable_levels.tolist() == whole.cable_levels.tolist()
    for position, cable_id in enumerate(ids):
        segment = snapshot.segments[int(snapshot.cable_segments[position])]
        assert cable_id in segment.layout.columns.positions
        assert cable_id not in snapshot.manifest.deleted.get(segment.name, [])
    for kind in ("window", "sentence"):
        pids = np.concatenate([getattr(s.vectors, f"{kind}_pids") for s in snapshot.segments])
        assert getattr(snapshot, f"{kind}_starts").tolist() == np.searchsorted(pids, snapshot.pids, "left").tolist()
        assert getattr(snapshot, f"{kind}_ends").tolist() == np.searchsorted(pids, snapshot.pids, "right").tolist()
    assert len(snapshot.dense) == int((snapshot.window_ends - snapshot.window_starts).sum()) == len(whole.dense)
    # Rows are in pid order, which differs (a replaced cable's paragraphs come last): count per cable.
    assert np.bincount(snapshot.para_cable).tolist() == np.bincount(whole.para_cable).tolist()


def _exact_answers(index: CableIndex, filters: Filters) -> list[Answer]:
    """Every question's whole answer per mode: hits, exact scores, highlights and ``answered``."""
    return [index.ask(q, k=10, mode=mode, filters=filters) for q in QUESTIONS for mode in ("hybrid", "dense", "bm25")]


def test_a_question_spread_over_threads_answers_exactly_as_on_one_thread(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    writer = CableIndex.open(root, encoder)
    for cable in cables[:5]:
        writer.ingest([cable])
    writer.delete(cables[2].id)  # a tombstone: the widened per-segment search runs on the pool too
    alone, spread = CableIndex.open(root, encoder, search_threads=1), CableIndex.open(root, encoder, search_threads=3)
    assert len(spread.snapshot.segments) > 2
    for filters in (Filters(), Filters(max_classification=Classification.UNCLASSIFIED),
                    Filters(cable_ids=(cables[0].id, "08TOKYO1074"))):
        assert _exact_answers(spread, filters) == _exact_answers(alone, filters)
        for mode in ("hybrid", "dense") if filters.max_classification is None else ():
            # a paragraph's neighbours are searched on the pool as a question is (the seed's ¶9 is CONFIDENTIAL)
            assert spread.similar("08TOKYO1074", 9, k=10, mode=mode, filters=filters) \
                == alone.similar("08TOKYO1074", 9, k=10, mode=mode, filters=filters)
    assert any(t.name.startswith("cableqa-search") for t in threading.enumerate())  # the pool did the work

    # Many requests share the pool at once (each waiting only on leaf work): none waits forever, none mixes.
    expected = {q: alone.ask(q, k=10).hits for q in QUESTIONS}
    with ThreadPoolExecutor(max_workers=8) as requests:
        answers = list(requests.map(lambda q: (q, spread.ask(q, k=10).hits), QUESTIONS * 6, timeout=120))
    assert all(hits == expected[q] for q, hits in answers)


def test_optimize_merges_every_segment_into_one_and_answers_alike(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = CableIndex.open(root, encoder)
    for chunk in (cables[:3], cables[3:6], cables[6:9]):
        index.ingest(chunk)
    index.delete(cables[4].id)
    index.ingest([cables[1]])  # replaced: live again, in its own segment, and tombstoned in the first
    before = answers_in_every_mode(index, QUESTIONS)
    count = index.snapshot.manifest.paragraphs
    index.optimize()
    assert len(live_segments(root)) == 1 and index.snapshot.manifest.deleted == {}
    assert index.snapshot.size == count
    merged = index.snapshot.segments[0]  # its postings were joined from the merged segments' own
    rows = merged.store.paragraphs()
    fresh = (BM25Index.postings_of(paragraph_documents(rows)),
             BM25Index.postings_of(cable_documents(merged.cables, rows)))
    for joined, built in zip((merged.postings, merged.cable_postings), fresh, strict=True):
        for field in ("terms", "indptr", "docs", "tfs", "lengths"):
            assert np.array_equal(getattr(joined, field), getattr(built, field)), field
    assert answers_in_every_mode(index, QUESTIONS) == before
    assert answers_in_every_mode(CableIndex.open(root, encoder), QUESTIONS) == before
    _assert_loads_read_covering_indexes(root / SEGMENTS / merged.name / STORE_NAME)
    index.optimize()  # nothing left to do: no new generation
    assert len(live_segments(root)) == 1
    index.ingest([cables[10]])
    index.ingest([cables[11]])
    listed = set(live_segments(root))
    kept = {p.name for p in (root / SEGMENTS).iterdir()}
    assert listed <= kept and len(kept - listed) <= 1  # only the previous generation's are kept besides
    _assert_loads_read_covering_indexes(root / SEGMENTS / live_segments(root)[-1] / STORE_NAME)


def test_optimize_into_at_most_n_segments_merges_adjacent_runs_and_drops_every_tombstone(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = CableIndex.open(root, encoder)
    for chunk in (cables[:3], cables[3:6], cables[6:9], cables[9:10]):
        index.ingest(chunk)
    index.delete(cables[7].id)
    before = answers_in_every_mode(index, QUESTIONS)
    vectors_before = _live_vectors(index.snapshot)
    segments = [SegmentInfo.from_dict(s) for s in index.snapshot.manifest.segments]
    assert len(segments) == 5 and index.snapshot.manifest.deleted
    with pytest.raises(ValueError, match="max_segments must be at least 1, got 0"):
        index.optimize(0)
    assert len(live_segments(root)) == 5  # the refusal wrote nothing

    index.optimize(3)
    merged = index.snapshot.manifest
    assert len(merged.segments) <= 3 and merged.deleted == {}
    assert merged.paragraphs == sum(s["paragraphs"] for s in merged.segments)
    pids = [(s["first_pid"], s["last_pid"]) for s in merged.segments]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(pids))  # adjacent runs: segments stay in pid order
    vectors_after = _live_vectors(index.snapshot)  # copied file to file, row for row
    assert vectors_after.keys() == vectors_before.keys()
    assert all(np.array_equal(vectors_after[name], vectors_before[name]) for name in vectors_before)
    assert answers_in_every_mode(index, QUESTIONS) == before
    assert answers_in_every_mode(CableIndex.open(root, encoder), QUESTIONS) == before
    generation = merged.generation
    index.optimize(3)  # nothing left to do: no new generation
    assert index.snapshot.manifest.generation == generation
    index.optimize(1)
    assert len(live_segments(root)) == 1
    assert answers_in_every_mode(index, QUESTIONS) == before


def _live_vectors(snapshot: Snapshot) -> dict[str, np.ndarray]:
    """Every live paragraph's window and sentence vectors, in pid order, across the snapshot's segments."""
    out: dict[str, list[np.ndarray]] = {"windows": [], "sentences": [], "spans": []}
    for segment in snapshot.segments:
        v = segment.vectors
        windows = np.isin(v.window_pids, snapshot.pids)
        sentences = np.isin(v.sentence_pids, snapshot.pids)
        out["windows"].append(np.asarray(v.windows[windows]))
        out["sentences"].append(np.asarray(v.sentences[sentences]))
        out["spans"].append(np.asarray(v.sentence_spans[sentences]))
    return {name: np.concatenate(parts) for name, parts in out.items()}


def _assert_loads_read_covering_indexes(store: Path) -> None:
    """A segment's load lists its cables from a compact index, never from the rows with their texts
    (which a cold page cache reads from disk page by page)."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        plan = " ".join(str(row[-1]) for row in db.execute(f"EXPLAIN QUERY PLAN {CABLE_FIELDS_QUERY}"))
        assert "USING COVERING INDEX" in plan, plan
    finally:
        db.close()


def test_a_reader_following_a_write_loads_only_the_new_segment(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    writer = CableIndex.open(root, encoder)
    reader = CableIndex.open(root, encoder)
    held = reader.snapshot.segments[0]
    writer.ingest([cables[0]])
    reader.refresh()
    assert reader.snapshot.segments[0] is held  # the seed's segment object, not read again
    assert [s.name for s in reader.snapshot.segments] == live_segments(root)
    assert reader.ask(cables[0].paragraphs[0].text[:200], k=1, mode="bm25").hits[0].citation.startswith(cables[0].id)


def test_a_segment_no_generation_lists_is_removed_by_the_next_write(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    orphan = root / SEGMENTS / "seg-000099"  # a write that crashed after its segment, before its generation
    orphan.mkdir()
    (orphan / "windows.npy").write_bytes(b"half")
    index = CableIndex.open(root, encoder)
    assert index.ask(LAVROV, k=1).hits[0].citation == "08TOKYO1074 ¶3"
    index.ingest([cables[0]])
    assert not orphan.exists()


def _info(name: str, paragraphs: int) -> SegmentInfo:
    return SegmentInfo(name, 1, paragraphs, paragraphs, paragraphs, 0, 0)


def test_the_merge_policy_merges_ten_adjacent_segments_of_one_level() -> None:
    small = [_info(f"seg-{i:06d}", 9) for i in range(MERGE_FACTOR - 1)]
    assert due_merge(small) is None
    assert due_merge([*small, _info("seg-000020", 5)]) == (0, MERGE_FACTOR)
    big = _info("seg-000030", 5000)
    assert due_merge([big, *small, _info("seg-000040", 3)]) == (1, 1 + MERGE_FACTOR)
    assert due_merge([*small[:5], big, *small[:5]]) is None  # not adjacent: no merge
    assert due_merge([_info(f"seg-{i:06d}", 150) for i in range(MERGE_FACTOR)]) == (0, MERGE_FACTOR)


def test_the_merge_policy_never_writes_a_segment_above_its_cap() -> None:
    at_cap = MAX_MERGED_PARAGRAPHS // MERGE_FACTOR
    assert due_merge([_info(f"seg-{i:06d}", at_cap) for i in range(MERGE_FACTOR)]) == (0, MERGE_FACTOR)
    level_five = [_info(f"seg-{i:06d}", 214_000) for i in range(MERGE_FACTOR + 3)]  # the release: stays as it is
    assert due_merge(level_five) is None
    # Within one level, the first ten adjacent segments that fit under the cap merge.
    mixed = [_info("seg-000001", 900_000), *[_info(f"seg-{i:06d}", at_cap) for i in range(2, 2 + MERGE_FACTOR)]]
    assert due_merge(mixed) == (1, 1 + MERGE_FACTOR)
    assert due_merge(level_five, max_paragraphs=10**9) == (0, MERGE_FACTOR)


def test_a_forced_merge_splits_into_adjacent_runs_whose_largest_is_as_small_as_can_be() -> None:
    sizes = [100, 10, 10, 10, 100, 100, 30]
    segments = [_info(f"seg-{i:06d}", n) for i, n in enumerate(sizes)]
    assert forced_runs(segments, 1, {}) == [(0, 7)]
    assert forced_runs(segments, 3, {}) == [(0, 4), (5, 7)]  # 130 / 100 / 130: seg 4 is left as it is
    assert forced_runs(segments, 7, {}) == []  # nothing to merge, nothing deleted
    assert forced_runs(segments, 7, {"seg-000004": ["08TOKYO1"]}) == [(4, 5)]  # rewritten without its tombstones
    assert forced_runs(segments, 50, {}) == []
    assert forced_runs([], 3, {}) == []
    # The whole release as the writer left it (bench/results/scale-2_5m-probe.md), into three.
    release = [213_833, 213_588, 21_296, 21_497, 21_338, 8_448, 213_872, 213_624, 21_601, 21_120, 21_607, 8_196,
               213_762, 213_754, 213_648, 214_101, 213_559, 213_816, 213_701, 3_654, 7]
    runs = forced_runs([_info(f"seg-{i:06d}", n) for i, n in enumerate(release)], 3, {})
    assert runs == [(0, 7), (7, 15), (15, 21)]  # 713,872 / 927,312 / 858,838 paragraphs
    with pytest.raises(ValueError, match="max_segments must be at least 1, got 0"):
        forced_runs(segments, 0, {})


def test_segment_vectors_stack_without_copying_and_read_acrosslive_segments(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = CableIndex.open(root, encoder)
    index.ingest(cables[:2])
    snapshot = index.snapshot
    assert len(snapshot.segments) == 2
    rows = np.arange(snapshot.size)
    stacked = np.concatenate([np.asarray(s.vectors.windows) for s in snapshot.segments])
    starts, ends = snapshot.window_starts[rows], snapshot.window_ends[rows]
    assert np.array_equal(snapshot.window_vectors[starts], stacked[starts])
    last = int(rows[-1])
    assert np.array_equal(snapshot.window_vectors[int(starts[last]):int(ends[last])],
                          stacked[int(starts[last]):int(ends[last])])
    # Asking the kernel for every row's pages ahead (each part's own mapping) changes nothing read.
    assert all(getattr(s.vectors.sentences, "_mmap", None) is not None for s in snapshot.segments)
    will_need(snapshot.sentence_vectors, snapshot.sentence_starts, snapshot.sentence_ends, from_bytes=0)
    will_need(snapshot.window_vectors, starts[::-1], ends[::-1], from_bytes=0)
    assert np.array_equal(snapshot.window_vectors[starts], stacked[starts])


def test_read_ahead_asks_for_the_whole_pages_holding_each_range_of_rows() -> None:
    page = mmap.PAGESIZE
    starts, ends = np.array([0, 5, 10], dtype=np.int64), np.array([1, 7, 10 + page], dtype=np.int64)
    offsets, lengths = page_ranges(starts, ends, row_bytes=768, into=128)
    for start, end, offset, length in zip(starts, ends, offsets, lengths, strict=True):
        first_byte, last_byte = 128 + start * 768, 128 + end * 768 - 1
        assert offset % page == 0 and length % page == 0
        assert offset <= first_byte < offset + page and offset + length - page <= last_byte < offset + length


def test_a_manifest_that_lost_a_tombstone_is_refused_on_load(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = CableIndex.open(root, encoder)
    index.ingest(cables[:2])
    index.ingest([cables[0]])  # replaced: a tombstone in the segment it shared with another
    manifest = root / (root / "CURRENT").read_text().strip() / "manifest.json"
    data = json.loads(manifest.read_text())
    assert data["deleted"]
    data["deleted"] = {}
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexCorruptError, match="live in two segments"):
        CableIndex.open(root, encoder)


def test_a_damaged_segment_among_several_fails_the_load_with_its_own_name(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = CableIndex.open(root, encoder)
    for chunk in (cables[:2], cables[2:4], cables[4:6]):
        index.ingest(chunk)
    names = live_segments(root)
    assert len(names) >= 4
    damaged = root / SEGMENTS / names[2] / "window_pids.npy"  # small, so hashed on load
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 0xFF
    damaged.write_bytes(bytes(data))
    for _ in range(3):
        with pytest.raises(IndexCorruptError, match=names[2]):
            CableIndex.open(root, encoder)


def test_paragraph_columns_load_from_their_file_as_the_store_lists_them_and_old_segments_load_without_it(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = CableIndex.open(root, encoder)
    index.ingest(cables[:3])
    before = answers_in_every_mode(index, QUESTIONS)
    for segment in index.snapshot.segments:
        saved = ParagraphColumns.load(segment.folder / COLUMNS_NAME)
        listed = ParagraphColumns.of(segment.store.paragraph_numbers(), segment.cables)
        for name in ("pids", "cables", "numbers", "occurrences", "levels"):  # every column, named here
            assert np.array_equal(getattr(saved, name), getattr(listed, name)), name
            assert getattr(saved, name).dtype == getattr(listed, name).dtype, name
        assert {column.name for column in dataclasses.fields(saved)} == {"pids", "cables", "numbers",
                                                                          "occurrences", "levels"}
    # A segment written before the file existed: not listed, not there; its columns come from the store.
    manifest = root / (root / "CURRENT").read_text().strip() / "manifest.json"
    data = json.loads(manifest.read_text())
    for listed_segment in data["segments"]:
        listed_segment["files"].pop(COLUMNS_NAME)
        listed_segment["sizes"].pop(COLUMNS_NAME)
        (root / SEGMENTS / listed_segment["name"] / COLUMNS_NAME).unlink()
    manifest.write_text(json.dumps(data))
    assert answers_in_every_mode(CableIndex.open(root, encoder), QUESTIONS) == before
