"""Abstention metrics: did the system decline the questions it should, and only those?

Each question is either answered or abstained on (``answered=False``), and is answerable
(it has a relevant paragraph) or not. With the counts

    AU = abstained on unanswerable   (right abstentions)
    AA = abstained on answerable     (false abstentions)
    NU = answered an unanswerable question
    NA = answered an answerable question

    abstention_precision  = AU / (AU + AA)   share of abstentions that were right
    abstention_recall     = AU / (AU + NU)   share of unanswerable questions abstained on
    false_abstention_rate = AA / (AA + NA)   share of answerable questions abstained on

A ratio whose denominator is 0 is undefined and is returned as NaN: precision when the
system never abstained, recall when no question was unanswerable, the false-abstention
rate when every question was unanswerable. NaN rather than 0 or 1 so that a run that
never abstains is not scored as perfectly (or wrongly) precise, and so that a subset of
questions (one kind, say) with no unanswerable question does not look like a failure.
Test with ``math.isnan``; the counts behind each ratio are in ``AbstentionCounts``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from qa.errors import InvalidQueryError

__all__ = [
    "AbstentionCounts",
    "abstention_counts",
    "abstention_precision",
    "abstention_recall",
    "false_abstention_rate",
]


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else math.nan


@dataclass(frozen=True, slots=True)
class AbstentionCounts:
    """The four outcomes of answer-or-abstain; the ratios are defined in the module docstring."""

    abstained_unanswerable: int
    abstained_answerable: int
    answered_unanswerable: int
    answered_answerable: int

    @property
    def precision(self) -> float:
        return _ratio(
            self.abstained_unanswerable, self.abstained_unanswerable + self.abstained_answerable
        )

    @property
    def recall(self) -> float:
        return _ratio(
            self.abstained_unanswerable, self.abstained_unanswerable + self.answered_unanswerable
        )

    @property
    def false_abstention_rate(self) -> float:
        return _ratio(
            self.abstained_answerable, self.abstained_answerable + self.answered_answerable
        )


def abstention_counts(answered: Sequence[bool], answerable: Sequence[bool]) -> AbstentionCounts:
    """Count the outcomes; ``answered[i]`` and ``answerable[i]`` describe question ``i``."""
    if len(answered) != len(answerable):
        raise InvalidQueryError(
            "answered",
            f"{len(answered)} answered flags for {len(answerable)} answerable flags",
        )
    pairs = list(zip(answered, answerable, strict=True))
    return AbstentionCounts(
        abstained_unanswerable=sum(1 for a, ok in pairs if not a and not ok),
        abstained_answerable=sum(1 for a, ok in pairs if not a and ok),
        answered_unanswerable=sum(1 for a, ok in pairs if a and not ok),
        answered_answerable=sum(1 for a, ok in pairs if a and ok),
    )


def abstention_precision(answered: Sequence[bool], answerable: Sequence[bool]) -> float:
    """Share of abstentions that were on unanswerable questions; NaN if none abstained."""
    return abstention_counts(answered, answerable).precision


def abstention_recall(answered: Sequence[bool], answerable: Sequence[bool]) -> float:
    """Share of unanswerable questions abstained on; NaN if none is unanswerable."""
    return abstention_counts(answered, answerable).recall


def false_abstention_rate(answered: Sequence[bool], answerable: Sequence[bool]) -> float:
    """Share of answerable questions abstained on; NaN if none is answerable."""
    return abstention_counts(answered, answerable).false_abstention_rate
