"""One immutable, in-memory view of an index generation, as searches read it.

A search takes the current snapshot once and reads only it, so an ingest that
publishes a new generation meanwhile is never seen half-done: queries see the old
state or the new one, never a mix. Building the next snapshot never mutates this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from embeddings.index import VectorIndex
from qa.cables.classification import Classification
from qa.store.bm25_index import BM25Index
from qa.store.cable_columns import CableColumns
from qa.store.manifest import Manifest
from qa.store.sqlite_store import Store

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
    """Paragraph row ``r`` is ``pids[r]``; vectors and sentences point at rows by pid."""

    folder: Path | None
    manifest: Manifest
    store: Store | None
    cables: tuple[CableMeta, ...]
    columns: CableColumns  # the cables' filterable fields, vectorised
    pids: IntArray  # ascending
    para_cable: npt.NDArray[np.int32]  # row -> position in ``cables``
    numbers: npt.NDArray[np.int32]
    occurrences: npt.NDArray[np.int16]  # 2 for the second paragraph printed under the same number
    levels: npt.NDArray[np.int8]
    cable_levels: npt.NDArray[np.int8]  # per cable: the highest of its banner and its paragraphs' levels
    markings: tuple[str | None, ...]
    sections: tuple[str | None, ...]
    texts: tuple[str, ...]
    window_vectors: FloatArray  # memory-mapped once loaded
    window_pids: IntArray  # ascending
    window_offsets: IntArray  # row r's windows are [offsets[r], offsets[r + 1])
    dense: VectorIndex
    sentence_vectors: npt.NDArray[np.floating]  # float16, memory-mapped once loaded
    sentence_pids: IntArray
    sentence_spans: npt.NDArray[np.int32]
    sentence_offsets: IntArray  # row r's sentences are [offsets[r], offsets[r + 1])
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
