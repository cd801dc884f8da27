"""The per-agent stats table on a wall, in Chromium against the real server: names from the
roster, calls handled, AHT and occupancy as the aggregator counts them, time in state, sorting
by any column (mouse and keyboard), only whole rows with "+N more", no text under the wall's
least size, names whole, at 1366×768, 1920×1080 and 3840×2160 in English and Polish; a team
lead's table of their own team shows only that team, the floor's says it is not available."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, Page, expect

from app.auth.roles import Role
from tests.auth.support import PASSWORD, make_user
from tests.frontend.conftest import Wall, screenshot
from tests.frontend.looks import cut_or_wrapped, visible_texts
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, WALL_TEXT, browsing
from tests.helpers import ev, eventually, now_ms

EXTRA = 40  # signed-in agents of team South beyond the three with calls: more than fit


def stats(widget_id: str, x: int, w: int, team: str | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {"sort": "in_state"}
    if team:
        options["team"] = team
    return {
        "id": widget_id, "type": "agent_stats", "x": x, "y": 0, "w": w, "h": 4,
        "window": "60m", "options": options,
    }  # fmt: skip


async def floor(wall: Wall) -> int:
    """Three named agents with known figures, and EXTRA more signed in; the dashboard's id."""
    for team in ("North", "South"):
        await wall.api("POST", "/v1/teams", {"name": team})
    people = [("n-ewa", "Ewa Nowak", "North"), ("n-jan", "Jan Kowalski", "North")]
    people += [("s-ola", "Ola Wiśniewska", "South")]
    people += [(f"s-{i:03}", f"Agent Południe {i:03}", "South") for i in range(EXTRA)]
    for agent, name, team in people:
        await wall.api(
            "POST", "/v1/agents", {"external_id": agent, "display_name": name, "team": team}
        )
    t0 = now_ms() - 20 * 60_000
    s = 1000
    events = [
        # Ewa: 60 s available, one call of 120 s talk and 60 s wrap-up, then break.
        ev("agent.login", t0, agent="n-ewa"),
        ev("call.queued", t0 + 50 * s, call_id="c1", queue="Sales"),
        ev("call.answered", t0 + 60 * s, call_id="c1", agent="n-ewa"),
        ev("call.ended", t0 + 180 * s, call_id="c1"),
        ev("call.wrapup_ended", t0 + 240 * s, call_id="c1", agent="n-ewa"),
        ev("agent.state", t0 + 240 * s, agent="n-ewa", state="break", reason="Lunch"),
        # Jan: two calls (60 + 10 s, 100 + 20 s), 210 s available, then break.
        ev("agent.login", t0, agent="n-jan"),
        ev("call.queued", t0 + 30 * s, call_id="c2", queue="Sales"),
        ev("call.answered", t0 + 30 * s, call_id="c2", agent="n-jan"),
        ev("call.ended", t0 + 90 * s, call_id="c2"),
        ev("call.wrapup_ended", t0 + 100 * s, call_id="c2", agent="n-jan"),
        ev("call.queued", t0 + 200 * s, call_id="c3", queue="Sales"),
        ev("call.answered", t0 + 200 * s, call_id="c3", agent="n-jan"),
        ev("call.ended", t0 + 300 * s, call_id="c3"),
        ev("call.wrapup_ended", t0 + 320 * s, call_id="c3", agent="n-jan"),
        ev("agent.state", t0 + 400 * s, agent="n-jan", state="break", reason="Coffee"),
        # Ola: signed in first, no call.
        ev("agent.login", t0 - 60 * s, agent="s-ola"),
    ]
    events += [ev("agent.login", t0 + 600 * s + i, agent=f"s-{i:03}") for i in range(EXTRA)]
    await wall.post(sorted(events, key=lambda e: int(e["ts"])))  # aggregator time only grows
    created = await wall.api(
        "POST",
        "/v1/dashboards",
        {"name": "Agents", "widgets": [stats("all", 0, 8), stats("north", 8, 4, "North")]},
    )
    return int(created["id"])


async def rows(page: Page, widget: str) -> list[dict[str, str]]:
    table = page.locator(f"fw-grid [data-widget={widget}] fw-agent-stats")
    result: list[dict[str, str]] = await table.locator("tbody tr").evaluate_all(
        """(rows) => rows.map((r) => Object.fromEntries([
             ["agent", r.dataset.agent], ["state_id", r.dataset.state],
             ["name", r.querySelector(".name").textContent.trim()],
             ...[...r.querySelectorAll("td[data-key]")].map((c) =>
               [c.dataset.key, c.textContent.trim()]),
           ]))"""
    )
    return result


async def test_the_table_shows_each_agents_figures_and_sorts(wall: Wall, page: Page) -> None:
    dashboard = await floor(wall)
    await wall.login(page)
    await page.goto(f"{wall.base_url}/d/{dashboard}")
    north = page.locator("fw-grid [data-widget=north] fw-agent-stats")
    await expect(north.locator("tbody tr")).to_have_count(2)

    async def figures_arrived() -> bool:
        shown = {r["name"]: r for r in await rows(page, "north")}
        return shown.get("Jan Kowalski", {}).get("handled") == "2"

    await eventually(figures_arrived)
    by_name = {r["name"]: r for r in await rows(page, "north")}
    assert set(by_name) == {"Ewa Nowak", "Jan Kowalski"}  # names, not ids; no South agent
    assert by_name["Ewa Nowak"]["handled"] == "1"
    assert by_name["Ewa Nowak"]["aht"] == "3:00"  # (120 + 60) / 1
    assert by_name["Ewa Nowak"]["occupancy"] == "75.0%"  # 180 / (180 + 60)
    assert by_name["Jan Kowalski"]["aht"] == "1:35"  # (60 + 10 + 100 + 20) / 2
    assert by_name["Jan Kowalski"]["occupancy"] == "47.5%"  # 190 / (190 + 210)
    assert by_name["Ewa Nowak"]["state_id"] == "break"
    minutes = int(by_name["Ewa Nowak"]["in_state"].split(":")[0])
    assert 15 <= minutes <= 17, by_name["Ewa Nowak"]["in_state"]

    # Longest in state first: Ewa went on break before Jan.
    assert [r["name"] for r in await rows(page, "north")] == ["Ewa Nowak", "Jan Kowalski"]
    handled = north.locator("th[data-key=handled]")
    await handled.click()
    await expect(handled).to_have_attribute("aria-sort", "descending")
    assert [r["name"] for r in await rows(page, "north")] == ["Jan Kowalski", "Ewa Nowak"]
    await handled.press("Enter")
    await expect(handled).to_have_attribute("aria-sort", "ascending")
    assert [r["name"] for r in await rows(page, "north")] == ["Ewa Nowak", "Jan Kowalski"]
    name = north.locator("th[data-key=name]")
    await name.focus()
    await page.keyboard.press(" ")
    await expect(name).to_have_attribute("aria-sort", "ascending")

    everyone = [r["name"] for r in await rows(page, "all")]
    assert everyone[0] == "Ola Wiśniewska"  # signed in first, never left available
    assert not any(n.startswith(("n-", "s-")) for n in everyone), everyone


async def test_a_wall_of_agent_stats_reads_from_across_a_room(wall: Wall, browser: Browser) -> None:
    dashboard = await floor(wall)
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                page = seen.page
                await wall.login(page)
                await page.goto(f"{wall.base_url}/d/{dashboard}?wall=1&lang={lang}")
                table = page.locator("fw-grid [data-widget=all] fw-agent-stats")
                await expect(table.get_by_test_id("more")).to_be_visible()
                await expect(table.locator("td[data-key=handled]").first).not_to_have_text("—")
                await page.wait_for_timeout(500)  # the table settles (the controls are skipped)
                name = f"look-agent-stats-{lang}-{width}x{height}"
                await screenshot(page, name)

                floor_px = WALL_TEXT * height
                small = [
                    (t.where, t.text[:30], round(t.size, 1))
                    for t in await visible_texts(page, (".controls", "fw-locale-switch"))
                    if t.size < floor_px - 0.05
                ]
                assert not small, f"{name}: text under {floor_px:.1f} px: {small}"
                half = await table.evaluate(
                    """(host) => {
                      const root = host.shadowRoot;
                      const box = root.querySelector(".rows").getBoundingClientRect();
                      return [...root.querySelectorAll("tbody tr")]
                        .filter((r) => r.getBoundingClientRect().bottom > box.bottom + 0.5)
                        .map((r) => r.textContent.trim());
                    }"""
                )
                assert half == [], f"{name}: rows not whole: {half}"
                shown = await table.locator("tbody tr").count()
                more = await table.get_by_test_id("more").inner_text()
                assert str(EXTRA + 3 - shown) in more, (shown, more)
                assert await cut_or_wrapped(page, "fw-agent-stats", "td.name") == [], name
                assert await cut_or_wrapped(page, "fw-agent-stats", "th") == [], name
                header = "W stanie" if lang == "pl" else "In state"
                in_state = table.locator("th[data-key=in_state]")
                await expect(in_state).to_have_text(header, ignore_case=True)
                await expect(in_state).to_have_attribute("aria-sort", "descending")
                assert seen.errors == [], seen.errors


async def test_a_team_lead_sees_only_their_team(wall: Wall, page: Page) -> None:
    dashboard = await floor(wall)
    await make_user(
        wall.app.settings.database_url, wall.tenant_id, "north_lead", Role.team_lead,
        teams=("North",),
    )  # fmt: skip
    await page.goto(f"{wall.base_url}/login")
    await page.fill("input[name=tenant]", wall.tenant)
    await page.fill("input[name=username]", "north_lead")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("fw-grid")
    # The tenant-wide dashboard is the admin's; the lead's own team dashboard holds the table.
    made = await wall.api(
        "POST",
        "/v1/dashboards",
        {"name": "North agents", "team": "North",
         "widgets": [stats("north", 0, 6, "North"), stats("all", 6, 6)]},
    )  # fmt: skip
    assert made["id"] != dashboard
    await page.goto(f"{wall.base_url}/d/{made['id']}")
    north = page.locator("fw-grid [data-widget=north] fw-agent-stats")
    await expect(north.locator("tbody tr")).to_have_count(2)
    await expect(north).not_to_contain_text("Ola")
    await expect(page.locator("fw-grid [data-widget=all] fw-agent-stats")).to_have_attribute(
        "refused", ""
    )
    await screenshot(page, "agent-stats-team-lead")
