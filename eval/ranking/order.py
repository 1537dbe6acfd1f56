"""The order a run's scores put documents in: by score, highest first; ties by document id.

ranx leaves the order of tied scores to an unstable sort; we fix it (lowest id first) so
that a run gives the same metrics every time and the TREC file lists the same ranks.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["rank_by_score"]


def rank_by_score(scores: Mapping[str, float]) -> tuple[str, ...]:
    """Document ids from best to worst: ``{"b": 0.2, "a": 0.9, "c": 0.2}`` -> ``a, b, c``."""
    return tuple(sorted(scores, key=lambda doc: (-scores[doc], doc)))
