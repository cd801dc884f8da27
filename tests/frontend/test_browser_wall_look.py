"""What the wall and the pages look like, measured in headless Chromium against the real server
with the demo's simulated floor: a wall reads from across a room at 1366×768, 1920×1080 and
3840×2160, in English and Polish (no text under 1.6 % of the screen's height, no half rows, no
cut names, a top bar that is never cut or wrapped); clocks follow the browser's locale; chips and
ranks reach WCAG AA contrast; sortable headers work from the keyboard; edit mode keeps titles
visible and the grid still; and no page logs a console error in normal use.
Screenshots of every size and language go to artifacts/screenshots/ (`look-*`)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, ConsoleMessage, Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.frontend.looks import contrasts, cut_or_wrapped, visible_texts
from tests.frontend.traffic import simulated_floor

pytestmark = pytest.mark.slow

SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]
LANGUAGES = {"en": "en-GB", "pl": "pl-PL"}
# The least text size on a wall, as a share of the screen's height (styles/page.css): about
# 11 mm on a 55" TV, a capital of 5 arc minutes from 5 m.
WALL_TEXT = 0.016
# Pages besides the dashboard, by the address the app gives them.
PAGES = ["/reports", "/plans", "/shifts", "/coaching", "/alerts", "/admin/users", "/admin/queues"]


@dataclass
class Browsing:
    page: Page
    errors: list[str] = field(default_factory=list)


@asynccontextmanager
async def browsing(
    browser: Browser, width: int, height: int, locale: str = "en-GB"
) -> AsyncIterator[Browsing]:
    """A fresh browser (no cookie, no storage) of that size and locale that records every
    console error and uncaught exception of its pages."""
    context = await browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = await context.new_page()
    seen = Browsing(page)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.errors.append(f"{page.url}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: seen.errors.append(f"{page.url}: {error}"))
    try:
        yield seen
    finally:
        await context.close()


async def shadow_text(page: Page, host: str, selector: str) -> str:
    text: str = await page.locator(f"{host} {selector}").first.inner_text()
    return text.strip()


async def test_a_wall_reads_from_across_a_room_at_every_size_and_language(
    wall: Wall, browser: Browser
) -> None:
    async with simulated_floor(wall):
        for lang, locale in LANGUAGES.items():
            for width, height in SIZES:
                async with browsing(browser, width, height, locale) as seen:
                    page = seen.page
                    await wall.login(page)
                    await page.goto(f"{wall.base_url}/?wall=1&lang={lang}")
                    await expect(page.locator("fw-agent-board .card").first).to_be_visible(
                        timeout=10_000
                    )
                    await expect(page.locator("fw-leaderboard tbody tr").first).to_be_visible(
                        timeout=10_000
                    )
                    await page.wait_for_timeout(3500)  # the controls hide; the board settles
                    name = f"look-wall-{lang}-{width}x{height}"
                    await screenshot(page, name)
                    where = f"{name}: "

                    texts = await visible_texts(page, (".controls", "fw-locale-switch"))
                    floor = WALL_TEXT * height
                    small = [
                        (t.where, t.text[:30], round(t.size, 1))
                        for t in texts
                        if t.size < floor - 0.05
                    ]
                    assert not small, f"{where}text under {floor:.1f} px: {small}"

                    for table in ("fw-leaderboard", "fw-queue-table"):
                        assert not await cut_or_wrapped(page, table, ".rows"), f"{where}{table} cut"
                        half = await page.evaluate(
                            """(host) => {
                              const root = document.querySelector("fw-app").shadowRoot
                                .querySelector("fw-grid").shadowRoot.querySelector(host).shadowRoot;
                              const box = root.querySelector(".rows").getBoundingClientRect();
                              return [...root.querySelectorAll("tbody tr")]
                                .filter((r) => r.getBoundingClientRect().bottom > box.bottom + 0.5)
                                .map((r) => r.textContent.trim());
                            }""",
                            table,
                        )
                        assert half == [], f"{where}{table} rows not whole: {half}"
                    cut_names = await cut_or_wrapped(page, "fw-agent-board", ".card .name")
                    assert cut_names == [], f"{where}names cut: {cut_names}"
                    assert not await cut_or_wrapped(page, "fw-app", ".title"), where
                    assert not await cut_or_wrapped(page, "fw-status", ".clock, .pill"), where

                    chips = await contrasts(page, "fw-agent-board", ".chip, .chip b")
                    ranks = await contrasts(page, "fw-leaderboard", "td.rank")
                    badges = await contrasts(page, "", ".badge")
                    low = [(text, round(r, 2)) for text, r in chips + ranks + badges if r < 4.5]
                    assert low == [], f"{where}contrast under 4.5:1 (WCAG AA): {low}"
                    assert seen.errors == [], seen.errors


async def test_the_top_bar_is_never_cut_or_wrapped(wall: Wall, browser: Browser) -> None:
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                page = seen.page
                await wall.login(page)
                await page.goto(f"{wall.base_url}/?lang={lang}")
                await expect(page.get_by_test_id("dashboard-name")).to_have_text("Floor overview")
                where = f"{lang} {width}x{height}"
                assert await cut_or_wrapped(page, "fw-app", ".title, .top button") == [], where
                assert await cut_or_wrapped(page, "fw-status", ".clock, .pill") == [], where
                assert await cut_or_wrapped(page, "fw-locale-switch", "button") == [], where
                await screenshot(page, f"look-dashboard-{lang}-{width}x{height}")
                assert seen.errors == [], seen.errors


@pytest.mark.parametrize(
    ("locale", "lang", "clock"),
    [
        ("en-US", "en", r"\d\d:\d\d:\d\d [AP]M"),
        ("en-GB", "en", r"\d\d:\d\d:\d\d"),
        ("pl-PL", "pl", r"\d\d:\d\d:\d\d"),
        ("pl-PL", "en", r"\d\d:\d\d:\d\d"),  # an English page in a Polish browser
        ("en-US", "pl", r"\d\d:\d\d:\d\d"),  # a Polish page in an American browser
    ],
)
async def test_the_clock_follows_the_browsers_locale(
    wall: Wall, browser: Browser, locale: str, lang: str, clock: str
) -> None:
    async with browsing(browser, 1366, 768, locale) as seen:
        await wall.login(seen.page)
        await seen.page.goto(f"{wall.base_url}/?lang={lang}")
        shown = seen.page.get_by_test_id("clock")
        await expect(shown).to_have_text(re.compile(rf"^{clock}$"))
        assert seen.errors == [], seen.errors


async def test_queue_headers_sort_from_the_keyboard(wall: Wall, browser: Browser) -> None:
    async with simulated_floor(wall), browsing(browser, 1920, 1080) as seen:
        page = seen.page
        await wall.login(page)
        table = page.locator("fw-queue-table")
        await expect(table.locator("tbody tr")).to_have_count(4)
        queue = table.locator("th", has_text="Queue")
        await expect(queue).to_have_attribute("aria-sort", "none")
        for _ in range(80):  # Tab through the page until the header has the focus
            await page.keyboard.press("Tab")
            if await queue.evaluate("(th) => th.getRootNode().activeElement === th"):
                break
        else:
            pytest.fail("the Queue header is not reachable with Tab")
        await page.keyboard.press("Enter")
        await expect(queue).to_have_attribute("aria-sort", "ascending")
        names = await table.locator("tbody tr").evaluate_all(
            "(rows) => rows.map((r) => r.dataset.queue)"
        )
        assert names == sorted(names)
        await page.keyboard.press(" ")
        await expect(queue).to_have_attribute("aria-sort", "descending")
        assert seen.errors == [], seen.errors


async def test_edit_mode_keeps_titles_visible_and_the_grid_still(
    wall: Wall, browser: Browser
) -> None:
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                page = seen.page
                await wall.login(page)
                await page.goto(f"{wall.base_url}/?lang={lang}")
                await page.click("[data-action=edit]")
                await expect(page.get_by_test_id("editor-hint")).to_be_visible()
                overlaps = await page.evaluate(
                    """() => {
                      const grid = document.querySelector("fw-app").shadowRoot
                        .querySelector("fw-grid").shadowRoot;
                      const hits = [];
                      for (const cell of grid.querySelectorAll(".cell")) {
                        const tools = cell.querySelector(".tools").getBoundingClientRect();
                        const widget = cell.firstElementChild;
                        const title = widget.shadowRoot.querySelector("h2").getBoundingClientRect();
                        const apart = tools.bottom <= title.top || title.bottom <= tools.top
                          || tools.right <= title.left || title.right <= tools.left;
                        if (!apart) hits.push(cell.dataset.widget);
                      }
                      return hits;
                    }"""
                )
                assert overlaps == [], f"buttons over the titles of {overlaps}"
                sl = page.locator("fw-grid [data-widget=sl]")
                before = await sl.bounding_box()
                await sl.locator("[data-action=configure]").click()
                await expect(page.locator("fw-widget-editor")).to_be_visible()
                assert await sl.bounding_box() == before, "opening settings moved the grid"
                await screenshot(page, f"look-edit-{lang}-{width}x{height}")
                await page.select_option("[data-testid=add-widget]", "kpi")
                added = page.locator("fw-grid [data-widget=kpi-12]")
                await expect(added).to_be_in_viewport()
                assert seen.errors == [], seen.errors


async def test_no_page_logs_a_console_error(wall: Wall, browser: Browser) -> None:
    """Every page at every size in both languages, from a signed-out start through signing in,
    every page of the top bar, wall mode and signing out: not one console error."""
    async with simulated_floor(wall):
        for lang, locale in LANGUAGES.items():
            for width, height in SIZES:
                async with browsing(browser, width, height, locale) as seen:
                    page = seen.page
                    await page.goto(f"{wall.base_url}/?lang={lang}")
                    await expect(page.locator("fw-login")).to_be_visible()
                    await page.wait_for_timeout(300)
                    assert seen.errors == [], f"the sign-in page: {seen.errors}"
                    await wall.login(page)
                    await expect(page.locator("fw-agent-board .card").first).to_be_visible(
                        timeout=10_000
                    )
                    for path in PAGES:
                        await page.goto(f"{wall.base_url}{path}")
                        await page.wait_for_load_state("networkidle")
                        slug = path.strip("/").replace("/", "-")
                        await screenshot(page, f"look-{slug}-{lang}-{width}x{height}")
                    await page.goto(f"{wall.base_url}/?wall=1")
                    await expect(page.locator("fw-agent-board .card").first).to_be_visible()
                    await page.mouse.move(10, 10)
                    await page.goto(f"{wall.base_url}/")
                    await page.click("[data-action=logout]")
                    await expect(page.locator("fw-login")).to_be_visible()
                    await page.wait_for_timeout(300)
                    assert seen.errors == [], seen.errors
