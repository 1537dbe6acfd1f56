"""Hit rate at k (ranx: ``hit_rate@k``): did any relevant document make the top k?

    hit@k(q) = 1  if rel_q(d_r) >= 1 for some rank r <= k,  else 0

Example: the only relevant document at rank 3 gives hit@1 = 0 and hit@5 = 1.
"""

from __future__ import annotations

import numpy as np

from eval.ranking.judged import FloatArray, Judged

__all__ = ["hit_at_k"]


def hit_at_k(judged: Judged, k: int) -> FloatArray:
    """Per-query hit@k (1.0 or 0.0); ``k`` must not exceed ``judged.depth``."""
    return np.asarray((judged.gains[:, :k] > 0).any(axis=1), dtype=np.float64)
