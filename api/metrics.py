"""The server's Prometheus metrics: what they are, how a request is counted, and how ``/metrics`` reads them.

Every label takes values from a closed set, so the number of series is bounded whatever clients
send: ``route`` is the route's template (``/cables/{cable_id}``, ``/static`` for every static file,
``unmatched`` for any path no route has), ``method`` one of the HTTP methods or ``other``,
``mode`` one of the search modes or ``none``, ``status`` the HTTP status and ``error`` the
machine-readable error code of the body (``invalid_query``, ``rate_limited`` ...).

Several worker processes (``cableqa serve --workers N``) share one set of numbers through
prometheus-client's multiprocess mode: ``cableqa serve`` gives the workers an empty folder in
``PROMETHEUS_MULTIPROC_DIR`` before anything imports ``prometheus_client`` (which picks its storage
on import), each process writes its values to its own files there, and a scrape, answered by any
one worker, sums the counters and histograms of all of them, dead workers included (their counts
happened). Gauges are "live": a worker's are dropped when it stops (:meth:`ServerMetrics.stopping`)
or is found dead at a scrape (:func:`forget_dead_workers`). Without that variable (an app built in
tests, or embedded) the numbers are this process's own, in a registry of the app's own.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi.routing import iter_route_contexts
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.request_context import NO_MODE, current_notes
from qa.store.processes import process_alive
from qa.store.snapshot import Snapshot

__all__ = ["LATENCY_BUCKETS", "MULTIPROC_ENV", "MetricsMiddleware", "ServerMetrics", "flat_routes",
           "forget_dead_workers", "multiprocess_folder", "route_template", "segments_of"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Questions take 5-500 ms (p50 ~10-200 ms by load); the buckets past 1 s are for uploads, which encode.
LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def segments_of(snapshot: Snapshot) -> int:
    """How many segments the served generation lists (each write adds one; merges join them)."""
    return len(snapshot.segments)


def _timestamp(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


@dataclass(frozen=True, slots=True)
class ServerMetrics:
    """Every metric the server exports, registered in ``registry`` (read directly unless multiprocess)."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    in_flight: Gauge
    errors: Counter
    info: Gauge
    generation: Gauge
    oldest_generation: Gauge
    published: Gauge
    cables: Gauge
    paragraphs: Gauge
    vectors: Gauge
    segments: Gauge
    ingested_cables: Counter
    ingested_paragraphs: Counter
    uploads_in_flight: Gauge
    deleted_cables: Counter

    @classmethod
    def create(cls) -> ServerMetrics:
        r = CollectorRegistry()
        return cls(
            registry=r,
            requests=Counter("cableqa_http_requests", "HTTP requests answered", ["route", "method", "mode", "status"],
                             registry=r),
            latency=Histogram("cableqa_http_request_duration_seconds",
                              "Time from a request's arrival to the end of its response",
                              ["route", "method", "mode"], buckets=LATENCY_BUCKETS, registry=r),
            in_flight=Gauge("cableqa_http_requests_in_flight", "Requests being handled now",
                            multiprocess_mode="livesum", registry=r),
            errors=Counter("cableqa_http_errors", "Requests answered with an error (4xx/5xx), by error code",
                           ["route", "status", "error"], registry=r),
            info=Gauge("cableqa_build_info", "Always 1; the version and the model the server runs",
                       ["version", "model"], multiprocess_mode="livemax", registry=r),
            generation=Gauge("cableqa_index_generation", "The newest index generation a worker serves",
                             multiprocess_mode="livemax", registry=r),
            oldest_generation=Gauge("cableqa_index_generation_oldest",
                                    "The oldest index generation a live worker serves (equal to "
                                    "cableqa_index_generation once every worker follows)",
                                    multiprocess_mode="livemin", registry=r),
            published=Gauge("cableqa_index_published_timestamp_seconds",
                            "When the newest served generation was published (Unix time)",
                            multiprocess_mode="livemax", registry=r),
            cables=Gauge("cableqa_index_cables", "Cables in the served generation",
                         multiprocess_mode="livemostrecent", registry=r),
            paragraphs=Gauge("cableqa_index_paragraphs", "Paragraphs in the served generation",
                             multiprocess_mode="livemostrecent", registry=r),
            vectors=Gauge("cableqa_index_vectors", "Dense vectors (paragraph windows) in the served generation",
                          multiprocess_mode="livemostrecent", registry=r),
            segments=Gauge("cableqa_index_segments", "Segments of the served generation",
                           multiprocess_mode="livemostrecent", registry=r),
            ingested_cables=Counter("cableqa_ingest_cables", "Cables ingested through POST /cables (replacements "
                                    "included)", registry=r),
            ingested_paragraphs=Counter("cableqa_ingest_paragraphs", "Paragraphs ingested through POST /cables",
                                        registry=r),
            uploads_in_flight=Gauge("cableqa_ingest_uploads_in_flight",
                                    "Uploads being parsed, encoded or published now",
                                    multiprocess_mode="livesum", registry=r),
            deleted_cables=Counter("cableqa_delete_cables", "Cables deleted through DELETE /cables/{id}",
                                   registry=r),
        )

    def running(self, version: str, model: str) -> None:
        self.info.labels(version=version, model=model).set(1)

    def serving(self, snapshot: Snapshot) -> None:
        """The index gauges for the generation this process now serves."""
        manifest = snapshot.manifest
        self.generation.set(manifest.generation)
        self.oldest_generation.set(manifest.generation)
        self.published.set(_timestamp(manifest.created))
        self.cables.set(manifest.cables)
        self.paragraphs.set(manifest.paragraphs)
        self.vectors.set(manifest.vectors)
        self.segments.set(segments_of(snapshot))

    def stopping(self) -> None:
        """This process's live gauges leave the shared numbers (a clean shutdown)."""
        folder = multiprocess_folder()
        if folder is not None:
            mark_process_dead(os.getpid(), str(folder))  # type: ignore[no-untyped-call]

    def scrape(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition (body, content type) in the format ``accept`` asks for (text, or OpenMetrics)."""
        encoder, content_type = choose_encoder(accept or "")
        folder = multiprocess_folder()
        if folder is None:
            return encoder(self.registry), content_type
        forget_dead_workers(folder)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=str(folder))  # type: ignore[no-untyped-call]
        return encoder(merged), content_type


def multiprocess_folder() -> Path | None:
    """The folder the worker processes share their values in, when there is one."""
    value = os.environ.get(MULTIPROC_ENV, "").strip()
    return Path(value) if value else None


def forget_dead_workers(folder: Path) -> list[int]:
    """Drops the live gauges of processes that have exited (a worker killed and restarted by uvicorn).

    prometheus-client names each process's files ``<kind>_<pid>.db``; a worker that ends cleanly
    drops its own at shutdown, so this catches the ones that died. A pid the system has since given
    to another process keeps its dead worker's gauges until that process ends too.
    """
    pids: set[int] = set()
    for path in folder.glob("gauge_live*_*.db"):
        name = path.stem.rsplit("_", 1)[-1]
        if name.isdigit():
            pids.add(int(name))
    dead = sorted(pid for pid in pids if not process_alive(pid))
    for pid in dead:
        mark_process_dead(pid, str(folder))  # type: ignore[no-untyped-call]
    return dead


def flat_routes(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """Every route, included routers opened up (FastAPI keeps each included router as one entry).

    The routers are included without a prefix of their own, so each route's ``path`` is its full template.
    """
    return [context.original_route for context in iter_route_contexts(routes)]


def route_template(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    """The template of the route that answered ``scope``; for a request refused before routing (the
    edge guards and limits), the one that would have (a method mismatch counts: it gets the 405)."""
    routed = scope.get("route")
    if routed is not None and hasattr(routed, "path"):
        return str(routed.path)
    partial = ""
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "unmatched"))
        if match is Match.PARTIAL and not partial:
            partial = str(getattr(route, "path", "unmatched"))
    return partial or "unmatched"


class MetricsMiddleware:
    """Counts and times every HTTP request, edge refusals included; runs just inside the request id."""

    def __init__(self, app: ASGIApp, metrics: ServerMetrics, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        # Starlette builds the middleware at the first event (the lifespan's), once every route is added.
        self.routes = flat_routes(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"] if scope["method"] in _METHODS else "other"
        status = 500  # unless a response starts: an error escaped every handler

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            with self.metrics.in_flight.track_inprogress():
                await self.app(scope, receive, noting_send)
        finally:
            self._count(route_template(scope, self.routes), method, status, time.perf_counter() - started)

    def _count(self, route: str, method: str, status: int, seconds: float) -> None:
        notes = current_notes()
        mode = notes.mode if notes is not None else NO_MODE
        self.metrics.requests.labels(route=route, method=method, mode=mode, status=str(status)).inc()
        self.metrics.latency.labels(route=route, method=method, mode=mode).observe(seconds)
        if status >= 400:
            error = (notes.error if notes is not None else "") or ("internal" if status >= 500 else "http_error")
            self.metrics.errors.labels(route=route, status=str(status), error=error).inc()
