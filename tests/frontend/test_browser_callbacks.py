"""The call-back list widget in headless Chromium against the real server: open entries oldest
first, numbers whole on an admin's screen and masked on a display link's (the whole number never
reaches that page), how long ago, misses and attempts, counts by status, colour by age, the kpi
of `unreturned`; English and Polish at three screen sizes (screenshots in
artifacts/screenshots/)."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from datetime import UTC, datetime

from playwright.async_api import Browser, Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.helpers import ev, eventually, now_ms

SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]
LANGUAGES = {"en": ("Call-backs", "Called back"), "pl": ("Oddzwonienia", "Oddzwoniono")}
MINUTE = 60_000


def missed(t: int, call: str, queue: str, caller: str) -> list[dict[str, object]]:
    return [
        ev("call.queued", t, call_id=call, queue=queue, caller=caller),
        ev("call.abandoned", t + 40_000, call_id=call),
    ]


async def test_the_widget_lists_open_callers_by_age_whole_for_staff_masked_on_a_display(
    wall: Wall, page: Page, browser: Browser
) -> None:
    t = now_ms()
    await wall.post(
        [
            *missed(t - 80 * MINUTE, "c1", "Sales", "+48 601 234 567"),
            *missed(t - 75 * MINUTE, "c2", "Sales", "+48601234567"),
            *missed(t - 30 * MINUTE, "c3", "Support", "+44 20 7946 0958"),
            ev("call.dialed", t - 20 * MINUTE, call_id="o1", agent="a1", caller="+442079460958"),
            ev("call.ended", t - 19 * MINUTE, call_id="o1"),
            *missed(t - 5 * MINUTE, "c4", "Support", "+48700111222"),
            *missed(t - 4 * MINUTE, "c5", "Sales", "+48500999888"),
            ev("call.dialed", t - 2 * MINUTE, call_id="o2", agent="a1", caller="+48500999888"),
            ev("call.connected", t - 2 * MINUTE + 9000, call_id="o2", agent="a1"),
        ]
    )
    board = await wall.api(
        "POST",
        "/v1/dashboards",
        {
            "name": "Call-backs",
            "widgets": [
                {"id": "cb", "type": "callbacks", "x": 0, "y": 0, "w": 9, "h": 4},
                {"id": "un", "type": "kpi", "metric": "unreturned", "window": "live",
                 "x": 9, "y": 0, "w": 3, "h": 2},
                {"id": "rate", "type": "kpi", "metric": "callback_rate", "window": "today",
                 "x": 9, "y": 2, "w": 3, "h": 2},
            ],
        },
    )  # fmt: skip

    async def listed() -> bool:
        page = await wall.api("GET", "/v1/callbacks?status=all")
        return bool(page["counts"]["open"] == 3 and page["counts"]["returned_by_us"] == 1)

    await eventually(listed)
    await wall.login(page)
    await page.goto(f"{wall.base_url}/d/{board['id']}")
    tile = page.locator("[data-widget=cb]")
    rows = tile.locator(".row")
    await expect(rows).to_have_count(3)
    # an admin's own screen: whole numbers, as GET /v1/callbacks shows them
    await expect(rows.nth(0).locator(".number")).to_have_text("+48601234567")
    await expect(rows.nth(0)).to_contain_text("Sales")
    await expect(rows.nth(1).locator(".number")).to_have_text("+442079460958")
    await expect(rows.nth(2).locator(".number")).to_have_text("+48700111222")
    classes = [await rows.nth(i).get_attribute("class") for i in range(3)]
    assert classes == ["row crit", "row warn", "row fresh"]
    counts = tile.get_by_test_id("callback-counts")
    await expect(counts.locator("[data-status=open] b")).to_have_text("3")
    await expect(counts.locator("[data-status=returned_by_us] b")).to_have_text("1")
    await expect(rows.nth(0).locator(".tag").nth(0).locator("b")).to_have_text("2")
    await expect(rows.nth(1).locator(".tag").nth(1).locator("b")).to_have_text("1")
    await expect(page.locator("[data-widget=un]")).to_contain_text("3")
    for lang, (title, called_back) in LANGUAGES.items():
        await page.click(f"fw-locale-switch [data-locale={lang}]")
        await expect(tile.locator("h2")).to_have_text(title)
        await expect(counts.locator("[data-status=returned_by_us]")).to_contain_text(called_back)
        for width, height in SIZES:
            await page.set_viewport_size({"width": width, "height": height})
            await expect(rows).to_have_count(3)
            await screenshot(page, f"wall-callbacks-{lang}-{width}x{height}")

    # the same dashboard on a wall opened by a display link: masked numbers only
    link = await wall.api(
        "POST", f"/v1/dashboards/{board['id']}/display-links", {"name": "Lobby TV"}
    )
    tv_context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    tv = await tv_context.new_page()
    try:
        await tv.goto(f"{wall.base_url}/display#token={link['token']}")
        tv_rows = tv.locator("[data-widget=cb] .row")
        await expect(tv_rows).to_have_count(3)
        await expect(tv_rows.nth(0).locator(".number")).to_have_text("+48 ••• ••• 567")
        await expect(tv_rows.nth(1).locator(".number")).to_have_text("+44 ••• ••• 958")
        await expect(tv_rows.nth(2).locator(".number")).to_have_text("+48 ••• ••• 222")
        content = await tv.content()
        for whole in ("601234567", "2079460958", "700111222"):
            assert whole not in content
        await screenshot(tv, "wall-callbacks-display-link-1920x1080")
    finally:
        await tv_context.close()


async def test_the_reports_page_shows_the_call_back_report(wall: Wall, page: Page) -> None:
    t = now_ms() - 30 * MINUTE
    await wall.post(
        [
            *missed(t, "r1", "Sales", "+48601000001"),
            *missed(t + MINUTE, "r2", "Sales", "+48601000002"),
            ev("call.dialed", t + 10 * MINUTE, call_id="ro", agent="a1", caller="+48601000001"),
            ev("call.connected", t + 10 * MINUTE + 20_000, call_id="ro", agent="a1"),
        ]
    )

    async def listed() -> bool:
        page = await wall.api("GET", "/v1/callbacks?status=all")
        return bool(sum(page["counts"].values()) == 2)

    await eventually(listed)
    day = datetime.fromtimestamp(t / 1000, UTC).date().isoformat()
    await wall.login(page)
    await page.click("[data-nav=reports]")
    table = page.get_by_test_id("callback-report")
    row = table.locator(f"tr[data-date='{day}']")
    await expect(row.locator("[data-field=missed_callers]")).to_have_text("2")
    await expect(row.locator("[data-field=returned_by_us]")).to_have_text("1")
    await expect(row.locator("[data-field=still_open]")).to_have_text("1")
    assert "601000001" not in await page.content()
    async with page.expect_download() as download_info:
        await page.get_by_test_id("callback-csv").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("callbacks_")
    with open(await download.path(), encoding="utf-8") as got:
        text = got.read()
    assert text.startswith("date,queue,missed_callers,returned_by_us,")
    assert f"{day},,2,1,0,0,0,1," in text
    for lang, (_, called_back) in LANGUAGES.items():
        await page.click(f"fw-locale-switch [data-locale={lang}]")
        await expect(table.locator("th").nth(2)).to_have_text(called_back)
        for width, height in SIZES:
            await page.set_viewport_size({"width": width, "height": height})
            await table.scroll_into_view_if_needed()
            await screenshot(page, f"report-callbacks-{lang}-{width}x{height}")
