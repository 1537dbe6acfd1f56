"""What the writer adds to a generation: cables with the vectors of their windows and sentences.

The ingest room produces batches (:func:`qa.ingest.vectors.encode_cables`); the writer
(:mod:`qa.store.writer`) gives their paragraphs pids and stores them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qa.cables.records import Cable

__all__ = ["EncodedBatch", "merge_batches"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """Vectors for a batch of cables; ``*_para`` index the batch's paragraphs in cable order."""

    cables: tuple[Cable, ...]
    window_vectors: FloatArray
    window_para: IntArray
    sentence_vectors: FloatArray
    sentence_para: IntArray
    sentence_spans: npt.NDArray[np.int32]  # (n, 2) offsets into the paragraph's clean text

    @property
    def paragraph_count(self) -> int:
        return sum(len(c.paragraphs) for c in self.cables)


def merge_batches(batches: Sequence[EncodedBatch]) -> EncodedBatch:
    """One batch from several, paragraph positions renumbered in order."""
    offsets = np.cumsum([0, *(b.paragraph_count for b in batches)])
    dimension = batches[0].window_vectors.shape[1] if batches else 0
    return EncodedBatch(
        cables=tuple(c for b in batches for c in b.cables),
        window_vectors=np.concatenate([b.window_vectors for b in batches]) if batches
        else np.zeros((0, dimension), dtype=np.float32),
        window_para=np.concatenate([b.window_para + o for b, o in zip(batches, offsets, strict=False)])
        if batches else np.zeros(0, dtype=np.int64),
        sentence_vectors=np.concatenate([b.sentence_vectors for b in batches]) if batches
        else np.zeros((0, dimension), dtype=np.float32),
        sentence_para=np.concatenate([b.sentence_para + o for b, o in zip(batches, offsets, strict=False)])
        if batches else np.zeros(0, dtype=np.int64),
        sentence_spans=np.concatenate([b.sentence_spans for b in batches]) if batches
        else np.zeros((0, 2), dtype=np.int32),
    )
