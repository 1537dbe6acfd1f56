"""cableqa's HTTP API: ``create_app()`` builds the FastAPI app (``cableqa serve`` runs it)."""

from __future__ import annotations

from api.app import create_app

__all__ = ["create_app"]
