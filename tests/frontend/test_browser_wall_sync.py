"""An open wall follows the server: a layout saved elsewhere reaches a TV already showing the
dashboard (over the `dashboards:` WebSocket topic, without a page reload)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from tests.frontend.conftest import Wall, screenshot


def extra_tile(widgets: list[dict[str, Any]]) -> dict[str, Any]:
    bottom = max(w["y"] + w["h"] for w in widgets)
    return {
        "id": "pushed",
        "type": "kpi",
        "x": 0,
        "y": bottom,
        "w": 3,
        "h": 2,
        "title": "Pushed tile",
        "metric": "offered",
        "scope": "tenant",
        "window": "today",
    }


async def test_a_saved_layout_reaches_an_open_display(wall: Wall, page: Page) -> None:
    (dashboard,) = await wall.api("GET", "/v1/dashboards")
    link = await wall.api(
        "POST", f"/v1/dashboards/{dashboard['id']}/display-links", {"name": "Lobby TV"}
    )
    await page.goto(f"{wall.base_url}{link['path']}")
    await expect(page.locator("fw-grid [data-widget=waiting]")).to_be_visible()
    await page.evaluate("window.openedOnce = true")

    widgets = [w for w in dashboard["widgets"] if w["id"] != "waiting"]
    widgets.append(extra_tile(widgets))
    body = {"name": dashboard["name"], "team": None, "widgets": widgets, "version": 1}
    await wall.api("PUT", f"/v1/dashboards/{dashboard['id']}", body)

    pushed = page.locator("fw-grid [data-widget=pushed]")
    await expect(pushed).to_be_visible(timeout=5000)
    await expect(pushed.locator("h2")).to_have_text("Pushed tile")
    await expect(page.locator("fw-grid [data-widget=waiting]")).to_have_count(0)
    assert await page.evaluate("window.openedOnce === true"), "re-rendered, not reloaded"
    await screenshot(page, "display-after-a-saved-layout")
