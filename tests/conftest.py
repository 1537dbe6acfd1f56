"""Session fixtures shared by every test package: the real embedding model, loaded once."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from embeddings.encoder import SentenceTransformerEncoder

# The fixture indexes are built by the torch encoder below, whose vectors (and manifest identity) are
# the fp32 ones; servers and CLI runs the tests start on those indexes must open them with the fp32
# backend, not the default int8 one. Helpers that start from a clean environment keep this variable.
FIXTURE_BACKEND = ("CABLEQA_ENCODER_BACKEND", "onnx")


@pytest.fixture(scope="session", autouse=True)
def fixture_indexes_backend() -> Iterator[None]:
    name, value = FIXTURE_BACKEND
    with pytest.MonkeyPatch.context() as patch:
        if name not in os.environ:
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def encoder() -> SentenceTransformerEncoder:
    """The bundled all-MiniLM-L6-v2 on the CPU (about 6 s to import and load)."""
    return SentenceTransformerEncoder()
