"""Header readers on the real spellings of the 2010-2011 release.

Each literal below is copied from the corpus file named beside it, so these tests run without
the corpus; the tests that parse whole corpus cables skip where ``../shared/corpus`` is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from qa.cables.classification import Classification
from qa.cables.header import (
    find_banner,
    find_caveat_lines,
    parse_classified_by,
    parse_declassification,
    parse_dtg,
    parse_references,
    parse_subject,
    parse_tags,
)
from qa.cables.records import Cable


@pytest.mark.parametrize(("line", "level", "section", "location", "serial"), [
    # 08TOKYO1074 (the seed): letter-spaced
    ("C O N F I D E N T I A L SECTION 01 OF 03 TOKYO 001074", Classification.CONFIDENTIAL, (1, 3), "TOKYO", 1074),
    # 00GABORONE5064: plain
    ("UNCLAS SECTION 01 OF 02 GABORONE 005064 ", Classification.UNCLASSIFIED, (1, 2), "GABORONE", 5064),
    # 04ANKARA348: lower-case and letter-spaced
    ("C o n f i d e n t i a l section 01 of 04 ankara 000348", Classification.CONFIDENTIAL, (1, 4), "ANKARA",
     348),
    # 08BERLIN1068: lower-case, no section
    ("S e c r e t berlin 001068", Classification.SECRET, None, "BERLIN", 1068),
    # 08ISLAMABAD405 (reflowed layout)
    ("C O N F I D E N T I A L SECTION 01 OF 04 ISLAMABAD 000405 ", Classification.CONFIDENTIAL, (1, 4),
     "ISLAMABAD", 405),
])
def test_banner_spellings_give_level_section_location_and_serial(
        line: str, level: Classification, section: tuple[int, int] | None, location: str, serial: int) -> None:
    banner = find_banner(line)
    assert banner is not None
    assert (banner.classification, banner.section, banner.location, banner.serial) == (
        level, section, location, serial)
    assert banner.caveats == ()


def test_banner_keeps_noforn_written_after_its_serial() -> None:
    # 10BOGOTA243
    banner = find_banner("S E C R E T BOGOTA 000243 SIPDIS NOFORN \n")
    assert banner is not None
    assert banner.classification is Classification.SECRET
    assert banner.caveats == ("NOFORN",)


def test_unclas_banner_with_sensitive_caveat_is_sensitive_but_unclassified() -> None:
    banner = find_banner("UNCLAS SENSITIVE SECTION 01 OF 02 GABORONE 005064")
    assert banner is not None
    assert banner.classification is Classification.SENSITIVE_BUT_UNCLASSIFIED
    assert banner.caveats == ()


def test_limited_official_use_banner_is_read_as_its_own_level() -> None:
    # The corpus has no LOU cable; this banner follows the release's plain layout.
    banner = find_banner("LIMITED OFFICIAL USE SECTION 01 OF 02 MADRID 002164")
    assert banner is not None
    assert banner.classification is Classification.LIMITED_OFFICIAL_USE
    assert (banner.location, banner.serial, banner.section) == ("MADRID", 2164, (1, 2))


@pytest.mark.parametrize(("header", "caveats"), [
    ("S E C R E T SECTION 01 OF 02 KUWAIT 000110\n\nNOFORN\n", ("NOFORN",)),  # 09KUWAIT110
    ("SECRET//NOFORN\n", ("NOFORN",)),  # 09NAIROBI2497, above its banner
    ("S e c r e t section 01 of 02 nairobi 002497\n\nNoforn\n", ("NOFORN",)),  # 09NAIROBI2497
    ("S E C R E T STATE 014577 \n \nSIPDIS \nSECRET/NOFORN \n", ("NOFORN",)),  # 09STATE14577
    ("UNCLAS KUALA LUMPUR 000317 \nSIPDIS \nSENSITIVE \nSIPDIS \n", ("SENSITIVE",)),  # 08KUALALUMPUR317
    ("C O N F I D E N T I A L SECTION 01 OF 03 TOKYO 001074\n\nSIPDIS\n", ()),  # the seed
])
def test_caveat_lines_under_the_banner_are_found(header: str, caveats: tuple[str, ...]) -> None:
    assert find_caveat_lines(header) == caveats


def test_noforn_line_and_lower_case_banner_give_secret_noforn(corpus_cable: Callable[[str], Cable]) -> None:
    cable = corpus_cable("09NAIROBI2497")
    assert cable.classification is Classification.SECRET
    assert cable.caveats == ("NOFORN",)
    assert cable.section == (1, 2)


def test_unclas_banner_with_sensitive_line_gives_sbu(corpus_cable: Callable[[str], Cable]) -> None:
    # "UNCLAS KUALA LUMPUR 000317" then "SENSITIVE" on a line of its own
    cable = corpus_cable("08KUALALUMPUR317")
    assert cable.classification is Classification.SENSITIVE_BUT_UNCLASSIFIED
    assert cable.caveats == ()


def test_old_date_time_group_reads_two_digit_year() -> None:
    # 90CAPETOWN97: "R 171512Z JAN 90"
    found = parse_dtg("R 171512Z JAN 90\nFM AMCONSUL CAPE TOWN\n")
    assert found is not None
    assert found[:2] == (datetime(1990, 1, 17, 15, 12, tzinfo=UTC), "ROUTINE")


@pytest.mark.parametrize(("line", "tags"), [
    ("TAGS: [PREL](#) [MARR](#) [PARM](#) [ENRG](#) [JA](#) [RS](#)\n",  # the seed
     ("PREL", "MARR", "PARM", "ENRG", "JA", "RS")),
    ("TAGS PREL, PGOV, PTER, PK \n", ("PREL", "PGOV", "PTER", "PK")),  # 08ISLAMABAD405, no colon
    ("TAGS KGHG, PGOV, PREL, CU, VE, VT \n", ("KGHG", "PGOV", "PREL", "CU", "VE", "VT")),  # 10VATICAN13
    ("TAGS: SADC EAID KDEM PGOV PHUM\n", ("SADC", "EAID", "KDEM", "PGOV", "PHUM")),  # 00GABORONE5064
])
def test_tags_are_read_with_or_without_colon_commas_or_markdown(line: str, tags: tuple[str, ...]) -> None:
    assert parse_tags(line) == tags


def test_old_cable_subj_line_gives_the_subject() -> None:
    # 90CAPETOWN97
    header = "TAGS: PGOV PHUM SF\nSUBJ:  ESSA MOOSA TALKS ABOUT MANDELA AND OTHER TOPICS \n \n1.  CONFIDENTIAL"
    subject, _ = parse_subject(header)
    assert subject == "ESSA MOOSA TALKS ABOUT MANDELA AND OTHER TOPICS"


def test_subject_drops_its_portion_mark_and_joins_its_continuation() -> None:
    # 07PRETORIA356
    header = ("SUBJECT: (C) EXILED ZIMBABWEAN BUSINESSMEN FLOAT ZIMBABWE \nPOWERSHARING IDEA\n"
              "Classified By: Acting Deputy Chief of Mission Elizabeth Hinson. Reason s 1.4(b) and (d).\n")
    subject, _ = parse_subject(header)
    assert subject == "EXILED ZIMBABWEAN BUSINESSMEN FLOAT ZIMBABWE POWERSHARING IDEA"


@pytest.mark.parametrize(("line", "citing", "expected"), [
    # the seed: a pilcrow artefact before B and C, year omitted for A and B
    ("REF: A. TOKYO 1002\n[1](#)B. TOKYO 0366\n[1](#)C. 07 TOKYO 2690\n\nClassified By: x", "08TOKYO1074",
     [("A", "08TOKYO1002"), ("B", "08TOKYO366"), ("C", "07TOKYO2690")]),
    # 09BELGRADE841: letters in brackets
    ("REF: (A) 08 BELGRADE 98, (B) 08 BELGRADE 1333\n", "09BELGRADE841",
     [("A", "08BELGRADE98"), ("B", "08BELGRADE1333")]),
    # 09ROME97: lower-case letters; ROME 451 is far above 97, sent in January: the year before
    ("REF: a) 08 STATE 134386 b) ROME 451\n", "09ROME97", [("A", "08STATE134386"), ("B", "08ROME451")]),
    # 08RANGOON749: a four-digit year, and a reference that is not a cable
    ("REF: A. 2007 STATE 162091  B. USDAO RANGOON IIR 6 812 0131 08\n", "08RANGOON749",
     [("A", "07STATE162091"), ("B", None)]),
    # 10VATICAN13: each letter written twice
    ("REF: A. A. STATE 3080  B. B. 09 VATICAN 132\n", "10VATICAN13", [("A", "10STATE3080"), ("B", "09VATICAN132")]),
    # 08KUALALUMPUR317: one reference, and the body's first (unnumbered) line right under it
    ("REF: STATE 40380\n (SBU) Poloff delivered reftel demarche and nonpaper to Adi Mohammed\n", "08KUALALUMPUR317",
     [(None, "08STATE40380")]),
    # 09KUALALUMPUR752: the second letter written bare at a line start
    ("REF: A. SECSTATE 90063\nB KUALA LUMPUR 739\n\nClassified By: x", "09KUALALUMPUR752",
     [("A", "09STATE90063"), ("B", "09KUALALUMPUR739")]),
    # 09ABUDHABI754: "REF A" / "REF B", the first not a cable
    ("REF A SECRETARY'S LETTER TO MBZ ON PUMA HELICOPTERS \nREF B SECSTATE 76108 \n\n", "09ABUDHABI754",
     [("A", None), ("B", "09STATE76108")]),
    # 07TALLINN375: letter B written twice, the second for the third item
    ("REF: A) TALLINN 366 B) LEE-GOLDSTEIN EMAIL 05/11/07 \nB) TALLINN 347 \n\n", "07TALLINN375",
     [("A", "07TALLINN366"), ("B", None), ("B", "07TALLINN347")]),
    # 06PARIS1031: the release lettered a wrapped year as an item; the source's own letters are in brackets
    ("REF: A. (A) EMBASSY PARIS DAILY REPORT FOR FEBRUARY 17 \n\nB. 2006 \nC. (B) PARIS 1000\n\n", "06PARIS1031",
     [("A", None), ("B", "06PARIS1000")]),
])
def test_reference_forms_give_letters_and_canonical_ids(
        line: str, citing: str, expected: list[tuple[str | None, str | None]]) -> None:
    references, _ = parse_references(line, citing)
    assert [(r.letter, r.cable_id) for r in references] == expected


@pytest.mark.parametrize(("line", "citing", "expected"), [
    # 09BERLIN1360: three cables in one item
    ("Ref: Berlin 1337, Berlin 1340, Berlin 1167 \n", "09BERLIN1360",
     [("Berlin 1337", "09BERLIN1337"), ("Berlin 1340", "09BERLIN1340"), ("Berlin 1167", "09BERLIN1167")]),
    # 06TRIPOLI198: a second serial of the same post
    ("REF: TRIPOLI 33, 53\n", "06TRIPOLI198", [("TRIPOLI 33", "06TRIPOLI33"), ("53", "06TRIPOLI53")]),
    # 08ISLAMABAD483: two cables side by side, the second with its year
    ("REF: LAHORE 25 07 ISLAMABAD 5138\n", "08ISLAMABAD483",
     [("LAHORE 25", "08LAHORE25"), ("07 ISLAMABAD 5138", "07ISLAMABAD5138")]),
    # 72TEHRAN4789: an airgram, then a cable after a colon
    ("REF: TEHRAN'S A-077 OF MAY 15, 1972: TEHRAN 3312 \n", "72TEHRAN4789",
     [("TEHRAN'S A-077 OF MAY 15, 1972", None), ("TEHRAN 3312", "72TEHRAN3312")]),
    # 09SAOPAULO660: semicolons, and a year in brackets before the post
    ("REF: BRASILIA 1250; RECIFE 66; (08) SAO PAULO 581 \n", "09SAOPAULO660",
     [("BRASILIA 1250", "09BRASILIA1250"), ("RECIFE 66", "09RECIFE66"), ("(08) SAO PAULO 581", "08SAOPAULO581")]),
    # 09MOSCOW821: the year written after the serial
    ("REF: MOSCOW 03242 2008 \n", "09MOSCOW821", [("MOSCOW 03242 2008", "08MOSCOW3242")]),
    # 09RANGOON378: the reflowed layout ran a page marker into the REF line
    ("REF: RANGOON 330 RANGOON 00000378 001.4 OF 004 \n", "09RANGOON378", [("RANGOON 330", "09RANGOON330")]),
    # 09BERLIN1636: a handling remark run onto the REF line
    ("Ref: Frankfurt 002808 Sensitive but unclassified; not for Internet Distribution.\n", "09BERLIN1636",
     [("Frankfurt 002808", "09FRANKFURT2808")]),
])
def test_an_item_naming_several_cables_gives_one_reference_each(
        line: str, citing: str, expected: list[tuple[str, str | None]]) -> None:
    references, _ = parse_references(line, citing)
    assert [(r.text, r.cable_id) for r in references] == expected


@pytest.mark.parametrize(("line", "citing", "expected"), [
    ("REF: 07 TOKYO 2690\n", "08TOKYO1074", ("07TOKYO2690", "written")),
    ("REF: TOKYO 1002\n", "08TOKYO1074", ("08TOKYO1002", "citing year")),  # below the citing serial
    ("REF: BRASILIA 1666\n", "09BRASILIA28", ("08BRASILIA1666", "year before")),  # sent 8 January 2009
    ("REF: BRASILIA 1412 (EPD SCENESETTER)\n", "09BRASILIA1411", ("09BRASILIA1412", "citing year")),  # companion
    ("REF: STATE 120288\n", "10STATE9124", ("09STATE120288", "year before")),
    ("REF: MADRID 1366\n", "09TOKYO28", ("09MADRID1366", "citing year")),  # another post: nothing to check
])
def test_a_yearless_reference_says_where_its_year_comes_from(
        line: str, citing: str, expected: tuple[str, str]) -> None:
    (reference,), _ = parse_references(line, citing)
    assert (reference.cable_id, reference.year_source) == expected


def test_reference_text_stops_at_a_classified_by_on_the_same_line() -> None:
    # 08STOCKHOLM51
    references, _ = parse_references(
        "REF: LJUBLJANA 20 Classified By: DCM Robert Silverman for reasons \n1.4 (b) and (d). Summary -------",
        "08STOCKHOLM51")
    assert [(r.text, r.cable_id) for r in references] == [("LJUBLJANA 20", "08LJUBLJANA20")]


@pytest.mark.parametrize(("line", "expected"), [
    ("E.O. 12958: DECL: 04/18/2016\n", ("12958", date(2016, 4, 18), "04/18/2016")),  # the seed
    ("EO 12958 DECL: 01/28/2018 \n", ("12958", date(2018, 1, 28), "01/28/2018")),  # 08ISLAMABAD405, no dots
    ("EO 12958 DECL:  1/20/2035 \n", ("12958", date(2035, 1, 20), "1/20/2035")),  # 10VATICAN13
    ("E.O. 12958: DECL: 2035/02/12 \n", ("12958", date(2035, 2, 12), "2035/02/12")),  # 10BOGOTA243, year first
    ("E.O. 12356:  DECL:  OADR \n", ("12356", None, "OADR")),  # 90CAPETOWN97
    ("EO 12958 N/A \n", ("12958", None, None)),  # 08KUALALUMPUR317
])
def test_declassification_line_with_or_without_dots(line: str, expected: tuple[str, date | None, str | None]) -> None:
    assert parse_declassification(line) == expected


def test_banner_eo_and_tags_on_one_line_are_all_read() -> None:
    # 10STATE284 runs its banner, SIPDIS, E.O. and TAGS together on one line.
    line = ("C O N F I D E N T I A L SECTION 01 OF 02 STATE 000284 SIPDIS E.O. 12958: DECL: 01/04/2020 "
            "TAGS: MASS MARR MCAP MOPS PARM PGOV\n")
    banner = find_banner(line)
    assert banner is not None
    assert (banner.classification, banner.section, banner.location, banner.serial) == (
        Classification.CONFIDENTIAL, (1, 2), "STATE", 284)
    assert parse_declassification(line) == ("12958", date(2020, 1, 4), "01/04/2020")
    assert parse_tags(line) == ("MASS", "MARR", "MCAP", "MOPS", "PARM", "PGOV")


def test_classified_by_run_onto_the_ref_line_is_header_not_paragraph_0(corpus_cable: Callable[[str], Cable]) -> None:
    # 09STATE15113 line 27: "REF: STATE 6461  PLEASE PASS TO ... (GSO and IT).  Classified by S/CT DAS, Susan F.
    # Burk, Reason: 1/4 (B), (D), (E), and (G)", then "1. (U//FOUO) This is an action request"
    cable = corpus_cable("09STATE15113")
    assert (cable.classified_by, cable.reasons) == ("S/CT DAS, Susan F. Burk", "1.4 (B), (D), (E), and (G)")
    assert (cable.paragraphs[0].label, cable.paragraphs[0].text) == ("1", "This is an action request; see Para. 13.")
    assert [r.cable_id for r in cable.references] == ["09STATE6461"]


def test_one_line_header_cable_parses_into_its_six_paragraphs(corpus_cable: Callable[[str], Cable]) -> None:
    cable = corpus_cable("10STATE284")
    assert cable.id == "10STATE284"
    assert cable.classification is Classification.CONFIDENTIAL
    assert cable.sipdis is True
    assert cable.declassify_on == date(2020, 1, 4)
    assert cable.subject is None  # the cable has no SUBJECT line, nor has the publisher
    assert [(p.number, p.marking) for p in cable.paragraphs] == [
        (1, "U"), (2, "C"), (3, "C"), (4, "C"), (5, "C/REL LIBYA"), (6, None)]
    assert cable.paragraphs[0].text == "This is an action request; see para 5."
    assert cable.signer == "CLINTON"


@pytest.mark.parametrize(("statement", "who", "reasons"), [
    ("Classified By: Ambassador J. Thomas Schieffer. Reasons 1.4 (B) (D)\n\n",  # the seed
     "Ambassador J. Thomas Schieffer", "1.4 (B) (D)"),
    ("Classified By: NEA Acting A/S Jeffrey Feltman: Reasons 1.4 (b,d) \n\n",  # 09STATE14577
     "NEA Acting A/S Jeffrey Feltman", "1.4 (b,d)"),
    ("Classified By: Deputy Chief of Mission J. Robert Manzanares; Reasons 1.\n4 (B) and (D).\n\n",  # 06MADRID857
     "Deputy Chief of Mission J. Robert Manzanares", "1.4 (B) and (D)"),
    ("CLASSIFIED BY: Brian A. Nichols, Deputy Chief of Mission; REASON: 1.4(B), (C), (D) \n\n",  # 10BOGOTA243
     "Brian A. Nichols, Deputy Chief of Mission", "1.4(B), (C), (D)"),
    ("Classified By: CDA  Robert Silverman for reasons: 1/4 (B), (D), (E), and (G)  \n\n",  # 09STOCKHOLM194
     "CDA Robert Silverman", "1.4 (B), (D), (E), and (G)"),
])
def test_classified_by_statement_gives_who_and_reasons(statement: str, who: str, reasons: str) -> None:
    assert parse_classified_by(statement)[:2] == (who, reasons)


def test_classified_by_stops_where_a_run_on_first_paragraph_starts() -> None:
    # 10VATICAN13 runs paragraph 1 onto the end of its Classified By line.
    line = ("CLASSIFIED BY: Julieta Valls Noyes, DCM. REASON: 1.4 (b), (d) 1. (C) Summary: The Holy See "
            "supports USG efforts\n")
    who, reasons, end = parse_classified_by(line)
    assert (who, reasons) == ("Julieta Valls Noyes, DCM", "1.4 (b), (d)")
    assert line[end:].lstrip().startswith("1. (C) Summary")


def test_reflowed_cable_reads_every_field(corpus_cable: Callable[[str], Cable]) -> None:
    # One long line per paragraph, "EO 12958 DECL:", "TAGS PREL, ...", curly quotes, "1, (C)" first label.
    cable = corpus_cable("08ISLAMABAD405")
    assert cable.id == "08ISLAMABAD405"
    assert cable.datetime == datetime(2008, 1, 28, 9, 30, tzinfo=UTC)
    assert cable.origin == "AMEMBASSY ISLAMABAD"
    assert (cable.classification, cable.section) == (Classification.CONFIDENTIAL, (1, 4))
    assert (cable.eo, cable.declassify_on) == ("12958", date(2018, 1, 28))
    assert cable.tags == ("PREL", "PGOV", "PTER", "PK")
    assert cable.subject == "AMBASSADOR’S CONDOLENCE CALL ON ASIF ZARDARI"
    assert (cable.classified_by, cable.reasons) == ("Anne W. Patterson", "1.4 (b)(d)")
    assert cable.signer == "PATTERSON"
    assert [p.number for p in cable.paragraphs] == list(range(1, 23))
    assert cable.text[cable.paragraphs[0].start:].startswith("1, (C) Summary. During an hour and a half")
    assert cable.paragraphs[4].section == "Taliban Threat"
    # "democracy was the way" / "ISLAMABAD 00000405 002 OF 004" / "forward. He had opposed ..."
    assert "democracy was the way forward. He had opposed" in cable.paragraphs[6].text


def test_subj_line_of_an_old_cable_is_its_subject(corpus_cable: Callable[[str], Cable]) -> None:
    cable = corpus_cable("90CAPETOWN97")
    assert cable.subject == "ESSA MOOSA TALKS ABOUT MANDELA AND OTHER TOPICS"
    assert cable.datetime == datetime(1990, 1, 17, 15, 12, tzinfo=UTC)
    assert (cable.eo, cable.declassify_text) == ("12356", "OADR")
