"""BM25 from the query terms' postings gives exactly what bm25s's exhaustive scorer gives, and so does
the same collection split into segments with deleted documents.

The searches score only the documents that hold a question term (``BM25Index.match``), from raw
postings and the live documents' statistics; these tests score the same questions with bm25s itself
(an index of the same documents, every document scored) and hold the two equal, bit for bit, over the
whole corpus's paragraphs where ``../shared`` is present, else over the seed.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest
from suite_support import CORPUS

from bench.bm25 import Scorer, bm25s_scorer, corpus_documents
from eval.questions import bundled_questions_path, load_questions
from qa.store.bm25_index import BM25Index, BM25Part

EXTRA = ("missile defense Lavrov", "Sakhalin pipeline Koz'mino", "the", "nuclear", "Tu-95 bomber airspace",
         "zzzz unknown words only", "Russia Russia Russia", "")


@pytest.fixture(scope="module")
def documents() -> list[str]:
    return corpus_documents(CORPUS / "cables")


@pytest.fixture(scope="module")
def index(documents: list[str]) -> BM25Index:
    return BM25Index.build(documents)


@pytest.fixture(scope="module")
def exhaustive(documents: list[str]) -> Scorer:
    return bm25s_scorer(documents)


@pytest.fixture(scope="module")
def questions(index: BM25Index) -> list[list[str]]:
    texts = [q.question for q in load_questions(bundled_questions_path())] + list(EXTRA)
    return [index.tokens(text) for text in texts]


def _exhaustive_top(scores: npt.NDArray[np.float32], depth: int) -> npt.NDArray[np.int64]:
    hits = np.flatnonzero(scores > 0)
    return hits[np.argsort(-scores[hits], kind="stable")][:depth].astype(np.int64)


def test_matches_hold_every_document_with_a_score_and_exactly_its_score(
        index: BM25Index, exhaustive: Scorer, questions: list[list[str]]) -> None:
    assert index.size > 1000 or not (CORPUS / "cables").is_dir()
    for terms in questions:
        every = exhaustive(terms)
        match = index.match(terms)
        assert np.array_equal(np.unique(match.docs), np.flatnonzero(every)), terms
        assert np.array_equal(match.totals, every), terms  # bit for bit, not approximately


@pytest.mark.parametrize("depth", [1, 10, 100, 1000])
def test_top_k_equals_the_exhaustive_ranking_with_ties_by_position(
        index: BM25Index, exhaustive: Scorer, questions: list[list[str]], depth: int) -> None:
    for terms in questions:
        every = exhaustive(terms)
        docs, scores = index.match(terms).top(depth)
        assert np.array_equal(docs, _exhaustive_top(every, depth)), terms
        assert np.array_equal(scores, every[docs])


def test_a_mask_applied_inside_equals_the_masked_exhaustive_scores(
        index: BM25Index, exhaustive: Scorer, questions: list[list[str]]) -> None:
    allowed = np.random.default_rng(7).random(index.size) < 0.3
    for terms in questions:
        every = np.where(allowed, exhaustive(terms), 0.0).astype(np.float32)
        match = index.match(terms).within(allowed)
        assert np.array_equal(np.unique(match.docs), np.flatnonzero(every))
        assert np.array_equal(match.top(50)[0], _exhaustive_top(every, 50))
        best, top = match.best()
        assert top == float(every.max()) and (best == int(np.argmax(every)) or top == 0.0)
        probe = np.arange(0, index.size, 97, dtype=np.int64)
        assert np.array_equal(match.scores_of(probe), every[probe])


def test_coverage_from_postings_equals_coverage_from_exhaustive_document_frequencies(
        index: BM25Index, exhaustive: Scorer, questions: list[list[str]]) -> None:
    for terms in questions[:40]:
        distinct = list(dict.fromkeys(terms))
        best, _ = index.match(terms).best()
        total = found = 0.0
        for term in distinct:
            scores = exhaustive([term])
            df = int(np.count_nonzero(scores))
            idf = float(np.log(1.0 + (index.size - df + 0.5) / (df + 0.5)))
            total += idf
            found += idf if best >= 0 and scores[best] > 0 else 0.0
        expected = found / total if total > 0 else 0.0
        assert index.coverage(terms, best) == pytest.approx(expected, abs=1e-12)


def test_segments_with_deleted_documents_score_as_one_index_of_the_live_documents_bit_for_bit(
        documents: list[str], questions: list[list[str]]) -> None:
    """Collection statistics (N, mean length, df) are summed over the live documents of every segment,
    so four segments with every fifth document deleted score as bm25s's index of what is left."""
    dead = np.zeros(len(documents), dtype=bool)
    dead[::5] = True
    live = [d for d, gone in zip(documents, dead, strict=True) if not gone]
    rows = np.where(dead, -1, np.cumsum(~dead) - 1).astype(np.int64)
    bounds = np.linspace(0, len(documents), 5).astype(int)
    segmented = BM25Index([BM25Part(BM25Index.postings_of(documents[a:b]), rows[a:b])
                           for a, b in itertools.pairwise(bounds)])
    reference = bm25s_scorer(live)
    assert segmented.size == len(live)
    for terms in questions:
        assert np.array_equal(segmented.match(terms).totals, reference(terms)), terms
        for term in terms[:3]:
            assert segmented.document_frequency(term) == int(np.count_nonzero(reference([term])))


def test_parts_whose_rows_interleave_rank_and_score_as_one_index(
        documents: list[str], exhaustive: Scorer, questions: list[list[str]]) -> None:
    """Cables are numbered by id across segments, so one segment's rows are scattered among the others':
    three parts dealt round-robin give the top and the scores of one index of all the documents."""
    order = np.arange(len(documents), dtype=np.int64)
    dealt = BM25Index([BM25Part(BM25Index.postings_of([documents[i] for i in order[start::3]]), order[start::3])
                       for start in range(3)])
    probe = np.arange(0, len(documents), 31, dtype=np.int64)
    for terms in questions:
        every = exhaustive(terms)
        match = dealt.match(terms)
        assert np.array_equal(match.totals, every), terms
        for depth in (1, 100):
            docs, scores = match.top(depth)
            assert np.array_equal(docs, _exhaustive_top(every, depth)), terms
            assert np.array_equal(scores, every[docs]), terms
        assert np.array_equal(match.scores_of(probe), every[probe]), terms
