"""Loading question files: every malformed line is a named InvalidQueryError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.questions import EvalQuestion, bundled_questions_path, load_questions, to_qrels
from qa.errors import CableqaError, InvalidQueryError

GOOD: dict[str, Any] = {
    "id": "q001",
    "question": "What did Lavrov say about Japan's missile defense?",
    "relevant": ["08TOKYO1074 ¶3", "08TOKYO1074 ¶1"],
    "kind": "factual",
}
UNANSWERABLE: dict[str, Any] = {
    "id": "q002",
    "question": "What did Lavrov say about Iran?",
    "relevant": [],
    "kind": "unanswerable",
}


def write_lines(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def line_with(**changes: object) -> str:
    return json.dumps({**GOOD, "id": "q009", **changes}, ensure_ascii=False)


def load_error(tmp_path: Path, bad_line: str) -> InvalidQueryError:
    """Load a file whose third line is ``bad_line`` and return the error it raises."""
    path = write_lines(tmp_path, json.dumps(GOOD), json.dumps(UNANSWERABLE), bad_line)
    with pytest.raises(InvalidQueryError) as caught:
        load_questions(path)
    assert caught.value.field == f"{path}:3"
    return caught.value


def test_good_file_loads_in_order_with_citations_as_tuples(tmp_path: Path) -> None:
    path = write_lines(tmp_path, json.dumps(GOOD), "", json.dumps(UNANSWERABLE))
    questions = load_questions(str(path))
    assert questions == [
        EvalQuestion("q001", GOOD["question"], ("08TOKYO1074 ¶3", "08TOKYO1074 ¶1"), "factual"),
        EvalQuestion("q002", UNANSWERABLE["question"], (), "unanswerable"),
    ]
    assert [q.answerable for q in questions] == [True, False]


def test_qrels_hold_answerable_questions_only_with_grade_one(tmp_path: Path) -> None:
    questions = load_questions(write_lines(tmp_path, json.dumps(GOOD), json.dumps(UNANSWERABLE)))
    assert to_qrels(questions) == {"q001": {"08TOKYO1074 ¶3": 1, "08TOKYO1074 ¶1": 1}}


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    error = load_error(tmp_path, '{"id": "q009", "question": ')
    assert "bad JSON" in error.reason
    assert str(tmp_path / "questions.jsonl") + ":3" in str(error)


def test_line_that_is_not_an_object_is_rejected(tmp_path: Path) -> None:
    assert "expected a JSON object" in load_error(tmp_path, '["q009"]').reason


def test_missing_key_is_named(tmp_path: Path) -> None:
    line = json.dumps({k: v for k, v in GOOD.items() if k != "kind"} | {"id": "q009"})
    assert load_error(tmp_path, line).reason == "missing key 'kind'"


def test_misspelt_key_reports_the_key_it_lacks(tmp_path: Path) -> None:
    record = {k: v for k, v in GOOD.items() if k != "relevant"}
    line = json.dumps(record | {"id": "q009", "relevent": []})
    assert load_error(tmp_path, line).reason == "missing key 'relevant'"


def test_extra_key_is_named_as_unknown(tmp_path: Path) -> None:
    line = json.dumps(GOOD | {"id": "q009", "notes": "x"})
    assert load_error(tmp_path, line).reason == "unknown key 'notes'"


def test_unknown_kind_is_rejected_with_the_allowed_kinds(tmp_path: Path) -> None:
    reason = load_error(tmp_path, line_with(kind="trivia")).reason
    assert "unknown kind 'trivia'" in reason
    assert "paraphrased" in reason


@pytest.mark.parametrize(
    "citation",
    ["08TOKYO1074 3", "08TOKYO1074¶3", "08TOKYO1074 ¶03", "08tokyo1074 ¶3", "¶3", "08TOKYO1074#3"],
)
def test_malformed_citation_is_rejected(tmp_path: Path, citation: str) -> None:
    reason = load_error(tmp_path, line_with(relevant=[citation])).reason
    assert f"malformed citation {citation!r}" in reason


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    reason = load_error(tmp_path, line_with(id="q001")).reason
    assert reason == "duplicate id 'q001' (first used on line 1)"


def test_wrong_value_types_are_rejected(tmp_path: Path) -> None:
    assert load_error(tmp_path, line_with(id=9)).reason == "'id' must be a string"
    reason = load_error(tmp_path, line_with(relevant="08TOKYO1074 ¶3")).reason
    assert "'relevant' must be a list" in reason
    assert "non-empty" in load_error(tmp_path, line_with(question="  ")).reason


def test_labels_must_agree_with_kind(tmp_path: Path) -> None:
    unanswerable_with_answer = line_with(kind="unanswerable")
    assert "lists no relevant" in load_error(tmp_path, unanswerable_with_answer).reason
    answerable_without = line_with(relevant=[])
    assert "at least one relevant" in load_error(tmp_path, answerable_without).reason
    multi_with_one = line_with(kind="multi", relevant=["08TOKYO1074 ¶3"])
    assert "at least two" in load_error(tmp_path, multi_with_one).reason
    twice = line_with(relevant=["08TOKYO1074 ¶3", "08TOKYO1074 ¶3"])
    assert "listed twice" in load_error(tmp_path, twice).reason


def test_empty_or_missing_file_is_a_cableqa_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidQueryError, match="no questions"):
        load_questions(write_lines(tmp_path, ""))
    with pytest.raises(CableqaError, match="cannot read"):
        load_questions(tmp_path / "absent.jsonl")


def test_bundled_path_is_package_data_that_loads() -> None:
    path = bundled_questions_path()
    assert path.name == "seed.jsonl"
    assert len(load_questions(path)) >= 80
