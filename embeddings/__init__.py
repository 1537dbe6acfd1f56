"""Embeddings: text to unit vectors (``encoder``) and the vector index they are searched in.

The FAISS backends (``faiss_flat``, ``faiss_hnsw``, ``faiss_ivfpq``) are not imported here; reach
them through :func:`create_index` and :func:`load_index`, which import FAISS on first use.
"""

from __future__ import annotations

from embeddings.encoder import BUNDLED_MODEL_NAME, Encoder, SentenceTransformerEncoder
from embeddings.index import KINDS, Neighbours, VectorIndex, create_index, load_index
from embeddings.windows import token_windows

__all__ = [
    "BUNDLED_MODEL_NAME",
    "KINDS",
    "Encoder",
    "Neighbours",
    "SentenceTransformerEncoder",
    "VectorIndex",
    "create_index",
    "load_index",
    "token_windows",
]
