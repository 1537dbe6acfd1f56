"""Stalled request bodies against a real ``cableqa serve``: memory stays bounded, connections are closed.

100 raw sockets on 127.0.0.1, from 25 loopback source addresses (127.0.0.2 ... 127.0.0.26, so
25 clients of 4), each declare a 4.9 MB ``POST /ask`` body, send most of it, and stall. The
server receives at most ``CABLEQA_MAX_INFLIGHT_BODIES`` (16) of them at once and answers each 408
``CABLEQA_BODY_TIMEOUT_S`` after it began; the others wait for a place (reading at most 64 KiB of
their bodies) and are answered 503 or 429 after 5 s without one. Every connection is closed.
The server's resident memory grows by less than 16 bodies of ``CABLEQA_MAX_UPLOAD_BYTES`` (5 MB)
plus a 40 MB allowance for the interpreter's own buffers.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from reliability_support import clean_env, serve
from suite_support import copy_index

CONNECTIONS = 100
CLIENTS = 25
DECLARED = 4_900_000
SENT = 4_800_000  # then nothing more, ever
TIMEOUT_S = 6.0  # over WAIT_S, as the defaults are (20 s and 5 s): the waiting are refused before a place frees
INFLIGHT = 16
WAIT_S = 5.0  # how long a request waits for a place before it is refused
MAX_UPLOAD = 5_000_000
BOUND = INFLIGHT * MAX_UPLOAD + 40_000_000
HEAD = (f"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {DECLARED}\r\n\r\n").encode()
PAYLOAD = HEAD + b'{"question": "' + b"a" * (SENT - 14)  # one object, sent by every socket


def _rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert found is not None
    return int(found.group(1)) * 1024


class Stalled:
    """One socket that sends the headers and ``SENT`` bytes of a ``DECLARED``-byte body, then waits."""

    def __init__(self, port: int, source: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((source, 0))
        self.sock.settimeout(30)
        self.sock.connect(("127.0.0.1", port))
        self.reply = b""
        self.closed_after: float | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        with contextlib.suppress(OSError):  # refused early: the server closed before taking it all
            self.sock.sendall(PAYLOAD)
        try:
            while chunk := self.sock.recv(65536):
                self.reply += chunk
        except OSError:
            pass
        self.closed_after = time.monotonic() - started
        self.sock.close()

    @property
    def status(self) -> int:
        first = self.reply.split(b"\r\n", 1)[0].split()
        return int(first[1]) if len(first) > 1 else 0


def test_stalled_bodies_are_bounded_in_memory_and_closed(seed_index_dir: Path, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    env = clean_env(CABLEQA_BODY_TIMEOUT_S=str(TIMEOUT_S), CABLEQA_RATE_LIMIT_PER_MINUTE="0",
                    CABLEQA_MAX_INFLIGHT_BODIES=str(INFLIGHT), CABLEQA_MAX_UPLOAD_BYTES=str(MAX_UPLOAD))
    with serve(root, tmp_path / "serve.log", env=env) as (base, process):
        port = int(base.rsplit(":", 1)[1])
        # 32 questions at once from one client: small bodies arrive whole, so the per-client cap of 4
        # bodies still arriving never refuses them (this also warms the allocator for the measurement).
        with ThreadPoolExecutor(32) as pool:
            answered = list(pool.map(lambda _: httpx.post(f"{base}/ask", json={"question": "missile defense"},
                                                          timeout=120).status_code, range(32)))
        assert answered == [200] * 32
        before = _rss(process.pid)

        stalled = [Stalled(port, f"127.0.0.{2 + i % CLIENTS}") for i in range(CONNECTIONS)]
        for one in stalled:
            one.thread.start()
        peak = before
        deadline = time.monotonic() + 2 * TIMEOUT_S + WAIT_S + 20
        while any(one.thread.is_alive() for one in stalled) and time.monotonic() < deadline:
            peak = max(peak, _rss(process.pid))
            time.sleep(0.05)
        for one in stalled:
            one.thread.join(timeout=1)

        statuses = sorted(one.status for one in stalled)
        print(f"RSS before {before / 1e6:.0f} MB, peak {peak / 1e6:.0f} MB (+{(peak - before) / 1e6:.0f} MB, "
              f"bound +{BOUND / 1e6:.0f} MB); replies {dict((s, statuses.count(s)) for s in set(statuses))}; "
              f"slowest close {max(o.closed_after or 99 for o in stalled):.1f} s")
        assert all(not one.thread.is_alive() for one in stalled), "connections still open"
        assert peak - before < BOUND
        # The first 16 at least; on a loaded machine sockets that connected late may still be waiting
        # when those 16 time out, take their places and time out in turn (memory is held by 16 at a time).
        assert statuses.count(408) >= INFLIGHT
        # A refused socket reads 503 or 429, or only a reset: the server closed with its body unread.
        assert set(statuses) <= {0, 408, 429, 503}, statuses
        assert max(one.closed_after or 99 for one in stalled) < 2 * TIMEOUT_S + WAIT_S + 5
        timed_out = next(one for one in stalled if one.status == 408)
        assert b'"error":"body_timeout"' in timed_out.reply and b"connection: close" in timed_out.reply.lower()
        # The server is still answering, and its bodies are all given back.
        assert httpx.post(f"{base}/ask", json={"question": "missile defense"}, timeout=60).status_code == 200
