"""Search filters, validated once at the edge into a typed, immutable record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

from qa.cables.classification import Classification, parse_classification_name
from qa.errors import InvalidQueryError
from qa.store.cable_columns import NO_DAY, CableColumns

__all__ = ["Filters", "cables_allowed", "make_filters", "parse_date"]


@dataclass(frozen=True, slots=True)
class Filters:
    """Which paragraphs a search may return. Empty tuples and None mean "no restriction".

    ``max_classification`` is a ceiling: a paragraph whose portion mark (or, where it has
    none, whose cable's classification) ranks above it is never returned.
    """

    cable_ids: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    tags: tuple[str, ...] = ()
    max_classification: Classification | None = None

    @property
    def empty(self) -> bool:
        return self == Filters()

    def lowered_to(self, ceiling: Classification | None) -> Filters:
        """These filters under an outer ceiling (an API key's): the lower of the two wins."""
        if ceiling is None:
            return self
        if self.max_classification is None or ceiling.rank < self.max_classification.rank:
            return Filters(self.cable_ids, self.origins, self.date_from, self.date_to, self.tags, ceiling)
        return self


def parse_date(value: str | date, field: str) -> date:
    """``2008-04-18`` (or a full ISO 8601 datetime) as a date; anything else names the field."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = value.strip()
    try:
        return date.fromisoformat(text) if len(text) <= 10 else datetime.fromisoformat(text).date()
    except ValueError:
        raise InvalidQueryError(field, f"{value!r} is not a date; use YYYY-MM-DD") from None


def _clean(values: Iterable[str] | None, field: str) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or ():
        if not isinstance(value, str) or not value.strip():
            raise InvalidQueryError(field, "values must be non-empty strings")
        out.append(value.strip().upper())
    return tuple(out)


def make_filters(
    cable_ids: Iterable[str] | None = None,
    origins: Iterable[str] | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    tags: Iterable[str] | None = None,
    max_classification: str | Classification | None = None,
) -> Filters:
    """Validate user input into :class:`Filters`; every bad value raises InvalidQueryError."""
    start = parse_date(date_from, "date_from") if date_from else None
    end = parse_date(date_to, "date_to") if date_to else None
    if start and end and start > end:
        raise InvalidQueryError("date_from", f"{start} is after date_to {end}")
    ceiling = (max_classification if isinstance(max_classification, Classification)
               else parse_classification_name(max_classification, "max_classification")
               if max_classification else None)
    return Filters(
        cable_ids=_clean(cable_ids, "cable_ids"),
        origins=_clean(origins, "origins"),
        date_from=start,
        date_to=end,
        tags=_clean(tags, "tags"),
        max_classification=ceiling,
    )


def cables_allowed(columns: CableColumns, filters: Filters) -> npt.NDArray[np.bool_]:
    """Per cable: passes every cable-level test the filters set (ids, an origin substring, any tag,
    the date range, inclusive). The paragraph-level ceiling is applied by the caller."""
    ok = np.ones(len(columns.days), dtype=bool)
    if filters.cable_ids:
        ok &= _marked(columns, [columns.positions[i] for i in filters.cable_ids if i in columns.positions])
    if filters.origins:
        ok &= np.logical_or.reduce([np.char.find(columns.origins, o.upper()) >= 0 for o in filters.origins])
    if filters.tags:
        hits = [columns.tag_positions[t.upper()] for t in filters.tags if t.upper() in columns.tag_positions]
        ok &= _marked(columns, np.concatenate(hits) if hits else [])
    if filters.date_from or filters.date_to:
        ok &= columns.days != NO_DAY
        if filters.date_from:
            ok &= columns.days >= filters.date_from.toordinal()
        if filters.date_to:
            ok &= columns.days <= filters.date_to.toordinal()
    return ok


def _marked(columns: CableColumns, positions: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    mask = np.zeros(len(columns.days), dtype=bool)
    mask[np.asarray(positions, dtype=np.int64)] = True
    return mask
