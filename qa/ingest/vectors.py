"""Turn parsed cables into what the indexes hold: passage windows, sentences and their vectors.

A paragraph longer than the model reads (256 word pieces) is split into overlapping
windows so no text goes unread; every window carries its paragraph's position, so a
hit still cites the paragraph. Each sentence gets a vector pooled from its window's
contextual token embeddings (no second model pass): sentences rescore candidates and
pick the highlight.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from embeddings.encoder import Encoder
from qa.cables.records import Cable
from qa.ingest.passages import PassageScheme, passage_text
from qa.ingest.sentences import sentence_spans
from qa.store.batch import EncodedBatch

__all__ = ["encode_cables"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


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
