"""What one request carries through the server: its id, and what its handling learns for the metrics.

:class:`~api.request_id.RequestIdMiddleware` (the outermost middleware) puts a :class:`RequestNotes`
in a context variable for each request. Every log line written while the request is handled can
name its id (:class:`RequestIdFilter`, installed by :func:`qa.cli.serve_logs.log_config`); sync routes run
in worker threads that copy the context, so they see the same notes. The routes and the error
handlers write into them what only they know: the search mode the request used and the error
code it was answered with; :mod:`api.metrics` reads them once the response is sent.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass

from qa.search.query import MODES

__all__ = ["HEADER", "NO_MODE", "RequestIdFilter", "RequestNotes", "current_notes", "enter_request", "leave_request",
           "note_error", "note_mode", "request_id_from"]

HEADER = "X-Request-ID"
NO_MODE = "none"  # the mode label of a request that searched nothing (or was refused before its mode was known)
_SANE_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")


@dataclass(slots=True)
class RequestNotes:
    """One request's id and what its handling has noted. Mutable on purpose: the routes and error
    handlers fill it in while the middlewares around them hold the same object."""

    request_id: str
    mode: str = NO_MODE
    error: str = ""  # the machine-readable code of the error answered ("" for none)


_current: ContextVar[RequestNotes | None] = ContextVar("cableqa_request", default=None)


def enter_request(notes: RequestNotes) -> Token[RequestNotes | None]:
    """Makes ``notes`` the current request's, until :func:`leave_request` with the token returned."""
    return _current.set(notes)


def leave_request(token: Token[RequestNotes | None]) -> None:
    _current.reset(token)


def current_notes() -> RequestNotes | None:
    """The notes of the request being handled, or None outside one (start-up, the follower thread)."""
    return _current.get()


def note_mode(mode: str) -> None:
    """The search mode this request uses: one of the modes, anything else is recorded as ``none``."""
    notes = _current.get()
    if notes is not None:
        notes.mode = mode if mode in MODES else NO_MODE


def note_error(code: str) -> None:
    """The error code this request is answered with (``invalid_query``, ``rate_limited`` ...)."""
    notes = _current.get()
    if notes is not None:
        notes.error = code


def request_id_from(value: str | None) -> str:
    """The client's id when it is sane, else a new one: ids end up in logs and headers, so no spaces,
    quotes or control characters, and at most 128 characters."""
    if value is not None and _SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Gives every log record ``request_id``: the id of the request being handled, or ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            notes = _current.get()
            record.request_id = notes.request_id if notes is not None else "-"
        return True
