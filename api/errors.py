"""Every error the API answers with, in one table, installed as the app's exception handlers.

Domain errors (:mod:`qa.errors`) and the HTTP edge's own (:mod:`api.http_errors`) map to a
status code through :data:`STATUS`; a subclass not listed falls back to its nearest listed base
(a test proves every one is listed).
Framework errors are translated here too, so every error body has one shape::

    {"detail": "k: must be between 1 and 100, got 0", "error": "invalid_query", "errors": [...]}

``errors`` (field-level problems) is present for 422s only. Routes never build error
responses or raise ``HTTPException``: they raise a :class:`~qa.errors.CableqaError`. Every
response built here notes its ``error`` code on the request (:func:`~api.request_context.note_error`)
for the errors metric.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from api.http_errors import (
    BodyTimeoutError,
    CrossSiteRequestError,
    HostNotAllowedError,
    InvalidSettingError,
    RateLimitedError,
    TooManyBodiesError,
    UnauthorizedError,
    UploadTooLargeError,
)
from api.request_context import note_error
from api.schemas import ErrorOut
from qa.errors import (
    CableParseError,
    CableqaError,
    EncoderUnavailableError,
    ForbiddenError,
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    IndexPointerMissingError,
    InvalidQueryError,
    StorageError,
    StorageFullError,
    UnknownCableError,
    UnknownParagraphError,
)

__all__ = ["EXCEPTION_HANDLERS", "STATUS", "error_code", "error_response", "error_responses", "internal_error_response",
           "status_of", "validation_errors"]

log = logging.getLogger("cableqa.api")

STATUS: dict[type[CableqaError], int] = {
    CableParseError: 400,
    UnauthorizedError: 401,
    ForbiddenError: 403,
    HostNotAllowedError: 403,
    CrossSiteRequestError: 403,
    BodyTimeoutError: 408,
    UnknownCableError: 404,
    UnknownParagraphError: 404,
    UploadTooLargeError: 413,
    InvalidQueryError: 422,
    RateLimitedError: 429,
    IndexCorruptError: 500,
    IndexMismatchError: 500,
    IndexPointerMissingError: 500,
    IndexNotFoundError: 503,
    EncoderUnavailableError: 503,
    IndexBusyError: 503,
    StorageError: 503,
    StorageFullError: 507,
    TooManyBodiesError: 503,
    InvalidSettingError: 500,
}

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 408: "request_timeout", 413: "too_large",
               415: "unsupported_media_type",
               422: "invalid_query", 429: "rate_limited", 500: "internal", 503: "unavailable",
               507: "insufficient_storage"}


def status_of(error: CableqaError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_code(cls: type[CableqaError]) -> str:
    """``InvalidQueryError`` -> ``invalid_query``: the stable, machine-readable name of an error."""
    name = cls.__name__.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _headers(error: CableqaError) -> dict[str, str]:
    if isinstance(error, RateLimitedError | IndexBusyError | TooManyBodiesError):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, UnauthorizedError):
        return {"WWW-Authenticate": 'Bearer realm="cableqa"'}
    return {}


def error_response(error: CableqaError) -> JSONResponse:
    """The response for one domain error: its status, ``detail`` and ``error`` code, and headers."""
    body: dict[str, Any] = {"detail": error.message, "error": error_code(type(error))}
    note_error(body["error"])
    if isinstance(error, InvalidQueryError):
        body["errors"] = [{"loc": error.field.split("."), "msg": error.reason, "type": "invalid_query"}]
    return JSONResponse(body, status_code=status_of(error), headers=_headers(error))


def _field(loc: Sequence[Any]) -> str:
    """``("body", "filters", "tags", 0)`` -> ``filters.tags[0]``; the request part is dropped."""
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or (str(loc[0]) if loc else "request")


def _say(error: Any, item: dict[str, Any]) -> str:
    if item["type"] == "json_invalid":  # loc is ("body", <character offset>), or ("body",) from pydantic
        where = item["loc"][-1] if item["loc"] else None
        reason = (error.get("ctx") or {}).get("error", "") or str(item["msg"]).removeprefix("Invalid JSON: ")
        at = f" at character {where}" if isinstance(where, int) else ""
        return f"body: not valid JSON{at}" + (f" ({reason})" if reason else "")
    return f"{_field(item['loc'])}: {item['msg']}"


def validation_errors(errors: Sequence[Any]) -> JSONResponse:
    """A 422 naming every field at fault: ``{"detail": "k: Input should be ...", "errors": [...]}``."""
    items = [{"loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
              "msg": str(e.get("msg", "invalid")), "type": str(e.get("type", "invalid"))} for e in errors]
    detail = "; ".join(_say(e, i) for e, i in zip(errors, items, strict=True)) or "invalid request"
    note_error("invalid_query")
    return JSONResponse({"detail": detail, "error": "invalid_query", "errors": items}, status_code=422)


async def _on_domain_error(request: Request, exc: CableqaError) -> Response:
    if status_of(exc) >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc.message)
    return error_response(exc)


async def _on_validation_error(request: Request, exc: RequestValidationError) -> Response:
    return validation_errors(exc.errors())


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Starlette's own errors (404 route, 405, unreadable body) in our shape.

    FastAPI turns any error raised while it reads a body into a 400 caused by it; where the
    cause is ours (the body limit's :class:`UploadTooLargeError`), the cause is the answer.
    """
    if isinstance(exc.__cause__, CableqaError):
        return error_response(exc.__cause__)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        detail = "the request body is not valid UTF-8"
    elif exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
        detail = "body: not valid JSON (nested too deeply)"
    elif exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # e.g. an integer of more than 4,300 digits; what follows ";" is advice for Python programmers
        detail = f"body: not valid JSON ({str(exc.__cause__).split(';')[0]})"
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    note_error(code)
    return JSONResponse({"detail": detail, "error": code}, status_code=exc.status_code, headers=exc.headers)


def internal_error_response() -> JSONResponse:
    """The 500 for an error nothing else handled: no detail, since its message may say anything."""
    note_error("internal")
    return JSONResponse({"detail": "internal server error", "error": "internal"}, status_code=500)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return internal_error_response()


Handler = Callable[[Request, Any], Coroutine[Any, Any, Response]]

EXCEPTION_HANDLERS: dict[int | type[Exception], Handler] = {
    CableqaError: _on_domain_error,
    RequestValidationError: _on_validation_error,
    StarletteHTTPException: _on_http_error,
    Exception: _on_unexpected,
}


def error_responses(*codes: int, examples: dict[int, tuple[str, str]] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route's error codes, each with the error body and an example.

    ``examples`` replaces the default ``(detail, error)`` example of a code for this route.
    """
    known = {
        400: ("cable 1 of 1: not a cable: no classification banner, date-time group, FM line or TAGS found",
              "cable_parse"),
        401: ("this endpoint needs an API key: send X-API-Key or Authorization: Bearer", "unauthorized"),
        403: ("paragraph 3 of 09MOSCOW2747 is SECRET, above this request's ceiling CONFIDENTIAL", "forbidden"),
        404: ("no cable '99NOWHERE1' in the index", "unknown_cable"),
        413: ("the request body is over the 5,000,000-byte limit (CABLEQA_MAX_UPLOAD_BYTES)", "upload_too_large"),
        422: ("k: Input should be less than or equal to 100", "invalid_query"),
        429: ("over 600 requests a minute from this client; retry in 2 s", "rate_limited"),
        503: ("the index at /data/index is being written by pid 4242 (cableqa ingest cables/) since "
              "2026-11-28T06:00:00Z; waited 10 s for its write lock", "index_busy"),
        507: ("cannot write a new index generation in /data/index: no space left on its disk", "storage_full"),
    }
    known.update(examples or {})
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        detail, name = known[code]
        out[code] = {"model": ErrorOut, "description": name.replace("_", " "),
                     "content": {"application/json": {"example": {"detail": detail, "error": name}}}}
    return out
