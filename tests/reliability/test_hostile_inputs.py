"""Hostile requests get the documented 4xx naming what was wrong, never a 500, and change nothing.

One table drives the real app (TestClient, an API key configured so writes reach their
validation): empty, blank, huge, control-character, lone-surrogate and invalid-UTF-8
questions; k of 0, -1 and 10^9; unknown keys; malformed dates; a 50 MB, a binary and a
headerless upload; cable ids with path characters; a batch of 1,000 questions. After each,
``/health`` and an answer are exactly what they were before.

Over a real socket (uvicorn in a thread, same app), a 50 MB upload is refused with 413
before the body is read (declared length) or as soon as the limit is passed (chunked), and
raw ``..`` paths never reach a file.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from reliability_support import build_app, free_port
from starlette.types import Message, Receive, Scope, Send
from suite_support import LAVROV, copy_index

from embeddings.encoder import Encoder
from qa.cables.corpus import seed_cable_path

KEY = {"X-API-Key": "hostile-test-key"}
JSON = {"Content-Type": "application/json"}
TEXT = {**KEY, "Content-Type": "text/plain"}
MB = 1 << 20
LIMIT = 5_000_000  # CABLEQA_MAX_UPLOAD_BYTES, the default
TOO_LARGE = "the request body is over the 5,000,000-byte limit (CABLEQA_MAX_UPLOAD_BYTES)"
LEVELS = "use one of UNCLASSIFIED, LOU, SBU, CONFIDENTIAL, SECRET, TOP SECRET"
NO_HEADER = b"1. (C) Lavrov said the aim of the missile defense system was obvious.\n\n2. (C) Comment: none.\n"


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    status: int
    detail: str
    exact: bool = True  # else ``detail`` is a prefix
    json: Any = None
    content: bytes | Callable[[], bytes] | None = None  # a callable makes a big body only when sent
    params: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def ask(status: int, detail: str, body: Any, exact: bool = True) -> Case:
    return Case("POST", "/ask", status, detail, exact, json=body)


def ask_raw(status: int, detail: str, content: bytes, exact: bool = True) -> Case:
    return Case("POST", "/ask", status, detail, exact, content=content, headers=JSON)


def ask_get(status: int, detail: str, **params: str) -> Case:
    return Case("GET", "/ask", status, detail, params=params)


def upload(status: int, detail: str, content: bytes | Callable[[], bytes], headers: dict[str, str] = TEXT,
           exact: bool = True) -> Case:
    return Case("POST", "/cables", status, detail, exact, content=content, headers=headers)


CASES: dict[str, Case] = {
    "empty question": ask(422, "question: must not be empty or whitespace", {"question": ""}),
    "whitespace question": ask(422, "question: must not be empty or whitespace", {"question": " \t\n\u2028 "}),
    "100 kB question": ask(422, "question: is 100000 characters; the limit is 2000", {"question": "x" * 100_000}),
    "control characters": ask(422, "question: contains control characters", {"question": "missile\x07defense"}),
    "lone surrogate": ask_raw(
        422, "question: is not valid Unicode: it holds a lone surrogate (\\ud800-\\udfff)",
        b'{"question": "what did \\ud800 Lavrov say"}'),
    "invalid UTF-8 body": ask_raw(400, "the request body is not valid UTF-8", b'{"question": "\xff\xfe Lavrov"}'),
    "not JSON": ask_raw(422, "body: not valid JSON at character 0 (Expecting value)", b"question=Lavrov"),
    "JSON nested 100,000 deep": ask_raw(400, "body: not valid JSON (nested too deeply)",
                                        b"[" * 100_000 + b"]" * 100_000),
    "integer of 5,000 digits": ask_raw(
        400, "body: not valid JSON (Exceeds the limit (4300 digits) for integer string conversion",
        b'{"question": "Lavrov", "k": ' + b"9" * 5000 + b"}", exact=False),
    "JSON array": ask(422, "body: Input should be a valid dictionary or object to extract fields from", [LAVROV]),
    "k 0": ask(422, "k: Input should be greater than or equal to 1", {"question": LAVROV, "k": 0}),
    "k -1": ask(422, "k: Input should be greater than or equal to 1", {"question": LAVROV, "k": -1}),
    "k 10^9": ask(422, "k: Input should be less than or equal to 100", {"question": LAVROV, "k": 10**9}),
    "k as a string": ask(422, "k: Input should be a valid integer", {"question": LAVROV, "k": "5"}),
    "k NaN": ask_raw(422, "k: Input should be a valid integer", b'{"question": "Lavrov", "k": NaN}'),
    "unknown mode": ask(422, "mode: Input should be 'hybrid', 'dense' or 'bm25'",
                         {"question": LAVROV, "mode": "psychic"}),
    "unknown key": ask(422, "colour: Extra inputs are not permitted", {"question": LAVROV, "colour": "red"}),
    "unknown filter key": ask(422, "filters.colour: Extra inputs are not permitted",
                              {"question": LAVROV, "filters": {"colour": "red"}}),
    "date in the wrong format": ask(422, "filters.date_from: '18/04/2008' is not a date; use YYYY-MM-DD",
                                    {"question": LAVROV, "filters": {"date_from": "18/04/2008"}}),
    "date out of range": ask(422, "filters.date_to: '2008-13-45' is not a date; use YYYY-MM-DD",
                             {"question": LAVROV, "filters": {"date_to": "2008-13-45"}}),
    "dates reversed": ask(422, "filters.date_from: 2008-05-01 is after date_to 2008-04-01",
                          {"question": LAVROV, "filters": {"date_from": "2008-05-01", "date_to": "2008-04-01"}}),
    "unknown ceiling": ask(422, f"filters.max_classification: unknown classification 'COSMIC'; {LEVELS}",
                           {"question": LAVROV, "filters": {"max_classification": "COSMIC"}}),
    "GET without q": ask_get(422, "q: Field required"),
    "GET empty q": ask_get(422, "q: must not be empty or whitespace", q=""),
    "GET NUL in q": ask_get(422, "q: contains control characters", q="missile\x00defense"),
    "GET k 10^9": ask_get(422, "k: Input should be less than or equal to 100", q=LAVROV, k=str(10**9)),
    "GET k of 5,000 digits": ask_get(422, "k: Unable to parse input string as an integer, exceeded maximum size",
                                     q=LAVROV, k="9" * 5000),
    "GET date in the wrong format": ask_get(422, "date_from: 'yesterday' is not a date; use YYYY-MM-DD",
                                            q=LAVROV, date_from="yesterday"),
    "GET unknown parameter": ask_get(422, "colour: Extra inputs are not permitted", q=LAVROV, colour="red"),
    "1,000 questions in a batch": Case("POST", "/ask/batch", 422, "questions: 1000 questions; send between 1 and 64",
                                       json={"questions": [LAVROV] * 1000}),
    "empty batch": Case("POST", "/ask/batch", 422, "questions: 0 questions; send between 1 and 64",
                        json={"questions": []}),
    "one blank question in a batch": Case("POST", "/ask/batch", 422,
                                          "questions[1]: must not be empty or whitespace",
                                          json={"questions": [LAVROV, "  "]}),
    "50 MB upload": upload(413, TOO_LARGE, lambda: b"A" * (50 * MB)),
    "binary upload": upload(400, "cable 1 of 1: binary data, not cable text",
                            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(13, 256)) * 64,
                            headers={**KEY, "Content-Type": "application/octet-stream"}),
    "cable with no header": upload(
        400, "cable 1 of 1: not a cable: no classification banner, date-time group, FM line or TAGS found",
        NO_HEADER),
    "empty upload": upload(400, "upload: the body holds no cable text", b""),
    "JSON upload of no list": Case("POST", "/cables", 422, "cables: Input should be a valid array",
                                   json={"cables": "08TOKYO1074"}, headers=KEY),
    "JSON upload with a lone surrogate": upload(
        422, "body: not valid JSON (", b'{"cables": ["x\\ud800"]}', headers={**KEY, **JSON}, exact=False),
    "upload without a key": upload(401, "this endpoint needs an API key: send X-API-Key or Authorization: Bearer",
                                   seed_cable_path().read_bytes(), headers={"Content-Type": "text/plain"}),
    "upload with a wrong key": upload(401, "the API key is not valid", seed_cable_path().read_bytes(),
                                      headers={"X-API-Key": "guess", "Content-Type": "text/plain"}),
    "GET cable id ../../etc/passwd": Case("GET", "/cables/..%2F..%2Fetc%2Fpasswd", 404, "Not Found"),
    "GET cable id %2E%2E%2F...": Case("GET", "/cables/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", 404, "Not Found"),
    "GET cable id ..": Case("GET", "/cables/%2E%2E", 404, "no cable '..' in the index"),
    "GET cable id with NUL": Case("GET", "/cables/%00", 404, "no cable '\\x00' in the index"),
    "GET cable id of 65 characters": Case("GET", "/cables/" + "A" * 65, 422,
                                          "cable_id: String should have at most 64 characters"),
    "GET paragraph 0": Case("GET", "/cables/08TOKYO1074/paragraphs/0", 404, "cable 08TOKYO1074 has no paragraph 0"),
    "GET paragraph three": Case("GET", "/cables/08TOKYO1074/paragraphs/three", 422,
                                "number: 'three' is not a paragraph label", False),
    "DELETE cable id ../../etc/passwd": Case("DELETE", "/cables/..%2F..%2Fetc%2Fpasswd", 404, "Not Found",
                                             headers=KEY),
    "DELETE cable id ..": Case("DELETE", "/cables/%2E%2E", 404, "no cable '..' in the index", headers=KEY),
    "DELETE without a key": Case("DELETE", "/cables/08TOKYO1074", 401,
                                 "this endpoint needs an API key: send X-API-Key or Authorization: Bearer"),
}


def _observe(client: TestClient) -> tuple[Any, Any]:
    """What must not change: the index's size and generation, and a full answer."""
    health = client.get("/health").json()
    answer = client.post("/ask", json={"question": LAVROV, "k": 10}).json()
    return {k: health[k] for k in ("cables", "paragraphs", "generation", "built")}, answer


@pytest.fixture(scope="module")
def hostile(seed_index_dir: Path, encoder: Encoder,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, tuple[Any, Any]]]:
    root = copy_index(seed_index_dir, tmp_path_factory.mktemp("hostile") / "index")
    app = build_app(root, encoder, api_key=KEY["X-API-Key"])
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, _observe(client)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_request_gets_its_4xx_naming_the_fault_and_changes_nothing(
        hostile: tuple[TestClient, tuple[Any, Any]], name: str, caplog: pytest.LogCaptureFixture) -> None:
    client, before = hostile
    case = CASES[name]
    started = time.monotonic()
    content = case.content() if callable(case.content) else case.content
    with caplog.at_level(logging.ERROR, logger="cableqa.api"):
        response = client.request(case.method, case.path, json=case.json, content=content, params=case.params,
                                  headers=case.headers)
    elapsed = time.monotonic() - started
    body = response.json()
    assert (response.status_code, body["error"] != "internal") == (case.status, True), body
    assert body["detail"] == case.detail if case.exact else body["detail"].startswith(case.detail), body["detail"]
    assert set(body) <= {"detail", "error", "errors"}
    assert not caplog.records, [r.getMessage() for r in caplog.records]  # nothing unhandled was logged
    assert elapsed < 10.0, f"{name} took {elapsed:.1f} s"
    assert _observe(client) == before


class _Counting:
    """ASGI wrapper counting the body bytes the app actually pulled from the server."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.received = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


@pytest.fixture(scope="module")
def live(seed_index_dir: Path, encoder: Encoder,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, _Counting]]:
    """The same app served by uvicorn on a loopback port (in a thread, sharing the loaded model)."""
    root = copy_index(seed_index_dir, tmp_path_factory.mktemp("hostile-live") / "index")
    counting = _Counting(build_app(root, encoder, api_key=KEY["X-API-Key"]))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(counting, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", counting
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _raw(base: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client normalises the path) and read the whole response."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def test_a_50_mb_upload_is_refused_before_its_body_is_read(live: tuple[str, _Counting]) -> None:
    base, counting = live
    generation = httpx.get(f"{base}/health").json()["generation"]

    # Declared too long: the answer comes before a single byte of the body is sent.
    counting.received = 0
    status, response = _raw(base, b"POST /cables HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY["X-API-Key"].encode()
                            + b"\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                            % (50 * MB))
    assert status == 413 and json.loads(response.split(b"\r\n\r\n", 1)[1])["detail"] == TOO_LARGE
    assert counting.received == 0

    # Chunked, no length: cut off as soon as the bytes received pass the limit.
    counting.received = 0
    started = time.monotonic()
    chunks = (b"A" * MB for _ in range(50))
    refused = httpx.post(f"{base}/cables", content=chunks, headers=TEXT, timeout=60)
    assert (refused.status_code, refused.json()["detail"]) == (413, TOO_LARGE)
    assert LIMIT < counting.received <= LIMIT + MB  # read up to the limit and one chunk, not 50 MB
    assert time.monotonic() - started < 10.0

    assert httpx.get(f"{base}/health").json()["generation"] == generation


@pytest.mark.parametrize("path", [
    "/cables/../../../../etc/passwd",
    "/static/../../../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
])
def test_raw_dot_dot_paths_reach_no_file(live: tuple[str, _Counting], path: str) -> None:
    base, _ = live
    status, response = _raw(base, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    assert status == 404
    assert b"root:" not in response
