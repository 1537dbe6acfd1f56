"""The outermost middleware: a request id for every request, on every response and in every log line.

A sane ``X-Request-ID`` from the client (1-128 characters of ``A-Z a-z 0-9 . _ : = + / -``, as a
proxy or a client library sends) is kept; anything else is replaced by a new id (32 hex digits).
The id goes back in the ``X-Request-ID`` header of every response: answers, the edge guards'
and limits' refusals, and unexpected 500s, which this middleware answers itself because
Starlette's own last-resort handler sits outside every user middleware.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import internal_error_response
from api.request_context import HEADER, RequestNotes, enter_request, leave_request, request_id_from

__all__ = ["RequestIdMiddleware"]

_HEADER_BYTES = HEADER.lower().encode("latin-1")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        notes = RequestNotes(request_id_from(Headers(scope=scope).get(HEADER)))
        token = enter_request(notes)
        started = False
        id_header = (_HEADER_BYTES, notes.request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0].lower() != _HEADER_BYTES]
                message = {**message, "headers": [*headers, id_header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here so that the 500 carries the id; then Starlette's error middleware (outside
            # this one) logs it through the app's handler and uvicorn logs the traceback. The notes stay
            # current (no reset: the request's task ends with it), so those lines name the request too.
            if not started:
                await internal_error_response()(scope, receive, send_with_id)
            raise
        leave_request(token)
