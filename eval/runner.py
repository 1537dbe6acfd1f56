"""Run judged questions through the real retrieval path and report, per mode, side by side."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from eval.abstention import abstention_counts
from eval.metrics import QuestionResult, RankedCitation, summarise
from eval.questions import EvalQuestion
from qa.search.filters import Filters
from qa.service import CableIndex

__all__ = ["ModeReport", "run_eval"]


@dataclass(frozen=True, slots=True)
class ModeReport:
    mode: str
    summary: dict[str, float]  # exactly the keys of eval.metrics.summarise
    false_abstention_rate: float
    latency_p50_ms: float
    latency_p95_ms: float
    results: tuple[QuestionResult, ...]

    def misses(self, k: int = 1) -> list[QuestionResult]:
        """Answerable questions whose first relevant paragraph is not in the top ``k``, and wrong abstentions."""
        out = []
        for r in self.results:
            top = [h.citation for h in r.ranked[:k]]
            if (r.answerable and not set(top) & set(r.relevant)) or (not r.answerable and r.answered):
                out.append(r)
        return out


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_eval(index: CableIndex, questions: Sequence[EvalQuestion], modes: Sequence[str], k: int = 10,
             filters: Filters = Filters()) -> list[ModeReport]:
    """Ask every question in every mode (one at a time, as a user would) and score the answers."""
    reports = []
    for mode in modes:
        index.ask("warm-up question", k=1, mode=mode, filters=filters)
        results = []
        for q in questions:
            started = time.perf_counter()
            answer = index.ask(q.question, k=k, mode=mode, filters=filters)
            latency = (time.perf_counter() - started) * 1000
            ranked = tuple(RankedCitation(h.citation, h.score) for h in answer.hits)
            results.append(QuestionResult.from_question(q, ranked, answered=answer.answered, latency_ms=latency))
        counts = abstention_counts([r.answered for r in results], [r.answerable for r in results])
        latencies = [r.latency_ms for r in results]
        reports.append(ModeReport(
            mode=mode,
            summary=summarise(results, k=k),
            false_abstention_rate=counts.false_abstention_rate,
            latency_p50_ms=statistics.median(latencies) if latencies else float("nan"),
            latency_p95_ms=_percentile(latencies, 0.95),
            results=tuple(results),
        ))
    return reports
