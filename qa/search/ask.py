"""Answer checked queries against one snapshot: rank, cite, highlight, and decide ``answered``.

A batch is encoded together and read from one snapshot, so every answer sees the same index.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor

import numpy as np
import numpy.typing as npt

from embeddings.encoder import Encoder
from qa.cables.classification import Classification
from qa.errors import translate_embedding_errors
from qa.search.abstain import Abstention, Evidence, abstention
from qa.search.answer import Answer, Hit
from qa.search.ceiling import allows, visible_rows
from qa.search.filters import Filters
from qa.search.highlight import best_sentence
from qa.search.query import Query
from qa.search.ranking import Ranked, Weights, keywords_later, rank
from qa.store.snapshot import Snapshot
from qa.store.stacked_rows import will_need

__all__ = ["BEST_HITS", "abstention_of", "answer_queries", "evidence_of", "hits_of"]

FloatArray = npt.NDArray[np.float32]

# A best score below zero means the question points away from every paragraph: no answer.
_MIN_TOP_SCORE = 0.0
# The best paragraphs are the best cable's among this many top hits (where "how many" looks for an amount);
# chosen on the even half of the eval questions (eval/abstention_split.py).
BEST_HITS = 5


def answer_queries(snapshot: Snapshot, encoder: Encoder, queries: Sequence[Query], filters: Filters,
                   weights: Weights, executor: Executor | None = None) -> list[Answer]:
    """One answer per query, in order; the dense modes' question vectors are encoded in one call.
    ``executor`` spreads each question's search over its threads (:func:`~qa.search.ranking.rank`), and
    hybrid questions' BM25 starts on it before the encoding, which it does not need."""
    tokens_of = [snapshot.bm25.tokens(q.text) for q in queries]
    keywords = [keywords_later(snapshot, tokens, filters, executor) if q.mode == "hybrid" and executor else None
                for q, tokens in zip(queries, tokens_of, strict=True)]
    dense = [q.text for q in queries if q.mode != "bm25"]
    with translate_embedding_errors():
        encoded = encoder.encode_queries(dense) if dense else np.zeros((0, snapshot.manifest.dimension), np.float32)
    vectors = iter(encoded)
    no_vector = np.zeros(snapshot.manifest.dimension, dtype=np.float32)
    answers = []
    for query, tokens, started in zip(queries, tokens_of, keywords, strict=True):
        vector = next(vectors) if query.mode != "bm25" else no_vector
        with translate_embedding_errors():
            ranked = rank(snapshot, vector, tokens, query.mode, filters, weights, executor, started)
        hits = hits_of(snapshot, ranked.rows[:query.k], ranked.scores[:query.k], vector, set(tokens))
        answered = (bool(hits) and float(ranked.scores[0]) >= _MIN_TOP_SCORE
                    and abstention_of(snapshot, query.text, ranked, filters.max_classification) is None)
        answers.append(Answer(question=query.text, mode=query.mode, answered=answered, hits=hits))
    return answers


def hits_of(snapshot: Snapshot, rows: npt.NDArray[np.int64], scores: FloatArray, vector: FloatArray,
            tokens: set[str]) -> tuple[Hit, ...]:
    """Ranked rows as hits, best first: citation, text, highlight and the cable's header fields."""
    hits = []
    shown = rows.tolist()
    if vector.any():  # the highlights read these rows' sentence vectors: from disk, all at once
        will_need(snapshot.sentence_vectors, snapshot.sentence_starts[rows], snapshot.sentence_ends[rows])
    texts, markings, sections = (snapshot.texts.many(shown), snapshot.markings.many(shown),
                                 snapshot.sections.many(shown))
    for i, (row, score) in enumerate(zip(shown, scores.tolist(), strict=True)):
        cable = snapshot.cables[int(snapshot.para_cable[row])]
        hits.append(Hit(
            rank=i + 1,
            cable_id=cable.id,
            paragraph=int(snapshot.numbers[row]),
            occurrence=int(snapshot.occurrences[row]),
            score=float(score),
            text=texts[i],
            highlight=best_sentence(snapshot, row, texts[i], vector, tokens),
            classification=cable.classification,
            marking=markings[i],
            section=sections[i],
            subject=cable.subject,
            date=cable.datetime,
            origin=cable.origin,
        ))
    return tuple(hits)


def abstention_of(snapshot: Snapshot, question: str, ranked: Ranked,
                  ceiling: Classification | None) -> Abstention | None:
    """Why the best hit's cable cannot answer ``question`` (:func:`qa.search.abstain.abstention`), or None."""
    if len(ranked.rows) == 0:
        return None
    return abstention(question, evidence_of(snapshot, ranked.rows, ceiling))


def evidence_of(snapshot: Snapshot, rows: npt.ArrayLike, ceiling: Classification | None,
                best_hits: int = BEST_HITS) -> Evidence:
    """What abstention may read of the cable of ``rows[0]`` (rows best first, at least one).

    Only what the reader may read counts: the paragraphs at or under ``ceiling`` and the subject of a cable
    not classified above it. Reading hidden text here would let ``answered`` confirm words of it. The best
    paragraphs are those of them among the first ``best_hits`` rows.
    """
    ranked_rows = [int(r) for r in np.asarray(rows, dtype=np.int64).tolist()]
    position = int(snapshot.para_cable[ranked_rows[0]])
    cable = snapshot.cables[position]
    visible = visible_rows(snapshot, snapshot.cable_paragraph_rows(cable.id), ceiling)
    subject = cable.subject if allows(ceiling, cable.classification) else None
    context = [subject or "", cable.origin or "", *snapshot.texts.many(visible.tolist())]
    if cable.datetime is not None:
        context.append(cable.datetime.strftime("%Y %B"))
    shown = set(visible.tolist())
    best = snapshot.texts.many([r for r in ranked_rows[:best_hits] if r in shown])
    return Evidence(cable_texts=context, best_texts=best, written=cable.day)
