"""Classification levels: their order, user spellings, portion marks, and a paragraph's own level."""

from __future__ import annotations

import pytest

from qa.cables.classification import Classification, parse_classification_name, parse_portion_mark
from qa.cables.records import Paragraph
from qa.errors import InvalidQueryError

U = Classification.UNCLASSIFIED
LOU = Classification.LIMITED_OFFICIAL_USE
SBU = Classification.SENSITIVE_BUT_UNCLASSIFIED
C = Classification.CONFIDENTIAL
S = Classification.SECRET
TS = Classification.TOP_SECRET


def test_levels_rank_unclassified_then_lou_equal_sbu_then_confidential_secret_top_secret() -> None:
    assert U.rank < LOU.rank == SBU.rank < C.rank < S.rank < TS.rank


@pytest.mark.parametrize(("reader", "level", "allowed"), [
    (U, SBU, False),
    (SBU, LOU, True),
    (LOU, SBU, True),
    (SBU, C, False),
    (C, C, True),
    (C, S, False),
    (S, C, True),
    (S, TS, False),
])
def test_a_reader_sees_only_levels_at_or_below_their_own(
        reader: Classification, level: Classification, allowed: bool) -> None:
    assert reader.allows(level) is allowed


@pytest.mark.parametrize(("name", "level"), [
    ("secret", S),
    (" Confidential ", C),
    ("SBU", SBU),
    ("sensitive but unclassified", SBU),
    ("LOU", LOU),
    ("limited official use", LOU),
    ("top_secret", TS),
    ("UNCLAS", U),
])
def test_user_level_names_in_any_case_or_spacing(name: str, level: Classification) -> None:
    assert parse_classification_name(name) is level


@pytest.mark.parametrize("name", ["ultra", "", "SECRET//NOFORN", "5"])
def test_unknown_level_name_error_names_the_value_and_the_field(name: str) -> None:
    with pytest.raises(InvalidQueryError) as raised:
        parse_classification_name(name, field="max_classification")
    assert raised.value.field == "max_classification"
    assert repr(name) in raised.value.message
    assert "CONFIDENTIAL" in raised.value.message  # and says what would be accepted


@pytest.mark.parametrize(("mark", "level"), [
    ("C", C),
    ("S//NF", S),
    ("S/NF", S),
    ("C/REL LIBYA", C),  # 10STATE284 ¶5
    ("SBU", SBU),
    ("U", U),
    ("U/FOUO", U),
    ("TS", TS),
    ("X", None),
])
def test_portion_marks_give_their_level(mark: str, level: Classification | None) -> None:
    assert parse_portion_mark(mark) is level


def test_paragraph_level_is_its_own_mark_else_the_cables() -> None:
    marked = Paragraph(number=3, text="", start=0, end=0, marking="S//NF")
    unmarked = Paragraph(number=4, text="", start=0, end=0)
    assert marked.classification(C) is S
    assert unmarked.classification(C) is C
