"""The leaderboard against per-person targets in Chromium against the real server: each
agent's deals won today against the agent's day plan (standard scenario) as `5 / 4`, a bar
and a percentage; an agent without a plan against the leader (the leader at 100 %); whole
rows, no text under the wall's least size and names whole at 1366×768, 1920×1080 and
3840×2160 in English and Polish (screenshots `look-leaderboard-targets-LANG-WxH`); and the
widget editor's "show targets" setting in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from tests.frontend.conftest import Wall, screenshot
from tests.frontend.looks import cut_or_wrapped, visible_texts
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, WALL_TEXT, browsing
from tests.helpers import earlier_today_ms, ev, eventually

PEOPLE = {
    "n-jan": ("Jan Kowalski", 5, 4),  # name, deals won today, day target (None: no plan)
    "n-ewa": ("Ewa Nowak", 3, 4),
    "n-ola": ("Aleksandra Wiśniewska-Kowalczyk", 2, None),
    "n-piotr": ("Piotr Zieliński", 0, 6),
}
EXPECTED = [  # best first: agent, figure cell, percentage, bar width, row class
    ("n-jan", "5 / 4", "125%", "100%", "top reached"),
    ("n-ewa", "3 / 4", "75%", "75%", ""),
    ("n-ola", "2", "40%", "40%", "relative"),  # against the leader's 5
    ("n-piotr", "0 / 6", "0%", "0%", ""),
]
TITLES = {"en": "Sales against targets", "pl": "Sprzedaż wobec planu"}
PROGRESS = {"en": "Of target", "pl": "Realizacja"}


def leaderboard(**options: Any) -> dict[str, Any]:
    return {
        "id": "targets", "type": "leaderboard", "x": 0, "y": 0, "w": 6, "h": 4,
        "window": "today", "options": {"by": "deals_won", "limit": 10, **options},
    }  # fmt: skip


async def sales_floor(wall: Wall) -> int:
    """The four agents with their wins today and day plans; the dashboard's id."""
    await wall.api("POST", "/v1/teams", {"name": "North"})
    today = datetime.now(UTC).date()
    for agent, (name, _, target) in PEOPLE.items():
        body = {"external_id": agent, "display_name": name, "team": "North"}
        await wall.api("POST", "/v1/agents", body)
        if target is not None:
            plan = {
                "metric": "deals_won", "scope": f"agent:{agent}", "period": "day",
                "start_date": (today - timedelta(days=1)).isoformat(),
                "end_date": (today + timedelta(days=1)).isoformat(),
                "minimum": target - 1, "standard": target, "maximum": target + 2,
            }  # fmt: skip
            await wall.api("POST", "/v1/plans", plan)
    t = await earlier_today_ms(300_000, 60_000)
    events = [ev("agent.login", t, agent=agent) for agent in PEOPLE]
    for agent, (_, won, _) in PEOPLE.items():
        events += [
            ev("deal.won", t + 1000 * (i + 1), deal_id=f"{agent}-{i}", agent=agent, amount=100)
            for i in range(won)
        ]
    await wall.post(sorted(events, key=lambda e: int(e["ts"])))

    async def counted() -> bool:
        answer = await wall.api("GET", "/v1/metrics?scope=tenant&window=today")
        return bool(answer[0]["metrics"].get("deals_won") == 10)

    await eventually(counted)
    created = await wall.api(
        "POST", "/v1/dashboards", {"name": "Targets", "widgets": [leaderboard(targets=True)]}
    )
    return int(created["id"])


async def table_rows(page: Page) -> list[tuple[str, str, str, str, str]]:
    host = page.locator("fw-grid [data-widget=targets] fw-leaderboard")
    found: list[list[str]] = await host.locator("tbody tr").evaluate_all(
        """(rows) => rows.map((r) => [r.dataset.agent,
             r.querySelector("td.main").textContent.trim(),
             r.querySelector(".pct").textContent.trim(), r.querySelector(".fill").style.width,
             r.className.trim()])"""
    )
    return [(a, b, c.replace("\u00a0", ""), d, e) for a, b, c, d, e in found]


async def test_each_agent_against_the_day_plan(wall: Wall, page: Page) -> None:
    dashboard = await sales_floor(wall)
    await wall.login(page)
    await page.goto(f"{wall.base_url}/d/{dashboard}")
    host = page.locator("fw-grid [data-widget=targets] fw-leaderboard")
    await expect(host.locator("tbody tr")).to_have_count(4)
    await expect(host.locator("tr[data-agent=n-jan] td.main")).to_have_text("5 / 4")
    assert await table_rows(page) == EXPECTED
    await expect(host.locator("th.progress")).to_have_text(PROGRESS["en"], ignore_case=True)
    await expect(host.locator("h2")).to_have_text(TITLES["en"])

    # a changed plan reaches the open wall without a reload
    plans = await wall.api("GET", "/v1/plans?scope=agent:n-ewa")
    plan = {k: v for k, v in plans[0].items() if k != "id"}
    await wall.api("PUT", f"/v1/plans/{plans[0]['id']}", {**plan, "standard": 6, "maximum": 8})
    await expect(host.locator("tr[data-agent=n-ewa] td.main")).to_have_text("3 / 6")
    await expect(host.locator("tr[data-agent=n-ewa] .pct")).to_have_text("50%")


async def test_a_wall_of_targets_reads_from_across_a_room(wall: Wall, browser: Browser) -> None:
    dashboard = await sales_floor(wall)
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                page = seen.page
                await wall.login(page)
                await page.goto(f"{wall.base_url}/d/{dashboard}?wall=1&lang={lang}")
                host = page.locator("fw-grid [data-widget=targets] fw-leaderboard")
                await expect(host.locator("tr[data-agent=n-piotr] td.main")).to_contain_text("6")
                await expect(host.locator("h2")).to_have_text(TITLES[lang])
                await page.wait_for_timeout(500)  # the table settles (the controls are skipped)
                name = f"look-leaderboard-targets-{lang}-{width}x{height}"
                await screenshot(page, name)
                seen_rows = [(row[0], row[1], row[2]) for row in await table_rows(page)]
                assert seen_rows == [expected[:3] for expected in EXPECTED], name
                floor_px = WALL_TEXT * height
                small = [
                    (t.where, t.text[:30], round(t.size, 1))
                    for t in await visible_texts(page, (".controls", "fw-locale-switch"))
                    if t.size < floor_px - 0.05
                ]
                assert not small, f"{name}: text under {floor_px:.1f} px: {small}"
                assert await cut_or_wrapped(page, "fw-leaderboard", "td.name") == [], name
                assert await cut_or_wrapped(page, "fw-leaderboard", "th") == [], name
                assert await cut_or_wrapped(page, "fw-leaderboard", ".pct") == [], name
                assert seen.errors == [], seen.errors


async def test_the_editor_turns_targets_on(wall: Wall, page: Page) -> None:
    created = await wall.api(
        "POST", "/v1/dashboards", {"name": "Sales", "widgets": [{**leaderboard(), "window": "60m"}]}
    )
    await wall.login(page)
    for lang, label in (("pl", "Pokaż plany"), ("en", "Show targets")):
        await page.goto(f"{wall.base_url}/d/{created['id']}?lang={lang}")
        await page.click("[data-action=edit]")
        await page.click("fw-grid [data-widget=targets] [data-action=configure]")
        setting = page.locator("fw-widget-editor input[name=targets]")
        await expect(
            page.locator("fw-widget-editor label.inline", has=page.locator("input[name=targets]"))
        ).to_contain_text(label)
        await expect(setting).not_to_be_checked()
        if lang == "pl":
            await page.click("[data-action=cancel]")
    await setting.check()
    window = page.locator("fw-widget-editor select[name=window]")
    await expect(window).to_have_value("today")
    hint = page.locator("fw-widget-editor [data-testid=targets-hint]")
    await expect(hint).to_have_count(0)
    await window.select_option("60m")
    await expect(hint).to_contain_text("today window only")
    await window.select_option("today")
    await expect(hint).to_have_count(0)
    await screenshot(page, "wall-leaderboard-targets-setting-en")
    await page.click("[data-action=save]")
    await expect(page.locator("[data-action=save]")).to_have_count(0)
    saved = await wall.api("GET", f"/v1/dashboards/{created['id']}")
    widget = saved["widgets"][0]
    assert (widget["window"], widget["options"]["targets"]) == ("today", True)
