"""Fixtures the browser tests share: one headless Chromium per test module.

Playwright is imported inside ``browser``, not here: on a machine without it the test modules
skip themselves (``web_support.playwright_or_skip``) and this file must still load.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from web_support import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="module")
def chromium_args() -> list[str]:
    """Chromium's command-line switches; a test module overrides this fixture to add its own."""
    return CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser(chromium_args: list[str]) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=chromium_args)
        yield launched
        launched.close()
