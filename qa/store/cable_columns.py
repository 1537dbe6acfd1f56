"""The cables' filterable fields as columns, built once per snapshot, so a filter costs numpy calls.

The filters' cable-level tests (:func:`qa.search.filters.cables_allowed`) read these columns: each
test is one vectorised operation over a column, and tags are looked up in an inverted list
(tag -> positions), so a filter costs a few numpy calls whether the index holds 1,347 cables or 251,000.
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
