"""Questions are cut into BM25 terms exactly as bm25s cut the documents they are scored against."""

from __future__ import annotations

import bm25s
import pytest
import Stemmer

from eval.questions import bundled_questions_path, load_questions
from qa.bm25 import BM25Index
from qa.records import Cable

ODD = ("", "   ", "a", "What did LAVROV say?", "Koz'mino, Sakhalin-II & the Tu-95's route",
       "don't won't it's", "08TOKYO1074 ¶3", "Ōkura café naïve", "1990s 2008 G8", "the of and to")


def _bm25s_terms(text: str) -> list[str]:
    tokenized = bm25s.tokenize([text], stopwords="en", stemmer=Stemmer.Stemmer("english"), return_ids=False,
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
