"""Questions are cut into BM25 terms exactly as bm25s cut the documents they are scored against."""

from __future__ import annotations

import bm25s
import pytest
import Stemmer

from eval.questions import bundled_questions_path, load_questions
from qa.cables.records import Cable
from qa.store.bm25_index import BM25Index, analyzed

ODD = ("", "   ", "a", "What did LAVROV say?", "Koz'mino, Sakhalin-II & the Tu-95's route",
       "don't won't it's", "08TOKYO1074 ¶3", "Ōkura café naïve", "1990s 2008 G8", "the of and to")


def _bm25s_terms(text: str) -> list[str]:
    tokenized = bm25s.tokenize([analyzed(text)], stopwords="en", stemmer=Stemmer.Stemmer("english"), return_ids=False,
                               show_progress=False)
    return list(tokenized[0])


def _assert_cut_alike(texts: list[str]) -> None:
    index = BM25Index.build(["a document"])
    for text in texts:
        assert index.tokens(text) == _bm25s_terms(text), text


def test_question_terms_are_bm25s_terms_for_every_eval_question_seed_paragraph_and_odd_input(seed: Cable) -> None:
    texts = [q.question for q in load_questions(bundled_questions_path())]
    texts += [seed.subject or "", *(p.text for p in seed.paragraphs), *ODD]
    assert len(texts) > 100
    _assert_cut_alike(texts)


def test_question_terms_are_bm25s_terms_on_corpus_paragraphs(mixed_cables: list[Cable]) -> None:
    _assert_cut_alike([text for cable in mixed_cables
                       for text in (cable.subject or "", *(p.text for p in cable.paragraphs))])


@pytest.mark.parametrize("question", ["Lavrov missile defense", "bomber intrusions into airspace"])
def test_a_question_scores_the_paragraphs_that_share_its_stemmed_terms(question: str) -> None:
    documents = ["Lavrov spoke on missile defence and defense budgets", "The intrusion was protested",
                 "Nothing relevant here"]
    index = BM25Index.build(documents)
    scores = index.scores(index.tokens(question))
    assert scores.argmax() == (0 if "Lavrov" in question else 1) and scores[2] == 0


@pytest.mark.parametrize(("question", "document"), [
    ("Koz'mino oil terminal", "Transneft opened the Kozmino oil terminal"),
    ("Kozmino oil terminal", "Transneft opened the Koz'mino oil terminal"),
    ("Koz\u2019mino terminal", "Transneft opened the Koz'mino oil terminal"),
    ("Tu-95 flights", "Two TU 95 bombers flew south"),
    ("Tu95 flights", "Two Tu-95 bombers flew south"),
    ("Russia's position", "Russia stated its position"),
])
def test_apostrophes_and_hyphens_inside_words_do_not_split_names(question: str, document: str) -> None:
    index = BM25Index.build([document, "Sakhalin weather report for June", "Nothing relevant here"])
    scores = index.scores(index.tokens(question))
    assert scores.argmax() == 0 and scores[0] > 0 and scores[2] == 0


def test_a_hyphenated_word_stands_joined_and_as_its_parts() -> None:
    assert analyzed("Tu-95 over Koz'mino") == "Tu95 Tu 95 over Kozmino"
    index = BM25Index.build(["a document"])
    assert index.tokens("Sakhalin-II") == ["sakhalinii", "sakhalin", "ii"]
    assert index.tokens("Russia's") == index.tokens("Russia") == ["russia"]
