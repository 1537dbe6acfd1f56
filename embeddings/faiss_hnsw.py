"""Approximate search on a graph: ``IndexHNSWFlat`` (inner product) in ``IndexIDMap2``.

``m`` links per node (32) and ``ef_construction`` (200) fix the graph's quality when it is built;
``ef_search`` (128, settable at any time) trades speed for recall when it is searched. The
vectors are kept in full, so scores are exact and vectors can be read back.

HNSW cannot delete a node, so :meth:`remove` rebuilds the graph from the vectors that stay: as
slow as adding them all again (about 10 s for 20,000 vectors on two cores). Removal is rare here
(a cable withdrawn from the corpus); when it is not, use ``flat``.

A filter that leaves the graph few allowed nodes lowers recall; :class:`~embeddings.index.
VectorIndex` answers small filters exactly instead, and larger ones pass a selector here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from embeddings.faiss_base import FaissIndex, check_positive, faiss

__all__ = ["HNSWIndex"]


class HNSWIndex(FaissIndex):
    kind = "hnsw"

    def __init__(self, dimension: int, *, m: int = 32, ef_construction: int = 200, ef_search: int = 128) -> None:
        for field, value in (
            ("m", m),
            ("ef_construction", ef_construction),
            ("ef_search", ef_search),
        ):
            check_positive(field, value)
        self._m = m
        self._ef_construction = ef_construction
        self._ef_search = ef_search
        super().__init__(dimension)

    @property
    def params(self) -> Mapping[str, int]:
        return {
            "m": self._m,
            "ef_construction": self._ef_construction,
            "ef_search": self._ef_search,
        }

    @property
    def ef_search(self) -> int:
        """Candidates kept while walking the graph: higher is slower and finds more."""
        return self._ef_search

    @ef_search.setter
    def ef_search(self, value: int) -> None:
        check_positive("ef_search", value)
        self._ef_search = value
        self._configure(self._inner())

    @property
    def _removes_natively(self) -> bool:
        return False

    def _new_inner(self) -> Any:
        inner = faiss.IndexHNSWFlat(self.dimension, self._m, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = self._ef_construction
        self._configure(inner)
        return inner

    def _accepts(self, inner: Any) -> bool:
        return isinstance(inner, faiss.IndexHNSWFlat) and inner.metric_type == faiss.METRIC_INNER_PRODUCT

    def _configure(self, inner: Any) -> None:
        inner.hnsw.efSearch = self._ef_search

    def _ef_for(self, k: int) -> int:
        # The walk keeps ef candidates and returns the best k of them: with ef below k the tail is
        # whatever the walk happened to pass. Hybrid asks for 200 windows; on the corpus's 17,724
        # real windows, efSearch 128 found 90% of the exact 200, ef = k 95%.
        return max(self._ef_search, k)

    def _params(self, k: int) -> Any:
        return faiss.SearchParametersHNSW(efSearch=self._ef_for(k)) if k > self._ef_search else None

    def _filtered_params(self, selector: Any, k: int) -> Any:
        # Parameters replace the index's own settings, so efSearch must be given again.
        return faiss.SearchParametersHNSW(sel=selector, efSearch=self._ef_for(k))
