"""The errors of the HTTP edge: requests the server refuses before any question reaches the index.

They extend the core's tree (:mod:`qa.errors`) so one table (:mod:`api.errors`) maps them all:

    CableqaError
    ├── UploadTooLargeError      a request body over the configured limit
    ├── BodyTimeoutError         a request body not received within the configured time
    ├── TooManyBodiesError       the server already holds as many request bodies as it allows
    ├── InvalidSettingError      a CABLEQA_* setting the server refuses to start with
    ├── UnauthorizedError        a missing or wrong API key
    ├── RateLimitedError         a client over its request budget
    └── ForbiddenError
        ├── HostNotAllowedError      a Host header naming a server this is not (DNS rebinding)
        └── CrossSiteRequestError    a write sent by a page of another origin
"""

from __future__ import annotations

from qa.errors import CableqaError, ForbiddenError

__all__ = [
    "BodyTimeoutError",
    "CrossSiteRequestError",
    "HostNotAllowedError",
    "InvalidSettingError",
    "RateLimitedError",
    "TooManyBodiesError",
    "UnauthorizedError",
    "UploadTooLargeError",
]


class UploadTooLargeError(CableqaError):
    pass


class UnauthorizedError(CableqaError):
    pass


class HostNotAllowedError(ForbiddenError):
    """A ``Host`` header that is not one of the server's names (``CABLEQA_ALLOWED_HOSTS``)."""


class CrossSiteRequestError(ForbiddenError):
    """A write whose ``Origin`` or ``Sec-Fetch-Site`` says a page of another origin sent it."""


class BodyTimeoutError(CableqaError):
    """A request body that did not arrive within ``CABLEQA_BODY_TIMEOUT_S``; the connection is closed."""


class TooManyBodiesError(CableqaError):
    """As many request bodies in flight as ``CABLEQA_MAX_INFLIGHT_BODIES`` allows; ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidSettingError(CableqaError):
    """A ``CABLEQA_*`` setting the server will not start with; ``setting`` names the variable."""

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__(f"{setting}: {reason}")
        self.setting = setting
        self.reason = reason


class RateLimitedError(CableqaError):
    """A client over its request budget; ``retry_after`` is the whole seconds until one more passes."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after
