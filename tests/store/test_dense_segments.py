"""Segments asked first for their share of the k best, and again where they may hold more, return what
asking every segment for k returns.

Real FAISS flat indexes (exact, so "the same" is checkable to the id) over real sentence vectors'
geometry stand-ins: unit vectors in clusters. One test puts every near neighbour of the question in one
small segment, the case the second search exists for.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from embeddings.index import Neighbours, create_index
from qa.store.dense_segments import DensePart, SegmentedDense, first_k

DIMENSION = 32


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _segments(vectors: np.ndarray, bounds: list[int], deleted: set[int] = frozenset()) -> SegmentedDense:
    parts = []
    for start, end in itertools.pairwise(bounds):
        index = create_index("flat", DIMENSION)
        index.add(np.arange(start, end, dtype=np.int64), vectors[start:end])
        gone = np.array(sorted(i for i in deleted if start <= i < end), dtype=np.int64)
        parts.append(DensePart(index, gone))
    return SegmentedDense(parts, DIMENSION)


def _every_segment_asked_for_k(vectors: np.ndarray, queries: np.ndarray, k: int, deleted: set[int],
                               allowed: np.ndarray | None = None) -> Neighbours:
    """The reference: one exact search over every live (and allowed) vector."""
    live = np.array([i for i in range(len(vectors)) if i not in deleted
                     and (allowed is None or i in set(allowed.tolist()))], dtype=np.int64)
    scores = queries @ vectors[live].T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return Neighbours(np.take_along_axis(scores, order, 1), live[order])


def test_the_first_ask_is_the_segments_share_plus_sixteen_deviations_and_never_above_k() -> None:
    assert first_k(200, 1 / 18) == int(200 / 18 + 16 * np.sqrt(200 / 18 * (17 / 18)))  # 63
    assert first_k(200, 0.5) == 200 and first_k(200, 1.0) == 200
    assert first_k(10, 0.0) == 1


@pytest.mark.parametrize("k", [1, 10, 50, 200])
def test_spread_vectors_give_the_exact_k_best_of_all_segments(k: int) -> None:
    rng = np.random.default_rng(3)
    vectors = _unit(rng.normal(size=(6000, DIMENSION)))
    queries = _unit(rng.normal(size=(20, DIMENSION)))
    bounds = [0, 2500, 4000, 4600, 5200, 5500, 5800, 5900, 6000]
    deleted = set(rng.choice(6000, 300, replace=False).tolist())
    found = _segments(vectors, bounds, deleted).search(queries, k)
    expected = _every_segment_asked_for_k(vectors, queries, k, deleted)
    assert np.array_equal(found.ids, expected.ids)
    assert np.allclose(found.scores, expected.scores, atol=1e-5)


def test_every_near_neighbour_in_one_small_segment_is_found_by_searching_it_again() -> None:
    """A question about one month of cables: its 200 best windows all sit in the segment written that
    month, which its size alone would ask for about twenty."""
    rng = np.random.default_rng(5)
    topic = _unit(rng.normal(size=(1, DIMENSION)))
    spread = _unit(rng.normal(size=(8000, DIMENSION)))
    near = _unit(topic + 0.05 * rng.normal(size=(400, DIMENSION)))
    vectors = np.concatenate([spread[:4000], near, spread[4000:]])
    bounds = [0, 4000, 4400, 8400]  # the clustered segment holds 400 of 8,400
    assert first_k(200, 400 / 8400) < 200
    segments = _segments(vectors, bounds)
    found = segments.search(topic, 200)
    expected = _every_segment_asked_for_k(vectors, topic, 200, set())
    assert np.array_equal(found.ids, expected.ids)
    assert set(found.ids[0].tolist()) <= set(range(4000, 4400))


def test_a_filter_and_an_executor_give_the_same_k_best() -> None:
    rng = np.random.default_rng(9)
    vectors = _unit(rng.normal(size=(3000, DIMENSION)))
    queries = _unit(rng.normal(size=(5, DIMENSION)))
    allowed = np.sort(rng.choice(3000, 900, replace=False)).astype(np.int64)
    segments = _segments(vectors, [0, 1000, 1500, 2000, 2500, 3000])
    with ThreadPoolExecutor(2) as executor:
        found = segments.search_later(queries, 100, allowed_ids=allowed, executor=executor)()
    expected = _every_segment_asked_for_k(vectors, queries, 100, set(), allowed)
    assert np.array_equal(found.ids, expected.ids)
