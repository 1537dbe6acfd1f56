"""Choose the hybrid fusion's ``keyword_trust`` on one half of the judged questions, report it on the other.

The split is fixed: questions whose id number is even choose, odd ones test. Each candidate value
is run in hybrid mode on the choosing half; the one with the best MRR@10 over its answerable
questions (ties to the smaller value) is then reported on the testing half beside the fixed
weights (``keyword_trust = 0``), dense alone and BM25 alone, per question kind.

    python -m eval.fusion_split --index /tmp/corpus-index --out eval/reports/fusion-split.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path

from eval.metrics import summarise
from eval.pooled import seed_questions_among
from eval.questions import EvalQuestion
from eval.runner import ModeReport, run_eval
from qa.service import CableIndex

__all__ = ["main", "markdown", "per_kind", "split"]

CANDIDATES = (0.0, 0.5, 1.0, 2.0, 3.0)


def split(questions: Sequence[EvalQuestion]) -> tuple[list[EvalQuestion], list[EvalQuestion]]:
    """``(choose, test)``: even id numbers choose, odd ones test."""
    def number(q: EvalQuestion) -> int:
        digits = "".join(ch for ch in q.id if ch.isdigit())
        return int(digits) if digits else 0

    return [q for q in questions if number(q) % 2 == 0], [q for q in questions if number(q) % 2 == 1]


def per_kind(report: ModeReport) -> dict[str, dict[str, float]]:
    """The summary of ``report`` per question kind, and over every answerable question (``all``)."""
    kinds = sorted({r.kind for r in report.results})
    out = {kind: summarise([r for r in report.results if r.kind == kind]) for kind in kinds}
    out["all"] = report.summary
    return out


def markdown(results: dict[str, object]) -> str:
    """The testing half as a table: one row per configuration and question kind."""
    lines = [f"# Fusion chosen on the even half, tested on the odd half ({results['model']})", "",
             f"keyword_trust tried on the choosing half (MRR@10): {results['choose_mrr@10']}; "
             f"chosen: {results['chosen_keyword_trust']}", "",
             "| configuration | kind | hit@1 | hit@5 | hit@10 | mrr@10 | n |", "|---|---|---|---|---|---|---|"]
    tested = results["test"]
    assert isinstance(tested, dict)
    for label, row in tested.items():
        for kind, summary in row["per_kind"].items():
            cells = [f"{summary[m]:.3f}" if not math.isnan(summary[m]) else "-"
                     for m in ("hit@1", "hit@5", "hit@10", "mrr@10")]
            lines.append(f"| {label} | {kind} | {' | '.join(cells)} | {int(summary['n'])} |")
    return "\n".join(lines) + "\n"


def _mrr(report: ModeReport) -> float:
    value = report.summary["mrr@10"]
    return -1.0 if math.isnan(value) else value


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from qa.settings import Settings
    from qa.startup import open_index

    index: CableIndex = open_index(Settings(index_dir=args.index))
    choose, test = split(seed_questions_among(index.snapshot.cable_rows.__contains__))
    base = index.weights
    tried = {}
    for trust in CANDIDATES:
        index.weights = dataclasses.replace(base, keyword_trust=trust)
        tried[trust] = _mrr(run_eval(index, choose, ["hybrid"])[0])
    best = max(CANDIDATES, key=lambda t: (tried[t], -t))
    results: dict[str, object] = {"model": index.snapshot.manifest.model, "choose_mrr@10": tried,
                                  "chosen_keyword_trust": best}
    tested = {}
    for label, trust, mode in (("hybrid-adaptive", best, "hybrid"), ("hybrid-fixed", 0.0, "hybrid"),
                               ("dense", best, "dense"), ("bm25", best, "bm25")):
        index.weights = dataclasses.replace(base, keyword_trust=trust)
        report = run_eval(index, test, [mode])[0]
        tested[label] = {"per_kind": per_kind(report), "p50_ms": report.latency_p50_ms,
                         "false_abstention": report.false_abstention_rate}
    results["test"] = tested
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    print(json.dumps({"chosen": best, "choose": tried,
                      **{k: v["per_kind"]["all"]["mrr@10"] for k, v in tested.items()}}, default=str))  # type: ignore[index]


if __name__ == "__main__":
    main()
