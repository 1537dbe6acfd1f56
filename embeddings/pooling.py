"""Pooling token embeddings into unit vectors, shared by both encoder backends.

A span's vector is the mean of the passage's contextual token embeddings that fall inside it,
normalised: what mean pooling would give if the passage were that span, but with the rest of the
passage as context. A span covering no token (past the token limit, or empty) gets the passage's
vector.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["normalised", "span_vectors"]

FloatArray = npt.NDArray[np.float32]


def normalised(vectors: npt.NDArray[np.floating]) -> FloatArray:
    """Rows scaled to unit length (a zero row stays zero)."""
    norms = np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)
    unit: FloatArray = (vectors / norms).astype(np.float32)
    return unit


def span_vectors(tokens: npt.NDArray[np.floating], offsets: npt.ArrayLike, spans: Sequence[tuple[int, int]],
                 passage: FloatArray) -> FloatArray:
    """One unit vector per character span: ``tokens`` are the passage's token embeddings and
    ``offsets`` their character offsets (special tokens have empty ones); ``passage`` is the
    passage's unit vector."""
    vectors = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    if not spans:
        return vectors
    bounds = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    starts, ends = bounds[:, 0], bounds[:, 1]
    real = ends > starts
    for j, (a, b) in enumerate(spans):
        inside = real & (starts >= a) & (ends <= b)
        vectors[j] = tokens[inside].mean(axis=0) if inside.any() else passage
    return normalised(vectors)
