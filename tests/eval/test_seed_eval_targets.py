"""The seed-alone eval runs through the real retrieval path and holds its measured level.

The floors are the numbers measured when the ranking was last changed, less a small
margin for platform noise (README, "Retrieval accuracy"); a regression fails CI.
The served encoder runs over a copy of the session's seed index; torch builds its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from suite_support import copy_index

from embeddings.encoder import Encoder, SentenceTransformerEncoder
from eval.questions import bundled_questions_path, load_questions
from eval.runner import ModeReport, run_eval
from qa.cables.records import Cable
from qa.service import CableIndex
from qa.settings import Settings

# Torch, the sentence-transformers backend (CABLEQA_ENCODER_BACKEND=torch).
FLOORS = {
    "hybrid": {"hit@1": 0.80, "hit@5": 0.95, "mrr@10": 0.86},
    "dense": {"hit@1": 0.65, "mrr@10": 0.78},
    "bm25": {"hit@1": 0.75, "mrr@10": 0.80},
}
# The served default: Settings' own default backend (onnx-int8: int8 documents and questions, one text
# per run), the session encoder over a copy of the session's seed index.
DEFAULT_PATH_FLOORS = {
    "hybrid": {"hit@1": 0.78, "hit@5": 0.95, "mrr@10": 0.85},
    "dense": {"hit@1": 0.65, "mrr@10": 0.78},
    "bm25": {"hit@1": 0.75, "mrr@10": 0.80},
}


def _seed_reports(index: CableIndex) -> dict[str, ModeReport]:
    questions = load_questions(bundled_questions_path())
    return {r.mode: r for r in run_eval(index, questions, ["hybrid", "dense", "bm25"])}


@pytest.fixture(scope="module")
def torch_reports(tmp_path_factory: pytest.TempPathFactory, torch_encoder: SentenceTransformerEncoder,
                  seed: Cable) -> dict[str, ModeReport]:
    index = CableIndex.open(tmp_path_factory.mktemp("eval-torch") / "index", torch_encoder)
    index.ingest([seed])
    return _seed_reports(index)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path,
            encoder: Encoder) -> dict[str, ModeReport]:
    """The served default encoder over a copy of the session's seed index."""
    return _seed_reports(CableIndex.open(copy_index(seed_index_dir, tmp_path_factory.mktemp("eval") / "index"),
                                         encoder))


def _holds(reports: dict[str, ModeReport], mode: str, floors: dict[str, dict[str, float]]) -> None:
    summary = reports[mode].summary
    shortfalls = {m: round(summary[m], 3) for m, floor in floors[mode].items() if summary[m] < floor}
    misses = [(r.question_id, r.kind, [h.citation for h in r.ranked[:3]]) for r in reports[mode].misses(1)]
    assert not shortfalls, f"{mode} below its floor: {shortfalls}; misses: {misses}"


@pytest.mark.parametrize("mode", list(FLOORS))
def test_seed_alone_eval_on_torch_holds_its_measured_floor(torch_reports: dict[str, ModeReport], mode: str) -> None:
    _holds(torch_reports, mode, FLOORS)


@pytest.mark.parametrize("mode", list(DEFAULT_PATH_FLOORS))
def test_seed_alone_eval_on_the_served_default_encoder_holds_its_floor(
        reports: dict[str, ModeReport], mode: str) -> None:
    _holds(reports, mode, DEFAULT_PATH_FLOORS)


def test_hybrid_ranks_at_least_as_well_as_either_mode_alone(reports: dict[str, ModeReport]) -> None:
    hybrid = reports["hybrid"].summary["mrr@10"]
    assert hybrid >= reports["dense"].summary["mrr@10"]
    assert hybrid >= reports["bm25"].summary["mrr@10"]


def test_every_question_is_answered_within_a_second(reports: dict[str, ModeReport]) -> None:
    # Generous on purpose: this guards against a pathological path, not a speed target (see bench/).
    assert max(r.latency_ms for r in reports["hybrid"].results) < 5000


def test_eval_command_prints_exactly_the_documented_keys_per_mode(seed_copy: Callable[[], Path],
                                                                  tmp_path: Path) -> None:
    # A bare environment, but the session's seed index and the ONNX export the session encoder uses.
    env = {"CABLEQA_INDEX_DIR": str(seed_copy()), "CABLEQA_ONNX_CACHE_DIR": str(Settings().onnx_cache_dir),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", "from qa.cli import main; main()", "eval", "--mode", "bm25", "--json",
         "--report", str(tmp_path / "reports")],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data["modes"]) == {"bm25"}
    assert set(data["modes"]["bm25"]) == {"hit@1", "hit@5", "hit@10", "recall@10", "mrr@10", "ndcg@10",
                                          "abstention_precision", "abstention_recall", "n"}
    assert data["modes"]["bm25"]["n"] == len(load_questions(bundled_questions_path()))
    assert (tmp_path / "reports" / "eval.md").exists() and (tmp_path / "reports" / "eval.png").exists()
