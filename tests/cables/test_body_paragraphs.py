"""Body splitting on the corpus's hard layouts: page furniture, repeated routing, odd labels.

Every value here was read off the named corpus file; the tests skip without ``../shared/corpus``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from qa.cables.classification import Classification
from qa.cables.records import Cable

pytestmark = pytest.mark.corpus

CableOf = Callable[[str], Cable]


def test_cable_without_numbered_paragraphs_numbers_its_blocks_and_flags_them(corpus_cable: CableOf) -> None:
    # 10CARACAS107: eight blocks, each opening with a portion mark and no number.
    cable = corpus_cable("10CARACAS107")
    assert [p.number for p in cable.paragraphs] == list(range(1, 9))
    assert all(p.unnumbered for p in cable.paragraphs)
    assert [p.marking for p in cable.paragraphs] == ["SBU", "S/NF", "SBU", "SBU", "SBU", "SBU", "S", "SBU"]
    assert cable.paragraphs[0].text.startswith("On January 5, 2010 Caracas held its bi-annual")
    assert cable.text[cable.paragraphs[0].start:].startswith("(SBU) On January 5, 2010")
    assert cable.paragraphs[1].classification(cable.classification) is Classification.SECRET
    assert cable.paragraphs[-1].text.endswith("telephone number 58-212-907-8403. Regards.")


def test_unnumbered_body_right_under_a_ref_line_is_not_lost(corpus_cable: CableOf) -> None:
    # 08KUALALUMPUR317: "REF: STATE 40380" then " (SBU) Poloff delivered ..." with no blank line.
    cable = corpus_cable("08KUALALUMPUR317")
    assert len(cable.paragraphs) == 1
    one = cable.paragraphs[0]
    assert (one.number, one.unnumbered, one.marking) == (1, True, "SBU")
    assert one.text.startswith("Poloff delivered reftel demarche and nonpaper to Adi Mohammed")
    assert cable.signer == "KEITH"
    assert cable.partial is False


def test_old_teletype_extract_keeps_page_and_routing_lines_out_of_paragraphs(corpus_cable: CableOf) -> None:
    cable = corpus_cable("00HARARE6677")
    assert cable.id == "00HARARE6677"
    assert cable.datetime == datetime(2000, 11, 29, 13, 59, tzinfo=UTC)  # "291359Z Nov 00"
    assert (cable.origin, cable.classification, cable.section) == (
        "AMEMBASSY HARARE", Classification.CONFIDENTIAL, (1, 3))
    assert cable.subject == "ASSISTANT SECRETARY MEETS WITH ZIMBABWE OPPOSITION LEADER"
    assert [r.cable_id for r in cable.references] == ["00HARARE6584"]
    assert (cable.classified_by, cable.reasons) == ("AMBASSADOR TOM MCDONALD", "1.5 (B) AND (D)")
    assert cable.partial is True
    assert any(p.startswith("partial extract") for p in cable.problems)
    assert [p.number for p in cable.paragraphs] == list(range(1, 13))
    assert cable.signer == "MCDONALD"
    furniture = ["PAGE 0", "PTQ18", "ACTION AF-00", "LOG-00", "291401Z", "SECTION 02 OF 03",
                 "NSC FOR SENIOR AFRICA DIRECTOR", "E.O. 12958", "TAGS:", "CONFIDENTIAL"]
    for paragraph in cable.paragraphs:
        assert not [f for f in furniture if f in paragraph.text], paragraph.number


def test_repeated_routing_block_of_section_two_is_cut_from_the_paragraph_it_splits(corpus_cable: CableOf) -> None:
    # 00HARARE6677 ¶5 runs from section 1 into section 2 across "PAGE 01 HARARE 06677 02 OF 03 291401Z ACTION
    # AF-00", the INFO line, the section banner, SIPDIS, three "FOR" lines, "E.O. ... TAGS: ..." and
    # "PAGE 02 ... OPPOSITION LEADER" (the subject's tail).
    five = corpus_cable("00HARARE6677").paragraphs[4]
    assert "IF IT WAITS THAT LONG, THERE WILL BE “NOTHING TO VOTE FOR” BY THE TIME THE ELECTION ARRIVES." in five.text
    nine = corpus_cable("00HARARE6677").paragraphs[8]
    assert "WHEN HE WAS IN THE UK RECENTLY, HE TOLD THE BRITISH TO REFRAIN FROM MAKING PUBLIC STATEMENTS" in nine.text


def test_label_run_into_a_page_line_still_opens_its_paragraph(corpus_cable: CableOf) -> None:
    # 00HARARE6677: "PAGE 03 HARARE 06677 03 OF 03 291401Z 11. (C) COMMENT: TSVANGIRAI WAS FRANK, ..."
    cable = corpus_cable("00HARARE6677")
    eleven = cable.paragraphs[10]
    assert eleven.text.startswith("COMMENT: TSVANGIRAI WAS FRANK, CONFIDENT AND RELAXED.")
    assert cable.text[eleven.start:].startswith("11. (C) COMMENT:")
    assert cable.comment_paragraphs == (11,)


def test_routing_lines_repeated_for_a_later_section_are_furniture(corpus_cable: CableOf) -> None:
    # 90CAPETOWN97 repeats "R 171512Z JAN 90", FM/TO/INFO, the SECTION 02 OF 03 banner and its
    # E.O./TAGS/SUBJECT lines between ¶9 and ¶10.
    cable = corpus_cable("90CAPETOWN97")
    assert [p.number for p in cable.paragraphs] == list(range(1, 18))
    for paragraph in cable.paragraphs:
        for furniture in ("171512Z", "FENDRICK", "AMCONSUL DURBAN", "E.O. 12356", "TAGS", "ESSA MOOSA TALKS"):
            assert furniture not in paragraph.text
    assert cable.paragraphs[8].text.endswith("JOHANNESBURG SEEMS BY FAR THE MOST SUITABLE VENUE. END COMMENT.)")
    assert cable.paragraphs[9].section == "DE KLERK-ANC COMMUNICATION THROUGH MANDELA"
    assert cable.paragraphs[9].text.startswith("WHEN HE MET SEVERAL WEEKS AGO WITH MANDELA")


def test_body_line_starting_with_fm_is_text_not_a_routing_block(corpus_cable: CableOf) -> None:
    # 06CARACAS1276 ¶2 wraps onto "FM Amorim's criticism of the BRV role ..."
    cable = corpus_cable("06CARACAS1276")
    assert [p.number for p in cable.paragraphs] == list(range(1, 13))
    assert "unhappy with Brazilian FM Amorim's criticism of the BRV role" in cable.paragraphs[1].text
    assert cable.paragraphs[1].text.endswith("support for terrorism in the hemisphere. End summary.")
    assert cable.paragraphs[11].text.startswith("Actions requested:")
    assert cable.signer == "BROWNFIELD"


def test_midline_page_marker_of_a_reflowed_cable_is_cut(corpus_cable: CableOf) -> None:
    # 10MOSCOW228 ¶6: "... that this  MOSCOW 00000228  002 OF 002   would entail ..."
    six = corpus_cable("10MOSCOW228").paragraphs[5]
    assert "MinFin understands that this would entail so much expense" in six.text
    assert six.section == "ON-SHORE PAYMENT PROCESSING REQUIRED"


def test_repeated_label_under_a_heading_is_its_own_second_paragraph(corpus_cable: CableOf) -> None:
    # 10RIYADH123 prints "9. (C)" twice, the second under "COMMENT:": it is cited as ¶9 (2nd),
    # starting at its own label, and ¶10 follows.
    cable = corpus_cable("10RIYADH123")
    assert [p.label for p in cable.paragraphs] == [*map(str, range(1, 10)), "9 (2nd)", "10"]
    nine, again, ten = cable.paragraphs[8], cable.paragraphs[9], cable.paragraphs[10]
    assert nine.text.startswith("Deputy Foreign Minister Dr. Prince Torki")
    assert "Since King Abdullah" not in nine.text
    assert (again.number, again.occurrence, again.section) == (9, 2, "COMMENT")
    assert again.text.startswith("Since King Abdullah's historic visit to Beijing in January 2006")
    assert cable.text.startswith("9. (C) Since King Abdullah", again.start)
    assert nine.end <= again.start < again.end <= ten.start
    assert ten.text.startswith("COMMENT CONTINUED:")


def test_paragraph_spans_follow_the_text_in_order(corpus_cable: CableOf) -> None:
    for name in ("06LAPAZ3400", "10RIYADH123", "90CAPETOWN97", "05BOGOTA7402", "08MADRID552"):
        spans = [(p.start, p.end) for p in corpus_cable(name).paragraphs]
        assert spans == sorted(spans), name
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans)), name


def test_first_label_written_with_a_comma_opens_the_body(corpus_cable: CableOf) -> None:
    # 08ISLAMABAD405: "1, (C) Summary. During an hour and a half conversation ..."
    cable = corpus_cable("08ISLAMABAD405")
    assert cable.paragraphs[0].number == 1
    assert cable.paragraphs[0].text.startswith("Summary. During an hour and a half conversation with Ambassador")


def test_first_paragraph_run_onto_the_classified_by_line_is_found(corpus_cable: CableOf) -> None:
    # 10VATICAN13: "CLASSIFIED BY: Julieta Valls Noyes, DCM. REASON: 1.4 (b), (d) 1. (C) Summary: ..."
    cable = corpus_cable("10VATICAN13")
    assert [p.number for p in cable.paragraphs] == [1, 2, 3, 4, 5]
    assert cable.paragraphs[0].text.startswith("Summary: The Holy See supports USG efforts")
    assert cable.text[cable.paragraphs[0].start:].startswith("1. (C) Summary:")
    assert (cable.classified_by, cable.reasons) == ("Julieta Valls Noyes, DCM", "1.4 (b), (d)")


def test_release_marks_with_commas_are_portion_marks(corpus_cable: CableOf) -> None:
    # 08RANGOON749: "1. (S//REL to USA, ACGU) Per Ref A, Post is alerting ..."
    cable = corpus_cable("08RANGOON749")
    one = cable.paragraphs[0]
    assert one.marking == "S//REL TO USA, ACGU"
    assert one.text.startswith("Per Ref A, Post is alerting the Department")
    assert one.classification(Classification.UNCLASSIFIED) is Classification.SECRET
    assert [p.number for p in cable.paragraphs] == [1, 2, 3]


def test_marked_text_before_paragraph_two_is_paragraph_one(corpus_cable: CableOf) -> None:
    # 09PRAGUE589 starts "(SBU) In response to delivery ..." and numbers from "2. (C)".
    cable = corpus_cable("09PRAGUE589")
    assert [(p.number, p.marking, p.unnumbered) for p in cable.paragraphs] == [
        (1, "SBU", False), (2, "C", False), (3, "SBU", False)]
    assert cable.paragraphs[0].text.startswith("In response to delivery of USG non-paper")


def test_several_cables_run_together_parse_without_error(corpus_cable: CableOf) -> None:
    cable = corpus_cable("07BERN881")
    assert cable.id == "07BERN881"
    assert cable.classification is Classification.SECRET
    assert [p.number for p in cable.paragraphs][:4] == [1, 2, 3, 4]


def test_second_cable_run_into_the_text_is_left_out_and_said(corpus_cable: CableOf) -> None:
    # 73TEHRAN8233 is cut off ("I ASKED TO ST...") and THE HAGUE 000174 follows it in the same file.
    cable = corpus_cable("73TEHRAN8233")
    assert cable.id == "73TEHRAN8233"
    assert [p.text for p in cable.paragraphs] == [
        "AFTER AMBASSADOR BYROADE'S AUDIENCE WITH SHAH WAS FINISHED, I ASKED TO ST..."]
    assert cable.partial is True
    assert any("another cable" in p for p in cable.problems)
    assert not any("HAGUE" in p.text for p in cable.paragraphs)


def test_newspaper_watermark_is_not_a_paragraph(corpus_cable: CableOf) -> None:
    # 09SAOPAULO487 ends "WHITE" / "" / "Track impresión: ... EL PAÍS" / "ID:\t187536"
    cable = corpus_cable("09SAOPAULO487")
    assert len(cable.paragraphs) == 1
    assert cable.paragraphs[0].unnumbered is True
    assert cable.paragraphs[0].text.endswith('the effort at rapprochement from both sides is visible....."')
    assert cable.signer == "WHITE"
    assert not any("EL PAÍS" in p.text or "187536" in p.text for p in cable.paragraphs)
