"""``cableqa serve`` as the benchmarks run it: on a free loopback port, started, waited for, stopped."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

__all__ = ["REPO", "free_port", "serve", "stop"]

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(args: list[str], env: dict[str, str], log: Path, port: int, wait_s: float = 300.0) -> subprocess.Popen[bytes]:
    """``cableqa serve --port PORT *args`` with ``env``, its output appended to ``log``, once ``/health``
    answers 200; exits naming the log if it dies or is not healthy within ``wait_s``."""
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-c", "from qa.cli import main; main()", "serve", "--port",
                                    str(port), *args], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"cableqa serve exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"cableqa serve was not healthy within {wait_s:.0f} s; see {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as an operator stops it; killed if it has not exited within a minute."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=60)
