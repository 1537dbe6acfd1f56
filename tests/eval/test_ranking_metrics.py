"""Ranking metrics on tiny runs worked out by hand (qrels and runs keyed by citation)."""

from __future__ import annotations

import math

import pytest

from eval.metrics import evaluate, evaluate_per_query
from eval.ranking import rank_by_score
from qa.errors import InvalidQueryError

P1, P2, P3, P4, P5, P6 = (f"08TOKYO1074 ¶{n}" for n in range(1, 7))

# "What did Lavrov say about Japan's missile defense?" -> ¶3 and the summary ¶1.
MISSILE = {"q": {P3: 1, P1: 1}}


def test_relevant_at_rank_two_gives_reciprocal_rank_one_half() -> None:
    run = {"q": {P2: 0.9, P3: 0.8, P4: 0.1}}
    scores = evaluate({"q": {P3: 1}}, run, ["mrr@10", "hit@1", "hit@5", "recall@10"])
    assert scores == {"mrr@10": 0.5, "hit@1": 0.0, "hit@5": 1.0, "recall@10": 1.0}


def test_relevant_beyond_the_cutoff_scores_nothing() -> None:
    run = {"q": {P2: 0.9, P4: 0.8, P3: 0.7}}  # ¶3 at rank 3
    scores = evaluate({"q": {P3: 1}}, run, ["mrr@2", "hit@2", "ndcg@2", "recall@2"])
    assert scores == {"mrr@2": 0.0, "hit@2": 0.0, "ndcg@2": 0.0, "recall@2": 0.0}


def test_two_relevant_at_ranks_one_and_three_give_ndcg_by_hand() -> None:
    run = {"q": {P3: 0.9, P4: 0.5, P1: 0.4, P5: 0.1}}
    expected = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    scores = evaluate(MISSILE, run, ["ndcg@10", "mrr@10", "recall@2", "recall@3"])
    assert scores["ndcg@10"] == pytest.approx(expected)
    assert scores["ndcg@10"] == pytest.approx(0.919721, abs=1e-6)
    assert scores["mrr@10"] == 1.0
    assert scores["recall@2"] == 0.5
    assert scores["recall@3"] == 1.0


def test_graded_ndcg_uses_linear_gain_and_the_ideal_order() -> None:
    # grades ¶3 = 2, ¶1 = 1; run puts ¶1 first, ¶3 second.
    run = {"q": {P1: 0.9, P3: 0.8}}
    dcg = 1 / math.log2(2) + 2 / math.log2(3)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert evaluate({"q": {P3: 2, P1: 1}}, run, "ndcg@10") == {"ndcg@10": pytest.approx(dcg / idcg)}


def test_judged_non_relevant_documents_count_as_misses() -> None:
    run = {"q": {P2: 0.9, P3: 0.8}}
    assert evaluate({"q": {P2: 0, P3: 1}}, run, "mrr@10") == {"mrr@10": 0.5}


def test_empty_and_missing_runs_score_zero_and_count_in_the_mean() -> None:
    qrels = {"a": {P3: 1}, "b": {P4: 1}, "c": {P6: 1}}
    run = {"a": {P3: 1.0}, "b": {}}  # "c" missing altogether
    assert evaluate(qrels, run, ["hit@1", "mrr@10"]) == {
        "hit@1": pytest.approx(1 / 3),
        "mrr@10": pytest.approx(1 / 3),
    }
    assert evaluate_per_query(qrels, run, "ndcg@10") == {
        "a": {"ndcg@10": 1.0},
        "b": {"ndcg@10": 0.0},
        "c": {"ndcg@10": 0.0},
    }


def test_run_queries_without_judgements_are_not_scored() -> None:
    run = {"q": {P3: 0.9}, "unanswerable": {P5: 0.9}}
    assert evaluate({"q": {P3: 1}}, run, "hit@1") == {"hit@1": 1.0}


def test_ties_are_broken_by_citation_so_results_are_stable() -> None:
    assert rank_by_score({P5: 0.5, P3: 0.5, P1: 0.2, P2: 0.9}) == (P2, P3, P5, P1)
    assert evaluate({"q": {P5: 1}}, {"q": {P5: 0.5, P3: 0.5}}, "mrr@10") == {"mrr@10": 0.5}


def test_no_judged_queries_gives_nan_not_zero() -> None:
    assert math.isnan(evaluate({}, {"q": {P3: 1.0}}, "mrr@10")["mrr@10"])


def test_query_without_relevant_document_is_rejected() -> None:
    with pytest.raises(InvalidQueryError, match="answerable questions only"):
        evaluate({"q": {P3: 0}}, {"q": {P3: 1.0}}, "mrr@10")
    with pytest.raises(InvalidQueryError, match="no relevant document"):
        evaluate({"q": {}}, {}, "mrr@10")


@pytest.mark.parametrize("grade", [-1, 1.0, True, "1"])
def test_bad_grade_is_rejected(grade: object) -> None:
    with pytest.raises(InvalidQueryError, match="grade must be an integer"):
        evaluate({"q": {P3: grade, P1: 1}}, {}, "mrr@10")  # type: ignore[dict-item]


@pytest.mark.parametrize("score", [math.nan, math.inf, "0.5", None])
def test_bad_score_is_rejected(score: object) -> None:
    with pytest.raises(InvalidQueryError, match="finite number"):
        evaluate({"q": {P3: 1}}, {"q": {P3: score}}, "mrr@10")  # type: ignore[dict-item]


def test_unknown_metric_is_rejected_before_scoring() -> None:
    with pytest.raises(InvalidQueryError, match="unknown metric 'map@10'"):
        evaluate({"q": {P3: 1}}, {"q": {P3: 1.0}}, ["mrr@10", "map@10"])
