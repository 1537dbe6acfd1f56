"""Cross-site writes and DNS rebinding, tried from a real browser against the real ``cableqa serve``.

The setup a new user has: no API key, the default loopback bind. A page served from another
port of 127.0.0.1 posts a forged 08TOKYO1074 as ``text/plain`` (which Chromium sends without a
preflight) by ``fetch`` and by ``sendBeacon``; the server refuses both (403) and the cable keeps
its subject. A page the server serves itself still writes. A host name that resolves to
127.0.0.1 (``--host-resolver-rules``, as a rebinding DNS server would answer) gets 403 for
the page itself.

Headless Debian Chromium driven by Playwright (the harness is in ``web_support.py``); skipped
where either is missing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from web_support import CHROMIUM_ARGS, free_port, playwright_or_skip, serve, server_env

from qa.cables.corpus import seed_cable_path

if TYPE_CHECKING:
    from playwright.sync_api import Browser

playwright_or_skip()

REBIND_NAME = "rebind.test"
SUBJECT = "RUSSIAN FM LAVROV SAYS AIM AND INTENT OF JAPAN"
FORGED = "PAGE ON ANOTHER PORT WAS HERE"


def _forged_cable() -> str:
    text = seed_cable_path().read_text(encoding="utf-8")
    assert SUBJECT in text
    return text.replace(SUBJECT, FORGED)


def _subject(base: str) -> str:
    return str(httpx.get(f"{base}/cables/08TOKYO1074", timeout=30).json()["subject"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real ``cableqa serve``, default settings, on a fresh index built from the seed; its base URL and log."""
    root = tmp_path_factory.mktemp("web-cross-site")
    log = root / "server.log"
    with serve(root / "index", log, server_env(default_settings=True)) as base:
        yield base, log


def _attacker_page(target: str) -> bytes:
    """A page that posts the forged cable to ``target`` the two ways a browser sends text without asking."""
    body = json.dumps(_forged_cable())
    return f"""<!doctype html><title>loading</title><script>
const cable = {body};
navigator.sendBeacon("{target}/cables", new Blob([cable], {{type: "text/plain"}}));
fetch("{target}/cables", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}}, body: cable}})
  .then(() => {{ document.title = "sent"; }}, (error) => {{ document.title = "failed: " + error; }});
</script>""".encode()


@pytest.fixture(scope="module")
def attacker(server: tuple[str, Path]) -> Iterator[str]:
    """Another web server on another port of 127.0.0.1, serving the attacking page."""
    page = _attacker_page(server[0])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def chromium_args() -> list[str]:
    """The shared switches, and ``REBIND_NAME`` resolving to 127.0.0.1 as a rebinding DNS server would answer."""
    return [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {REBIND_NAME} 127.0.0.1"]


def _refused_posts(log: Path) -> int:
    return log.read_text(errors="replace").count('"POST /cables HTTP/1.1" 403')


def test_page_on_another_port_cannot_replace_a_cable(server: tuple[str, Path], attacker: str,
                                                     browser: Browser) -> None:
    base, log = server
    assert _subject(base).startswith(SUBJECT)
    refused_before = _refused_posts(log)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{attacker}/")
    page.wait_for_function("document.title !== 'loading'", timeout=20_000)
    assert page.title() == "sent"  # the browser did send it (no-cors: the page cannot read the answer)
    deadline = time.monotonic() + 10
    while _refused_posts(log) < refused_before + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    context.close()
    assert _refused_posts(log) == refused_before + 2  # the beacon and the fetch, both reached the server
    assert _subject(base).startswith(SUBJECT)


def test_page_the_server_serves_itself_still_writes(server: tuple[str, Path], browser: Browser) -> None:
    base, _ = server
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/")
    status = page.evaluate("""async (cable) => {
        const response = await fetch("/cables", {method: "POST", headers: {"Content-Type": "text/plain"},
                                                  body: cable});
        return response.status;
    }""", _forged_cable())
    context.close()
    assert status == 201
    assert _subject(base).startswith(FORGED)


def test_a_name_rebound_to_loopback_gets_nothing(server: tuple[str, Path], browser: Browser) -> None:
    base, _ = server
    port = base.rsplit(":", 1)[1]
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(f"http://{REBIND_NAME}:{port}/")
    assert response is not None and response.status == 403
    assert "host_not_allowed" in page.content()
    assert page.evaluate("fetch('/health').then(r => r.status)") == 403
    context.close()
