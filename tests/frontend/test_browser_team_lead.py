"""A team lead's first wall: the overview of their own team, with only what they may see (no
*Not available* tiles, no floor-wide state chips), in Chromium against the real server."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from app.auth.roles import Role
from tests.auth.support import PASSWORD, make_org, make_user
from tests.frontend.conftest import Wall, screenshot
from tests.helpers import ev, now_ms


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
async def test_a_team_leads_default_wall_is_their_team(
    wall: Wall, page: Page, width: int, height: int
) -> None:
    url = wall.app.settings.database_url
    await make_org(url, wall.tenant_id, {"North": ["n1", "n2"], "South": ["s1"]}, ("Sales",))
    await make_user(url, wall.tenant_id, "north_lead", Role.team_lead, teams=("North",))
    t0 = now_ms() - 60_000
    await wall.post(
        [
            ev("agent.login", t0, agent="n1"),
            ev("agent.state", t0 + 1000, agent="n1", state="available"),
            ev("agent.login", t0, agent="s1"),
            ev("agent.state", t0 + 1000, agent="s1", state="break"),
        ]
    )
    await wall.api("GET", "/v1/dashboards")  # the admin's first look makes the floor overview

    await page.set_viewport_size({"width": width, "height": height})
    await page.goto(f"{wall.base_url}/login")
    await page.fill("input[name=tenant]", wall.tenant)
    await page.fill("input[name=username]", "north_lead")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("fw-grid")).to_be_visible()
    await expect(page).to_have_title("North overview · Floorwatch")
    board = page.locator("fw-grid [data-widget=board]")
    await expect(board).to_contain_text("N1")  # the display name
    await expect(board).not_to_contain_text("S1")
    await expect(page.locator("fw-grid [data-widget=available] [data-testid=value]")).to_have_text(
        "1"
    )
    await expect(page.locator("fw-grid [data-widget=alerts]")).to_be_visible()
    await page.wait_for_timeout(1500)  # every topic answered (or was refused) by now
    await expect(page.get_by_text("Not available", exact=False)).to_have_count(0)
    await screenshot(page, f"team-lead-default-wall-{width}")

    dashboards = await wall.api("GET", "/v1/dashboards")
    north = next(d for d in dashboards if d["name"] == "North overview")
    assert north["team"] == "North"
    by_id = {w["id"]: w for w in north["widgets"]}
    assert by_id["board"]["options"]["team"] == "North"
    assert by_id["sales"]["options"]["team"] == "North"
    assert by_id["alerts"]["scope"] == "team:North"
