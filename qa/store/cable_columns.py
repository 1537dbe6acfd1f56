"""The cables' filterable fields as columns, so a filter costs numpy calls.

The filters' cable-level tests (:func:`qa.search.filters.cables_allowed`) read these columns: each
test is one vectorised operation over a column, and tags are looked up in an inverted list
(tag -> positions), so a filter costs a few numpy calls whether the index holds 1,347 cables or 251,000.
Each segment builds its own columns once, when it loads; a snapshot joins its segments' columns
with array operations (:meth:`CableColumns.joined`), so publishing a write does not read every
cable's fields again in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["NO_DAY", "CableColumns", "FilterableCable"]

NO_DAY = -1


class FilterableCable(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def origin(self) -> str | None: ...

    @property
    def tags(self) -> tuple[str, ...]: ...

    @property
    def day(self) -> date | None: ...


@dataclass(frozen=True, slots=True)
class CableColumns:
    """Column ``i`` of each array describes cable position ``i`` of the snapshot (or of the segment)."""

    ids: npt.NDArray[np.str_]
    positions: dict[str, int]
    origins: npt.NDArray[np.str_]  # upper-cased, "" where unknown
    days: npt.NDArray[np.int32]  # proleptic ordinal, NO_DAY where the cable has no date
    tag_positions: dict[str, npt.NDArray[np.int64]]

    @classmethod
    def build(cls, cables: Sequence[FilterableCable]) -> CableColumns:
        tags: dict[str, list[int]] = {}
        for i, cable in enumerate(cables):
            for tag in cable.tags:
                tags.setdefault(tag.upper(), []).append(i)
        ids = np.array([c.id for c in cables], dtype=np.str_)
        return cls(
            ids=ids,
            positions=dict(zip(ids.tolist(), range(len(ids)), strict=True)),
            origins=np.array([(c.origin or "").upper() for c in cables], dtype=np.str_),
            days=np.array([c.day.toordinal() if c.day else NO_DAY for c in cables], dtype=np.int32),
            tag_positions={t: np.array(p, dtype=np.int64) for t, p in tags.items()},
        )

    @classmethod
    def joined(cls, parts: Sequence[CableColumns], places: Sequence[npt.NDArray[np.int64]]) -> CableColumns:
        """Several parts' columns as one: cable ``i`` of ``parts[k]`` becomes position ``places[k][i]``, or is
        left out where that is -1. The places kept must number the joined cables ``0 .. n - 1``."""
        kept = [place >= 0 for place in places]
        size = sum(int(keep.sum()) for keep in kept)
        ids = np.empty(size, dtype=_widest([p.ids for p in parts]))
        origins = np.empty(size, dtype=_widest([p.origins for p in parts]))
        days = np.empty(size, dtype=np.int32)
        for part, place, keep in zip(parts, places, kept, strict=True):
            ids[place[keep]] = part.ids[keep]
            origins[place[keep]] = part.origins[keep]
            days[place[keep]] = part.days[keep]
        return cls(
            ids=ids,
            positions=dict(zip(ids.tolist(), range(size), strict=True)),
            origins=origins,
            days=days,
            tag_positions=_joined_tags(parts, places),
        )


def _joined_tags(parts: Sequence[CableColumns],
                 places: Sequence[npt.NDArray[np.int64]]) -> dict[str, npt.NDArray[np.int64]]:
    """Every part's inverted tag lists renumbered by ``places`` and merged: one sort over all of them rather
    than numpy calls per tag and part (an index of 251,000 cables has thousands of tags in each segment)."""
    codes: dict[str, int] = {}
    tag_codes, positions = [], []
    for part, place in zip(parts, places, strict=True):
        if not part.tag_positions:
            continue
        lists = list(part.tag_positions.values())
        tag_codes.append(np.repeat([codes.setdefault(t, len(codes)) for t in part.tag_positions],
                                   [len(x) for x in lists]))
        positions.append(place[np.concatenate(lists)])
    if not positions:
        return {}
    code, position = np.concatenate(tag_codes), np.concatenate(positions)
    live = position >= 0
    if not live.any():
        return {}
    # One sort of (tag, position) packed in an int64 key, several times faster than np.lexsort of the pair
    # (docs/performance.md, "Segments", segment layouts).
    span = int(position.max()) + 1
    key = np.sort(code[live].astype(np.int64) * span + position[live])
    code, position = key // span, key % span
    bounds = np.flatnonzero(np.diff(code)) + 1
    names = list(codes)
    return {names[int(c)]: run for c, run in zip(code[np.r_[0, bounds]], np.split(position, bounds), strict=True)}


def _widest(columns: Sequence[npt.NDArray[np.str_]]) -> np.dtype[np.str_]:
    """The string type that holds every column's values (a column of no strings is ``<U1``)."""
    return np.result_type(np.dtype("<U1"), *(c.dtype for c in columns))
