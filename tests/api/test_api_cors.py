"""CORS: no cross-site headers unless ``CABLEQA_CORS_ORIGINS`` names the origin."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from fastapi.testclient import TestClient

AppFactory = Callable[..., AbstractContextManager[TestClient]]  # the make_client fixture


def test_cross_site_requests_get_headers_only_from_listed_origins(client: TestClient,
                                                                  make_client: AppFactory) -> None:
    plain = client.get("/health", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in plain.headers
    with make_client(cors_origins="https://reader.example, https://other.example") as allowing:
        allowed = allowing.get("/health", headers={"Origin": "https://reader.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://reader.example"
        other = allowing.get("/health", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = allowing.options("/cables", headers={
            "Origin": "https://other.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-API-Key"})
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]
