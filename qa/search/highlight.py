"""The sentence of a hit that best answers the question, as offsets into the hit's text."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from qa.search.answer import Highlight
from qa.store.snapshot import Snapshot

__all__ = ["best_sentence"]


def best_sentence(snapshot: Snapshot, row: int, text: str, query: npt.NDArray[np.float32],
                  tokens: set[str]) -> Highlight:
    """The sentence of row ``row`` (whose text is ``text``) closest to the question (ties to lexical
    overlap), or its first one.

    ``tokens`` are the question's BM25 tokens; a sentence sharing rare question words wins
    over one that is merely on topic. A BM25 question has no vector (all zeros): its sentences'
    vectors are not read, since every cosine would be zero.
    """
    start, end = int(snapshot.sentence_starts[row]), int(snapshot.sentence_ends[row])
    if end <= start:
        return Highlight(0, len(text), text)
    sims = (snapshot.sentence_vectors[start:end] @ query if query.any()
            else np.zeros(end - start, dtype=np.float32))
    spans = snapshot.sentence_spans[start:end]
    if tokens:
        lowered = [text[a:b].lower() for a, b in spans]
        overlap = np.array([sum(t in s for t in tokens) / len(tokens) for s in lowered], dtype=np.float32)
        sims = sims + 0.15 * overlap
    best = int(np.argmax(sims))
    a, b = int(spans[best][0]), int(spans[best][1])
    return Highlight(a, b, text[a:b])
