"""The bundled seed cable, 08TOKYO1074, parsed field by field against values read off its text."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

import pytest

from qa.cables.body import split_body
from qa.cables.body_lines import read_lines
from qa.cables.body_signers import split_signer
from qa.cables.classification import Classification
from qa.cables.parse import parse_cable
from qa.cables.records import Cable, Recipient
from qa.cables.repair import normalise_whitespace


def test_seed_identity_comes_from_banner_and_date_time_group(seed: Cable) -> None:
    # "O 180929Z APR 08" / "FM AMEMBASSY TOKYO" / "C O N F I D E N T I A L SECTION 01 OF 03 TOKYO 001074"
    assert seed.id == "08TOKYO1074"
    assert seed.transmission_id == "VZCZCXRO1265"
    assert seed.datetime == datetime(2008, 4, 18, 9, 29, tzinfo=UTC)
    assert seed.precedence == "IMMEDIATE"
    assert seed.origin == "AMEMBASSY TOKYO"


def test_seed_to_line_is_secstate_immediate_3576(seed: Cable) -> None:
    assert seed.to == (Recipient("SECSTATE WASHDC", "RUEHC", "IMMEDIATE", "3576"),)


def test_seed_info_lists_all_eighteen_addressees(seed: Cable) -> None:
    assert len(seed.info) == 18
    assert seed.info[0] == Recipient("ALL NATO POST COLLECTIVE", "RUEHXP", "PRIORITY", None)
    assert seed.info[1] == Recipient("AMEMBASSY BEIJING", "RUEHBJ", "PRIORITY", "2892")
    assert Recipient("AMCONSUL OSAKA KOBE", "RUEHOK", "PRIORITY", "1027") in seed.info
    assert seed.info[-1] == Recipient("CIA WASHDC", "RUEAIIA", "PRIORITY", None)


def test_seed_banner_gives_confidential_section_one_of_three_without_caveats(seed: Cable) -> None:
    assert seed.classification is Classification.CONFIDENTIAL
    assert seed.caveats == ()
    assert seed.section == (1, 3)
    assert seed.sipdis is True


def test_seed_declassification_line_gives_eo_and_date(seed: Cable) -> None:
    # "E.O. 12958: DECL: 04/18/2016"
    assert seed.eo == "12958"
    assert seed.declassify_on == date(2016, 4, 18)
    assert seed.declassify_text == "04/18/2016"


def test_seed_tags_lose_their_markdown_link_leftovers(seed: Cable) -> None:
    # "TAGS: [PREL](#) [MARR](#) [PARM](#) [ENRG](#) [JA](#) [RS](#)"
    assert seed.tags == ("PREL", "MARR", "PARM", "ENRG", "JA", "RS")


def test_seed_subject_is_joined_across_its_two_lines(seed: Cable) -> None:
    assert seed.subject == ('RUSSIAN FM LAVROV SAYS AIM AND INTENT OF JAPAN MISSILE DEFENSE SYSTEM ARE '
                            '"OBVIOUS" AND "UNDERSTANDABLE."')


def test_seed_references_take_the_cable_year_when_the_ref_omits_it(seed: Cable) -> None:
    # "REF: A. TOKYO 1002" / "[1](#)B. TOKYO 0366" / "[1](#)C. 07 TOKYO 2690"
    assert [r.letter for r in seed.references] == ["A", "B", "C"]
    assert [r.text for r in seed.references] == ["TOKYO 1002", "TOKYO 0366", "07 TOKYO 2690"]
    assert [r.cable_id for r in seed.references] == ["08TOKYO1002", "08TOKYO366", "07TOKYO2690"]
    assert [r.year_source for r in seed.references] == ["citing year", "citing year", "written"]


def test_seed_signer_is_taken_off_the_last_line_without_changing_the_lines_read(seed_text: str) -> None:
    # the seed ends "... SCHIEFFER" on a line of its own
    blocks = [[line] for line in read_lines(seed_text, seed_text.index("1. (C)")) if line is not None]
    before = [list(block) for block in blocks]
    rest, signer = split_signer(blocks)
    assert signer == "SCHIEFFER"
    assert blocks == before  # pure: the blocks passed in are left as they were
    assert rest == blocks[:-1] and blocks[-1][0].text == "SCHIEFFER"


def test_seed_classified_by_statement_splits_into_who_and_reasons(seed: Cable) -> None:
    # "Classified By: Ambassador J. Thomas Schieffer. Reasons 1.4 (B) (D)"
    assert seed.classified_by == "Ambassador J. Thomas Schieffer"
    assert seed.reasons == "1.4 (B) (D)"


def test_seed_signer_is_the_last_line_and_never_part_of_a_paragraph(seed: Cable) -> None:
    assert seed.signer == "SCHIEFFER"
    assert "SCHIEFFER" not in seed.paragraphs[-1].text


def test_seed_summary_is_paragraph_one_and_the_cable_is_complete(seed: Cable) -> None:
    assert seed.summary_paragraphs == (1,)
    assert seed.partial is False
    assert seed.problems == ()


def test_seed_has_nine_confidential_paragraphs_numbered_one_to_nine(seed: Cable) -> None:
    assert [p.number for p in seed.paragraphs] == list(range(1, 10))
    assert {p.marking for p in seed.paragraphs} == {"C"}
    assert not any(p.unnumbered for p in seed.paragraphs)
    assert all(p.classification(Classification.UNCLASSIFIED) is Classification.CONFIDENTIAL
               for p in seed.paragraphs)


@pytest.mark.parametrize(("number", "section"), [
    (1, None),
    (2, "Lavrov and Khristenko"),
    (3, "Missile Defense - No Concerns?"),
    (4, "Air Intrusion"),
    (5, "Air Intrusion"),
    (6, "Northern Territories"),
    (7, "Hokkaido Summit"),
    (8, "North Korea/Central Asia/Nuclear Subs"),
    (9, "Sakhalin II"),
])
def test_seed_paragraph_belongs_to_the_heading_above_it(seed: Cable, number: int, section: str | None) -> None:
    assert seed.paragraphs[number - 1].section == section


def test_seed_page_break_lines_never_reach_paragraph_text(seed: Cable) -> None:
    # "TOKYO 00001074 002 OF 003" sits inside the span of ¶4, "... 003 OF 003" inside ¶9.
    assert not any("TOKYO 00001074" in p.text or " OF 003" in p.text for p in seed.paragraphs)
    assert "TOKYO 00001074 003 OF 003" in seed.text[seed.paragraphs[8].start:seed.paragraphs[8].end]


def test_paragraph_continues_across_a_blank_line_and_a_page_break(seed: Cable) -> None:
    two, seven, nine = seed.paragraphs[1], seed.paragraphs[6], seed.paragraphs[8]
    # "... a one-hour lunch on" / "" / "international matters, covered ..."
    assert "a one-hour lunch on international matters, covered ballistic missile defense" in two.text
    # "... support Tokyo's chairmanship at Lake Toya" / "" / "and will be looking for ways to cooperate with Japan."
    assert seven.text.endswith("Lake Toya and will be looking for ways to cooperate with Japan.")
    # "... terminating at" / "" / "TOKYO 00001074 003 OF 003" / "" / "what Otsuki said would be a new port at Koz'mino"
    assert "what Otsuki said would be a new port at Koz'mino, near Vladivostok." in nine.text
    assert nine.text.endswith("rather than by way of China.")


def test_each_span_starts_at_its_label_and_ends_on_its_last_words(seed: Cable) -> None:
    labels = ["[1](#)1. (C)", "[1](#)2. (C)"] + [f"1{n}. (C)" for n in range(3, 10)]
    for paragraph, label in zip(seed.paragraphs, labels, strict=True):
        span = seed.text[paragraph.start:paragraph.end]
        assert span.startswith(label)
        first_words = " ".join(paragraph.text.split()[:5])
        assert normalise_whitespace(span[len(label):]).startswith(first_words)
        assert span.endswith(paragraph.text.split()[-1])
    assert seed.text[seed.paragraphs[2].start:].startswith("13. (C) Lavrov said the April 11")


def test_stray_pilcrow_one_gives_true_paragraph_number(seed_text: str) -> None:
    # The seed prints ¶3-¶9 as "13." ... "19.": a pilcrow read as "1" glued to the number.
    body = split_body(seed_text, seed_text.index("[1](#)1. (C)"))
    assert [p.number for p in body.paragraphs] == list(range(1, 10))
    assert body.renumbered == (3, 4, 5, 6, 7, 8, 9)


_SEED_LABEL = re.compile(r"^(?:\[1\]\(#\)|1)(\d)\. \(C\)", re.MULTILINE)


@pytest.mark.parametrize("label", ["¶{n}. (C)", "[1](#){n}. (C)", "{n}. (C)"])
def test_pilcrow_label_variants_give_the_same_paragraphs(seed: Cable, seed_text: str, label: str) -> None:
    variant = _SEED_LABEL.sub(lambda m: label.format(n=m.group(1)), seed_text)
    assert variant.count(label.format(n=3)) == 1
    cable = parse_cable(variant, source="synthetic 08TOKYO1074")
    assert [p.number for p in cable.paragraphs] == list(range(1, 10))
    assert [p.text for p in cable.paragraphs] == [p.text for p in seed.paragraphs]
    assert [p.section for p in cable.paragraphs] == [p.section for p in seed.paragraphs]
    assert cable.text[cable.paragraphs[2].start:].startswith(label.format(n=3))


def test_seed_cable_is_a_frozen_record(seed: Cable) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        seed.id = "08TOKYO1075"  # type: ignore[misc]
