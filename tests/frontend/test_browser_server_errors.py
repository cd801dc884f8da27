"""Every page shows one friendly sentence when the server answers 5xx (the API client turns
any 5xx, or a body that is not JSON, into it), not the server's text or a JSON parse error.

The failures are real: the tables behind each page are renamed under the running server (a
SQLite database), so each request ends in an unhandled database error and Starlette's plain
`Internal Server Error` page. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.helpers import sqlite_path

FRIENDLY = {
    "en": "The server could not answer this time",
    "pl": "Serwer nie mógł teraz odpowiedzieć",
}
PAGE_TABLES = {
    "reports": "kpi_rollups",
    "plans": "plans",
    "shifts": "shifts",
    "coaching": "coaching_notes",
    "alerts": "alert_rules",
    "admin": "teams",
}


def break_tables(wall: Wall, *tables: str) -> None:
    with sqlite3.connect(sqlite_path(wall.app.settings.database_url)) as conn:
        for table in tables:
            conn.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_gone"')


async def assert_friendly(page: Page, text: str) -> None:
    await expect(page.get_by_text(text).first).to_be_visible()
    for raw in ("Internal Server Error", "Unexpected token", "OperationalError"):
        await expect(page.get_by_text(raw)).to_have_count(0)


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_every_page_shows_a_friendly_message_for_a_server_error(
    wall: Wall, page: Page, language: str
) -> None:
    await wall.login(page)
    if language == "pl":
        await page.goto(f"{wall.base_url}/?lang=pl")
        await page.wait_for_selector("fw-grid")
    break_tables(wall, *PAGE_TABLES.values())
    for view in PAGE_TABLES:
        await page.click(f"[data-nav={view}]")
        if view == "admin":
            await page.get_by_role("tab").nth(1).click()  # teams
        await assert_friendly(page, FRIENDLY[language])
        await screenshot(page, f"server-error-{view}-{language}")

    break_tables(wall, "dashboards")
    await page.goto(f"{wall.base_url}/?lang={language}")
    await assert_friendly(page, FRIENDLY[language])
    await screenshot(page, f"server-error-board-{language}")
