"""A paragraph's text, marking and section, read from its segment's SQLite store when a search shows it.

A snapshot holds numbers per paragraph in arrays and nothing per paragraph in Python objects: the
texts of 2.5 million paragraphs are about 3 GB as Python strings and take most of a load's time to
read. A search shows ten paragraphs and reads the cable of the best one, so it asks the store for
those rows alone (by primary key).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from qa.store.segment import Segment

__all__ = ["FieldColumn", "TextColumn"]


class FieldColumn:
    """One text field (``text``, ``marking`` or ``section``) of the paragraph rows of a snapshot.

    ``column[row]`` is one row's value; :meth:`many` reads several with one query per segment. ``pids``
    are the snapshot's rows' pids (ascending) and ``segments`` its segments in pid order.
    """

    def __init__(self, field: str, pids: npt.NDArray[np.int64], segments: Sequence[Segment]) -> None:
        self.field = field
        self._pids = pids
        self._segments = tuple(s for s in segments if s.info.paragraphs)
        self._first = np.array([s.info.first_pid for s in self._segments], dtype=np.int64)

    def __len__(self) -> int:
        return len(self._pids)

    def __getitem__(self, row: int) -> str | None:
        if not 0 <= row < len(self._pids):
            raise IndexError(f"paragraph row {row} of {len(self._pids)}")
        pid = int(self._pids[row])
        return self._segment_of(pid).store.paragraph_fields([pid], self.field)[pid]

    def many(self, rows: Iterable[int]) -> list[str | None]:
        """The values of ``rows``, in their order."""
        pids = [int(self._pids[row]) for row in rows]
        found: dict[int, str | None] = {}
        owners = np.searchsorted(self._first, np.array(pids, dtype=np.int64), side="right") - 1
        for owner in np.unique(owners).tolist():
            wanted = [pid for pid, at in zip(pids, owners.tolist(), strict=True) if at == owner]
            found.update(self._segments[owner].store.paragraph_fields(wanted, self.field))
        return [found[pid] for pid in pids]

    def _segment_of(self, pid: int) -> Segment:
        return self._segments[int(np.searchsorted(self._first, pid, side="right")) - 1]


class TextColumn(FieldColumn):
    """The ``text`` field, which every paragraph has."""

    def __init__(self, pids: npt.NDArray[np.int64], segments: Sequence[Segment]) -> None:
        super().__init__("text", pids, segments)

    def __getitem__(self, row: int) -> str:
        return str(super().__getitem__(row))

    def many(self, rows: Iterable[int]) -> list[str]:  # type: ignore[override]
        return [str(text) for text in super().many(rows)]
