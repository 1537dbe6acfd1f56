"""The vectorised cable filters agree, on every corpus cable, with the filters' rules read one cable at a time."""

from __future__ import annotations

from datetime import date

import pytest
from suite_support import CORPUS

from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.errors import CableParseError
from qa.search.filters import Filters, cables_allowed, make_filters
from qa.store.cable_columns import CableColumns
from qa.store.snapshot import CableMeta


@pytest.fixture(scope="module")
def metas() -> list[CableMeta]:
    files = [seed_cable_path(), *sorted((CORPUS / "cables").glob("*.txt"))]  # the seed alone without the corpus
    out = []
    for path in files:
        try:
            cable = read_cable_file(path)
        except CableParseError:
            continue
        out.append(CableMeta(cable.id, cable.datetime, cable.origin, cable.classification, cable.subject, cable.tags))
    return out


def _passes(cable: CableMeta, filters: Filters) -> bool:
    """The rules as the README states them, one cable at a time: the reference for the columns."""
    day = cable.day
    return ((not filters.cable_ids or cable.id in filters.cable_ids)
            and (not filters.origins or any(o in (cable.origin or "").upper() for o in filters.origins))
            and (not filters.tags or bool(set(filters.tags) & set(cable.tags)))
            and (not (filters.date_from or filters.date_to) or (
                day is not None and not (filters.date_from and day < filters.date_from)
                and not (filters.date_to and day > filters.date_to))))


FILTERS = [
    make_filters(cable_ids=["08TOKYO1074", "07MOSCOW104", "NO-SUCH-CABLE"]),
    make_filters(origins=["tokyo"]),
    make_filters(origins=["MOSCOW", "BEIJING"]),
    make_filters(tags=["PREL"]),
    make_filters(tags=["rs", "JA", "NOT-A-TAG"]),
    make_filters(date_from="2008-01-01"),
    make_filters(date_from="2007-03-01", date_to="2008-04-18"),
    make_filters(origins=["TOKYO"], tags=["PREL"], date_to="2009-12-31"),
    make_filters(cable_ids=["NO-SUCH-CABLE"]),
    Filters(date_from=date(1900, 1, 1)),
]


@pytest.mark.parametrize("filters", FILTERS, ids=range(len(FILTERS)))
def test_columns_allow_exactly_the_cables_the_rules_allow(metas: list[CableMeta], filters: Filters) -> None:
    columns = CableColumns.build(metas)
    got = cables_allowed(columns, filters)
    expected = [_passes(m, filters) for m in metas]
    assert got.tolist() == expected
    if len(metas) > 1:  # with the corpus present, the filters must select something and not everything
        assert 0 < sum(expected) < len(metas) or filters.cable_ids == ("NO-SUCH-CABLE",)
