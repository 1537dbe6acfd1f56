"""Ranking paragraphs for a question: dense, BM25, and the hybrid of both.

Hybrid (the default) is a weighted sum of scores each normalised to 0..1, over the
union of the dense and BM25 candidates:

    hybrid = W_DENSE * dense + W_BM25 * bm25 / max_bm25 + W_SENTENCE * best_sentence
             + W_CABLE * cable_bm25 / max_cable_bm25

The keyword weights (``W_BM25``, ``W_CABLE``) are scaled by ``trust = coverage ** keyword_trust``
and what they lose goes to ``W_DENSE`` and ``W_SENTENCE`` in proportion: ``coverage`` is how much
of the question (IDF-weighted, :meth:`~qa.store.bm25_index.BM25Index.coverage`) BM25's best paragraph holds.
A question asked in the cables' own words keeps the fixed weights; a paraphrase, whose words the
answer does not contain, is ranked mostly by meaning instead of by BM25's confident match of one
common word in some other cable. ``keyword_trust = 0`` gives the fixed weights.

``dense`` is the paragraph's best window cosine; ``best_sentence`` the cosine of its
best-matching sentence (a question usually matches one sentence, which a long
paragraph's mean vector dilutes); ``cable_bm25`` is BM25 over the whole cable
(subject and all paragraphs), the cable-level evidence that a paragraph sits in a
cable about the question's subject. Why these: README, "How hybrid ranks"; the experiments
behind them: docs/performance.md.
Under a classification ceiling, ``cable_bm25`` is 0 for a cable holding anything above
it: words a reader may not see must not move the scores they do see.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embeddings.index import Neighbours
from qa.search.ceiling import cables_within
from qa.search.filters import Filters, cables_allowed
from qa.store.bm25_index import KeywordMatch
from qa.store.snapshot import Snapshot
from qa.store.stacked_rows import Rows, will_need
from qa.store.window_ids import WINDOWS_PER_PARAGRAPH, window_ids

__all__ = ["KEYWORD_TRUST_BY_MODEL", "KeywordsLater", "Ranked", "Weights", "allowed_rows", "fused_weights",
           "keywords_later", "rank", "weights_for_model"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Weights:
    dense: float = 0.35
    bm25: float = 0.25
    sentence: float = 0.25
    cable: float = 0.15
    candidates: int = 100
    keyword_trust: float = 0.0  # per model: KEYWORD_TRUST_BY_MODEL


# ``keyword_trust`` chosen per model on the even question ids of the eval among all 1,346 corpus
# cables, reported on the odd ones (``python -m eval.fusion_split``, README "Models"): a model whose
# dense side finds paraphrases (mpnet) gains from trusting BM25 less when it matches little; one
# whose dense side finds none among the corpus (MiniLM) does not.
KEYWORD_TRUST_BY_MODEL = {
    "sentence-transformers/all-MiniLM-L6-v2": 0.0,
    "sentence-transformers/all-mpnet-base-v2": 2.0,
}


def weights_for_model(upstream: str, keyword_trust: float | None = None) -> Weights:
    """The fusion weights for an index of the model named ``upstream`` (``embeddings.model_files.model_identity``,
    the same for every backend): ``keyword_trust`` when given, else the one chosen for the model (0, the
    fixed weights, for others)."""
    chosen = KEYWORD_TRUST_BY_MODEL.get(upstream, 0.0) if keyword_trust is None else keyword_trust
    return Weights(keyword_trust=chosen)


def fused_weights(weights: Weights, coverage: float) -> tuple[float, float, float, float]:
    """``(dense, bm25, sentence, cable)`` for a question whose best BM25 paragraph holds ``coverage``
    of it: keyword weights times ``coverage ** keyword_trust``, the rest moved to the dense ones."""
    trust = min(1.0, max(0.0, coverage)) ** weights.keyword_trust if weights.keyword_trust > 0 else 1.0
    moved = (weights.bm25 + weights.cable) * (1.0 - trust)
    meaning = weights.dense + weights.sentence
    dense_share = weights.dense / meaning if meaning > 0 else 0.5
    return (weights.dense + moved * dense_share, weights.bm25 * trust,
            weights.sentence + moved * (1.0 - dense_share), weights.cable * trust)


@dataclass(frozen=True, slots=True)
class Ranked:
    """Rows best first, with the score the mode ranks by and each component."""

    rows: IntArray
    scores: FloatArray
    dense: FloatArray
    bm25: FloatArray
    sentence: FloatArray


def allowed_rows(snapshot: Snapshot, filters: Filters) -> npt.NDArray[np.bool_] | None:
    """A mask of the paragraph rows the filters allow, or None when nothing is filtered."""
    if filters.empty:
        return None
    cable_ok = cables_allowed(snapshot.columns, filters)
    mask = cable_ok[snapshot.para_cable] if snapshot.size else np.zeros(0, dtype=bool)
    if filters.max_classification is not None:
        mask &= snapshot.levels <= filters.max_classification.rank
    return mask


def _dense_rows(snapshot: Snapshot, query: FloatArray, depth: int, mask: npt.NDArray[np.bool_] | None,
                executor: Executor | None = None) -> Callable[[], tuple[IntArray, FloatArray]]:
    """Best window score per paragraph among the top ``depth`` windows, started: the segments are searched
    on ``executor`` while the caller goes on, and the returned call waits for them."""
    allowed = None
    if mask is not None:
        allowed_pids = np.isin(snapshot.window_pids, snapshot.pids[mask])
        allowed = window_ids(snapshot.window_pids)[allowed_pids]
        if len(allowed) == 0:
            return lambda: (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    pending = snapshot.dense.search_later(query[None, :], depth, allowed_ids=allowed, executor=executor)
    return lambda: _best_window_per_row(snapshot, pending())


def _best_window_per_row(snapshot: Snapshot, found: Neighbours) -> tuple[IntArray, FloatArray]:
    scores, ids = found
    keep = ids[0] >= 0
    rows = snapshot.rows_of(ids[0][keep] // WINDOWS_PER_PARAGRAPH)
    found_rows = rows >= 0
    rows, window_scores = rows[found_rows], scores[0][keep][found_rows]
    # Results come best first, so a paragraph's first window is its best: keep first occurrences.
    unique_rows, first = np.unique(rows, return_index=True)
    order = np.argsort(first, kind="stable")
    return unique_rows[order].astype(np.int64), window_scores[first[order]].astype(np.float32)


def _max_by_row(rows: IntArray, spans: tuple[IntArray, IntArray], vectors: Rows, query: FloatArray) -> FloatArray:
    """For each row, the best cosine of the query against that paragraph's vectors (0 if none).

    ``spans`` is ``(starts, ends)``: row r owns vectors[starts[r]:ends[r]]. One gather, one
    matrix-vector product and one segmented max, whatever the number of rows.
    """
    out = np.zeros(len(rows), dtype=np.float32)
    if len(rows) == 0:
        return out
    starts, ends = spans[0][rows], spans[1][rows]
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return out
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    flat = np.repeat(starts, lengths) + (np.arange(total) - first)
    sims = vectors[flat] @ query
    present = lengths > 0
    out[present] = np.maximum.reduceat(sims, (np.cumsum(lengths) - lengths)[present]).astype(np.float32)
    return out


# A question's BM25 over every paragraph and over the cables it may read whole, started: the call waits.
KeywordsLater = Callable[[], tuple[KeywordMatch, KeywordMatch]]


def keywords_later(snapshot: Snapshot, tokens: list[str], filters: Filters,
                   executor: Executor | None = None) -> KeywordsLater:
    """Hybrid's keyword half of one question, started on ``executor`` (its loops let go of the GIL) so it
    runs while the question is encoded; without one, the returned call does it."""
    def matches() -> tuple[KeywordMatch, KeywordMatch]:
        return _keyword_matches(snapshot, tokens, filters)

    if executor is None:
        return matches
    return executor.submit(matches).result


def rank(snapshot: Snapshot, query: FloatArray, tokens: list[str], mode: str, filters: Filters,
         weights: Weights = Weights(), executor: Executor | None = None,
         keywords: KeywordsLater | None = None) -> Ranked:
    """Rank the allowed paragraphs for one question (``query`` is its unit vector) in ``mode``.

    With an ``executor``, the segments' vector searches run on it (FAISS lets go of the GIL) while the
    calling thread reads BM25, unless ``keywords`` brings hybrid's BM25 already started on it
    (:func:`keywords_later`): the same result, sooner on more than one core. Only leaf work goes to the
    executor, so a small pool shared by every request cannot wait on itself.
    """
    mask = allowed_rows(snapshot, filters)
    if snapshot.size == 0 or (mask is not None and not mask.any()):
        empty = np.zeros(0, dtype=np.float32)
        return Ranked(np.zeros(0, dtype=np.int64), empty, empty, empty, empty)
    if mode == "dense":
        return _rank_dense(snapshot, query, mask, weights.candidates, executor)
    if mode == "bm25":
        return _rank_bm25(snapshot.bm25.match(tokens).within(mask), weights.candidates)
    started = keywords or (lambda: _keyword_matches(snapshot, tokens, filters))
    return _rank_hybrid(snapshot, query, tokens, mask, started, weights, executor)


def _rank_bm25(keywords: KeywordMatch, depth: int) -> Ranked:
    rows, scores = keywords.top(depth)
    positive = scores > 0
    rows, scores = rows[positive], scores[positive]
    zeros = np.zeros(len(rows), dtype=np.float32)
    return Ranked(rows, scores, zeros, scores, zeros)


def _rank_dense(snapshot: Snapshot, query: FloatArray, mask: npt.NDArray[np.bool_] | None, depth: int,
                executor: Executor | None) -> Ranked:
    dense_rows, dense_scores = _dense_rows(snapshot, query, depth * 2, mask, executor)()
    order = np.argsort(-dense_scores, kind="stable")[:depth]
    zeros = np.zeros(len(order), dtype=np.float32)
    return Ranked(dense_rows[order], dense_scores[order], dense_scores[order], zeros, zeros)


def _keyword_matches(snapshot: Snapshot, tokens: list[str], filters: Filters) -> tuple[KeywordMatch, KeywordMatch]:
    """The question's BM25 over every paragraph (the caller applies the filters' mask), and over the cables
    that may give evidence.

    Cable-level BM25 reads the whole cable (subject and every paragraph): under a ceiling, a cable
    holding anything above it gives no such evidence, or its hidden words would move the scores of
    the paragraphs that are shown.
    """
    cables = snapshot.cable_bm25.match(tokens)
    if filters.max_classification is not None:
        cables = cables.within(cables_within(snapshot, filters.max_classification))
    return snapshot.bm25.match(tokens), cables


def _cable_evidence(snapshot: Snapshot, cables: KeywordMatch, rows: IntArray) -> FloatArray:
    """Each row's cable's BM25 over the whole cable, normalised to the best cable's."""
    _, top_cable = cables.best()
    if top_cable <= 0:
        return np.zeros(len(rows), dtype=np.float32)
    evidence: FloatArray = cables.scores_of(snapshot.para_cable[rows].astype(np.int64)) / top_cable
    return evidence


def _rank_hybrid(snapshot: Snapshot, query: FloatArray, tokens: list[str], mask: npt.NDArray[np.bool_] | None,
                 started: KeywordsLater, weights: Weights, executor: Executor | None) -> Ranked:
    depth = weights.candidates
    searching = _dense_rows(snapshot, query, depth * 2, mask, executor)
    every, cables = started()
    keywords = every.within(mask)  # the filter's mask, made once by rank() for both halves
    dense_rows, dense_scores = searching()
    bm25_top, bm25_top_scores = keywords.top(depth)
    rows = np.union1d(dense_rows, bm25_top[bm25_top_scores > 0]).astype(np.int64)
    # A row the vector search found has its best window's cosine already (its windows are the best first);
    # only the rows BM25 alone found read their windows. Both gathers' pages are requested at once: from
    # disk they arrive together, not one fault at a time.
    searched = np.zeros(len(rows), dtype=bool)
    dense = np.zeros(len(rows), dtype=np.float32)
    found_at = np.searchsorted(rows, dense_rows)
    searched[found_at], dense[found_at] = True, dense_scores
    unsearched = rows[~searched]
    will_need(snapshot.window_vectors, snapshot.window_starts[unsearched], snapshot.window_ends[unsearched])
    will_need(snapshot.sentence_vectors, snapshot.sentence_starts[rows], snapshot.sentence_ends[rows])
    dense[~searched] = _max_by_row(unsearched, (snapshot.window_starts, snapshot.window_ends),
                                   snapshot.window_vectors, query)
    sentence = _max_by_row(rows, (snapshot.sentence_starts, snapshot.sentence_ends), snapshot.sentence_vectors,
                           query)
    # The top's first is the best paragraph (the lowest row among equals), as ``best()`` would find it again.
    best_row, top_bm25 = (int(bm25_top[0]), float(bm25_top_scores[0])) if len(bm25_top) else (-1, 0.0)
    bm25 = keywords.scores_of(rows) / top_bm25 if top_bm25 > 0 else np.zeros(len(rows), dtype=np.float32)
    cable = _cable_evidence(snapshot, cables, rows)
    coverage = 1.0  # keyword_trust 0: fixed weights, nothing to measure
    if weights.keyword_trust > 0:
        coverage = snapshot.bm25.coverage(tokens, best_row) if top_bm25 > 0 else 0.0
    w_dense, w_bm25, w_sentence, w_cable = fused_weights(weights, coverage)
    score = (w_dense * dense + w_bm25 * bm25 + w_sentence * sentence + w_cable * cable).astype(np.float32)
    order = np.argsort(-score, kind="stable")[:depth]
    return Ranked(rows[order], score[order], dense[order], bm25[order].astype(np.float32), sentence[order])
