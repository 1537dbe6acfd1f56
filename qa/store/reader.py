"""Load an index generation into a :class:`~qa.store.snapshot.Snapshot`, checked before it is trusted.

A generation folder holds only its ``manifest.json``: the model, dimension, counts, parser
version and passage scheme, the segments it lists (:mod:`qa.store.segment`, each with its
files' SHA-256) and the cables deleted from each (tombstones). Loading reads each segment
once per process: a segment the previous snapshot already held is taken from it, so a reader
following commits loads only what a write added.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from qa.cables.parse import PARSER_VERSION
from qa.errors import IndexCorruptError
from qa.store.bm25_index import BM25Index, BM25Part
from qa.store.cable_columns import CableColumns
from qa.store.dense_segments import DensePart, SegmentedDense
from qa.store.generations import current_generation, read_pointer
from qa.store.manifest import FORMAT_VERSION, Manifest, read_manifest, verify_files
from qa.store.paragraph_fields import FieldColumn, TextColumn
from qa.store.segment import ParagraphColumns, Segment, SegmentInfo, load_segment
from qa.store.snapshot import CableMeta, Snapshot
from qa.store.stacked_rows import stacked
from qa.store.window_ids import window_ids

__all__ = ["assemble", "empty_snapshot", "live_cables", "load_current", "load_generation"]

IntArray = npt.NDArray[np.int64]


def live_cables(segments: Sequence[Segment], deleted: dict[str, list[str]]) -> list[npt.NDArray[np.bool_]]:
    """Per segment, which of its cables are live: those its own tombstones do not name. A replaced cable is
    live in the segment holding its new version only, though its id is live in the index."""
    out = []
    for segment in segments:
        dead = set(deleted.get(segment.name, ()))
        out.append(np.array([c.id not in dead for c in segment.cables], dtype=bool))
    return out


def assemble(folder: Path | None, manifest: Manifest, segments: Sequence[Segment]) -> Snapshot:
    """The snapshot of one generation: the live cables and paragraphs of ``segments``, in pid order."""
    dimension = manifest.dimension
    live_by_segment = live_cables(segments, manifest.deleted)
    listed = sorted((c.id, s, i) for s, (seg, live) in enumerate(zip(segments, live_by_segment, strict=True))
                    for i, c in enumerate(seg.cables) if live[i])
    if len({cable_id for cable_id, _, _ in listed}) != len(listed):
        raise IndexCorruptError(f"index generation {folder} holds a cable live in two segments (a tombstone is "
                                "missing); rebuild with 'cableqa ingest'")
    cables: tuple[CableMeta, ...] = tuple(segments[s].cables[i] for _, s, i in listed)
    cable_segments = np.array([s for _, s, _ in listed], dtype=np.int32)
    columns = CableColumns.build(cables)
    cable_parts: list[BM25Part] = []
    para_parts: list[BM25Part] = []
    kept: list[tuple[ParagraphColumns, npt.NDArray[np.bool_], npt.NDArray[np.int64]]] = []
    rows = 0
    for segment, live in zip(segments, live_by_segment, strict=True):
        position = np.full(len(segment.cables), -1, dtype=np.int64)  # global cable position, -1 when deleted
        position[live] = [columns.positions[c.id] for c, alive in zip(segment.cables, live, strict=True) if alive]
        cable_parts.append(BM25Part(segment.cable_postings, position))
        paragraphs = segment.paragraphs
        keep = live[paragraphs.cables] if len(paragraphs) else np.zeros(0, dtype=bool)
        para_parts.append(BM25Part(segment.postings, np.where(keep, np.cumsum(keep) - 1 + rows, -1).astype(np.int64)))
        kept.append((paragraphs, keep, position))
        rows += int(keep.sum())

    def joined(column: str, dtype: type) -> npt.NDArray[Any]:
        return _joined([getattr(p, column)[keep] for p, keep, _ in kept], dtype)

    pids = joined("pids", np.int64)
    if len(pids) > 1 and not bool(np.all(np.diff(pids) > 0)):
        raise IndexCorruptError(f"index generation {folder} lists segments whose paragraphs are not in pid order; "
                                "rebuild with 'cableqa ingest'")
    para_cable = _joined([position[p.cables[keep]] for p, keep, position in kept], np.int32)
    levels = joined("levels", np.int8)
    cable_levels = np.array([c.classification.rank for c in cables], dtype=np.int8)
    if len(pids):
        np.maximum.at(cable_levels, para_cable, levels)
    window_pids = _joined([s.vectors.window_pids for s in segments], np.int64)
    sentence_pids = _joined([s.vectors.sentence_pids for s in segments], np.int64)
    return Snapshot(
        folder=folder, manifest=manifest, segments=tuple(segments), cables=cables, cable_segments=cable_segments,
        columns=columns, pids=pids, para_cable=para_cable,
        numbers=joined("numbers", np.int32), occurrences=joined("occurrences", np.int16),
        levels=levels, cable_levels=cable_levels,
        markings=FieldColumn("marking", pids, segments), sections=FieldColumn("section", pids, segments),
        texts=TextColumn(pids, segments),
        window_vectors=stacked([s.vectors.windows for s in segments if len(s.vectors.windows)],
                               np.zeros((0, dimension), dtype=np.float32)),
        window_pids=window_pids,
        window_starts=np.searchsorted(window_pids, pids, side="left").astype(np.int64),
        window_ends=np.searchsorted(window_pids, pids, side="right").astype(np.int64),
        dense=SegmentedDense([DensePart(seg.dense, _deleted_windows(seg.vectors.window_pids, pids)
                                        if manifest.deleted.get(seg.name) else np.zeros(0, dtype=np.int64))
                              for seg in segments], dimension),
        sentence_vectors=stacked([s.vectors.sentences for s in segments if len(s.vectors.sentences)],
                                 np.zeros((0, dimension), dtype=np.float16)),
        sentence_pids=sentence_pids,
        sentence_spans=_joined([s.vectors.sentence_spans for s in segments], np.int32, (0, 2)),
        sentence_starts=np.searchsorted(sentence_pids, pids, side="left").astype(np.int64),
        sentence_ends=np.searchsorted(sentence_pids, pids, side="right").astype(np.int64),
        bm25=BM25Index(para_parts), cable_bm25=BM25Index(cable_parts),
    )


def _deleted_windows(window_pids: IntArray, live_pids: IntArray) -> IntArray:
    """The window ids of a segment whose paragraphs are not live (sorted)."""
    gone = ~np.isin(window_pids, live_pids)
    return np.sort(window_ids(window_pids)[gone])


def _joined(parts: list[npt.NDArray[Any]], dtype: type, empty_shape: tuple[int, ...] = (0,)) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(empty_shape, dtype=dtype)


def empty_snapshot(model: str, dimension: int, index_type: str, scheme: str) -> Snapshot:
    """The state of an index that has never been written."""
    manifest = Manifest(FORMAT_VERSION, model, dimension, index_type, PARSER_VERSION, scheme, 0, 0, 0, 0, 0, "")
    return assemble(None, manifest, ())


def _count_problems(manifest: Manifest, snapshot: Snapshot) -> list[str]:
    """Where the segments, less their tombstones, disagree with the manifest's counts (empty when they agree)."""
    problems = []
    if (len(snapshot.cables), snapshot.size) != (manifest.cables, manifest.paragraphs):
        problems.append(f"segments hold {len(snapshot.cables)} cables / {snapshot.size} paragraphs, manifest says "
                        f"{manifest.cables} / {manifest.paragraphs}")
    windows = int((snapshot.window_ends - snapshot.window_starts).sum())
    sentences = int((snapshot.sentence_ends - snapshot.sentence_starts).sum())
    if (windows, sentences, len(snapshot.dense)) != (manifest.vectors, manifest.sentences, manifest.vectors):
        problems.append(f"{windows} window vectors ({len(snapshot.dense)} indexed) and {sentences} sentence vectors, "
                        f"manifest says {manifest.vectors} and {manifest.sentences}")
    return problems


def load_generation(root: Path, model: str, expected: Path | None = None,
                    loaded: Sequence[Segment] = (), hash_up_to: int | None = None) -> Snapshot:
    """Load and check the live generation (or ``expected``, a staged one); any inconsistency is a named
    error, never a wrong answer. Segments in ``loaded`` (by name and files) are reused, not read again;
    a segment's files larger than ``hash_up_to`` bytes are checked by size (:func:`load_segment`)."""
    folder = expected or current_generation(root)
    manifest = read_manifest(folder)
    manifest.check_compatible(model, PARSER_VERSION, folder / "manifest.json")
    try:
        verify_files(folder, manifest)
    except OSError as error:  # a file removed or unreadable while it was being checked
        raise IndexCorruptError(f"index generation {folder} could not be read ({error})") from error
    known = {s.name: s for s in loaded}
    segments = []
    for data in manifest.segments:
        info = SegmentInfo.from_dict(data)
        held = known.get(info.name)
        segments.append(held if held is not None and held.info == info else
                        load_segment(root, info, manifest.dimension, hash_up_to))
    snapshot = assemble(folder, manifest, segments)
    problems = _count_problems(manifest, snapshot)
    if problems:
        raise IndexCorruptError(
            f"index generation {folder} is inconsistent: {'; '.join(problems)}; rebuild with 'cableqa ingest'")
    return snapshot


def load_current(root: Path, model: str, attempts: int = 3, loaded: Sequence[Segment] = (),
                 hash_up_to: int | None = None) -> Snapshot:
    """Load the generation ``CURRENT`` names. A generation pruned by a writer while this process was
    still loading it fails its checks; when ``CURRENT`` has moved on meanwhile, the newer one is loaded."""
    name = read_pointer(root)
    for _ in range(attempts - 1):
        try:
            return load_generation(root, model, loaded=loaded, hash_up_to=hash_up_to)
        except IndexCorruptError:
            now = read_pointer(root)
            if now == name:
                raise
            name = now
    return load_generation(root, model, loaded=loaded, hash_up_to=hash_up_to)
