"""The eval report: a markdown table of the modes side by side, the misses, and a PNG chart."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from eval.runner import ModeReport

__all__ = ["format_misses", "format_table", "write_report"]

_COLUMNS = ("hit@1", "hit@5", "hit@10", "recall@10", "mrr@10", "ndcg@10", "abstention_precision",
            "abstention_recall")


def _cell(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def format_table(reports: Sequence[ModeReport]) -> str:
    header = ["mode", *_COLUMNS, "false abstention", "p50 ms", "p95 ms", "n"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in reports:
        cells = [r.mode, *(_cell(r.summary.get(c, math.nan)) for c in _COLUMNS), _cell(r.false_abstention_rate),
                 f"{r.latency_p50_ms:.1f}", f"{r.latency_p95_ms:.1f}", str(int(r.summary["n"]))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_misses(report: ModeReport) -> str:
    """Per question: answerable ones not ranked first, and unanswerable ones answered."""
    lines = [f"### Misses in {report.mode} mode", "", "| id | kind | relevant | top 3 | answered |",
             "|---|---|---|---|---|"]
    for r in report.misses(1):
        relevant = ", ".join(c.split()[-1] for c in r.relevant) or "(none)"
        top = ", ".join(h.citation for h in r.ranked[:3])
        lines.append(f"| {r.question_id} | {r.kind} | {relevant} | {top} | {'yes' if r.answered else 'no'} |")
    return "\n".join(lines)


def write_report(reports: Sequence[ModeReport], folder: Path, title: str, name: str = "eval",
                 notes: Sequence[str] = ()) -> list[Path]:
    """``{name}.md`` (table, ``notes`` as a list under it, misses) and ``{name}.png`` (the modes side by side)
    in ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    markdown = folder / f"{name}.md"
    body = [f"# Retrieval eval: {title}", "", format_table(reports), ""]
    body += [f"- {note}" for note in notes] + ([""] if notes else [])
    body += [format_misses(r) + "\n" for r in reports]
    markdown.write_text("\n".join(body), encoding="utf-8")

    metrics = ("hit@1", "hit@5", "mrr@10", "ndcg@10", "abstention_recall")
    figure, axes = plt.subplots(figsize=(8, 4))
    width = 0.8 / max(len(reports), 1)
    for i, r in enumerate(reports):
        values = [0.0 if math.isnan(r.summary.get(m, math.nan)) else r.summary[m] for m in metrics]
        axes.bar([x + i * width for x in range(len(metrics))], values, width, label=r.mode)
    axes.set_xticks([x + width * (len(reports) - 1) / 2 for x in range(len(metrics))], metrics)
    axes.set_ylim(0, 1)
    axes.set_title(title, fontsize=9)
    axes.legend()
    figure.tight_layout()
    chart = folder / f"{name}.png"
    figure.savefig(chart, dpi=110)
    plt.close(figure)
    return [markdown, chart]
