"""Real indexes for the retrieval tests: the seed alone, and the seed among a few corpus cables.

Both are built once per session with the real model, FAISS and BM25 in temporary folders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.encoder import SentenceTransformerEncoder
from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.cables.records import Cable
from qa.service import CableIndex

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
# Chosen for their spread: SECRET with S/NF and SBU portions, CONFIDENTIAL, SBU, several posts and years.
MIXED = ("07MOSCOW104", "08MOSCOW2701", "09BEIJING1378", "10STATE284", "07PARIS1791", "09MEXICO3061")


@pytest.fixture(scope="session")
def seed() -> Cable:
    return read_cable_file(seed_cable_path())


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, encoder: SentenceTransformerEncoder,
               seed: Cable) -> CableIndex:
    index = CableIndex.open(tmp_path_factory.mktemp("seed") / "index", encoder)
    index.ingest([seed])
    return index


@pytest.fixture(scope="session")
def mixed_cables() -> list[Cable]:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    return [read_cable_file(CORPUS / "cables" / f"{name}.txt") for name in MIXED]


@pytest.fixture(scope="session")
def mixed_index(tmp_path_factory: pytest.TempPathFactory, encoder: SentenceTransformerEncoder, seed: Cable,
                mixed_cables: list[Cable]) -> CableIndex:
    index = CableIndex.open(tmp_path_factory.mktemp("mixed") / "index", encoder)
    index.ingest([seed, *mixed_cables])
    return index
