"""The shifts page in headless Chromium against the real server: a roster imported as CSV shows
who came late (from real login events) and who is absent; a bad file is refused as a whole
with the reason; a shift is planned with the form and deleted.
Screenshots (1920×1080) go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from tests.auth.support import make_org
from tests.frontend.conftest import Wall, screenshot
from tests.helpers import ev


def local(moment: dt.datetime) -> str:
    """The tenant's local time (its zone is UTC) as the CSV and the page write it."""
    return moment.strftime("%Y-%m-%d %H:%M")


async def test_a_roster_shows_who_is_late_and_who_is_absent(wall: Wall, page: Page) -> None:
    await make_org(wall.app.settings.database_url, wall.tenant_id, {"North": ["a1", "a2"]})
    wall.app.services.configs.invalidate(wall.tenant_id)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    start, end = now - dt.timedelta(minutes=60), now + dt.timedelta(minutes=60)
    login = start + dt.timedelta(minutes=10)
    await wall.post([ev("agent.login", int(login.timestamp() * 1000), agent="a1")])

    await wall.login(page)
    await page.click("[data-nav=shifts]")
    await expect(page).to_have_url(f"{wall.base_url}/shifts")
    yesterday = (now - dt.timedelta(days=1)).date().isoformat()
    tomorrow = (now + dt.timedelta(days=1)).date().isoformat()
    await page.fill("[data-form=range] input[name=from]", yesterday)
    # the shift planned below starts 2 h from now: tomorrow when the test runs after 22:00 UTC
    await page.fill("[data-form=range] input[name=to]", tomorrow)
    await page.click("[data-form=range] button[type=submit]")

    importer = page.locator("[data-form=import]")
    await importer.locator("textarea[name=csv]").fill(
        "agent,start,end\n"
        "a1,not a time,also not\n"
        f"nobody-x,{local(start)},{local(end)}\n"
        f"a2,{local(start)},{local(end)}\n"
        f"nobody-y,{local(start)},{local(end)}\n"
    )
    await importer.locator("button[type=submit]").click()
    alert = page.locator("[role=alert]")
    await expect(alert).to_contain_text("Line 2: Start:")
    await expect(alert).to_contain_text("Line 3: Unknown agent 'nobody-x'")
    await expect(alert).to_contain_text("Line 5: Unknown agent 'nobody-y'")
    lines = (await alert.inner_text()).splitlines()
    assert len(lines) == len(set(lines)) == 4, lines  # the summary, then each bad line once
    await expect(page.locator("tr[data-shift]")).to_have_count(0)
    await screenshot(page, "shifts-import-refused")

    roster = (
        "agent,start,end,break_minutes\n"
        f"a1,{local(start)},{local(end)},15\n"
        f"a2,{local(start)},{local(end)},15\n"
    )
    await importer.locator("textarea[name=csv]").fill(roster)
    await importer.locator("button[type=submit]").click()
    await expect(page.locator("[role=status]")).to_have_text("Imported: 2 new, 0 replaced.")
    a1, a2 = page.locator("tr[data-agent=a1]"), page.locator("tr[data-agent=a2]")
    await expect(a1.locator("[data-late]")).to_have_text("10")
    await expect(a1.locator("[data-status]")).to_have_text("In progress")
    await expect(a2.locator("[data-status]")).to_have_text("Absent")
    await expect(page.get_by_test_id("shift-summary")).to_have_text("2 shifts · 1 late · 1 absent")
    await screenshot(page, "shifts")

    form = page.locator("[data-form=new-shift]")
    later, until = now + dt.timedelta(hours=2), now + dt.timedelta(hours=3)
    await form.locator("select[name=agent]").select_option("a2")
    await form.locator("input[name=start]").fill(later.strftime("%Y-%m-%dT%H:%M"))
    await form.locator("input[name=end]").fill(until.strftime("%Y-%m-%dT%H:%M"))
    await form.locator("button[type=submit]").click()
    await expect(page.locator("tr[data-shift]")).to_have_count(3)
    planned = page.locator("tr[data-agent=a2]").filter(has_text=local(later))
    await expect(planned.locator("[data-status]")).to_have_text("Planned")

    page.on("dialog", lambda dialog: dialog.accept())
    await planned.locator("button.danger").click()
    await expect(page.locator("tr[data-shift]")).to_have_count(2)
    shifts = await wall.api("GET", f"/v1/shifts?from={yesterday}&to={tomorrow}")
    assert sorted((s["agent"], s["break_minutes"]) for s in shifts) == [("a1", 15), ("a2", 15)]
