"""The ranking metrics computed by ranx, the reference ``eval.metrics`` is checked against.

ranx is an optional dependency (``pip install 'cableqa[eval]'``) imported only here, and
slow to start (numba compiles on first use; see ``eval.metrics``), so the runner does not
use it; tests and one-off audits do. Inputs and rules are those of ``eval.metrics.evaluate``;
ranx itself refuses a query with an empty run, so such queries are scored 0 here and
still counted in the mean.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from eval.metric_names import parse_metric_names

__all__ = ["evaluate_per_query_with_ranx", "evaluate_with_ranx"]


def _ranx() -> Any:
    try:
        import ranx
    except ImportError as exc:
        raise ImportError("the ranx reference needs ranx: pip install 'cableqa[eval]'") from exc
    return ranx


def evaluate_per_query_with_ranx(
    qrels: Mapping[str, Mapping[str, int]],
    run: Mapping[str, Mapping[str, float]],
    metrics: str | Sequence[str],
) -> dict[str, dict[str, float]]:
    """``{qid: {metric: score}}`` for every qrels query, as ranx computes it."""
    ranx = _ranx()
    names = parse_metric_names(metrics)
    scored = {q: dict(run[q]) for q in qrels if run.get(q)}
    per_query = {q: {str(name): 0.0 for name in names} for q in qrels}
    if not scored:
        return per_query
    ranx_qrels = ranx.Qrels({q: dict(qrels[q]) for q in scored})
    ranx_run = ranx.Run(scored)
    with warnings.catch_warnings():
        # numba warns about a uint64 -> int64 cast inside ranx's hit_rate; harmless here.
        warnings.filterwarnings("ignore", message=".*unsafe cast.*")
        ranx.evaluate(ranx_qrels, ranx_run, [name.ranx_name for name in names])
    for name in names:
        for query_id, score in ranx_run.scores[name.ranx_name].items():
            per_query[query_id][str(name)] = float(score)
    return per_query


def evaluate_with_ranx(
    qrels: Mapping[str, Mapping[str, int]],
    run: Mapping[str, Mapping[str, float]],
    metrics: str | Sequence[str],
) -> dict[str, float]:
    """Mean of each metric over all qrels queries, as ranx computes it (NaN if none)."""
    names = parse_metric_names(metrics)
    per_query = evaluate_per_query_with_ranx(qrels, run, metrics)
    if not per_query:
        return {str(name): math.nan for name in names}
    return {
        str(name): math.fsum(s[str(name)] for s in per_query.values()) / len(per_query)
        for name in names
    }
