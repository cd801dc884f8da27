"""A dashboard rotation set in the editor, in Chromium against the real server: ticked and
timed in edit mode (EN and PL, 1366×768, 1920×1080, 3840×2160), saved with the dashboard, and
run by wall mode and by a display link (which keeps its `/display` address while it turns)."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, browsing

pytestmark = pytest.mark.slow

KPI = {"id": "k", "type": "kpi", "x": 0, "y": 0, "w": 3, "h": 2, "metric": "calls_waiting",
       "window": "live"}  # fmt: skip


async def test_a_rotation_is_set_in_the_editor_and_turns_walls_and_displays(
    wall: Wall, page: Page, browser: Browser
) -> None:
    await wall.api("POST", "/v1/teams", {"name": "North"})
    floor = await wall.api("POST", "/v1/dashboards", {"name": "Floor", "widgets": [KPI]})
    sales = await wall.api("POST", "/v1/dashboards", {"name": "Sales", "widgets": [KPI]})
    await wall.api("POST", "/v1/dashboards", {"name": "North only", "team": "North"})

    await wall.login(page)
    await page.goto(f"{wall.base_url}/d/{floor['id']}")
    await page.click("[data-action=edit]")
    rotation = page.locator("fw-rotation-editor")
    await expect(rotation).to_contain_text("Sales")
    await expect(rotation).not_to_contain_text("North only")  # a team's: not for everyone
    await rotation.locator(f"input[name=rotate-{sales['id']}]").check()
    await rotation.locator("input[name=rotate-every]").fill("4")
    await rotation.locator("input[name=rotate-every]").press("Tab")
    await expect(rotation.locator("input[name=rotate-every]")).to_have_value("10")  # the least
    await page.click("[data-action=save]")
    await expect(page.locator(".notice[role=status]")).to_have_text("Saved")
    stored = await wall.api("GET", f"/v1/dashboards/{floor['id']}")
    assert stored["rotation"] == {"dashboards": [sales["id"]], "every_s": 10}

    link = await wall.api(
        "POST", f"/v1/dashboards/{floor['id']}/display-links", {"name": "Lobby TV"}
    )
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        tv = await context.new_page()
        await tv.goto(f"{wall.base_url}{link['path']}")
        await page.goto(f"{wall.base_url}/d/{floor['id']}?wall=1")
        for shown in (page, tv):
            await expect(shown.get_by_test_id("dashboard-name")).to_have_text("Floor")
        for shown in (page, tv):  # both turn after 10 s
            await expect(shown.get_by_test_id("dashboard-name")).to_have_text(
                "Sales", timeout=15_000
            )
        assert tv.url.endswith("/display"), tv.url
        assert f"/d/{sales['id']}" in page.url
        await expect(tv.get_by_test_id("dashboard-name")).to_have_text("Floor", timeout=15_000)
    finally:
        await context.close()

    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                await wall.login(seen.page)
                await seen.page.goto(f"{wall.base_url}/d/{floor['id']}?lang={lang}")
                await seen.page.click("[data-action=edit]")
                editor = seen.page.locator("fw-rotation-editor")
                await expect(editor.locator(f"input[name=rotate-{sales['id']}]")).to_be_checked()
                await expect(editor.locator("input[name=rotate-every]")).to_have_value("10")
                legend = "Rotacja na ekranie ściennym" if lang == "pl" else "Rotation on a wall"
                await expect(editor.locator("legend")).to_have_text(legend)
                await screenshot(seen.page, f"look-rotation-{lang}-{width}x{height}")
                assert seen.errors == [], seen.errors
