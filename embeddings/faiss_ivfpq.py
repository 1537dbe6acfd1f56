"""Approximate search by inverted lists and product quantization, re-ranked exactly.

``IndexIVFPQ`` (inner product) splits the space into ``nlist`` cells and stores each vector as
``m`` one-byte codes (48 codes of 8 dimensions each for 384-d vectors); a query visits the
``nprobe`` (16) nearest cells. ``IndexRefineFlat`` around it keeps the full vectors, takes
``refine_factor * k`` (8k) candidates from the codes and re-ranks them with exact scores, so the
scores returned are exact and only the candidate list is approximate.

Training. IVF-PQ must learn its cells and codebooks from data, and k-means wants about 39 points
per centroid: 2**nbits codebook entries need ``39 * 2**nbits`` vectors (9,984 for nbits=8).
Until the index holds that many, vectors go into an exact flat index and search is exact. The add
that reaches the threshold trains on everything held so far, with ``nlist = 4 * sqrt(n)`` (capped
at ``n / 39``), and moves it all into IVF-PQ; later adds are encoded with that training. The
cells are not re-learned as the index grows: rebuild with ``cableqa ingest`` after it has grown
several times over.

Removal rebuilds, as for HNSW, but keeps the training.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from embeddings.errors import InvalidInputError
from embeddings.faiss_base import FaissIndex, check_positive, faiss, one_openmp_thread
from embeddings.index import FloatArray, IdArray

__all__ = ["IVFPQIndex"]


class IVFPQIndex(FaissIndex):
    kind = "ivfpq"

    def __init__(
        self,
        dimension: int,
        *,
        m: int = 48,
        nbits: int = 8,
        nprobe: int = 16,
        refine_factor: int = 8,
    ) -> None:
        for field, value in (("m", m), ("nprobe", nprobe), ("refine_factor", refine_factor)):
            check_positive(field, value)
        if not 1 <= nbits <= 16:
            raise InvalidInputError("nbits", f"must be between 1 and 16, got {nbits}")
        if dimension % m:
            raise InvalidInputError("m", f"must divide the dimension {dimension}, got {m}")
        self._m = m
        self._nbits = nbits
        self._nprobe = nprobe
        self._refine_factor = refine_factor
        super().__init__(dimension)

    @property
    def params(self) -> Mapping[str, int]:
        return {
            "m": self._m,
            "nbits": self._nbits,
            "nprobe": self._nprobe,
            "refine_factor": self._refine_factor,
        }

    @property
    def nprobe(self) -> int:
        """Cells visited per query: higher is slower and finds more."""
        return self._nprobe

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        check_positive("nprobe", value)
        self._nprobe = value
        self._configure(self._inner())

    @property
    def min_training_size(self) -> int:
        """Vectors needed before IVF-PQ is trained; below it, search is exact."""
        return int(39 * 2**self._nbits)

    @property
    def trained(self) -> bool:
        return isinstance(self._inner(), faiss.IndexRefine)

    @property
    def _removes_natively(self) -> bool:
        return not self.trained

    def _new_inner(self) -> Any:
        return faiss.IndexFlatIP(self.dimension)

    def _accepts(self, inner: Any) -> bool:
        if isinstance(inner, faiss.IndexRefine):  # trained
            inner = faiss.downcast_index(inner.base_index)
            return isinstance(inner, faiss.IndexIVFPQ) and inner.metric_type == faiss.METRIC_INNER_PRODUCT
        return isinstance(inner, faiss.IndexFlat) and inner.metric_type == faiss.METRIC_INNER_PRODUCT

    def _configure(self, inner: Any) -> None:
        if isinstance(inner, faiss.IndexRefine):
            inner.k_factor = float(self._refine_factor)
            faiss.downcast_index(inner.base_index).nprobe = self._nprobe

    def _filtered_params(self, selector: Any, k: int) -> Any:
        if not self.trained:
            return super()._filtered_params(selector, k)
        # Parameters replace the index's own settings, so nprobe and k_factor are given again.
        ivf_params = faiss.SearchParametersIVF(sel=selector, nprobe=self._nprobe)
        return faiss.IndexRefineSearchParameters(k_factor=float(self._refine_factor), base_index_params=ivf_params)

    def _add(self, ids: IdArray, vectors: FloatArray) -> None:
        if self.trained or len(self) + len(ids) < self.min_training_size:
            super()._add(ids, vectors)
            return
        one_openmp_thread()
        held = self.ids()
        all_ids = np.concatenate((held, ids))
        all_vectors = np.concatenate((self._vectors(held), vectors))
        raw = faiss.IndexIDMap2(self._trained_inner(all_vectors))
        raw.add_with_ids(all_vectors, all_ids)
        self._raw = raw

    def _trained_inner(self, vectors: FloatArray) -> Any:
        count = len(vectors)
        nlist = max(1, min(int(4 * math.sqrt(count)), count // 39))
        quantizer = faiss.IndexFlatIP(self.dimension)
        ivfpq = faiss.IndexIVFPQ(quantizer, self.dimension, nlist, self._m, self._nbits, faiss.METRIC_INNER_PRODUCT)
        inner = faiss.IndexRefineFlat(ivfpq)
        inner.train(vectors)
        self._configure(inner)
        return inner
