"""What the FAISS backends share: an ``IndexIDMap2`` around a backend-specific index.

``IndexIDMap2`` keeps our int64 ids beside the inner index's sequential positions and can give a
vector back by id (``reconstruct``), which exact filtered search and rebuild-on-remove rely on.

Filtered search runs on the inner index with an ``IDSelectorBatch`` over *positions*, and the
positions found are turned back into ids here: the selector that ``IndexIDMap2`` would translate
itself does not reach the base index inside ``IndexRefineFlat`` (the IVF-PQ backend), so one
translation, done here, serves every backend.

FAISS is imported here only (the backend files take it from here), so a missing FAISS gives one
clear message and OpenMP's wait policy is set first (see ``threads.py``). FAISS's errors on
reading a file become :class:`~embeddings.errors.VectorIndexCorruptError` in one place,
:meth:`FaissIndex._read_payload`.
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Self

import numpy as np

from embeddings.errors import InvalidInputError
from embeddings.index import FloatArray, IdArray, Neighbours, VectorIndex
from embeddings.index_file import IndexHeader, index_corrupt
from embeddings.threads import index_build_threads, prefer_passive_openmp


def _import_faiss() -> Any:
    # FAISS's type stubs miss much of its SWIG API (SearchParametersHNSW, PyCallbackIOWriter, the
    # keyword constructors of search parameters), so the backends see it untyped.
    prefer_passive_openmp()
    try:
        import faiss
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("the vector index backends need FAISS: pip install faiss-cpu") from error
    return faiss


faiss: Any = _import_faiss()


def one_openmp_thread() -> None:
    """Run FAISS's next calls from this thread on one OpenMP thread.

    A single-query search over 17,700 vectors took 24 ms with 2 threads and 1.4 ms with one on the
    reference 2-core machine (thread start-up and contention dominate); concurrency comes from
    serving requests in parallel, and index builds run single-threaded too. OpenMP keeps the
    thread count per calling thread: set once at import, it held only for the main thread, and
    the server's searches (in its worker threads) ran on two, 30% slower and at 1.6x the CPU
    (eval questions on the corpus index: 6.4 ms and 6.4 ms of CPU a question from the main
    thread, 7.8-8.5 ms and 9.6-10.4 ms of CPU from a worker thread). So every entry point calls
    this: it only sets a per-thread value.
    """
    faiss.omp_set_num_threads(1)


one_openmp_thread()

__all__ = ["FaissIndex", "check_positive", "copied_ranges", "faiss", "one_openmp_thread", "read_ahead"]


class FaissIndex(VectorIndex):
    """A VectorIndex over ``IndexIDMap2(inner)``; subclasses say what ``inner`` is."""

    def __init__(self, dimension: int) -> None:
        check_positive("dimension", dimension)
        self._dimension = dimension
        self._raw: Any = faiss.IndexIDMap2(self._new_inner())

    @abstractmethod
    def _new_inner(self) -> Any:
        """A new empty inner index of this backend, with inner-product metric."""

    @abstractmethod
    def _accepts(self, inner: Any) -> bool:
        """Whether ``inner``, read from a file, is what this backend writes."""

    def _configure(self, inner: Any) -> None:
        """Apply this index's search settings (efSearch, nprobe ...) to ``inner``."""

    def _filtered_params(self, selector: Any, k: int) -> Any:
        """Search parameters for the inner index restricted to ``selector``, for ``k`` results."""
        return faiss.SearchParameters(sel=selector)

    def _params(self, k: int) -> Any:
        """Search parameters for an unrestricted search of ``k`` results (None: the index's own)."""
        return None

    @property
    def _removes_natively(self) -> bool:
        return True

    @property
    def dimension(self) -> int:
        return self._dimension

    def __len__(self) -> int:
        return int(self._raw.ntotal)

    def ids(self) -> IdArray:
        ids: IdArray = faiss.vector_to_array(self._raw.id_map).astype(np.int64, copy=False)
        return ids

    def copy(self) -> Self:
        twin = copy.copy(self)
        # clone_index keeps a mapped index's arrays as views of the file; a round trip through bytes owns them.
        twin._raw = faiss.deserialize_index(faiss.serialize_index(self._raw)) if self.read_only \
            else faiss.clone_index(self._raw)
        twin._configure(twin._inner())
        twin.read_only = False
        return twin

    def _inner(self) -> Any:
        return faiss.downcast_index(self._raw.index)

    def _add(self, ids: IdArray, vectors: FloatArray) -> None:
        faiss.omp_set_num_threads(index_build_threads())
        try:
            self._raw.add_with_ids(vectors, ids)
        finally:
            one_openmp_thread()

    def _remove(self, ids: IdArray) -> None:
        one_openmp_thread()
        if self._removes_natively:
            self._raw.remove_ids(faiss.IDSelectorBatch(ids))
            return
        # No native removal: rebuild from the vectors that stay (training is kept by reset).
        kept = self.ids()
        kept = kept[~np.isin(kept, ids)]
        vectors = self._vectors(kept)
        self._raw.reset()
        if kept.size:
            self._raw.add_with_ids(vectors, kept)

    def _vectors(self, ids: IdArray) -> FloatArray:
        if ids.size == 0:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors: FloatArray = self._raw.reconstruct_batch(ids)
        return vectors

    def _search(self, queries: FloatArray, k: int, allowed: IdArray | None) -> Neighbours:
        one_openmp_thread()
        if allowed is None:
            scores, ids = self._raw.search(queries, k, params=self._params(k))
        else:
            id_map = self.ids()
            selector = faiss.IDSelectorBatch(np.flatnonzero(np.isin(id_map, allowed)))
            params = self._filtered_params(selector, k)
            scores, positions = self._inner().search(queries, k, params=params)
            ids = np.where(positions >= 0, id_map[positions], -1)
        scores[ids < 0] = -np.inf
        return Neighbours(scores.astype(np.float32, copy=False), ids.astype(np.int64, copy=False))

    def _write_payload(self, stream: IO[bytes]) -> None:
        faiss.write_index(self._raw, faiss.PyCallbackIOWriter(stream.write))

    @classmethod
    def _read_payload(cls, stream: IO[bytes], header: IndexHeader, source: Path) -> Self:
        return cls._wrap(lambda: faiss.read_index(faiss.PyCallbackIOReader(stream.read)), header, source)

    @classmethod
    def _read_file(cls, path: Path, header: IndexHeader, mapped: bool) -> Self:
        # FAISS reads the payload from the file's first byte and stops before the trailer.
        if mapped:
            read_ahead(path, copied_ranges(path.stat().st_size, header))
        return cls._wrap(lambda: faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC if mapped else 0), header, path)

    @classmethod
    def _wrap(cls, read: Callable[[], Any], header: IndexHeader, source: Path) -> Self:
        """The index ``read()`` gives FAISS's object for, checked against ``header``."""
        try:
            index = cls(header.dimension, **header.params)
        except (TypeError, InvalidInputError) as error:
            raise index_corrupt(source, f"its header settings are invalid ({error})") from error
        try:
            raw = read()
        except RuntimeError as error:
            detail = str(error).strip().splitlines()[-1] if str(error).strip() else "no detail"
            raise index_corrupt(source, f"FAISS cannot read it ({detail})") from error
        inner = faiss.downcast_index(raw.index) if isinstance(raw, faiss.IndexIDMap2) else None
        if inner is None or raw.d != header.dimension or not index._accepts(inner):
            raise index_corrupt(source, f"it does not hold a {cls.kind} index of dimension {header.dimension}")
        index._configure(inner)
        index._raw = raw
        return index


_SLACK = 1 << 16  # bytes read beyond the estimated edges: headers between the parts, the trailer
_CHUNK = 8 << 20


def copied_ranges(size: int, header: IndexHeader) -> list[tuple[int, int]]:
    """The byte ranges of a saved index that FAISS copies into memory when it maps the file.

    A mapped read leaves the flat vectors (``count * dimension`` float32, which every kind here but
    IVF-PQ keeps last but for the id map) on disk; what precedes them (the HNSW graph) and what
    follows (the id map, 8 bytes an id) are copied.
    """
    vectors = header.count * header.dimension * 4
    ids = header.count * 8 + _SLACK
    graph_end = size - vectors - ids
    ranges = [(0, graph_end)] if graph_end > 0 else []
    ranges.append((max(0, size - ids), size))
    return ranges


def read_ahead(path: Path, ranges: list[tuple[int, int]]) -> None:
    """Read ``ranges`` of ``path`` in large sequential chunks, leaving them in the page cache.

    FAISS copies a mapped file's graph and id map through page faults, a few pages at a time; from a
    cold page cache that read a million-paragraph segment's 69 MB graph at 30 MB/s (2.2 s), where
    one sequential read takes 0.1 s and FAISS's copy then finds the pages cached (0.3 s in all).
    """
    buffer = bytearray(_CHUNK)
    with path.open("rb", buffering=0) as stream:
        for start, end in ranges:
            stream.seek(start)
            left = end - start
            while left > 0:
                got = stream.readinto(memoryview(buffer)[:min(left, _CHUNK)])
                if not got:
                    break
                left -= got


def check_positive(field: str, value: int) -> None:
    if value < 1:
        raise InvalidInputError(field, f"must be at least 1, got {value}")
