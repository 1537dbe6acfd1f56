"""BM25 over paragraphs (and over whole cables), with bm25s and an English stemmer.

Stemming lets "intrusion" find "intruded"; stopwords keep "what did ... say" from
matching every paragraph. Before the word pattern cuts a text, :func:`analyzed` folds the
marks inside words that split a name: an apostrophe inside a word is dropped (``Koz'mino`` is
``Kozmino``, ``Russia's`` stems with ``Russia``), and a hyphenated word stands both joined and
as its parts (``Tu-95`` is ``Tu95 Tu 95``, so ``Tu95``, ``Tu-95`` and ``Tu 95`` meet).
Documents and questions go through the same function.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from qa.errors import IndexCorruptError

__all__ = ["BM25Index", "KeywordMatch", "analyzed"]

_STEMMER = "english"
_TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # bm25s's default, named so documents and questions share it
_SPLIT = re.compile(_TOKEN_PATTERN).findall
_STOPWORDS = frozenset(STOPWORDS_EN)  # what bm25s's stopwords="en" means
_INNER_APOSTROPHE = re.compile(r"(?<=\w)['\u2018\u2019\u02bc`](?=\w)")
_HYPHENATED = re.compile(r"\w+(?:[-\u2010\u2011]\w+)+")
_HYPHEN = re.compile(r"[-\u2010\u2011]")


def _both_ways(match: re.Match[str]) -> str:
    word = match.group()
    return f"{_HYPHEN.sub('', word)} {_HYPHEN.sub(' ', word)}"


def analyzed(text: str) -> str:
    """``text`` with apostrophes inside words dropped and each hyphenated word given joined and split."""
    return _HYPHENATED.sub(_both_ways, _INNER_APOSTROPHE.sub("", text))


@dataclass(frozen=True, slots=True)
class KeywordMatch:
    """A question's BM25 scores, read from its terms' postings only.

    ``totals`` holds every document's score (bm25s's own float32 sums, added in its order, so equal
    bit for bit to its exhaustive scorer), allocated zeroed and touched only where a term occurs;
    ``docs`` lists the documents holding a term, once per term that holds them. Every method here
    costs time in proportion to ``docs``, never to the index's size. ``allowed`` (a mask over every
    document, or None) hides the documents a filter leaves out.
    """

    totals: npt.NDArray[np.float32]
    docs: npt.NDArray[np.integer[Any]]  # the index's own postings dtype (int32), not copied wider
    terms: int  # the question's term occurrences: a document is listed at most this often
    allowed: npt.NDArray[np.bool_] | None = None

    @classmethod
    def none(cls, size: int) -> KeywordMatch:
        return cls(np.zeros(size, dtype=np.float32), np.zeros(0, dtype=np.int64), 0)

    def within(self, allowed: npt.NDArray[np.bool_] | None) -> KeywordMatch:
        """Only the documents ``allowed`` lets through (None allows all); combines with an earlier mask."""
        if allowed is None:
            return self
        both = allowed if self.allowed is None else allowed & self.allowed
        return KeywordMatch(self.totals, self.docs[both[self.docs]], self.terms, both)

    def best(self) -> tuple[int, float]:
        """The best document and its score (the lowest id among equals); (-1, 0.0) when none matched."""
        if len(self.docs) == 0:
            return -1, 0.0
        scores = self.totals[self.docs]
        top = scores.max()
        return int(self.docs[scores == top].min()), float(top)

    def top(self, depth: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """The ``depth`` best documents and their scores, best first, equal scores by ascending id.

        A document is listed at most ``terms`` times, so the ``depth * terms`` best listings hold at
        least ``depth`` documents: only those (and any equal to the last) are deduplicated and sorted.
        """
        docs = self.docs
        wanted = depth * max(self.terms, 1)
        if len(docs) > wanted:
            scores = self.totals[docs]
            threshold = np.partition(scores, len(scores) - wanted)[len(scores) - wanted]
            docs = docs[scores >= threshold]
        docs = np.unique(docs)
        scores = self.totals[docs]
        order = np.argsort(-scores, kind="stable")[:depth]
        return docs[order].astype(np.int64), scores[order]

    def scores_of(self, docs: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """The scores of ``docs`` (0 for a document that matched nothing or that ``allowed`` hides)."""
        scores = self.totals[docs]
        if self.allowed is not None:
            scores = np.where(self.allowed[docs], scores, np.float32(0.0))
        return scores.astype(np.float32, copy=False)


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
            tokens = bm25s.tokenize([analyzed(d) for d in documents], token_pattern=_TOKEN_PATTERN,
                                    stopwords=list(_STOPWORDS), stemmer=stemmer, show_progress=False)
            retriever.index(tokens, show_progress=False)
        return cls(retriever, len(documents))

    def tokens(self, query: str) -> list[str]:
        """The question's terms, cut as ``bm25s.tokenize`` cut the documents: :func:`analyzed`, lower
        case, its word pattern, stopwords dropped, then stemmed. Done here because ``bm25s.tokenize`` builds three
        disabled progress bars and a vocabulary on every call, a quarter of a millisecond a question;
        a test holds the two equal.
        """
        words = [word for word in _SPLIT(analyzed(query).lower()) if word not in _STOPWORDS]
        return list(self._stemmer.stemWords(words))

    def scores(self, query_tokens: list[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every document for the query (zeros where nothing matches): bm25s's exhaustive
        scorer, which touches every document; searches use :meth:`match`, tests compare the two."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        vocab = self._retriever.vocab_dict
        known = [t for t in query_tokens if t in vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    def match(self, query_tokens: list[str]) -> KeywordMatch:
        """The question's scores from its terms' postings alone.

        bm25s keeps each term's postings as one column of a CSC matrix (documents ascending, with
        the term's precomputed BM25 contribution); a document's score is the sum of its terms'
        contributions, added in query order into a zeroed array, as bm25s's exhaustive scorer adds them.
        """
        ids = [self._retriever.vocab_dict[t] for t in query_tokens if t in self._retriever.vocab_dict]
        if self.size == 0 or not ids:
            return KeywordMatch.none(self.size)
        matrix = self._retriever.scores
        indptr, indices, data = matrix["indptr"], matrix["indices"], matrix["data"]
        docs = np.concatenate([indices[indptr[i]:indptr[i + 1]] for i in ids])
        contributions = np.concatenate([data[indptr[i]:indptr[i + 1]] for i in ids])
        totals = np.zeros(self.size, dtype=data.dtype)
        np.add.at(totals, docs, contributions)  # numpy's fast path for a 1-d add; the order bm25s adds in
        return KeywordMatch(totals.astype(np.float32, copy=False), docs, len(ids))

    def document_frequency(self, term: str) -> int:
        """How many documents hold ``term`` (0 for a term the index has never seen)."""
        token = self._retriever.vocab_dict.get(term)
        if token is None or self.size == 0:
            return 0
        indptr = self._retriever.scores["indptr"]
        return int(indptr[token + 1] - indptr[token])

    def holds(self, term: str, doc: int) -> bool:
        """Whether document ``doc`` holds ``term``: a binary search in the term's postings."""
        token = self._retriever.vocab_dict.get(term)
        if token is None or self.size == 0:
            return False
        matrix = self._retriever.scores
        postings = matrix["indices"][matrix["indptr"][token]:matrix["indptr"][token + 1]]
        at = int(np.searchsorted(postings, doc))
        return at < len(postings) and int(postings[at]) == doc

    def coverage(self, query_tokens: list[str], row: int) -> float:
        """How much of the question document ``row`` contains: the IDF-weighted share of the question's
        distinct terms found in it, ``sum(idf(t) for t in row) / sum(idf(t))`` with the BM25 IDF
        ``log(1 + (N - df + 0.5) / (df + 0.5))``. A term no document holds (df = 0) counts with the
        largest IDF: a question in other words than the cables' scores low. 0.0 for no terms.
        """
        terms = list(dict.fromkeys(query_tokens))
        if not terms or self.size == 0:
            return 0.0
        total = found = 0.0
        for term in terms:
            df = self.document_frequency(term)
            idf = float(np.log(1.0 + (self.size - df + 0.5) / (df + 0.5)))
            total += idf
            if 0 <= row < self.size and self.holds(term, row):
                found += idf
        return found / total if total > 0 else 0.0

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
