"""Merges off the write lock, with real processes: a merger (``merge_process.py``) builds a run of segments
and waits; meanwhile this process uploads, replaces and deletes; then the merger commits.

Real model, real FAISS and SQLite, real folders and flocks; the corpus cables where ``../shared`` is present.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from suite_support import LAVROV, REPO, answers_in_every_mode, corpus_or_skip, live_segments

from embeddings.encoder import Encoder
from qa.cables.corpus import read_cable_file
from qa.cables.parse import parse_cable
from qa.cables.records import Cable
from qa.service import CableIndex
from qa.store.generations import SEGMENTS
from qa.store.merges import plan_merge
from qa.store.reader import load_current
from qa.store.writer import write_generation
from qa.store.writer_lock import WriterLock

SCRIPT = Path(__file__).with_name("merge_process.py")
QUESTIONS = (LAVROV, "Tu-95 bomber intrusion into Japanese airspace", "Sakhalin oil and gas",
             "election results and the opposition", "nuclear program sanctions")
NO_MERGES = 1000  # a merge factor no test index reaches: only the merges a test starts run


@pytest.fixture(scope="module")
def cables() -> list[Cable]:
    files = sorted((corpus_or_skip() / "cables").glob("*.txt"))[:24:2]
    return [read_cable_file(f) for f in files]


class Merger:
    """``merge_process.py`` running on ``root``: ready once it has built, committing once let go."""

    def __init__(self, root: Path, start: int, end: int, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.ready, self.go = folder / "ready", folder / "go"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT), str(root), str(start), str(end), str(self.ready), str(self.go)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def built(self) -> Path:
        """The staging folder of the built merged segment, once the merger has built it."""
        deadline = time.monotonic() + 120
        while not self.ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the merger never got ready: {self.process.communicate()}")
            time.sleep(0.02)
        return Path(self.ready.read_text(encoding="utf-8"))

    def commit(self) -> str:
        """Let the merger commit; what it printed (the generation it published, or ``abandoned``)."""
        self.go.touch()
        out, err = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, err
        return out.strip()


@contextmanager
def merger(root: Path, start: int, end: int, folder: Path) -> Iterator[Merger]:
    running = Merger(root, start, end, folder)
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.communicate()


def _generation(root: Path) -> int:
    return int((root / "CURRENT").read_text().strip().split("-")[1])


def _staging(root: Path) -> list[str]:
    return sorted(p.name for p in (root / SEGMENTS).iterdir() if p.name.startswith(".tmp-"))


NEW_WORDS = "The embassy notes a reworded paragraph about tundra reindeer herding."


def _new_text(cable: Cable) -> Cable:
    """``cable`` (same id) with a sentence added to its last paragraph, parsed again from its text."""
    end = cable.paragraphs[-1].end
    changed = parse_cable(f"{cable.text[:end]} {NEW_WORDS}{cable.text[end:]}", source=cable.id, id_hint=cable.id)
    assert changed.id == cable.id and NEW_WORDS in changed.paragraphs[-1].text
    return changed


def _segmented(root: Path, encoder: Encoder, cables: list[Cable], per_segment: int = 1) -> CableIndex:
    """The seed index with ``cables`` added ``per_segment`` at a time: a segment each write, none merged."""
    index = CableIndex.open(root, encoder, merge_factor=NO_MERGES)
    for start in range(0, len(cables), per_segment):
        index.ingest(cables[start:start + per_segment])
    return index


def test_a_write_publishes_while_a_merge_builds_and_the_merge_carries_its_tombstones(
        seed_copy: Callable[[], Path], tmp_path: Path, encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = _segmented(root, encoder, cables[:6], per_segment=2)
    run = live_segments(root)[1:4]  # cables 0 and 1, 2 and 3, 4 and 5
    index.delete(cables[4].id)  # before the merge's base: dropped by the merge, not carried
    with merger(root, 1, 4, tmp_path / "merger") as running:
        staged = running.built()
        assert staged.is_dir() and staged.parent == root / SEGMENTS
        before_writes = _generation(root)
        index.ingest([_new_text(cables[1])])  # replaced: a tombstone in the run's first segment
        index.delete(cables[2].id)  # a tombstone in its second
        index.ingest([cables[7]])
        written = _generation(root)
        assert written == before_writes + 3  # published while the merge was built, not after it
        merged_at = int(running.commit())
    assert merged_at > written
    segments = live_segments(root)
    assert segments[0] == "seg-000001" and not set(run) & set(segments)
    merged = f"seg-{merged_at:06d}"
    assert segments[1] == merged and len(segments) == 4  # seed, merged, the replacement, cable 7
    index.refresh()
    assert index.snapshot.manifest.deleted == {merged: sorted([cables[1].id, cables[2].id])}
    assert cables[2].id not in index.snapshot.cable_rows
    assert NEW_WORDS in index.snapshot.cable_text(cables[1].id)  # type: ignore[operator]
    assert _staging(root) == []

    whole = CableIndex.open(tmp_path / "whole", encoder, merge_factor=NO_MERGES)
    whole.ingest([index.cable("08TOKYO1074"), cables[0], _new_text(cables[1]), cables[3], cables[5], cables[7]])
    for reader in (index, CableIndex.open(root, encoder)):
        manifest = reader.snapshot.manifest
        assert (manifest.cables, manifest.paragraphs, manifest.vectors, manifest.sentences) == (
            whole.snapshot.manifest.cables, whole.snapshot.manifest.paragraphs, whole.snapshot.manifest.vectors,
            whole.snapshot.manifest.sentences)
        assert answers_in_every_mode(reader, QUESTIONS) == answers_in_every_mode(whole, QUESTIONS)


def test_a_cable_replaced_before_the_merge_and_deleted_while_it_builds_stays_deleted(
        seed_copy: Callable[[], Path], tmp_path: Path, encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = _segmented(root, encoder, cables[:4], per_segment=2)
    index.ingest([_new_text(cables[1]), cables[4]])  # cable 1's old version tombstoned in the first segment
    assert len(live_segments(root)) == 4
    with merger(root, 1, 4, tmp_path / "merger") as running:  # both versions' segments in the run
        running.built()
        index.delete(cables[1].id)  # the new version, in the run's last segment: a tombstone there
        merged_at = int(running.commit())
    merged = f"seg-{merged_at:06d}"
    for reader in (index, CableIndex.open(root, encoder)):
        snapshot = reader.refresh()
        assert live_segments(root) == ["seg-000001", merged]
        assert cables[1].id not in snapshot.cable_rows  # the delete holds through the merge
        assert snapshot.manifest.deleted == {merged: [cables[1].id]}
        assert all(not h.citation.startswith(cables[1].id + " ")
                   for h in reader.ask(NEW_WORDS, k=20, mode="bm25").hits)
    whole = CableIndex.open(tmp_path / "whole", encoder, merge_factor=NO_MERGES)
    whole.ingest([index.cable("08TOKYO1074"), cables[0], cables[2], cables[3], cables[4]])
    assert (index.snapshot.manifest.cables, index.snapshot.manifest.paragraphs) == (
        whole.snapshot.manifest.cables, whole.snapshot.manifest.paragraphs)
    assert answers_in_every_mode(index, QUESTIONS) == answers_in_every_mode(whole, QUESTIONS)


def test_a_merge_whose_run_was_emptied_meanwhile_is_abandoned_and_leaves_no_folder(
        seed_copy: Callable[[], Path], tmp_path: Path, encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = _segmented(root, encoder, cables[:3])
    with merger(root, 1, 3, tmp_path / "merger") as running:
        assert running.built().is_dir()
        index.delete(cables[0].id)  # its segment held only it: no longer listed
        live = _generation(root)
        assert running.commit() == "abandoned"
    assert _generation(root) == live
    assert _staging(root) == []
    assert {p.name for p in (root / SEGMENTS).iterdir()} <= {*live_segments(root), "seg-000002"}
    assert index.refresh().manifest.cables == 3


def test_a_killed_mergers_folder_stays_while_it_runs_and_goes_with_the_next_write(
        seed_copy: Callable[[], Path], tmp_path: Path, encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = _segmented(root, encoder, cables[:3])
    with merger(root, 1, 3, tmp_path / "merger") as running:
        staged = running.built()
        index.ingest([cables[4]])  # a write while the builder lives leaves its folder alone
        assert staged.is_dir()
        running.process.send_signal(signal.SIGKILL)
        running.process.wait()
    assert staged.is_dir()
    index.delete(cables[4].id)
    assert not staged.exists() and _staging(root) == []
    assert index.ask(LAVROV, k=1).hits[0].citation == "08TOKYO1074 ¶3"


def test_two_processes_cannot_merge_at_once(
        seed_copy: Callable[[], Path], tmp_path: Path, encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    _segmented(root, encoder, cables[:3])
    with merger(root, 1, 3, tmp_path / "first") as first:
        first.built()
        with merger(root, 1, 3, tmp_path / "second") as second:
            out, _ = second.process.communicate(timeout=60)
            assert (second.process.returncode, out.strip()) == (3, "busy")
            assert not second.ready.exists()
        assert len(_staging(root)) == 1  # the first merger's only
        assert first.commit().isdigit()
    assert len(live_segments(root)) == 3


def test_the_service_merges_in_the_background_and_answers_as_an_index_that_never_merged(
        seed_copy: Callable[[], Path], tmp_path: Path, encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = CableIndex.open(root, encoder, merge_factor=2)
    for cable in cables[:8]:
        index.ingest([cable])
    index.delete(cables[2].id)
    assert index.wait_for_merges(timeout=120)
    snapshot = index.refresh()
    assert plan_merge(snapshot, 2) is None and len(snapshot.segments) < 9
    assert _staging(root) == []
    whole = CableIndex.open(tmp_path / "whole", encoder, merge_factor=NO_MERGES)
    whole.ingest([index.cable("08TOKYO1074"), *(c for c in cables[:8] if c.id != cables[2].id)])
    assert (snapshot.manifest.cables, snapshot.manifest.paragraphs) == (
        whole.snapshot.manifest.cables, whole.snapshot.manifest.paragraphs)
    assert answers_in_every_mode(index, QUESTIONS) == answers_in_every_mode(whole, QUESTIONS)


def test_optimize_builds_off_the_lock_and_merges_again_what_a_write_left_meanwhile(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable]) -> None:
    root = seed_copy()
    index = _segmented(root, encoder, cables[:4], per_segment=2)
    before = _generation(root)
    optimizing = threading.Thread(target=index.optimize)
    with WriterLock(root).held(wait=10):  # another writer's lock, held through the optimize's build
        optimizing.start()
        deadline = time.monotonic() + 60
        while not _staging(root):
            assert time.monotonic() < deadline, "the optimize never started building"
            time.sleep(0.01)
        latest = load_current(root, encoder.model_name)
        write_generation(root, latest, None, {cables[0].id})  # a delete from the run, while it builds
    optimizing.join(timeout=120)
    assert not optimizing.is_alive()
    # The delete, the first merge (the tombstone carried), the second merge (one segment, nothing deleted).
    assert _generation(root) == before + 3
    assert len(live_segments(root)) == 1 and index.snapshot.manifest.deleted == {}
    generation = root / (root / "CURRENT").read_text().strip()
    assert json.loads((generation / "manifest.json").read_text())["deleted"] == {}
    assert sorted(index.snapshot.cable_rows) == sorted(["08TOKYO1074", *(c.id for c in cables[1:4])])
    assert _staging(root) == []


def test_a_background_merge_that_fails_is_logged_and_publishes_nothing(
        seed_copy: Callable[[], Path], encoder: Encoder, cables: list[Cable], caplog: pytest.LogCaptureFixture) -> None:
    root = seed_copy()
    _segmented(root, encoder, cables[:6])
    index = CableIndex.open(root, encoder, merge_factor=2)
    assert plan_merge(index.snapshot, 2) is not None  # due, and started by the next write
    for segment in live_segments(root):  # every segment's store gone: a merge cannot read its cables
        (root / SEGMENTS / segment / "store.sqlite").unlink()
    with caplog.at_level(logging.ERROR, logger="qa.store.merge_scheduler"):
        index.delete(cables[5].id)
        written = _generation(root)
        assert index.wait_for_merges(timeout=60)
    assert [r.getMessage() for r in caplog.records] == [
        f"background merge of the index at {root} failed; nothing it built was published (the index answers "
        "as before) and the next write tries again"]
    assert _generation(root) == written == index.snapshot.manifest.generation
    assert _staging(root) == []
    assert cables[5].id not in index.snapshot.cable_rows
