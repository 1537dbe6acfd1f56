"""``/metrics``: the server's numbers in Prometheus's text format (or OpenMetrics, when asked for).

Open like ``/health`` by default: the numbers say how busy the server is and how large its index,
never what it holds. ``CABLEQA_METRICS_REQUIRE_KEY=true`` asks for any valid API key (a key's
ceiling does not matter: nothing here is classified). Never rate limited; left out of the OpenAPI
document, which describes the JSON API.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import CallerDep, StateDep
from api.http_errors import UnauthorizedError

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, state: StateDep, caller: CallerDep) -> Response:
    # A sync route: a scrape with several workers reads each worker's files, off the event loop.
    if state.settings.metrics_require_key and caller.key is None:
        raise UnauthorizedError("/metrics needs an API key (CABLEQA_METRICS_REQUIRE_KEY): send X-API-Key or "
                                "Authorization: Bearer")
    body, content_type = state.metrics.scrape(request.headers.get("accept"))
    return Response(body, media_type=content_type)
