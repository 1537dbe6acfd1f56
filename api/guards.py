"""Which requests the server answers at all: requests to its own names, and writes from its own pages.

Two browser attacks reach a server that listens on loopback only:

- **DNS rebinding.** A web site whose name resolves to 127.0.0.1 reads and writes the local
  server through the visitor's browser. Its requests say ``Host: evil.example``, so every
  request (reads too) whose ``Host`` is not one of the server's names is refused:
  403 ``host_not_allowed``.
- **Cross-site writes.** A page of another origin (another port on localhost counts) sends
  ``POST /cables`` with a ``text/plain`` body, which a browser sends without asking first.
  A request with any method but GET, HEAD and OPTIONS whose ``Origin`` is neither the
  server's own nor listed in ``CABLEQA_CORS_ORIGINS`` is refused: 403 ``cross_site_request``.
  So is one with no ``Origin`` whose ``Sec-Fetch-Site`` is ``cross-site`` or ``same-site``.
  Requests with neither header come from programs, not from pages, and pass.

The server's names are ``localhost``, ``127.0.0.1``, ``::1``, ``CABLEQA_HOST``, the local
address the connection arrived at (ASGI ``scope["server"]``, which the client cannot choose)
and every name in ``CABLEQA_ALLOWED_HOSTS``; ``*`` there turns the Host check off, for a
proxy in front that checks names itself. This is the check Jupyter added for the same holes.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response
from api.http_errors import CrossSiteRequestError, HostNotAllowedError
from qa.errors import CableqaError

__all__ = ["LOOPBACK_NAMES", "SAFE_METHODS", "HostOriginGuard", "closing_error_response", "split_host"]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def closing_error_response(error: CableqaError) -> JSONResponse:
    """The error's usual response, closing the connection: a body the client is still sending is not read."""
    response = error_response(error)
    response.headers["Connection"] = "close"
    return response


def _name(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def split_host(value: str) -> tuple[str, int | None]:
    """``"[::1]:8000"`` -> ``("::1", 8000)``; ``"LocalHost."`` -> ``("localhost", None)``; a bad port -> -1."""
    value = value.strip()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        name, port = value.split(":")
    else:
        name, port = value, ""
    if not port:
        return _name(name), None
    return _name(name), int(port) if port.isdigit() else -1


class HostOriginGuard:
    """ASGI middleware refusing foreign ``Host`` headers, and writes from other origins."""

    def __init__(self, app: ASGIApp, *, hosts: Iterable[str], cors_origins: Iterable[str]) -> None:
        self.app = app
        names = {_name(h) for h in hosts if h.strip()}
        self.any_host = "*" in names
        self.hosts = frozenset(names | set(LOOPBACK_NAMES))
        self.cors_origins = frozenset(o.strip().rstrip("/").lower() for o in cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        error = self._check_host(scope, headers) or self._check_origin(scope, headers)
        if error is not None:
            await closing_error_response(error)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _check_host(self, scope: Scope, headers: Headers) -> CableqaError | None:
        host = headers.get("host")
        if host is None or self.any_host:
            return None  # HTTP/1.0 without a Host: no browser sends that
        name, _ = split_host(host)
        server = scope.get("server")
        if name in self.hosts or (server is not None and name == _name(str(server[0]))):
            return None
        return HostNotAllowedError(
            f"Host {host!r} is not a name of this server; add it to CABLEQA_ALLOWED_HOSTS if it is")

    def _check_origin(self, scope: Scope, headers: Headers) -> CableqaError | None:
        if scope["method"] in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if origin is None:
            site = headers.get("sec-fetch-site", "").lower()
            if site in ("cross-site", "same-site"):
                return CrossSiteRequestError(
                    f"a {scope['method']} sent by a page of another site (Sec-Fetch-Site: {site}) is refused")
            return None
        if origin.rstrip("/").lower() in self.cors_origins or self._same_origin(origin, scope, headers):
            return None
        return CrossSiteRequestError(
            f"a {scope['method']} from the page at {origin!r} is refused: only this server's own pages and "
            "CABLEQA_CORS_ORIGINS may write")

    @staticmethod
    def _same_origin(origin: str, scope: Scope, headers: Headers) -> bool:
        parts = urlsplit(origin.strip())
        try:
            origin_port = parts.port
        except ValueError:
            return False
        if parts.hostname is None or parts.scheme not in _DEFAULT_PORTS:
            return False  # "null": a sandboxed frame or a file:// page
        scheme = str(scope.get("scheme", "http"))
        name, port = split_host(headers.get("host", ""))
        return (parts.scheme == scheme and _name(parts.hostname) == name
                and (origin_port or _DEFAULT_PORTS[parts.scheme]) == (port or _DEFAULT_PORTS.get(scheme, 80)))
