"""The one settings object: every knob of cableqa, read from ``CABLEQA_*`` variables.

Read through :func:`get_settings` (cached), never at import time, so tests and the
CLI can set the environment first.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from embeddings.encoder import Device
from qa.search.query import Mode

__all__ = ["Settings", "get_settings", "settings_problem"]

EncoderBackend = Literal["torch", "onnx", "onnx-int8"]
IndexType = Literal["auto", "flat", "hnsw", "ivfpq"]


def _default_onnx_cache_dir() -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "cableqa" / "onnx"


def _default_models_dir() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "cableqa" / "models"


def _default_index_dir() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "cableqa" / "index"


class Settings(BaseSettings):
    """Every setting, with its ``CABLEQA_`` environment variable (``CABLEQA_INDEX_DIR`` ...)."""

    model_config = SettingsConfigDict(env_prefix="CABLEQA_", extra="ignore")

    index_dir: Path = Field(default_factory=_default_index_dir)
    model: str = Field(
        default="",
        description="sentence-transformers folder, or the name of a model 'cableqa models install' put in "
                    "CABLEQA_MODELS_DIR (all-mpnet-base-v2); empty = bundled all-MiniLM-L6-v2",
    )
    models_dir: Path = Field(
        default_factory=_default_models_dir,
        description="Where 'cableqa models install' puts models, and where a model named in CABLEQA_MODEL is found",
    )
    encoder_backend: EncoderBackend = "onnx-int8"
    device: Device = Field(
        default="cpu",
        description="Where the model runs: cpu, or cuda (an NVIDIA GPU: a CUDA build of torch for the torch backend, "
                    "onnxruntime-gpu for onnx; onnx-int8 is CPU-only). No silent fallback: cuda without a GPU fails "
                    "at start with what is missing (docs/gpu.md)",
    )
    onnx_cache_dir: Path = Field(
        default_factory=_default_onnx_cache_dir,
        description="Where the onnx backends keep the model exported from the local weights (once)",
    )
    quantized_queries: bool = Field(
        default=True,
        description="onnx backend: encode questions with the int8 graph (documents stay fp32); about 2x faster "
                    "per question, hybrid MRR@10 unchanged on the distractor eval (README, Performance)",
    )
    keyword_trust: float | None = Field(
        default=None, ge=0.0, le=8.0,
        description="hybrid: how far BM25's weight follows the share of the question it matches (0 = fixed "
                    "weights); unset = the value chosen for the index's model (MiniLM 0, mpnet 2; README, Models)",
    )
    index_type: IndexType = Field(
        default="auto",
        description="auto: exact flat search below 20,000 vectors, HNSW from there (bench/ann.py); or one kind always",
    )
    batch_size: int = Field(default=32, ge=1, le=1024)
    default_mode: Mode = "hybrid"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_key: SecretStr | None = Field(default=None, description="One API key with no ceiling (X-API-Key or Bearer)")
    api_keys: SecretStr | None = Field(
        default=None,
        description="More keys, each with an optional classification ceiling: 'KEY1:SECRET,KEY2:CONFIDENTIAL,KEY3'",
    )
    anonymous_max_classification: str | None = Field(
        default=None, description="Ceiling for reads that present no API key (e.g. UNCLASSIFIED); empty = none")
    metrics_require_key: bool = Field(
        default=False, description="Server: /metrics answers only requests with a valid API key (needs "
        "CABLEQA_API_KEY or CABLEQA_API_KEYS); off = open, like /health")
    rate_limit_per_minute: int = Field(default=600, ge=0, description="Requests per minute per client IP; 0 = off")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed cross-site, comma-separated; empty = no CORS headers")
    write_wait_s: float = Field(
        default=10.0, ge=0, description="Server: seconds an upload or delete waits for another writer's lock "
        "before answering 503 with Retry-After")
    cli_write_wait_s: float = Field(
        default=300.0, ge=0, description="CLI: seconds 'cableqa ingest' (and a first start building the seed) "
        "waits for another writer's lock before giving up")
    follow_interval_s: float = Field(
        default=0.25, gt=0, le=60, description="Server: how often each process checks CURRENT for a newer "
        "generation published by another process")
    hash_at_open_mb: float = Field(
        default=64, ge=0, description="Index files up to this size are hashed (SHA-256) when a process loads "
        "them; larger ones are checked by size on load and hashed later: by the server in the background, "
        "before a merge reads them, and by 'cableqa check'")
    preload_share: float = Field(
        default=0.5, ge=0, le=1, description="Server: at start, read the index's vector graphs and BM25 postings "
        "into the page cache in the background, up to this share of the memory available then (the first "
        "questions then answer at warm speed); 0 = off")
    search_threads: int = Field(
        default_factory=lambda: min(4, os.cpu_count() or 1), ge=1, le=64,
        description="Threads one question's search spreads over: the index's segments searched at once, and "
                    "BM25 read beside the vectors (same results; 1 = all on the request's thread). Default: the "
                    "CPUs, at most 4")
    max_question_chars: int = 2000
    max_upload_bytes: int = Field(default=5_000_000, ge=1)
    max_batch_questions: int = 64
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Host names the server answers to, comma-separated, besides localhost, "
        "127.0.0.1, [::1], CABLEQA_HOST and the address a request arrived at; '*' = any (behind a proxy that checks)")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto "
        "are believed, comma-separated; empty = none (the client's socket address is the client)")
    body_timeout_s: float = Field(
        default=20.0, gt=0, description="Seconds a request may take to send its whole body; then 408 and the "
        "connection is closed")
    max_inflight_bodies: int = Field(
        default=16, ge=1, description="Requests whose body is still arriving; one more waits up to 5 s for a "
        "place, then gets 503 unread (partly received bodies stay under this times CABLEQA_MAX_UPLOAD_BYTES)")
    max_inflight_bodies_per_client: int = Field(
        default=4, ge=1, description="Requests whose body is still arriving from one client IP; one more waits "
        "up to 5 s for a place, then gets 429 unread")

    @field_validator("cors_origins", "allowed_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _installed_model_folder(self) -> Settings:
        """A model given by name (``all-mpnet-base-v2``, or its hub name) that is not itself a folder
        means its folder under ``models_dir``, when installed there."""
        if self.model and not Path(self.model).is_dir():
            candidate = self.models_dir / self.model.rsplit("/", 1)[-1]
            if candidate.is_dir():
                self.model = str(candidate)
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_problem(error: ValidationError) -> str:
    """One line per bad setting, named by its environment variable: ``CABLEQA_PORT=99999: Input should be ...``."""
    lines = []
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"]) or "?"
        given = problem.get("input")
        shown = f"={given!r}" if isinstance(given, (str, int, float)) else ""
        lines.append(f"CABLEQA_{name.upper()}{shown}: {problem['msg']}")
    return "invalid settings: " + "; ".join(lines)
