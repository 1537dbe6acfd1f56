"""How ``cableqa serve`` logs: one line format for uvicorn's loggers, ours and the rest, naming the request.

Plain data for uvicorn's ``log_config``: the API's filter is named by its dotted path
(``api.request_context.RequestIdFilter``) and built by uvicorn in each worker, so the command line
configures the server's logging without importing the API.

Every line carries the worker's pid and the id of the request it was written for (``-`` outside a
request: start-up, the commit follower), so the lines of one request can be found across the
access log, error lines and tracebacks, and matched to the ``X-Request-ID`` the client received::

    2026-11-28 09:40:01,123 INFO pid=4242 request_id=3f2a... 127.0.0.1:51234 - "POST /ask HTTP/1.1" 200
"""

from __future__ import annotations

from typing import Any

__all__ = ["LOG_FORMAT", "log_config"]

LOG_FORMAT = "%(asctime)s %(levelname)s pid=%(process)d request_id=%(request_id)s %(message)s"


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for uvicorn's ``log_config``; the filter stamps each record."""
    formatter = {"()": "uvicorn.logging.DefaultFormatter", "fmt": LOG_FORMAT, "use_colors": False}
    handler = {"formatter": "default", "class": "logging.StreamHandler", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "api.request_context.RequestIdFilter"}},
        "formatters": {"default": formatter, "access": formatter},
        "handlers": {
            "default": {**handler, "stream": "ext://sys.stderr"},
            "access": {**handler, "formatter": "access", "stream": "ext://sys.stdout"},
            # Other libraries' loggers: warnings and errors only, as Python's last-resort handler shows them
            # (some set their own loggers to DEBUG).
            "others": {**handler, "stream": "ext://sys.stderr", "level": "WARNING"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
            "cableqa": {"handlers": ["default"], "level": level, "propagate": False},
        },
        "root": {"handlers": ["others"], "level": "WARNING"},
    }
