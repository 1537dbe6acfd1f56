"""``bench.load`` against a real ``cableqa serve``: 300 requests, 8 at a time, an upload mid-run, no failure.

The server is a subprocess on a free loopback port over a copy of the seed index, as an
operator would run it (rate limit off, an API key for writes). The load script runs as its
own command too, and its JSON report must show every request answered, the upload done
(201) while queries were in flight, and the server's memory read at start, middle and end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from reliability_support import clean_env, serve
from suite_support import CORPUS, REPO, copy_index

from bench.load import loopback_url
from qa.cables.corpus import seed_cable_path

KEY = "load-test-key"


def test_load_script_refuses_any_address_but_loopback() -> None:
    assert loopback_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert loopback_url("http://[::1]:8000") == "http://[::1]:8000"
    assert loopback_url("http://localhost:8000") == "http://localhost:8000"
    for url in ("http://10.0.0.1:8000", "http://192.168.1.2", "http://example.com", "ftp://127.0.0.1", "127.0.0.1"):
        with pytest.raises(ValueError):
            loopback_url(url)


def test_300_requests_with_an_upload_mid_run_all_succeed(seed_index_dir: Path, tmp_path: Path) -> None:
    moscow = CORPUS / "cables" / "09MOSCOW2747.txt"
    upload = moscow if moscow.is_file() else seed_cable_path()  # without the corpus: the seed replaces itself
    root = copy_index(seed_index_dir, tmp_path / "index")
    env = clean_env(CABLEQA_RATE_LIMIT_PER_MINUTE="0", CABLEQA_API_KEY=KEY)
    with serve(root, tmp_path / "serve.log", env=env) as (base, process):
        run = subprocess.run(
            [sys.executable, "-m", "bench.load", "--url", base, "--requests", "300", "--concurrency", "8",
             "--modes", "hybrid,dense,bm25", "--pid", str(process.pid), "--ingest-file", str(upload),
             "--api-key", KEY, "--max-seconds", "300", "--json"],
            cwd=REPO, capture_output=True, text=True, timeout=400)
        assert run.returncode == 0, run.stdout + run.stderr
        report = json.loads(run.stdout)
        health = httpx.get(f"{base}/health", timeout=10).json()

    assert (report["requests"], report["errors"], report["failures"]) == (300, 0, {})
    assert not report["stopped_early"]
    assert report["ingest"]["status"] == 201, report["ingest"]
    assert set(report["rss_mb"]) == {"start", "middle", "end"}
    assert 0 < report["latency_ms"]["p50"] <= report["latency_ms"]["p95"] <= report["latency_ms"]["p99"]
    assert health["cables"] == (2 if upload == moscow else 1)
    assert health["generation"] == 2
