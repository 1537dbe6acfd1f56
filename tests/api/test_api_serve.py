"""``cableqa serve`` for real: a uvicorn subprocess on a free loopback port, asked over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from qa.cables.corpus import seed_cable_path

LAVROV = "what did Lavrov say about missile defense"
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 120.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"cableqa serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            response = httpx.get(f"{base}/health", timeout=2.0)
            if response.status_code == 200:
                return dict(response.json())
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"no /health within {timeout} s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def server(seed_copy: Callable[[], Path], tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    index = seed_copy()  # the server only loads it
    port = _free_port()
    # Keeps the fixture index's encoder backend (tests/conftest.py).
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABLEQA_") or k == "CABLEQA_ENCODER_BACKEND"}
    env["CABLEQA_MAX_UPLOAD_BYTES"] = "4000"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from qa.cli import main; main()", "serve", "--index", str(index),
             "--port", str(port)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process, log)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def test_cableqa_serve_answers_over_real_http_and_stops_cleanly(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    base, process = server
    health = httpx.get(f"{base}/health", timeout=10).json()
    assert (health["status"], health["cables"], health["paragraphs"]) == ("ok", 1, 9)

    answer = httpx.post(f"{base}/ask", json={"question": LAVROV}, timeout=60).json()
    assert answer["hits"][0]["citation"] == "08TOKYO1074 ¶3"
    assert httpx.get(f"{base}/ask", params={"q": LAVROV, "k": 1}, timeout=60).json()["hits"][0][
        "citation"] == "08TOKYO1074 ¶3"

    # The body limit, over a real socket: declared too long, and chunked with no length at all.
    seed = seed_cable_path().read_bytes()
    declared = httpx.post(f"{base}/cables", content=seed, headers={"Content-Type": "text/plain"}, timeout=30)
    assert (declared.status_code, declared.json()["error"]) == (413, "upload_too_large")
    chunks = iter([seed[i:i + 1000] for i in range(0, len(seed), 1000)])
    streamed = httpx.post(f"{base}/cables", content=chunks, headers={"Content-Type": "text/plain"}, timeout=30)
    assert (streamed.status_code, streamed.json()["error"]) == (413, "upload_too_large")

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
