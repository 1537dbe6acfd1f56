"""Citations that point at the text printed under their number, on the corpus cables issue 16 names.

Every expected value was read off the cable's raw text (shared/corpus/cables) by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from eval.citation_audit import audit_corpus, label_lines
from qa.cables.classification import Classification
from qa.cables.records import Cable, paragraph_label, parse_paragraph_label
from qa.cables.repair import normalise_whitespace, repair_text

if TYPE_CHECKING:
    from conftest import ParsedCorpus

pytestmark = pytest.mark.corpus

CableOf = Callable[[str], Cable]

# Cables whose "N) (mark)" lines are a quoted list inside one paragraph, not paragraphs of their own:
# each is a HUMINT tasking list (questions in capitals) under a numbered "N. (S/NF)" paragraph.
QUOTED_LISTS: dict[str, str] = {
    "09STATE6423": "¶1 quotes reporting questions 1)-9), 1)-9), 1)-7) on Iran",
    "09STATE124636": "¶1 quotes questions on Calderon's team, 1)-4) twice",
    "09STATE132349": "¶1 quotes questions on the Kirchners",
    "09STATE74787": "¶1 quotes questions on an economic team",
    "09STATE47326": "¶1 quotes two questions on the murals article",
    "09ABUDHABI874": "¶3 quotes the tasking list's questions 1)-4)",
}


def _labels(cable: Cable) -> list[str]:
    return [p.label for p in cable.paragraphs]


def test_paragraph_label_names_a_repeat_by_its_occurrence() -> None:
    assert [paragraph_label(6), paragraph_label(6, 2), paragraph_label(6, 3), paragraph_label(6, 11)] == [
        "6", "6 (2nd)", "6 (3rd)", "6 (11th)"]
    assert parse_paragraph_label("6 (2nd)") == (6, 2)
    assert parse_paragraph_label("¶12") == (12, 1)
    assert parse_paragraph_label("six") is None


def test_every_marked_label_in_the_corpus_starts_its_paragraph_or_sits_in_a_quoted_list(
        parsed_corpus: ParsedCorpus) -> None:
    report = audit_corpus(parsed_corpus.cables.values())
    wrong = report.of("citation")
    assert sorted({f.cable_id for f in wrong}) == sorted(QUOTED_LISTS)
    assert all(re.match(r"[\"']\d\)", f.detail) for f in wrong), "\n".join(map(str, wrong))


def test_no_paragraph_holds_a_marked_label_of_a_real_paragraph(parsed_corpus: ParsedCorpus) -> None:
    held = []
    for cable in parsed_corpus.cables.values():
        if cable.id in QUOTED_LISTS:
            continue
        starts = {p.start for p in cable.paragraphs}
        for label in label_lines(cable):
            if not any(label.start <= s <= label.end for s in starts):
                held.append(f"{cable.id} {cable.text[label.start:label.end]!r}")
    assert held == []


def test_numbering_gap_after_a_redaction_keeps_the_printed_numbers(corpus_cable: CableOf) -> None:
    # 09PARIS815: "1." then XXXXXXXXXXXX then "5. (C) Serman confirmed press reports" (line 53).
    cable = corpus_cable("09PARIS815")
    assert _labels(cable) == ["1", "5", "6", "7", "8", "9", "10", "11"]
    five = cable.paragraphs[1]
    assert five.text.startswith("Serman confirmed press reports that junta leader")
    assert cable.text.startswith("5. (C) Serman", five.start)
    assert "Serman said that Bourgi was rapidly burning" in cable.paragraphs[4].text
    assert "Serman said that Bourgi was rapidly" not in cable.paragraphs[0].text


@pytest.mark.parametrize(("cable_id", "numbers"), [
    ("09BAGHDAD3195", [1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17]),
    ("08BRASILIA351", [*range(1, 12), 18]),
    ("09ALGIERS1077", [1, 2, 3, 4, 5, 6, 7, 8, 16]),
    ("05SOFIA1207", [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]),
])
def test_numbering_gaps_follow_the_source(corpus_cable: CableOf, cable_id: str, numbers: list[int]) -> None:
    cable = corpus_cable(cable_id)
    got = [p.number for p in cable.paragraphs]
    assert got[:len(numbers)] == numbers


def test_label_glued_to_a_redaction_opens_its_paragraph(corpus_cable: CableOf) -> None:
    # 05SOFIA1207 line 49: "XXXXXXXXXXXX10. (C) Below the level of the national government ..."
    cable = corpus_cable("05SOFIA1207")
    ten = next(p for p in cable.paragraphs if p.number == 10)
    assert ten.text.startswith("Below the level of the national government")
    assert cable.text.startswith("10. (C)", ten.start)


def test_backward_number_under_a_heading_is_its_second_occurrence(corpus_cable: CableOf) -> None:
    # 06LAPAZ3400: "14." then the COMMENT heading then "12. (C) The December 2005 ..." (line 356).
    cable = corpus_cable("06LAPAZ3400")
    assert _labels(cable) == [*map(str, range(1, 15)), "12 (2nd)"]
    twelve, again = cable.paragraphs[11], cable.paragraphs[14]
    assert twelve.text.startswith("SANTOS RAMIREZ")
    assert (again.section, again.marking) == ("COMMENT", "C")
    assert again.text.startswith("The December 2005 and July 2006 national elections")
    assert "The December 2005" not in cable.paragraphs[13].text


def test_repeated_numbers_are_told_apart(corpus_cable: CableOf) -> None:
    # 06CARACAS958 numbers its paragraphs 1-6, 5, 6, 7, ...
    cable = corpus_cable("06CARACAS958")
    assert _labels(cable)[:9] == ["1", "2", "3", "4", "5", "6", "5 (2nd)", "6 (2nd)", "7"]
    assert cable.paragraphs[6].text.startswith("During a February 2006 meeting with poloff")
    assert cable.paragraphs[7].text.startswith("Venezuelan threats to take over property")


def test_paren_numbered_paragraphs_are_paragraphs(corpus_cable: CableOf) -> None:
    # 08STATE65820 writes "1) (SBU) SUMMARY." ... "9) (C) Museveni thought", then "10. (U) Tripoli minimize".
    cable = corpus_cable("08STATE65820")
    assert _labels(cable) == [str(n) for n in range(1, 11)]
    assert [p.marking for p in cable.paragraphs] == ["SBU", "S", "S", "C", "C", "S", "S", "C", "C", "U"]
    assert cable.paragraphs[0].text.startswith("SUMMARY. On June 13, Assistant")
    assert cable.paragraphs[8].text.startswith("Museveni thought Zimbabwe")
    assert not any(p.unnumbered for p in cable.paragraphs)


def test_quoted_paren_list_stays_inside_its_paragraph(corpus_cable: CableOf) -> None:
    cable = corpus_cable("09STATE6423")
    one = cable.paragraphs[[p.number for p in cable.paragraphs].index(1)]
    assert "BEYOND IRAN'S OVERT POLICY" in one.text
    assert "WHAT IS THE EXTENT OF THE MOI" in one.text


def test_mark_before_number_gives_the_number(corpus_cable: CableOf) -> None:
    # 07BAGHDAD3504 writes "(C) 1. The Embassy obtained ..." ... "(C) 11. Newspaper and other coverage".
    cable = corpus_cable("07BAGHDAD3504")
    assert _labels(cable) == [str(n) for n in range(1, 12)]
    assert all(p.marking == "C" for p in cable.paragraphs)
    assert cable.paragraphs[3].text.startswith("On October 18 and October 20 the Embassy")
    assert cable.paragraphs[10].text.startswith("Newspaper and other coverage waned")


def test_quoted_outcome_list_is_not_promoted(corpus_cable: CableOf) -> None:
    # 09BEIJING1582 has nine paragraphs ("8. (SBU)" printed twice); ¶9 quotes outcome items 1-23.
    cable = corpus_cable("09BEIJING1582")
    assert _labels(cable) == ["1", "2", "3", "4", "5", "6", "7", "8", "8 (2nd)", "9"]
    nine = cable.paragraphs[-1]
    assert "1. We agreed the importance of safeguarding development" in nine.text
    assert "23. UK and China agree to discuss emerging ideas" in nine.text


def test_quoted_letter_items_stay_in_the_letter(corpus_cable: CableOf) -> None:
    # 08LONDON1115: ¶2 quotes a letter numbered 1-7; the real "3. (S/NF) Comment" follows it.
    cable = corpus_cable("08LONDON1115")
    assert _labels(cable) == ["1", "2", "3"]
    assert "7. I am sure you will understand the sensitivities" in cable.paragraphs[1].text
    assert cable.paragraphs[2].text.startswith("Comment. Embassy London would welcome")
    assert cable.paragraphs[2].marking == "S/NF"


def test_table_of_contents_is_not_paragraphs(corpus_cable: CableOf) -> None:
    # 09BERLIN1626 lists "1. Lead Stories Summary" ... "5. (U.S.) Healthcare Reform" as contents, then
    # prints each section under the same number.
    cable = corpus_cable("09BERLIN1626")
    assert _labels(cable) == ["0", "1", "2", "3", "4", "5"]
    assert cable.paragraphs[0].unnumbered
    assert cable.paragraphs[1].text.startswith("Lead Stories Summary The majority of dailies")


def test_date_wrapped_to_a_line_start_is_not_a_label(corpus_cable: CableOf) -> None:
    # 09DOHA502: "O/A August\n15. In addition" is text of ¶4; "5. (C) COS al-Attiyah" is ¶5.
    cable = corpus_cable("09DOHA502")
    assert _labels(cable) == [str(n) for n in range(1, 17)]
    assert "In addition, BG General al-Malki" in cable.paragraphs[3].text
    assert cable.paragraphs[4].text.startswith("COS al-Attiyah expressed his concern")


def test_list_number_before_the_label_is_not_the_label(corpus_cable: CableOf) -> None:
    # 09LAPAZ1784 prints "1. 1. Summary", "7. 6. The current rise", "12. 10. The District ...".
    cable = corpus_cable("09LAPAZ1784")
    assert [p.number for p in cable.paragraphs][:15] == list(range(1, 16))
    assert cable.paragraphs[0].text.startswith("Summary and comment: Bolivian Counternarcotics")
    assert cable.paragraphs[9].text.startswith("The District Prosecutor's Office in Santa Cruz")


def test_unmarked_gaps_after_a_redaction(corpus_cable: CableOf) -> None:
    # 09HARARE888: items 1, 3, 8, 11-14 (the rest redacted); "14." is ¶14, not a stray-1 ¶4.
    cable = corpus_cable("09HARARE888")
    assert [p.number for p in cable.paragraphs] == [1, 3, 8, 11, 12, 13, 14]
    assert cable.paragraphs[2].text.startswith("Prisons Conditions Remain Dire")
    assert cable.paragraphs[-1].text.startswith("Sweet Deal for Sable Chemicals")


def test_midline_label_of_a_reflowed_cable_opens_its_paragraph(corpus_cable: CableOf) -> None:
    # 08BRASILIA1396: "... accessed nationwide. 10. In addition, by May 2010 ..." on ¶9's line.
    cable = corpus_cable("08BRASILIA1396")
    assert [p.number for p in cable.paragraphs] == [*range(1, 12)]
    assert cable.paragraphs[8].text.endswith("accessed nationwide.")
    assert cable.paragraphs[9].text.startswith("In addition, by May 2010")
    assert cable.text.startswith("10. In addition", cable.paragraphs[9].start)


def test_first_label_run_onto_classified_by_and_printed_again_is_one_paragraph(corpus_cable: CableOf) -> None:
    cable = corpus_cable("10BRASILIA51")
    assert _labels(cable) == ["1", "2", "3", "4"]
    assert cable.paragraphs[0].text.startswith("During Ambassador Shannon's introductory call")


def test_marks_with_a_space_are_portion_marks(corpus_cable: CableOf) -> None:
    # 09KABUL376 writes "(C NF)"; it also prints "3." twice.
    cable = corpus_cable("09KABUL376")
    assert _labels(cable) == ["1", "2", "3", "3 (2nd)", "4", "5", "6", "7", "8", "9"]
    assert cable.paragraphs[0].marking == "C NF"
    assert cable.paragraphs[0].text.startswith("President Karzai on February 15")


def test_another_cables_database_row_ends_the_body(corpus_cable: CableOf) -> None:
    # 07BERN881 line 191 starts 07TBILISI2290's row; Bern's own ¶1-¶4 are all that is cited.
    bern = corpus_cable("07BERN881")
    assert _labels(bern) == ["1", "2", "3", "4"]
    assert not any("Tbilisi" in p.text or "governors" in p.text for p in bern.paragraphs)
    assert any("another cable" in p for p in bern.problems)
    # 73TEHRAN2077's body is 06THEHAGUE131 (line 17): none of it is Tehran's.
    tehran = corpus_cable("73TEHRAN2077")
    assert tehran.paragraphs == ()
    assert tehran.partial
    assert tehran.subject == "AUDIENCE WITH SHAH APRIL 5 ..."
    assert any("another cable" in p for p in tehran.problems)


# Every corpus cable whose level rises above its header's under the highest-marking rule, and why.
RAISED = {
    "07MADRID1952": ("UNCLASSIFIED", "SENSITIVE BUT UNCLASSIFIED"),  # (SBU) ¶1-2
    "07PARIS2725": ("CONFIDENTIAL", "SECRET"),  # banner SECRET, (S) ¶6-7
    "08BERLIN1387": ("CONFIDENTIAL", "SECRET"),  # (S/NF) ¶10
    "08MADRID6": ("UNCLASSIFIED", "SENSITIVE BUT UNCLASSIFIED"),  # (SBU) ¶1-14
    "08OSLO461": ("UNCLASSIFIED", "SENSITIVE BUT UNCLASSIFIED"),  # (SBU) ¶1-3
    "09BRASILIA1540": ("UNCLASSIFIED", "SENSITIVE BUT UNCLASSIFIED"),  # (SBU) ¶2-4, 10, 11, 13
    "09DAMASCUS179": ("CONFIDENTIAL", "SECRET"),  # (S) ¶14
    "09LONDON2770": ("UNCLASSIFIED", "SENSITIVE BUT UNCLASSIFIED"),  # (SBU) ¶1-4
    "09MOSCOW1108": ("CONFIDENTIAL", "SECRET"),  # (S/NF) and (S) on every paragraph
    "09PARIS1052": ("UNCLASSIFIED", "SENSITIVE BUT UNCLASSIFIED"),  # (SBU) ¶1-5
    "09TELAVIV1098": ("UNCLASSIFIED", "SENSITIVE BUT UNCLASSIFIED"),  # (SBU) ¶1-2, 4-27
    "10MEXICO614": ("UNCLASSIFIED", "SECRET"),  # banner SECRET, (S) ¶7 and ¶11, Classified By
    "10MOSCOW293": ("UNCLASSIFIED", "SENSITIVE BUT UNCLASSIFIED"),  # (SBU) ¶1-34
}


def test_every_cable_whose_level_rises_is_listed_with_why(parsed_corpus: ParsedCorpus) -> None:
    raised = {}
    for cable in parsed_corpus.cables.values():
        why = next((p for p in cable.problems if p.startswith("classification raised")), None)
        if why is not None:
            match = re.match(r"classification raised from (.+?) to (.+?): ", why)
            assert match is not None
            raised[cable.id] = (match.group(1), match.group(2))
            assert cable.classification.value == match.group(2)
    assert raised == RAISED


def test_secret_cable_with_an_unclas_routing_line_is_secret(corpus_cable: CableOf) -> None:
    # 10MEXICO614: routing "ZNR UUUUU", banner "S E C R E T ... ISLAMABAD 000416", (S) on ¶7 and ¶11.
    cable = corpus_cable("10MEXICO614")
    assert cable.classification is Classification.SECRET
    why = next(p for p in cable.problems if p.startswith("classification raised"))
    assert why.startswith("classification raised from UNCLASSIFIED to SECRET: banner SECRET; "
                          "portion mark (S) in ¶7, ¶11; Classified By line")


def test_quote_repair_never_changes_a_number(parsed_corpus: ParsedCorpus) -> None:
    # The closing "8" of a quote follows a letter or punctuation, so it is never part of a number of
    # two or more digits: every such number survives the repair unchanged (4 cables lost one before).
    changed = []
    for cable in parsed_corpus.cables.values():
        text = normalise_whitespace(cable.text)
        if re.findall(r"\d{2,}", repair_text(text)) != re.findall(r"\d{2,}", text):
            changed.append(cable.id)
    assert changed == []


@pytest.mark.parametrize(("cable_id", "kept"), [
    ("10LONDON450", '"maybe a 48-hour window if we\'re lucky"'),
    ("09CONAKRY797", "the September 28 massacre"),
])
def test_quote_repair_keeps_the_digit_eight(corpus_cable: CableOf, cable_id: str, kept: str) -> None:
    cable = corpus_cable(cable_id)
    assert any(kept in p.text for p in cable.paragraphs)
    assert not any(re.search(r'\d"-hour|September 2"', p.text) for p in cable.paragraphs)


def test_heading_under_a_broken_underline_is_the_next_paragraphs_section(corpus_cable: CableOf) -> None:
    # 00ABUDHABI5893 frames its headings with "---------------------------------------------- --".
    cable = corpus_cable("00ABUDHABI5893")
    five = next(p for p in cable.paragraphs if p.number == 5)
    assert five.section == "THE CONSEQUENCES FOR LARGER U.S.-ARAB RELATIONS"
    assert not any("THE CONSEQUENCES FOR LARGER" in p.text for p in cable.paragraphs)


def test_heading_on_two_underlined_lines_is_one_section(corpus_cable: CableOf) -> None:
    # 06PARIS7424 lines 78-81: "A FIFTY PERCENT CHANCE OF BEING FRANCE'S" / ---- / "NEXT PRESIDENT" / ----
    cable = corpus_cable("06PARIS7424")
    four = cable.paragraphs[3]
    assert four.section == "A FIFTY PERCENT CHANCE OF BEING FRANCE'S NEXT PRESIDENT"
    assert "FIFTY PERCENT" not in cable.paragraphs[2].text


def test_reflowed_framed_heading_is_not_glued_to_the_paragraph_above(corpus_cable: CableOf) -> None:
    # 07KAMPALA1848 line 24-26: "-----" / "GOU Shares Counter-Proliferation Concerns" / "-----", no blank lines.
    cable = corpus_cable("07KAMPALA1848")
    assert cable.paragraphs[0].text.endswith("End Summary.")
    assert cable.paragraphs[1].section == "GOU Shares Counter-Proliferation Concerns"


@pytest.mark.parametrize(("cable_id", "number", "ending", "next_section"), [
    ("10MAPUTO86", 2, "former Prime Minister Luisa Diogo. END SUMMARY.", "MOHAMED BASHIR SULEIMAN AND GUEBUZA"),
    ("09ABUJA1907", 5, "do not do more to address the issue.", "POTENTIAL BENEFITS"),
])
def test_sentence_above_a_framed_heading_stays_text(corpus_cable: CableOf, cable_id: str, number: int,
                                                     ending: str, next_section: str) -> None:
    cable = corpus_cable(cable_id)
    index = [p.number for p in cable.paragraphs].index(number)
    assert cable.paragraphs[index].text.endswith(ending)
    assert cable.paragraphs[index + 1].section == next_section


def test_underlined_headings_end_no_paragraph_in_the_corpus(parsed_corpus: ParsedCorpus) -> None:
    # 570 in 296 cables before; 07KAMPALA1449 underlines "LRA" with "- -".
    glued = audit_corpus(parsed_corpus.cables.values()).of("glued heading")
    assert glued == []


@pytest.mark.parametrize(("cable_id", "signer", "ending"), [
    ("09DOHA502", "LeBaron", "Assistant Secretary of Defense Alexander Vershbow."),  # "... Vershbow. LeBaron"
    ("09LAPAZ1784", "Creamer", "The total Bolivian population is approximately 9 million."),  # "18." / "Creamer"
])
def test_mixed_case_signer_leaves_the_last_paragraph(corpus_cable: CableOf, cable_id: str, signer: str,
                                                       ending: str) -> None:
    cable = corpus_cable(cable_id)
    assert cable.signer == signer
    assert cable.paragraphs[-1].text.endswith(ending)
    assert signer not in cable.paragraphs[-1].text


def test_no_last_paragraph_ends_with_a_signer_in_the_corpus(parsed_corpus: ParsedCorpus) -> None:
    # 171 cables before (Beyrle 24, Murphy 14, Aguirre 10 ...).
    assert audit_corpus(parsed_corpus.cables.values()).of("in-text signer") == []


@pytest.mark.parametrize(("cable_id", "reasons"), [
    ("05MADRID1178", "1.4 (B) and (D)"),  # "(D" / ")" on the next line
    ("06CARACAS1276", "1.4 (b and d)"),  # "(b and d )"
    ("04BRUSSELS1868", "1.4 (B)(D)"),  # "(B )(D)"
    ("09MAPUTO713", "1.4(b+d)"),
    ("09BAGHDAD197", "1.4 (b-d)"),
    ("09MOSCOW2823", "1.4 (b. and d.)"),
    ("09RIODEJANEIRO329", "1.4 b,d"),  # "Reasons (1.4 b,d)"
])
def test_reasons_are_read_to_their_closing_bracket(corpus_cable: CableOf, cable_id: str, reasons: str) -> None:
    assert corpus_cable(cable_id).reasons == reasons


def test_only_a_source_cut_reason_is_left_unbalanced(parsed_corpus: ParsedCorpus) -> None:
    # 38 cables before; 07ISLAMABAD31's own text stops at "Reasons 1.4 (b) and (d" before "1. (C)".
    cut = audit_corpus(parsed_corpus.cables.values()).of("cut reasons")
    assert [f.cable_id for f in cut] == ["07ISLAMABAD31"]


def test_every_body_line_is_in_a_paragraph_a_section_a_signer_or_named_furniture(parsed_corpus: ParsedCorpus) -> None:
    # 51 lines in 26 cables before (two-line headings, sub-headings, a website line under a rule).
    assert audit_corpus(parsed_corpus.cables.values()).of("lost line") == []


def test_heading_and_sub_heading_make_one_section(corpus_cable: CableOf) -> None:
    # 09ANKARA1594 lines 244-246: "TV News (NTV)" / "" / "Domestic".
    cable = corpus_cable("09ANKARA1594")
    assert any(p.section == "TV News (NTV) Domestic" for p in cable.paragraphs)


@pytest.mark.parametrize(("cable_id", "summary", "comment"), [
    ("10MUNICH29", (1,), (5,)),  # ¶1 says "End Summary."; ¶2-4 still sit under the SUMMARY heading
    ("10RABAT8", (1, 2), (15,)),  # ¶15 "... End Comment."; ¶16-17 are clearance and minimize notes
    ("08TUNIS193", (1, 2), (18, 19)),  # under "Comment: Warm and Open Ben Ali" to "End Comment."
    ("09BRASILIA34", (1,), (13, 14, 15, 16, 17)),  # under the "COMMENTS" heading
])
def test_summary_and_comment_paragraphs_stop_where_the_cable_says_they_end(
        corpus_cable: CableOf, cable_id: str, summary: tuple[int, ...], comment: tuple[int, ...]) -> None:
    cable = corpus_cable(cable_id)
    assert (cable.summary_paragraphs, cable.comment_paragraphs) == (summary, comment)


@pytest.mark.parametrize(("cable_id", "ids"), [
    ("05LONDON4981", ["05LONDON4212"]),  # "Ref: london 4212"
    ("08BERLIN1068", ["08STATE77660", "08BERLIN1000"]),  # "Ref: a. State 77660" / "b. Berlin 1000"
    ("09SANAA2230", ["09SANAA1995", "09SANAA2079", "09SANAA1669"]),  # "A. SANAA 01995" / "b. SANAA 02079"
    ("03ABUDHABI2641", ["03ABUDHABI1384"]),  # an empty "Ref: None" form field, then "REF: Abu Dhabi 1384"
    ("09ABUJA1907", ["09ABUJA1836"]),  # "Ref: Abuja 1836" right above a framed SUMMARY heading
])
def test_mixed_case_ref_lines_are_read(corpus_cable: CableOf, cable_id: str, ids: list[str]) -> None:
    assert [r.cable_id for r in corpus_cable(cable_id).references] == ids


def test_summary_heading_under_the_classified_by_line_is_not_absorbed(corpus_cable: CableOf) -> None:
    # 09ABUJA1907 lines 28-32: "Classified By: ... 1.4. (b" / "Ref: Abuja 1836" / "-------" / "SUMMARY" / "-------"
    cable = corpus_cable("09ABUJA1907")
    assert cable.classified_by == "Deputy Chief of Mission Dundas McCullough"
    assert (cable.paragraphs[0].label, cable.paragraphs[0].section) == ("1", "SUMMARY")


def test_info_is_the_addressees_not_the_distribution_codes(parsed_corpus: ParsedCorpus, corpus_cable: CableOf) -> None:
    # 00HANOI686 line 10: "INFO  LOG-00   NP-00 ..." (distribution), line 21: "INFO NSC WASHDC PRIORITY".
    hanoi = corpus_cable("00HANOI686")
    assert [r.name for r in hanoi.info][:3] == ["NSC WASHDC", "ASEAN COLLECTIVE", "AMEMBASSY BEIJING"]
    coded = [c.id for c in parsed_corpus.cables.values() if any(re.match(r"[A-Z]{1,6}-\d\d\b", r.name) for r in c.info)]
    assert coded == []  # 25 cables before


@pytest.mark.parametrize(("cable_id", "label", "section"), [
    ("05SOFIA1207", "1", None),  # "1.4(C)." under the Classified By line is its reasons' tail, not a heading
    ("06PARIS2242", "1", None),  # "REF: NONE"
    ("09DOHA502", "1", "SUMMARY"),  # "(C) SUMMARY": the heading's own portion mark is not its name
])
def test_header_remnants_and_heading_marks_are_not_section_names(corpus_cable: CableOf, cable_id: str,
                                                                  label: str, section: str | None) -> None:
    first = corpus_cable(cable_id).paragraphs[0]
    assert (first.label, first.section) == (label, section)


def test_end_of_quoted_text_stays_with_the_quote(parsed_corpus: ParsedCorpus) -> None:
    # "END TEXT.", "End talking points/non-paper" closed the quote above, and were section names of the
    # paragraph after them in 12 cables.
    ends = [f"{c.id} ¶{p.label}" for c in parsed_corpus.cables.values() for p in c.paragraphs
            if re.match(r"\W*END\b", p.section or "", re.IGNORECASE)]
    assert ends == []
