"""Scheduled e-mailed reports in Chromium against the real server and a real SMTP server: a
schedule made on the administration page (weekly on a chosen day, or daily) is stored as the
API has it, is mailed with its CSV when due, and the page then shows the period sent; the page
in English and Polish at 1366×768, 1920×1080 and 3840×2160."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from app.report_mail.sender import send_due
from tests.alerts.receivers import smtp_server
from tests.alerts.test_delivery import email
from tests.frontend.conftest import Wall, screenshot
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, browsing


async def test_a_report_is_scheduled_on_the_page_and_mailed(
    wall: Wall, page: Page, browser: Browser
) -> None:
    with smtp_server() as (mailbox, port):
        await wall.api(
            "POST",
            "/v1/alert-channels",
            {"name": "Ops mail", "settings": email(port, "unused@example.com")},
        )
        await wall.login(page)
        await page.goto(f"{wall.base_url}/admin/schedules")
        form = page.locator("form[data-form=new-schedule]")
        await form.locator("input[name=name]").fill("Weekly agents")
        await form.locator("select[name=frequency]").select_option("weekly")
        await form.locator("select[name=weekday]").select_option("0")
        await form.locator("select[name=group_by]").select_option("agent")
        await form.locator("input[name=recipients]").fill("boss@example.com; ops@example.com")
        await form.locator("button[type=submit]").click()
        row = page.locator("tr[data-schedule='Weekly agents']")
        await expect(row).to_contain_text("Monday at 07:00")
        await expect(row).to_contain_text("boss@example.com, ops@example.com")
        [stored] = await wall.api("GET", "/v1/report-schedules")
        assert (stored["frequency"], stored["weekday"], stored["group_by"]) == (
            "weekly", 0, "agent",
        )  # fmt: skip

        await form.locator("input[name=name]").fill("Daily floor")
        await form.locator("input[name=hour]").fill("0")
        await form.locator("input[name=recipients]").fill("boss@example.com")
        await form.locator("button[type=submit]").click()
        daily = page.locator("tr[data-schedule='Daily floor']")
        await expect(daily).to_contain_text("Not yet")

        await send_due(wall.app.services, "browser-test")
        assert any(m["To"] == "boss@example.com" for _, m in mailbox.messages)
        await page.reload()
        today = datetime.now(UTC).date().isoformat()
        await expect(
            page.locator("tr[data-schedule='Daily floor'] [data-column=last-sent]")
        ).to_have_text(today)
        await screenshot(page, "admin-schedules")

    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                await wall.login(seen.page)
                await seen.page.goto(f"{wall.base_url}/admin/schedules?lang={lang}")
                tab = "Raporty e-mailem" if lang == "pl" else "Scheduled reports"
                await expect(seen.page.locator("[data-tab=schedules]")).to_have_text(tab)
                await expect(seen.page.locator("tr[data-schedule]")).to_have_count(2)
                await screenshot(seen.page, f"look-admin-schedules-{lang}-{width}x{height}")
                assert seen.errors == [], seen.errors


async def test_weekdays_are_named_right_west_of_greenwich(wall: Wall, browser: Browser) -> None:
    """Day 0 is Monday in New York too (the name was once formatted in local time: Sunday)."""
    context = await browser.new_context(timezone_id="America/New_York", locale="en-GB")
    try:
        page = await context.new_page()
        await wall.login(page)
        await page.goto(f"{wall.base_url}/admin/schedules")
        weekday = page.locator("form[data-form=new-schedule] select[name=weekday]")
        await expect(weekday.locator("option[value='0']")).to_have_text("Monday")
        await expect(weekday.locator("option[value='6']")).to_have_text("Sunday")
    finally:
        await context.close()
