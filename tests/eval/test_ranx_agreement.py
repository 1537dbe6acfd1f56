"""Our numpy metrics equal ranx's on hundreds of random runs (ranx is the reference).

ranx compiles with numba on first use, so this module is the slow one (seconds with
numba's cache warm, about a minute cold); all metrics go to ranx in one call.
"""

from __future__ import annotations

import random

import pytest

from eval.metrics import evaluate, evaluate_per_query
from eval.reference import evaluate_per_query_with_ranx, evaluate_with_ranx

pytest.importorskip("ranx")

METRICS = [f"{kind}@{k}" for kind in ("hit", "recall", "mrr", "ndcg") for k in (1, 3, 5, 10, 20)]
Qrels = dict[str, dict[str, int]]
Run = dict[str, dict[str, float]]


def random_case(seed: int, n_queries: int) -> tuple[Qrels, Run]:
    """Random graded qrels over 40 paragraphs and runs of 0-30 distinct random scores."""
    rng = random.Random(seed)
    paragraphs = [f"09STATE{1000 + n // 10} ¶{n % 10 + 1}" for n in range(40)]
    qrels: Qrels = {}
    run: Run = {}
    for i in range(n_queries):
        qid = f"q{i:03d}"
        judged = rng.sample(paragraphs, rng.randint(1, 8))
        grades = {doc: rng.choice([0, 1, 1, 2, 3]) for doc in judged}
        grades[judged[0]] = max(1, grades[judged[0]])  # at least one relevant
        qrels[qid] = grades
        retrieved = rng.sample(paragraphs, rng.choice([0, 1, 2, 5, 10, 15, 30]))
        run[qid] = {doc: rng.random() for doc in retrieved}
    run["unjudged"] = {paragraphs[0]: 0.5}
    return qrels, run


@pytest.fixture(scope="module")
def case() -> tuple[Qrels, Run]:
    return random_case(seed=20080418, n_queries=300)


def test_per_query_scores_equal_ranx_on_three_hundred_random_runs(
    case: tuple[Qrels, Run],
) -> None:
    qrels, run = case
    ours = evaluate_per_query(qrels, run, METRICS)
    theirs = evaluate_per_query_with_ranx(qrels, run, METRICS)
    assert ours.keys() == theirs.keys() == qrels.keys()
    for qid in qrels:
        assert ours[qid] == pytest.approx(theirs[qid], abs=1e-12), qid


def test_means_equal_ranx_including_queries_with_empty_runs(case: tuple[Qrels, Run]) -> None:
    qrels, run = case
    assert any(not run[q] for q in qrels)  # the case does exercise empty runs
    assert evaluate(qrels, run, METRICS) == pytest.approx(
        evaluate_with_ranx(qrels, run, METRICS), abs=1e-12
    )
