"""Metric names are parsed in one place; anything unknown is an InvalidQueryError."""

from __future__ import annotations

import pytest

from eval.metric_names import MetricName, parse_metric_name, parse_metric_names
from qa.errors import InvalidQueryError


def test_names_parse_to_kind_and_cutoff_and_print_back() -> None:
    assert parse_metric_name("mrr@10") == MetricName("mrr", 10)
    assert str(parse_metric_name("ndcg@5")) == "ndcg@5"


def test_hit_is_spelt_hit_rate_for_ranx() -> None:
    assert parse_metric_name("hit@5").ranx_name == "hit_rate@5"
    assert parse_metric_name("recall@10").ranx_name == "recall@10"


@pytest.mark.parametrize(
    "name", ["map@10", "mrr", "mrr@0", "mrr@-1", "MRR@10", "hit_rate@5", "ndcg@10 ", "", "@3"]
)
def test_unknown_or_malformed_name_is_rejected(name: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        parse_metric_name(name)
    assert caught.value.field == "metric"


def test_several_names_keep_order_and_drop_repeats() -> None:
    assert parse_metric_names(["hit@1", "mrr@10", "hit@1"]) == (
        MetricName("hit", 1),
        MetricName("mrr", 10),
    )
    assert parse_metric_names("recall@3") == (MetricName("recall", 3),)
    with pytest.raises(InvalidQueryError):
        parse_metric_names([])
