"""Choose the abstention's parameter on one half of the judged questions, report it on the other.

The split is the fusion split's (``eval.fusion_split.split``): even id numbers choose, odd ones
test. Every question is asked once in hybrid mode; each candidate is then judged from the same
hits, so abstention never touches the ranking. The rules are ``qa.search.abstain.RULES``; the
parameter is how many top hits hold the "best paragraphs" (where "how many" looks for an
amount). The candidate with the highest abstention recall on the choosing half whose
false-abstention rate there stays within ``--max-false`` wins; ties go to more hits, the one
that abstains less. Reported for it, for the names rule alone and for each rule added in turn:
recall and false-abstention rate on each half and on all questions, the ranking summary, and
every question's outcome with its reason. ``--also`` adds question files that are only
reported, never used to choose.

    python -m eval.abstention_split --index /tmp/corpus-index --out eval/reports/abstention-corpus.json \
        --also eval/questions/corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from eval.abstention import AbstentionCounts, abstention_counts
from eval.fusion_split import split
from eval.metrics import QuestionResult, RankedCitation, summarise
from eval.pooled import seed_questions_among
from eval.questions import EvalQuestion, load_questions
from qa.search.abstain import RULES, Abstention, Reason, abstention
from qa.search.answer import Answer
from qa.search.ask import BEST_HITS, evidence_of
from qa.service import CableIndex
from qa.store.snapshot import Snapshot

__all__ = ["Asked", "Candidate", "answered", "ask_all", "choose", "judge", "main", "markdown", "outcome_counts"]

BEST_HITS_CANDIDATES = (1, 2, 3, 5)
# The names rule alone, then each rule added in turn: what each one adds.
RULE_STEPS: tuple[tuple[Reason, ...], ...] = tuple(RULES[:n] for n in range(1, len(RULES) + 1))


@dataclass(frozen=True, slots=True)
class Candidate:
    rules: tuple[Reason, ...]
    best_hits: int

    @property
    def label(self) -> str:
        return f"{'+'.join(self.rules)} (best paragraphs: top {self.best_hits})"


@dataclass(frozen=True, slots=True)
class Asked:
    """One question asked once: its answer as the service gave it, and the rows of its hits."""

    question: EvalQuestion
    answer: Answer
    rows: npt.NDArray[np.int64]


def _rows_of(snapshot: Snapshot, answer: Answer) -> npt.NDArray[np.int64]:
    rows = []
    for hit in answer.hits:
        for row in snapshot.cable_paragraph_rows(hit.cable_id).tolist():
            if snapshot.numbers[row] == hit.paragraph and snapshot.occurrences[row] == hit.occurrence:
                rows.append(row)
                break
    return np.asarray(rows, dtype=np.int64)


def ask_all(index: CableIndex, questions: Sequence[EvalQuestion], k: int = 10) -> list[Asked]:
    """Each question asked once in hybrid mode, as a user would."""
    out = []
    for q in questions:
        answer = index.ask(q.question, k=k, mode="hybrid")
        out.append(Asked(q, answer, _rows_of(index.snapshot, answer)))
    return out


def judge(snapshot: Snapshot, asked: Asked, candidate: Candidate) -> Abstention | None:
    """The candidate's reason to abstain on one asked question (None: no rule objects)."""
    if len(asked.rows) == 0:
        return None
    evidence = evidence_of(snapshot, asked.rows, None, best_hits=candidate.best_hits)
    return abstention(asked.question.question, evidence, candidate.rules)


def answered(snapshot: Snapshot, asked: Asked, candidate: Candidate) -> bool:
    """Whether the candidate answers: a hit scored at or above zero (the service's floor) and no rule objects."""
    hits = asked.answer.hits
    return bool(hits) and hits[0].score >= 0.0 and judge(snapshot, asked, candidate) is None


def outcome_counts(snapshot: Snapshot, asked: Sequence[Asked], candidate: Candidate) -> AbstentionCounts:
    return abstention_counts([answered(snapshot, a, candidate) for a in asked],
                             [bool(a.question.relevant) for a in asked])


def _rates(counts: AbstentionCounts) -> dict[str, float | int]:
    return {"recall": counts.recall, "false_abstention": counts.false_abstention_rate,
            "caught": counts.abstained_unanswerable,
            "unanswerable": counts.abstained_unanswerable + counts.answered_unanswerable,
            "false": counts.abstained_answerable,
            "answerable": counts.abstained_answerable + counts.answered_answerable}


def choose(snapshot: Snapshot, asked: Sequence[Asked], max_false: float) -> tuple[Candidate, dict[str, object]]:
    """The number of best hits with the best recall on ``asked`` within ``max_false``; ties to more hits."""
    tried: dict[str, object] = {}
    best: tuple[float, int] | None = None
    chosen = Candidate(RULES, BEST_HITS)
    for hits in BEST_HITS_CANDIDATES:
        candidate = Candidate(RULES, hits)
        rates = _rates(outcome_counts(snapshot, asked, candidate))
        tried[candidate.label] = rates
        recall, false = float(rates["recall"]), float(rates["false_abstention"])
        if math.isnan(recall) or (not math.isnan(false) and false > max_false):
            continue
        if best is None or (recall, hits) > best:
            best, chosen = (recall, hits), candidate
    return chosen, tried


def _results(snapshot: Snapshot, asked: Sequence[Asked], candidate: Candidate) -> list[QuestionResult]:
    return [QuestionResult.from_question(
        a.question, tuple(RankedCitation(h.citation, h.score) for h in a.answer.hits),
        answered=answered(snapshot, a, candidate), latency_ms=0.0) for a in asked]


def _report(snapshot: Snapshot, asked: Sequence[Asked], candidate: Candidate) -> dict[str, object]:
    choose_half, test_half = split([a.question for a in asked])
    ids_choose = {q.id for q in choose_half}
    ids_test = {q.id for q in test_half}
    summary = summarise(_results(snapshot, asked, candidate))
    return {
        "candidate": candidate.label,
        "choose": _rates(outcome_counts(snapshot, [a for a in asked if a.question.id in ids_choose], candidate)),
        "test": _rates(outcome_counts(snapshot, [a for a in asked if a.question.id in ids_test], candidate)),
        "all": _rates(outcome_counts(snapshot, asked, candidate)),
        "ranking": {m: summary[m] for m in ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10")},
        "questions": [{"id": a.question.id, "kind": a.question.kind,
                       "top": a.answer.hits[0].cable_id if a.answer.hits else None,
                       "top_relevant": bool(a.answer.hits) and a.answer.hits[0].citation in a.question.relevant,
                       "reason": str(r) if (r := judge(snapshot, a, candidate)) else None}
                      for a in asked],
    }


def _cell(rates: object) -> str:
    assert isinstance(rates, dict)
    recall, false = rates["recall"], rates["false_abstention"]
    shown = ["-" if math.isnan(v) else f"{v:.3f}" for v in (recall, false)]
    return (f"{shown[0]} ({rates['caught']}/{rates['unanswerable']}) / "
            f"{shown[1]} ({rates['false']}/{rates['answerable']})")


def markdown(results: dict[str, object]) -> str:
    """The reports as tables: recall / false-abstention per half, then every abstention with its reason."""
    lines = [f"# Abstention chosen on the even half, reported on the odd half ({results['model']}, "
             f"{results['setting']})", "",
             f"Chosen on the even half (false abstention at most {results['max_false']}): "
             f"**{results['chosen']}**; shipped in `qa/search`: {results['shipped']} (the eval's judgement "
             f"agrees with the service's `answered` on every seed question: {results['eval_agrees_with_service']})", "",
             "| rules | question set | choosing half | reporting half | all |", "|---|---|---|---|---|"]
    reports = results["reports"]
    assert isinstance(reports, dict)
    for label, sets in reports.items():
        for name, report in sets.items():
            lines.append(f"| {label} | {name} | {_cell(report['choose'])} | {_cell(report['test'])} | "
                         f"{_cell(report['all'])} |")
    lines += ["", "Cells: abstention recall (caught / unanswerable) / false-abstention rate "
              "(abstained / answerable).", "", "| rules | question set | hit@1 | hit@5 | hit@10 | mrr@10 |",
              "|---|---|---|---|---|---|"]
    for label, sets in reports.items():
        for name, report in sets.items():
            r = report["ranking"]
            lines.append(f"| {label} | {name} | {r['hit@1']:.3f} | {r['hit@5']:.3f} | {r['hit@10']:.3f} | "
                         f"{r['mrr@10']:.3f} |")
    lines += ["", "## Outcomes of the chosen rules", "", "| question | kind | top cable | abstained because |",
              "|---|---|---|---|"]
    for name, report in reports["all rules (chosen)"].items():
        for q in report["questions"]:
            wrong = (q["reason"] is None) == (q["kind"] == "unanswerable")
            if q["reason"] is not None or q["kind"] == "unanswerable":
                mark = " (wrong)" if wrong else ""
                if wrong and q["kind"] != "unanswerable" and not q["top_relevant"]:
                    mark = " (wrong; the top hit is not a relevant paragraph either)"
                lines.append(f"| {name} {q['id']} | {q['kind']} | {q['top']} | {q['reason'] or 'answered'}{mark} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--setting", default="", help="words for the report's title (e.g. 'seed alone')")
    parser.add_argument("--max-false", type=float, default=0.05)
    parser.add_argument("--also", type=Path, action="append", default=[],
                        help="more question files, reported only")
    args = parser.parse_args(argv)
    from qa.settings import Settings
    from qa.startup import open_index

    index: CableIndex = open_index(Settings(index_dir=args.index))
    snapshot = index.snapshot
    seed = ask_all(index, seed_questions_among(snapshot.cable_rows.__contains__))
    choosing, _ = split([a.question for a in seed])
    chosen_ids = {q.id for q in choosing}
    chosen, tried = choose(snapshot, [a for a in seed if a.question.id in chosen_ids], args.max_false)
    extra = {path.stem: ask_all(index, load_questions(path)) for path in args.also}
    reports = {}
    steps = {"+".join(rules): Candidate(rules, chosen.best_hits) for rules in RULE_STEPS[:-1]}
    for label, candidate in {**steps, "all rules (chosen)": chosen}.items():
        reports[label] = {name: _report(snapshot, asked, candidate)
                          for name, asked in {"seed": seed, **extra}.items()}
    shipped = Candidate(RULES, BEST_HITS)
    same = all(answered(snapshot, a, shipped) == a.answer.answered for a in seed)
    results: dict[str, object] = {"model": snapshot.manifest.model, "setting": args.setting,
                                  "shipped": shipped.label, "eval_agrees_with_service": same,
                                  "max_false": args.max_false, "chosen": chosen.label,
                                  "tried_on_choosing_half": tried, "reports": reports}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    print(json.dumps({"chosen": chosen.label, **{f"{label} {name}": _cell(r["all"]) for label, sets in
                                                 reports.items() for name, r in sets.items()}}))


if __name__ == "__main__":
    main()
