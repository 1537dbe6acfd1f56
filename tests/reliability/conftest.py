"""Fixtures for the reliability tests: a real seed index and apps over copies of index folders.

Everything is real: the session's one model (``encoder``), FAISS, BM25, SQLite, and HTTP
through the app's own middleware and handlers. Each test that writes gets its own copy of
an index folder; the shared ones are never written after they are built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from reliability_support import build_app

from embeddings.encoder import SentenceTransformerEncoder
from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.cables.records import Cable
from qa.service import CableIndex

AppFactory = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture(scope="session")
def seed() -> Cable:
    return read_cable_file(seed_cable_path())


@pytest.fixture(scope="session")
def seed_root(tmp_path_factory: pytest.TempPathFactory, encoder: SentenceTransformerEncoder, seed: Cable) -> Path:
    """An index folder holding the seed cable alone (generation 1); copy it before writing."""
    root = tmp_path_factory.mktemp("reliability-seed") / "index"
    CableIndex.open(root, encoder).ingest([seed])
    return root


@pytest.fixture
def make_client(encoder: SentenceTransformerEncoder) -> AppFactory:
    """``with make_client(folder, api_key="k") as client:`` a real app over ``folder``."""

    @contextmanager
    def make(index_dir: Path, **settings: Any) -> Iterator[TestClient]:
        with TestClient(build_app(index_dir, encoder, **settings), raise_server_exceptions=False) as client:
            yield client

    return make


