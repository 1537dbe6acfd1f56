"""summarise: ranking metrics over answerable questions, abstention over all of them."""

from __future__ import annotations

import math

import pytest

from eval.metrics import QuestionResult, RankedCitation, summarise
from eval.questions import EvalQuestion
from qa.errors import InvalidQueryError

P1, P2, P3, P4, P5, P6, P7, P8, P9 = (f"08TOKYO1074 ¶{n}" for n in range(1, 10))
KEYS = {
    "hit@1",
    "hit@5",
    "hit@10",
    "recall@10",
    "mrr@10",
    "ndcg@10",
    "abstention_precision",
    "abstention_recall",
    "n",
}


def ranked(*citations: str) -> tuple[RankedCitation, ...]:
    return tuple(RankedCitation(c, 1.0 - i / 10) for i, c in enumerate(citations))


def result(
    qid: str, relevant: tuple[str, ...], hits: tuple[RankedCitation, ...], answered: bool
) -> QuestionResult:
    kind = "unanswerable" if not relevant else "multi" if len(relevant) > 1 else "factual"
    return QuestionResult(qid, relevant, hits, answered, latency_ms=12.5, kind=kind)


RESULTS = [
    # ¶3 and ¶1 relevant, found at ranks 1 and 3: hit@1 1, recall 1, rr 1, ndcg 0.9197
    result("q1", (P3, P1), ranked(P3, P4, P1), answered=True),
    # ¶6 relevant, found at rank 2: hit@1 0, hit@5 1, rr 0.5, ndcg 1/log2(3)
    result("q2", (P6,), ranked(P7, P6), answered=True),
    # ¶5 relevant, never retrieved and the system abstained: all 0, a false abstention
    result("q3", (P5,), ranked(P2, P4), answered=False),
    # unanswerable, abstained (right); its hits do not touch the ranking metrics
    result("q4", (), ranked(P9), answered=False),
    # unanswerable, answered (wrong)
    result("q5", (), ranked(P2), answered=True),
]


def test_summary_has_exactly_the_reported_keys() -> None:
    assert set(summarise(RESULTS)) == KEYS


def test_summary_values_worked_by_hand() -> None:
    ndcg_q1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    ndcg_q2 = 1 / math.log2(3)
    assert summarise(RESULTS, k=10) == {
        "hit@1": pytest.approx(1 / 3),
        "hit@5": pytest.approx(2 / 3),
        "hit@10": pytest.approx(2 / 3),
        "recall@10": pytest.approx(2 / 3),
        "mrr@10": pytest.approx(1.5 / 3),
        "ndcg@10": pytest.approx((ndcg_q1 + ndcg_q2) / 3),
        "abstention_precision": 0.5,  # abstained on q3 (wrong) and q4 (right)
        "abstention_recall": 0.5,  # of q4 and q5, abstained on q4
        "n": 5.0,
    }


def test_other_cutoff_renames_the_deep_metrics() -> None:
    summary = summarise(RESULTS, k=2)
    assert set(summary) == {"hit@1", "hit@5", "hit@2", "recall@2", "mrr@2", "ndcg@2"} | {
        "abstention_precision",
        "abstention_recall",
        "n",
    }
    assert summary["recall@2"] == pytest.approx((0.5 + 1 + 0) / 3)


def test_only_unanswerable_questions_leave_ranking_metrics_undefined() -> None:
    summary = summarise([r for r in RESULTS if not r.answerable])
    assert all(math.isnan(summary[k]) for k in ("hit@1", "mrr@10", "ndcg@10"))
    assert summary["abstention_recall"] == 0.5
    assert summary["n"] == 2.0


def test_result_from_question_copies_its_labels() -> None:
    question = EvalQuestion("q7", "Who is Baluyevsky?", (P4, P1), "entity")
    made = QuestionResult.from_question(question, ranked(P4), answered=True, latency_ms=3.0)
    assert (made.question_id, made.relevant, made.kind) == ("q7", (P4, P1), "entity")


def test_bad_results_are_rejected() -> None:
    with pytest.raises(InvalidQueryError, match="ranked twice"):
        result("q1", (P3,), ranked(P3, P3), answered=True)
    with pytest.raises(InvalidQueryError, match="malformed citation"):
        result("q1", (P3,), ranked("08TOKYO1074 3"), answered=True)
    with pytest.raises(InvalidQueryError, match="latency_ms"):
        QuestionResult("q1", (P3,), (), True, latency_ms=-1.0, kind="factual")
    with pytest.raises(InvalidQueryError, match="appears twice"):
        summarise([RESULTS[0], RESULTS[0]])
    with pytest.raises(InvalidQueryError, match="positive integer"):
        summarise(RESULTS, k=0)
