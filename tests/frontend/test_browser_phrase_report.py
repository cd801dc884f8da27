"""The reports page shows the phrase metrics: after a call with transcript segments was posted
over HTTP, the agent report's table has a column per phrase list metric, labelled from the
metric catalog in English and Polish, the metric picker offers them and the chart draws one.
Screenshots at 1366×768, 1920×1080 and 3840×2160 in both languages go to
artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.helpers import earlier_today_ms, ev, eventually

SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]
LISTS = [
    {"name": "powitanie", "kind": "required", "role": "agent",
     "phrases": ["Dzień dobry", "nazywam się*"]},
    {"name": "obietnice", "kind": "banned", "role": "agent", "phrases": ["gwarantuję*"]},
]  # fmt: skip
LABELS = {
    "en": ("Phrase hits: powitanie", "Script adherence: powitanie", "Calls with banned phrases"),
    "pl": ("Wykryte frazy: powitanie", "Zgodność ze skryptem: powitanie",
           "Rozmowy z zakazanymi frazami"),
}  # fmt: skip
SPAN_MS = 120_000


def morning(t0: int) -> list[dict[str, Any]]:
    """Two calls of agent `a1`: one greets by the script, one promises what it must not."""
    out: list[dict[str, Any]] = []
    lines = {
        "c1": "Dzień dobry, nazywam się Anna.",
        "c2": "Dzien dobry. Gwarantuję, że będzie taniej.",
    }
    for n, (call, text) in enumerate(lines.items()):
        at = t0 + n * 60_000
        out += [
            ev("call.queued", at, call_id=call, queue="Sales"),
            ev("call.answered", at + 2000, call_id=call, agent="a1"),
            ev("call.transcript", at + 5000, call_id=call, role="agent", text=text,
               offset_ms=3000),
            ev("call.ended", at + 30_000, call_id=call),
            ev("call.wrapup_ended", at + 40_000, call_id=call, agent="a1"),
        ]  # fmt: skip
    return out


async def test_reports_show_phrase_metrics_in_english_and_polish(wall: Wall, page: Page) -> None:
    for body in LISTS:
        await wall.api("POST", "/v1/phrase-lists", body)
    await wall.post(morning(await earlier_today_ms(5 * 60_000, SPAN_MS)))

    async def counted() -> bool:
        got = await wall.api("GET", "/v1/reports/kpi?group_by=agent&from=today&to=today")
        rows = [r for r in got["rows"] if r["agent"] == "a1"]
        return bool(rows) and rows[0]["metrics"].get("script_adherence:powitanie") == 0.5

    await eventually(counted, timeout=30)
    report = await wall.api("GET", "/v1/reports/kpi?group_by=agent&from=today&to=today")
    day = report["rows"][0]["period"]
    a1 = next(r for r in report["rows"] if r["agent"] == "a1")["metrics"]
    assert (a1["phrase_hits:powitanie"], a1["banned_calls"], a1["calls_with:obietnice"]) == (
        3,
        1,
        1,
    )

    await wall.login(page)
    await page.goto(f"{wall.base_url}/reports")
    await expect(page.locator("[data-testid=report-table]")).to_be_visible()
    await page.select_option("select[name=group_by]", "agent")
    row = page.locator("[data-testid=report-table] tbody tr", has_text=day).filter(has_text="a1")
    await expect(row.locator("td[data-metric='phrase_hits:powitanie']")).to_have_text("3")
    await expect(row.locator("td[data-metric='script_adherence:powitanie']")).to_have_text("50.0%")
    await expect(row.locator("td[data-metric=banned_calls]")).to_have_text("1")
    await page.select_option("select[name=metric]", "script_adherence:powitanie")
    await expect(page.locator("[data-testid=report-chart] canvas")).to_have_count(1)
    for lang, (hits, adherence, banned) in LABELS.items():
        await page.click(f"fw-locale-switch [data-locale={lang}]")
        await expect(page.locator("th[data-column='metric:phrase_hits:powitanie']")).to_have_text(
            hits
        )
        await expect(page.locator("th[data-column='metric:banned_calls']")).to_have_text(banned)
        await expect(page.locator("section h2").first).to_have_text(adherence)
        picker = page.locator("select[name=metric] option[value='script_adherence:powitanie']")
        await expect(picker).to_have_text(adherence)
        cell = row.locator("td[data-metric='phrase_hits:powitanie']")
        await cell.scroll_into_view_if_needed()
        for width, height in SIZES:
            await page.set_viewport_size({"width": width, "height": height})
            await cell.scroll_into_view_if_needed()
            await screenshot(page, f"reports-phrases-{lang}-{width}x{height}")

    # plans target the metrics every report row has, not the per-list ones
    await page.click("[data-nav=plans]")
    await expect(page).to_have_url(f"{wall.base_url}/plans")
    metric = page.locator("select[name=metric]").first
    await expect(metric.locator("option[value=banned_calls]")).to_have_count(1)
    await expect(metric.locator("option[value=phrase_hits]")).to_have_count(0)
    await expect(metric.locator("option[value=script_adherence]")).to_have_count(0)
