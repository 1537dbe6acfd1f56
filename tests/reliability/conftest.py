"""Fixtures for the reliability tests: real apps over copies of index folders.

Everything is real: the session's one model (``encoder``), FAISS, BM25, SQLite, and HTTP
through the app's own middleware and handlers. Each test that writes gets its own copy of
an index folder (most often of the session's seed index, ``seed_index_dir``); the shared ones
are never written after they are built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from reliability_support import build_app

from embeddings.encoder import Encoder

AppFactory = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def make_client(encoder: Encoder) -> AppFactory:
    """``with make_client(folder, api_key="k") as client:`` a real app over ``folder``."""

    @contextmanager
    def make(index_dir: Path, **settings: Any) -> Iterator[TestClient]:
        with TestClient(build_app(index_dir, encoder, **settings), raise_server_exceptions=False) as client:
            yield client

    return make
