"""What every test folder shares: where the checkout and the shared corpus are, index copies, the CLI.

Imported by name (``from suite_support import ...``): pytest puts ``tests/`` on the path for its
``conftest.py``. The corpus lives beside the checkout (``../shared/corpus``) and is not part of the
project: whatever needs it skips where it is absent (:func:`corpus_or_skip`, or the ``corpus`` fixture).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

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
