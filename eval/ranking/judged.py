"""The judged ranking matrix every ranking metric reads.

For queries ``q_1 .. q_n`` and a depth ``D`` (the largest cut-off asked for):

- ``gains[i, r]`` is the relevance grade of the document at rank ``r + 1`` for ``q_i``, or
  0 when that document is unjudged, judged non-relevant (grade < 1), or the ranking is
  shorter than ``r + 1``;
- ``ideal[i, r]`` is the ``r + 1``-th largest relevant grade of ``q_i`` (0 past the last);
- ``n_relevant[i]`` counts the documents of ``q_i`` with grade >= 1, beyond ``D`` too.

Grade >= 1 means relevant, as ranx's default ``rel_lvl=1``. An empty ranking gives a row
of zeros, so it scores 0 on every metric and still counts in the mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "Judged", "judge"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class Judged:
    """Per-query gains at each rank; see the module docstring. Rows follow ``query_ids``."""

    query_ids: tuple[str, ...]
    gains: FloatArray
    ideal: FloatArray
    n_relevant: FloatArray

    @property
    def depth(self) -> int:
        return int(self.gains.shape[1])


def judge(
    qrels: Mapping[str, Mapping[str, int]],
    rankings: Mapping[str, Sequence[str]],
    depth: int,
) -> Judged:
    """Judge the top ``depth`` documents of each qrels query's ranking (missing = empty).

    Queries in ``rankings`` but not in ``qrels`` are not judged. Inputs are trusted here;
    ``eval.metrics`` checks them first.
    """
    query_ids = tuple(qrels)
    gains = np.zeros((len(query_ids), depth), dtype=np.float64)
    ideal = np.zeros((len(query_ids), depth), dtype=np.float64)
    n_relevant = np.zeros(len(query_ids), dtype=np.float64)
    for row, query_id in enumerate(query_ids):
        grades = qrels[query_id]
        for rank, doc in enumerate(rankings.get(query_id, ())[:depth]):
            grade = grades.get(doc, 0)
            if grade >= 1:
                gains[row, rank] = grade
        positive = sorted((g for g in grades.values() if g >= 1), reverse=True)
        n_relevant[row] = len(positive)
        best = positive[:depth]
        ideal[row, : len(best)] = best
    return Judged(query_ids, gains, ideal, n_relevant)
