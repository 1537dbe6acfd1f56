"""What a request may cost before its body is read, and how its body is read: three ASGI middlewares.

In the order a request meets them:

- :class:`RateLimitMiddleware`: one token from the client's bucket (``CABLEQA_RATE_LIMIT_PER_MINUTE``)
  for ``/ask`` and ``/cables``, taken from the headers alone, before any body byte is read.
- :class:`InflightBodiesMiddleware`: at most ``CABLEQA_MAX_INFLIGHT_BODIES`` requests whose body
  is still arriving (503 beyond), at most ``CABLEQA_MAX_INFLIGHT_BODIES_PER_CLIENT`` from one
  client (429 beyond), a request over either waiting up to 5 s for a place first. Partly received
  bodies in memory stay under the first times ``CABLEQA_MAX_UPLOAD_BYTES``; of a waiting or
  refused request's body uvicorn reads at most 64 KiB. Bodies already received wait for a
  worker thread.
- :class:`BodyLimitMiddleware`: the body's size (``CABLEQA_MAX_UPLOAD_BYTES``, 413) and the time
  it may take to arrive (``CABLEQA_BODY_TIMEOUT_S``, 408). A ``Content-Length`` over the limit is
  refused before a byte is read; the bytes actually received are counted too, so a chunked
  body (or one that lies about its length) is cut off as soon as it passes the limit.
  FastAPI's own ``max_body_size`` answers in plain text, overriding the app's response, so
  it is not used.

Every refusal here closes the connection (``Connection: close``): whatever the client still
sends is never read.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.guards import closing_error_response
from api.http_errors import BodyTimeoutError, RateLimitedError, TooManyBodiesError, UploadTooLargeError
from api.ratelimit import RateLimiter
from qa.errors import CableqaError

__all__ = ["LIMITED_PATHS", "BodyLimitMiddleware", "InflightBodiesMiddleware", "RateLimitMiddleware",
           "client_of", "take_tokens"]

LIMITED_PATHS = ("/ask", "/cables")  # /health, the page and its static files are never limited


def client_of(scope: Scope) -> str:
    """The client's address: the socket's, or the one a trusted proxy gave (uvicorn rewrites it)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def take_tokens(limiter: RateLimiter | None, client: str, tokens: int = 1) -> None:
    """``tokens`` from ``client``'s bucket, or :class:`RateLimitedError` (429 with ``Retry-After``)."""
    if limiter is None:
        return
    wait = limiter.take(client, tokens)
    if wait:
        cost = "" if tokens == 1 else f" (this request costs {tokens})"
        raise RateLimitedError(
            f"over {limiter.per_minute} requests a minute from this client{cost}; retry in {wait} s", wait)


def _limited(path: str, prefixes: Sequence[str]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def _has_body(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    length = headers.get("content-length", "")
    return "transfer-encoding" in headers or (length.isdigit() and int(length) > 0)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter | None, paths: Sequence[str] = LIMITED_PATHS) -> None:
        self.app = app
        self.limiter = limiter
        self.paths = tuple(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.limiter is not None and _limited(scope["path"], self.paths):
            try:
                take_tokens(self.limiter, client_of(scope))
            except RateLimitedError as error:
                await closing_error_response(error)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class InflightBodiesMiddleware:
    """Counts requests whose body is still arriving; one past a cap waits briefly for a place, then is refused.

    A request holds its place from its headers until its last body byte arrives (or its response
    starts, or it ends), so a stalled body keeps its place until ``CABLEQA_BODY_TIMEOUT_S`` ends it.
    A request over a cap waits up to ``wait_s`` for a place (the bodies of concurrent questions take
    milliseconds each); while it waits, uvicorn reads at most 64 KiB of its body.
    """

    def __init__(self, app: ASGIApp, total: int, per_client: int, wait_s: float = 5.0) -> None:
        self.app = app
        self.total = total
        self.per_client = per_client
        self.wait_s = wait_s
        self._held = 0
        self._by_client: dict[str, int] = {}  # only clients with one in flight: bounded by ``total``
        self._waiters: set[asyncio.Future[None]] = set()

    @property
    def held(self) -> int:
        return self._held

    def _refusal(self, client: str) -> CableqaError | None:
        if self._held >= self.total:
            return TooManyBodiesError(
                f"the server is already receiving {self.total} request bodies (CABLEQA_MAX_INFLIGHT_BODIES); "
                "retry in 1 s")
        if self._by_client.get(client, 0) >= self.per_client:
            return RateLimitedError(
                f"this client is already sending {self.per_client} request bodies "
                "(CABLEQA_MAX_INFLIGHT_BODIES_PER_CLIENT); retry in 1 s")
        return None

    async def _acquire(self, client: str) -> CableqaError | None:
        """A place for ``client``, waiting up to ``wait_s``; the refusal when none came."""
        # The middleware runs on the event loop only: counting needs no lock.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_s
        while (refusal := self._refusal(client)) is not None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return refusal
            waiter = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(waiter)
        self._held += 1
        self._by_client[client] = self._by_client.get(client, 0) + 1
        return None

    def _release(self, client: str) -> None:
        self._held -= 1
        left = self._by_client[client] - 1
        if left:
            self._by_client[client] = left
        else:
            del self._by_client[client]
        for waiter in self._waiters:  # each checks again; those still over a cap wait on
            if not waiter.done():
                waiter.set_result(None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        client = client_of(scope)
        refusal = await self._acquire(client)
        if refusal is not None:
            await closing_error_response(refusal)(scope, receive, send)
            return
        holding = True

        def release() -> None:
            nonlocal holding
            if holding:
                holding = False
                self._release(client)

        async def counted_receive() -> Message:
            try:
                message = await receive()
            except BaseException:
                release()
                raise
            if message["type"] != "http.request" or not message.get("more_body", False):
                release()  # the whole body is in (or the client has gone)
            return message

        async def counted_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                release()  # answered: whatever body is left is never read
            await send(message)

        try:
            await self.app(scope, counted_receive, counted_send)
        finally:
            release()


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    def _too_large(self) -> UploadTooLargeError:
        return UploadTooLargeError(
            f"the request body is over the {self.max_bytes:,}-byte limit (CABLEQA_MAX_UPLOAD_BYTES)")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await closing_error_response(self._too_large())(scope, receive, send)
            return
        received = 0
        cut_off = body_done = False
        deadline: float | None = None
        loop = asyncio.get_running_loop()

        async def limited_receive() -> Message:
            nonlocal received, cut_off, body_done, deadline
            if self.timeout_s is None or body_done:
                message = await receive()
            else:
                # One deadline for the whole body, from the first read: a trickle of bytes does not extend it.
                deadline = deadline if deadline is not None else loop.time() + self.timeout_s
                try:
                    message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    cut_off = True
                    # Raised inside the app: the endpoint's error handling turns it into the 408.
                    raise BodyTimeoutError(
                        f"the request body did not arrive within {self.timeout_s:g} s (CABLEQA_BODY_TIMEOUT_S)"
                    ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    cut_off = True
                    raise self._too_large()  # turned into the 413 the same way
                body_done = not message.get("more_body", False)
            return message

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and cut_off:
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        await self.app(scope, limited_receive, closing_send)
        if cut_off:
            # The error's traceback holds the frames that buffered the body, in reference cycles that
            # the collector would otherwise reach only after many more allocations: free them now (the
            # young generations only: a full collection takes about 200 ms with the model loaded).
            gc.collect(1)
