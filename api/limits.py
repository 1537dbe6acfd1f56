"""The request body limit (``CABLEQA_MAX_UPLOAD_BYTES``), as a small ASGI middleware.

Checked twice: a ``Content-Length`` over the limit is refused before a byte is read, and
the bytes actually received are counted, so a chunked body (or one that lies about its
length) is cut off as soon as it passes the limit. Either way the client gets 413 with
the API's usual error body. (FastAPI's own ``max_body_size`` answers in plain text,
overriding the app's response, so it is not used.)
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from qa.errors import UploadTooLargeError

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _error(self) -> UploadTooLargeError:
        return UploadTooLargeError(
            f"the request body is over the {self.max_bytes:,}-byte limit (CABLEQA_MAX_UPLOAD_BYTES)")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await error_response(self._error())(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the app: the endpoint's error handling turns it into the 413.
                    raise self._error()
            return message

        await self.app(scope, limited_receive, send)
