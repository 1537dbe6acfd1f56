"""Fixtures for the API tests: one real app over a copy of the session's seed index.

The session app is built the way ``cableqa serve`` builds it: settings read from the environment,
``CABLEQA_INDEX_DIR`` naming the index folder (here a copy of the seed index ``tests/conftest.py``
builds once). Tests that write, or need other settings (keys, limits), get their own app over
another copy, sharing the one loaded model, so each starts in about a second.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from suite_support import copy_index

from api.app import create_app
from embeddings.encoder import Encoder
from qa.settings import Settings, get_settings

AppFactory = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture(scope="session")
def api_app(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> FastAPI:
    """The app from the environment, as ``cableqa serve`` makes it (settings read once, then restored)."""
    root = copy_index(seed_index_dir, tmp_path_factory.mktemp("api-index") / "index")
    saved = os.environ.get("CABLEQA_INDEX_DIR")
    os.environ["CABLEQA_INDEX_DIR"] = str(root)
    get_settings.cache_clear()
    try:
        return create_app(encoder=encoder)
    finally:
        if saved is None:
            del os.environ["CABLEQA_INDEX_DIR"]
        else:
            os.environ["CABLEQA_INDEX_DIR"] = saved
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def client(api_app: FastAPI) -> Iterator[TestClient]:
    """The shared client over the session app. Tests must not write through it."""
    with TestClient(api_app) as test_client:
        yield test_client


@pytest.fixture
def make_client(seed_copy: Callable[[], Path], encoder: Encoder) -> AppFactory:
    """``with make_client(api_key="k") as c:`` a fresh app over a copy of the seed index.

    ``make_client(folder, ...)`` opens that folder instead (a restart); other keywords are
    :class:`Settings` fields.
    """

    @contextmanager
    def make(index_dir: Path | None = None, **settings: Any) -> Iterator[TestClient]:
        app = create_app(Settings(index_dir=index_dir or seed_copy(), **settings), encoder=encoder)
        with TestClient(app) as test_client:
            yield test_client

    return make


@pytest.fixture(scope="session")
def corpus_text(corpus: Path) -> Callable[[str], str]:
    """``corpus_text("09MOSCOW2747")``: a real cable's text from the shared corpus (skips if absent)."""

    def read(name: str) -> str:
        return (corpus / "cables" / f"{name}.txt").read_text(encoding="utf-8")

    return read
