"""Index builds on several threads where asked (``cableqa optimize``), one everywhere else: real FAISS."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from embeddings.faiss_base import faiss
from embeddings.index import create_index
from embeddings.threads import build_threads, index_build_threads


def test_a_graph_built_on_two_threads_finds_the_exact_neighbours_and_leaves_searches_on_one(
        unit_vectors: Callable[[int], npt.NDArray[np.float32]]) -> None:
    vectors = unit_vectors(3_000)
    ids = np.arange(len(vectors), dtype=np.int64) * 7
    exact = create_index("flat", 384)
    exact.add(ids, vectors)
    graph = create_index("hnsw", 384)
    seen_elsewhere: list[int] = []
    with build_threads(2):
        assert index_build_threads() == 2
        other = threading.Thread(target=lambda: seen_elsewhere.append(index_build_threads()))
        other.start()
        other.join()
        graph.add(ids, vectors)
        assert faiss.omp_get_max_threads() == 1  # the build's threads are given back at once
    assert seen_elsewhere == [1]  # a server's background merge thread keeps building on one
    assert index_build_threads() == 1

    queries = vectors[::30]
    found, truth = graph.search(queries, 10).ids, exact.search(queries, 10).ids
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.99


def test_no_threads_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="threads must be at least 1, got 0"), build_threads(0):
        pass
    assert index_build_threads() == 1
