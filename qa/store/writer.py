"""Write the next index generation: the previous one's segments, tombstones for what a write removes or
replaces, and one new segment holding what it adds.

The caller holds the folder's write lock (:mod:`qa.store.writer_lock`) and passes the snapshot
of the generation ``CURRENT`` names. A write stages and publishes only its own segment and a
small manifest, so its cost follows what it adds, not the size of the index. The new generation
is loaded back and checked (counts, checksums) while staged, and published by moving ``CURRENT``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from qa.cables.parse import PARSER_VERSION
from qa.store.batch import EncodedBatch
from qa.store.generations import SEGMENTS, generation_number, prune, publish, staging_folder
from qa.store.manifest import FORMAT_VERSION, Manifest, checksums, write_manifest
from qa.store.postings import Postings
from qa.store.reader import live_cables, load_generation
from qa.store.segment import (
    SENTENCES_NAME,
    WINDOWS_NAME,
    SegmentInfo,
    VectorArrays,
    fill_segment,
    save_kept_rows,
    segment_staging,
    verify_segment,
    write_segment,
)
from qa.store.snapshot import Snapshot
from qa.store.sqlite_store import STORE_NAME, Store
from qa.store.storage_errors import WRITE_FAULTS, storage_error

__all__ = ["Counts", "NextGeneration", "commit_generation", "merged_segment", "without_empty", "write_generation"]


@dataclass(frozen=True, slots=True)
class Counts:
    cables: int
    paragraphs: int
    windows: int
    sentences: int


@dataclass(frozen=True, slots=True)
class NextGeneration:
    """What a generation lists: its segments in pid order, the cables deleted from each, the pid counter."""

    segments: tuple[SegmentInfo, ...]
    deleted: dict[str, list[str]]
    next_pid: int
    counts: Counts


def write_generation(root: Path, previous: Snapshot, batch: EncodedBatch | None, removed: set[str]) -> Snapshot:
    """Publish previous minus ``removed`` (and minus the cables the batch replaces) plus the batch.

    The new generation is checked while still staged; ``CURRENT`` moves only after that. An
    operating-system failure (read-only folder, full disk) removes what was staged and is raised
    as a named error; the live generation is untouched.
    """
    def build(number: int) -> NextGeneration:
        replaced = set(removed) | ({c.id for c in batch.cables} if batch else set())
        deleted, counts = _tombstoned(previous, replaced)
        segments = [SegmentInfo.from_dict(s) for s in previous.manifest.segments]
        next_pid = previous.manifest.next_pid
        if batch is not None and batch.cables:
            info = _write_batch(root, number, previous, batch, next_pid)
            segments.append(info)
            next_pid = info.last_pid + 1
            counts = Counts(counts.cables + info.cables, counts.paragraphs + info.paragraphs,
                            counts.windows + info.windows, counts.sentences + info.sentences)
        return without_empty(NextGeneration(tuple(segments), deleted, next_pid, counts))

    return commit_generation(root, previous, build)


def commit_generation(root: Path, previous: Snapshot, build: Callable[[int], NextGeneration]) -> Snapshot:
    """Stage generation N (``build(N)`` writes any new segment and says what N lists), check it, publish it."""
    staged = _staging_or_fail(root)
    number = generation_number(staged)
    published = False
    try:
        listed = build(number)
        base = previous.manifest
        manifest = Manifest(
            FORMAT_VERSION, base.model, base.dimension, base.index_type, PARSER_VERSION, base.passage_scheme,
            listed.counts.cables, listed.counts.paragraphs, listed.counts.windows, listed.counts.sentences, number,
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), checksums(staged),
            [s.to_dict() for s in listed.segments], listed.deleted, listed.next_pid,
        )
        write_manifest(staged, manifest)
        # The new segment's checksums were computed from its files moments ago: load checks their sizes.
        snapshot = load_generation(root, manifest.model, expected=staged, loaded=previous.segments, hash_up_to=0)
        final = publish(root, staged)
        published = True
        prune(root)
    except BaseException as error:
        shutil.rmtree(staged, ignore_errors=True)
        if not published:  # a segment only this unpublished generation listed
            shutil.rmtree(root / SEGMENTS / f"seg-{number:06d}", ignore_errors=True)
        named = storage_error(error, root, "write a new index generation") if isinstance(error, WRITE_FAULTS) else None
        if named is not None:
            raise named from error
        raise
    return replace(snapshot, folder=final)


def _staging_or_fail(root: Path) -> Path:
    try:
        return staging_folder(root)
    except OSError as error:
        named = storage_error(error, root, "create a staging folder")
        if named is None:
            raise
        raise named from error


def _tombstoned(previous: Snapshot, replaced: set[str]) -> tuple[dict[str, list[str]], Counts]:
    """The previous tombstones plus those of the live cables in ``replaced``, and what stays live."""
    deleted = {name: list(ids) for name, ids in previous.manifest.deleted.items()}
    live = sorted(c for c in replaced if c in previous.cable_rows)
    for cable_id in live:
        segment = previous.segment_of(cable_id)
        assert segment is not None
        deleted.setdefault(segment.name, []).append(cable_id)
    rows = np.concatenate([previous.cable_paragraph_rows(c) for c in live] or [np.zeros(0, dtype=np.int64)])
    base = previous.manifest
    windows = int((previous.window_ends[rows] - previous.window_starts[rows]).sum())
    sentences = int((previous.sentence_ends[rows] - previous.sentence_starts[rows]).sum())
    return deleted, Counts(base.cables - len(live), base.paragraphs - len(rows), base.vectors - windows,
                           base.sentences - sentences)


def without_empty(listed: NextGeneration) -> NextGeneration:
    """Segments whose every cable is deleted are no longer listed (nor are their tombstones)."""
    kept = tuple(s for s in listed.segments if len(set(listed.deleted.get(s.name, ()))) < s.cables)
    names = {s.name for s in kept}
    deleted = {name: sorted(set(ids)) for name, ids in listed.deleted.items() if name in names and ids}
    return replace(listed, segments=kept, deleted=deleted)


def _write_batch(root: Path, number: int, previous: Snapshot, batch: EncodedBatch, first_pid: int) -> SegmentInfo:
    """Segment ``number`` holding the batch's cables, their paragraphs numbered from ``first_pid``."""
    staged = segment_staging(root, number)
    store = Store(staged / STORE_NAME)
    pids: list[int] = []
    for cable in batch.cables:
        pids.extend(store.insert_cable(cable, first_pid + len(pids)))
    batch_pids = np.array(pids, dtype=np.int64)
    vectors = VectorArrays(
        windows=batch.window_vectors,
        window_pids=batch_pids[batch.window_para],
        sentences=batch.sentence_vectors,
        sentence_pids=batch_pids[batch.sentence_para],
        sentence_spans=batch.sentence_spans,
    )
    return write_segment(staged, store, vectors, previous.manifest.index_type, previous.manifest.dimension)


def merged_segment(staged: Path, previous: Snapshot, run: Sequence[SegmentInfo]) -> SegmentInfo:
    """Fill the empty folder ``staged`` with a segment holding the live cables of ``previous``'s adjacent
    segments ``run``: pids, vectors and BM25 postings kept (joined, not computed again), the vector index
    built anew. It reads only ``previous``'s immutable segments, so it needs no lock; the folder keeps
    its staging name (:func:`~qa.store.segment.place_segment` gives it its own under the lock).

    Every file of the run is hashed first (those its load checked by size only): a damaged segment is a
    named error here, never copied into the merged one, as Lucene checks a segment's integrity before
    merging it."""
    by_name = {s.name: s for s in previous.segments}
    segments = [by_name[info.name] for info in run]
    for segment in segments:
        verify_segment(segment)
    store = Store(staged / STORE_NAME)
    for segment in segments:
        store.copy_cables(segment.folder / STORE_NAME, previous.manifest.deleted.get(segment.name, []))
    live = live_cables(segments, previous.manifest.deleted)
    live_rows = [np.isin(s.paragraphs.pids, previous.pids) for s in segments]
    paragraphs = Postings.concatenated([(s.postings, keep) for s, keep in zip(segments, live_rows, strict=True)])
    cables = Postings.concatenated([(s.cable_postings, keep) for s, keep in zip(segments, live, strict=True)])
    joined_ids = [c.id for s, keep in zip(segments, live, strict=True)
                  for c, alive in zip(s.cables, keep, strict=True) if alive]
    by_id = np.argsort(np.array(joined_ids, dtype=np.str_), kind="stable")  # the merged store lists cables by id
    new_of_old = np.empty(len(joined_ids), dtype=np.int64)
    new_of_old[by_id] = np.arange(len(joined_ids))
    parts = [s.vectors for s in segments]
    windows_kept = [np.isin(p.window_pids, previous.pids) for p in parts]
    sentences_kept = [np.isin(p.sentence_pids, previous.pids) for p in parts]
    vectors = VectorArrays(  # the vectors go file to file; the vector index holds its own copy of the windows
        windows=save_kept_rows(staged / WINDOWS_NAME, [(p.windows, k) for p, k in zip(
            parts, windows_kept, strict=True)], np.float32),
        window_pids=np.concatenate([p.window_pids[k] for p, k in zip(parts, windows_kept, strict=True)]),
        sentences=save_kept_rows(staged / SENTENCES_NAME, [(p.sentences, k) for p, k in zip(
            parts, sentences_kept, strict=True)], np.float16),
        sentence_pids=np.concatenate([p.sentence_pids[k] for p, k in zip(parts, sentences_kept, strict=True)]),
        sentence_spans=np.concatenate([p.sentence_spans[k] for p, k in zip(parts, sentences_kept, strict=True)]),
    )
    return fill_segment(staged, store, vectors, previous.manifest.index_type, previous.manifest.dimension,
                        (paragraphs, cables.renumbered(new_of_old)), vectors_saved=True)
