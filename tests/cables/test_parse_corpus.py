"""The whole shared corpus: every cable parses, agrees with the publisher's metadata, numbers cleanly.

The corpus is parsed once per session (``parsed_corpus`` fixture); the agreement report is built with
``eval.parser_agreement.compare`` on those cables, exactly as ``eval.parser_agreement.run`` builds
it (publisher rows whose file is under ``cables/``), without parsing the corpus a second time.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from eval.parser_agreement import (
    RAISED_BY_MARKINGS,
    AgreementReport,
    compare,
    load_publisher_rows,
    numbering_exception,
)
from qa.cables.records import Cable

if TYPE_CHECKING:
    from conftest import ParsedCorpus

pytestmark = pytest.mark.corpus

CORPUS_CABLES = 1346

# Disagreements on the subject that are the publisher's own artefacts, as the causes name them.
PUBLISHER_SUBJECT_ARTEFACTS = {
    "publisher's subject runs on into the REF, Classified By or dateline text",
    "publisher's subject is cut short (or drops the tracking number)",
    "publisher's subject includes page-break text",
    "publisher has no subject",
}

# Page furniture that must never reach a paragraph's text.
FURNITURE = {
    "page-break line": re.compile(r"\d{8}\s+\d{3}(?:\.\d)?\s+OF\s+\d{3}"),
    "teletype page line": re.compile(r"\bPAGE \d+ [A-Z]"),
    "spaced banner": re.compile(r"C O N F I D E N T I A L|S E C R E T|U N C L A S"),
    "teletype classification footer": re.compile(r"\bPTQ\d+"),
}
# Paragraphs known to carry furniture, with why; empty since body.py cuts all of it.
KNOWN_FURNITURE: dict[tuple[str, int], str] = {}


@pytest.fixture(scope="session")
def agreement(parsed_corpus: ParsedCorpus) -> AgreementReport:
    rows = [(Path(r.file).stem, r) for r in load_publisher_rows(parsed_corpus.root / "MANIFEST.csv")
            if (parsed_corpus.root / "cables" / r.file).exists()]
    failed = tuple((r.id, parsed_corpus.failures[name].message) for name, r in rows if name in parsed_corpus.failures)
    compared = [(parsed_corpus.cables[name], r) for name, r in rows if name in parsed_corpus.cables]
    disagreements = tuple(d for cable, row in compared for d in compare(cable, row))
    return AgreementReport(len(compared), failed, disagreements)


def test_every_corpus_cable_parses_without_error(parsed_corpus: ParsedCorpus) -> None:
    assert parsed_corpus.files == CORPUS_CABLES
    assert parsed_corpus.failures == {}, {name: e.message for name, e in parsed_corpus.failures.items()}
    assert len(parsed_corpus.cables) == CORPUS_CABLES


def test_every_cable_has_an_id_and_paragraphs(parsed_corpus: ParsedCorpus) -> None:
    # 73TEHRAN2077 holds only its header: the body under it is 06THEHAGUE131's, left out and said.
    empty = [name for name, cable in parsed_corpus.cables.items() if not cable.paragraphs
             and not any("another cable" in p for p in cable.problems)]
    assert empty == []
    assert all(cable.id for cable in parsed_corpus.cables.values())


def test_publisher_rows_are_compared_and_none_fails(agreement: AgreementReport) -> None:
    assert agreement.compared == 1309
    assert agreement.failed == ()


def _listed(report: AgreementReport, field: str) -> str:
    return "\n".join(f"{d.cable_id}: ours {d.ours!r} / publisher {d.theirs!r} — {d.cause}"
                     for d in report.disagreements if d.field == field)


def test_ids_agree_with_the_publisher_everywhere(agreement: AgreementReport) -> None:
    assert agreement.rate("id") == 1.0, _listed(agreement, "id")


def test_origin_agrees_with_the_publisher_for_99_percent(agreement: AgreementReport) -> None:
    assert agreement.rate("origin") >= 0.99, _listed(agreement, "origin")


def test_classification_agrees_with_the_publisher_for_99_percent(agreement: AgreementReport) -> None:
    # A level raised by the cable's own markings (tests/cables/test_citations.py lists them) is ours by rule.
    ours = [d for d in agreement.disagreements if d.field == "classification" and d.cause != RAISED_BY_MARKINGS]
    assert 1 - len(ours) / agreement.compared >= 0.99, _listed(agreement, "classification")


def test_created_date_agrees_for_every_cable_whose_text_has_a_date_time_group(
        agreement: AgreementReport, parsed_corpus: ParsedCorpus) -> None:
    by_id = {cable.id: cable for cable in parsed_corpus.cables.values()}
    wrong = [d for d in agreement.disagreements if d.field == "created" and by_id[d.cable_id].datetime is not None]
    assert wrong == [], _listed(agreement, "created")
    missing = [d for d in agreement.disagreements if d.field == "created"]
    assert all(d.cause.startswith("no date-time group in the text") for d in missing)


def test_every_disagreement_names_its_cause(agreement: AgreementReport) -> None:
    unexplained = [d for d in agreement.disagreements if not d.cause.strip()]
    assert unexplained == [], "\n".join(map(str, unexplained))


def test_subject_agrees_for_99_percent_once_publisher_artefacts_are_excused(agreement: AgreementReport) -> None:
    subject = [d for d in agreement.disagreements if d.field == "subject"]
    ours = [d for d in subject if d.cause not in PUBLISHER_SUBJECT_ARTEFACTS]
    strict = agreement.rate("subject")
    excused = 1 - len(ours) / agreement.compared
    assert excused >= 0.99, (f"subject agreement {excused:.2%} with publisher artefacts excused "
                             f"({strict:.2%} strict):\n" + _listed(agreement, "subject"))


def _numbered(cable: Cable) -> bool:
    return any(not p.unnumbered for p in cable.paragraphs)


def test_paragraph_numbers_run_one_to_n_save_for_the_sources_own_gaps(parsed_corpus: ParsedCorpus) -> None:
    numbered = [cable for cable in parsed_corpus.cables.values() if _numbered(cable)]
    exceptions = [e for e in map(numbering_exception, numbered) if e is not None]
    parser_caused = [e for e in exceptions if not e.source_caused]
    assert parser_caused == [], "\n".join(f"{e.cable_id}: {e.cause} {e.numbers}" for e in parser_caused)
    clean = 1 - len(parser_caused) / len(numbered)
    assert clean >= 0.99
    # The rest are the source's: redacted paragraphs leave gaps, numbers repeat or run backwards,
    # and each is cited under the number it prints (80 cables, 6%).
    strict = 1 - len(exceptions) / len(numbered)
    assert strict >= 0.93, "\n".join(f"{e.cable_id}: {e.cause}" for e in exceptions)


def test_no_paragraph_carries_page_furniture(parsed_corpus: ParsedCorpus) -> None:
    found = [f"{cable.id} ¶{p.number} {what}: …{p.text[max(0, m.start() - 40):m.end() + 20]}…"
             for cable in parsed_corpus.cables.values() for p in cable.paragraphs
             for what, pattern in FURNITURE.items() if (m := pattern.search(p.text))
             and (cable.id, p.number) not in KNOWN_FURNITURE]
    assert found == [], "\n".join(found)


def test_spans_lie_inside_the_text_in_order_without_overlap(parsed_corpus: ParsedCorpus) -> None:
    bad = []
    for cable in parsed_corpus.cables.values():
        spans = [(p.start, p.end) for p in cable.paragraphs]
        inside = all(0 <= start < end <= len(cable.text) for start, end in spans)
        ordered = all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
        if not (inside and ordered):
            bad.append(cable.id)
    assert bad == []


def test_a_numbered_paragraphs_span_starts_with_its_printed_label(parsed_corpus: ParsedCorpus) -> None:
    # "3." for ¶3, or "13." where a pilcrow became a stray "1"; ¶1 whose label was lost starts at its mark;
    # "8. 7." (09LAPAZ1784: a list number the release put before the cable's own label) is ¶7.
    label = re.compile(r"(?:¶\s*|\[\d+\]\(#\)\s*)?(?:\d{1,3}\.[ \t]+(?=\d{1,3}\.\s))?(\d{1,3})")
    wrong = []
    for cable in parsed_corpus.cables.values():
        for p in cable.paragraphs:
            if p.unnumbered:
                continue
            match = label.match(cable.text, p.start)
            printed = match.group(1) if match else ""
            if printed not in (str(p.number), f"1{p.number}") and not cable.text.startswith("(", p.start):
                wrong.append(f"{cable.id} ¶{p.number}: {cable.text[p.start:p.start + 30]!r}")
    assert wrong == [], "\n".join(wrong)


def test_every_paragraph_has_text(parsed_corpus: ParsedCorpus) -> None:
    empty = [f"{c.id} ¶{p.number}" for c in parsed_corpus.cables.values() for p in c.paragraphs if not p.text.strip()]
    assert empty == []
