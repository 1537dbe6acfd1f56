"""Pooled judgments of other cables' paragraphs: the bundled file, the questions as an index holds them,
the refusals of a bad line, the judged share, and ``cableqa eval`` on a real index with a cable that answers."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from suite_support import REPO, cli, corpus_cable_path

from eval.citations import parse_cited_paragraph
from eval.metrics import QuestionResult, RankedCitation
from eval.pooled import (
    answered_elsewhere,
    bundled_judgments_path,
    home_cables,
    judged_among,
    judged_share,
    load_judgments,
)
from eval.questions import EvalQuestion, bundled_questions_path, load_questions
from qa.cables.corpus import read_cable_file
from qa.errors import InvalidQueryError
from qa.service import CableIndex

MOSCOW = "09MOSCOW1111"  # Lavrov to Codel Levin, April 2009: ¶9 on the sites in Poland and the Czech Republic
ANSWERS_Q106 = (f"{MOSCOW} ¶9", f"{MOSCOW} ¶1", f"{MOSCOW} ¶11", f"{MOSCOW} ¶10")


@pytest.fixture(scope="module")
def written() -> list[EvalQuestion]:
    return load_questions(bundled_questions_path())


def test_the_bundled_pool_judges_other_cables_for_the_seed_questions(written: list[EvalQuestion]) -> None:
    pool = load_judgments(bundled_judgments_path(), written)
    assert len(pool) >= 2659  # the top 10 of every mode and model on the corpus index
    assert home_cables(written) == {"08TOKYO1074"}
    relevant = {(j.question_id, j.citation) for j in pool if j.relevant}
    assert {("q106", c) for c in ANSWERS_Q106} <= relevant
    assert ("q106", f"{MOSCOW} ¶19") not in relevant  # Ryabkov's words, not Lavrov's
    assert all(j.why.strip() for j in pool)


def test_every_pooled_citation_names_a_paragraph_its_cable_has(written: list[EvalQuestion]) -> None:
    held: dict[str, set[tuple[int, int]]] = {}
    for judgment in load_judgments(bundled_judgments_path(), written):
        cable_id, number, occurrence = parse_cited_paragraph(judgment.citation)
        if cable_id not in held:
            cable = read_cable_file(corpus_cable_path(cable_id))
            held[cable_id] = {(p.number, p.occurrence) for p in cable.paragraphs}
        assert (number, occurrence) in held[cable_id], judgment.citation


def test_the_seed_alone_scores_the_questions_as_written(written: list[EvalQuestion]) -> None:
    pool = load_judgments(bundled_judgments_path(), written)
    assert judged_among(written, pool, {"08TOKYO1074"}.__contains__) == written


def test_a_held_cable_that_answers_turns_an_unanswerable_question_factual(written: list[EvalQuestion]) -> None:
    pool = load_judgments(bundled_judgments_path(), written)
    asked = judged_among(written, pool, {"08TOKYO1074", MOSCOW}.__contains__)
    by_id = {q.id: q for q in asked}
    assert by_id["q106"].kind == "factual"
    assert set(by_id["q106"].relevant) == set(ANSWERS_Q106)
    assert [q.id for q in answered_elsewhere(asked, written)] == ["q106"]
    # Borodavkin's other cables are not held, so the entity question keeps its seed paragraph alone
    assert by_id["q073"].relevant == ("08TOKYO1074 ¶7",)
    assert [q.id for q in asked] == [q.id for q in written]


@pytest.mark.parametrize(("line", "says"), [
    ('{"id": "q106", "citation": "09MOSCOW1111 ¶9", "relevant": "yes", "why": "x"}', "'relevant' must be true"),
    ('{"id": "q999", "citation": "09MOSCOW1111 ¶9", "relevant": true, "why": "x"}', "no question 'q999'"),
    ('{"id": "q106", "citation": "08TOKYO1074 ¶3", "relevant": false, "why": "x"}', "written from"),
    ('{"id": "q106", "citation": "09MOSCOW1111 9", "relevant": true, "why": "x"}', "malformed citation"),
    ('{"id": "q106", "citation": "09MOSCOW1111 ¶9", "relevant": true}', "missing key 'why'"),
    ('{"id": "q106", "citation": "09MOSCOW1111 ¶9", "relevant": true, "why": " "}', "'why' must be"),
    ('{"id": "q106", "citation": "09MOSCOW1111 ¶9", "relevant": true, "why": "x", "grade": 2}', "unknown key"),
    ('["q106"]', "expected a JSON object"),
    ('{"id": "q106",', "bad JSON"),
])
def test_a_bad_judgment_line_is_refused_naming_its_line(written: list[EvalQuestion], tmp_path: Path,
                                                        line: str, says: str) -> None:
    path = tmp_path / "pool.jsonl"
    good = '{"id": "q001", "citation": "09MOSCOW1111 ¶10", "relevant": false, "why": "another meeting"}'
    path.write_text(f"{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(InvalidQueryError) as refused:
        load_judgments(path, written)
    assert refused.value.field == f"{path}:2"
    assert says in refused.value.message


def test_a_paragraph_judged_twice_for_one_question_is_refused(written: list[EvalQuestion], tmp_path: Path) -> None:
    line = '{"id": "q106", "citation": "09MOSCOW1111 ¶9", "relevant": true, "why": "Lavrov on the third site"}'
    path = tmp_path / "pool.jsonl"
    path.write_text(f"{line}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(InvalidQueryError, match="judged twice for q106 \\(first on line 1\\)"):
        load_judgments(path, written)


def test_the_judged_share_counts_home_paragraphs_and_judged_pairs(written: list[EvalQuestion]) -> None:
    pool = load_judgments(bundled_judgments_path(), written)
    hits = (RankedCitation("08TOKYO1074 ¶3", 0.9), RankedCitation(f"{MOSCOW} ¶9", 0.8),
            RankedCitation("10PARIS174 ¶99", 0.7), RankedCitation(f"{MOSCOW} ¶19", 0.6))
    result = QuestionResult("q106", (), hits, answered=True, latency_ms=1.0, kind="unanswerable")
    assert judged_share([result], pool, {"08TOKYO1074"}, k=10) == 0.75  # all but the unjudged ¶99
    assert judged_share([result], pool, {"08TOKYO1074"}, k=1) == 1.0
    assert judged_share([], pool, {"08TOKYO1074"}) != judged_share([], pool, {"08TOKYO1074"})  # NaN


def test_cableqa_eval_scores_a_question_another_held_cable_answers(
        seed_copy: Callable[[], Path], encoder: object) -> None:
    root = seed_copy()
    index = CableIndex.open(root, encoder)  # type: ignore[arg-type]
    index.ingest([read_cable_file(corpus_cable_path(MOSCOW))])
    index.wait_for_merges()
    done = subprocess.run(cli("eval", "--index", str(root), "--mode", "bm25", "--json"), cwd=REPO,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["answered_elsewhere"]["q106"]) == set(ANSWERS_Q106)
    assert 0.0 < report["judged@10"]["bm25"] <= 1.0
    plain = subprocess.run(cli("eval", "--index", str(root), "--mode", "bm25"), cwd=REPO,
                           capture_output=True, text=True, timeout=600, check=False)
    assert "q106 is unanswerable from the cables it was written from, answered here by" in plain.stdout
