"""Judgments of other cables' paragraphs for a question set, pooled from the rankings (TREC's pooling).

A question set is written from its own cables (the seed set from 08TOKYO1074), and its ``relevant``
lists are complete for those. Among distractors, another cable can answer a question too: 09MOSCOW1111
¶9 states what Lavrov said about the missile defense sites in Poland and the Czech Republic, which the
seed set calls unanswerable because the seed does not. Ranking that paragraph first is right, and an
eval that counts every other cable as wrong reports it as a miss.

The pool is the paragraphs of other cables that the modes ranked in their top few for each question
(``eval/questions/README.md`` says how deep, on which index, judged by which rules). Each was read and
judged once, relevant or not, with the reason (``eval/questions/seed-pooled.jsonl``):

    {"id": "q106", "citation": "09MOSCOW1111 ¶9", "relevant": true, "why": "..."}

:func:`judged_among` gives the questions as they stand among the cables an index holds: a judged-relevant
paragraph counts where its cable is held, so the seed alone scores as before. A paragraph nobody judged
counts as not relevant, as in TREC; :func:`judged_share` says how much of a ranking was judged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from eval.citations import parse_citation
from eval.metrics import QuestionResult
from eval.questions import EvalQuestion, bundled_questions_path, json_lines, json_record, load_questions
from qa.errors import InvalidQueryError

__all__ = ["PoolJudgment", "answered_elsewhere", "bundled_judgments_path", "home_cables", "judged_among",
           "judged_share", "load_judgments", "seed_questions_among"]

_KEYS = frozenset({"id", "citation", "relevant", "why"})


@dataclass(frozen=True, slots=True)
class PoolJudgment:
    """Whether one paragraph answers one question, and why (a sentence a reader can check)."""

    question_id: str
    citation: str
    relevant: bool
    why: str

    @property
    def cable_id(self) -> str:
        return parse_citation(self.citation)[0]


def bundled_judgments_path() -> Traversable:
    """The pooled judgments of the bundled seed set (``eval/questions/seed-pooled.jsonl``)."""
    return files("eval").joinpath("questions", "seed-pooled.jsonl")


def load_judgments(path: str | os.PathLike[str] | Traversable, questions: Sequence[EvalQuestion]) -> \
        tuple[PoolJudgment, ...]:
    """Read and check a JSON Lines judgment file against the questions it judges.

    A problem raises ``InvalidQueryError`` whose ``field`` is ``"<file>:<line>"``: bad JSON, a missing or
    unknown key, a value of the wrong type, a malformed citation, a question id the set does not have, a
    paragraph judged twice for one question, or a paragraph of a cable the set was written from (those
    are judged in the questions' own ``relevant`` lists).
    """
    source: Path | Traversable = Path(path) if isinstance(path, str | os.PathLike) else path
    ids = {q.id for q in questions}
    home = home_cables(questions)
    seen: dict[tuple[str, str], int] = {}
    judgments = []
    for number, where, line in json_lines(source, "judgment"):
        judgment = _parse_line(line, where)
        if judgment.question_id not in ids:
            raise InvalidQueryError(where, f"no question {judgment.question_id!r} in the question set")
        if judgment.cable_id in home:
            raise InvalidQueryError(where, f"{judgment.citation} is a paragraph of {judgment.cable_id}, which the "
                                           "questions were written from: judge it in their 'relevant' lists")
        key = (judgment.question_id, judgment.citation)
        if key in seen:
            raise InvalidQueryError(where, f"{judgment.citation} is judged twice for {judgment.question_id} "
                                           f"(first on line {seen[key]})")
        seen[key] = number
        judgments.append(judgment)
    return tuple(judgments)


def seed_questions_among(holds: Callable[[str], bool]) -> list[EvalQuestion]:
    """The bundled seed questions as judged among the cables ``holds`` says an index has."""
    written = load_questions(bundled_questions_path())
    return judged_among(written, load_judgments(bundled_judgments_path(), written), holds)


def home_cables(questions: Iterable[EvalQuestion]) -> frozenset[str]:
    """The cables a question set was written from: those its ``relevant`` lists cite, every paragraph of
    which was judged for every question when the set was written."""
    return frozenset(parse_citation(c)[0] for q in questions for c in q.relevant)


def judged_among(questions: Sequence[EvalQuestion], judgments: Iterable[PoolJudgment],
                 holds: Callable[[str], bool]) -> list[EvalQuestion]:
    """The questions as judged among the cables ``holds`` says an index has: each question's ``relevant``
    gains the judged-relevant paragraphs of held cables. An unanswerable question that a held cable
    answers becomes a factual one there (:func:`answered_elsewhere` names them for a report)."""
    extra: dict[str, list[str]] = {}
    for judgment in judgments:
        if judgment.relevant and holds(judgment.cable_id):
            extra.setdefault(judgment.question_id, []).append(judgment.citation)
    judged = []
    for question in questions:
        more = extra.get(question.id)
        if not more:
            judged.append(question)
            continue
        kind = "factual" if question.kind == "unanswerable" else question.kind
        judged.append(replace(question, relevant=(*question.relevant, *more), kind=kind))
    return judged


def answered_elsewhere(asked: Sequence[EvalQuestion], written: Sequence[EvalQuestion]) -> list[EvalQuestion]:
    """The questions written as unanswerable that are answerable as asked (see :func:`judged_among`)."""
    unanswerable = {q.id for q in written if q.kind == "unanswerable"}
    return [q for q in asked if q.id in unanswerable and q.answerable]


def judged_share(results: Sequence[QuestionResult], judgments: Iterable[PoolJudgment],
                 home: Collection[str], k: int = 10) -> float:
    """The share of the top ``k`` hits over ``results`` that someone judged: a paragraph of a home cable
    (judged when the questions were written) or one the pool judged for that question. NaN when no
    question returned a hit."""
    judged = {(j.question_id, j.citation) for j in judgments}
    hits = [(r.question_id, h.citation) for r in results for h in r.ranked[:k]]
    if not hits:
        return float("nan")
    known = sum(1 for qid, citation in hits
                if (qid, citation) in judged or parse_citation(citation)[0] in home)
    return known / len(hits)


def _parse_line(line: str, where: str) -> PoolJudgment:
    record = json_record(line, where, _KEYS)
    for key in ("id", "citation", "why"):
        if not isinstance(record[key], str) or not record[key].strip():
            raise InvalidQueryError(where, f"{key!r} must be a non-empty string")
    if not isinstance(record["relevant"], bool):
        raise InvalidQueryError(where, "'relevant' must be true or false")
    try:
        parse_citation(record["citation"])
    except InvalidQueryError as exc:
        raise InvalidQueryError(where, exc.message) from exc
    return PoolJudgment(record["id"], record["citation"], record["relevant"], record["why"])
