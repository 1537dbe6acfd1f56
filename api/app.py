"""The FastAPI app: ``create_app()`` builds it; the lifespan loads the model and index once.

``cableqa serve`` runs ``uvicorn.run("api.app:create_app", factory=True)``. Nothing is
created at import time: settings, model and index belong to one app, on ``app.state``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api.errors import EXCEPTION_HANDLERS
from api.guards import HostOriginGuard
from api.http_errors import InvalidSettingError
from api.keys import KeyRing, check_exposure
from api.limits import BodyLimitMiddleware, InflightBodiesMiddleware, RateLimitMiddleware
from api.metrics import MetricsMiddleware, ServerMetrics, multiprocess_folder
from api.ratelimit import RateLimiter
from api.request_context import HEADER
from api.request_id import RequestIdMiddleware
from api.routes import ask, cables, health, metrics, page
from api.state import AppState
from embeddings.encoder import Encoder
from qa.cables.classification import parse_classification_name
from qa.cache_warmer import CacheWarmer
from qa.follow import CommitFollower
from qa.integrity import IntegrityWatch
from qa.settings import Settings, get_settings
from qa.startup import load_encoder, open_index

__all__ = ["create_app", "package_version"]

# uvicorn configures and shows its "uvicorn.error" logger; ours goes through it so start-up notes are seen.
log = logging.getLogger("uvicorn.error")
_INTEGRITY_INTERVAL_S = 1.0  # how often the server hashes the files of segments it loaded by size only

DESCRIPTION = """Ask plain-English questions of US diplomatic cables; get back the paragraphs that answer them,
each with an exact citation (`08TOKYO1074 ¶3`).

Errors share one body: `{"detail": "<field>: <message>", "error": "<code>"}` (422s add `errors`, one per
field). Writes (`POST`/`DELETE /cables`) need `X-API-Key` or `Authorization: Bearer` when a key is configured.
Every client IP gets `CABLEQA_RATE_LIMIT_PER_MINUTE` requests a minute (429 with `Retry-After` beyond);
`/ask/batch` costs one a question. Requests must name this server in `Host` (`CABLEQA_ALLOWED_HOSTS`), and
writes from a browser must come from its own pages or `CABLEQA_CORS_ORIGINS` (403 otherwise). Every response
carries `X-Request-ID`: the request's own when it sends a sane one (1-128 of `A-Za-z0-9._:=+/-`), else a new one.
Prometheus metrics are at `/metrics`.
"""


def package_version() -> str:
    try:
        return version("cableqa")
    except PackageNotFoundError:
        return "0+unknown"


def _start(settings: Settings, encoder: Encoder | None, limiter: RateLimiter | None,
           server_metrics: ServerMetrics) -> AppState:
    keys = KeyRing.from_settings(settings)  # a bad CABLEQA_API_KEYS fails here, before the slow part
    anonymous = settings.anonymous_max_classification
    ceiling = parse_classification_name(anonymous, "anonymous_max_classification") if anonymous else None
    for warning in check_exposure(keys, ceiling):
        log.warning("%s", warning)
    index = open_index(settings, encoder or load_encoder(settings), say=log.info)
    return AppState(settings=settings, index=index, keys=keys, anonymous_ceiling=ceiling, limiter=limiter,
                    started=datetime.now(UTC), started_clock=time.monotonic(), version=package_version(),
                    metrics=server_metrics)


def _lifespan(settings: Settings, encoder: Encoder | None, limiter: RateLimiter | None,
              server_metrics: ServerMetrics) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = _start(settings, encoder, limiter, server_metrics)
        app.state.cableqa = state
        manifest = state.index.snapshot.manifest
        log.info("cableqa ready: %d cables, %d paragraphs, generation %d, model %s", manifest.cables,
                 manifest.paragraphs, manifest.generation, manifest.model)
        shared = multiprocess_folder()
        log.info("metrics at /metrics%s", f", shared by the workers in {shared}" if shared else "")
        server_metrics.running(state.version, manifest.model)
        # The follower reports every generation this process serves: its own writes and other processes'.
        try:
            with CommitFollower(state.index, settings.follow_interval_s, on_change=server_metrics.serving), \
                    CacheWarmer(state.index, settings.preload_share) as warmer, \
                    IntegrityWatch(state.index, _INTEGRITY_INTERVAL_S, after=warmer.done):
                yield
        finally:
            state.index.stop_merges()  # no new merge; the one in flight is finished and committed
            if not state.index.wait_for_merges(timeout=0.0):
                log.info("waiting for the segment merge in flight to finish before exiting")
                await asyncio.to_thread(state.index.wait_for_merges)
            server_metrics.stopping()

    return lifespan


def create_app(settings: Settings | None = None, *, encoder: Encoder | None = None) -> FastAPI:
    """The app over ``settings`` (default: the ``CABLEQA_*`` environment).

    ``encoder`` shares a model already loaded (tests, embedding the API in a bigger app);
    by default the lifespan loads the one the settings name.
    """
    settings = settings or get_settings()
    keys = KeyRing.from_settings(settings)  # an empty or blank key is refused here, before anything loads
    if settings.metrics_require_key and not keys.configured:
        raise InvalidSettingError("CABLEQA_METRICS_REQUIRE_KEY", "is true but no key is configured; set "
                                  "CABLEQA_API_KEY or CABLEQA_API_KEYS, or leave /metrics open")
    limiter = RateLimiter(settings.rate_limit_per_minute) if settings.rate_limit_per_minute else None
    server_metrics = ServerMetrics.create()
    app = FastAPI(title="cableqa", version=package_version(), description=DESCRIPTION,
                  lifespan=_lifespan(settings, encoder, limiter, server_metrics), exception_handlers=EXCEPTION_HANDLERS)
    app.include_router(ask.router)
    app.include_router(cables.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(page.router)
    if page.STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=page.STATIC_DIR), name="static")
    # The last added runs first: the request id, the metrics, Host and Origin, CORS, the rate limit, the
    # in-flight cap, then the body; so every refusal is counted and carries the request id.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes, timeout_s=settings.body_timeout_s)
    app.add_middleware(InflightBodiesMiddleware, total=settings.max_inflight_bodies,
                       per_client=settings.max_inflight_bodies_per_client)
    app.add_middleware(RateLimitMiddleware, limiter=limiter)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Content-Type", "X-API-Key", "Authorization", HEADER],
                           expose_headers=[HEADER])
    app.add_middleware(HostOriginGuard, hosts=[settings.host, *settings.allowed_hosts],
                       cors_origins=settings.cors_origins)
    app.add_middleware(MetricsMiddleware, metrics=server_metrics, routes=app.router.routes)
    app.add_middleware(RequestIdMiddleware)
    return app
