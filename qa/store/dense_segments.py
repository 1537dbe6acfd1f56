"""Dense search over every segment's vector index, without the windows of deleted paragraphs.

Each segment keeps its own index (flat while small, HNSW once large, as ``index_type`` chooses);
a question is searched in each and the results merged by score. Given an executor, the segments
are searched on it at once (Lucene's ``IndexSearcher`` with an executor) while the caller goes on.
A segment's deleted windows are skipped by asking it for that many more results and dropping them,
which a merge of segments bounds (:mod:`qa.store.merges`).

Among several segments each is first asked for its share of the ``k`` best, not for ``k`` (Lucene's
``OptimisticKnnVectorQuery``): the share it would hold if the nearest windows were spread over the
segments by size, plus sixteen standard deviations of that count. A segment whose last result still
reaches the merged ``k``-th score may hold more of the best, so it alone is searched again for ``k``:
the merged result is the one ``k`` from every segment gives, and an HNSW walk asked for fewer keeps
``efSearch`` candidates instead of ``k`` (200 for hybrid), about a third less work a segment.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embeddings.index import Neighbours, VectorIndex

__all__ = ["DensePart", "SegmentedDense", "first_k"]

# Lucene's AbstractKnnVectorQuery.LAMBDA: how many standard deviations above its expected share of the
# best a segment is first asked for.
_EXPLORATION = 16.0

IdArray = npt.NDArray[np.int64]


def first_k(k: int, share: float) -> int:
    """How many results a segment holding ``share`` of the live windows is first asked for: its expected part
    of the ``k`` best, ``k * share``, plus :data:`_EXPLORATION` standard deviations of the binomial count."""
    expected = k * share
    return max(1, min(k, int(expected + _EXPLORATION * math.sqrt(expected * max(0.0, 1.0 - share)))))


@dataclass(frozen=True, slots=True)
class DensePart:
    index: VectorIndex
    deleted: IdArray  # window ids of deleted paragraphs still in ``index``, sorted


class SegmentedDense:
    def __init__(self, parts: Sequence[DensePart], dimension: int) -> None:
        self._parts = tuple(parts)
        self.dimension = dimension

    @property
    def kind(self) -> str:
        """The backends in use, ``flat`` for an empty index (``flat+hnsw`` while segments differ)."""
        kinds = sorted({p.index.kind for p in self._parts if len(p.index)})
        return "+".join(kinds) or "flat"

    def __len__(self) -> int:
        return sum(len(p.index) - len(p.deleted) for p in self._parts)

    def search(self, queries: npt.ArrayLike, k: int, allowed_ids: npt.ArrayLike | None = None) -> Neighbours:
        """The ``k`` nearest live window ids to each query, best first (``-1`` / ``-inf`` where fewer)."""
        return self.search_later(queries, k, allowed_ids)()

    def search_later(self, queries: npt.ArrayLike, k: int, allowed_ids: npt.ArrayLike | None = None,
                     executor: Executor | None = None) -> Callable[[], Neighbours]:
        """:meth:`search`, started: with an ``executor`` every segment is searched on it while the caller
        goes on (FAISS lets go of the GIL, so the caller's own Python work runs beside it); the returned
        call waits for them, merges, and searches again each segment that was asked for fewer than ``k``
        and may hold more of the best. Without one, the returned call does the whole search."""
        matrix = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        allowed = None if allowed_ids is None else np.asarray(allowed_ids, dtype=np.int64)
        parts = [part for part in self._parts if len(part.index)]
        live = [len(part.index) - len(part.deleted) for part in parts]
        total = sum(live)
        asked = [k if len(parts) == 1 or total == 0 else first_k(k, n / total) for n in live]

        def searched(indexes: list[int], ks: list[int]) -> Callable[[], list[Neighbours]]:
            if executor is None:
                return lambda: [self._search_part(parts[i], matrix, n, allowed)
                                for i, n in zip(indexes, ks, strict=True)]
            futures = [executor.submit(self._search_part, parts[i], matrix, n, allowed)
                       for i, n in zip(indexes, ks, strict=True)]
            return lambda: [future.result() for future in futures]

        pending = searched(list(range(len(parts))), asked)

        def merged() -> Neighbours:
            found = pending()
            best = self._merged(found, len(matrix), k)
            # A segment cut short whose last result still makes the merged k best may hold more of them.
            again = [i for i, (result, n) in enumerate(zip(found, asked, strict=True))
                     if n < k and bool(np.any(np.isfinite(result.scores[:, -1])
                                              & (result.scores[:, -1] >= best.scores[:, -1])))]
            if not again:
                return best
            for i, result in zip(again, searched(again, [k] * len(again))(), strict=True):
                found[i] = result
            return self._merged(found, len(matrix), k)

        return merged

    @staticmethod
    def _merged(found: list[Neighbours], queries: int, k: int) -> Neighbours:
        """The best ``k`` of every segment's results per query."""
        if not found:
            return Neighbours(np.full((queries, k), -np.inf, dtype=np.float32),
                              np.full((queries, k), -1, dtype=np.int64))
        if len(found) == 1 and found[0].ids.shape[1] == k:
            return found[0]
        scores = np.concatenate([f.scores for f in found], axis=1)
        ids = np.concatenate([f.ids for f in found], axis=1)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        scores, ids = np.take_along_axis(scores, order, 1), np.take_along_axis(ids, order, 1)
        if scores.shape[1] < k:
            pad = k - scores.shape[1]
            scores = np.pad(scores, ((0, 0), (0, pad)), constant_values=-np.inf)
            ids = np.pad(ids, ((0, 0), (0, pad)), constant_values=-1)
        return Neighbours(scores.astype(np.float32), ids.astype(np.int64))

    @staticmethod
    def _search_part(part: DensePart, matrix: npt.NDArray[np.float32], k: int,
                     allowed: IdArray | None) -> Neighbours:
        if allowed is not None:  # the caller's allowed ids are live ones already
            return part.index.search(matrix, k, allowed_ids=allowed)
        if len(part.deleted) == 0:
            return part.index.search(matrix, k)
        wider = part.index.search(matrix, min(len(part.index), k + len(part.deleted)))
        live = (wider.ids >= 0) & ~np.isin(wider.ids, part.deleted)
        scores = np.where(live, wider.scores, -np.inf)
        order = np.argsort(~live, axis=1, kind="stable")[:, :k]  # live ones first, their order kept
        ids = np.where(np.take_along_axis(live, order, 1), np.take_along_axis(wider.ids, order, 1), -1)
        return Neighbours(np.take_along_axis(scores, order, 1).astype(np.float32), ids.astype(np.int64))
