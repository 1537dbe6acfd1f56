"""Qrels and runs in TREC format, for trec_eval, ranx and other IR tools.

    qrels:  qid 0 docno rel                 one judged document a line
    run:    qid Q0 docno rank score tag     one retrieved document a line

TREC files are split on whitespace, so a docno cannot contain a space, and our citations
(``08TOKYO1074 ¶3``) do. The docno is therefore the citation with its space and pilcrow
replaced by ``#``: ``08TOKYO1074#3``. Reading converts it back, so a round trip returns
the same dicts. Query ids and the run tag must not contain whitespace either.

A query with no documents has no line and is absent when read back; ``eval.metrics``
scores a missing query like an empty one, so the metrics do not change. Runs are written
in ``rank_by_score`` order with ranks from 1, and scores as ``repr`` (read back exactly);
on reading, ranks are ignored and scores order the documents, as trec_eval does.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from eval.citations import parse_cited_paragraph
from eval.ranking import rank_by_score
from qa.errors import InvalidQueryError
from qa.search.answer import citation

__all__ = [
    "format_qrels",
    "format_run",
    "from_docno",
    "parse_qrels",
    "parse_run",
    "read_qrels",
    "read_run",
    "to_docno",
    "write_qrels",
    "write_run",
]

_DOCNO = re.compile(r"(?P<cable>[0-9]{2,4}[A-Z][A-Z0-9]*)#(?P<number>0|[1-9][0-9]*)"
                    r"(?:\.(?P<occurrence>[2-9]|[1-9][0-9]))?")
_SPACE = re.compile(r"\s")
_V = TypeVar("_V", int, float)


def to_docno(cited: str) -> str:
    """``"08TOKYO1074 ¶3"`` -> ``"08TOKYO1074#3"``, ``"06CARACAS958 ¶6 (2nd)"`` -> ``"06CARACAS958#6.2"``
    (TREC document numbers hold no spaces); a malformed citation is an error."""
    cable_id, number, occurrence = parse_cited_paragraph(cited)
    return f"{cable_id}#{number}" if occurrence == 1 else f"{cable_id}#{number}.{occurrence}"


def from_docno(docno: str) -> str:
    """``"08TOKYO1074#3"`` -> ``"08TOKYO1074 ¶3"``, the inverse of ``to_docno``."""
    match = _DOCNO.fullmatch(docno)
    if match is None:
        raise InvalidQueryError(
            "docno", f"malformed docno {docno!r}: expected like '08TOKYO1074#3' or '06CARACAS958#6.2'"
        )
    return citation(match["cable"], int(match["number"]), int(match["occurrence"] or 1))


def format_qrels(qrels: Mapping[str, Mapping[str, int]]) -> str:
    """Qrels ``{qid: {citation: rel}}`` as TREC qrels text, queries and docs in given order."""
    lines: list[str] = []
    for query_id, grades in qrels.items():
        _check_token("query id", query_id)
        for cited, grade in grades.items():
            if isinstance(grade, bool) or not isinstance(grade, int):
                raise InvalidQueryError("qrels", f"{query_id} {cited}: grade {grade!r} is not int")
            lines.append(f"{query_id} 0 {to_docno(cited)} {grade}\n")
    return "".join(lines)


def format_run(run: Mapping[str, Mapping[str, float]], tag: str = "cableqa") -> str:
    """Run ``{qid: {citation: score}}`` as TREC run text, tagged ``tag``."""
    _check_token("run tag", tag)
    lines: list[str] = []
    for query_id, scores in run.items():
        _check_token("query id", query_id)
        for rank, cited in enumerate(rank_by_score(scores), start=1):
            score = float(scores[cited])
            if not math.isfinite(score):
                raise InvalidQueryError("run", f"{query_id} {cited}: score {score} is not finite")
            lines.append(f"{query_id} Q0 {to_docno(cited)} {rank} {score!r} {tag}\n")
    return "".join(lines)


def parse_qrels(text: str, source: str = "<qrels>") -> dict[str, dict[str, int]]:
    """TREC qrels text -> ``{qid: {citation: rel}}``; errors name ``source`` and the line."""
    qrels: dict[str, dict[str, int]] = {}
    for number, fields in _lines(text):
        where = f"{source}:{number}"
        if len(fields) != 4:
            raise InvalidQueryError(where, f"expected 'qid 0 docno rel', got {len(fields)} fields")
        query_id, _, docno, grade_text = fields
        try:
            grade = int(grade_text)
        except ValueError as exc:
            raise InvalidQueryError(where, f"relevance {grade_text!r} is not an integer") from exc
        _put(qrels.setdefault(query_id, {}), _citation(docno, where), grade, where)
    return qrels


def parse_run(text: str, source: str = "<run>") -> dict[str, dict[str, float]]:
    """TREC run text -> ``{qid: {citation: score}}``; the rank and tag columns are dropped."""
    run: dict[str, dict[str, float]] = {}
    for number, fields in _lines(text):
        where = f"{source}:{number}"
        if len(fields) != 6:
            raise InvalidQueryError(
                where, f"expected 'qid Q0 docno rank score tag', got {len(fields)} fields"
            )
        query_id, _, docno, rank_text, score_text, _ = fields
        try:
            int(rank_text)
            score = float(score_text)
        except ValueError as exc:
            raise InvalidQueryError(where, f"bad rank or score: {exc}") from exc
        if not math.isfinite(score):
            raise InvalidQueryError(where, f"score {score_text!r} is not finite")
        _put(run.setdefault(query_id, {}), _citation(docno, where), score, where)
    return run


def write_qrels(qrels: Mapping[str, Mapping[str, int]], path: str | os.PathLike[str]) -> None:
    Path(path).write_text(format_qrels(qrels), encoding="utf-8")


def read_qrels(path: str | os.PathLike[str]) -> dict[str, dict[str, int]]:
    return parse_qrels(Path(path).read_text(encoding="utf-8"), source=str(path))


def write_run(
    run: Mapping[str, Mapping[str, float]], path: str | os.PathLike[str], tag: str = "cableqa"
) -> None:
    Path(path).write_text(format_run(run, tag), encoding="utf-8")


def read_run(path: str | os.PathLike[str]) -> dict[str, dict[str, float]]:
    return parse_run(Path(path).read_text(encoding="utf-8"), source=str(path))


def _lines(text: str) -> list[tuple[int, list[str]]]:
    return [
        (number, line.split())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def _citation(docno: str, where: str) -> str:
    try:
        return from_docno(docno)
    except InvalidQueryError as exc:
        raise InvalidQueryError(where, exc.reason) from exc


def _put(entries: dict[str, _V], cited: str, value: _V, where: str) -> None:
    if cited in entries:
        raise InvalidQueryError(where, f"{to_docno(cited)} is listed twice for this query")
    entries[cited] = value


def _check_token(what: str, value: str) -> None:
    if not value or _SPACE.search(value):
        raise InvalidQueryError("trec", f"{what} {value!r} is empty or contains whitespace")
