"""Questions asked while another thread ingests and deletes see the index before or after, never between.

Reader threads ask in a loop through the same :class:`CableIndex` that a writer thread uses
to add 09MOSCOW2747 and delete it again, four times over. Every answer must be exactly the
answer of the state without that cable or of the state with it (citations and scores), and
no call may raise. Both states must actually be seen, or the test proved nothing.

Scores are compared to 1e-5, not bit for bit: a query encoded while other threads run the
model may take a different split of torch's thread pool, which moves the last bits of a
float (about 1e-7), never a citation. A mix of two states moves scores by 1e-2 and more.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from suite_support import LAVROV, copy_index

from embeddings.encoder import Encoder
from qa.cables.corpus import read_cable_file
from qa.cables.records import Cable
from qa.errors import UnknownCableError
from qa.service import CableIndex

POLISH = "what do Polish diplomats jokingly call the Bureau of European Security"
QUESTIONS = (POLISH, LAVROV, "Russian objections to missile defense in Europe")
MODES = ("hybrid", "dense", "bm25")
TOGGLES = 4  # ingest, delete, ingest, delete ... : 2 * TOGGLES generations
READERS = 3

Key = tuple[str, str]
Cited = tuple[tuple[str, float], ...]


def _same(got: Cited, expected: Cited) -> bool:
    return ([c for c, _ in got] == [c for c, _ in expected]
            and all(abs(a - b) <= 1e-5 for (_, a), (_, b) in zip(got, expected, strict=True)))


def _answers(index: CableIndex) -> dict[Key, Cited]:
    return {(q, m): _cited(index, q, m) for q in QUESTIONS for m in MODES}


def _cited(index: CableIndex, question: str, mode: str) -> Cited:
    return tuple((h.citation, h.score) for h in index.ask(question, k=5, mode=mode).hits)


@pytest.fixture(scope="module")
def moscow(corpus: Path) -> Cable:
    return read_cable_file(corpus / "cables" / "09MOSCOW2747.txt")


@pytest.mark.corpus
def test_readers_during_ingest_and_delete_see_before_or_after_and_never_fail(
        seed_index_dir: Path, moscow: Cable, encoder: Encoder, tmp_path: Path) -> None:
    index = CableIndex.open(copy_index(seed_index_dir, tmp_path / "index"), encoder)
    before = _answers(index)
    index.ingest([moscow])
    after = _answers(index)
    index.delete(moscow.id)
    assert _answers(index) == before  # the delete restores the first state exactly
    assert before[(POLISH, "hybrid")] != after[(POLISH, "hybrid")]

    done = threading.Event()
    errors: list[BaseException] = []
    mixed: list[str] = []
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def read() -> None:
        try:
            while not done.is_set():
                for question in QUESTIONS:
                    for mode in MODES:
                        got = _cited(index, question, mode)
                        state = ("before" if _same(got, before[(question, mode)]) else
                                 "after" if _same(got, after[(question, mode)]) else None)
                        with lock:
                            if state is None:
                                mixed.append(f"{mode} {question!r}: {got}")
                            else:
                                seen[state] += 1
                try:
                    cable = index.cable(moscow.id)
                    with lock:
                        seen["cable read"] += 1
                    assert cable.text == moscow.text
                except UnknownCableError:
                    with lock:
                        seen["cable absent"] += 1
        except BaseException as error:  # every failure, assertion or not, is reported below
            with lock:
                errors.append(error)

    def write() -> None:
        try:
            for _ in range(TOGGLES):
                index.ingest([moscow])
                time.sleep(0.2)
                index.delete(moscow.id)
                time.sleep(0.2)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            done.set()

    threads = [threading.Thread(target=read) for _ in range(READERS)] + [threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"

    assert errors == []
    assert mixed == []
    assert seen["before"] > 0 and seen["after"] > 0, seen
    assert seen["cable read"] > 0 and seen["cable absent"] > 0, seen
    assert index.snapshot.manifest.generation == 1 + 2 + 2 * TOGGLES
