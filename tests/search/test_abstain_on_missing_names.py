"""Abstention: the index says when the best cable never mentions what the question names."""

from __future__ import annotations

import pytest

from qa.search.abstain import missing_terms, salient_terms
from qa.service import CableIndex


def test_salient_terms_are_names_acronyms_and_numbers_but_not_the_first_word() -> None:
    assert salient_terms("What did Lavrov say about Iran's nuclear program in 2008?") == ["lavrov", "iran", "2008"]
    assert salient_terms("Apart from BMD, what did Sasae-Kislyak talks cover?") == ["bmd", "sasae", "kislyak"]


def test_metonyms_do_not_count_as_missing() -> None:
    cable = ["Russian Foreign Minister Lavrov said Moscow would look for a solution."]
    assert missing_terms("Did the Kremlin offer a compromise?", cable) == []
    assert missing_terms("Did the Kremlin discuss Kosovo?", cable) == ["kosovo"]


def test_numbers_must_appear_as_whole_numbers() -> None:
    assert missing_terms("What happened on July 7?", ["the July 7-9 G8 meeting"]) == []
    assert missing_terms("What happened in 1956?", ["dismantling should be finished by 2010"]) == ["1956"]


@pytest.mark.parametrize("question", [
    "What did Lavrov say about Iran's nuclear program during his talks with Koumura?",
    "When will Putin make an official visit to Tokyo?",
    "What was Lavrov's view on Kosovo's declaration of independence?",
])
def test_on_topic_question_about_something_the_cable_never_mentions_is_abstained(seed_index: CableIndex,
                                                                                 question: str) -> None:
    answer = seed_index.ask(question, k=3)
    assert not answer.answered
    assert answer.hits, "the nearest hits are still listed"


@pytest.mark.parametrize("question", [
    "what did Lavrov say about missile defense",
    "Baluyevsky",
    "Did the Kremlin's top diplomat concede that one of its warplanes violated the neighbouring country's skies?",
    "What were the dates of the Japanese foreign minister's April 2008 trip to Russia?",
])
def test_answerable_questions_are_answered(seed_index: CableIndex, question: str) -> None:
    assert seed_index.ask(question, k=3).answered
