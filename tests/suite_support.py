"""What every test folder shares: where the checkout and the shared corpus are, index copies, the CLI.

Imported by name (``from suite_support import ...``): pytest puts ``tests/`` on the path for its
``conftest.py``. The corpus lives beside the checkout (``../shared/corpus``) and is not part of the
project: whatever needs it skips where it is absent (:func:`corpus_or_skip`, or the ``corpus`` fixture).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import mmap
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

if TYPE_CHECKING:
    from qa.service import CableIndex

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
LAVROV = "what did Lavrov say about missile defense"


def corpus_or_skip() -> Path:
    """The shared corpus folder (``MANIFEST.csv``, ``cables/``); skips the calling test where it is absent."""
    if not (CORPUS / "cables").is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return CORPUS


def corpus_cable_path(name: str) -> Path:
    """``corpus_cable_path("09MOSCOW2747")``: that corpus cable's file; skips where the corpus is absent."""
    return corpus_or_skip() / "cables" / f"{name}.txt"


def copy_index(source: Path, target: Path) -> Path:
    """A private copy of the index folder ``source`` at ``target`` (which must not exist yet)."""
    shutil.copytree(source, target)
    return target


def cli(*args: str) -> list[str]:
    """The ``cableqa`` command as this interpreter runs it (no reliance on the console script)."""
    return [sys.executable, "-c", "from qa.cli import main; main()", *args]


def live_segments(root: Path) -> list[str]:
    """The names of the segments the live generation lists, in order."""
    generation = root / (root / "CURRENT").read_text().strip()
    return [s["name"] for s in json.loads((generation / "manifest.json").read_text())["segments"]]


def live_segment(root: Path) -> Path:
    """The folder of the live generation's last segment (the one a seed index holds)."""
    return root / "segments" / live_segments(root)[-1]


Answers = list[tuple[list[float], list[tuple[str, float]]]]


def answers_in_every_mode(index: CableIndex, questions: Sequence[str]) -> Answers:
    """Each question's scores in rank order, and its hits (equal scores may list in either order), per mode:
    what two indexes holding the same live cables must agree on."""
    out = []
    for question in questions:
        for mode in ("hybrid", "dense", "bm25"):
            hits = [(h.citation, round(h.score, 5)) for h in index.ask(question, k=8, mode=mode).hits]
            out.append(([score for _, score in hits], sorted(hits)))
    return out


def resident_share(path: Path) -> float:
    """The share of ``path``'s pages in the page cache, by mincore(2) over a fresh mapping."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    size = path.stat().st_size
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ) as mapping:
        pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
        vector = (ctypes.c_ubyte * pages)()
        view = np.frombuffer(mapping, dtype=np.uint8)  # its data pointer is the mapping's address
        failed = libc.mincore(ctypes.c_void_p(view.ctypes.data), ctypes.c_size_t(size), vector)
        del view
        if failed:
            pytest.skip(f"mincore failed: {os.strerror(ctypes.get_errno())}")
        return sum(v & 1 for v in vector) / pages


def uncached_file(path: Path, pages: int = 2048) -> bytes:
    """``pages`` pages of random bytes written to ``path`` and dropped from the page cache (skips where the
    filesystem keeps them)."""
    data = np.random.default_rng(5).integers(0, 256, pages * mmap.PAGESIZE, dtype=np.uint8).tobytes()
    path.write_bytes(data)
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    if resident_share(path) > 0.05:
        pytest.skip("this filesystem keeps the file cached after POSIX_FADV_DONTNEED (tmpfs?)")
    return data
