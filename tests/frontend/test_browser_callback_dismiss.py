"""Dismissing a call-back entry from the reports page in headless Chromium against the real
server: the staff list shows whole numbers where allowed, a team lead gets the dismiss action
only for their teams' queues, an agent gets no list, and the dialog (a reason required) takes
the entry off the list through `POST /v1/callbacks/{id}/dismiss`. English and Polish at three
screen sizes (screenshots in artifacts/screenshots/)."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from app.auth.roles import Role
from tests.auth.support import PASSWORD, make_org, make_user
from tests.frontend.conftest import Wall, screenshot
from tests.helpers import ev, eventually, now_ms

SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]
LANGUAGES = {"en": ("Call-back list", "Dismiss"), "pl": ("Lista oddzwonień", "Odrzuć")}
MINUTE = 60_000


def missed(t: int, call: str, queue: str, caller: str) -> list[dict[str, object]]:
    return [
        ev("call.queued", t, call_id=call, queue=queue, caller=caller),
        ev("call.abandoned", t + 40_000, call_id=call),
    ]


async def log_in(wall: Wall, page: Page, username: str) -> None:
    await page.goto(f"{wall.base_url}/login")
    await page.fill("input[name=tenant]", wall.tenant)
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("fw-grid")
    await page.goto(f"{wall.base_url}/reports")


async def test_staff_dismiss_an_entry_with_a_reason(
    wall: Wall, page: Page, browser: Browser
) -> None:
    url = wall.app.settings.database_url
    await make_org(url, wall.tenant_id, {"North": ["n1"], "South": ["s1"]}, ("Sales", "Support"))
    await make_user(url, wall.tenant_id, "north_lead", Role.team_lead, teams=("North",))
    await make_user(url, wall.tenant_id, "agent_n1", Role.agent, agent="n1")
    t = now_ms() - 60 * MINUTE
    await wall.post(
        [
            ev("call.queued", t, call_id="k1", queue="Sales"),
            ev("call.answered", t + 5000, call_id="k1", agent="n1"),
            ev("call.ended", t + 60_000, call_id="k1"),
            *missed(t + 5 * MINUTE, "c1", "Sales", "+48601234567"),
            *missed(t + 10 * MINUTE, "c2", "Support", "+48700111222"),
        ]
    )

    async def listed() -> bool:
        got = await wall.api("GET", "/v1/callbacks")
        return bool(got["counts"]["open"] == 2)

    await eventually(listed)

    lead_context = await browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        lead = await lead_context.new_page()
        await log_in(wall, lead, "north_lead")
        rows = lead.get_by_test_id("callback-list").locator("tbody tr")
        await expect(rows).to_have_count(2)
        await expect(rows.nth(0)).to_contain_text("+48601234567")
        await expect(rows.nth(0).locator("[data-action=dismiss]")).to_have_count(1)
        await expect(rows.nth(1)).to_contain_text("+48 ••• ••• 222")
        await expect(rows.nth(1).locator("[data-action=dismiss]")).to_have_count(0)
        agent = await lead_context.new_page()
        await lead_context.clear_cookies()
        await log_in(wall, agent, "agent_n1")
        await expect(agent.locator("fw-reports h1")).to_be_visible()
        await expect(agent.locator("fw-callback-list")).to_have_count(0)
        assert "601234567" not in await agent.content()
    finally:
        await lead_context.close()

    await wall.login(page)
    await page.goto(f"{wall.base_url}/reports")
    table = page.get_by_test_id("callback-list")
    rows = table.locator("tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(1)).to_contain_text("+48700111222")
    dialog = page.get_by_test_id("dismiss-dialog")
    for lang, (title, dismiss) in LANGUAGES.items():
        await page.click(f"fw-locale-switch [data-locale={lang}]")
        await expect(page.locator("fw-callback-list h2")).to_have_text(title)
        await rows.nth(1).locator("[data-action=dismiss]").click()
        await expect(dialog).to_be_visible()
        await expect(dialog.locator("[data-action=confirm-dismiss]")).to_have_text(dismiss)
        await dialog.locator("input[name=reason]").fill("spam")
        for width, height in SIZES:
            await page.set_viewport_size({"width": width, "height": height})
            await screenshot(page, f"report-callback-dismiss-{lang}-{width}x{height}")
        await dialog.locator("[data-action=cancel]").click()
        await expect(dialog).to_be_hidden()
        await table.scroll_into_view_if_needed()
        await screenshot(page, f"report-callback-list-{lang}-3840x2160")
    await expect(rows).to_have_count(2)

    await rows.nth(1).locator("[data-action=dismiss]").click()
    await dialog.locator("input[name=reason]").fill("   ")
    await dialog.locator("[data-action=confirm-dismiss]").click()
    await expect(dialog.locator("[role=alert]")).to_be_visible()
    await dialog.locator("input[name=reason]").fill("wrong number")
    await dialog.locator("[data-action=confirm-dismiss]").click()
    await expect(dialog).to_be_hidden()
    await expect(rows).to_have_count(1)
    await expect(rows.nth(0)).to_contain_text("+48601234567")

    async def dismissed() -> bool:
        got = await wall.api("GET", "/v1/callbacks?status=dismissed")
        return bool(
            [(e["number"], e["reason"]) for e in got["items"]] == [("+48700111222", "wrong number")]
        )

    await eventually(dismissed)
