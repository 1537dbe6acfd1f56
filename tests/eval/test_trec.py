"""TREC qrels and runs: docnos without spaces, and a write/read round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.metrics import evaluate
from eval.trec import (
    format_qrels,
    format_run,
    from_docno,
    parse_qrels,
    parse_run,
    read_qrels,
    read_run,
    to_docno,
    write_qrels,
    write_run,
)
from qa.errors import InvalidQueryError

P1, P3, P4, P9 = "08TOKYO1074 ¶1", "08TOKYO1074 ¶3", "08TOKYO1074 ¶4", "08TOKYO1074 ¶9"
QRELS = {"q002": {P3: 1, P1: 1}, "q016": {P4: 1, P1: 1}, "q036": {P9: 2, P1: 0}}
RUN = {
    "q002": {P3: 0.8125, P1: 0.1 + 0.2, P4: -1.5},
    "q016": {P1: 0.5, P4: 0.5},
    "q092": {P9: 1e-12},
}


def test_citation_becomes_a_docno_without_spaces_and_back() -> None:
    assert to_docno(P3) == "08TOKYO1074#3"
    assert from_docno("08TOKYO1074#3") == P3
    with pytest.raises(InvalidQueryError):
        to_docno("08TOKYO1074 3")
    with pytest.raises(InvalidQueryError, match="malformed docno"):
        from_docno("08TOKYO1074 ¶3")


def test_qrels_lines_are_qid_zero_docno_rel() -> None:
    assert format_qrels({"q002": {P3: 1, P1: 1}}) == (
        "q002 0 08TOKYO1074#3 1\nq002 0 08TOKYO1074#1 1\n"
    )


def test_run_lines_are_ranked_by_score_with_ties_by_citation() -> None:
    assert format_run({"q016": {P4: 0.5, P1: 0.5, P9: 0.75}}, tag="bm25") == (
        "q016 Q0 08TOKYO1074#9 1 0.75 bm25\n"
        "q016 Q0 08TOKYO1074#1 2 0.5 bm25\n"
        "q016 Q0 08TOKYO1074#4 3 0.5 bm25\n"
    )


def test_qrels_round_trip_through_a_file(tmp_path: Path) -> None:
    path = tmp_path / "seed.qrels"
    write_qrels(QRELS, path)
    assert read_qrels(path) == QRELS


def test_run_round_trip_keeps_scores_exactly(tmp_path: Path) -> None:
    path = tmp_path / "seed.run"
    write_run(RUN, path, tag="dense")
    assert read_run(path) == RUN
    assert all(line.endswith(" dense") for line in path.read_text().splitlines())


def test_empty_query_disappears_but_metrics_do_not_change(tmp_path: Path) -> None:
    run = {"q002": {P3: 0.9}, "q016": {}}
    qrels = {"q002": {P3: 1}, "q016": {P4: 1}}
    write_run(run, tmp_path / "r.run")
    back = read_run(tmp_path / "r.run")
    assert back == {"q002": {P3: 0.9}}
    assert evaluate(qrels, back, "mrr@10") == evaluate(qrels, run, "mrr@10") == {"mrr@10": 0.5}


def test_malformed_lines_name_source_and_line() -> None:
    with pytest.raises(InvalidQueryError) as caught:
        parse_qrels("q1 0 08TOKYO1074#3 1\nq1 0 08TOKYO1074#4\n", source="x.qrels")
    assert caught.value.field == "x.qrels:2"
    with pytest.raises(InvalidQueryError, match="not an integer"):
        parse_qrels("q1 0 08TOKYO1074#3 yes\n")
    with pytest.raises(InvalidQueryError, match="listed twice"):
        parse_run("q1 Q0 08TOKYO1074#3 1 0.5 t\nq1 Q0 08TOKYO1074#3 2 0.4 t\n")
    with pytest.raises(InvalidQueryError, match="malformed docno"):
        parse_run("q1 Q0 08TOKYO1074_3 1 0.5 t\n")
    with pytest.raises(InvalidQueryError, match="bad rank or score"):
        parse_run("q1 Q0 08TOKYO1074#3 one 0.5 t\n")


def test_whitespace_in_query_id_or_tag_cannot_be_written() -> None:
    with pytest.raises(InvalidQueryError, match="whitespace"):
        format_run({"q 1": {P3: 1.0}})
    with pytest.raises(InvalidQueryError, match="whitespace"):
        format_run({"q1": {P3: 1.0}}, tag="my run")
    with pytest.raises(InvalidQueryError, match="whitespace"):
        format_qrels({"": {P3: 1}})


def test_a_repeated_number_round_trips_through_its_docno() -> None:
    assert to_docno("06CARACAS958 ¶6 (2nd)") == "06CARACAS958#6.2"
    assert from_docno("06CARACAS958#6.2") == "06CARACAS958 ¶6 (2nd)"
    assert from_docno(to_docno("06CARACAS958 ¶6")) == "06CARACAS958 ¶6"
    with pytest.raises(InvalidQueryError):
        from_docno("06CARACAS958#6.1")  # the first occurrence has no suffix: one docno per paragraph
