"""Turn parsed cables into what the indexes hold: passage windows, sentences and their vectors.

A paragraph longer than the model reads (256 word pieces) is split into overlapping
windows so no text goes unread; every window carries its paragraph's position, so a
hit still cites the paragraph. Each sentence gets a vector pooled from its window's
contextual token embeddings (no second model pass): sentences rescore candidates and
pick the highlight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embeddings.encoder import Encoder
from qa.cables.records import Cable
from qa.ingest.passages import PassageScheme, passage_text
from qa.ingest.sentences import sentence_spans

__all__ = ["EncodedBatch", "encode_cables", "merge_batches"]

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


def encode_cables(cables: Sequence[Cable], encoder: Encoder, scheme: PassageScheme,
                  show_progress: bool = False) -> EncodedBatch:
    """Encode every window of every paragraph; sentence vectors come from the same pass."""
    window_texts: list[str] = []
    window_spans: list[list[tuple[int, int]]] = []
    window_para: list[int] = []
    sentence_para: list[int] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for cable in cables:
        for paragraph in cable.paragraphs:
            passage = passage_text(cable, paragraph, scheme)
            shift = len(passage) - len(paragraph.text)  # the passage ends with the paragraph's text
            sentences = sentence_spans(paragraph.text)
            placed = [False] * len(sentences)
            for w_start, w_end in encoder.windows(passage):
                inside: list[tuple[int, int]] = []
                for n, (a, b) in enumerate(sentences):
                    if not placed[n] and w_start <= a + shift < w_end:
                        placed[n] = True
                        inside.append((a + shift - w_start, min(b + shift, w_end) - w_start))
                        sentence_para.append(position)
                        spans.append((a, b))
                window_texts.append(passage[w_start:w_end])
                window_spans.append(inside)
                window_para.append(position)
            position += 1
    window_vectors, per_window = encoder.encode_passages(window_texts, window_spans, show_progress=show_progress)
    dimension = window_vectors.shape[1] if len(window_vectors) else encoder.dimension
    return EncodedBatch(
        cables=tuple(cables),
        window_vectors=window_vectors,
        window_para=np.asarray(window_para, dtype=np.int64),
        sentence_vectors=np.concatenate(per_window) if per_window else np.zeros((0, dimension), dtype=np.float32),
        sentence_para=np.asarray(sentence_para, dtype=np.int64),
        sentence_spans=np.asarray(spans, dtype=np.int32).reshape(-1, 2),
    )


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
