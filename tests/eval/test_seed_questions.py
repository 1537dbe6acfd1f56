"""The bundled seed question set meets its coverage rules (see eval/questions/README.md)."""

from __future__ import annotations

from collections import Counter

import pytest

from eval.citations import parse_citation, parse_cited_paragraph
from eval.questions import KINDS, EvalQuestion, bundled_questions_path, load_questions
from qa.errors import InvalidQueryError


@pytest.fixture(scope="module")
def seed() -> list[EvalQuestion]:
    return load_questions(bundled_questions_path())


def test_seed_has_at_least_eighty_questions_with_unique_ids(seed: list[EvalQuestion]) -> None:
    assert len(seed) >= 80
    assert len({q.id for q in seed}) == len(seed)


def test_every_kind_is_present(seed: list[EvalQuestion]) -> None:
    assert set(KINDS) <= {q.kind for q in seed}


def test_at_least_fifteen_questions_are_unanswerable(seed: list[EvalQuestion]) -> None:
    unanswerable = [q for q in seed if q.kind == "unanswerable"]
    assert len(unanswerable) >= 15
    assert all(q.relevant == () for q in unanswerable)


def test_every_citation_is_a_body_paragraph_of_the_seed_cable(seed: list[EvalQuestion]) -> None:
    for question in seed:
        for cited in question.relevant:
            assert parse_citation(cited)[0] == "08TOKYO1074", question.id
            assert 1 <= parse_citation(cited)[1] <= 9, question.id


def test_each_paragraph_is_relevant_to_at_least_five_questions(seed: list[EvalQuestion]) -> None:
    counts = Counter(parse_citation(c)[1] for q in seed for c in q.relevant)
    assert {n: counts[n] >= 5 for n in range(1, 10)} == dict.fromkeys(range(1, 10), True)


def test_no_question_text_is_repeated(seed: list[EvalQuestion]) -> None:
    texts = Counter(q.question.casefold() for q in seed)
    assert [t for t, n in texts.items() if n > 1] == []


@pytest.mark.parametrize(("text", "parsed"), [
    ("08TOKYO1074 ¶3", ("08TOKYO1074", 3, 1)),
    ("09BEIJING1582 ¶0", ("09BEIJING1582", 0, 1)),
    ("06CARACAS958 ¶6 (2nd)", ("06CARACAS958", 6, 2)),
    ("06LAPAZ3400 ¶12 (3rd)", ("06LAPAZ3400", 12, 3)),
])
def test_citations_as_qa_writes_them_parse(text: str, parsed: tuple[str, int, int]) -> None:
    assert parse_cited_paragraph(text) == parsed


@pytest.mark.parametrize("text", ["08TOKYO1074 ¶03", "08TOKYO1074 3", "08tokyo1074 ¶3", "06CARACAS958 ¶6 (1st)",
                                  "06CARACAS958 ¶6 (2th)", "06CARACAS958 ¶6(2nd)", "06CARACAS958 ¶6 (2nd) "])
def test_citations_qa_would_not_write_are_refused_naming_the_form(text: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        parse_cited_paragraph(text)
    assert caught.value.field == "citation" and "(2nd)" in caught.value.reason
