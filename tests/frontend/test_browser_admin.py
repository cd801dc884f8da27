"""The administration pages in headless Chromium against the real server: an admin creates a
team, an agent in it and a user; a queue's threshold change persists across a reload; a new
API key is shown once and works; a supervisor sees the pages read-only.
Screenshots (1920×1080) go to artifacts/screenshots/."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from app.auth.roles import Role
from tests.auth.support import make_user
from tests.frontend.conftest import Wall, screenshot
from tests.helpers import ev, eventually, now_ms


async def can_log_in(wall: Wall, username: str, password: str) -> bool:
    async with httpx.AsyncClient(base_url=wall.app.base_url) as client:
        reply = await client.post(
            "/v1/auth/login",
            json={"tenant": wall.tenant, "username": username, "password": password},
        )
    assert reply.status_code in (200, 401), reply.text
    return reply.status_code == 200


async def open_admin(wall: Wall, page: Page, tab: str) -> None:
    await wall.login(page)
    await page.click("[data-nav=admin]")
    await page.click(f"[data-tab={tab}]")
    await expect(page).to_have_url(f"{wall.app.base_url}/admin/{tab}")


async def test_admin_creates_a_team_an_agent_and_a_user(wall: Wall, page: Page) -> None:
    await open_admin(wall, page, "teams")
    await page.fill("[data-form=new-team] input[name=name]", "North")
    await page.click("[data-form=new-team] button[type=submit]")
    await expect(page.locator("tr[data-team=North]")).to_be_visible()
    assert "North" in {team["name"] for team in await wall.api("GET", "/v1/teams")}
    await screenshot(page, "admin-teams")

    await page.click("[data-tab=agents]")
    await page.fill("[data-form=new-agent] input[name=external_id]", "a7")
    await page.fill("[data-form=new-agent] input[name=display_name]", "Ada Nowak")
    await page.select_option("[data-form=new-agent] select[name=team]", "North")
    await page.click("[data-form=new-agent] button[type=submit]")
    await expect(page.locator("tr[data-agent=a7] select")).to_have_value("North")
    await screenshot(page, "admin-agents")

    await page.click("[data-tab=users]")
    form = page.locator("[data-form=new-user]")
    await form.locator("input[name=username]").fill("lead.north")
    await form.locator("input[name=password]").fill("a long enough password")
    await form.locator("select[name=role]").select_option("team_lead")
    await form.locator("select[name=teams]").select_option(["North"])
    await form.locator("button[type=submit]").click()
    row = page.locator("tr[data-user='lead.north']")
    await expect(row).to_contain_text("North")
    assert await can_log_in(wall, "lead.north", "a long enough password")

    # a dialog of the page (no window.prompt, which shows the password in clear)
    prompts: list[str] = []
    page.on("dialog", lambda dialog: prompts.append(dialog.message))
    await row.locator("[data-action=password]").click()
    dialog = page.get_by_test_id("password-dialog")
    await expect(dialog).to_be_visible()
    assert await dialog.locator("input[name=password]").get_attribute("type") == "password"
    await dialog.locator("input[name=password]").fill("another fine password")
    await dialog.locator("input[name=repeat]").fill("another fine passwort")
    await dialog.locator("button[type=submit]").click()
    await expect(dialog).to_be_visible()  # the two differ: nothing is sent
    assert await can_log_in(wall, "lead.north", "a long enough password")
    await dialog.locator("input[name=repeat]").fill("another fine password")
    await screenshot(page, "admin-password-dialog")
    await dialog.locator("button[type=submit]").click()
    await expect(dialog).to_have_count(0)
    await eventually(lambda: can_log_in(wall, "lead.north", "another fine password"), timeout=5)
    assert prompts == [], "no browser prompt"
    assert not await can_log_in(wall, "lead.north", "a long enough password")
    await row.locator("[data-action=toggle]").click()
    await expect(row).to_have_class("off")
    users = {u["username"]: u for u in await wall.api("GET", "/v1/users")}
    assert users["lead.north"]["role"] == "team_lead"
    assert users["lead.north"]["teams"] == ["North"]
    assert users["lead.north"]["disabled"] is True
    await screenshot(page, "admin-users")


async def test_queue_threshold_change_persists(wall: Wall, page: Page) -> None:
    await open_admin(wall, page, "queues")
    await page.fill("[data-form=new-queue] input[name=name]", "Sales")
    await page.click("[data-form=new-queue] button[type=submit]")
    section = page.locator("section[data-queue=Sales]")
    await expect(section).to_be_visible()
    await expect(section.locator("select[name=wrapup_mode]")).to_have_value("event")
    await expect(section.locator("input[name=wrapup_s]")).to_be_disabled()
    await section.locator("input[name=sl_threshold_s]").fill("30")
    await section.locator("input[name=short_abandon_s]").fill("8")
    await section.locator("select[name=wrapup_mode]").select_option("limit")
    await section.locator("input[name=wrapup_s]").fill("45")
    await section.locator("button[type=submit]").click()
    await expect(page.locator("[role=status]")).to_have_text("Saved")
    await page.reload()
    section = page.locator("section[data-queue=Sales]")
    await expect(section.locator("input[name=sl_threshold_s]")).to_have_value("30")
    await expect(section.locator("input[name=short_abandon_s]")).to_have_value("8")
    await expect(section.locator("select[name=wrapup_mode]")).to_have_value("limit")
    await expect(section.locator("input[name=wrapup_s]")).to_have_value("45")
    queues = {q["name"]: q for q in await wall.api("GET", "/v1/queues")}
    assert queues["Sales"]["sl_threshold_s"] == 30
    assert queues["Sales"]["short_abandon_s"] == 8
    assert queues["Sales"]["wrapup_s"] == 45
    await screenshot(page, "admin-queues")

    # A value the API refuses shows one sentence by the field, once, and changes nothing.
    field = section.locator("input[name=sl_threshold_s]")
    await field.fill("-5")
    await section.locator("button[type=submit]").click()
    note = section.locator("[data-field-error=sl_threshold_s]")
    await expect(note).to_have_text(re.compile(r"^Must be at least [\d.]+\.$"))
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("[role=alert]")).to_have_count(1)
    page_text = await page.locator("fw-admin-queues").inner_text()
    assert "body." not in page_text, page_text
    assert "Input should" not in page_text, page_text
    await screenshot(page, "admin-queues-refused")
    queues = {q["name"]: q for q in await wall.api("GET", "/v1/queues")}
    assert queues["Sales"]["sl_threshold_s"] == 30
    await field.fill("25")
    await expect(note).to_have_count(0)  # the mark goes as the field changes
    # No wrap-up at all, then back to "until the platform ends it".
    await section.locator("input[name=sl_threshold_s]").fill("30")
    for mode, stored in (("none", 0), ("event", None)):
        await section.locator("select[name=wrapup_mode]").select_option(mode)
        await expect(section.locator("input[name=wrapup_s]")).to_be_disabled()
        await section.locator("button[type=submit]").click()

        async def saved(want: float | None = stored) -> bool:
            queues = {q["name"]: q for q in await wall.api("GET", "/v1/queues")}
            return bool(queues["Sales"]["wrapup_s"] == want)

        # the previous save's "Saved" may still show: wait for the stored value itself
        await eventually(saved, timeout=10)


async def test_tenant_currency_shows_with_revenue(wall: Wall, page: Page) -> None:
    await open_admin(wall, page, "tenant")
    form = page.locator("[data-form=tenant]")
    await form.locator("select[name=language]").select_option("pl")
    await form.locator("select[name=currency]").select_option("PLN")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("[role=status]")).to_have_text("Saved")
    tenant = await wall.api("GET", "/v1/tenant")
    assert (tenant["language"], tenant["currency"]) == ("pl", "PLN")
    await screenshot(page, "admin-tenant")
    await page.reload()
    await expect(page.locator("[data-form=tenant] select[name=currency]")).to_have_value("PLN")

    board = await wall.api(
        "POST",
        "/v1/dashboards",
        {
            "name": "Sales",
            "widgets": [
                {"id": "rev", "type": "kpi", "metric": "revenue", "window": "today", "w": 3},
            ],
        },
    )
    await wall.post([ev("deal.closed", now_ms(), agent="a1", amount=1250)])
    await page.goto(f"{wall.app.base_url}/d/{board['id']}")
    value = page.locator("[data-widget=rev] [data-testid=value]")
    await expect(value).to_contain_text("PLN")
    await expect(value).to_contain_text("1,250")


async def test_api_key_is_shown_once_and_works(wall: Wall, page: Page) -> None:
    await open_admin(wall, page, "keys")
    await page.fill("[data-form=new-key] input[name=name]", "wallboard script")
    await page.click("[data-form=new-key] button[type=submit]")
    secret = (await page.locator("[data-testid=key-secret]").text_content() or "").strip()
    assert secret.startswith("fw_"), secret
    await screenshot(page, "admin-keys")
    async with httpx.AsyncClient(base_url=wall.app.base_url) as client:
        reply = await client.get("/v1/queues", headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 200, reply.text

    await page.click("[data-action=done]")
    await expect(page.locator("[data-testid=key-secret]")).to_have_count(0)
    await page.reload()
    row = page.locator("tr[data-key='wallboard script']")
    await expect(row).to_be_visible()
    assert secret not in await page.content()
    assert secret not in await row.inner_text()

    page.on("dialog", lambda dialog: dialog.accept())
    await row.locator("button.danger").click()
    await expect(row).to_have_class("off")
    async with httpx.AsyncClient(base_url=wall.app.base_url) as client:
        reply = await client.get("/v1/queues", headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 401, reply.text


async def test_supervisor_reads_admin_pages_without_forms(wall: Wall, page: Page) -> None:
    await make_user(
        wall.app.settings.database_url, wall.tenant_id, "watcher", Role.supervisor, all_teams=True
    )
    wall.username = "watcher"
    await open_admin(wall, page, "queues")
    await expect(page.locator("[data-testid=read-only]")).to_be_visible()
    await expect(page.locator("[data-tab=keys]")).to_have_count(0)
    await expect(page.locator("form")).to_have_count(0)
    await page.click("[data-tab=users]")
    await expect(page.locator("tr[data-user=watcher]")).to_be_visible()
    await expect(page.locator("[data-form=new-user]")).to_have_count(0)
    await page.click("fw-locale-switch button:text-is('PL')")
    await expect(page.locator("[data-testid=read-only]")).to_contain_text("Tylko do odczytu")
    await expect(page.locator("[data-tab=users]")).to_have_text("Użytkownicy")
    await screenshot(page, "admin-users-supervisor-pl")
