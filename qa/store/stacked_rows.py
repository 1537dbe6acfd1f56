"""Several segments' vector arrays read as one, stacked, without copying them.

Each segment's vectors stay memory-mapped in their own file; a search reads a few rows by
position (a gather) or one paragraph's rows (a slice, never across two segments). With one
segment the array itself is used, so the common case costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Rows", "StackedRows", "stacked"]


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
