"""Score a retrieval run against judged questions: ranking metrics and a per-run summary.

``evaluate(qrels, run, ["hit@5", "mrr@10"])`` takes plain dicts in ranx's shapes, qrels
``{qid: {citation: grade}}`` and run ``{qid: {citation: score}}``, and returns the mean of
each metric over the **qrels queries**: a query missing from the run, or with an empty
run, scores 0 and still counts; run queries absent from the qrels are not scored. Every
qrels query needs a relevant document (grade >= 1): ranking metrics are defined over
answerable questions only, unanswerable ones are judged by ``eval.abstention``.

The numbers are those of ranx (``eval.reference`` computes them with ranx; a test checks
both agree on hundreds of random runs). They are computed here with numpy because ranx
costs too much per process for a service's eval command: measured on this project's
2-CPU box, ``import ranx`` took 2.1-3.2 s and the first ``ranx.evaluate`` of 100 queries
4.1-5.1 s more with numba's cache warm, about 63 s with it cold (a fresh install), while
later calls took 0.01 s. The numpy version takes milliseconds from a cold start.

``summarise`` is what the eval runner reports for a whole question set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np

from eval.abstention import abstention_counts
from eval.citations import parse_citation
from eval.metric_names import MetricName, parse_metric_names
from eval.questions import EvalQuestion, check_labels
from eval.ranking import (
    FloatArray,
    Judged,
    hit_at_k,
    judge,
    mrr_at_k,
    ndcg_at_k,
    rank_by_score,
    recall_at_k,
)
from qa.errors import InvalidQueryError

__all__ = [
    "QuestionResult",
    "RankedCitation",
    "evaluate",
    "evaluate_per_query",
    "summarise",
]

_SCORERS = {"hit": hit_at_k, "recall": recall_at_k, "mrr": mrr_at_k, "ndcg": ndcg_at_k}


def evaluate(
    qrels: Mapping[str, Mapping[str, int]],
    run: Mapping[str, Mapping[str, float]],
    metrics: str | Sequence[str],
) -> dict[str, float]:
    """Mean of each metric over the qrels queries (answerable questions only); see module.

    ``metrics`` are names like ``"ndcg@10"`` (``eval.metric_names``). Documents are ranked
    by score, highest first, ties by citation. With no qrels query at all every mean is NaN.
    """
    names = parse_metric_names(metrics)
    _check_qrels(qrels)
    _check_run(run)
    return _means(qrels, _rankings(run), names)


def evaluate_per_query(
    qrels: Mapping[str, Mapping[str, int]],
    run: Mapping[str, Mapping[str, float]],
    metrics: str | Sequence[str],
) -> dict[str, dict[str, float]]:
    """``{qid: {metric: score}}`` for every qrels query, under the rules of ``evaluate``."""
    names = parse_metric_names(metrics)
    _check_qrels(qrels)
    _check_run(run)
    scores = _scores(qrels, _rankings(run), names)
    return {
        query_id: {str(name): float(scores[name][row]) for name in names}
        for row, query_id in enumerate(qrels)
    }


@dataclass(frozen=True, slots=True)
class RankedCitation:
    """One retrieved paragraph: its citation (``08TOKYO1074 ¶3``) and the system's score."""

    citation: str
    score: float


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """What the system did with one evaluation question.

    ``ranked`` is in the system's rank order (best first); that order is scored as given,
    scores are kept for reports only. ``answered`` is False when the system abstained; its
    ranked paragraphs still count for the ranking metrics of an answerable question.
    """

    question_id: str
    relevant: tuple[str, ...]
    ranked: tuple[RankedCitation, ...]
    answered: bool
    latency_ms: float
    kind: str

    def __post_init__(self) -> None:
        check_labels(self.kind, self.relevant)
        cited = [hit.citation for hit in self.ranked]
        for citation in cited:
            parse_citation(citation)
        if len(set(cited)) != len(cited):
            raise InvalidQueryError("ranked", f"{self.question_id}: a citation is ranked twice")
        if not math.isfinite(self.latency_ms) or self.latency_ms < 0:
            raise InvalidQueryError("latency_ms", f"{self.question_id}: {self.latency_ms}")

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)

    @classmethod
    def from_question(
        cls,
        question: EvalQuestion,
        ranked: Sequence[RankedCitation],
        *,
        answered: bool,
        latency_ms: float,
    ) -> QuestionResult:
        """The result for ``question``, copying its id, relevant paragraphs and kind."""
        return cls(
            question_id=question.id,
            relevant=question.relevant,
            ranked=tuple(ranked),
            answered=answered,
            latency_ms=latency_ms,
            kind=question.kind,
        )


def summarise(results: Sequence[QuestionResult], k: int = 10) -> dict[str, float]:
    """The headline numbers for one run over a question set.

    Keys (with the default ``k = 10``): ``hit@1, hit@5, hit@10, recall@10, mrr@10, ndcg@10``,
    averaged over the **answerable** questions only (NaN when there is none),
    ``abstention_precision`` and ``abstention_recall`` over all questions (NaN on an
    empty denominator, see ``eval.abstention``), and ``n``, the number of questions.
    Another ``k`` renames the last four ranking keys (``hit@k`` ... ``ndcg@k``).
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidQueryError("k", f"must be a positive integer, not {k!r}")
    seen: set[str] = set()
    for result in results:
        if result.question_id in seen:
            raise InvalidQueryError("results", f"question {result.question_id!r} appears twice")
        seen.add(result.question_id)

    names = parse_metric_names(
        ["hit@1", "hit@5", f"hit@{k}", f"recall@{k}", f"mrr@{k}", f"ndcg@{k}"]
    )
    answerable = [r for r in results if r.answerable]
    qrels = {r.question_id: dict.fromkeys(r.relevant, 1) for r in answerable}
    rankings = {r.question_id: tuple(hit.citation for hit in r.ranked) for r in answerable}
    summary = _means(qrels, rankings, names)

    counts = abstention_counts([r.answered for r in results], [r.answerable for r in results])
    summary["abstention_precision"] = counts.precision
    summary["abstention_recall"] = counts.recall
    summary["n"] = float(len(results))
    return summary


def _scores(
    qrels: Mapping[str, Mapping[str, int]],
    rankings: Mapping[str, Sequence[str]],
    names: Sequence[MetricName],
) -> dict[MetricName, FloatArray]:
    judged: Judged = judge(qrels, rankings, depth=max(name.k for name in names))
    return {name: _SCORERS[name.kind](judged, name.k) for name in names}


def _means(
    qrels: Mapping[str, Mapping[str, int]],
    rankings: Mapping[str, Sequence[str]],
    names: Sequence[MetricName],
) -> dict[str, float]:
    if not qrels:
        return {str(name): math.nan for name in names}
    return {str(name): float(np.mean(s)) for name, s in _scores(qrels, rankings, names).items()}


def _rankings(run: Mapping[str, Mapping[str, float]]) -> dict[str, tuple[str, ...]]:
    return {query_id: rank_by_score(scores) for query_id, scores in run.items()}


def _check_qrels(qrels: Mapping[str, Mapping[str, int]]) -> None:
    for query_id, grades in qrels.items():
        for doc, grade in grades.items():
            if isinstance(grade, bool) or not isinstance(grade, int) or grade < 0:
                raise InvalidQueryError(
                    "qrels", f"{query_id} {doc}: grade must be an integer >= 0, not {grade!r}"
                )
        if not any(grade >= 1 for grade in grades.values()):
            raise InvalidQueryError(
                "qrels",
                f"{query_id} has no relevant document; ranking metrics cover answerable "
                "questions only (leave unanswerable ones out, see to_qrels)",
            )


def _check_run(run: Mapping[str, Mapping[str, float]]) -> None:
    for query_id, scores in run.items():
        for doc, score in scores.items():
            if isinstance(score, bool) or not isinstance(score, Real) or not math.isfinite(score):
                raise InvalidQueryError(
                    "run", f"{query_id} {doc}: score must be a finite number, not {score!r}"
                )
