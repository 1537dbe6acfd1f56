"""``/health``: is the server up, and what does its index hold."""

from __future__ import annotations

import time

from fastapi import APIRouter

from api.deps import StateDep
from api.schemas import HealthOut
from qa.cables.serialize import iso_utc

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut, summary="Server and index status",
            description="Model, index type and size, generation and uptime. Never rate limited.")
async def health(state: StateDep) -> HealthOut:
    state.index.check_intact()  # a damaged file found after start answers index_corrupt, as at load
    snapshot = state.index.snapshot
    manifest = snapshot.manifest
    return HealthOut(status="ok", version=state.version, model=manifest.model, index_type=snapshot.dense.kind,
                     cables=manifest.cables, paragraphs=manifest.paragraphs, generation=manifest.generation,
                     built=manifest.created, started=iso_utc(state.started) or "",
                     uptime_s=round(time.monotonic() - state.started_clock, 3))
