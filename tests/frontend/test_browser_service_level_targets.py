"""Per-queue service-level targets in Chromium against the real server: typed as a percentage
in queue administration (stored as a fraction), marked on the queue's gauge with its threshold
(`Target 90% / 30 s`), and used for the default service-level colours of gauges and the queue
table — the same 75 % is red for a queue aiming at 90 % and green for one aiming at 70 % —
at 1366×768, 1920×1080 and 3840×2160 in English and Polish."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.frontend.looks import visible_texts
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, WALL_TEXT, browsing
from tests.helpers import ev, now_ms


def gauge(widget_id: str, x: int, scope: str) -> dict[str, Any]:
    return {
        "id": widget_id, "type": "gauge", "x": x, "y": 0, "w": 4, "h": 2,
        "metric": "service_level", "scope": scope, "window": "60m",
    }  # fmt: skip


async def calls(wall: Wall) -> None:
    """Per queue four calls, one of them answered after 60 s: a service level of 75 %."""
    t0 = now_ms() - 10 * 60_000
    events = []
    for q, queue in enumerate(("Sales", "Support")):
        for i, wait_s in enumerate((5, 5, 5, 60)):
            call_id = f"{queue}-{i}"
            start = t0 + (q * 4 + i) * 70_000
            events += [
                ev("call.queued", start, call_id=call_id, queue=queue),
                ev("call.answered", start + wait_s * 1000, call_id=call_id, agent=f"a{q}{i}"),
                ev("call.ended", start + wait_s * 1000 + 1000, call_id=call_id),
            ]
    await wall.post(sorted(events, key=lambda e: int(e["ts"])))


async def test_targets_set_in_queue_admin_colour_the_wall(wall: Wall, page: Page) -> None:
    await wall.api("POST", "/v1/queues", {"name": "Support", "sl_target": 0.7})
    await wall.login(page)
    await page.goto(f"{wall.base_url}/admin/queues")
    await page.fill("[data-form=new-queue] input[name=name]", "Sales")
    await page.click("[data-form=new-queue] button[type=submit]")
    section = page.locator("section[data-queue=Sales]")
    await expect(section.locator("input[name=sl_target]")).to_have_value("80")
    await section.locator("input[name=sl_threshold_s]").fill("30")
    await section.locator("input[name=sl_target]").fill("90")
    await section.locator("button[type=submit]").click()
    await expect(page.locator("[role=status]")).to_have_text("Saved")
    await page.reload()
    await expect(page.locator("section[data-queue=Sales] input[name=sl_target]")).to_have_value(
        "90"
    )
    await screenshot(page, "admin-queues-sl-target")
    queues = {q["name"]: q for q in await wall.api("GET", "/v1/queues")}
    assert queues["Sales"]["sl_target"] == 0.9
    assert queues["Sales"]["sl_threshold_s"] == 30

    await calls(wall)
    widgets = [gauge("sales", 0, "queue:Sales"), gauge("support", 4, "queue:Support"),
               gauge("floor", 8, "tenant"),
               {"id": "queues", "type": "queue_table", "x": 0, "y": 2, "w": 12, "h": 2,
                "window": "60m"}]  # fmt: skip
    board = await wall.api("POST", "/v1/dashboards", {"name": "Targets", "widgets": widgets})
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser_of(page), width, height, locale) as seen:
                tv = seen.page
                await wall.login(tv)
                await tv.goto(f"{wall.base_url}/d/{board['id']}?wall=1&lang={lang}")
                pct75 = "75,0%" if lang == "pl" else "75.0%"
                sales = tv.locator("fw-grid [data-widget=sales] fw-gauge")
                support = tv.locator("fw-grid [data-widget=support] fw-gauge")
                await expect(sales.get_by_test_id("value")).to_have_text(pct75)
                await expect(sales).to_have_attribute("level", "crit")  # 10 points under 90 %
                await expect(support.get_by_test_id("value")).to_have_text(pct75)
                await expect(support).to_have_attribute("level", "good")  # above 70 %
                target = "Cel" if lang == "pl" else "Target"
                await expect(sales.locator(".target")).to_have_text(f"{target} 90% / 30 s")
                await expect(support.locator(".target")).to_have_text(f"{target} 70% / 20 s")
                # The queues aim differently: the floor keeps the metric's default target.
                await expect(tv.locator("fw-grid [data-widget=floor] .target")).to_have_text(
                    f"{target} 80%"
                )
                table = tv.locator("fw-queue-table")
                sl = "td[data-metric=service_level]"
                await expect(table.locator(f"tr[data-queue=Sales] {sl}")).to_have_class("crit")
                await expect(table.locator(f"tr[data-queue=Support] {sl}")).to_have_class("good")
                await tv.wait_for_timeout(300)
                name = f"look-sl-targets-{lang}-{width}x{height}"
                await screenshot(tv, name)
                floor_px = WALL_TEXT * height
                small = [
                    (t.where, t.text[:30], round(t.size, 1))
                    for t in await visible_texts(tv, (".controls", "fw-locale-switch"))
                    if t.size < floor_px - 0.05
                ]
                assert not small, f"{name}: text under {floor_px:.1f} px: {small}"
                assert seen.errors == [], seen.errors


def browser_of(page: Page) -> Browser:
    browser = page.context.browser
    assert browser is not None
    return browser
