"""The cables' filterable fields as columns, built once per snapshot, so a filter costs numpy calls.

The one implementation of the filters' cable-level tests (ids, origins, tags, dates), for searches
and for the cable listing. A Python loop over every cable per query cost little at 1,347 cables and
would cost tens of milliseconds at the 251,000 of the full release; here each test is one
vectorised operation over a column, and tags are looked up in an inverted list (tag -> positions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np
import numpy.typing as npt

from qa.search.filters import Filters

__all__ = ["CableColumns", "FilterableCable"]

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
    """Column ``i`` of each array describes cable position ``i`` of the snapshot."""

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
        return cls(
            positions={c.id: i for i, c in enumerate(cables)},
            origins=np.array([(c.origin or "").upper() for c in cables], dtype=np.str_),
            days=np.array([c.day.toordinal() if c.day else NO_DAY for c in cables], dtype=np.int32),
            tag_positions={t: np.array(p, dtype=np.int64) for t, p in tags.items()},
        )

    def allowed(self, filters: Filters) -> npt.NDArray[np.bool_]:
        """Per cable: passes every cable-level test the filters set (ids, an origin substring, any tag,
        the date range, inclusive). The paragraph-level ceiling is applied by the caller."""
        ok = np.ones(len(self.days), dtype=bool)
        if filters.cable_ids:
            ok &= self._marked([self.positions[i] for i in filters.cable_ids if i in self.positions])
        if filters.origins:
            ok &= np.logical_or.reduce([np.char.find(self.origins, o.upper()) >= 0 for o in filters.origins])
        if filters.tags:
            hits = [self.tag_positions[t.upper()] for t in filters.tags if t.upper() in self.tag_positions]
            ok &= self._marked(np.concatenate(hits) if hits else [])
        if filters.date_from or filters.date_to:
            ok &= self.days != NO_DAY
            if filters.date_from:
                ok &= self.days >= filters.date_from.toordinal()
            if filters.date_to:
                ok &= self.days <= filters.date_to.toordinal()
        return ok

    def _marked(self, positions: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        mask = np.zeros(len(self.days), dtype=bool)
        mask[np.asarray(positions, dtype=np.int64)] = True
        return mask
