"""Several segments' vector arrays read as one, stacked, without copying them.

Each segment's vectors stay memory-mapped in their own file; a search reads a few rows by
position (a gather) or one paragraph's rows (a slice, never across two segments). With one
segment the array itself is used, so the common case costs nothing.

A gather of rows that are not in the page cache faults them in one page at a time, each read
waiting for the one before. :func:`will_need` tells the kernel every page a gather is about to
read first (``madvise(MADV_WILLNEED)``), so the reads are in flight together and the gather then
finds them arriving: on an index larger than the memory left for the page cache, a hybrid question
rescoring ~300 candidates' vectors takes 0.13 s at the median instead of 1.6 s
(``docs/performance.md``, "Segments").
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["READ_AHEAD_FROM", "Rows", "StackedRows", "page_ranges", "stacked", "will_need"]

# Vector files under an eighth of the machine's memory are not read ahead: a question's gather
# finds them in the page cache, and 300 ranges asked for there cost 0.54 ms (measured, pages cached).
READ_AHEAD_FROM = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 8


class StackedRows:
    """``parts`` (2-d arrays of one width) as rows ``0 .. sum(len(part)) - 1``, in order."""

    def __init__(self, parts: Sequence[npt.NDArray[Any]]) -> None:
        self._parts = tuple(parts)
        self._bounds = np.cumsum([0, *(len(p) for p in self._parts)])
        self.dtype = self._parts[0].dtype
        self.shape = (int(self._bounds[-1]), *self._parts[0].shape[1:])

    def __len__(self) -> int:
        return int(self.shape[0])

    def __getitem__(self, key: slice | npt.NDArray[np.integer[Any]]) -> npt.NDArray[Any]:
        if isinstance(key, slice):
            start, stop, _ = key.indices(len(self))
            if stop <= start:
                return self._parts[0][:0]
            part = int(np.searchsorted(self._bounds, start, side="right")) - 1
            base = int(self._bounds[part])
            if stop > self._bounds[part + 1]:
                raise IndexError(f"rows {start}:{stop} span two segments")
            return np.asarray(self._parts[part][start - base:stop - base])
        positions = np.asarray(key, dtype=np.int64)
        out = np.empty((len(positions), *self.shape[1:]), dtype=self.dtype)
        owner = np.searchsorted(self._bounds, positions, side="right") - 1
        for part in np.unique(owner):
            here = owner == part
            out[here] = self._parts[int(part)][positions[here] - self._bounds[part]]
        return out


Rows = npt.NDArray[Any] | StackedRows


def stacked(parts: Sequence[npt.NDArray[Any]], empty: npt.NDArray[Any]) -> Rows:
    """The parts as one array-like: the part itself when there is one, ``empty`` when there is none."""
    if not parts:
        return empty
    if len(parts) == 1:
        return parts[0]
    return StackedRows(parts)


def _advise(part: npt.NDArray[Any], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]) -> None:
    """``MADV_WILLNEED`` over the pages holding rows ``[starts[i], ends[i])`` of ``part``, when it is a
    memory-mapped array (``np.memmap`` keeps its mapping as ``_mmap``, the data ``offset`` bytes into the
    file, the mapping starting at the allocation granularity below it); other arrays are in memory."""
    mapping = getattr(part, "_mmap", None)
    if not isinstance(part, np.memmap) or mapping is None or not len(starts):
        return
    for start, length in zip(*page_ranges(starts, ends, int(part.strides[0]),
                                          int(part.offset) % mmap.ALLOCATIONGRANULARITY), strict=True):
        mapping.madvise(mmap.MADV_WILLNEED, start, length)


def page_ranges(starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64], row_bytes: int,
                into: int) -> tuple[list[int], list[int]]:
    """Page-aligned ``(start, length)`` byte ranges of a mapping covering rows ``[starts[i], ends[i])``
    of ``row_bytes`` each, the first row ``into`` bytes into the mapping (madvise wants whole pages)."""
    page = mmap.PAGESIZE
    first = (starts * row_bytes + into) // page
    last = (ends * row_bytes + into - 1) // page
    return (first * page).tolist(), ((last - first + 1) * page).tolist()


def will_need(rows: Rows, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64],
              from_bytes: int = READ_AHEAD_FROM) -> None:
    """Start reading rows ``[starts[i], ends[i])`` of ``rows`` from disk, every range at once; empty
    ranges are skipped. It changes nothing read: only when the pages arrive. Arrays smaller than
    ``from_bytes`` are left alone: their pages stay cached, and asking costs about 0.5 ms a question."""
    if int(np.prod(rows.shape)) * rows.dtype.itemsize < from_bytes:
        return
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if not isinstance(rows, StackedRows):
        _advise(rows, starts, ends)
        return
    owner = np.searchsorted(rows._bounds, starts, side="right") - 1
    for part in np.unique(owner):
        here = owner == part
        base = rows._bounds[part]
        _advise(rows._parts[int(part)], starts[here] - base, ends[here] - base)
