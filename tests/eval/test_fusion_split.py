"""The fixed split the fusion is chosen on: even question ids choose, odd ones test, every kind on both sides."""

from __future__ import annotations

from eval.fusion_split import split
from eval.questions import bundled_questions_path, load_questions


def test_even_ids_choose_and_odd_ids_test_with_no_question_on_both_sides() -> None:
    questions = load_questions(bundled_questions_path())
    choose, test = split(questions)
    assert len(choose) + len(test) == len(questions) == 114
    assert {q.id for q in choose}.isdisjoint({q.id for q in test})
    assert all(int(q.id[1:]) % 2 == 0 for q in choose) and all(int(q.id[1:]) % 2 == 1 for q in test)
    assert {q.kind for q in choose} == {q.kind for q in test} == {q.kind for q in questions}
