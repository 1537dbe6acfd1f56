"""What the server holds while it runs: made once in the lifespan, kept on ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.keys import KeyRing
from api.metrics import ServerMetrics
from api.ratelimit import RateLimiter
from qa.cables.classification import Classification
from qa.service import CableIndex
from qa.settings import Settings

__all__ = ["AppState"]


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    index: CableIndex
    keys: KeyRing
    anonymous_ceiling: Classification | None
    limiter: RateLimiter | None  # None: rate limiting is off
    started: datetime  # UTC
    started_clock: float  # time.monotonic() at start, for uptime
    version: str  # cableqa's, as installed
    metrics: ServerMetrics
