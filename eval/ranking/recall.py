"""Recall at k: the share of a query's relevant documents found in the top k.

    recall@k(q) = |{r <= k : rel_q(d_r) >= 1}| / |{d : rel_q(d) >= 1}|

The denominator is every relevant document, not min(k, R), as in ranx and trec_eval.
Example: two relevant, one at rank 1 and one at rank 12, gives recall@10 = 1/2.
"""

from __future__ import annotations

import numpy as np

from eval.ranking.judged import FloatArray, Judged

__all__ = ["recall_at_k"]


def recall_at_k(judged: Judged, k: int) -> FloatArray:
    """Per-query recall@k; every query must have a relevant document (checked upstream)."""
    found = (judged.gains[:, :k] > 0).sum(axis=1)
    return np.asarray(found / judged.n_relevant, dtype=np.float64)
