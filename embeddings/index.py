"""The vector index interface and its factory.

A :class:`VectorIndex` maps int64 ids (chosen by the caller, never negative; ``qa`` gives each passage window one) to
float32 L2-normalised vectors and finds the nearest by inner product, which for unit vectors is
cosine similarity. Backends live one per file and import FAISS themselves; this module does not,
so the API and CLI can import it cheaply.

    kind     backend                       search                   remove
    flat     embeddings/faiss_flat.py      exact (the reference)    native
    hnsw     embeddings/faiss_hnsw.py      graph, approximate       rebuild
    ivfpq    embeddings/faiss_ivfpq.py     IVF-PQ + exact rerank    rebuild once trained

Search results are :class:`Neighbours` (scores, ids), each of shape ``(queries, k)``, best first;
slots with no result hold id ``-1`` and score ``-inf``. ``allowed_ids`` restricts the results to
those ids. A restriction to few ids (fewer than ``EXACT_FILTER_LIMIT``, or than 1% of the index)
is answered exactly, from those ids' vectors alone: the ANN backends lose recall when a filter
leaves them few candidates to walk through.

:meth:`VectorIndex.save` writes a header naming the backend (``index_file.py``) and then the
backend's payload; :func:`load_index` reads the kind from the file; a file that cannot be trusted
raises :class:`~embeddings.errors.VectorIndexCorruptError`.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, ClassVar, NamedTuple, Self

import numpy as np
import numpy.typing as npt

from embeddings.errors import InvalidInputError, VectorIndexNotFoundError
from embeddings.index_file import (
    IndexHeader,
    index_corrupt,
    is_leading_header,
    read_header,
    read_trailer,
    write_trailer,
)

__all__ = [
    "AUTO_HNSW_FROM",
    "EXACT_FILTER_LIMIT",
    "KINDS",
    "FloatArray",
    "IdArray",
    "Neighbours",
    "VectorIndex",
    "choose_kind",
    "create_index",
    "load_index",
]

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]

KINDS = ("flat", "hnsw", "ivfpq")
EXACT_FILTER_LIMIT = 2000
#: From this many vectors ``auto`` builds HNSW rather than flat. Measured on 2 cores (bench/ann.py,
#: README "Scale"): flat costs about 80-110 ms per million vectors a query (1.4 ms at 17,700, 5.6 ms
#: at 50,000), HNSW (m=32, efSearch 128) 0.44 ms at a million with recall@10 0.994.
AUTO_HNSW_FROM = 20_000


class Neighbours(NamedTuple):
    """Search results: ``scores`` (float32) and ``ids`` (int64), shape ``(queries, k)``."""

    scores: FloatArray
    ids: IdArray


class VectorIndex(ABC):
    """Ids to unit vectors, searched by inner product. Input is checked here, once."""

    kind: ClassVar[str]
    read_only: bool = False  # True when loaded mapped: FAISS cannot grow or shrink a mapped index

    @property
    @abstractmethod
    def dimension(self) -> int: ...

    @property
    @abstractmethod
    def params(self) -> Mapping[str, int]:
        """The construction and search settings, saved in the file and given back on load."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def ids(self) -> IdArray:
        """Every id in the index."""

    def add(self, ids: npt.ArrayLike, vectors: npt.ArrayLike) -> None:
        """Add ``vectors`` (n, dimension) under ``ids`` (n,), none of which may be present."""
        self._check_writable()
        new_ids = _check_ids(ids, "ids")
        new_vectors = _check_vectors(vectors, self.dimension, "vectors")
        if len(new_ids) != len(new_vectors):
            raise InvalidInputError("ids", f"{len(new_ids)} ids for {len(new_vectors)} vectors")
        if len(np.unique(new_ids)) != len(new_ids):
            raise InvalidInputError("ids", "the same id is given twice")
        taken = new_ids[np.isin(new_ids, self.ids())]
        if taken.size:
            raise InvalidInputError("ids", f"already in the index: {taken[:5].tolist()}")
        if new_ids.size:
            self._add(new_ids, new_vectors)

    def remove(self, ids: npt.ArrayLike) -> int:
        """Remove ``ids``; ids not in the index are ignored. Returns how many were removed."""
        self._check_writable()
        wanted = np.unique(_check_ids(ids, "ids"))
        present = wanted[np.isin(wanted, self.ids())]
        if present.size:
            self._remove(present)
        return int(present.size)

    def _check_writable(self) -> None:
        if self.read_only:
            raise InvalidInputError("index", "it is memory-mapped from its file and read-only; load it "
                                    "with mapped=False (or copy() it) to change it")

    def search(self, queries: npt.ArrayLike, k: int, allowed_ids: npt.ArrayLike | None = None) -> Neighbours:
        """The ``k`` nearest ids to each query row, best first, among ``allowed_ids`` if given."""
        matrix = _check_vectors(queries, self.dimension, "queries")
        if k < 1:
            raise InvalidInputError("k", f"must be at least 1, got {k}")
        if len(matrix) == 0 or len(self) == 0:
            return _no_results(len(matrix), k)
        if allowed_ids is None:
            return self._search(matrix, k, None)
        allowed = np.unique(_check_ids(allowed_ids, "allowed_ids"))
        allowed = allowed[np.isin(allowed, self.ids())]
        if allowed.size < max(EXACT_FILTER_LIMIT, len(self) // 100):
            return exact_search(matrix, self._vectors(allowed), allowed, k)
        return self._search(matrix, k, allowed)

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (replaced atomically; parent folders are created)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as stream:
            self._write_payload(stream)
            write_trailer(stream, IndexHeader(self.kind, self.dimension, len(self), self.params))
        os.replace(partial, path)

    @abstractmethod
    def copy(self) -> Self:
        """An independent index with the same settings, ids and vectors (changing one leaves the other)."""

    @abstractmethod
    def _add(self, ids: IdArray, vectors: FloatArray) -> None:
        """Add checked, new, unique ids with their vectors."""

    @abstractmethod
    def _remove(self, ids: IdArray) -> None:
        """Remove ids that are all present."""

    @abstractmethod
    def _search(self, queries: FloatArray, k: int, allowed: IdArray | None) -> Neighbours:
        """Search a non-empty index; ``allowed`` holds only present ids."""

    @abstractmethod
    def _vectors(self, ids: IdArray) -> FloatArray:
        """The stored vectors of present ids, in the order given."""

    @abstractmethod
    def _write_payload(self, stream: IO[bytes]) -> None: ...

    @classmethod
    @abstractmethod
    def _read_payload(cls, stream: IO[bytes], header: IndexHeader, source: Path) -> Self:
        """The index saved in ``stream`` after a version 1 header; raises VectorIndexCorruptError naming
        ``source``."""

    @classmethod
    @abstractmethod
    def _read_file(cls, path: Path, header: IndexHeader, mapped: bool) -> Self:
        """The index saved at ``path`` with a trailer, read into memory or, ``mapped``, memory-mapped
        (read-only); raises VectorIndexCorruptError naming ``path``."""


def choose_kind(setting: str, vectors: int) -> str:
    """The backend an index of ``vectors`` vectors gets under the ``index_type`` setting.

    ``auto``: exact flat search while it is fast (below :data:`AUTO_HNSW_FROM` vectors), HNSW from
    there. Any other setting is taken as it is (and checked when the index is made).
    """
    if setting != "auto":
        return setting
    return "hnsw" if vectors >= AUTO_HNSW_FROM else "flat"


def create_index(kind: str, dimension: int, **params: int) -> VectorIndex:
    """A new empty index of ``kind`` ("flat", "hnsw" or "ivfpq"); ``params`` go to the backend."""
    # Each backend takes its own keyword settings; the base class declares none.
    backend: Callable[..., VectorIndex] = _backend(kind)
    return backend(dimension, **params)


def load_index(path: Path, mapped: bool = False) -> VectorIndex:
    """The index saved at ``path`` by :meth:`VectorIndex.save`, of whatever kind it is.

    ``mapped`` maps its vectors and graph from the file instead of copying them into this process
    (read-only, shared through the page cache by every process that maps it); the index must then not
    be changed. Files of the first format are read into memory either way.
    """
    try:
        stream = path.open("rb")
    except FileNotFoundError as error:
        raise VectorIndexNotFoundError(f"no vector index at {path}; build one with `cableqa ingest`") from error
    with stream:
        leading = is_leading_header(stream)
        header = read_header(stream, path) if leading else read_trailer(stream, path)
        if header.kind not in KINDS:
            raise index_corrupt(path, f"its header names an unknown index type {header.kind!r}")
        backend = _backend(header.kind)
        index = backend._read_payload(stream, header, path) if leading else backend._read_file(path, header, mapped)
        index.read_only = mapped and not leading
    if index.dimension != header.dimension or len(index) != header.count:
        raise index_corrupt(path, "its contents do not match its header")
    return index


def exact_search(queries: FloatArray, vectors: FloatArray, ids: IdArray, k: int) -> Neighbours:
    """Brute-force inner-product search over ``vectors`` (rows named by ``ids``)."""
    result = _no_results(len(queries), k)
    found = min(k, len(ids))
    if found == 0:
        return result
    scores = queries @ vectors.T
    top = np.argpartition(-scores, found - 1, axis=1)[:, :found]
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    result.scores[:, :found] = np.take_along_axis(top_scores, order, axis=1)
    result.ids[:, :found] = ids[np.take_along_axis(top, order, axis=1)]
    return result


def _backend(kind: str) -> type[VectorIndex]:
    # Imported here so that FAISS loads only when an index is made or read.
    if kind == "flat":
        from embeddings.faiss_flat import FlatIndex

        return FlatIndex
    if kind == "hnsw":
        from embeddings.faiss_hnsw import HNSWIndex

        return HNSWIndex
    if kind == "ivfpq":
        from embeddings.faiss_ivfpq import IVFPQIndex

        return IVFPQIndex
    raise InvalidInputError("index_type", f"unknown index type {kind!r}; expected one of {KINDS}")


def _check_vectors(vectors: npt.ArrayLike, dimension: int, field: str) -> FloatArray:
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != dimension:
        raise InvalidInputError(field, f"expected shape (n, {dimension}), got {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise InvalidInputError(field, "contains NaN or infinite values")
    return matrix


def _check_ids(ids: npt.ArrayLike, field: str) -> IdArray:
    array = np.asarray(ids)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise InvalidInputError(field, f"expected a 1-d array of integers, got {array.dtype}")
    if (array < 0).any():
        raise InvalidInputError(field, "ids must not be negative (-1 marks an empty result)")
    return np.ascontiguousarray(array, dtype=np.int64)


def _no_results(queries: int, k: int) -> Neighbours:
    return Neighbours(np.full((queries, k), -np.inf, dtype=np.float32), np.full((queries, k), -1, dtype=np.int64))
