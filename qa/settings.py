"""The one settings object: every knob of cableqa, read from ``CABLEQA_*`` variables.

Read through :func:`get_settings` (cached), never at import time, so tests and the
CLI can set the environment first.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]

EncoderBackend = Literal["torch", "onnx", "onnx-int8"]
IndexType = Literal["flat", "hnsw", "ivfpq"]
Mode = Literal["hybrid", "dense", "bm25"]


def _default_index_dir() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "cableqa" / "index"


class Settings(BaseSettings):
    """Every setting, with its ``CABLEQA_`` environment variable (``CABLEQA_INDEX_DIR`` ...)."""

    model_config = SettingsConfigDict(env_prefix="CABLEQA_", extra="ignore")

    index_dir: Path = Field(default_factory=_default_index_dir)
    model: str = Field(
        default="",
        description="sentence-transformers model name or folder; empty = bundled all-MiniLM-L6-v2",
    )
    encoder_backend: EncoderBackend = "torch"
    index_type: IndexType = "flat"
    batch_size: int = Field(default=32, ge=1, le=1024)
    default_mode: Mode = "hybrid"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_key: SecretStr | None = None
    max_question_chars: int = 2000
    max_upload_bytes: int = Field(default=5_000_000, ge=1)
    max_batch_questions: int = 64


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
