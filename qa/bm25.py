"""BM25 over paragraphs (and over whole cables), with bm25s and an English stemmer.

Stemming lets "intrusion" find "intruded"; stopwords keep "what did ... say" from
matching every paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from qa.errors import IndexCorruptError

__all__ = ["BM25Index"]

_STEMMER = "english"
_TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # bm25s's default, named so documents and questions share it
_SPLIT = re.compile(_TOKEN_PATTERN).findall
_STOPWORDS = frozenset(STOPWORDS_EN)  # what bm25s's stopwords="en" means


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
            tokens = bm25s.tokenize(list(documents), token_pattern=_TOKEN_PATTERN, stopwords=list(_STOPWORDS),
                                    stemmer=stemmer, show_progress=False)
            retriever.index(tokens, show_progress=False)
        return cls(retriever, len(documents))

    def tokens(self, query: str) -> list[str]:
        """The question's terms, cut as ``bm25s.tokenize`` cut the documents: lower case, its word
        pattern, stopwords dropped, then stemmed. Done here because ``bm25s.tokenize`` builds three
        disabled progress bars and a vocabulary on every call, a quarter of a millisecond a question;
        a test holds the two equal.
        """
        words = [word for word in _SPLIT(query.lower()) if word not in _STOPWORDS]
        return list(self._stemmer.stemWords(words))

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
