"""The display-links panel of the dashboard editor in Chromium against the real server: a link
made there opens a TV, the panel lists it with its dashboard and when it was created and last
seen, revoking it signs the TV out at once, and display users stay out of the users page.
Screenshots at 1366×768 and 1920×1080, in English and Polish."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from tests.frontend.conftest import Wall, screenshot

TEXT = {
    "en": {"never": "Never", "revoke": "Revoke"},
    "pl": {"never": "Nigdy", "revoke": "Unieważnij"},
}


@pytest.mark.parametrize(("language", "width", "height"), [("en", 1366, 768), ("pl", 1920, 1080)])
async def test_links_are_made_listed_and_revoked_from_the_editor(
    wall: Wall, page: Page, browser: Browser, language: str, width: int, height: int
) -> None:
    text = TEXT[language]
    await page.set_viewport_size({"width": width, "height": height})
    await wall.login(page)
    if language == "pl":
        await page.click("fw-locale-switch [data-locale=pl]")
    await page.click("[data-action=edit]")
    await page.click("[data-action=display-links]")
    panel = page.locator("fw-display-links")
    await panel.locator("input[name=name]").fill("Lobby TV")
    await panel.locator("[data-action=create-link]").click()
    address = await panel.locator("[data-testid=display-link]").inner_text()
    assert "/display#token=fwu_" in address
    row = panel.locator("tr", has_text="Lobby TV")
    await expect(row).to_contain_text("Floor overview")
    await expect(row.locator("[data-column=last-seen]")).to_have_text(text["never"])

    tv_context = await browser.new_context(viewport={"width": 1280, "height": 720})
    tv = await tv_context.new_page()
    try:
        await tv.goto(address)
        await expect(tv.locator("fw-grid [data-widget=waiting]")).to_be_visible()
        await panel.locator("[data-action=close-links]").click()
        await page.click("[data-action=display-links]")
        await expect(row.locator("[data-column=last-seen]")).not_to_have_text(text["never"])
        await screenshot(page, f"display-links-panel-{language}-{width}")

        page.once("dialog", lambda dialog: dialog.accept())
        await row.get_by_role("button", name=text["revoke"]).click()
        await expect(panel.locator("tr", has_text="Lobby TV")).to_have_count(0)
        await tv.reload()
        await expect(tv.get_by_text("Signed out")).to_be_visible()  # the TV's own language
    finally:
        await tv_context.close()

    await panel.locator("[data-action=close-links]").click()
    await page.goto(f"{wall.base_url}/admin/users")
    await expect(page.locator("[data-user=chief]")).to_be_visible()
    await expect(page.locator("tr[data-user^=display-]")).to_have_count(0)
