"""``/health``: the model, the index's type and size, its generation, version and uptime."""

from __future__ import annotations

import re
from importlib.metadata import version

from fastapi.testclient import TestClient


def test_health_describes_the_seed_index(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    health = response.json()
    # The served default (onnx-int8) names its vectors apart from fp32 ones, so indexes never mix.
    assert (health["status"], health["model"], health["index_type"]) == (
        "ok", "sentence-transformers/all-MiniLM-L6-v2+onnx-int8", "flat")
    assert (health["cables"], health["paragraphs"], health["generation"]) == (1, 9, 1)
    assert health["version"] == version("cableqa")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", health["started"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", health["built"])
    assert health["uptime_s"] >= 0
    assert client.get("/health").json()["uptime_s"] >= health["uptime_s"]
