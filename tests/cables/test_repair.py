"""The release's encoding artefacts are repaired in clean text while spans keep the original."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from qa.cables.records import Cable
from qa.cables.repair import normalise_whitespace, repair_text


@pytest.mark.parametrize(("written", "repaired"), [
    ("France,s chief counterterrorism judge", "France's chief counterterrorism judge"),
    ("the &talking points8 were delivered", 'the "talking points" were delivered'),
    ("Canada,s decline from &middle power8 status", 'Canada\'s decline from "middle power" status'),
    ("we don,t know; they,re sure; we,ve seen; we,ll see; I,m told", "we don't know; they're sure; "
                                                                      "we've seen; we'll see; I'm told"),
])
def test_release_artefacts_become_apostrophes_and_quotes(written: str, repaired: str) -> None:
    assert repair_text(written) == repaired


@pytest.mark.parametrize("text", [
    "Classified By: NEA Acting A/S Jeffrey Feltman: Reasons 1.4 (b,d)",
    "Reasons 1.4 (b,d).",
    "Paris, Berlin, and Rome",
    "AT&T and R&D",
    "some 8 percent & rising",
])
def test_commas_ampersands_and_eights_that_are_not_artefacts_stay(text: str) -> None:
    assert repair_text(text) == text


def test_whitespace_runs_become_one_space() -> None:
    assert normalise_whitespace("  a \n\t b  ") == "a b"


def test_apostrophe_artefact_is_repaired_in_text_but_kept_in_span(corpus_cable: Callable[[str], Cable]) -> None:
    # 07PARIS322: "1. (S) SUMMARY: France,s chief counterterrorism judge, "
    cable = corpus_cable("07PARIS322")
    one = cable.paragraphs[0]
    assert one.text.startswith("SUMMARY: France's chief counterterrorism judge, Jean-Louis Bruguiere")
    span = cable.text[one.start:one.end]
    assert span.startswith("1. (S) SUMMARY: France,s chief")
    assert "France's" not in span


def test_quote_artefact_across_a_line_break_is_repaired(corpus_cable: Callable[[str], Cable]) -> None:
    # 04OTTAWA3115 ¶7: "... on Canada,s decline\nfrom &middle power8 status to that of an &active\nobserver8 of ..."
    cable = corpus_cable("04OTTAWA3115")
    seven = cable.paragraphs[6]
    assert seven.number == 7
    assert ('Canada\'s decline from "middle power" status to that of an "active observer"') in seven.text
    span = cable.text[seven.start:seven.end]
    assert "&middle power8" in span
    assert "&active\nobserver8" in span


def test_reasons_with_a_comma_are_not_taken_for_an_apostrophe(corpus_cable: Callable[[str], Cable]) -> None:
    assert corpus_cable("09STATE14577").reasons == "1.4 (b,d)"
