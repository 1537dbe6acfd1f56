"""Turn parsed cables into what the indexes hold: passage windows, sentences and their vectors.

A paragraph longer than the model reads (256 word pieces) is split into overlapping
windows so no text goes unread; every window carries its paragraph's position, so a
hit still cites the paragraph. Sentences are embedded too: they rescore candidates
and pick the highlight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embeddings.encoder import Encoder
from qa.passages import PassageScheme, passage_text
from qa.records import Cable
from qa.sentences import sentence_spans

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
    """Encode every window of every paragraph, and every sentence, in one pass each."""
    window_texts: list[str] = []
    window_para: list[int] = []
    sentence_texts: list[str] = []
    sentence_para: list[int] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for cable in cables:
        for paragraph in cable.paragraphs:
            passage = passage_text(cable, paragraph, scheme)
            for start, end in encoder.windows(passage):
                window_texts.append(passage[start:end])
                window_para.append(position)
            for start, end in sentence_spans(paragraph.text):
                sentence_texts.append(paragraph.text[start:end])
                sentence_para.append(position)
                spans.append((start, end))
            position += 1
    return EncodedBatch(
        cables=tuple(cables),
        window_vectors=encoder.encode_documents(window_texts, show_progress=show_progress),
        window_para=np.asarray(window_para, dtype=np.int64),
        sentence_vectors=encoder.encode_documents(sentence_texts, show_progress=show_progress),
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
