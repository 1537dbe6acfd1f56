"""Abstention: the index says when the best cable never mentions what the question names, or cannot hold it."""

from __future__ import annotations

import pytest

from qa.search.abstain import Abstention, abstention, missing_terms, salient_terms
from qa.search.ask import evidence_of
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


def _reason(index: CableIndex, question: str) -> Abstention | None:
    """Why the served path abstains, read from the same hits the answer lists."""
    answer = index.ask(question, k=10)
    snapshot = index.snapshot
    rows = [next(r for r in snapshot.cable_paragraph_rows(h.cable_id).tolist()
                 if snapshot.numbers[r] == h.paragraph and snapshot.occurrences[r] == h.occurrence)
            for h in answer.hits]
    return abstention(question, evidence_of(snapshot, rows, None))


@pytest.mark.parametrize(("question", "reason"), [
    ("How many Japanese fighter jets scrambled to intercept the Tu-95 on February 9?", "no-quantity"),
    ("How much has Japan paid so far to dismantle Russian nuclear submarines?", "no-quantity"),
    ("What will be the annual capacity of the pipeline to Koz'mino?", "no-quantity"),
    ("What was agreed at the April 21 consultations on aircraft activities in Tokyo?", "after-cable: April 21"),
    ("What did the leaders decide at their meeting in July?", "after-cable: July"),
    ("How did Japan's Defense Minister respond publicly to the February airspace violation?",
     "missing-role: defense minister"),
    ("What is the status of Japanese participation in the Sakhalin I project?", "missing-name: sakhalin i"),
])
def test_the_seed_abstains_on_what_it_cannot_hold_and_says_why(seed_index: CableIndex, question: str,
                                                               reason: str) -> None:
    assert not seed_index.ask(question, k=3).answered
    assert str(_reason(seed_index, question)) == reason


@pytest.mark.parametrize("question", [
    "How many hours did Koumura and Lavrov spend on bilateral issues?",  # ¶2: "a two-hour session"
    "By what year should the dismantling of Russian nuclear submarines be finished?",
    "Who is Sasae's Russian counterpart for the June G8 preparatory talks?",  # June is later, but planned
    "Where will the Japanese and Russian leaders meet in July?",
    "What did Lavrov say about the July summit at Lake Toya?",
    "What did Koumura go over with Khristenko, the Russian energy minister?",
    "Which Russian general denied that the bomber had entered Japanese airspace?",
])
def test_the_seed_answers_what_it_holds_even_with_amounts_dates_and_roles(seed_index: CableIndex,
                                                                          question: str) -> None:
    assert _reason(seed_index, question) is None
    assert seed_index.ask(question, k=3).answered
