"""Session fixtures shared by every test package: the real embedding model, loaded once."""

from __future__ import annotations

import pytest

from embeddings.encoder import SentenceTransformerEncoder


@pytest.fixture(scope="session")
def encoder() -> SentenceTransformerEncoder:
    """The bundled all-MiniLM-L6-v2 on the CPU (about 6 s to import and load)."""
    return SentenceTransformerEncoder()
