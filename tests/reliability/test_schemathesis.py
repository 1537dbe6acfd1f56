"""Property-based requests generated from the app's own OpenAPI schema: no 5xx, no response off-schema.

schemathesis reads ``/openapi.json`` from the real app (ASGI, in process) and sends every
operation up to 25 generated requests, valid and invalid, with a valid API key so uploads
and deletes reach their validation. Each response must not be a server error and must
conform to the schema: a documented status code, content type, headers and body. The app
runs over its own copy of the seed index, so generated deletes and uploads touch nothing
shared. Hypothesis is derandomized (the same requests every run) and has no deadline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from reliability_support import build_app
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from suite_support import copy_index

from embeddings.encoder import Encoder

GENERATE_ONLY = (hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink)

KEY = "schemathesis-key"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Every operation of the schema; a route added without joining this list fails the first test.
OPERATIONS = ("GET /health", "GET /ask", "POST /ask", "POST /ask/batch", "GET /cables", "POST /cables",
              "GET /cables/{cable_id}", "DELETE /cables/{cable_id}", "GET /cables/{cable_id}/paragraphs/{number}",
              "GET /cables/{cable_id}/references", "GET /cables/{cable_id}/paragraphs/{number}/similar")
# Invalid JSON bodies must be refused too. Query strings are left out of that check on purpose:
# an empty parameter (``?k=``, as an HTML form sends it) means "the default" (see blank_is_absent).
REJECTS_INVALID = {"POST /ask", "POST /ask/batch", "POST /cables"}
NO_INPUT = {"GET /health"}  # nothing to make invalid
CASES = [(label, mode) for label in OPERATIONS for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if not (mode is GenerationMode.NEGATIVE and label in NO_INPUT)]


@pytest.fixture(scope="module")
def api_schema(seed_index_dir: Path, encoder: Encoder,
               tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = copy_index(seed_index_dir, tmp_path_factory.mktemp("schemathesis") / "index")
    app = build_app(root, encoder, api_key=KEY)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_of_the_schema_is_exercised(api_schema: Any) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert labels == set(OPERATIONS)


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{label} {mode.value}" for label, mode in CASES])
def test_generated_requests_get_no_server_error_and_conform_to_the_schema(
        api_schema: Any, label: str, mode: GenerationMode) -> None:
    operation = api_schema.find_operation_by_label(label)
    checks = [*CHECKS, negative_data_rejection] if label in REJECTS_INVALID else CHECKS

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(max_examples=25, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck), phases=GENERATE_ONLY)
    def check(case: Any) -> None:
        case.call_and_validate(headers={"X-API-Key": KEY}, checks=checks)

    check()


@pytest.mark.corpus
def test_real_uploads_reads_and_deletes_conform_to_the_schema(api_schema: Any, corpus: Path) -> None:
    """The 2xx bodies generated data rarely reaches: a real upload (both media types), reads, a delete."""
    text = (corpus / "cables" / "09MOSCOW2747.txt").read_text(encoding="utf-8")
    upload = api_schema.find_operation_by_label("POST /cables")
    cases = [
        upload.Case(body=text, media_type="text/plain"),
        upload.Case(body={"cables": [text]}, media_type="application/json"),
        api_schema.find_operation_by_label("GET /cables/{cable_id}").Case(
            path_parameters={"cable_id": "09MOSCOW2747"}, query={"max_classification": "CONFIDENTIAL"}),
        api_schema.find_operation_by_label("GET /cables/{cable_id}/paragraphs/{number}").Case(
            path_parameters={"cable_id": "09MOSCOW2747", "number": 3}, query={"max_classification": "SBU"}),
        api_schema.find_operation_by_label("POST /ask/batch").Case(
            body={"questions": ["what do Polish diplomats call the Bureau of European Security"], "k": 3},
            media_type="application/json"),
        api_schema.find_operation_by_label("DELETE /cables/{cable_id}").Case(
            path_parameters={"cable_id": "09MOSCOW2747"}),
    ]
    statuses = [case.call_and_validate(headers={"X-API-Key": KEY}, checks=CHECKS).status_code for case in cases]
    assert statuses == [201, 201, 200, 403, 200, 200]
