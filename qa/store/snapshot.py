"""One immutable view of an index generation (its segments minus their tombstones), as searches read it.

A search takes the current snapshot once and reads only it, so an ingest that
publishes a new generation meanwhile is never seen half-done: queries see the old
state or the new one, never a mix. Building the next snapshot never mutates this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from qa.cables.classification import Classification
from qa.store.bm25_index import BM25Index
from qa.store.cable_columns import CableColumns
from qa.store.dense_segments import SegmentedDense
from qa.store.manifest import Manifest
from qa.store.paragraph_fields import FieldColumn, TextColumn
from qa.store.stacked_rows import Rows

if TYPE_CHECKING:
    from qa.store.segment import Segment

__all__ = ["CableMeta", "Snapshot"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class CableMeta:
    id: str
    datetime: datetime | None
    origin: str | None
    classification: Classification
    subject: str | None
    tags: tuple[str, ...]

    @property
    def day(self) -> date | None:
        return self.datetime.date() if self.datetime else None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Paragraph row ``r`` is ``pids[r]``: the live paragraphs of every segment, in pid order. Row ``r``'s
    windows are ``window_vectors[window_starts[r]:window_ends[r]]``, its sentences likewise. Vectors and
    sentence spans are the segments' own arrays read through :mod:`qa.store.stacked_rows`, not copies."""

    folder: Path | None
    manifest: Manifest
    segments: tuple[Segment, ...]  # in the manifest's order
    cables: tuple[CableMeta, ...]  # by id
    cable_segments: npt.NDArray[np.int32]  # per cable: the position in ``segments`` of the one holding it
    columns: CableColumns  # the cables' filterable fields, vectorised
    pids: IntArray  # ascending
    para_cable: npt.NDArray[np.int32]  # row -> position in ``cables``
    numbers: npt.NDArray[np.int32]
    occurrences: npt.NDArray[np.int16]  # 2 for the second paragraph printed under the same number
    levels: npt.NDArray[np.int8]
    cable_levels: npt.NDArray[np.int8]  # per cable: the highest of its banner and its paragraphs' levels
    markings: FieldColumn  # read from the segments' stores per row asked (qa.store.paragraph_fields)
    sections: FieldColumn
    texts: TextColumn
    window_vectors: Rows  # every segment's windows, stacked, memory-mapped
    window_pids: IntArray  # ascending; windows of deleted paragraphs included (no row points at them)
    window_starts: IntArray
    window_ends: IntArray
    dense: SegmentedDense
    sentence_vectors: Rows  # float16, stacked, memory-mapped
    sentence_spans: Rows  # (start, end) in the paragraph's text, stacked as the sentence vectors are
    sentence_starts: IntArray
    sentence_ends: IntArray
    bm25: BM25Index  # document i = paragraph row i
    cable_bm25: BM25Index  # document i = cables[i]

    @property
    def cable_rows(self) -> dict[str, int]:
        """Cable id -> position in ``cables``."""
        return self.columns.positions

    @property
    def size(self) -> int:
        return len(self.pids)

    def rows_of(self, pids: npt.ArrayLike) -> IntArray:
        """Rows of known pids (unknown ones give -1)."""
        wanted = np.asarray(pids, dtype=np.int64)
        rows = np.searchsorted(self.pids, wanted)
        rows = np.clip(rows, 0, max(self.size - 1, 0))
        found = (self.size > 0) & (self.pids[rows] == wanted) if self.size else np.zeros(len(wanted), bool)
        return np.where(found, rows, -1).astype(np.int64)

    def cable_paragraph_rows(self, cable_id: str) -> IntArray:
        position = self.cable_rows.get(cable_id)
        if position is None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.para_cable == position).astype(np.int64)

    def segment_of(self, cable_id: str) -> Segment | None:
        """The segment holding the live cable ``cable_id``; None when the index does not hold it."""
        position = self.cable_rows.get(cable_id)
        return None if position is None else self.segments[int(self.cable_segments[position])]

    def cable_text(self, cable_id: str) -> str | None:
        """The cable's original text as ingested, from the segment holding it."""
        segment = self.segment_of(cable_id)
        return None if segment is None else segment.store.cable_text(cable_id)
