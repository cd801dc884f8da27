"""Messages to the floor in Chromium against the real server: a supervisor posts one from the
dashboard's dialog and a display link already showing the dashboard shows it at once (no
reload), in the line under the grid; a team lead is refused every wall with the API's reason;
a message leaves the wall when it expires; a long one scrolls; the line reads from across the
room at 1366×768, 1920×1080 and 3840×2160 in English and Polish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from app.auth.roles import Role
from tests.auth.support import PASSWORD, make_user
from tests.frontend.conftest import Wall, screenshot
from tests.frontend.looks import visible_texts
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, WALL_TEXT, browsing

KPI = {"id": "k", "type": "kpi", "x": 0, "y": 0, "w": 4, "h": 2, "metric": "calls_waiting",
       "window": "live"}  # fmt: skip
LONG = "Fire drill at 15:00: leave by the east stairs, " * 5


async def test_a_message_reaches_the_walls_at_once_and_expires(
    wall: Wall, page: Page, browser: Browser
) -> None:
    await wall.api("POST", "/v1/teams", {"name": "North"})
    floor = await wall.api("POST", "/v1/dashboards", {"name": "Floor", "widgets": [KPI]})
    north = await wall.api(
        "POST", "/v1/dashboards", {"name": "North board", "team": "North", "widgets": [KPI]}
    )
    link = await wall.api("POST", f"/v1/dashboards/{floor['id']}/display-links", {"name": "TV"})
    tv_context = await browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        tv = await tv_context.new_page()
        await tv.goto(f"{wall.base_url}{link['path']}")
        await expect(tv.get_by_test_id("dashboard-name")).to_have_text("Floor")
        await expect(tv.get_by_test_id("floor-messages")).to_have_count(0)

        await wall.login(page)
        await page.goto(f"{wall.base_url}/d/{floor['id']}")
        await page.click("[data-action=messages]")
        dialog = page.get_by_test_id("floor-messages-dialog")
        await dialog.locator("input[name=text]").fill("Team huddle at 14:00")
        await dialog.locator("[data-action=post-message]").click()
        await expect(dialog.locator("[data-testid=messages-table] tbody tr")).to_have_count(1)
        await screenshot(page, "floor-messages-dialog")

        await expect(tv.get_by_test_id("floor-messages")).to_contain_text(
            "Team huddle at 14:00", timeout=5000
        )  # pushed over the socket: the TV did not reload
        await expect(page.get_by_test_id("floor-messages")).to_contain_text("Team huddle")

        # Taken down from the dialog: gone from the TV at once.
        await dialog.locator("[data-action=take-down]").click()
        await expect(dialog.locator("[data-testid=messages-table]")).to_have_count(0)
        await expect(tv.get_by_test_id("floor-messages")).to_have_count(0, timeout=5000)
        await dialog.locator("[data-action=close-messages]").click()

        soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
        await wall.api("POST", "/v1/messages", {"text": "Short news", "expires_at": soon})
        await expect(tv.get_by_test_id("floor-messages")).to_contain_text("Short news")
        await expect(tv.get_by_test_id("floor-messages")).to_have_count(0, timeout=8000)
    finally:
        await tv_context.close()

    # A team lead: their team's dashboard yes, every wall no (the API's reason is shown).
    await make_user(
        wall.app.settings.database_url, wall.tenant_id, "lead", Role.team_lead, teams=("North",)
    )
    async with browsing(browser, 1366, 768) as seen:
        lead = seen.page
        await lead.goto(f"{wall.base_url}/login")
        await lead.fill("input[name=tenant]", wall.tenant)
        await lead.fill("input[name=username]", "lead")
        await lead.fill("input[name=password]", PASSWORD)
        await lead.click("button[type=submit]")
        await lead.wait_for_selector("fw-grid")
        await lead.goto(f"{wall.base_url}/d/{north['id']}")
        await lead.click("[data-action=messages]")
        dialog = lead.get_by_test_id("floor-messages-dialog")
        await dialog.locator("input[name=text]").fill("Everyone look up")
        await dialog.locator("select[name=to]").select_option("all")
        await dialog.locator("[data-action=post-message]").click()
        await expect(dialog.locator("[role=alert]")).to_contain_text("may not post messages")
        await dialog.locator("select[name=to]").select_option("dashboard")
        await dialog.locator("[data-action=post-message]").click()
        await expect(dialog.locator("[data-testid=messages-table] tbody tr")).to_have_count(1)
    mine = await wall.api("GET", "/v1/messages")
    assert [(m["text"], m["dashboard"]) for m in mine] == [("Everyone look up", "North board")]


async def test_the_message_line_reads_from_across_a_room(wall: Wall, browser: Browser) -> None:
    floor = await wall.api("POST", "/v1/dashboards", {"name": "Floor", "widgets": [KPI]})
    await wall.api("POST", "/v1/messages", {"text": LONG, "dashboard_id": floor["id"]})
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                tv = seen.page
                await wall.login(tv)
                await tv.goto(f"{wall.base_url}/d/{floor['id']}?wall=1&lang={lang}")
                line = tv.locator("fw-floor-ticker")
                await expect(line.get_by_test_id("floor-messages")).to_contain_text("Fire drill")
                await expect(line).to_have_attribute("scrolling", "")  # longer than the screen
                label = "Komunikat" if lang == "pl" else "Message"
                await expect(line.locator(".label")).to_have_text(label)
                grid = await tv.locator("fw-grid").bounding_box()
                bar = await line.bounding_box()
                assert grid is not None
                assert bar is not None
                assert grid["y"] + grid["height"] <= bar["y"] + 0.5
                assert bar["y"] + bar["height"] <= height
                name = f"look-floor-message-{lang}-{width}x{height}"
                await screenshot(tv, name)
                floor_px = WALL_TEXT * height
                small = [
                    (t.where, t.text[:30], round(t.size, 1))
                    for t in await visible_texts(tv, (".controls", "fw-locale-switch"))
                    if t.size < floor_px - 0.05
                ]
                assert not small, f"{name}: text under {floor_px:.1f} px: {small}"
                assert seen.errors == [], seen.errors
