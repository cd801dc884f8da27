"""The stalled-deals widget in headless Chromium against the real server: stalled open deals
oldest first with the owner's name, stage, days without movement and value in the tenant's
currency, coloured by age, no link anywhere; English and Polish at three screen sizes
(screenshots in artifacts/screenshots/)."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.helpers import ev, eventually, now_ms

SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]
LANGUAGES = {"en": ("Stalled deals", "days"), "pl": ("Utknięte szanse", "dni")}
DAY = 86_400_000


async def test_the_widget_lists_stalled_deals_oldest_first(wall: Wall, page: Page) -> None:
    await wall.api("PATCH", "/v1/tenant", {"currency": "EUR"})
    await wall.api("POST", "/v1/teams", {"name": "East"})
    for agent, name in (("a1", "Ala Nowak"), ("a2", "Bartosz Wiśniewski-Kowalczyk")):
        body = {"external_id": agent, "display_name": name, "team": "East"}
        await wall.api("POST", "/v1/agents", body)
    limits = [{"pipeline": "default", "stage": "demo", "stall_s": 86_400}]
    await wall.api("PUT", "/v1/pipeline/stall-limits", {"limits": limits})
    t = now_ms()
    demo = {"type_": "deal.created", "stage": "demo"}
    await wall.post(
        [
            ev(ts=t - 3 * DAY, deal_id="D-1001", agent="a1", amount=4800, **demo),
            ev(ts=t - 9 * DAY, deal_id="D-0999", agent="a2", amount=125_000, **demo),
            ev(ts=t - 3 * DAY // 2, deal_id="D-1002", **demo),
            ev("deal.created", t - 3 * DAY, deal_id="D-1003", agent="a1", stage="offer"),
        ]
    )
    board = await wall.api(
        "POST",
        "/v1/dashboards",
        {
            "name": "Pipeline",
            "widgets": [
                {"id": "sd", "type": "stalled_deals", "x": 0, "y": 0, "w": 9, "h": 4},
                {"id": "st", "type": "kpi", "metric": "deals_stalled", "window": "live",
                 "x": 9, "y": 0, "w": 3, "h": 2},
            ],
        },
    )  # fmt: skip

    async def stalled() -> bool:
        answer = await wall.api("GET", "/v1/metrics?scope=tenant&window=live")
        return bool(answer[0]["metrics"].get("deals_stalled") == 3)

    await eventually(stalled)
    await wall.login(page)
    await page.goto(f"{wall.base_url}/d/{board['id']}")
    tile = page.locator("[data-widget=sd]")
    rows = tile.locator(".row")
    await expect(rows).to_have_count(3)
    await expect(tile.get_by_test_id("stalled-count")).to_have_text("3")
    ids = [await rows.nth(i).get_attribute("data-deal") for i in range(3)]
    assert ids == ["D-0999", "D-1001", "D-1002"]
    await expect(rows.nth(0).locator(".owner")).to_have_text("Bartosz Wiśniewski-Kowalczyk")
    await expect(rows.nth(0).locator(".value")).to_contain_text("125")
    await expect(rows.nth(0).locator(".value")).to_contain_text("€")
    await expect(rows.nth(1).locator(".owner")).to_have_text("Ala Nowak")
    await expect(rows.nth(2).locator(".value")).to_have_text("–")
    classes = [await rows.nth(i).get_attribute("class") for i in range(3)]
    assert classes == ["row crit", "row crit", "row warn"]  # past twice the limit: crit
    assert await tile.locator("a").count() == 0
    await expect(page.locator("[data-widget=st]")).to_contain_text("3")
    for lang, (title, days) in LANGUAGES.items():
        await page.click(f"fw-locale-switch [data-locale={lang}]")
        await expect(tile.locator("h2")).to_have_text(title)
        await expect(rows.nth(0).locator(".idle")).to_have_text(f"9 {days}")
        await expect(rows.nth(2).locator(".idle")).to_contain_text("1 ")
        for width, height in SIZES:
            await page.set_viewport_size({"width": width, "height": height})
            await expect(rows).to_have_count(3)
            await screenshot(page, f"wall-deals-{lang}-{width}x{height}")


async def test_the_editor_turns_the_celebration_on(wall: Wall, page: Page) -> None:
    board = await wall.api("POST", "/v1/dashboards", {"name": "Sales floor"})
    assert board["celebrate_wins"] is False
    await wall.login(page)
    await page.goto(f"{wall.base_url}/d/{board['id']}")
    await page.click("[data-action=edit]")
    setting = page.locator("input[name=celebrate-wins]")
    await expect(setting).not_to_be_checked()
    await setting.check()
    await screenshot(page, "wall-celebrate-setting-en")
    await page.click("[data-action=save]")
    await expect(page.locator("[data-action=save]")).to_have_count(0)
    saved = await wall.api("GET", f"/v1/dashboards/{board['id']}")
    assert saved["celebrate_wins"] is True
