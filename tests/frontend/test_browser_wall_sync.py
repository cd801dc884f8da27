"""An open wall follows the server: a layout saved elsewhere reaches a TV already showing the
dashboard (over the `dashboards:` WebSocket topic, without a page reload), and a wall opened
now charts the recent past the server sampled (`/v1/metrics/history`), not an empty hour."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.core.config import Settings
from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from tests.frontend.conftest import Wall, running_wall, screenshot
from tests.helpers import ev, eventually, now_ms


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

    t = now_ms()
    await wall.post(
        [
            ev("call.queued", t - 10_000, call_id="p1", queue="Sales"),
            ev("call.abandoned", t - 5_000, call_id="p1"),
        ]
    )
    widgets = [w for w in dashboard["widgets"] if w["id"] != "waiting"]
    widgets.append(extra_tile(widgets))
    body = {"name": dashboard["name"], "team": None, "widgets": widgets, "version": 1}
    await wall.api("PUT", f"/v1/dashboards/{dashboard['id']}", body)

    pushed = page.locator("fw-grid [data-widget=pushed]")
    await expect(pushed).to_be_visible(timeout=5000)
    await expect(pushed.locator("h2")).to_have_text("Pushed tile")
    # its topic (metrics:tenant:today) was on no widget of the link's dashboard before: the
    # display may read it now, without reconnecting (app/dashboards/display_grants.py)
    await expect(pushed.locator("[data-testid=value]")).to_have_attribute("data-raw", "1")
    await expect(pushed.locator("[refused]")).to_have_count(0)
    await expect(page.locator("fw-grid [data-widget=waiting]")).to_have_count(0)
    assert await page.evaluate("window.openedOnce === true"), "re-rendered, not reloaded"
    await screenshot(page, "display-after-a-saved-layout")


@pytest.fixture
async def sampled_wall(wall_settings: Settings) -> AsyncIterator[Wall]:
    """A wall server that samples the charted series every half second."""
    async with running_wall(wall_settings.model_copy(update={"trend_sample_s": 0.5})) as running:
        yield running


async def test_a_freshly_opened_wall_charts_the_servers_recent_past(
    sampled_wall: Wall, page: Page
) -> None:
    wall = sampled_wall
    await wall.api("GET", "/v1/dashboards")  # the default one, with its service-level chart
    t0 = now_ms()
    await wall.post(
        [
            ev("call.queued", t0 - 60_000, call_id="h1", queue="Sales"),
            ev("call.answered", t0 - 55_000, call_id="h1", agent="a1"),
        ]
    )
    query = "/v1/metrics/history?metric=service_level&scope=tenant&window=15m"

    async def has(value: float) -> bool:
        found = await wall.api("GET", query)
        return any(v == value for _, v in found["points"])

    await eventually(lambda: has(1.0), timeout=10, interval=0.3)
    await wall.post(
        [
            ev("call.queued", t0 - 50_000, call_id="h2", queue="Sales"),
            ev("call.abandoned", t0 - 10_000, call_id="h2"),
        ]
    )
    await eventually(lambda: has(0.5), timeout=10, interval=0.3)

    async def spans_six_seconds() -> bool:
        points: list[tuple[int, float | None]] = (await wall.api("GET", query))["points"]
        return points[-1][0] - points[0][0] >= 6000

    await eventually(spans_six_seconds, timeout=15, interval=0.5)
    history = await wall.api("GET", query)
    values = [v for _, v in history["points"]]
    assert values.index(1.0) < values.index(0.5), "oldest first"
    times = [at for at, _ in history["points"]]
    assert times == sorted(times)
    (live,) = await wall.api("GET", "/v1/metrics?scope=tenant&window=15m")
    assert values[-1] == live["metrics"]["service_level"] == 0.5

    opened_s = now_ms() / 1000
    await wall.login(page)
    plot = page.locator("fw-grid [data-widget=sl-trend] [data-testid=plot]")
    await expect(plot).to_have_attribute("data-since", re.compile(r"\d+"), timeout=3000)

    async def drawn_from_before_the_page() -> bool:
        since = await plot.get_attribute("data-since")
        first_served_s = int(times[0]) / 1000
        return since is not None and int(since) <= first_served_s + 1 < opened_s - 5

    await eventually(drawn_from_before_the_page, timeout=5, interval=0.2)
    await screenshot(page, "wall-chart-from-server-history")


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
async def test_the_chart_keeps_its_height_when_a_row_is_added(
    wall: Wall, page: Page, width: int, height: int
) -> None:
    (dashboard,) = await wall.api("GET", "/v1/dashboards")
    widgets = [*dashboard["widgets"], extra_tile(dashboard["widgets"])]
    body = {"name": dashboard["name"], "team": None, "widgets": widgets, "version": 1}
    await wall.api("PUT", f"/v1/dashboards/{dashboard['id']}", body)
    await page.set_viewport_size({"width": width, "height": height})
    await wall.login(page)
    chart = page.locator("fw-grid [data-widget=sl-trend]")
    plot = chart.locator("[data-testid=plot]")
    await expect(plot.locator("canvas")).to_have_count(1)
    host = await plot.bounding_box()
    area = await plot.locator(".u-over").bounding_box()  # uPlot's plotting area
    assert host is not None
    assert area is not None
    await screenshot(page, f"wall-chart-extra-row-{width}")
    assert area["height"] >= max(30, host["height"] * 0.5), (area, host)
