"""Every filter excludes what it should, on real corpus cables (skipped without ../shared)."""

from __future__ import annotations

from datetime import date

import pytest

from qa.cables.classification import Classification
from qa.search.filters import make_filters
from qa.service import CableIndex

QUESTIONS = ("Russia and Georgia", "missile defense", "nationalism in China", "Libya military dialogue",
             "Mexico security cooperation", "French presidential election", "refugees", "Lavrov")


@pytest.mark.parametrize("ceiling", ["UNCLASSIFIED", "SBU", "CONFIDENTIAL", "SECRET"])
@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_no_paragraph_above_the_classification_ceiling_is_returned(mixed_index: CableIndex, ceiling: str,
                                                                   mode: str) -> None:
    filters = make_filters(max_classification=ceiling)
    limit = filters.max_classification
    assert limit is not None
    returned = 0
    for question in QUESTIONS:
        for hit in mixed_index.ask(question, k=20, mode=mode, filters=filters).hits:
            cable = mixed_index.cable(hit.cable_id)
            paragraph = next(p for p in cable.paragraphs if p.number == hit.paragraph)
            assert limit.allows(paragraph.classification(cable.classification)), hit.citation
            returned += 1
    assert returned > 0  # the ceiling filters, it does not silence everything


def test_a_secret_paragraph_is_found_without_a_ceiling_and_never_under_confidential(mixed_index: CableIndex) -> None:
    unfiltered = mixed_index.ask("Russia and Georgia", k=30).hits
    assert any(h.cable_id == "08MOSCOW2701" and h.marking == "S/NF" for h in unfiltered)
    capped = mixed_index.ask("Russia and Georgia", k=30, filters=make_filters(max_classification="CONFIDENTIAL"))
    assert capped.hits and all(h.marking != "S/NF" for h in capped.hits)


def test_cable_id_filter_keeps_only_that_cable(mixed_index: CableIndex) -> None:
    hits = mixed_index.ask("Lavrov", k=20, filters=make_filters(cable_ids=["09BEIJING1378"])).hits
    assert hits and {h.cable_id for h in hits} == {"09BEIJING1378"}


def test_origin_filter_matches_the_post_named_in_the_fm_line(mixed_index: CableIndex) -> None:
    hits = mixed_index.ask("security cooperation", k=20, filters=make_filters(origins=["moscow"])).hits
    assert hits and {h.origin for h in hits} == {"AMEMBASSY MOSCOW"}


def test_date_range_is_inclusive_and_drops_cables_outside_it(mixed_index: CableIndex) -> None:
    filters = make_filters(date_from="2008-04-18", date_to="2008-12-31")
    hits = mixed_index.ask("Russia", k=30, filters=filters).hits
    assert {h.cable_id for h in hits} == {"08TOKYO1074", "08MOSCOW2701"}
    for hit in hits:
        assert hit.date is not None and date(2008, 4, 18) <= hit.date.date() <= date(2008, 12, 31)


def test_tag_filter_needs_one_of_the_tags(mixed_index: CableIndex) -> None:
    hits = mixed_index.ask("Russia", k=30, filters=make_filters(tags=["JA"])).hits
    assert hits and {h.cable_id for h in hits} == {"08TOKYO1074"}


def test_filters_that_exclude_everything_return_no_hits_and_abstain(mixed_index: CableIndex) -> None:
    answer = mixed_index.ask("Russia", k=5, filters=make_filters(cable_ids=["99NOWHERE1"]))
    assert answer.hits == () and not answer.answered


def test_key_ceiling_lowers_a_request_ceiling_but_never_raises_it() -> None:
    asked = make_filters(max_classification="SECRET")
    assert asked.lowered_to(Classification.CONFIDENTIAL).max_classification is Classification.CONFIDENTIAL
    assert make_filters(max_classification="UNCLASSIFIED").lowered_to(
        Classification.SECRET).max_classification is Classification.UNCLASSIFIED
