"""Pipeline tiles on the wall in headless Chromium against the real server: a dashboard of KPI
tiles and a gauge on the pipeline metrics (pipeline value, open and stalled deals, a stage's
open deals, win rate of a pipeline scope) shows the values the API has, labelled in English
and Polish; the admin page sets a stall limit and the wall's stalled count follows. Screenshots
at 1366×768, 1920×1080 and 3840×2160 in both languages go to artifacts/screenshots/
(`pipeline-*`, `admin-stalls-*`)."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from collections.abc import Callable

from playwright.async_api import Browser, Error, expect

from tests.frontend.conftest import Wall, screenshot
from tests.helpers import ev, eventually, now_ms

SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]
LANGUAGES = {"en": "en-GB", "pl": "pl-PL"}
LABELS = {
    "en": ("Pipeline value", "Stalled deals", "Open deals: offer", "Win rate"),
    "pl": ("Wartość lejka", "Utknięte szanse", "Otwarte szanse: offer", "Skuteczność"),
}
DAY_MS = 86_400_000
WIDGETS = [
    {"id": "value", "type": "kpi", "metric": "pipeline_value", "window": "live", "w": 3},
    {"id": "stalled", "type": "kpi", "metric": "deals_stalled", "window": "live", "x": 3, "w": 3},
    {"id": "offer", "type": "kpi", "metric": "deals_open:offer", "scope": "pipeline:b2b",
     "window": "live", "x": 6, "w": 3},
    {"id": "wins", "type": "gauge", "metric": "win_rate", "scope": "pipeline:b2b",
     "window": "today", "x": 9, "w": 3, "h": 3},
]  # fmt: skip


def errors_into(errors: list[str]) -> Callable[[Error], None]:
    def record(error: Error) -> None:
        errors.append(str(error))

    return record


async def test_pipeline_tiles_show_the_live_pipeline(wall: Wall, browser: Browser) -> None:
    t = now_ms()
    await wall.post(
        [
            ev(
                "deal.created",
                t - 9 * DAY_MS,
                deal_id="p1",
                agent="a1",
                pipeline="b2b",
                stage="offer",
                amount=12_000,
            ),
            ev(
                "deal.created",
                t - 60_000,
                deal_id="p2",
                agent="a1",
                pipeline="b2b",
                stage="offer",
                amount=3_500.5,
            ),
            ev("deal.created", t - 50_000, deal_id="p3", agent="a1", amount=500),
            ev("deal.created", t - 40_000, deal_id="p4", agent="a1", pipeline="b2b", amount=9),
            ev("deal.won", t - 30_000, deal_id="p4"),
            ev("deal.created", t - 20_000, deal_id="p5", agent="a1", pipeline="b2b", amount=9),
            ev("deal.lost", t - 10_000, deal_id="p5"),
            ev("deal.created", t - 9_000, deal_id="p6", agent="a1", pipeline="b2b", amount=9),
            ev("deal.lost", t - 8_000, deal_id="p6"),
        ]
    )
    board = await wall.api("POST", "/v1/dashboards", {"name": "Pipeline", "widgets": WIDGETS})
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            context = await browser.new_context(
                viewport={"width": width, "height": height}, locale=locale
            )
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", errors_into(errors))
            try:
                await wall.login(page)
                await page.goto(f"{wall.base_url}/d/{board['id']}?wall=1&lang={lang}")
                value = page.locator("[data-widget=value] [data-testid=value]")
                await expect(value).to_have_attribute("data-raw", "16000.5", timeout=10_000)
                await expect(value).to_contain_text("16")
                stalled = page.locator("[data-widget=stalled] [data-testid=value]")
                await expect(stalled).to_have_text("1")
                offer = page.locator("[data-widget=offer] [data-testid=value]")
                await expect(offer).to_have_text("2")
                grid = page.locator("fw-grid")
                for label in LABELS[lang]:
                    await expect(grid).to_contain_text(label)
                await expect(page.locator("[data-widget=wins]")).to_contain_text("33")
                await page.wait_for_timeout(3500)  # the controls hide
                await screenshot(page, f"pipeline-{lang}-{width}x{height}")
                assert errors == []
            finally:
                await context.close()


async def test_the_admin_page_sets_a_stall_limit(wall: Wall, browser: Browser) -> None:
    t = now_ms()
    await wall.post(
        [ev("deal.created", t - 3 * 3_600_000, deal_id="s1", agent="a1", stage="demo", amount=5)]
    )
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            context = await browser.new_context(
                viewport={"width": width, "height": height}, locale=locale
            )
            page = await context.new_page()
            try:
                await wall.login(page)
                await page.goto(f"{wall.base_url}/admin/stalls?lang={lang}")
                await expect(page.locator("[data-testid=stall-default]")).to_contain_text("168")
                if (lang, width) == ("en", 1366):
                    form = page.locator("[data-form=new-stall]")
                    await form.locator("input[name=stage]").fill("demo")
                    await form.locator("input[name=hours]").fill("2")
                    await form.locator("button[type=submit]").click()
                await expect(page.locator("tr[data-stall='default:demo']")).to_contain_text("2")
                await screenshot(page, f"admin-stalls-{lang}-{width}x{height}")
            finally:
                await context.close()
    stored = await wall.api("GET", "/v1/pipeline/stall-limits")
    assert stored["limits"] == [{"pipeline": "default", "stage": "demo", "stall_s": 7200.0}]
    await wall.post([ev("agent.login", now_ms(), agent="a1")])  # settings travel with events

    async def stalled() -> bool:
        answer = await wall.api("GET", "/v1/metrics?scope=tenant&window=live")
        return bool(answer[0]["metrics"].get("deals_stalled:demo") == 1)

    await eventually(stalled)
