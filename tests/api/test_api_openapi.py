"""The OpenAPI document: every operation has a response model with examples, and the docs load."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

EXPECTED = {
    ("/ask", "get"), ("/ask", "post"), ("/ask/batch", "post"), ("/cables", "get"), ("/cables", "post"),
    ("/cables/{cable_id}", "get"), ("/cables/{cable_id}", "delete"), ("/cables/{cable_id}/paragraphs/{number}", "get"),
    ("/health", "get"), ("/cables/{cable_id}/references", "get"),
    ("/cables/{cable_id}/paragraphs/{number}/similar", "get"),
}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_route_has_a_response_model_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operations = {(path, method): op for path, item in spec["paths"].items() for method, op in item.items()}
    assert set(operations) == EXPECTED
    for key, op in operations.items():
        success = [code for code in op["responses"] if code.startswith("2")]
        assert len(success) == 1, key
        schema = op["responses"][success[0]]["content"]["application/json"]["schema"]
        assert _resolve(spec, schema).get("examples"), key
        assert op.get("summary") and op.get("description"), key
        for code, response in op["responses"].items():
            if code.startswith("4"):
                assert response["content"]["application/json"]["example"]["detail"], (key, code)


def test_upload_documents_its_body_rule_and_both_types(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/cables"]["post"]
    assert set(op["requestBody"]["content"]) == {"text/plain", "application/json"}
    assert "form feed" in op["description"]
    assert {"400", "401", "403", "413", "422"} <= set(op["responses"])


def test_docs_and_page_are_served(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
