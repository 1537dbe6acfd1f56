"""Metric names such as ``"mrr@10"``: parsed here and nowhere else.

A name is a metric and a positive cut-off ``k``: ``hit@k``, ``recall@k``, ``mrr@k`` or
``ndcg@k``. ``hit`` is what ranx calls ``hit_rate``; ``ranx_name`` gives ranx's spelling
so the reference check (``eval.reference``) asks ranx for the same number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast

from qa.errors import InvalidQueryError

__all__ = ["METRICS", "MetricKind", "MetricName", "parse_metric_name", "parse_metric_names"]

MetricKind = Literal["hit", "recall", "mrr", "ndcg"]
METRICS: tuple[MetricKind, ...] = ("hit", "recall", "mrr", "ndcg")

_RANX_NAMES: dict[MetricKind, str] = {
    "hit": "hit_rate",
    "recall": "recall",
    "mrr": "mrr",
    "ndcg": "ndcg",
}
_NAME = re.compile(r"(?P<kind>[a-z]+)@(?P<k>[1-9][0-9]*)")


@dataclass(frozen=True, slots=True)
class MetricName:
    """A ranking metric cut at rank ``k``; ``str()`` gives the canonical name."""

    kind: MetricKind
    k: int

    def __str__(self) -> str:
        return f"{self.kind}@{self.k}"

    @property
    def ranx_name(self) -> str:
        return f"{_RANX_NAMES[self.kind]}@{self.k}"


def parse_metric_name(text: str) -> MetricName:
    """``"ndcg@10"`` -> ``MetricName("ndcg", 10)``; anything else is ``InvalidQueryError``."""
    match = _NAME.fullmatch(text)
    if match is None or match["kind"] not in METRICS:
        raise InvalidQueryError(
            "metric",
            f"unknown metric {text!r}; expected one of {', '.join(METRICS)} with a cut-off "
            "from 1, like 'mrr@10'",
        )
    return MetricName(cast(MetricKind, match["kind"]), int(match["k"]))


def parse_metric_names(names: str | Iterable[str]) -> tuple[MetricName, ...]:
    """Parse one name or several, in order, dropping repeats; at least one is needed."""
    texts = [names] if isinstance(names, str) else list(names)
    if not texts:
        raise InvalidQueryError("metric", "no metric named")
    return tuple(dict.fromkeys(parse_metric_name(t) for t in texts))
