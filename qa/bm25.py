"""BM25 over paragraphs (and over whole cables), with bm25s and an English stemmer.

Stemming lets "intrusion" find "intruded"; stopwords keep "what did ... say" from
matching every paragraph.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer

from qa.errors import IndexCorruptError

__all__ = ["BM25Index"]

_STEMMER = "english"


class BM25Index:
    """A bm25s retriever whose document ``i`` is row ``i`` of the caller's table."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self._retriever = retriever
        self._stemmer = Stemmer.Stemmer(_STEMMER)
        self.size = size

    @classmethod
    def build(cls, documents: Sequence[str]) -> BM25Index:
        stemmer = Stemmer.Stemmer(_STEMMER)
        retriever = bm25s.BM25()
        if documents:
            tokens = bm25s.tokenize(list(documents), stopwords="en", stemmer=stemmer, show_progress=False)
            retriever.index(tokens, show_progress=False)
        return cls(retriever, len(documents))

    def tokens(self, query: str) -> list[str]:
        tokenized = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, return_ids=False,
                                   show_progress=False)
        return list(tokenized[0]) if tokenized else []

    def scores(self, query_tokens: list[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every document for the query (zeros where nothing matches)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        vocab = self._retriever.vocab_dict
        known = [t for t in query_tokens if t in vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.size:
            self._retriever.save(str(folder), show_progress=False)
        (folder / "size").write_text(str(self.size))

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        try:
            size = int((folder / "size").read_text())
            retriever = bm25s.BM25.load(str(folder), show_progress=False) if size else bm25s.BM25()
        except (OSError, ValueError) as error:
            raise IndexCorruptError(
                f"BM25 index in {folder} is unreadable ({error}); rebuild it with 'cableqa ingest'") from error
        return cls(retriever, size)
