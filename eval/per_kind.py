"""The eval per question kind, every mode: ``python -m eval.per_kind --index DIR --out FILE.md``.

Uses the index's own model and the current settings (``CABLEQA_MODEL`` must name the index's model).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

from eval.fusion_split import per_kind
from eval.pooled import seed_questions_among
from eval.runner import run_eval
from qa.search.query import MODES

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from qa.settings import Settings
    from qa.startup import open_index

    settings = Settings(index_dir=args.index)
    index = open_index(settings)
    manifest = index.snapshot.manifest
    questions = "int8 questions" if settings.quantized_queries else "questions through the documents' graph"
    lines = [f"# Eval per kind: {manifest.model}; {manifest.cables} cables, {manifest.paragraphs} paragraphs "
             f"(keyword trust {index.weights.keyword_trust:g}, {questions}; other cables judged by the seed "
             "set's pool, eval/questions/README.md)", "",
             "| mode | kind | hit@1 | hit@5 | hit@10 | mrr@10 | abstention recall | false abstention | p50 ms | n |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for report in run_eval(index, seed_questions_among(index.snapshot.cable_rows.__contains__), list(MODES)):
        for kind, summary in per_kind(report).items():
            cells = [f"{summary[m]:.3f}" if not math.isnan(summary[m]) else "-"
                     for m in ("hit@1", "hit@5", "hit@10", "mrr@10", "abstention_recall")]
            extra = (f"{report.false_abstention_rate:.3f} | {report.latency_p50_ms:.1f}" if kind == "all"
                     else "- | -")
            lines.append(f"| {report.mode} | {kind} | {' | '.join(cells)} | {extra} | {int(summary['n'])} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
