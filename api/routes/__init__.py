"""One router per topic: ask, cables, health and the web page."""

from __future__ import annotations

from api.routes import ask, cables, health, page

__all__ = ["ask", "cables", "health", "page"]
