"""Reciprocal rank at k (its mean over queries is MRR@k): one over the first relevant rank.

    RR@k(q) = 1 / min{r <= k : rel_q(d_r) >= 1},   or 0 when no relevant document is in the top k

Example: first relevant document at rank 2 gives 0.5; at rank 11 gives 0 for k = 10.
"""

from __future__ import annotations

import numpy as np

from eval.ranking.judged import FloatArray, Judged

__all__ = ["mrr_at_k"]


def mrr_at_k(judged: Judged, k: int) -> FloatArray:
    """Per-query reciprocal rank at k."""
    hits = judged.gains[:, :k] > 0
    first = hits.argmax(axis=1)
    return np.where(hits.any(axis=1), 1.0 / (first + 1.0), 0.0).astype(np.float64)
