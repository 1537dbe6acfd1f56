"""The web page in a real browser, against the real ``cableqa serve`` on the bundled seed cable.

Headless Debian Chromium driven by Playwright (the harness is in ``web_support.py``); skipped
where either is missing.

Screenshots of every step land in ``tests/screenshots/`` (git-ignored); ``answer.png`` is the
one the README uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

import pytest
from suite_support import copy_index
from web_support import SCREENSHOTS, open_page, playwright_or_skip, serve, server_env

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Route

expect = playwright_or_skip().expect

QUESTION = "what did Lavrov say about missile defense"
# Paragraph 3 of 08TOKYO1074 ("Missile Defense - No Concerns?"), sentence by sentence, from the seed.
PARAGRAPH_3_SENTENCES = [
    'Lavrov said the April 11 Political-Military Dialogue between Deputy Foreign Minister Kenichiro Sasae '
    'and Deputy Foreign Minister Sergey Kislyak (septel), which included talks on missile defense, had been '
    '"productive and constructive."',
    "Koumura explained that Tokyo's BMD system was not intended to harm Russian interests.",
    'According to Otsuki, Lavrov responded that "the aim and intent of Japan\'s ballistic missile defense '
    'system are obvious for Russia."',
    'The Russian FM added that it is "understandable why Japan would introduce such measures," and there '
    'would be "no particular requirement or complaint" from Moscow.',
    "Asked to clarify Lavrov's remarks, Otsuki observed that \"it seemed that Russia was not that concerned\" "
    "about Japan's missile defense project.",
]
SECTION_HEADINGS = ["Lavrov and Khristenko", "Missile Defense - No Concerns?", "Air Intrusion",
                    "Northern Territories", "Hokkaido Summit", "North Korea/Central Asia/Nuclear Subs",
                    "Sakhalin II"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path) -> Iterator[str]:
    """The real ``cableqa serve`` on a copy of the session's seed index and a free loopback port."""
    root = tmp_path_factory.mktemp("web")
    with serve(copy_index(seed_index_dir, root / "index"), root / "server.log", server_env()) as base:
        yield base


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    yield from open_page(browser, 20_000, viewport={"width": 1280, "height": 900})


@pytest.fixture()
def phone(browser: Browser) -> Iterator[Page]:
    yield from open_page(browser, 20_000, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                         is_mobile=True, has_touch=True)


def _ask(page: Page, question: str) -> None:
    page.fill("#q", question)
    page.press("#q", "Enter")


def _first_card(page: Page) -> Locator:
    return page.locator("#hits > li.hit").first


def _horizontal_overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_header_shows_index_size_from_health(server: str, page: Page) -> None:
    page.goto(f"{server}/")
    expect(page.locator("#index-size")).to_have_text("1 cable · 9 paragraphs indexed")
    expect(page.locator("#q")).to_be_focused()
    page.screenshot(path=SCREENSHOTS / "home.png")


def test_question_answers_with_cited_paragraph_and_its_best_sentence_marked(server: str, page: Page) -> None:
    page.goto(f"{server}/")
    _ask(page, QUESTION)
    card = _first_card(page)
    expect(card.locator("a.citation")).to_have_text("08TOKYO1074 ¶3")
    expect(card.locator(".badge")).to_have_text("(C) CONFIDENTIAL")
    expect(card.locator(".meta")).to_contain_text("AMEMBASSY TOKYO · 2008-04-18 · Missile Defense - No Concerns?")
    expect(card.locator(".subject")).to_contain_text("RUSSIAN FM LAVROV SAYS AIM AND INTENT")
    marked = card.locator("blockquote mark")
    expect(marked).to_have_count(1)
    assert marked.inner_text() in PARAGRAPH_3_SENTENCES
    assert card.locator("blockquote").inner_text() == " ".join(PARAGRAPH_3_SENTENCES)
    expect(page.locator("#abstained")).to_be_hidden()
    assert page.url == f"{server}/?q={quote_plus(QUESTION)}"
    page.screenshot(path=SCREENSHOTS / "answer.png")  # the README's picture
    page.screenshot(path=SCREENSHOTS / "answer-full.png", full_page=True)


def test_citation_opens_whole_cable_at_that_paragraph_and_back_returns(server: str, page: Page) -> None:
    page.goto(f"{server}/")
    _ask(page, QUESTION)
    _first_card(page).locator("a.citation").click()

    expect(page.locator("#cable")).to_be_visible()
    expect(page.locator("#results")).to_be_hidden()
    assert page.url == f"{server}/?cable=08TOKYO1074&q={quote_plus(QUESTION)}#p3"
    expect(page.locator("#cable-heading")).to_have_text("08TOKYO1074")
    expect(page.locator(".cable-head .banner")).to_have_text("CONFIDENTIAL")
    expect(page.locator(".cable-head")).to_contain_text("AMEMBASSY TOKYO")
    expect(page.locator(".cable-body .para")).to_have_count(9)
    expect(page.locator(".cable-body .section-heading")).to_have_text(SECTION_HEADINGS)
    cited = page.locator("#p3")
    expect(cited).to_have_class("para cited")
    expect(cited).to_be_focused()
    expect(cited).to_be_in_viewport()
    expect(cited).to_contain_text(PARAGRAPH_3_SENTENCES[2])
    expect(page.locator(".para.cited")).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / "cable.png")

    page.click("#back")
    expect(page.locator("#results")).to_be_visible()
    expect(page.locator("#cable")).to_be_hidden()
    assert page.url == f"{server}/?q={quote_plus(QUESTION)}"
    expect(_first_card(page).locator("a.citation")).to_have_text("08TOKYO1074 ¶3")
    page.screenshot(path=SCREENSHOTS / "back.png")


def test_reference_to_a_cable_not_indexed_says_so_and_back_still_returns(server: str, page: Page) -> None:
    page.goto(f"{server}/")
    _ask(page, QUESTION)
    _first_card(page).locator("a.citation").click()
    page.locator(".refs a", has_text="08TOKYO1002").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Could not open cable 08TOKYO1002")
    expect(alert).to_contain_text("not in this index")
    page.screenshot(path=SCREENSHOTS / "missing-reference.png")

    page.click("#back")
    expect(page.locator("#results")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_hidden()
    assert page.url == f"{server}/?q={quote_plus(QUESTION)}"


def test_cable_link_opened_directly_shows_paragraph(server: str, page: Page) -> None:
    page.goto(f"{server}/?cable=08TOKYO1074#p6")
    expect(page.locator("#p6")).to_have_class("para cited")
    expect(page.locator("#back")).to_have_text("← New question")


def test_shared_question_url_reloads_same_first_card(server: str, page: Page) -> None:
    page.goto(f"{server}/?q={quote_plus(QUESTION)}&k=3")
    card = _first_card(page)
    expect(card.locator("a.citation")).to_have_text("08TOKYO1074 ¶3")
    expect(page.locator("#hits > li.hit")).to_have_count(3)
    expect(page.locator("#q")).to_have_value(QUESTION)
    expect(page.locator("#k")).to_have_value("3")
    page.reload()
    expect(_first_card(page).locator("a.citation")).to_have_text("08TOKYO1074 ¶3")
    page.screenshot(path=SCREENSHOTS / "reloaded.png")


def test_empty_question_shows_the_api_error(server: str, page: Page) -> None:
    page.goto(f"{server}/")
    _ask(page, "   ")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("question: must not be empty or whitespace")
    expect(page.locator("#results")).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / "empty-question.png")


def test_dates_in_the_wrong_order_show_the_api_error(server: str, page: Page) -> None:
    page.goto(f"{server}/?q={quote_plus(QUESTION)}&date_from=2009-01-01&date_to=2008-01-01")
    expect(page.locator("#filters")).to_have_attribute("open", "")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("date_from")
    expect(alert).to_contain_text("after")


def test_origin_filter_travels_in_the_url_and_narrows_the_search(server: str, page: Page) -> None:
    page.goto(f"{server}/")
    page.locator("#filters summary").click()
    page.fill("#origin", "moscow")
    _ask(page, QUESTION)
    expect(page.locator("#hits .empty")).to_contain_text("No paragraph matches")
    assert page.url == f"{server}/?q={quote_plus(QUESTION)}&origin=moscow"
    expect(page.locator("#filters summary")).to_have_text("Filters (1 set)")

    page.fill("#origin", "tokyo")
    page.press("#q", "Enter")
    expect(_first_card(page).locator("a.citation")).to_have_text("08TOKYO1074 ¶3")
    page.go_back()
    expect(page.locator("#origin")).to_have_value("moscow")
    expect(page.locator("#hits .empty")).to_be_visible()


def test_network_failure_shows_an_alert(server: str, page: Page) -> None:
    page.goto(f"{server}/")
    page.route("**/ask", lambda route: route.abort("connectionrefused"))
    _ask(page, QUESTION)
    expect(page.get_by_role("alert")).to_contain_text("Could not reach the cableqa server")
    page.screenshot(path=SCREENSHOTS / "network-error.png")


def test_abstained_answer_shows_notice_and_still_lists_nearest(server: str, page: Page) -> None:
    # The seed index answers everything (thresholds not yet calibrated), so the real reply is
    # taken and only its ``answered`` flag turned off.
    def abstain(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        body["answered"] = False
        route.fulfill(response=response, json=body)

    page.route("**/ask", abstain)
    page.goto(f"{server}/")
    _ask(page, QUESTION)
    expect(page.locator("#abstained")).to_be_visible()
    expect(page.locator("#abstained")).to_contain_text("abstained")
    expect(_first_card(page).locator("a.citation")).to_have_text("08TOKYO1074 ¶3")
    page.screenshot(path=SCREENSHOTS / "abstained.png")


def test_markup_in_question_and_text_is_shown_as_text(server: str, page: Page) -> None:
    question = '<img src=x onerror="window.pwned=1"> missile defense'

    def inject(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        body["hits"][0]["subject"] = "<b>bold</b> <script>window.pwned=2</script>"
        route.fulfill(response=response, json=body)

    page.route("**/ask", inject)
    page.goto(f"{server}/")
    _ask(page, question)
    expect(page.locator("#results-heading q")).to_have_text(question)
    expect(_first_card(page).locator(".subject")).to_have_text("<b>bold</b> <script>window.pwned=2</script>")
    assert page.locator("#main img, #main b, #main script").count() == 0
    assert page.evaluate("window.pwned") is None


def test_phone_screen_has_no_horizontal_scroll(server: str, phone: Page) -> None:
    phone.goto(f"{server}/")
    _ask(phone, QUESTION)
    expect(_first_card(phone).locator("a.citation")).to_have_text("08TOKYO1074 ¶3")
    assert _horizontal_overflow(phone) == 0
    phone.screenshot(path=SCREENSHOTS / "phone-answer.png")
    phone.locator("summary").first.click()
    assert _horizontal_overflow(phone) == 0
    phone.screenshot(path=SCREENSHOTS / "phone-filters.png")

    _first_card(phone).locator("a.citation").click()
    expect(phone.locator("#p3")).to_have_class("para cited")
    assert _horizontal_overflow(phone) == 0
    phone.screenshot(path=SCREENSHOTS / "phone-cable.png")

