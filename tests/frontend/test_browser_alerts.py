"""The alerts page in headless Chromium against the real server: an admin adds a signed
webhook channel and a rule that notifies it, the rule fires on real calls and reaches the
receiver, the open alert is acknowledged and silenced from the page, rules are changed,
switched off and entered in display units, and the channel's secret never reaches the page.
Screenshots (1920×1080) go to artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from tests.alerts.receivers import http_receiver
from tests.auth.support import make_org
from tests.frontend.conftest import Wall, screenshot
from tests.helpers import ev, eventually, now_ms

SECRET = "sixteen-chars-or-more-secret"


async def test_rules_channels_and_open_alerts(wall: Wall, page: Page) -> None:
    await make_org(wall.app.settings.database_url, wall.tenant_id, {"North": ["a1"]}, ("Sales",))
    wall.app.services.configs.invalidate(wall.tenant_id)
    async with http_receiver() as receiver:
        await wall.login(page)
        await page.click("[data-nav=alerts]")
        await expect(page).to_have_url(f"{wall.base_url}/alerts")
        await expect(page.get_by_test_id("no-open-alerts")).to_be_visible()

        channel = page.locator("[data-form=channel]")
        await channel.locator("input[name=name]").fill("ops hook")
        await channel.locator("input[name=url]").fill(receiver.url)
        await channel.locator("input[name=secret]").fill(SECRET)
        await channel.locator("button[type=submit]").click()
        await expect(page.locator("tr[data-channel='ops hook']")).to_contain_text(receiver.url)
        [stored] = await wall.api("GET", "/v1/alert-channels")
        assert stored["settings"]["has_secret"] is True

        rule = page.locator("[data-form=rule]")
        await rule.locator("input[name=name]").fill("Queue backs up")
        await rule.locator("select[name=metric]").select_option("calls_waiting")
        await rule.locator("select[name=scope]").select_option("tenant")
        await rule.locator("select[name=op]").select_option(">=")
        await rule.locator("input[name=threshold]").fill("2")
        await rule.locator("select[name=severity]").select_option("critical")
        await rule.get_by_label("ops hook").check()
        await rule.locator("button[type=submit]").click()
        row = page.locator("tr[data-rule='Queue backs up']")
        await expect(row).to_contain_text("Calls waiting >= 2")
        await expect(row).to_contain_text("ops hook")

        t = now_ms()
        await wall.post(
            [ev("call.queued", t - 1000 + i, call_id=f"c{i}", queue="Sales") for i in range(3)]
        )

        async def notified() -> bool:
            return len(receiver.requests) > 0

        await eventually(notified, timeout=20)
        notification = receiver.requests[0].json()
        assert notification["status"] == "firing"
        assert notification["alert"]["summary"] == (
            "Queue backs up: Calls waiting of tenant is 3 (alert when >= 2)"
        )

        await page.reload()
        open_row = page.locator("[data-testid=open-alerts] tr[data-alert]")
        await expect(open_row).to_have_count(1)
        await expect(open_row).to_contain_text("Critical")
        await expect(open_row).to_contain_text("Firing")
        await expect(open_row).to_contain_text(
            "Queue backs up: Calls waiting, Whole floor: 3 (alert when >= 2)"
        )
        await open_row.locator("[data-action=ack]").click()
        await expect(open_row).to_contain_text("Acknowledged by user chief")
        await open_row.locator("[data-action=silence]").click()
        await expect(open_row).to_contain_text("silenced until")
        await expect(open_row.locator("[data-action=unsilence]")).to_be_visible()
        await screenshot(page, "alerts")
        assert SECRET not in await page.content()

        await row.locator("[data-action=edit]").click()
        editing = page.locator("[data-form=rule]")
        await expect(editing.locator("input[name=threshold]")).to_have_value("2")
        await expect(editing.locator("select[name=metric]")).to_have_value("calls_waiting")
        await editing.locator("input[name=threshold]").fill("5")
        await editing.locator("button[type=submit]").click()
        await expect(row).to_contain_text("Calls waiting >= 5")
        await expect(page.locator("[data-form=rule] input[name=name]")).to_have_value("")

        await page.locator("[data-form=rule] input[name=name]").fill("Sales SL")
        await page.locator("[data-form=rule] select[name=metric]").select_option("service_level")
        await expect(page.locator("[data-form=rule]")).to_contain_text("Threshold (%)")
        await page.locator("[data-form=rule] select[name=scope]").select_option("queue:Sales")
        await page.locator("[data-form=rule] select[name=window]").select_option("15m")
        await page.locator("[data-form=rule] select[name=op]").select_option("<")
        await page.locator("[data-form=rule] input[name=threshold]").fill("80")
        await page.locator("[data-form=rule] input[name=clear_threshold]").fill("85")
        await page.locator("[data-form=rule] button[type=submit]").click()
        await expect(page.locator("tr[data-rule='Sales SL']")).to_contain_text(
            "Service level (last 15 min) < 80.0%"
        )

        form = page.locator("[data-form=rule]")
        await form.locator("input[name=name]").fill("Below plan")
        await form.locator("select[name=metric]").select_option("deals_won")  # grows all day
        await expect(form.locator("input[name=against_plan]")).to_have_count(0)
        await form.locator("select[name=metric]").select_option("win_rate")
        await form.locator("input[name=against_plan]").check()
        await expect(form).to_contain_text("Threshold (% of plan)")
        await expect(form.locator("[data-testid=plan-rule-hint]")).to_be_visible()
        await expect(form.locator("select[name=window]")).to_have_count(0)
        await form.locator("input[name=threshold]").fill("90")
        await screenshot(page, "alert-rule-against-plan")
        await form.locator("button[type=submit]").click()
        plan_row = page.locator("tr[data-rule='Below plan']")
        await expect(plan_row).to_contain_text("Win rate (today) < 90% of plan")
        await plan_row.locator("button[data-action=edit]").click()
        await expect(form.locator("input[name=against_plan]")).to_be_checked()
        await expect(form.locator("input[name=threshold]")).to_have_value("90")
        await form.locator("button[data-action=cancel]").click()

        await row.locator("input[type=checkbox]").uncheck()
        await expect(row).to_have_class("off")
        rules = {r["name"]: r for r in await wall.api("GET", "/v1/alert-rules")}
        assert rules["Queue backs up"]["enabled"] is False
        assert rules["Queue backs up"]["threshold"] == 5
        assert (rules["Sales SL"]["threshold"], rules["Sales SL"]["clear_threshold"]) == (0.8, 0.85)
        assert (rules["Sales SL"]["scope"], rules["Sales SL"]["window"]) == ("queue:Sales", "15m")
        below = rules["Below plan"]
        assert (below["against_plan"], below["window"], below["threshold"]) == (True, "today", 0.9)
        assert rules["Sales SL"]["against_plan"] is False

        page.on("dialog", lambda dialog: dialog.accept())
        await page.locator("tr[data-channel='ops hook'] button.danger").click()
        await expect(page.locator("tr[data-channel]")).to_have_count(0)
        assert await wall.api("GET", "/v1/alert-channels") == []


async def test_wall_tile_lists_the_most_severe_first_and_says_how_many_more(
    wall: Wall, page: Page
) -> None:
    """Four alerts firing in a small tile: critical ones first, only whole rows, "+N more"."""
    for name, severity in [("W", "warning"), ("C1", "critical"), ("I", "info"), ("C2", "critical")]:
        await wall.api(
            "POST",
            "/v1/alert-rules",
            {
                "name": name,
                "metric": "calls_waiting",
                "scope": "tenant",
                "window": "live",
                "op": ">=",
                "threshold": 1,
                "severity": severity,
            },
        )
    board = await wall.api(
        "POST",
        "/v1/dashboards",
        {
            "name": "Alerts",
            "widgets": [
                {"id": "al", "type": "alerts", "w": 12, "h": 2},
                {"id": "k", "type": "kpi", "metric": "offered", "y": 7, "w": 3, "h": 1},
            ],
        },
    )
    await wall.post([ev("call.queued", now_ms(), call_id="q1", queue="Sales")])

    async def four_firing() -> bool:
        return len(await wall.api("GET", "/v1/alerts?state=firing")) == 4

    await eventually(four_firing, timeout=20)
    await wall.login(page)
    await page.goto(f"{wall.base_url}/d/{board['id']}")
    tile = page.locator("[data-widget=al]")
    rows = tile.locator(".alert")
    await expect(tile.get_by_test_id("more-alerts")).to_be_visible()
    shown = await rows.count()
    assert 1 <= shown < 4
    await expect(tile.get_by_test_id("more-alerts")).to_have_text(f"+{4 - shown} more")
    await expect(rows.first).to_contain_text("C1: Calls waiting, Whole floor: 1 (alert when >= 1)")
    severities = [await rows.nth(i).get_attribute("class") for i in range(shown)]
    assert severities == ["alert critical", "alert critical", "alert warning"][:shown]
    body = await tile.locator(".body").bounding_box()
    last = await rows.nth(shown - 1).bounding_box()
    assert body is not None
    assert last is not None
    assert last["y"] + last["height"] <= body["y"] + body["height"] + 0.5
    more = await tile.get_by_test_id("more-alerts").bounding_box()
    frame = await tile.bounding_box()
    assert more is not None
    assert frame is not None
    assert more["y"] + more["height"] <= frame["y"] + frame["height"]
    await screenshot(page, "wall-alerts-tile")
