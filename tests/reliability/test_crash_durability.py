"""kill -9 during a real ``cableqa ingest`` never leaves an index that errors or answers from a mix.

The ingest adds 20 corpus cables to an index holding the seed, committing every 5 cables, so
a run publishes four generations. It is killed with SIGKILL at chosen moments: while the
model loads, as soon as a staging folder appears, as soon as a generation folder is renamed
into place, and in the middle of encoding the second commit's cables. After each kill the
index must load and answer exactly as in one of the five states a complete commit can leave
(before, after 5, 10, 15 or 20 cables): same cables, same citations, same scores. Those
states are worked out by ingesting the same cables in the same commits in this process.
Cables and citations must match exactly, scores to 1e-4: the ingest runs the default
encoder backend (ONNX Runtime) and this process the session's torch model, whose vectors
agree to about 2e-7 and scores to about 2e-6. A state mixed from two commits changes the
cables held, and scores by far more.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_support import clean_env, small_corpus_cables
from suite_support import LAVROV, REPO, cli, copy_index

from embeddings.encoder import Encoder
from qa.cables.corpus import read_cable_file
from qa.service import CableIndex
from qa.store.generations import current_generation, generation_number

COMMIT_EVERY = 5
CABLES = 20
MODES = ("hybrid", "dense", "bm25")

State = tuple[frozenset[str], tuple[tuple[tuple[str, float], ...], ...]]


def _state(index: CableIndex, questions: list[str]) -> State:
    """What an index holds and answers: its cable ids, and every question's hits in every mode."""
    answers = tuple(
        tuple((hit.citation, hit.score) for hit in index.ask(q, k=10, mode=mode).hits)
        for q in questions for mode in MODES)
    return frozenset(index.snapshot.cable_rows), answers


def _which(state: State, states: list[State]) -> int | None:
    """The position of the complete-commit state ``state`` is, or None when it is none of them."""
    cables, answers = state
    for i, (known_cables, known_answers) in enumerate(states):
        if cables == known_cables and all(
                [c for c, _ in got] == [c for c, _ in known]
                and all(abs(a - b) <= 1e-4 for (_, a), (_, b) in zip(got, known, strict=True))
                for got, known in zip(answers, known_answers, strict=True)):
            return i
    return None


@pytest.fixture(scope="module")
def cable_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 20 smallest whole corpus cables, copied into one folder (the CLI reads it in name order)."""
    folder = tmp_path_factory.mktemp("crash-cables")
    for path in small_corpus_cables(CABLES, min_paragraphs=3):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def questions(cable_folder: Path) -> list[str]:
    """The seed's Lavrov question and two subjects of new cables: answers that change with each commit."""
    files = sorted(cable_folder.glob("*.txt"))
    subjects = [read_cable_file(files[i]).subject or "" for i in (2, 17)]
    return [LAVROV, *(s for s in subjects if s)]


@pytest.fixture(scope="module")
def states(seed_index_dir: Path, cable_folder: Path, questions: list[str], encoder: Encoder,
           tmp_path_factory: pytest.TempPathFactory) -> list[State]:
    """The five states a complete commit can leave, in order, from the same commits made in-process."""
    index = CableIndex.open(copy_index(seed_index_dir, tmp_path_factory.mktemp("crash-ref") / "index"), encoder)
    cables = [read_cable_file(p) for p in sorted(cable_folder.glob("*.txt"))]
    found = [_state(index, questions)]
    for start in range(0, len(cables), COMMIT_EVERY):
        index.ingest(cables[start:start + COMMIT_EVERY])
        found.append(_state(index, questions))
    assert len({s[0] for s in found}) == len(found), "every commit must change the cables held"
    assert len({s[1] for s in found}) == len(found), "every commit must change some answer"
    return found


def _staged(root: Path) -> list[Path]:
    return sorted(root.glob(".tmp-gen-*"))


def _generations(root: Path) -> list[int]:
    return sorted(generation_number(p) for p in root.glob("gen-*"))


def _current(root: Path) -> str:
    try:
        return (root / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def _poll(process: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float = 240.0) -> None:
    """Return as soon as ``ready()``; fail if the process ends first (the moment was never reached)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            pytest.fail(f"ingest ended ({process.returncode}) before the moment to kill it came")
        if time.monotonic() > deadline:
            pytest.fail(f"the moment to kill the ingest did not come within {timeout} s")
        time.sleep(0.001)


def _after_half_a_second(process: subprocess.Popen[bytes], root: Path) -> None:
    time.sleep(0.5)


def _first_staging_folder(process: subprocess.Popen[bytes], root: Path) -> None:
    _poll(process, lambda: bool(_staged(root)))


def _first_generation_renamed(process: subprocess.Popen[bytes], root: Path) -> None:
    before = max(_generations(root))
    _poll(process, lambda: max(_generations(root), default=0) > before)


def _between_commits(process: subprocess.Popen[bytes], root: Path) -> None:
    before = _current(root)
    _poll(process, lambda: _current(root) != before)  # the first commit is published
    _poll(process, lambda: not _staged(root))  # its staging folder is gone; the next chunks are encoding


KILL_AT: dict[str, Callable[[subprocess.Popen[bytes], Path], None]] = {
    "after 0.5 s (model loading)": _after_half_a_second,
    "as the first staging folder appears": _first_staging_folder,
    "as the first generation folder is renamed into place": _first_generation_renamed,
    "between the first and second commits": _between_commits,
}


def _ingest(root: Path, folder: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            cli("ingest", str(folder), "--index", str(root), "--commit-every", str(COMMIT_EVERY)),
            cwd=REPO, env=clean_env(), stdout=out, stderr=subprocess.STDOUT)


@pytest.mark.corpus
def test_kill_9_during_ingest_leaves_the_last_complete_commit_and_the_next_ingest_finishes_the_job(
        seed_index_dir: Path, cable_folder: Path, questions: list[str], states: list[State],
        encoder: Encoder, tmp_path: Path) -> None:
    seen: dict[str, int] = {}
    roots: dict[str, Path] = {}
    for moment, wait in KILL_AT.items():
        root = copy_index(seed_index_dir, tmp_path / f"index-{len(roots)}")
        process = _ingest(root, cable_folder, tmp_path / f"ingest-{len(roots)}.log")
        try:
            wait(process, root)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL, moment

        found = _which(_state(CableIndex.open(root, encoder), questions), states)  # loads: no error
        assert found is not None, f"killed {moment}: the index answers from no complete commit"
        seen[moment] = found
        roots[moment] = root

    # Where the kill fell, worked out from what was on disk when it landed.
    assert seen["after 0.5 s (model loading)"] == 0
    assert seen["as the first staging folder appears"] == 0
    assert seen["between the first and second commits"] == 1
    assert seen["as the first generation folder is renamed into place"] in (0, 1)

    # The next ingest, over a folder the kill left a staging folder in, clears it and completes.
    root = roots["as the first staging folder appears"]
    assert _staged(root), "the kill was meant to leave a half-written staging folder"
    finished = subprocess.run(
        cli("ingest", str(cable_folder), "--index", str(root), "--commit-every", str(COMMIT_EVERY)),
        cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr
    assert f"ingested {CABLES} cables" in finished.stdout
    assert not _staged(root)
    assert len(_generations(root)) <= 2  # the live one and the one before it
    assert current_generation(root).name == f"gen-{max(_generations(root)):06d}"
    assert _which(_state(CableIndex.open(root, encoder), questions), states) == len(states) - 1
