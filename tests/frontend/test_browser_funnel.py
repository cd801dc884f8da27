"""The funnel widget in headless Chromium against the real server: added through the editor
with a pipeline chosen from the tenant's pipelines, it shows each stage in the deals' order with
the deals counted and the step conversion; a KPI tile of `pipeline_value` on a pipeline scope
is set up in the editor too; on a wall in English and Polish at 1366×768, 1920×1080 and
3840×2160 no text is under the wall's least size, no stage name is cut and the pipeline value
(`125 000 €`) stays inside its tile (screenshots
`wall-funnel-*` in artifacts/screenshots/)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.frontend.looks import cut_or_wrapped, visible_texts
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, WALL_TEXT, browsing
from tests.helpers import ev, eventually, now_ms

STAGES = ["New lead", "Qualified", "Proposal sent", "Negotiation"]
COUNTS = ["6", "4", "3", "2", "1"]
CONVERSIONS = ["67%", "75%", "67%", "50%"]
WON = {"en": "Won", "pl": "Wygrane"}


async def deals(wall: Wall) -> None:
    """Pipeline `b2b` today: six leads, four qualified, three proposals, two in negotiation,
    one won (and 125,000 expected in the open ones); pipeline `default`: two leads."""
    await wall.api("POST", "/v1/teams", {"name": "East"})
    await wall.api("POST", "/v1/agents", {"external_id": "a1", "team": "East"})
    limits = [{"pipeline": "b2b", "stage": s, "stall_s": 86_400} for s in STAGES]
    await wall.api("PUT", "/v1/pipeline/stall-limits", {"limits": limits})
    start = now_ms() - 60_000
    events: list[dict[str, Any]] = []
    for n in range(6):
        fields = {"deal_id": f"B{n}", "agent": "a1", "pipeline": "b2b", "amount": 25_000}
        events.append(ev("deal.created", start + n, stage=STAGES[0], **fields))
        for k, stage in enumerate(STAGES[1:], 1):
            if n < 5 - k:
                events.append(ev("deal.stage_changed", start + 10 * k + n, deal_id=f"B{n}",
                                 stage=stage))  # fmt: skip
    events.append(ev("deal.won", start + 100, deal_id="B0", amount=30_000))
    events += [ev("deal.created", start + n, deal_id=f"D{n}", agent="a1") for n in range(2)]
    await wall.post(events)


async def test_the_editor_adds_a_funnel_of_a_pipeline_and_a_pipeline_value_tile(
    wall: Wall, page: Page
) -> None:
    await deals(wall)
    board = await wall.api("POST", "/v1/dashboards", {"name": "Pipeline"})
    options = await wall.api("GET", "/v1/dashboards/options")
    assert options["pipelines"] == ["b2b", "default"]
    await wall.login(page)
    await page.goto(f"{wall.base_url}/d/{board['id']}")
    await page.click("[data-action=edit]")

    await page.select_option("[data-testid=add-widget]", "funnel")
    funnel = page.locator("fw-grid [data-widget=funnel-1] fw-funnel")
    await expect(funnel.get_by_test_id("funnel-footer")).to_contain_text("2")  # default: 2 leads
    editor = page.locator("fw-widget-editor")
    await editor.locator("select[name=pipeline]").select_option("b2b")
    steps = funnel.locator(".step")
    await expect(steps).to_have_count(5)
    await expect(funnel.locator(".stage")).to_have_text([*STAGES, "Won"])
    await expect(funnel.get_by_test_id("funnel-count")).to_have_text(COUNTS)
    await expect(funnel.get_by_test_id("funnel-conversion")).to_have_text(
        [f"↓{c}" for c in CONVERSIONS]
    )
    await expect(funnel.get_by_test_id("funnel-footer")).to_contain_text("Created: 6")
    await expect(funnel.get_by_test_id("funnel-footer")).to_contain_text("17%")  # 1 of 6 won
    await editor.locator("select[name=period]").select_option("month")
    await expect(funnel.locator(".badge")).to_have_text("THIS MONTH")
    await expect(funnel.get_by_test_id("funnel-count")).to_have_text(COUNTS)

    await page.select_option("[data-testid=add-widget]", "kpi")
    await editor.locator("select[name=metric]").select_option("pipeline_value")
    await editor.locator("select[name=scope-kind]").select_option("pipeline")
    await expect(editor.locator("select[name=scope-name] option")).to_have_text(["b2b", "default"])
    await editor.locator("select[name=scope-name]").select_option("b2b")
    tile = page.locator("fw-grid [data-widget=kpi-2] fw-kpi")
    await expect(tile.locator(".value")).to_contain_text("125")  # five open deals of 25,000
    await expect(tile).to_contain_text("Pipeline: b2b")
    await screenshot(page, "edit-funnel-en")
    await page.click("[data-action=save]")
    await expect(page.locator("[data-action=save]")).to_have_count(0)

    saved = {
        w["id"]: w for w in (await wall.api("GET", f"/v1/dashboards/{board['id']}"))["widgets"]
    }
    assert saved["funnel-1"]["scope"] == "pipeline:b2b"
    assert saved["funnel-1"]["options"] == {"period": "month"}
    assert (saved["kpi-2"]["metric"], saved["kpi-2"]["scope"]) == ("pipeline_value", "pipeline:b2b")

    await page.goto(f"{wall.base_url}/d/{board['id']}?lang=pl")
    await expect(funnel.locator(".badge")).to_have_text("TEN MIESIĄC")
    await page.click("[data-action=edit]")
    await page.click("[data-widget=funnel-1] [data-action=configure]")
    await expect(editor.locator("select[name=period] option")).to_have_text(
        ["Dziś", "Ten tydzień", "Ten miesiąc"]
    )
    await expect(editor).to_contain_text("Okres")
    await screenshot(page, "edit-funnel-pl")


async def test_a_funnel_on_a_wall_reads_from_across_a_room(wall: Wall, browser: Browser) -> None:
    await deals(wall)
    await wall.api("PATCH", "/v1/tenant", {"currency": "EUR"})

    def kpi(wid: str, y: int, metric: str, window: str) -> dict[str, Any]:
        return {"id": wid, "type": "kpi", "metric": metric, "window": window,
                "scope": "pipeline:b2b", "x": 8, "y": y, "w": 4, "h": 2}  # fmt: skip

    widgets = [
        {"id": "funnel", "type": "funnel", "scope": "pipeline:b2b", "x": 0, "y": 0, "w": 8,
         "h": 3},
        {"id": "east", "type": "funnel", "scope": "pipeline:b2b", "x": 0, "y": 3, "w": 5,
         "h": 3, "options": {"team": "East", "period": "week", "count": "in_order"}},
        {"id": "default", "type": "funnel", "x": 5, "y": 3, "w": 3, "h": 3},
        kpi("stalled-count", 0, "deals_stalled", "live"),
        kpi("value", 2, "pipeline_value", "live"),
        kpi("won", 4, "deals_won", "today"),
    ]  # fmt: skip
    board = await wall.api("POST", "/v1/dashboards", {"name": "Sales", "widgets": widgets})

    async def counted() -> bool:
        answer = await wall.api("GET", "/v1/metrics?scope=pipeline:b2b&window=today")
        return bool(answer[0]["metrics"].get("deals_won") == 1)

    await eventually(counted)
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                page = seen.page
                await wall.login(page)
                await page.goto(f"{wall.base_url}/d/{board['id']}?wall=1&lang={lang}")
                for wid in ("funnel", "east"):
                    funnel = page.locator(f"fw-grid [data-widget={wid}] fw-funnel")
                    await expect(funnel.get_by_test_id("funnel-count")).to_have_text(COUNTS)
                    await expect(funnel.locator(".stage")).to_have_text([*STAGES, WON[lang]])
                default = page.locator("fw-grid [data-widget=default] fw-funnel")
                await expect(default.get_by_test_id("funnel-count")).to_have_text(["2", "0"])
                name = f"wall-funnel-{lang}-{width}x{height}"
                await screenshot(page, name)
                floor_px = WALL_TEXT * height
                small = [
                    (t.where, t.text[:30], round(t.size, 1))
                    for t in await visible_texts(page, (".controls", "fw-locale-switch"))
                    if t.size < floor_px - 0.05
                ]
                assert not small, f"{name}: text under {floor_px:.1f} px: {small}"
                assert await cut_or_wrapped(page, "fw-funnel", ".stage") == [], name
                assert await cut_or_wrapped(page, "fw-funnel", ".head span") == [], name
                assert await cut_or_wrapped(page, "fw-funnel", "h2") == [], name
                assert await values_outside_their_tiles(page) == [], name
                assert seen.errors == [], seen.errors


async def values_outside_their_tiles(page: Page) -> list[str]:
    """The KPI values whose text reaches past their tile (a long money value)."""
    found: list[str] = await page.evaluate(
        """() => {
          const tiles = [];
          const walk = (root) => root.querySelectorAll("*").forEach((el) => {
            if (el.localName === "fw-kpi") tiles.push(el);
            if (el.shadowRoot) walk(el.shadowRoot);
          });
          walk(document);
          return tiles.flatMap((tile) => {
            const value = tile.shadowRoot.querySelector(".value");
            const range = document.createRange();
            range.selectNodeContents(value);
            const text = range.getBoundingClientRect();
            const box = tile.getBoundingClientRect();
            return text.left < box.left || text.right > box.right ? [value.textContent.trim()] : [];
          });
        }"""
    )
    return found
