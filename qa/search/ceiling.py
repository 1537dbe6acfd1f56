"""The classification ceiling: one rule for what a reader under a ceiling may see and change.

A paragraph is visible when its level (its portion mark, or its cable's level where it has none)
is at or below the ceiling. A cable's worded header (subject, references, ...) is visible when the
cable's own level is. A cable as a whole (for cable-level BM25 evidence, or for being replaced or
deleted) counts at the highest level of anything in it. ``None`` is no ceiling.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from qa.cables.classification import Classification
from qa.cables.records import Cable
from qa.errors import ForbiddenError
from qa.store.snapshot import Snapshot

__all__ = ["allows", "cable_level", "cables_within", "refuse_changing_above", "visible_rows"]


def allows(ceiling: Classification | None, level: Classification) -> bool:
    """Whether a reader under ``ceiling`` may see text at ``level``."""
    return ceiling is None or ceiling.allows(level)


def cable_level(cable: Cable) -> Classification:
    """The highest level anywhere in a parsed cable: its banner or any paragraph's portion mark."""
    levels = [cable.classification, *(p.classification(cable.classification) for p in cable.paragraphs)]
    return max(levels, key=lambda level: level.rank)


def visible_rows(snapshot: Snapshot, rows: npt.NDArray[np.int64],
                 ceiling: Classification | None) -> npt.NDArray[np.int64]:
    """The paragraph rows among ``rows`` a reader under ``ceiling`` may see."""
    if ceiling is None:
        return rows
    return rows[snapshot.levels[rows] <= ceiling.rank]


def cables_within(snapshot: Snapshot, ceiling: Classification) -> npt.NDArray[np.bool_]:
    """Per cable position: its banner and every paragraph at or below ``ceiling``."""
    within: npt.NDArray[np.bool_] = snapshot.cable_levels <= ceiling.rank
    return within


def refuse_changing_above(snapshot: Snapshot, cable_ids: Sequence[str], ceiling: Classification,
                          doing: str = "replace") -> None:
    """A key under ``ceiling`` may not overwrite or delete a stored cable holding text above it."""
    for cable_id in cable_ids:
        position = snapshot.cable_rows.get(cable_id)
        if position is None:
            continue
        if int(snapshot.cable_levels[position]) > ceiling.rank:
            raise ForbiddenError(f"{cable_id} is indexed with text above this API key's ceiling {ceiling.value}; "
                                 f"a key with that ceiling may not {doing} it")
