"""A load test of a running ``cableqa serve``: many ``/ask`` requests at once, on loopback only.

    python -m bench.load --url http://127.0.0.1:8000 --requests 10000 --concurrency 32 \\
        [--pid PID] [--ingest-file CABLE.txt --api-key KEY] [--max-seconds 600] [--json]

Sends ``--requests`` ``POST /ask`` requests (the bundled eval questions in turn, modes in
turn) from ``--concurrency`` workers, and reports how many failed, the throughput, latency
p50/p95/p99 and the server's resident memory (RSS) at the start, the middle and the end,
read with psutil from ``--pid`` (or from the process listening on the URL's port). With
``--ingest-file`` it uploads that cable once a quarter of the requests are done, while the
rest run: the queries around it must not fail. A 429 counts as a failure: start the server
with ``CABLEQA_RATE_LIMIT_PER_MINUTE=0`` for a load test.

Bounded by design: at most ``--requests`` requests (1,000,000 at most) and ``--max-seconds``
of sending, and only to a loopback address (127.0.0.0/8, ::1, localhost); any other URL is
refused before a request is sent. Exit status 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from api.keys import is_loopback
from eval.questions import bundled_questions_path, load_questions

__all__ = ["LoadReport", "loopback_url", "main", "run_load"]

MAX_REQUESTS = 1_000_000
MODES = ("hybrid", "dense", "bm25")


def loopback_url(url: str) -> str:
    """``url`` without a trailing slash, if it is http(s) to a loopback host; ``ValueError`` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http:// URL")
    if not is_loopback(parts.hostname):
        raise ValueError(f"{parts.hostname} is not a loopback address: this load test only targets 127.0.0.0/8, "
                         "::1 or localhost")
    return url.rstrip("/")


@dataclass
class LoadReport:
    """What a run measured; ``failures`` maps a kind (``HTTP 429``, ``ReadTimeout``) to its count."""

    requests: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    failed_at: list[tuple[float, str]] = field(default_factory=list)  # (seconds into the run, kind): first 20
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: bool = False
    rss_mb: dict[str, float] = field(default_factory=dict)
    ingest: dict[str, Any] | None = None

    @property
    def errors(self) -> int:
        return sum(self.failures.values())

    def percentile(self, q: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests, "errors": self.errors, "failures": dict(self.failures),
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "latency_ms": {**{f"p{q}": round(self.percentile(q), 1) for q in (50, 95, 99)},
                           "max": round(max(self.latencies_ms, default=0.0), 1)},
            "failed_at_s": [[round(at, 2), kind] for at, kind in self.failed_at],
            "stopped_early": self.stopped_early, "rss_mb": self.rss_mb, "ingest": self.ingest,
        }


class _Memory:
    """The server's RSS through psutil; silent (no numbers) where the process cannot be read."""

    def __init__(self, pid: int | None, port: int | None) -> None:
        try:
            import psutil
        except ImportError:  # the numbers are optional; the load test is not
            print("psutil is not installed (pip install psutil): no server memory figures", file=sys.stderr)
            self._process = None
            return
        self._psutil = psutil
        self._process = None
        try:
            found = pid if pid is not None else self._listener(port)
            self._process = psutil.Process(found) if found is not None else None
        except psutil.Error as error:
            print(f"cannot read the server process: {error}", file=sys.stderr)

    def _listener(self, port: int | None) -> int | None:
        if port is None:
            return None
        try:
            for conn in self._psutil.net_connections(kind="tcp"):
                if conn.status == self._psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                    return int(conn.pid)
        except self._psutil.Error:
            return None
        return None

    def rss_mb(self) -> float | None:
        if self._process is None:
            return None
        try:
            return round(int(self._process.memory_info().rss) / 2**20, 1)
        except self._psutil.Error:
            return None


async def _ingest(client: httpx.AsyncClient, url: str, path: Path, api_key: str | None) -> dict[str, Any]:
    headers = {"Content-Type": "text/plain"}
    if api_key:
        headers["X-API-Key"] = api_key
    started = time.perf_counter()
    try:
        response = await client.post(f"{url}/cables", content=path.read_bytes(), headers=headers, timeout=600)
        result: dict[str, Any] = {"status": response.status_code, "file": str(path)}
        result["body"] = response.json() if response.headers.get("content-type", "").startswith(
            "application/json") else response.text[:200]
    except httpx.HTTPError as error:
        result = {"status": None, "file": str(path), "error": f"{type(error).__name__}: {error}"}
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


async def run_load(url: str, requests: int, concurrency: int, questions: Sequence[str],
                   modes: Sequence[str] = ("hybrid",), max_seconds: float = 600.0, pid: int | None = None,
                   ingest_file: Path | None = None, api_key: str | None = None, timeout: float = 60.0) -> LoadReport:
    """Send the requests and measure; see the module docstring."""
    url = loopback_url(url)
    if not 1 <= requests <= MAX_REQUESTS:
        raise ValueError(f"requests must be between 1 and {MAX_REQUESTS:,}, got {requests}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    report = LoadReport()
    memory = _Memory(pid, urlsplit(url).port)
    plan = itertools.islice(zip(itertools.cycle(questions), itertools.cycle(modes)), requests)
    deadline = time.monotonic() + max_seconds
    ingest_at = requests // 4 if ingest_file is not None else -1
    ingest_task: asyncio.Task[dict[str, Any]] | None = None

    def sample(label: str) -> None:
        rss = memory.rss_mb()
        if rss is not None:
            report.rss_mb[label] = rss

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        sample("start")
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal ingest_task
            for question, mode in plan:  # one shared iterator: each request is taken once
                if time.monotonic() > deadline:
                    report.stopped_early = True
                    return
                begun = time.perf_counter()
                try:
                    response = await client.post(f"{url}/ask", json={"question": question, "k": 5, "mode": mode})
                    ok = response.status_code == 200 and isinstance(response.json().get("hits"), list)
                    kind = None if ok else f"HTTP {response.status_code}"
                except (httpx.HTTPError, ValueError) as error:
                    kind = type(error).__name__
                report.latencies_ms.append((time.perf_counter() - begun) * 1000)
                report.requests += 1
                if kind is not None:
                    report.failures[kind] += 1
                    if len(report.failed_at) < 20:
                        report.failed_at.append((begun - started, kind))
                if report.requests == requests // 2:
                    sample("middle")
                if report.requests == ingest_at and ingest_file is not None:
                    ingest_task = asyncio.create_task(_ingest(client, url, ingest_file, api_key))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        report.seconds = time.perf_counter() - started
        if ingest_task is not None:
            report.ingest = await ingest_task
        sample("end")
    return report


def _format(report: LoadReport) -> str:
    data = report.as_dict()
    lines = [
        f"requests     {data['requests']:,} in {data['seconds']} s"
        + (" (stopped at --max-seconds)" if data["stopped_early"] else ""),
        f"errors       {data['errors']}" + (f"  {data['failures']}" if data["failures"] else ""),
        f"throughput   {data['throughput_rps']} requests/s",
        "latency      p50 {p50} ms  p95 {p95} ms  p99 {p99} ms  max {max} ms".format(**data["latency_ms"]),
    ]
    if data["rss_mb"]:
        lines.append("server RSS   " + "  ".join(f"{k} {v} MB" for k, v in data["rss_mb"].items()))
    if data["ingest"] is not None:
        ingest = data["ingest"]
        lines.append(f"ingest       HTTP {ingest['status']} in {ingest['seconds']} s ({ingest['file']})")
    if report.failed_at:
        lines.append("failed at    " + ", ".join(f"{at:.1f} s {kind}" for at, kind in report.failed_at))
    if report.failures.get("HTTP 429"):
        lines.append("note         429s: start the server with CABLEQA_RATE_LIMIT_PER_MINUTE=0 for a load test")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the server, on loopback: http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=10_000, help="how many /ask requests (default 10,000)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight at once (default 32)")
    parser.add_argument("--modes", default="hybrid", help="comma-separated modes taken in turn (default hybrid)")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop sending after this long (600)")
    parser.add_argument("--pid", type=int, default=None, help="the server's process id, for its RSS")
    parser.add_argument("--ingest-file", type=Path, default=None, help="a cable to upload a quarter of the way in")
    parser.add_argument("--api-key", default=None, help="the key uploads need, when the server has one")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in MODES for m in modes):
        parser.error(f"--modes: use some of {', '.join(MODES)}")
    if args.ingest_file is not None and not args.ingest_file.is_file():
        parser.error(f"--ingest-file: {args.ingest_file} is not a file")
    try:
        loopback_url(args.url)
    except ValueError as error:
        parser.error(f"--url: {error}")
    questions = [q.question for q in load_questions(bundled_questions_path())]
    try:
        report = asyncio.run(run_load(args.url, args.requests, args.concurrency, questions, modes, args.max_seconds,
                                      args.pid, args.ingest_file, args.api_key))
    except ValueError as error:
        parser.error(str(error))
    print(json.dumps(report.as_dict(), indent=1) if args.json else _format(report))
    ingest_failed = report.ingest is not None and report.ingest.get("status") != 201
    return 1 if report.errors or ingest_failed else 0


if __name__ == "__main__":
    sys.exit(main())
