"""Whether run B beats run A or just got lucky: per-metric differences with a paired significance test.

Two runs over the same judged questions (two modes of one index, or two saved TREC runs) are
scored per question and compared with ranx's ``compare`` (paired Student's t-test by default,
or Fisher's randomization test), over all answerable questions and again per question kind.
No statistics are computed here: the means and p-values are ranx's. ranx refuses a query whose
run is empty; such a query gets one unjudged placeholder document, which scores 0 on every
metric, exactly as :mod:`eval.metrics` scores an empty ranking.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.metric_names import parse_metric_names
from eval.metrics import QuestionResult
from qa.errors import InvalidQueryError

__all__ = ["DEFAULT_METRICS", "Comparison", "MetricDifference", "compare_runs", "format_comparison",
           "run_of", "write_comparison"]

DEFAULT_METRICS = ("hit@1", "mrr@10", "ndcg@10", "recall@10")
STAT_TESTS = ("student", "fisher")
_PLACEHOLDER = "__no_result__"
Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True, slots=True)
class MetricDifference:
    """One metric over one group of questions: both means, B - A, and the paired test's p-value."""

    group: str  # "all" or a question kind
    metric: str
    questions: int
    a: float
    b: float
    p_value: float  # NaN when the group has fewer than two questions

    @property
    def difference(self) -> float:
        return self.b - self.a


@dataclass(frozen=True, slots=True)
class Comparison:
    name_a: str
    name_b: str
    stat_test: str
    max_p: float
    rows: tuple[MetricDifference, ...]

    def significant(self, row: MetricDifference) -> bool:
        return not math.isnan(row.p_value) and row.p_value < self.max_p


def _ranx() -> Any:
    try:
        import ranx
    except ImportError as exc:
        raise ImportError("eval --compare needs ranx: pip install 'cableqa[eval]'") from exc
    return ranx


def run_of(results: Sequence[QuestionResult]) -> dict[str, dict[str, float]]:
    """A run ``{question id: {citation: score}}`` from evaluated questions, scored by rank (best highest).

    Ranks, not the system's scores, so ties or a mode's odd score scale cannot reorder what it returned.
    """
    return {r.question_id: {hit.citation: float(len(r.ranked) - i) for i, hit in enumerate(r.ranked)}
            for r in results}


def _ranx_run(qrels: Qrels, run: Run) -> dict[str, dict[str, float]]:
    return {q: (dict(run[q]) if run.get(q) else {_PLACEHOLDER: 0.0}) for q in qrels}


def _compare_group(group: str, qrels: Qrels, run_a: Run, run_b: Run, names: tuple[str, str],
                   metrics: Sequence[str], stat_test: str, max_p: float) -> list[MetricDifference]:
    ranx = _ranx()
    parsed = parse_metric_names(metrics)
    a = ranx.Run(_ranx_run(qrels, run_a), name=names[0])
    b = ranx.Run(_ranx_run(qrels, run_b), name=names[1])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*unsafe cast.*")  # numba, inside ranx; harmless
        if len(qrels) < 2:  # a t-test on one pair divides by zero; its p-value is reported as NaN below
            warnings.filterwarnings("ignore", category=RuntimeWarning)
        report: Any = ranx.compare(ranx.Qrels({q: dict(r) for q, r in qrels.items()}), [a, b],
                                   [m.ranx_name for m in parsed], stat_test=stat_test, max_p=max_p)
    rows = []
    for name in parsed:
        p_value = (float(report.comparisons[names[0], names[1]][name.ranx_name]["p_value"])
                   if len(qrels) >= 2 else math.nan)
        rows.append(MetricDifference(group, str(name), len(qrels), float(report.results[names[0]][name.ranx_name]),
                                     float(report.results[names[1]][name.ranx_name]), p_value))
    return rows


def compare_runs(qrels: Qrels, run_a: Run, run_b: Run, names: tuple[str, str] = ("A", "B"),
                 kinds: Mapping[str, str] | None = None, metrics: Sequence[str] = DEFAULT_METRICS,
                 stat_test: str = "student", max_p: float = 0.05) -> Comparison:
    """Compare ``run_b`` with ``run_a`` on the questions of ``qrels`` with a relevant paragraph.

    ``kinds`` (question id -> kind) adds one group per kind after ``all``.
    """
    if stat_test not in STAT_TESTS:
        raise InvalidQueryError("stat_test", f"{stat_test!r} is not one of {', '.join(STAT_TESTS)}")
    if names[0] == names[1]:
        names = (f"{names[0]} (A)", f"{names[1]} (B)")
    judged = {q: {d: r for d, r in rels.items() if r > 0} for q, rels in qrels.items()}
    judged = {q: rels for q, rels in judged.items() if rels}
    if not judged:
        raise InvalidQueryError("qrels", "no question has a relevant paragraph; nothing to compare")
    rows = _compare_group("all", judged, run_a, run_b, names, metrics, stat_test, max_p)
    for kind in sorted(set((kinds or {}).values())):
        group = {q: rels for q, rels in judged.items() if (kinds or {}).get(q) == kind}
        if group:
            rows += _compare_group(kind, group, run_a, run_b, names, metrics, stat_test, max_p)
    return Comparison(names[0], names[1], stat_test, max_p, tuple(rows))


def _p(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.4f}"


def format_comparison(comparison: Comparison) -> str:
    """A markdown table: one line per group and metric, B - A and its p-value (* below ``max_p``)."""
    test = "paired Student's t-test" if comparison.stat_test == "student" else "Fisher's randomization test"
    lines = [f"{comparison.name_b} vs {comparison.name_a} ({test}, ranx; * p < {comparison.max_p})", "",
             f"| questions | n | metric | {comparison.name_a} | {comparison.name_b} | B - A | p |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for row in comparison.rows:
        star = " *" if comparison.significant(row) else ""
        lines.append(f"| {row.group} | {row.questions} | {row.metric} | {row.a:.3f} | {row.b:.3f} | "
                     f"{row.difference:+.3f} | {_p(row.p_value)}{star} |")
    return "\n".join(lines)


def write_comparison(comparison: Comparison, folder: Path, name: str = "compare") -> list[Path]:
    """``NAME.md`` (the table) and ``NAME.png`` (B - A per metric, over all questions, p-values written on)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    markdown = folder / f"{name}.md"
    markdown.write_text(f"# {comparison.name_b} vs {comparison.name_a}\n\n{format_comparison(comparison)}\n",
                        encoding="utf-8")
    rows = [r for r in comparison.rows if r.group == "all"]
    figure, axes = plt.subplots(figsize=(6, 3))
    bars = axes.bar([r.metric for r in rows], [r.difference for r in rows],
                    color=["tab:green" if r.difference >= 0 else "tab:red" for r in rows])
    for bar, row in zip(bars, rows, strict=True):
        axes.annotate(f"p={_p(row.p_value)}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                      ha="center", va="bottom" if row.difference >= 0 else "top", fontsize=8)
    axes.axhline(0, color="black", linewidth=0.8)
    axes.set_ylabel(f"{comparison.name_b} - {comparison.name_a}")
    figure.tight_layout()
    chart = folder / f"{name}.png"
    figure.savefig(chart, dpi=100)
    plt.close(figure)
    return [markdown, chart]
