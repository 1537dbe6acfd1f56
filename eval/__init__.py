"""cableqa's evaluation library: judged questions, ranking and abstention metrics, TREC files.

``api/`` never imports this package; the eval CLI command and tests do.
"""

from __future__ import annotations

from eval.abstention import (
    AbstentionCounts,
    abstention_counts,
    abstention_precision,
    abstention_recall,
    false_abstention_rate,
)
from eval.citations import parse_citation
from eval.metric_names import MetricName, parse_metric_name, parse_metric_names
from eval.metrics import (
    QuestionResult,
    RankedCitation,
    evaluate,
    evaluate_per_query,
    summarise,
)
from eval.pooled import (
    PoolJudgment,
    bundled_judgments_path,
    judged_among,
    judged_share,
    load_judgments,
)
from eval.questions import (
    KINDS,
    EvalQuestion,
    bundled_questions_path,
    load_questions,
    to_qrels,
)
from eval.trec import (
    from_docno,
    read_qrels,
    read_run,
    to_docno,
    write_qrels,
    write_run,
)

__all__ = [
    "KINDS",
    "AbstentionCounts",
    "EvalQuestion",
    "MetricName",
    "PoolJudgment",
    "QuestionResult",
    "RankedCitation",
    "abstention_counts",
    "abstention_precision",
    "abstention_recall",
    "bundled_judgments_path",
    "bundled_questions_path",
    "evaluate",
    "evaluate_per_query",
    "false_abstention_rate",
    "from_docno",
    "judged_among",
    "judged_share",
    "load_judgments",
    "load_questions",
    "parse_citation",
    "parse_metric_name",
    "parse_metric_names",
    "read_qrels",
    "read_run",
    "summarise",
    "to_docno",
    "to_qrels",
    "write_qrels",
    "write_run",
]
