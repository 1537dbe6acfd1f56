"""Ranking metrics on a judged ranking matrix, one metric per module (numpy, per query)."""

from __future__ import annotations

from eval.ranking.hit import hit_at_k
from eval.ranking.judged import FloatArray, Judged, judge
from eval.ranking.mrr import mrr_at_k
from eval.ranking.ndcg import ndcg_at_k
from eval.ranking.order import rank_by_score
from eval.ranking.recall import recall_at_k

__all__ = [
    "FloatArray",
    "Judged",
    "hit_at_k",
    "judge",
    "mrr_at_k",
    "ndcg_at_k",
    "rank_by_score",
    "recall_at_k",
]
