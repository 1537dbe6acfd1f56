"""What a snapshot joins from each segment besides its files, derived once when the segment loads.

A snapshot numbers the live cables of all its segments by id and lists every live paragraph in pid
order, with the rows of its windows and sentences. A segment is never changed, so everything
about it that does not depend on its tombstones is computed here once per process: its cables'
filter columns and levels, and each paragraph's window and sentence rows within the segment. A
snapshot then joins segments by offsetting and masking these arrays, and publishing one uploaded
cable into an index of 2.5 million paragraphs does not search or sort them all again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qa.store.cable_columns import CableColumns
from qa.store.snapshot import CableMeta

__all__ = ["SegmentLayout"]

IntArray = npt.NDArray[np.int64]
Rows32 = npt.NDArray[np.int32]  # rows within one segment: int32 halves what every process holds per paragraph


@dataclass(frozen=True, slots=True)
class SegmentLayout:
    """Positions are the segment's own: cable ``i`` is ``segment.cables[i]``, paragraph ``j`` its ``j``-th
    by pid, and rows count from the segment's first window or sentence."""

    columns: CableColumns
    cable_levels: npt.NDArray[np.int8]  # per cable: the highest of its banner and its paragraphs' levels
    window_starts: Rows32  # per paragraph: its windows are rows window_starts[j]:window_ends[j]
    window_ends: Rows32
    window_paragraphs: Rows32  # per window: its paragraph, -1 for a pid the segment does not list
    sentence_starts: Rows32
    sentence_ends: Rows32

    @classmethod
    def of(cls, cables: Sequence[CableMeta], paragraph_pids: IntArray, paragraph_cables: npt.NDArray[np.int32],
           paragraph_levels: npt.NDArray[np.int8], window_pids: IntArray, sentence_pids: IntArray) -> SegmentLayout:
        levels = np.array([c.classification.rank for c in cables], dtype=np.int8)
        if len(paragraph_pids):
            np.maximum.at(levels, paragraph_cables, paragraph_levels)
        return cls(
            columns=CableColumns.build(cables),
            cable_levels=levels,
            window_starts=np.searchsorted(window_pids, paragraph_pids, side="left").astype(np.int32),
            window_ends=np.searchsorted(window_pids, paragraph_pids, side="right").astype(np.int32),
            window_paragraphs=_owners(paragraph_pids, window_pids),
            sentence_starts=np.searchsorted(sentence_pids, paragraph_pids, side="left").astype(np.int32),
            sentence_ends=np.searchsorted(sentence_pids, paragraph_pids, side="right").astype(np.int32),
        )


def _owners(paragraph_pids: IntArray, row_pids: IntArray) -> Rows32:
    """Per row, the position of its pid in ``paragraph_pids`` (ascending); -1 where it is not there."""
    if not len(paragraph_pids):
        return np.full(len(row_pids), -1, dtype=np.int32)
    at = np.clip(np.searchsorted(paragraph_pids, row_pids), 0, len(paragraph_pids) - 1)
    return np.where(paragraph_pids[at] == row_pids, at, -1).astype(np.int32)
