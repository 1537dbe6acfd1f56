"""Approximate backends against the exact one: recall@10 on 20,000 vectors.

Search settings are the shipped defaults (HNSW ef_search=128; IVF-PQ nprobe=16 and an exact
re-rank of 8k candidates). Build settings are lowered to keep the test to a few seconds on two
cores: HNSW ef_construction=40 (default 200), IVF-PQ nbits=4 (default 8). The shipped build
defaults give recall@10 of 1.0 on this data but take 10 to 17 s each to build here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from embeddings.index import create_index

UnitVectors = Callable[[int], npt.NDArray[np.float32]]  # the unit_vectors fixture

COUNT = 20_000
QUERIES = 200


def normalised(matrix: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    unit: npt.NDArray[np.float32] = (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)
    return unit


def recall_at_10(found: npt.NDArray[np.int64], exact: npt.NDArray[np.int64]) -> float:
    """Mean over queries of |found ∩ exact| / 10."""
    hits = [len(set(row) & set(truth)) for row, truth in zip(found, exact, strict=True)]
    return sum(hits) / (10 * len(exact))


@pytest.mark.parametrize(("kind", "build"), [("hnsw", {"ef_construction": 40}), ("ivfpq", {"nbits": 4})])
def test_approximate_recall_at_10_against_flat_is_at_least_0_9(
    unit_vectors: UnitVectors, kind: str, build: dict[str, int]
) -> None:
    vectors = unit_vectors(COUNT)
    ids = np.arange(COUNT, dtype=np.int64)
    rng = np.random.default_rng(7)
    # Queries near stored vectors but not on them, as a question is near its answer.
    noise = normalised(rng.standard_normal((QUERIES, 384)))
    queries = normalised(vectors[rng.integers(0, COUNT, QUERIES)] + 0.5 * noise)
    exact = create_index("flat", 384)
    exact.add(ids, vectors)
    approximate = create_index(kind, 384, **build)
    approximate.add(ids, vectors)

    found = approximate.search(queries, 10).ids
    assert recall_at_10(found, exact.search(queries, 10).ids) >= 0.9
