"""The FastAPI app: ``create_app()`` builds it; the lifespan loads the model and index once.

``cableqa serve`` runs ``uvicorn.run("api.app:create_app", factory=True)``. Nothing is
created at import time: settings, model and index belong to one app, on ``app.state``.
"""

from __future__ import annotations

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
from api.keys import KeyRing, check_exposure
from api.limits import BodyLimitMiddleware, InflightBodiesMiddleware, RateLimitMiddleware
from api.ratelimit import RateLimiter
from api.routes import ask, cables, health, page
from api.state import AppState
from embeddings.encoder import Encoder
from qa.cables.classification import parse_classification_name
from qa.follow import CommitFollower
from qa.settings import Settings, get_settings
from qa.startup import load_encoder, open_index

__all__ = ["create_app", "package_version"]

# uvicorn configures and shows its "uvicorn.error" logger; ours goes through it so start-up notes are seen.
log = logging.getLogger("uvicorn.error")

DESCRIPTION = """Ask plain-English questions of US diplomatic cables; get back the paragraphs that answer them,
each with an exact citation (`08TOKYO1074 ¶3`).

Errors share one body: `{"detail": "<field>: <message>", "error": "<code>"}` (422s add `errors`, one per
field). Writes (`POST`/`DELETE /cables`) need `X-API-Key` or `Authorization: Bearer` when a key is configured.
Every client IP gets `CABLEQA_RATE_LIMIT_PER_MINUTE` requests a minute (429 with `Retry-After` beyond);
`/ask/batch` costs one a question. Requests must name this server in `Host` (`CABLEQA_ALLOWED_HOSTS`), and
writes from a browser must come from its own pages or `CABLEQA_CORS_ORIGINS` (403 otherwise).
"""


def package_version() -> str:
    try:
        return version("cableqa")
    except PackageNotFoundError:
        return "0+unknown"


def _start(settings: Settings, encoder: Encoder | None, limiter: RateLimiter | None) -> AppState:
    keys = KeyRing.from_settings(settings)  # a bad CABLEQA_API_KEYS fails here, before the slow part
    anonymous = settings.anonymous_max_classification
    ceiling = parse_classification_name(anonymous, "anonymous_max_classification") if anonymous else None
    for warning in check_exposure(keys, ceiling):
        log.warning("%s", warning)
    index = open_index(settings, encoder or load_encoder(settings), say=log.info)
    return AppState(settings=settings, index=index, keys=keys, anonymous_ceiling=ceiling, limiter=limiter,
                    started=datetime.now(UTC), started_clock=time.monotonic(), version=package_version())


def _lifespan(settings: Settings, encoder: Encoder | None,
              limiter: RateLimiter | None) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.cableqa = _start(settings, encoder, limiter)
        manifest = app.state.cableqa.index.snapshot.manifest
        log.info("cableqa ready: %d cables, %d paragraphs, generation %d, model %s", manifest.cables,
                 manifest.paragraphs, manifest.generation, manifest.model)
        with CommitFollower(app.state.cableqa.index, settings.follow_interval_s):  # writes of other processes
            yield

    return lifespan


def create_app(settings: Settings | None = None, *, encoder: Encoder | None = None) -> FastAPI:
    """The app over ``settings`` (default: the ``CABLEQA_*`` environment).

    ``encoder`` shares a model already loaded (tests, embedding the API in a bigger app);
    by default the lifespan loads the one the settings name.
    """
    settings = settings or get_settings()
    KeyRing.from_settings(settings)  # an empty or blank key is refused here, before anything loads
    limiter = RateLimiter(settings.rate_limit_per_minute) if settings.rate_limit_per_minute else None
    app = FastAPI(title="cableqa", version=package_version(), description=DESCRIPTION,
                  lifespan=_lifespan(settings, encoder, limiter), exception_handlers=EXCEPTION_HANDLERS)
    app.include_router(ask.router)
    app.include_router(cables.router)
    app.include_router(health.router)
    app.include_router(page.router)
    if page.STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=page.STATIC_DIR), name="static")
    # The last added runs first: Host and Origin, CORS, the rate limit, the in-flight cap, then the body.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes, timeout_s=settings.body_timeout_s)
    app.add_middleware(InflightBodiesMiddleware, total=settings.max_inflight_bodies,
                       per_client=settings.max_inflight_bodies_per_client)
    app.add_middleware(RateLimitMiddleware, limiter=limiter)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Content-Type", "X-API-Key", "Authorization"])
    app.add_middleware(HostOriginGuard, hosts=[settings.host, *settings.allowed_hosts],
                       cors_origins=settings.cors_origins)
    return app
