"""Names, not ids: an agent known as `east-001` to the telephony and as Ewa Nowak to the floor
shows as Ewa Nowak in the agent report, on the shifts page, in plans and in the alert rules'
"for" column (EN and PL), in Chromium against the real server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.helpers import earlier_today_ms, ev
from tests.reports.support import wait_for_calls

NAME = "Ewa Nowak"
AGENT = "east-001"


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_pages_name_the_agent(wall: Wall, page: Page, language: str) -> None:
    await wall.api("POST", "/v1/teams", {"name": "East"})
    await wall.api(
        "POST", "/v1/agents", {"external_id": AGENT, "display_name": NAME, "team": "East"}
    )
    t0 = await earlier_today_ms(10 * 60_000, 70_000)
    await wall.post(
        [
            ev("agent.login", t0, agent=AGENT),
            ev("call.queued", t0 + 1000, call_id="n1", queue="Sales"),
            ev("call.answered", t0 + 5000, call_id="n1", agent=AGENT),
            ev("call.ended", t0 + 65_000, call_id="n1"),
            ev("call.wrapup_ended", t0 + 70_000, call_id="n1", agent=AGENT),
        ]
    )
    await wait_for_calls(wall.app, wall.tenant_id, 1)
    today = datetime.now(UTC).date()
    await wall.api(
        "POST",
        "/v1/plans",
        {
            "metric": "handled",
            "scope": f"agent:{AGENT}",
            "period": "day",
            "start_date": str(today),
            "end_date": str(today),
            "standard": 40,
        },
    )
    # On shift now, from no earlier than today's midnight: the page lists shifts from today on.
    now = datetime.now(UTC).replace(microsecond=0)
    start = max(now - timedelta(hours=1), now.replace(hour=0, minute=0, second=0))
    await wall.api(
        "POST",
        "/v1/shifts",
        {
            "agent": AGENT,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=8)).isoformat(),
        },
    )
    await wall.api(
        "POST",
        "/v1/alert-rules",
        {
            "name": "Long break",
            "metric": "time_in_state",
            "agent_state": "break",
            "scope": f"agent:{AGENT}",
            "op": ">",
            "threshold": 900,
        },
    )

    await wall.login(page)
    if language == "pl":
        await page.click("fw-locale-switch [data-locale=pl]")
    await page.click("[data-nav=reports]")
    await page.select_option("select[name=group_by]", "agent")
    agent_cell = page.locator("[data-testid=report-table] td[data-key=agent]").first
    await expect(agent_cell).to_have_text(NAME)
    await screenshot(page, f"names-report-{language}")

    await page.click("[data-nav=shifts]")
    await expect(
        page.locator(f"[data-testid=shifts] tr[data-agent={AGENT}] td").first
    ).to_have_text(NAME)
    await page.click("[data-nav=plans]")
    await expect(page.locator("[data-testid=plan-progress]")).to_contain_text(NAME)
    await page.click("[data-nav=alerts]")
    rule = page.locator("[data-testid=rules] tr[data-rule='Long break']")
    await expect(rule).to_contain_text(NAME)
    await expect(rule).not_to_contain_text(AGENT)
    await screenshot(page, f"names-alert-rules-{language}")
