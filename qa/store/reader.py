"""Load an index generation into a :class:`~qa.store.snapshot.Snapshot`, checked before it is trusted.

A generation folder holds only its ``manifest.json``: the model, dimension, counts, parser
version and passage scheme, the segments it lists (:mod:`qa.store.segment`, each with its
files' SHA-256) and the cables deleted from each (tombstones). Loading reads each segment
once per process: a segment the previous snapshot already held is taken from it, so a reader
following commits loads only what a write added.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress
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
from qa.store.segment import Segment, SegmentInfo, load_segment
from qa.store.segment_layout import SegmentLayout
from qa.store.snapshot import CableMeta, Snapshot
from qa.store.stacked_rows import stacked
from qa.store.window_ids import window_ids

__all__ = ["assemble", "empty_snapshot", "live_cables", "load_current", "load_generation"]

IntArray = npt.NDArray[np.int64]


def live_cables(segments: Sequence[Segment], deleted: dict[str, list[str]]) -> list[npt.NDArray[np.bool_]]:
    """Per segment, which of its cables are live: those its own tombstones do not name. A replaced cable is
    live in the segment holding its new version only, though its id is live in the index."""
    return [np.isin(segment.layout.columns.ids, deleted.get(segment.name, ()), invert=True) if segment.cables
            else np.zeros(0, dtype=bool) for segment in segments]


def assemble(folder: Path | None, manifest: Manifest, segments: Sequence[Segment]) -> Snapshot:
    """The snapshot of one generation: the live cables and paragraphs of ``segments``, in pid order.

    Everything is joined from the segments' layouts (:mod:`qa.store.segment_layout`) with array operations:
    the cables numbered by id across segments, each paragraph's rows offset by the rows of the segments
    before its own."""
    dimension = manifest.dimension
    layouts = [segment.layout for segment in segments]
    live_by_segment = live_cables(segments, manifest.deleted)
    places = _cable_places(folder, layouts, live_by_segment)
    columns = CableColumns.joined([layout.columns for layout in layouts], places)
    cables = _joined_cables(segments, live_by_segment, places, len(columns.ids))
    cable_segments = np.empty(len(cables), dtype=np.int32)
    cable_levels = np.empty(len(cables), dtype=np.int8)
    for s, (layout, place, live) in enumerate(zip(layouts, places, live_by_segment, strict=True)):
        cable_segments[place[live]] = s
        cable_levels[place[live]] = layout.cable_levels[live]
    cable_parts: list[BM25Part] = []
    para_parts: list[BM25Part] = []
    kept: list[tuple[Segment, npt.NDArray[np.bool_]]] = []
    rows = 0
    for segment, live, place in zip(segments, live_by_segment, places, strict=True):
        cable_parts.append(BM25Part(segment.cable_postings, place))
        paragraphs = segment.paragraphs
        keep = live[paragraphs.cables] if len(paragraphs) else np.zeros(0, dtype=bool)
        para_parts.append(BM25Part(segment.postings, np.where(keep, np.cumsum(keep) - 1 + rows, -1).astype(np.int64)))
        kept.append((segment, keep))
        rows += int(keep.sum())

    def joined(column: str, dtype: type) -> npt.NDArray[Any]:
        return _joined([getattr(s.paragraphs, column)[keep] for s, keep in kept], dtype)

    def offset(column: str, counts: list[int]) -> IntArray:
        """A layout's per-paragraph rows of the live paragraphs, shifted past the segments before."""
        bases = np.cumsum([0, *counts])[:-1]
        shifted = [getattr(s.layout, column)[keep].astype(np.int64) + base
                   for (s, keep), base in zip(kept, bases, strict=True)]
        return _joined(shifted, np.int64)

    pids = joined("pids", np.int64)
    if len(pids) > 1 and not bool(np.all(np.diff(pids) > 0)):
        raise IndexCorruptError(f"index generation {folder} lists segments whose paragraphs are not in pid order; "
                                "rebuild with 'cableqa ingest'")
    windows = [s.info.windows for s in segments]  # checked against the files when the segment loaded
    sentences = [s.info.sentences for s in segments]
    return Snapshot(
        folder=folder, manifest=manifest, segments=tuple(segments), cables=cables, cable_segments=cable_segments,
        columns=columns, pids=pids,
        para_cable=_joined([place[s.paragraphs.cables[keep]] for (s, keep), place in zip(kept, places, strict=True)],
                           np.int32),
        numbers=joined("numbers", np.int32), occurrences=joined("occurrences", np.int16),
        levels=joined("levels", np.int8), cable_levels=cable_levels,
        markings=FieldColumn("marking", pids, segments), sections=FieldColumn("section", pids, segments),
        texts=TextColumn(pids, segments),
        window_vectors=stacked([s.vectors.windows for s in segments if len(s.vectors.windows)],
                               np.zeros((0, dimension), dtype=np.float32)),
        window_pids=_joined([s.vectors.window_pids for s in segments], np.int64),
        window_starts=offset("window_starts", windows),
        window_ends=offset("window_ends", windows),
        dense=SegmentedDense([DensePart(s.dense, _deleted_windows(s, keep) if manifest.deleted.get(s.name)
                                        else np.zeros(0, dtype=np.int64)) for s, keep in kept], dimension),
        sentence_vectors=stacked([s.vectors.sentences for s in segments if len(s.vectors.sentences)],
                                 np.zeros((0, dimension), dtype=np.float16)),
        sentence_spans=stacked([s.vectors.sentence_spans for s in segments if len(s.vectors.sentence_spans)],
                               np.zeros((0, 2), dtype=np.int32)),
        sentence_starts=offset("sentence_starts", sentences),
        sentence_ends=offset("sentence_ends", sentences),
        bm25=BM25Index(para_parts), cable_bm25=BM25Index(cable_parts),
    )


def _cable_places(folder: Path | None, layouts: Sequence[SegmentLayout],
                  live_by_segment: Sequence[npt.NDArray[np.bool_]]) -> list[IntArray]:
    """Per segment, each cable's position among the live cables of all segments ordered by id (-1 when it is
    deleted). Each segment lists its cables by id, so a stable sort of their concatenation merges runs."""
    ids = [layout.columns.ids[live] for layout, live in zip(layouts, live_by_segment, strict=True)]
    every = np.concatenate(ids) if ids else np.zeros(0, dtype=np.str_)
    order = np.argsort(every, kind="stable")
    if len(every) > 1 and bool(np.any(every[order[1:]] == every[order[:-1]])):
        raise IndexCorruptError(f"index generation {folder} holds a cable live in two segments (a tombstone is "
                                "missing); rebuild with 'cableqa ingest'")
    position = np.empty(len(every), dtype=np.int64)
    position[order] = np.arange(len(every))
    places, start = [], 0
    for live, live_ids in zip(live_by_segment, ids, strict=True):
        place = np.full(len(live), -1, dtype=np.int64)
        place[live] = position[start:start + len(live_ids)]
        places.append(place)
        start += len(live_ids)
    return places


def _joined_cables(segments: Sequence[Segment], live_by_segment: Sequence[npt.NDArray[np.bool_]],
                   places: Sequence[IntArray], size: int) -> tuple[CableMeta, ...]:
    """The live cables' records in position order."""
    ordered: list[CableMeta | None] = [None] * size
    for segment, live, place in zip(segments, live_by_segment, places, strict=True):
        for at, cable in zip(place[live].tolist(), compress(segment.cables, live.tolist()), strict=True):
            ordered[at] = cable
    return tuple(ordered)  # type: ignore[arg-type]  # every position is filled: the places number 0 .. size - 1


def _deleted_windows(segment: Segment, keep: npt.NDArray[np.bool_]) -> IntArray:
    """The window ids of a segment whose paragraphs are not live (sorted: windows are in pid order)."""
    owners = segment.layout.window_paragraphs
    gone = (owners < 0) | ~keep[np.maximum(owners, 0)] if len(keep) else np.ones(len(owners), dtype=bool)
    return window_ids(segment.vectors.window_pids)[gone]


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
