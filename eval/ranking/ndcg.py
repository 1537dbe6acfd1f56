"""Normalised discounted cumulative gain at k (Järvelin & Kekäläinen; ranx's ``ndcg``).

    DCG@k(q)  = sum over r = 1..k of  g_q(d_r) / log2(r + 1)
    nDCG@k(q) = DCG@k(q) / IDCG@k(q)

The gain g is the relevance grade itself (linear, not 2^g - 1, which is ranx's
``ndcg_burges``); IDCG@k is the DCG@k of the query's relevant documents sorted by grade.
Example: two relevant documents of grade 1 at ranks 1 and 3 give
(1 + 1/log2(4)) / (1 + 1/log2(3)) = 0.9197.
"""

from __future__ import annotations

import numpy as np

from eval.ranking.judged import FloatArray, Judged

__all__ = ["ndcg_at_k"]


def ndcg_at_k(judged: Judged, k: int) -> FloatArray:
    """Per-query nDCG@k; every query must have a relevant document (checked upstream)."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))
    dcg = judged.gains[:, :k] @ discounts
    idcg = judged.ideal[:, :k] @ discounts
    return np.asarray(dcg / idcg, dtype=np.float64)
