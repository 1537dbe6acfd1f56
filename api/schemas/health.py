"""Schema of ``GET /health``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import examples

__all__ = ["HealthOut"]


class HealthOut(BaseModel):
    model_config = examples({
        "status": "ok", "version": "0.1.0", "model": "sentence-transformers/all-MiniLM-L6-v2",
        "index_type": "flat", "cables": 1, "paragraphs": 9, "generation": 1, "built": "2026-11-26T06:56:10Z",
        "started": "2026-11-26T07:00:00Z", "uptime_s": 12.5,
    })

    status: str
    version: str = Field(description="cableqa's version")
    model: str = Field(description="The embedding model the index was built with")
    index_type: str = Field(description="The vector index searched: flat, hnsw or ivfpq (the `auto` setting "
                            "picks flat below 20,000 vectors)")
    cables: int
    paragraphs: int
    generation: int = Field(description="The live index generation; each write adds one")
    built: str = Field(description="When that generation was written")
    started: str = Field(description="When this server started")
    uptime_s: float
