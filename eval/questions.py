"""Evaluation questions: the record, the JSONL loader that checks every line, and qrels.

A question file holds one JSON object a line::

    {"id": "q001", "question": "...", "relevant": ["08TOKYO1074 ¶3"], "kind": "factual"}

``relevant`` lists every paragraph that states the answer; it is empty exactly when the
kind is ``unanswerable``. The bundled seed set (``eval/questions/seed.jsonl``) is written
from the seed cable 08TOKYO1074; ``eval/questions/README.md`` gives the judging rules.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from eval.citations import parse_citation
from qa.errors import InvalidQueryError

__all__ = [
    "KINDS",
    "EvalQuestion",
    "bundled_questions_path",
    "check_labels",
    "json_lines",
    "json_record",
    "load_questions",
    "to_qrels",
]

#: What each kind tests; ``unanswerable`` questions are on topic but not answered by the corpus.
KINDS: tuple[str, ...] = ("factual", "paraphrased", "keyword", "entity", "multi", "unanswerable")

_KEYS = frozenset({"id", "question", "relevant", "kind"})


def check_labels(kind: str, relevant: tuple[str, ...]) -> None:
    """Check that a kind and its relevant citations agree; ``InvalidQueryError`` if not.

    The kind must be one of ``KINDS``; every citation well formed and listed once; an
    ``unanswerable`` question has no relevant paragraph, every other kind at least one,
    and a ``multi`` question at least two.
    """
    if kind not in KINDS:
        expected = ", ".join(KINDS)
        raise InvalidQueryError("kind", f"unknown kind {kind!r}; expected one of {expected}")
    for cited in relevant:
        parse_citation(cited)
    if len(set(relevant)) != len(relevant):
        raise InvalidQueryError("relevant", "a citation is listed twice")
    if kind == "unanswerable" and relevant:
        raise InvalidQueryError("relevant", "an unanswerable question lists no relevant paragraph")
    if kind != "unanswerable" and not relevant:
        raise InvalidQueryError(
            "relevant", f"a {kind!r} question needs at least one relevant paragraph"
        )
    if kind == "multi" and len(relevant) < 2:
        raise InvalidQueryError("relevant", "a 'multi' question spans at least two paragraphs")


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """One judged question; construction checks the labels (see ``check_labels``)."""

    id: str
    question: str
    relevant: tuple[str, ...]
    kind: str

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise InvalidQueryError("id", "must be a non-empty string")
        if not self.question.strip():
            raise InvalidQueryError("question", "must be a non-empty string")
        check_labels(self.kind, self.relevant)

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)


def bundled_questions_path() -> Traversable:
    """The seed question set shipped as package data (``eval/questions/seed.jsonl``)."""
    return files("eval").joinpath("questions", "seed.jsonl")


def load_questions(path: str | os.PathLike[str] | Traversable) -> list[EvalQuestion]:
    """Read and check a JSONL question file, in file order. Blank lines are skipped.

    Every problem raises ``InvalidQueryError`` whose ``field`` is ``"<file>:<line>"`` and
    whose reason says what is wrong: bad JSON, a line that is not an object, a missing or
    unknown key, a value of the wrong type, an unknown kind, a malformed citation, labels
    that disagree with the kind, or an id already used on an earlier line.
    """
    source: Path | Traversable = Path(path) if isinstance(path, str | os.PathLike) else path
    questions: list[EvalQuestion] = []
    first_line: dict[str, int] = {}
    for number, where, line in json_lines(source, "question"):
        question = _parse_line(line, where)
        if question.id in first_line:
            first = first_line[question.id]
            raise InvalidQueryError(
                where, f"duplicate id {question.id!r} (first used on line {first})"
            )
        first_line[question.id] = number
        questions.append(question)
    if not questions:
        raise InvalidQueryError(str(source), "no questions in file")
    return questions


def to_qrels(questions: Iterable[EvalQuestion]) -> dict[str, dict[str, int]]:
    """Qrels ``{question id: {citation: 1}}`` for the answerable questions only.

    Unanswerable questions have nothing to rank against and are left out; the abstention
    metrics judge them instead.
    """
    return {q.id: dict.fromkeys(q.relevant, 1) for q in questions if q.answerable}


def json_lines(source: Path | Traversable, what: str) -> Iterator[tuple[int, str, str]]:
    """The non-blank lines of a JSON Lines file as (line number, ``"<file>:<line>"``, text); a file that
    cannot be read is ``InvalidQueryError`` naming it and ``what`` it holds."""
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidQueryError(str(source), f"cannot read {what} file: {exc}") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, f"{source}:{number}", line


def json_record(line: str, where: str, keys: frozenset[str]) -> dict[str, Any]:
    """One JSON Lines line as an object with exactly ``keys``; ``InvalidQueryError`` naming ``where`` for
    bad JSON, a line that is not an object, or a missing or unknown key."""
    try:
        record: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidQueryError(where, f"bad JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise InvalidQueryError(where, "expected a JSON object")
    if missing := sorted(keys - record.keys()):
        raise InvalidQueryError(where, f"missing key {missing[0]!r}")
    if unknown := sorted(record.keys() - keys):
        raise InvalidQueryError(where, f"unknown key {unknown[0]!r}")
    return record


def _parse_line(line: str, where: str) -> EvalQuestion:
    record = json_record(line, where, _KEYS)
    for key in ("id", "question", "kind"):
        if not isinstance(record[key], str):
            raise InvalidQueryError(where, f"{key!r} must be a string")
    relevant = record["relevant"]
    if not isinstance(relevant, list) or not all(isinstance(c, str) for c in relevant):
        raise InvalidQueryError(where, "'relevant' must be a list of citation strings")
    try:
        return EvalQuestion(
            id=record["id"],
            question=record["question"],
            relevant=tuple(relevant),
            kind=record["kind"],
        )
    except InvalidQueryError as exc:
        raise InvalidQueryError(where, exc.message) from exc
