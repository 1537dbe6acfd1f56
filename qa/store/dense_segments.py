"""Dense search over every segment's vector index, without the windows of deleted paragraphs.

Each segment keeps its own index (flat while small, HNSW once large, as ``index_type`` chooses);
a question is searched in each and the results merged by score. Given an executor, the segments
are searched on it at once (Lucene's ``IndexSearcher`` with an executor) while the caller goes on.
A segment's deleted windows are skipped by asking it for that many more results and dropping them,
which a merge of segments bounds (:mod:`qa.store.merges`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embeddings.index import Neighbours, VectorIndex

__all__ = ["DensePart", "SegmentedDense"]

IdArray = npt.NDArray[np.int64]


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
        call waits for them and merges. Without one, the returned call does the whole search."""
        matrix = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        allowed = None if allowed_ids is None else np.asarray(allowed_ids, dtype=np.int64)
        parts = [part for part in self._parts if len(part.index)]
        if executor is None:
            return lambda: self._merged([self._search_part(part, matrix, k, allowed) for part in parts], len(matrix), k)
        futures = [executor.submit(self._search_part, part, matrix, k, allowed) for part in parts]
        return lambda: self._merged([future.result() for future in futures], len(matrix), k)

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
