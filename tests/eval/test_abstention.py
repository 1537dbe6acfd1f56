"""Abstention precision, recall and false-abstention rate, counted by hand."""

from __future__ import annotations

import math

import pytest

from eval.abstention import (
    AbstentionCounts,
    abstention_counts,
    abstention_precision,
    abstention_recall,
    false_abstention_rate,
)
from qa.errors import InvalidQueryError

# Six questions: four answerable, two not. The system abstains on q2 (answerable),
# q5 (unanswerable) and answers the rest, so it answers the unanswerable q6.
ANSWERED = [True, False, True, True, False, True]
ANSWERABLE = [True, True, True, True, False, False]


def test_counts_split_the_four_outcomes() -> None:
    assert abstention_counts(ANSWERED, ANSWERABLE) == AbstentionCounts(
        abstained_unanswerable=1,
        abstained_answerable=1,
        answered_unanswerable=1,
        answered_answerable=3,
    )


def test_precision_is_share_of_abstentions_that_were_right() -> None:
    assert abstention_precision(ANSWERED, ANSWERABLE) == 1 / 2


def test_recall_is_share_of_unanswerable_questions_abstained_on() -> None:
    assert abstention_recall(ANSWERED, ANSWERABLE) == 1 / 2


def test_false_abstention_rate_is_share_of_answerable_questions_declined() -> None:
    assert false_abstention_rate(ANSWERED, ANSWERABLE) == 1 / 4


def test_perfect_abstainer_scores_one_and_zero() -> None:
    answered = list(ANSWERABLE)
    assert abstention_precision(answered, ANSWERABLE) == 1.0
    assert abstention_recall(answered, ANSWERABLE) == 1.0
    assert false_abstention_rate(answered, ANSWERABLE) == 0.0


def test_system_that_never_abstains_has_undefined_precision_and_zero_recall() -> None:
    answered = [True] * len(ANSWERABLE)
    assert math.isnan(abstention_precision(answered, ANSWERABLE))
    assert abstention_recall(answered, ANSWERABLE) == 0.0


def test_no_unanswerable_question_leaves_recall_undefined() -> None:
    assert math.isnan(abstention_recall([True, False], [True, True]))
    assert abstention_precision([True, False], [True, True]) == 0.0


def test_no_answerable_question_leaves_false_abstention_rate_undefined() -> None:
    assert math.isnan(false_abstention_rate([False], [False]))
    assert math.isnan(abstention_precision([], []))


def test_lists_of_different_length_are_rejected() -> None:
    with pytest.raises(InvalidQueryError, match="3 answered flags for 2"):
        abstention_counts([True, True, False], [True, False])
