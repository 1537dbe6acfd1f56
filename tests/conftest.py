"""Session fixtures shared by every test folder: the served model, the seed index, the corpus.

The model is the one ``cableqa serve`` serves by default (``load_encoder(Settings())``), loaded
once. The seed index is built once per session, the way ``cableqa serve`` builds it on an empty
folder; a test that writes, or needs an index folder of its own, takes a copy (``seed_copy``).
The few tests whose point is the build from an empty folder build their own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from suite_support import copy_index, corpus_or_skip

from embeddings.encoder import Encoder, SentenceTransformerEncoder
from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.cables.records import Cable
from qa.service import CableIndex
from qa.settings import Settings
from qa.startup import load_encoder, open_index

# Chosen for their spread: SECRET with S/NF and SBU portions, CONFIDENTIAL, SBU, several posts and years.
MIXED = ("07MOSCOW104", "08MOSCOW2701", "09BEIJING1378", "10STATE284", "07PARIS1791", "09MEXICO3061")

@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The encoder ``cableqa serve`` serves by default: the bundled all-MiniLM-L6-v2 on ONNX Runtime,
    int8 documents and questions one text per call, exported once into the user's cache."""
    return load_encoder(Settings())


@pytest.fixture(scope="session")
def torch_encoder() -> SentenceTransformerEncoder:
    """The same model on sentence-transformers and torch (about 6 s to import and load), for the tests
    about that backend and the ones that compare the others against it."""
    return SentenceTransformerEncoder()


@pytest.fixture(scope="session")
def seed() -> Cable:
    return read_cable_file(seed_cable_path())


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """The bundled seed cable's index (generation 1), built once as ``cableqa serve`` builds it on an
    empty folder. Shared by the whole session: never write to it, copy it (``seed_copy``)."""
    root = tmp_path_factory.mktemp("seed-index") / "index"
    open_index(Settings(index_dir=root), encoder, say=lambda _: None)
    return root


@pytest.fixture
def seed_copy(seed_index_dir: Path, tmp_path: Path) -> Callable[[], Path]:
    """``seed_copy()``: a private copy of the seed index folder under this test's ``tmp_path``."""
    copies = 0

    def copy() -> Path:
        nonlocal copies
        copies += 1
        return copy_index(seed_index_dir, tmp_path / f"seed-index-{copies}")

    return copy


@pytest.fixture(scope="session")
def seed_index(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> CableIndex:
    """The seed index opened for reading, over a session copy of its own (tests only ask it)."""
    return CableIndex.open(copy_index(seed_index_dir, tmp_path_factory.mktemp("seed-read") / "index"), encoder)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder, ``../shared/corpus`` (``MANIFEST.csv``, ``cables/``); skips where it is absent."""
    return corpus_or_skip()


@pytest.fixture(scope="session")
def mixed_cables(corpus: Path) -> list[Cable]:
    """Six parsed corpus cables of several levels, posts and years (``MIXED``)."""
    return [read_cable_file(corpus / "cables" / f"{name}.txt") for name in MIXED]

