"""Fixtures for the index tests: clustered random unit vectors, shaped like text embeddings."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest


def _normalised(matrix: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    unit: npt.NDArray[np.float32] = (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)
    return unit


@pytest.fixture(scope="session")
def unit_vectors() -> Callable[[int], npt.NDArray[np.float32]]:
    """``make(n)``: n unit vectors of 384 dimensions around 200 random centres; same n, same rows.

    Sentence embeddings gather in topics; uniform random vectors have no neighbourhoods at all,
    which no approximate index can exploit (IVF-PQ recall@10 on them is about 0.3).
    """

    def make(count: int) -> npt.NDArray[np.float32]:
        rng = np.random.default_rng(20080418)
        centres = _normalised(rng.standard_normal((200, 384)))
        picks = centres[rng.integers(0, len(centres), count)]
        return _normalised(picks + 0.08 * rng.standard_normal((count, 384)))

    return make
