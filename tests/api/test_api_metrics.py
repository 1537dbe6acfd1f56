"""``/metrics`` and request ids, on a real ``cableqa serve`` (one worker, then two) over real HTTP."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.http_errors import InvalidSettingError
from api.request_context import request_id_from
from embeddings.encoder import Encoder
from qa.cables.corpus import seed_cable_path
from qa.cli.metrics_folder import PREFIX
from qa.settings import Settings

REPO = Path(__file__).resolve().parents[2]
LAVROV = "what did Lavrov say about missile defense"
HEX_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(index: Path, log: Path, workers: int = 1, timeout: float = 180.0,
           temp: Path | None = None) -> Iterator[Server]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABLEQA_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env["CABLEQA_RATE_LIMIT_PER_MINUTE"] = "0"
    if temp is not None:
        env["TMPDIR"] = str(temp)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from qa.cli import main; main()", "serve", "--index", str(index),
             "--port", str(port), "--workers", str(workers)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + timeout
        # Every worker says it is ready before the test starts counting which worker answered what.
        while server.log_text().count("Application startup complete") < workers:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"cableqa serve did not start ({process.poll()}):\n{server.log_text()}")
            time.sleep(0.3)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _scrape(base: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = httpx.get(f"{base}/metrics", timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain"), response.text
    return _samples(response.text)


@pytest.fixture(scope="module")
def server(client: TestClient, seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One worker over a copy of the seed index (1 cable, 9 paragraphs, generation 1)."""
    folder = tmp_path_factory.mktemp("metrics-serve")
    shutil.copytree(seed_index_dir, folder / "index")
    with _serve(folder / "index", folder / "serve.log") as running:
        yield running


def test_requests_are_counted_and_timed_by_route_mode_and_status(server: Server) -> None:
    before = _scrape(server.base)
    for _ in range(3):
        assert httpx.get(f"{server.base}/ask", params={"q": LAVROV, "k": 1, "mode": "bm25"}).status_code == 200
    for _ in range(2):
        dense = httpx.post(f"{server.base}/ask", json={"question": LAVROV, "mode": "dense"}, timeout=60)
        assert dense.status_code == 200
    assert httpx.post(f"{server.base}/ask", json={"question": "  "}).status_code == 422
    assert httpx.get(f"{server.base}/cables/99NOWHERE1").status_code == 404
    assert httpx.get(f"{server.base}/cables/08TOKYO1074/paragraphs/3").status_code == 200
    after = _scrape(server.base)

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    requests = "cableqa_http_requests_total"
    assert moved(requests, route="/ask", method="GET", mode="bm25", status="200") == 3
    assert moved(requests, route="/ask", method="POST", mode="dense", status="200") == 2
    # An empty question is refused after its mode (the default) is known.
    assert moved(requests, route="/ask", method="POST", mode="hybrid", status="422") == 1
    assert moved(requests, route="/cables/{cable_id}", method="GET", mode="none", status="404") == 1
    assert moved(requests, route="/cables/{cable_id}/paragraphs/{number}", method="GET", mode="none",
                 status="200") == 1
    errors = "cableqa_http_errors_total"
    assert moved(errors, route="/ask", status="422", error="invalid_query") == 1
    assert moved(errors, route="/cables/{cable_id}", status="404", error="unknown_cable") == 1

    latency = "cableqa_http_request_duration_seconds"
    assert moved(f"{latency}_count", route="/ask", method="GET", mode="bm25") == 3
    assert moved(f"{latency}_bucket", route="/ask", method="GET", mode="bm25", le="+Inf") == 3
    assert 0 < moved(f"{latency}_sum", route="/ask", method="GET", mode="bm25") < 3 * 30
    # The buckets resolve 5-500 ms.
    bounds = {dict(labels)["le"] for name, labels in after if name == f"{latency}_bucket"}
    assert {"0.005", "0.01", "0.05", "0.1", "0.5"} <= bounds

    assert _value(after, "cableqa_index_cables") == 1 and _value(after, "cableqa_index_paragraphs") == 9
    assert _value(after, "cableqa_index_segments") == 1
    assert _value(after, "cableqa_index_generation") == _value(after, "cableqa_index_generation_oldest") >= 1


def test_edge_refusals_are_counted_under_the_route_they_were_meant_for(server: Server) -> None:
    before = _scrape(server.base)
    refused = httpx.get(f"{server.base}/ask", params={"q": LAVROV}, headers={"Host": "evil.example"})
    assert (refused.status_code, refused.json()["error"]) == (403, "host_not_allowed")
    assert httpx.get(f"{server.base}/no/such/page").status_code == 404
    after = _scrape(server.base)
    assert (_value(after, "cableqa_http_errors_total", route="/ask", status="403", error="host_not_allowed")
            - _value(before, "cableqa_http_errors_total", route="/ask", status="403", error="host_not_allowed")) == 1
    assert (_value(after, "cableqa_http_requests_total", route="unmatched", method="GET", mode="none", status="404")
            - _value(before, "cableqa_http_requests_total", route="unmatched", method="GET", mode="none",
                     status="404")) == 1


def test_request_id_is_echoed_or_made_and_written_in_the_log(server: Server) -> None:
    given = httpx.get(f"{server.base}/ask", params={"q": LAVROV, "k": 1}, headers={"X-Request-ID": "trace-7f3a.42"})
    assert given.headers["X-Request-ID"] == "trace-7f3a.42"
    made = httpx.get(f"{server.base}/health")
    assert HEX_ID.fullmatch(made.headers["X-Request-ID"])
    for insane in ("two words", "x" * 129, "ünïcode", 'quote"d'):
        answered = httpx.get(f"{server.base}/health", headers={"X-Request-ID": insane.encode()})
        assert HEX_ID.fullmatch(answered.headers["X-Request-ID"]), insane
    # Refusals by the edge guards and errors carry it too.
    refused = httpx.get(f"{server.base}/health", headers={"Host": "evil.example", "X-Request-ID": "edge-1"})
    assert (refused.status_code, refused.headers["X-Request-ID"]) == (403, "edge-1")
    invalid = httpx.get(f"{server.base}/ask", params={"q": LAVROV, "k": 0}, headers={"X-Request-ID": "bad-k-1"})
    assert (invalid.status_code, invalid.headers["X-Request-ID"]) == (422, "bad-k-1")

    log = server.log_text()
    line = next(line for line in log.splitlines() if "request_id=trace-7f3a.42 " in line)
    assert '"GET /ask?' in line and line.rstrip().endswith(" 200") and f"pid={server.process.pid}" in line
    assert re.search(r'request_id=edge-1 .*"GET /health HTTP/1.1" 403', log)
    assert f"request_id={made.headers['X-Request-ID']} " in log
    # Lines written outside any request name none.
    assert re.search(r"request_id=- .*cableqa ready: 1 cables", log)


def test_an_upload_moves_the_ingest_counters_and_the_index_gauges(server: Server) -> None:
    before = _scrape(server.base)
    generation = _value(before, "cableqa_index_generation")
    response = httpx.post(f"{server.base}/cables", content=seed_cable_path().read_bytes(),
                          headers={"Content-Type": "text/plain"}, timeout=120)
    assert response.status_code == 201, response.text
    deadline = time.monotonic() + 10  # the gauges follow within CABLEQA_FOLLOW_INTERVAL_S
    while (after := _scrape(server.base)) and _value(after, "cableqa_index_generation") == generation:
        assert time.monotonic() < deadline, "the index gauges never moved"
        time.sleep(0.2)
    assert _value(after, "cableqa_index_generation") == generation + 1
    assert _value(after, "cableqa_index_generation_oldest") == generation + 1
    assert _value(after, "cableqa_ingest_cables_total") - _value(before, "cableqa_ingest_cables_total") == 1
    assert _value(after, "cableqa_ingest_paragraphs_total") - _value(before, "cableqa_ingest_paragraphs_total") == 9
    assert _value(after, "cableqa_ingest_uploads_in_flight") == 0
    assert (_value(after, "cableqa_index_cables"), _value(after, "cableqa_index_paragraphs")) == (1, 9)  # replaced
    assert _value(after, "cableqa_http_requests_total", route="/cables", method="POST", mode="none", status="201") == 1


def test_two_workers_add_up_and_the_shared_folder_goes_with_the_server(
        client: TestClient, seed_index_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(seed_index_dir, tmp_path / "index")
    with _serve(tmp_path / "index", tmp_path / "serve.log", workers=2) as server:
        shared = Path(re.findall(r"shared by the workers in (\S+)", server.log_text())[0])
        assert shared.is_dir()
        # New connections until both workers have answered some (the kernel picks the worker).
        sent = 0
        pids: dict[str, str] = {}
        while len(set(pids.values())) < 2:
            assert sent < 300, f"one worker answered all {sent} requests"
            request_id = f"two-workers-{sent}"
            with httpx.Client() as fresh:
                answer = fresh.get(f"{server.base}/ask", params={"q": LAVROV, "k": 1, "mode": "bm25"},
                                   headers={"X-Request-ID": request_id})
            assert answer.status_code == 200
            sent += 1
            if sent % 10 == 0:
                pids = {rid: pid for pid, rid in re.findall(r"pid=(\d+) request_id=(two-workers-\d+) ",
                                                            server.log_text())}
        # Every scrape, whichever worker answers it, counts both workers' requests.
        scrapers = set()
        for attempt in range(40):
            scrape_id = f"scrape-{attempt}"
            with httpx.Client() as fresh:
                text = fresh.get(f"{server.base}/metrics", headers={"X-Request-ID": scrape_id}).text
            counted = _value(_samples(text), "cableqa_http_requests_total", route="/ask", method="GET", mode="bm25",
                             status="200")
            assert counted == sent, (attempt, counted, sent)
            scrapers |= set(re.findall(rf"pid=(\d+) request_id={scrape_id} ", server.log_text()))
            if len(scrapers) == 2:
                break
        assert len(scrapers) == 2, "every scrape went to one worker"
        samples = _samples(text)
        assert _value(samples, "cableqa_index_generation") == 1 and _value(samples, "cableqa_index_cables") == 1

        # A worker killed outright: its counts stay, its live gauges go at the next scrape.
        victim = int(next(iter(scrapers)))
        assert list(shared.glob(f"gauge_live*_{victim}.db"))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            try:
                samples = _scrape(server.base)
                break
            except httpx.TransportError:  # the connection went to the worker as it died
                assert time.monotonic() < deadline
        assert _value(samples, "cableqa_http_requests_total", route="/ask", method="GET", mode="bm25",
                      status="200") == sent
        assert not list(shared.glob(f"gauge_live*_{victim}.db"))
        assert list(shared.glob(f"counter_{victim}.db"))
    assert not shared.exists()


def test_a_killed_servers_metrics_folder_is_removed_by_the_next_server(seed_index_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(seed_index_dir, tmp_path / "index")
    temp = tmp_path / "tmp"
    temp.mkdir()
    running_elsewhere = temp / f"{PREFIX}{os.getpid()}-live"  # a server that still runs (this test's pid)
    not_ours = temp / f"{PREFIX}made-by-hand"
    for folder in (running_elsewhere, not_ours):
        folder.mkdir()
    with _serve(tmp_path / "index", tmp_path / "killed.log", temp=temp) as killed:
        left = Path(re.findall(r"shared by the workers in (\S+)", killed.log_text())[0])
        assert left.parent == temp and left.name.startswith(f"{PREFIX}{killed.process.pid}-")
        killed.process.kill()  # no clean-up runs: the folder stays behind
        killed.process.wait(timeout=30)
    assert left.is_dir()
    with _serve(tmp_path / "index", tmp_path / "next.log", temp=temp) as server:
        assert httpx.get(f"{server.base}/metrics", timeout=30).status_code == 200
        own = Path(re.findall(r"shared by the workers in (\S+)", server.log_text())[0])
        assert not left.exists() and own.is_dir() and running_elsewhere.is_dir() and not_ours.is_dir()
    assert not own.exists()


def _app(index_dir: Path, encoder: Encoder, **settings: object) -> FastAPI:
    return create_app(Settings(index_dir=index_dir, rate_limit_per_minute=0, **settings), encoder=encoder)


def test_metrics_can_require_a_key(seed_copy: Callable[[], Path], encoder: Encoder) -> None:
    with pytest.raises(InvalidSettingError, match="CABLEQA_METRICS_REQUIRE_KEY"):
        _app(seed_copy(), encoder, metrics_require_key=True)
    with TestClient(_app(seed_copy(), encoder, metrics_require_key=True, api_keys="reader:CONFIDENTIAL")) as c:
        refused = c.get("/metrics")
        assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized")
        assert c.get("/metrics", headers={"X-API-Key": "wrong"}).status_code == 401
        allowed = c.get("/metrics", headers={"X-API-Key": "reader"})  # a key's ceiling does not matter here
        assert allowed.status_code == 200 and "cableqa_http_requests_total" in allowed.text
        assert 'error="unauthorized"' in allowed.text


def test_an_unexpected_error_is_a_counted_500_carrying_the_request_id(
        seed_copy: Callable[[], Path], encoder: Encoder) -> None:
    app = _app(seed_copy(), encoder)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/broken", headers={"X-Request-ID": "bug-1"})
        assert (response.status_code, response.json()["error"]) == (500, "internal")
        assert response.headers["X-Request-ID"] == "bug-1"
        samples = _samples(c.get("/metrics").text)
    assert _value(samples, "cableqa_http_errors_total", route="/broken", status="500", error="internal") == 1


def test_only_sane_request_ids_are_kept() -> None:
    assert request_id_from("0f8c2b1e-3d4a-4c5b-9e6f-7a8b9c0d1e2f") == "0f8c2b1e-3d4a-4c5b-9e6f-7a8b9c0d1e2f"
    assert request_id_from("Root=1-67891233-abcdef012345678912345678") == "Root=1-67891233-abcdef012345678912345678"
    for insane in (None, "", "a b", "x" * 129, "line\nbreak", "<script>"):
        assert HEX_ID.fullmatch(request_id_from(insane)), insane
