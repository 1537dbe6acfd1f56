"""The page's links between records in a real browser: references both ways, "Similar paragraphs".

The harness is in ``web_support.py`` (Debian Chromium driven by Playwright, the real
``cableqa serve``); the index holds the seed and four corpus cables that cite each other:
10BERLIN128 cites 09BERLIN1528; 10MOSCOW266 (CONFIDENTIAL) cites 09MOSCOW1273 (SECRET).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

import pytest
from suite_support import REPO, cli, copy_index
from web_support import SCREENSHOTS, open_page, playwright_or_skip, serve, server_env

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

expect = playwright_or_skip().expect

CABLES = ("10BERLIN128", "09BERLIN1528", "10MOSCOW266", "09MOSCOW1273")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path, corpus: Path) -> Iterator[str]:
    """``cableqa ingest`` of the four cables into a copy of the session's seed index, then the real
    ``cableqa serve`` on a free port."""
    root = tmp_path_factory.mktemp("web-related")
    index = copy_index(seed_index_dir, root / "index")
    env = server_env()
    subprocess.run(cli("ingest", *(str(corpus / "cables" / f"{name}.txt") for name in CABLES), "--index", str(index)),
                   check=True, capture_output=True, env=env, cwd=REPO, timeout=600)
    with serve(index, root / "server.log", env) as base:
        yield base


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    yield from open_page(browser, 30_000, viewport={"width": 1280, "height": 900})


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
