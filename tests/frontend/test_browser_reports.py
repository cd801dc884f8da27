"""The reports page in headless Chromium against the real server: after calls were posted over
HTTP it shows the report's numbers in its table and chart, sorts, adds plan columns where a
plan exists, speaks Polish, and its CSV link downloads the same report as CSV.
Screenshots (1920×1080) go to artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.helpers import earlier_today_ms, ev
from tests.reports.support import wait_for_calls

ANSWERED = 4
ABANDONED = 2
CALLS_SPAN_MS = 1000 + (ANSWERED - 1) * 60_000 + 45_000
"""From the first of `calls` to the last."""


def calls(t0: int) -> list[dict[str, Any]]:
    """Four answered and finished Sales calls, and two abandoned after 40 s of waiting."""
    events: list[dict[str, Any]] = [ev("agent.login", t0, agent="a1")]
    for n in range(ANSWERED):
        at = t0 + 1000 + n * 60_000
        call = f"r{n}"
        events += [
            ev("call.queued", at, call_id=call, queue="Sales"),
            ev("call.answered", at + 8000, call_id=call, agent="a1"),
            ev("call.ended", at + 40_000, call_id=call),
            ev("call.wrapup_ended", at + 45_000, call_id=call, agent="a1"),
        ]
    for n in range(ABANDONED):
        at = t0 + 2000 + n * 60_000
        call = f"x{n}"
        events += [
            ev("call.queued", at, call_id=call, queue="Sales"),
            ev("call.abandoned", at + 40_000, call_id=call),
        ]
    return sorted(events, key=lambda e: int(e["ts"]))


async def open_reports(wall: Wall, page: Page) -> None:
    await wall.login(page)
    await page.click("[data-nav=reports]")
    await expect(page).to_have_url(f"{wall.app.base_url}/reports")
    await expect(page.locator("[data-testid=report-table]")).to_be_visible()


async def test_reports_show_posted_calls_and_download_csv(
    wall: Wall, page: Page, tmp_path: Path
) -> None:
    await wall.post(calls(await earlier_today_ms(10 * 60_000, CALLS_SPAN_MS)))
    await wait_for_calls(wall.app, wall.tenant_id, ANSWERED + ABANDONED)
    today = await wall.api("GET", "/v1/reports/kpi?from=today&to=today")
    label = today["rows"][0]["period"]
    assert today["rows"][0]["metrics"]["offered"] == ANSWERED + ABANDONED

    await open_reports(wall, page)
    row = page.locator("[data-testid=report-table] tbody tr", has_text=label)
    await expect(row.locator("td[data-metric=offered]")).to_have_text(str(ANSWERED + ABANDONED))
    await expect(row.locator("td[data-metric=answered]")).to_have_text(str(ANSWERED))
    await expect(row.locator("td[data-metric=abandoned]")).to_have_text(str(ABANDONED))
    await expect(page.locator("[data-testid=report-chart] canvas")).to_have_count(1)

    # Sorting by "offered", largest first, puts today (the only day with calls) on top.
    await page.click("th[data-column='metric:offered']")
    first = page.locator("[data-testid=report-table] tbody tr").first
    await expect(first.locator("td").first).to_have_text(label)
    await expect(page.locator("th[data-column='metric:offered']")).to_have_attribute(
        "aria-sort", "descending"
    )

    await page.select_option("select[name=group_by]", "queue")
    sales = page.locator("[data-testid=report-table] tbody tr", has_text="Sales")
    await expect(sales.locator("td[data-metric=offered]")).to_have_text(str(ANSWERED + ABANDONED))
    await page.select_option("select[name=metric]", "answered")
    await page.wait_for_timeout(300)
    await screenshot(page, "reports-en")

    async with page.expect_download() as waiting:
        await page.click("[data-testid=csv]")
    download = await waiting.value
    assert download.suggested_filename.startswith("kpi_queue_day_")
    saved = tmp_path / "report.csv"
    await download.save_as(saved)
    lines = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    by_queue = {(line["period"], line["queue"]): line for line in lines}
    assert by_queue[(label, "Sales")]["offered"] == str(ANSWERED + ABANDONED)
    assert by_queue[(label, "Sales")]["answered"] == str(ANSWERED)


async def test_reports_show_plan_columns_and_speak_polish(wall: Wall, page: Page) -> None:
    await wall.post(calls(await earlier_today_ms(10 * 60_000, CALLS_SPAN_MS)))
    await wait_for_calls(wall.app, wall.tenant_id, ANSWERED + ABANDONED)
    today = await wall.api("GET", "/v1/reports/kpi?from=today&to=today")
    day = today["rows"][0]["period"]
    await wall.api(
        "POST",
        "/v1/plans",
        {
            "metric": "answered",
            "scope": "tenant",
            "period": "day",
            "start_date": day,
            "end_date": day,
            "minimum": 2,
            "standard": 10,
            "maximum": 20,
        },
    )
    await open_reports(wall, page)
    await page.click("fw-locale-switch button:text-is('PL')")
    await expect(page.locator("h1")).to_have_text("Raporty KPI")
    await expect(page.locator("th[data-column='plan:answered']")).to_be_visible()
    row = page.locator("[data-testid=report-table] tbody tr", has_text=day)
    await expect(row.locator("td[data-plan=answered]")).to_have_text("10")
    deviation = row.locator("td[data-metric=answered] + td + td")
    await expect(deviation).to_have_text(re.compile(rf"^[-−]{10 - ANSWERED}$"))
    await expect(deviation).to_have_class(re.compile(r"\bbad\b"))
    await page.select_option("select[name=metric]", "answered")
    legend = page.locator("[data-testid=report-chart] .u-legend .u-series")
    await expect(legend).to_have_count(3)
    await expect(legend.last).to_contain_text("Plan")
    await page.wait_for_timeout(300)
    await screenshot(page, "reports-pl")


async def test_a_refused_query_says_so_in_one_sentence(wall: Wall, page: Page) -> None:
    await wall.login(page)
    await page.click("[data-nav=reports]")
    await page.fill("fw-reports input[name=from]", "2026-12-05")
    await page.fill("fw-reports input[name=to]", "2026-12-01")
    error = page.locator("fw-reports section[role=alert]")
    await expect(error).to_have_text("To (2026-12-01) is before from (2026-12-05).")
