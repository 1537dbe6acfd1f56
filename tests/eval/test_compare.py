"""``eval.compare``: the differences and p-values are ranx's, on a fixed pair of runs worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from eval.compare import compare_runs, format_comparison, run_of, write_comparison
from eval.metrics import QuestionResult, RankedCitation
from qa.errors import InvalidQueryError

ranx = pytest.importorskip("ranx")
scipy_stats = pytest.importorskip("scipy.stats")

# Six questions; A finds the relevant paragraph first on q1, q2, q4, B on q1-q5; q6 neither.
QRELS = {f"q{i}": {f"08TOKYO1074 ¶{i}": 1} for i in range(1, 7)}
KINDS = {"q1": "factual", "q2": "factual", "q3": "factual", "q4": "multi", "q5": "multi", "q6": "multi"}
RUN_A = {
    "q1": {"08TOKYO1074 ¶1": 2.0, "08TOKYO1074 ¶9": 1.0},
    "q2": {"08TOKYO1074 ¶2": 2.0},
    "q3": {"08TOKYO1074 ¶9": 2.0, "08TOKYO1074 ¶3": 1.0},  # relevant second: RR 1/2
    "q4": {"08TOKYO1074 ¶4": 1.0},
    "q5": {},  # nothing returned
    "q6": {"08TOKYO1074 ¶9": 1.0},
}
RUN_B = {
    "q1": {"08TOKYO1074 ¶1": 1.0},
    "q2": {"08TOKYO1074 ¶2": 1.0},
    "q3": {"08TOKYO1074 ¶3": 1.0},
    "q4": {"08TOKYO1074 ¶4": 1.0},
    "q5": {"08TOKYO1074 ¶5": 1.0},
    "q6": {"08TOKYO1074 ¶8": 1.0},
}


def test_means_and_p_value_are_ranx_compare_on_the_same_runs() -> None:
    comparison = compare_runs(QRELS, RUN_A, RUN_B, names=("a", "b"), metrics=["mrr@10", "hit@1"])
    mrr = next(r for r in comparison.rows if r.group == "all" and r.metric == "mrr@10")
    # By hand: A's reciprocal ranks 1, 1, 1/2, 1, 0, 0 (mean 7/12); B's 1, 1, 1, 1, 1, 0 (mean 5/6).
    assert mrr.a == pytest.approx(7 / 12) and mrr.b == pytest.approx(5 / 6)
    assert mrr.difference == pytest.approx(5 / 6 - 7 / 12)
    # The same p-value as ranx.compare called directly, and as scipy's paired t-test on the per-question scores.
    qrels = ranx.Qrels(QRELS)
    run_a = ranx.Run({q: r or {"none": 0.0} for q, r in RUN_A.items()}, name="a")
    run_b = ranx.Run(RUN_B, name="b")
    direct = ranx.compare(qrels, [run_a, run_b], ["mrr@10"], max_p=0.05)
    assert mrr.p_value == pytest.approx(float(direct.comparisons["a", "b"]["mrr@10"]["p_value"]))
    by_hand = scipy_stats.ttest_rel([1, 1, 0.5, 1, 0, 0], [1, 1, 1, 1, 1, 0]).pvalue
    assert mrr.p_value == pytest.approx(by_hand)
    assert not comparison.significant(mrr)  # 6 questions are too few for p < 0.05 here


def test_groups_per_question_kind() -> None:
    comparison = compare_runs(QRELS, RUN_A, RUN_B, kinds=KINDS, metrics=["hit@1"])
    groups = {(r.group, r.questions): (round(r.a, 6), round(r.b, 6)) for r in comparison.rows}
    assert groups == {("all", 6): (0.5, round(5 / 6, 6)), ("factual", 3): (round(2 / 3, 6), 1.0),
                      ("multi", 3): (round(1 / 3, 6), round(2 / 3, 6))}
    table = format_comparison(comparison)
    assert "| factual | 3 | hit@1 | 0.667 | 1.000 | +0.333 |" in table


def test_one_question_has_no_p_value_and_bad_input_is_named() -> None:
    one = compare_runs({"q1": QRELS["q1"]}, RUN_A, RUN_B, metrics=["hit@1"])
    assert math.isnan(one.rows[0].p_value) and not one.significant(one.rows[0])
    with pytest.raises(InvalidQueryError, match="stat_test"):
        compare_runs(QRELS, RUN_A, RUN_B, stat_test="wilcoxon")
    with pytest.raises(InvalidQueryError, match="nothing to compare"):
        compare_runs({"q1": {"08TOKYO1074 ¶1": 0}}, RUN_A, RUN_B)
    with pytest.raises(InvalidQueryError):
        compare_runs(QRELS, RUN_A, RUN_B, metrics=["precision@3"])


def test_run_of_results_keeps_the_rank_order(tmp_path: Path) -> None:
    result = QuestionResult(question_id="q1", relevant=("08TOKYO1074 ¶1",), answered=True, latency_ms=1.0,
                            kind="factual", ranked=(RankedCitation("08TOKYO1074 ¶3", 0.5),
                                                    RankedCitation("08TOKYO1074 ¶1", 0.5)))
    assert run_of([result]) == {"q1": {"08TOKYO1074 ¶3": 2.0, "08TOKYO1074 ¶1": 1.0}}
    written = write_comparison(compare_runs(QRELS, RUN_A, RUN_B), tmp_path)
    assert [p.name for p in written] == ["compare.md", "compare.png"] and all(p.stat().st_size for p in written)
