"""BM25 over paragraphs (and over whole cables), across segments, with bm25s's analyzer and scoring.

Stemming lets "intrusion" find "intruded"; stopwords keep "what did ... say" from
matching every paragraph. Before the word pattern cuts a text, :func:`analyzed` folds the
marks inside words that split a name: an apostrophe inside a word is dropped (``Koz'mino`` is
``Kozmino``, ``Russia's`` stems with ``Russia``), and a hyphenated word stands both joined and
as its parts (``Tu-95`` is ``Tu95 Tu 95``, so ``Tu95``, ``Tu-95`` and ``Tu 95`` meet).
Documents and questions go through the same function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from qa.store.bm25_kernels import add_mapped, add_shifted, count_live
from qa.store.postings import Postings

__all__ = ["BM25Index", "BM25Part", "KeywordMatch", "analyzed"]

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
    docs: npt.NDArray[np.integer[Any]]  # rows, segment by segment
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


@dataclass(frozen=True, slots=True)
class BM25Part:
    """One segment's postings and where its documents sit in the index: ``rows[d]`` is document ``d``'s
    row (paragraph row or cable position), -1 for a document a tombstone removed."""

    postings: Postings
    rows: npt.NDArray[np.int64]


def _tokens(stemmer: Stemmer.Stemmer, text: str) -> list[str]:
    words = [word for word in _SPLIT(analyzed(text).lower()) if word not in _STOPWORDS]
    return list(stemmer.stemWords(words))


def _offset_of(rows: npt.NDArray[np.int64]) -> int | None:
    """``k`` when ``rows`` is ``k, k + 1, ...`` (no document deleted), else None."""
    if len(rows) == 0:
        return 0
    first = int(rows[0])
    return first if first >= 0 and int(rows[-1]) == first + len(rows) - 1 and bool(np.all(np.diff(rows) == 1)) \
        else None


class BM25Index:
    """BM25 (bm25s's defaults: Lucene's IDF, ``k1`` 1.5, ``b`` 0.75) over the live documents of one or more
    segments' postings, with the collection statistics (document count, mean length, document frequency)
    of those live documents together, so the scores equal those of one index built from them alone.

    Each term's contribution is computed as bm25s computes it (float64 arithmetic in the same order,
    rounded to float32) and the contributions are added in question order, so the scores equal bm25s's
    bit for bit (a test holds them equal over the corpus).
    """

    K1 = 1.5
    B = 0.75

    def __init__(self, parts: Sequence[BM25Part]) -> None:
        self._parts = tuple(parts)
        self._stemmer = Stemmer.Stemmer(_STEMMER)
        live = [p.postings.lengths[p.rows >= 0] for p in self._parts]
        lengths = np.concatenate(live) if live else np.zeros(0, dtype=np.int32)
        self.size = len(lengths)
        self._mean_length = float(lengths.mean()) if self.size else 0.0
        # Each document's length normalisation, k1 * ((1 - b) + b * length / mean), as bm25s computes it.
        self._norms = [self.K1 * ((1 - self.B) + self.B * p.postings.lengths / self._mean_length)
                       if self.size else np.zeros(0) for p in self._parts]
        # A part with nothing deleted maps document d to row offset + d: no gather and no mask per posting.
        self._offsets = [_offset_of(p.rows) for p in self._parts]
        self._load_kernels()

    def _load_kernels(self) -> None:
        """Run the compiled loops once on empty slices of this index's own arrays: numba compiles (or loads
        from its disk cache, ~0.5 s in a new process) a loop per argument types on first use, which is
        then the index's load and not its first question."""
        totals, held = np.zeros(1, dtype=np.float32), np.zeros(1, dtype=np.int64)
        for part, norms, offset in zip(self._parts, self._norms, self._offsets, strict=True):
            docs, tfs = part.postings.docs[:0], part.postings.tfs[:0]
            if offset is not None:
                add_shifted(totals, held, 0, docs, tfs, norms, offset, 0.0)
            else:
                count_live(part.rows, docs)
                add_mapped(totals, held, 0, docs, tfs, norms, part.rows, 0.0)

    @classmethod
    def build(cls, documents: Sequence[str]) -> BM25Index:
        """One segment of ``documents`` (document ``i`` is row ``i``), nothing removed."""
        postings = cls.postings_of(documents)
        return cls([BM25Part(postings, np.arange(postings.size, dtype=np.int64))])

    @staticmethod
    def postings_of(documents: Sequence[str]) -> Postings:
        """The postings a segment saves for ``documents``, cut as questions are (:meth:`tokens`)."""
        stemmer = Stemmer.Stemmer(_STEMMER)
        return Postings.build(documents, lambda text: _tokens(stemmer, text))

    def tokens(self, query: str) -> list[str]:
        """The question's terms, cut as the documents were: :func:`analyzed`, lower case, bm25s's word
        pattern, its English stopwords dropped, then stemmed (a test holds this equal to ``bm25s.tokenize``)."""
        return _tokens(self._stemmer, query)

    def match(self, query_tokens: list[str]) -> KeywordMatch:
        """The question's scores from its terms' postings alone, over live documents.

        Each term's IDF needs its live document frequency over every segment, so the postings are
        found first; then each segment's are added, term by term in question order, by the compiled
        loops of :mod:`qa.store.bm25_kernels`. A row belongs to one segment, so it receives its terms'
        contributions in question order, as bm25s adds them; going segment by segment keeps one
        segment's norms and scores in cache (1.6x faster than term by term at a million paragraphs)."""
        if self.size == 0:
            return KeywordMatch.none(self.size)
        found: list[tuple[float, dict[int, tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]]]] = []
        listed = 0
        for term in query_tokens:
            postings = {}
            df = 0
            for i, (part, offset) in enumerate(zip(self._parts, self._offsets, strict=True)):
                docs, tfs = part.postings.postings(term)
                if len(docs):
                    postings[i] = (docs, tfs)
                    df += len(docs) if offset is not None else count_live(part.rows, docs)
                    listed += len(docs)
            if df:
                found.append((float(np.float32(math.log(1 + (self.size - df + 0.5) / (df + 0.5)))), postings))
        if not found:
            return KeywordMatch.none(self.size)
        totals = np.zeros(self.size, dtype=np.float32)
        held = np.empty(listed, dtype=np.int64)
        at = 0
        for i, (part, norms, offset) in enumerate(zip(self._parts, self._norms, self._offsets, strict=True)):
            for idf, postings in found:
                if i in postings:
                    docs, tfs = postings[i]
                    at = (add_shifted(totals, held, at, docs, tfs, norms, offset, idf) if offset is not None
                          else add_mapped(totals, held, at, docs, tfs, norms, part.rows, idf))
        return KeywordMatch(totals, held[:at], len(found))

    def scores(self, query_tokens: list[str]) -> npt.NDArray[np.float32]:
        """Every document's score (zeros where nothing matches)."""
        return self.match(query_tokens).totals

    def document_frequency(self, term: str) -> int:
        """How many live documents hold ``term`` (0 for a term no live document holds)."""
        total = 0
        for part, offset in zip(self._parts, self._offsets, strict=True):
            docs = part.postings.postings(term)[0]
            total += len(docs) if offset is not None else int((part.rows[docs] >= 0).sum())
        return total

    def holds(self, term: str, doc: int) -> bool:
        """Whether document ``doc`` (a row) holds ``term``: a binary search where nothing is deleted."""
        for part, offset in zip(self._parts, self._offsets, strict=True):
            docs = part.postings.postings(term)[0]
            if offset is not None:
                at = int(np.searchsorted(docs, doc - offset))
                if at < len(docs) and int(docs[at]) == doc - offset:
                    return True
            elif len(docs) and bool(np.any(part.rows[docs] == doc)):
                return True
        return False

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
