"""The index of the search tests beyond the seed alone: the seed among six corpus cables (``mixed_cables``).

Built once per session from a copy of the session's seed index, with the real model, FAISS and BM25.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from suite_support import copy_index

from embeddings.encoder import Encoder
from qa.cables.records import Cable
from qa.service import CableIndex


@pytest.fixture(scope="session")
def mixed_index(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path, encoder: Encoder,
                mixed_cables: list[Cable]) -> CableIndex:
    index = CableIndex.open(copy_index(seed_index_dir, tmp_path_factory.mktemp("mixed") / "index"), encoder)
    index.ingest(mixed_cables)
    return index
