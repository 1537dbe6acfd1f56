"""The HTTP edge in the default setup: Host names, writes from other origins, the batch's rate-limit cost.

Each test that could write gets its own copy of the seed index (``make_client``). The real
sockets (stalled bodies, forwarded headers, a real browser) are in ``tests/reliability`` and
``tests/web``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.guards import split_host
from api.http_errors import InvalidSettingError
from qa.cables.corpus import seed_cable_path
from qa.settings import Settings

AppFactory = Callable[..., AbstractContextManager[TestClient]]  # the make_client fixture

LAVROV = "what did Lavrov say about missile defense"
SUBJECT = "RUSSIAN FM LAVROV SAYS AIM AND INTENT OF JAPAN"
TEXT = {"Content-Type": "text/plain"}


def _forged_seed() -> bytes:
    """The seed cable (08TOKYO1074) with its subject replaced: an upload that would replace it."""
    text = seed_cable_path().read_text(encoding="utf-8")
    assert SUBJECT in text
    return text.replace(SUBJECT, "PWNED BY A PAGE ON ANOTHER PORT").encode()


def _subject(client: TestClient) -> str:
    return str(client.get("/cables/08TOKYO1074").json()["subject"])


@pytest.mark.parametrize(("value", "parts"), [
    ("127.0.0.1:8000", ("127.0.0.1", 8000)), ("[::1]:8000", ("::1", 8000)), ("[::1]", ("::1", None)),
    ("LocalHost.", ("localhost", None)), ("example.org:x", ("example.org", -1)), ("::1", ("::1", None)),
])
def test_host_header_split_into_name_and_port(value: str, parts: tuple[str, int | None]) -> None:
    assert split_host(value) == parts


def test_foreign_host_is_refused_for_reads_and_writes_unless_configured(make_client: AppFactory) -> None:
    with make_client() as client:
        for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST"):
            assert client.get("/health", headers={"Host": host}).status_code == 200, host
        refused = client.get("/ask", params={"q": LAVROV}, headers={"Host": "rebind.example:8000"})
        assert refused.status_code == 403
        assert refused.json() == {"detail": "Host 'rebind.example:8000' is not a name of this server; add it to "
                                            "CABLEQA_ALLOWED_HOSTS if it is", "error": "host_not_allowed"}
        assert refused.headers["connection"] == "close"
        assert client.get("/", headers={"Host": "rebind.example"}).status_code == 403
        assert client.post("/cables", content=_forged_seed(), headers={**TEXT, "Host": "rebind.example"}
                           ).status_code == 403
        assert _subject(client).startswith(SUBJECT)
    with make_client(allowed_hosts="qa.example.org, other.example") as client:
        assert client.get("/health", headers={"Host": "qa.example.org"}).status_code == 200
        assert client.get("/health", headers={"Host": "rebind.example"}).status_code == 403
    with make_client(allowed_hosts="*") as client:
        assert client.get("/health", headers={"Host": "rebind.example"}).status_code == 200
    with make_client(host="0.0.0.0", api_key="k") as client:  # the bound host is one of the server's names
        assert client.get("/health", headers={"Host": "0.0.0.0:8000"}).status_code == 200


def test_write_from_a_page_of_another_origin_is_refused_and_the_cable_unchanged(make_client: AppFactory) -> None:
    with make_client() as client:
        own = {**TEXT, "Host": "127.0.0.1:8000"}
        for origin in ("http://127.0.0.1:9000", "http://localhost:8000", "https://127.0.0.1:8000", "null",
                       "http://attacker.example"):
            refused = client.post("/cables", content=_forged_seed(), headers={**own, "Origin": origin})
            assert refused.status_code == 403, origin
            assert refused.json()["error"] == "cross_site_request"
        assert refused.json()["detail"] == ("a POST from the page at 'http://attacker.example' is refused: only "
                                            "this server's own pages and CABLEQA_CORS_ORIGINS may write")
        assert client.delete("/cables/08TOKYO1074", headers={**own, "Origin": "http://127.0.0.1:9000"}
                             ).status_code == 403
        # No Origin, but the browser's fetch metadata says another site sent it.
        fetched = client.post("/cables", content=_forged_seed(), headers={**own, "Sec-Fetch-Site": "same-site"})
        assert fetched.status_code == 403
        assert fetched.json()["detail"] == ("a POST sent by a page of another site (Sec-Fetch-Site: same-site) "
                                            "is refused")
        assert _subject(client).startswith(SUBJECT)
        # Reads from other origins are answered (the browser keeps the reply from the page: no CORS headers).
        assert client.get("/ask", params={"q": LAVROV, "k": 1},
                          headers={"Origin": "http://127.0.0.1:9000"}).status_code == 200
        # The server's own page may write (its Origin is the server's), and so may a program (no Origin).
        same = client.post("/cables", content=_forged_seed(), headers={
            **own, "Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"})
        assert same.status_code == 201 and same.json()["replaced"] == ["08TOKYO1074"]
        assert _subject(client).startswith("PWNED BY A PAGE ON ANOTHER PORT")


def test_listed_cors_origin_may_write(make_client: AppFactory) -> None:
    with make_client(cors_origins="https://reader.example", api_key="k") as client:
        allowed = client.post("/cables", content=_forged_seed(), headers={
            **TEXT, "Origin": "https://reader.example", "Sec-Fetch-Site": "cross-site", "X-API-Key": "k"})
        assert allowed.status_code == 201
        assert allowed.headers["access-control-allow-origin"] == "https://reader.example"
        assert client.post("/cables", content=_forged_seed(), headers={
            **TEXT, "Origin": "https://elsewhere.example", "X-API-Key": "k"}).status_code == 403


def test_a_batch_costs_one_rate_limit_token_per_question(make_client: AppFactory) -> None:
    with make_client(rate_limit_per_minute=10) as client:
        batch = client.post("/ask/batch", json={"questions": [LAVROV] * 6, "k": 1})
        assert batch.status_code == 200 and len(batch.json()["answers"]) == 6
        over = client.post("/ask/batch", json={"questions": [LAVROV] * 5, "k": 1})
        assert over.status_code == 429  # 4 left: the headers take one, the other 4 questions do not fit
        assert over.json()["detail"].startswith("over 10 requests a minute from this client (this request costs 4)")
        assert [client.get("/cables").status_code for _ in range(4)] == [200] * 3 + [429]
    with make_client(rate_limit_per_minute=3) as client:
        too_big = client.post("/ask/batch", json={"questions": [LAVROV] * 4, "k": 1})
        assert too_big.status_code == 422
        assert too_big.json()["detail"] == "questions: 4 questions cost 4 requests, over this server's 3 a minute"


def test_rate_limit_is_taken_before_the_body_is_read(make_client: AppFactory) -> None:
    with make_client(rate_limit_per_minute=1) as client:
        assert client.get("/cables").status_code == 200
        # Not JSON at all: a body that were read first would answer 400/422, not 429.
        response = client.post("/ask", content=b"{" * 1000, headers={"Content-Type": "application/json"})
        assert response.status_code == 429 and response.headers["connection"] == "close"


@pytest.mark.parametrize(("variable", "value", "detail"), [
    ("CABLEQA_API_KEY", "", "error: CABLEQA_API_KEY: is set but empty"),
    ("CABLEQA_API_KEY", "   ", "error: CABLEQA_API_KEY: is set but empty"),
    ("CABLEQA_API_KEYS", " , ", "error: CABLEQA_API_KEYS: is set but holds no key"),
])
def test_serve_refuses_an_empty_key_at_start(variable: str, value: str, detail: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABLEQA_")}
    env[variable] = value
    done = subprocess.run([sys.executable, "-c", "from qa.cli import main; main()", "serve", "--index",
                           str(tmp_path / "index"), "--port", "1"], env=env, capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 2
    assert detail in done.stderr
    assert not (tmp_path / "index").exists()  # refused before anything was built
    with pytest.raises(InvalidSettingError):
        secret = SecretStr(value)
        create_app(Settings(index_dir=tmp_path / "index", api_key=secret) if variable == "CABLEQA_API_KEY"
                   else Settings(index_dir=tmp_path / "index", api_keys=secret))


def test_ceiling_keys_without_an_anonymous_ceiling_are_warned_of_at_start(make_client: AppFactory,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="uvicorn.error"), make_client(api_keys="ckey:CONFIDENTIAL,admin"):
        pass
    assert any("CABLEQA_ANONYMOUS_MAX_CLASSIFICATION is not set" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="uvicorn.error"), make_client(
            api_keys="ckey:CONFIDENTIAL,admin", anonymous_max_classification="UNCLASSIFIED"):
        pass
    assert not any("CABLEQA_ANONYMOUS_MAX_CLASSIFICATION" in r.getMessage() for r in caplog.records)
