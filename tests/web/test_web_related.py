"""The page's links between records in a real browser: references both ways, "Similar paragraphs".

The harness is that of ``test_web_page.py`` (Debian Chromium driven by Playwright, the real
``cableqa serve``); the index holds the seed and four corpus cables that cite each other:
10BERLIN128 cites 09BERLIN1528; 10MOSCOW266 (CONFIDENTIAL) cites 09MOSCOW1273 (SECRET).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"browser test needs Debian Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", exc_type=ImportError,
                               reason="browser test needs Playwright for Python (pip install playwright)")
expect = sync_api.expect

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "cables"
CABLES = ("10BERLIN128", "09BERLIN1528", "10MOSCOW266", "09MOSCOW1273")
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"cableqa serve exited with {server.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(f"cableqa serve gave no healthy /health within {SERVER_START_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``cableqa ingest`` of the seed and the four cables, then the real ``cableqa serve`` on a free port."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    root = tmp_path_factory.mktemp("web-related")
    cli = [sys.executable, "-c", "from qa.cli import main; main()"]
    env = {key: value for key, value in os.environ.items() if key != "CABLEQA_API_KEY"}
    subprocess.run([*cli, "ingest", str(ROOT / "qa" / "data" / "08TOKYO1074.txt"),
                    *(str(CORPUS / f"{name}.txt") for name in CABLES), "--index", str(root / "index")],
                   check=True, capture_output=True, env=env, cwd=ROOT, timeout=600)
    port = _free_port()
    log = root / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen([*cli, "serve", "--index", str(root / "index"), "--port", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server, log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_cited_by_and_references_are_links_both_ways(server: str, page: Page) -> None:
    page.goto(f"{server}/?cable=09BERLIN1528")
    expect(page.locator("#cable-heading")).to_have_text("09BERLIN1528")
    cited_by = page.locator(".field-row", has=page.locator("dt", has_text="Cited by"))
    link = cited_by.locator("a[data-cable='10BERLIN128']")
    expect(link).to_be_visible()
    expect(page.locator(".refs .not-indexed", has_text="09BERLIN1393")).to_be_visible()
    link.click()
    expect(page.locator("#cable-heading")).to_have_text("10BERLIN128")
    back_link = page.locator(".field-row", has=page.locator("dt", has_text="References")).locator(
        "a[data-cable='09BERLIN1528']")
    expect(back_link).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "references.png"), full_page=True)
    back_link.click()
    expect(page.locator("#cable-heading")).to_have_text("09BERLIN1528")


def test_seed_references_show_they_are_not_indexed(server: str, page: Page) -> None:
    page.goto(f"{server}/?cable=08TOKYO1074")
    refs = page.locator(".field-row", has=page.locator("dt", has_text="References"))
    for cable_id in ("08TOKYO1002", "08TOKYO366", "07TOKYO2690"):
        expect(refs.locator(".not-indexed", has_text=cable_id)).to_contain_text("not in this index")


def test_a_cable_above_the_ceiling_is_counted_not_named(server: str, page: Page) -> None:
    page.goto(f"{server}/?cable=10MOSCOW266&max_classification=CONFIDENTIAL")
    expect(page.locator("#cable-heading")).to_have_text("10MOSCOW266")
    refs = page.locator(".field-row", has=page.locator("dt", has_text="References"))
    expect(refs.locator(".withheld")).to_have_text("1 cable above the classification ceiling")
    assert "09MOSCOW1273" not in page.locator("#cable-article").inner_text()


def test_every_card_has_a_similar_link_that_lists_other_cables(server: str, page: Page) -> None:
    page.goto(f"{server}/?q={quote_plus('Sakhalin II oil and gas pipeline')}")
    cards = page.locator("#hits > li.hit")
    expect(cards.first).to_be_visible()
    assert cards.count() == cards.locator("a.similar").count() > 0
    first = cards.first.locator("a.citation").inner_text()
    cards.first.locator("a.similar").click()
    expect(page.locator("#results-heading")).to_contain_text(f"like {first}")
    cable_id, number = first.split(" ¶")
    expect(page).to_have_url(re.compile(rf"\?similar={cable_id}&para={number}&q=Sakhalin"))
    own = cable_id
    expect(cards.first).to_be_visible()
    citations = cards.locator("a.citation").all_inner_texts()
    assert citations and not [c for c in citations if c.startswith(own)]
    page.screenshot(path=str(SCREENSHOTS / "similar.png"), full_page=True)
    page.go_back()
    expect(page.locator("#results-heading")).to_contain_text("Sakhalin II")
