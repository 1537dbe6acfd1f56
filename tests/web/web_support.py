"""Harness the browser tests share: Debian Chromium driven by Playwright, a real ``cableqa serve``.

Headless Debian Chromium (``/usr/bin/chromium``) driven by Playwright for Python; no browser is
downloaded. A test module calls ``playwright_or_skip()`` at its top, so it is skipped where either
is missing and the suite passes on a bare machine; CI installs both (``apt-get install chromium``,
``pip install playwright``).

Imported by name (``from web_support import ...``): pytest puts this folder on the path. The
``browser`` fixture built on it lives in ``conftest.py``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from suite_support import REPO, cli

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SCREENSHOTS = REPO / "tests" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# The first start embeds the bundled seed cable: about 30 s on a 2-core machine.
SERVER_START_TIMEOUT_S = 180


def playwright_or_skip() -> ModuleType:
    """``playwright.sync_api``; skips the calling test module where Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser test needs Debian Chromium at {CHROMIUM} (apt-get install chromium)",
                    allow_module_level=True)
    sync_api: ModuleType = pytest.importorskip(
        "playwright.sync_api", exc_type=ImportError,
        reason="browser test needs Playwright for Python (pip install playwright)")
    return sync_api


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(*, default_settings: bool = False) -> dict[str, str]:
    """This environment without ``CABLEQA_API_KEY`` (the page sends none); with ``default_settings``,
    without any ``CABLEQA_*`` setting but the fixture indexes' encoder backend (tests/conftest.py)."""
    return {key: value for key, value in os.environ.items()
            if key != "CABLEQA_API_KEY" and not (default_settings and key.startswith("CABLEQA_")
                                                 and key != "CABLEQA_ENCODER_BACKEND")}


def _log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"cableqa serve exited with {process.returncode}:\n{_log_tail(log)}")
        try:
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"cableqa serve gave no healthy /health within {SERVER_START_TIMEOUT_S} s:\n{_log_tail(log)}")


@contextmanager
def serve(index_dir: Path, log: Path, env: dict[str, str]) -> Iterator[str]:
    """The real ``cableqa serve`` over ``index_dir`` on a free loopback port, its output in ``log``;
    yields its base URL. An empty ``index_dir`` is built from the bundled seed cable on start."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(cli("serve", "--index", str(index_dir), "--port", str(port)),
                                   stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def open_page(browser: Browser, timeout_ms: float, **context: Any) -> Iterator[Page]:
    """A page in a fresh browser context (``context`` as for ``new_context``), for a fixture to
    ``yield from``; fails the test if the page's JavaScript threw."""
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.set_default_timeout(timeout_ms)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
