"""Hybrid fusion that trusts keywords as far as BM25's best paragraph covers the question: hand-worked cases."""

from __future__ import annotations

import math

import pytest

from qa.search.ranking import Weights, fused_weights
from qa.store.bm25_index import BM25Index

DOCUMENTS = ["Lavrov missile defense", "missile budget", "Japan weather report"]
IDF_LAVROV = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))  # in 1 of 3 documents: 0.9808
IDF_MISSILE = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))  # in 2 of 3: 0.4700
IDF_ABSENT = math.log(1 + (3 - 0 + 0.5) / (0 + 0.5))  # in none: log 8 = 2.0794


def test_coverage_is_the_idf_weighted_share_of_question_terms_in_the_paragraph() -> None:
    index = BM25Index.build(DOCUMENTS)
    terms = index.tokens("Lavrov missile")
    assert terms == ["lavrov", "missil"]
    assert index.coverage(terms, 0) == pytest.approx(1.0)
    assert index.coverage(terms, 1) == pytest.approx(IDF_MISSILE / (IDF_LAVROV + IDF_MISSILE))
    assert index.coverage(terms, 2) == 0.0


def test_a_term_no_document_holds_counts_with_the_largest_idf() -> None:
    index = BM25Index.build(DOCUMENTS)
    terms = index.tokens("Kremlin Lavrov missile")
    assert index.coverage(terms, 0) == pytest.approx((IDF_LAVROV + IDF_MISSILE)
                                                     / (IDF_ABSENT + IDF_LAVROV + IDF_MISSILE))
    assert index.coverage([], 0) == 0.0


def test_full_coverage_keeps_the_fixed_weights() -> None:
    assert fused_weights(Weights(), 1.0) == pytest.approx((0.35, 0.25, 0.25, 0.15))


def test_no_coverage_moves_the_keyword_weights_to_dense_and_sentence_in_proportion() -> None:
    dense, bm25, sentence, cable = fused_weights(Weights(keyword_trust=1.0), 0.0)
    assert (bm25, cable) == (0.0, 0.0)
    assert dense == pytest.approx(0.35 + 0.40 * 0.35 / 0.60)
    assert sentence == pytest.approx(0.25 + 0.40 * 0.25 / 0.60)


def test_half_coverage_with_trust_exponent_two_keeps_a_quarter_of_the_keyword_weights() -> None:
    dense, bm25, sentence, cable = fused_weights(Weights(keyword_trust=2.0), 0.5)
    assert (bm25, cable) == pytest.approx((0.0625, 0.0375))
    assert dense + bm25 + sentence + cable == pytest.approx(1.0)


def test_keyword_trust_zero_is_the_fixed_sum_whatever_the_coverage() -> None:
    assert fused_weights(Weights(keyword_trust=0.0), 0.0) == pytest.approx((0.35, 0.25, 0.25, 0.15))
