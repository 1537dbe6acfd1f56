"""Retrieval over the seed cable alone: every mode, each hit's metadata, highlights."""

from __future__ import annotations

import numpy as np
import pytest
from suite_support import LAVROV

from qa.ingest.sentences import sentence_spans
from qa.search.filters import Filters
from qa.search.ranking import Weights, rank
from qa.service import CableIndex


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_lavrov_missile_defense_question_ranks_paragraph_3_first_in_every_mode(seed_index: CableIndex,
                                                                                mode: str) -> None:
    answer = seed_index.ask(LAVROV, k=5, mode=mode)
    assert answer.hits[0].citation == "08TOKYO1074 ¶3"
    assert answer.mode == mode


def test_every_hit_carries_the_cables_metadata_and_its_own_marking(seed_index: CableIndex) -> None:
    hit = seed_index.ask(LAVROV, k=1).hits[0]
    assert (hit.cable_id, hit.paragraph, hit.marking) == ("08TOKYO1074", 3, "C")
    assert hit.section == "Missile Defense - No Concerns?"
    assert hit.origin == "AMEMBASSY TOKYO"
    assert hit.classification.value == "CONFIDENTIAL"
    assert hit.date is not None and hit.date.isoformat() == "2008-04-18T09:29:00+00:00"
    assert hit.subject is not None and hit.subject.startswith("RUSSIAN FM LAVROV SAYS AIM AND INTENT")


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_highlight_cuts_out_a_real_sentence_of_its_paragraph(seed_index: CableIndex, mode: str) -> None:
    for hit in seed_index.ask(LAVROV, k=5, mode=mode).hits:
        assert hit.text[hit.highlight.start:hit.highlight.end] == hit.highlight.text
        assert (hit.highlight.start, hit.highlight.end) in sentence_spans(hit.text)


def test_lavrov_highlight_is_his_answer_about_japans_missile_defense(seed_index: CableIndex) -> None:
    highlight = seed_index.ask(LAVROV, k=1).hits[0].highlight.text
    assert highlight.startswith("According to Otsuki, Lavrov responded that")


def test_hybrid_scores_each_candidate_by_its_best_window_whichever_side_found_it(seed_index: CableIndex) -> None:
    # Rows the vector search found take its scores; rows BM25 alone found read their windows. Both must be
    # the paragraph's best window cosine, as reading every candidate's windows gives.
    snapshot, depth = seed_index.snapshot, 2
    best_window = [(snapshot.window_starts <= w) & (w < snapshot.window_ends) for w in range(len(snapshot.dense))]
    keyword_only = 0
    for question in (LAVROV, "Tu-95 bomber intrusion", "Sakhalin oil", "the Northern Territories dispute"):
        query = seed_index.encoder.encode_queries([question])[0]
        ranked = rank(snapshot, query, snapshot.bm25.tokens(question), "hybrid", Filters(), Weights(candidates=depth))
        nearest = np.argsort(-(snapshot.window_vectors[np.arange(len(snapshot.dense))] @ query))[:depth * 2]
        searched = {int(np.flatnonzero(best_window[w])[0]) for w in nearest}  # the vector search's rows (flat)
        keyword_only += len(set(ranked.rows.tolist()) - searched)
        for row, dense in zip(ranked.rows.tolist(), ranked.dense.tolist(), strict=True):
            windows = snapshot.window_vectors[int(snapshot.window_starts[row]):int(snapshot.window_ends[row])]
            assert dense == pytest.approx(float((windows @ query).max()), abs=1e-5)
    assert keyword_only  # some candidate came from BM25 alone
