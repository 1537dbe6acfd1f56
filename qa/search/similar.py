"""Paragraphs like this one: a paragraph of the index used as the question.

The query is the paragraph itself, as the index already holds it: the mean of its own window
vectors (renormalised) is the dense query, its text's BM25 tokens the lexical one, and
:func:`qa.search.ranking.rank` scores every allowed paragraph exactly as it scores them for a question,
filters and classification ceiling included. The paragraph's own cable is left out unless asked
for; the paragraph itself always is. A paragraph above the reader's ceiling cannot be used as a
query (403), as it cannot be read.
"""

from __future__ import annotations

import re
from concurrent.futures import Executor
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from qa.cables.records import parse_paragraph_label
from qa.errors import ForbiddenError, InvalidQueryError, UnknownCableError, UnknownParagraphError
from qa.search.answer import Answer, citation
from qa.search.ask import hits_of
from qa.search.filters import Filters
from qa.search.query import check_k, check_mode
from qa.search.ranking import Weights, rank
from qa.store.snapshot import Snapshot

__all__ = ["parse_paragraph_citation", "similar_paragraphs"]

# "08TOKYO1074 ¶9", "08TOKYO1074 9", "08TOKYO1074#9", "08tokyo1074 p9", "08TOKYO1074 ¶6 (2nd)"
_CITATION = re.compile(r"^\s*(?P<cable>[0-9A-Za-z]{4,64})\s*(?:¶|#|\s[pP]?|[pP](?=\d))\s*(?P<label>\d{1,4}.*?)\s*$")


def parse_paragraph_citation(text: str) -> tuple[str, int, int]:
    """``"08TOKYO1074 ¶9"`` -> (``08TOKYO1074``, 9, 1); ``"... ¶6 (2nd)"`` -> (..., 6, 2); anything else is
    an :class:`InvalidQueryError`."""
    match = _CITATION.match(text)
    label = parse_paragraph_label(match.group("label")) if match else None
    if match is None or label is None:
        raise InvalidQueryError("paragraph", f"{text!r} is not a paragraph citation; write it like '08TOKYO1074 ¶9' "
                                             "(or '08TOKYO1074 ¶6 (2nd)' for a number the cable repeats)")
    return match.group("cable").upper(), label[0], label[1]


def _source_row(snapshot: Snapshot, cable_id: str, number: int, occurrence: int) -> int:
    rows = snapshot.cable_paragraph_rows(cable_id)
    if len(rows) == 0 and cable_id not in snapshot.cable_rows:
        raise UnknownCableError(cable_id)
    matching = rows[(snapshot.numbers[rows] == number) & (snapshot.occurrences[rows] == occurrence)]
    if len(matching) == 0:
        raise UnknownParagraphError(cable_id, number, occurrence)
    return int(matching[0])


def _query_vector(snapshot: Snapshot, row: int) -> npt.NDArray[np.float32]:
    start, end = int(snapshot.window_starts[row]), int(snapshot.window_ends[row])
    if end <= start:
        return np.zeros(snapshot.manifest.dimension, dtype=np.float32)
    mean = snapshot.window_vectors[start:end].mean(axis=0)
    norm = float(np.linalg.norm(mean))
    out: npt.NDArray[np.float32] = (mean / norm if norm > 0 else mean).astype(np.float32)
    return out


def similar_paragraphs(snapshot: Snapshot, cable_id: str, number: int, k: int = 5, mode: str = "hybrid",
                       filters: Filters = Filters(), include_own_cable: bool = False,
                       weights: Weights = Weights(), occurrence: int = 1, executor: Executor | None = None) -> Answer:
    """The ``k`` paragraphs nearest to ``cable_id ¶number`` (its ``occurrence``-th paragraph printed under that
    number), as an :class:`Answer` whose question is the citation. With an ``executor`` the segments' vector
    searches run on it, as a question's do (:func:`~qa.search.ranking.rank`).

    ``answered`` is True when there is at least one hit: there is no threshold to abstain by,
    the reader asked for neighbours, not for an answer.
    """
    check_k(k)
    check_mode(mode)
    row = _source_row(snapshot, cable_id, number, occurrence)
    source = snapshot.cables[int(snapshot.para_cable[row])]
    ceiling = filters.max_classification
    if ceiling is not None and int(snapshot.levels[row]) > ceiling.rank:
        raise ForbiddenError(f"paragraph {number} of {cable_id} is above this request's ceiling {ceiling.value}")
    query = _query_vector(snapshot, row)
    tokens = snapshot.bm25.tokens(snapshot.texts[row])
    own = snapshot.cable_paragraph_rows(source.id)
    # Rank enough candidates that k remain once the own cable's paragraphs are dropped.
    ranked = rank(snapshot, query, tokens, mode, filters,
                  replace(weights, candidates=max(weights.candidates, k + len(own))), executor)
    dropped = own if not include_own_cable else np.array([row], dtype=np.int64)
    keep = ~np.isin(ranked.rows, dropped)
    rows, scores = ranked.rows[keep][:k], ranked.scores[keep][:k]
    hits = hits_of(snapshot, rows, scores, query, set(tokens))
    answer = Answer(question=citation(source.id, number, occurrence), mode=mode, answered=bool(hits), hits=tuple(hits))
    return answer.seen_under(ceiling)
