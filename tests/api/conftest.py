"""Fixtures for the API tests: one real app over a real index, built once per session.

The session app is built the way ``cableqa serve`` builds it: ``CABLEQA_INDEX_DIR`` names an
empty folder, and the lifespan builds the index from the bundled seed cable (20-40 s on two
cores). Tests that write, or need other settings (keys, limits), get their own app over a
copy of that index folder, sharing the one loaded model, so each starts in about a second.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from embeddings.encoder import SentenceTransformerEncoder
from qa.settings import Settings, get_settings

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
LAVROV = "what did Lavrov say about missile defense"

AppFactory = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api-index") / "index"


@pytest.fixture(scope="session")
def api_app(seed_index_dir: Path, encoder: SentenceTransformerEncoder) -> FastAPI:
    """The app from the environment, as ``cableqa serve`` makes it (settings read once, then restored)."""
    saved = os.environ.get("CABLEQA_INDEX_DIR")
    os.environ["CABLEQA_INDEX_DIR"] = str(seed_index_dir)
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
    """The shared client; its lifespan has built the index from the seed. Tests must not write through it."""
    with TestClient(api_app) as test_client:
        yield test_client


@pytest.fixture
def index_copy(client: TestClient, seed_index_dir: Path, tmp_path: Path) -> Callable[[], Path]:
    """``index_copy()``: a private copy of the seed index folder (the session app has built it)."""
    copies = 0

    def copy() -> Path:
        nonlocal copies
        copies += 1
        target = tmp_path / f"index-{copies}"
        shutil.copytree(seed_index_dir, target)
        return target

    return copy


@pytest.fixture
def make_client(index_copy: Callable[[], Path], encoder: SentenceTransformerEncoder) -> AppFactory:
    """``with make_client(api_key="k") as c:`` a fresh app over a copy of the seed index.

    ``make_client(folder, ...)`` opens that folder instead (a restart); other keywords are
    :class:`Settings` fields.
    """

    @contextmanager
    def make(index_dir: Path | None = None, **settings: Any) -> Iterator[TestClient]:
        app = create_app(Settings(index_dir=index_dir or index_copy(), **settings), encoder=encoder)
        with TestClient(app) as test_client:
            yield test_client

    return make


@pytest.fixture(scope="session")
def corpus_text() -> Callable[[str], str]:
    """``corpus_text("09MOSCOW2747")``: a real cable's text from ``../shared/corpus`` (skips if absent)."""
    if not (CORPUS / "cables").is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")

    def read(name: str) -> str:
        return (CORPUS / "cables" / f"{name}.txt").read_text(encoding="utf-8")

    return read
