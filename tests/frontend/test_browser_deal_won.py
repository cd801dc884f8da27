"""The deal-won celebration in headless Chromium against the real server: off by default, and
on a team's display link only that team's wins, with the owner's name and the amount in the
tenant's currency; English and Polish at three screen sizes (artifacts/screenshots/)."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.helpers import ev, now_ms

SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]


async def test_a_teams_wall_celebrates_only_its_wins(
    wall: Wall, page: Page, browser: Browser
) -> None:
    await wall.api("PATCH", "/v1/tenant", {"currency": "PLN"})
    for team, agent, name in (("East", "e1", "Ewa Zielińska"), ("West", "w1", "Wojciech Mazur")):
        await wall.api("POST", "/v1/teams", {"name": team})
        body = {"external_id": agent, "display_name": name, "team": team}
        await wall.api("POST", "/v1/agents", body)
    plain = await wall.api("POST", "/v1/dashboards", {"name": "Plain", "team": "East"})
    assert plain["celebrate_wins"] is False
    widgets = [{"id": "sd", "type": "stalled_deals", "scope": "team:East", "w": 8, "h": 3}]
    east = await wall.api(
        "POST",
        "/v1/dashboards",
        {"name": "East wins", "team": "East", "celebrate_wins": True, "widgets": widgets},
    )
    assert east["celebrate_wins"] is True
    link = await wall.api("POST", f"/v1/dashboards/{east['id']}/display-links", {"name": "TV"})
    t = now_ms()
    await wall.post(
        [
            ev("deal.created", t - 60_000, deal_id="E-1", agent="e1", amount=1000),
            ev("deal.created", t - 60_000, deal_id="E-2", agent="e1", amount=2000),
            ev("deal.created", t - 60_000, deal_id="W-1", agent="w1", amount=9000),
        ]
    )
    tv_context = await browser.new_context(viewport={"width": 1366, "height": 768})
    tv = await tv_context.new_page()
    try:
        await tv.goto(f"{wall.base_url}/display#token={link['token']}")
        await expect(tv.locator("fw-grid [data-widget=sd]")).to_be_visible()
        await wall.post([ev("deal.won", now_ms(), deal_id="W-1", agent="w1", amount=9500)])
        await wall.post([ev("deal.won", now_ms(), deal_id="E-1", agent="e1", amount=12_500)])
        card = tv.get_by_test_id("deal-won")
        await expect(card).to_be_visible()
        assert await card.get_attribute("data-deal") == "E-1"  # West's win came first: not shown
        await expect(card).to_contain_text("Ewa Zielińska")
        await expect(card).to_contain_text("PLN 12,500")
        await expect(card).not_to_contain_text("Wojciech")
        for width, height in SIZES:
            await tv.set_viewport_size({"width": width, "height": height})
            await screenshot(tv, f"wall-deal-won-en-{width}x{height}")
        await expect(card).to_be_hidden(timeout=10_000)
        assert "Wojciech" not in await tv.content()
    finally:
        await tv_context.close()

    await wall.login(page)
    await page.goto(f"{wall.base_url}/d/{east['id']}")
    await page.click("fw-locale-switch [data-locale=pl]")
    await expect(page.locator("fw-grid [data-widget=sd]")).to_be_visible()
    await wall.post([ev("deal.won", now_ms(), deal_id="E-2", agent="e1", amount=2000)])
    card = page.get_by_test_id("deal-won")
    await expect(card).to_contain_text("Wygrana transakcja!")
    await expect(card).to_contain_text("zł")
    assert await card.get_attribute("data-deal") == "E-2"
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        await screenshot(page, f"wall-deal-won-pl-{width}x{height}")

    await page.goto(f"{wall.base_url}/d/{plain['id']}")
    await expect(page.get_by_role("combobox").locator("option[selected]")).to_have_text("Plain")
    await wall.post([ev("deal.won", now_ms(), deal_id="E-3", agent="e1", amount=1)])
    await page.wait_for_timeout(1500)  # a win would show within a second
    await expect(page.get_by_test_id("deal-won")).to_have_count(0)  # off by default
