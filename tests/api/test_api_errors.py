"""Every error the API gives: its status, its one-line ``detail`` naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.http_errors
import embeddings.errors
import qa.errors
from api.errors import STATUS, error_code, status_of
from embeddings.errors import EmbeddingsError
from qa.errors import CableqaError, from_embedding_error

LAVROV = "what did Lavrov say about missile defense"


def _subclasses(cls: type[CableqaError]) -> set[type[CableqaError]]:
    found: set[type[CableqaError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_cableqa_error_has_a_status_code() -> None:
    classes = _subclasses(CableqaError)
    exported = {getattr(module, name) for module in (qa.errors, api.http_errors) for name in module.__all__}
    exported = {e for e in exported if isinstance(e, type)} - {CableqaError}
    assert exported <= classes  # the walk sees at least every error the modules export
    missing = sorted(c.__name__ for c in classes if c not in STATUS)
    assert missing == []
    assert all(400 <= code < 600 for code in STATUS.values())
    assert error_code(qa.errors.InvalidQueryError) == "invalid_query"
    assert error_code(qa.errors.UnknownParagraphError) == "unknown_paragraph"


def _embedding_error(cls: type[EmbeddingsError]) -> EmbeddingsError:
    """One instance of each error class, whatever its constructor's arguments."""
    samples: dict[str, tuple[object, ...]] = {"UnknownModelError": ("m", ["a"]),
                                             "ModelPartsMissingError": ("m", ["part-1"], "installed"),
                                             "ModelChecksumError": ("m", "part 1", "0" * 64, "1" * 64),
                                             "InvalidInputError": ("k", "must be at least 1")}
    return cls(*samples.get(cls.__name__, ("what went wrong",)))  # type: ignore[arg-type]


def test_every_embeddings_error_is_translated_into_a_mapped_core_error_with_its_message() -> None:
    classes = {getattr(embeddings.errors, name) for name in embeddings.errors.__all__} - {EmbeddingsError}
    assert len(classes) == 8
    for cls in classes:
        error = _embedding_error(cls)
        translated = from_embedding_error(error)
        assert type(translated) is not CableqaError, cls  # each has a named counterpart
        assert error.message in translated.message
        assert 400 <= status_of(translated) < 600


@pytest.mark.parametrize(("body", "detail"), [
    ({"question": ""}, "question: must not be empty or whitespace"),
    ({"question": " \n\t "}, "question: must not be empty or whitespace"),
    ({"question": "x" * 2001}, "question: is 2001 characters; the limit is 2000"),
    ({"question": "missile\x00defense"}, "question: contains control characters"),
    ({"question": "missile\x1bdefense"}, "question: contains control characters"),
    ({"question": LAVROV, "k": 0}, "k: Input should be greater than or equal to 1"),
    ({"question": LAVROV, "k": 101}, "k: Input should be less than or equal to 100"),
    ({"question": LAVROV, "k": "5"}, "k: Input should be a valid integer"),
    ({"question": LAVROV, "k": True}, "k: Input should be a valid integer"),
    ({"question": LAVROV, "mode": "semantic"}, "mode: Input should be 'hybrid', 'dense' or 'bm25'"),
    ({"question": LAVROV, "filters": {"max_classification": "ULTRA"}},
     "filters.max_classification: unknown classification 'ULTRA'; use one of UNCLASSIFIED, LOU, SBU, "
     "CONFIDENTIAL, SECRET, TOP SECRET"),
    ({"question": LAVROV, "filters": {"date_from": "18 April 2008"}},
     "filters.date_from: '18 April 2008' is not a date; use YYYY-MM-DD"),
    ({"question": LAVROV, "filters": {"date_to": "2008-02-30"}},
     "filters.date_to: '2008-02-30' is not a date; use YYYY-MM-DD"),
    ({"question": LAVROV, "filters": {"date_from": "2009-01-01", "date_to": "2008-01-01"}},
     "filters.date_from: 2009-01-01 is after date_to 2008-01-01"),
    ({"question": LAVROV, "filters": {"origins": ["  "]}}, "filters.origins: values must be non-empty strings"),
    ({"question": LAVROV, "filters": {"colour": "red"}}, "filters.colour: Extra inputs are not permitted"),
    ({"question": LAVROV, "top_k": 3}, "top_k: Extra inputs are not permitted"),
    ({"k": 3}, "question: Field required"),
    ({"question": ["two", "questions"]}, "question: Input should be a valid string"),
])
def test_bad_ask_is_422_naming_the_field(client: TestClient, body: dict[str, Any], detail: str) -> None:
    response = client.post("/ask", json=body)
    assert response.status_code == 422
    error = response.json()
    assert error["detail"] == detail
    assert error["error"] == "invalid_query"
    assert error["errors"] and all({"loc", "msg", "type"} <= set(e) for e in error["errors"])


@pytest.mark.parametrize(("params", "detail"), [
    ({"q": " "}, "q: must not be empty or whitespace"),
    ({"q": LAVROV, "k": "five"}, "k: Input should be a valid integer, unable to parse string as an integer"),
    ({"q": LAVROV, "k": "1000"}, "k: Input should be less than or equal to 100"),
    ({"q": LAVROV, "mode": "fast"}, "mode: Input should be 'hybrid', 'dense' or 'bm25'"),
    ({"q": LAVROV, "max_classification": "COSMIC"},
     "max_classification: unknown classification 'COSMIC'; use one of UNCLASSIFIED, LOU, SBU, CONFIDENTIAL, "
     "SECRET, TOP SECRET"),
    ({"q": LAVROV, "date_to": "yesterday"}, "date_to: 'yesterday' is not a date; use YYYY-MM-DD"),
    ({"q": LAVROV, "max_clasification": "SECRET"}, "max_clasification: Extra inputs are not permitted"),
    ({}, "q: Field required"),
])
def test_bad_get_ask_is_422_naming_the_parameter(client: TestClient, params: dict[str, str], detail: str) -> None:
    response = client.get("/ask", params=params)
    assert response.status_code == 422
    assert response.json()["detail"] == detail


@pytest.mark.parametrize(("body", "detail"), [
    ({"questions": []}, "questions: 0 questions; send between 1 and 64"),
    ({"questions": [LAVROV] * 65}, "questions: 65 questions; send between 1 and 64"),
    ({"questions": [LAVROV, "  "]}, "questions[1]: must not be empty or whitespace"),
    ({"questions": [LAVROV, 7]}, "questions[1]: Input should be a valid string"),
    ({"questions": [LAVROV], "k": 0}, "k: Input should be greater than or equal to 1"),
    ({"question": LAVROV}, "questions: Field required; question: Extra inputs are not permitted"),
])
def test_bad_batch_is_422_naming_the_field(client: TestClient, body: dict[str, Any], detail: str) -> None:
    response = client.post("/ask/batch", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == detail


def test_unknown_cable_and_paragraph_are_404(client: TestClient) -> None:
    response = client.get("/cables/99NOWHERE1")
    assert (response.status_code, response.json()) == (
        404, {"detail": "no cable '99NOWHERE1' in the index", "error": "unknown_cable"})
    response = client.get("/cables/08TOKYO1074/paragraphs/42")
    assert (response.status_code, response.json()) == (
        404, {"detail": "cable 08TOKYO1074 has no paragraph 42", "error": "unknown_paragraph"})
    response = client.get("/cables/08TOKYO1074/paragraphs/three")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("number: 'three' is not a paragraph label")
    assert client.get("/no/such/route").json() == {"detail": "Not Found", "error": "not_found"}


@pytest.mark.parametrize(("content", "status", "detail"), [
    (b'{"question": "\xff\xfe missile"}', 400, "the request body is not valid UTF-8"),
    (b'{"question": ', 422, "body: not valid JSON at character 13 (Expecting value)"),
    (b"[1, 2]", 422, "body: Input should be a valid dictionary or object to extract fields from"),
    (b"null", 422, "body: Input should be a valid dictionary or object to extract fields from"),
    (b'{"question": "x", "k": 1e999}', 422, "k: Input should be a valid integer"),
])
def test_malformed_json_bodies_are_client_errors(client: TestClient, content: bytes, status: int,
                                                 detail: str) -> None:
    response = client.post("/ask", content=content, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()["detail"]) == (status, detail)


def test_odd_input_never_gives_a_500(client: TestClient) -> None:
    odd: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/ask?q=%ED%A0%80%FF", {}),
        ("GET", "/ask?q=%00", {}),
        ("GET", "/ask", {"params": {"q": "x", "k": "99999999999999999999999"}}),
        ("GET", "/cables/%00", {}),
        ("GET", "/cables/08TOKYO1074/paragraphs/-1", {}),
        ("GET", "/cables/08TOKYO1074/paragraphs/99999999999999999999", {}),
        ("GET", "/cables", {"params": {"offset": "-1"}}),
        ("GET", "/cables", {"params": {"date_from": "\x00"}}),
        ("POST", "/ask", {"content": b"\x00\x01\x02", "headers": {"Content-Type": "application/json"}}),
        ("POST", "/ask", {"content": b"question=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
        ("POST", "/ask/batch", {"json": {"questions": [LAVROV], "filters": {"tags": [None]}}}),
        ("POST", "/cables", {"content": b"\xff\xfe\x00\x00binary"}),
        ("POST", "/cables", {"content": b'{"cables": "one"}', "headers": {"Content-Type": "application/json"}}),
        ("POST", "/cables", {"content": b'{"cables": [', "headers": {"Content-Type": "application/json"}}),
        ("PUT", "/ask", {}),
    ]
    for method, url, options in odd:
        response = client.request(method, url, **options)
        assert response.status_code < 500, (method, url, response.status_code, response.text)
        if response.status_code >= 400:
            assert isinstance(response.json()["detail"], str)
