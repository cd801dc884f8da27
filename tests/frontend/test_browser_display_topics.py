"""A display link reads exactly what its widgets show (issue 18, item 3), held against what the
wall really does in Chromium: a TV opens a floor-wide link to a dashboard with every widget
type that rotates to a second one; every widget of both shows its data, no subscription is
refused, and the topics the page subscribed to (read off its WebSocket) are the ones the
server derives from the widgets (app/dashboards/wall_topics.py): nothing the page asks for is
outside the grant, and nothing granted goes unasked. Screenshots at 1366×768, 1920×1080 and
3840×2160 in English and Polish (`display-topics-LANG-WxH`)."""

from __future__ import annotations

import re
from typing import Any, get_args

import msgspec
import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Browser, ConsoleMessage, Page, WebSocket, expect

from app.dashboards.schemas import Widget, WidgetType
from app.dashboards.topics import parse_topic
from app.dashboards.wall_topics import WallDashboard, WallTopics, wall_topics
from tests.frontend.conftest import Wall, screenshot
from tests.frontend.test_browser_wall_look import LANGUAGES, SIZES, browsing
from tests.helpers import ev, now_ms
from tests.phrases.transcripts import LISTS, TEAMS, events

DAY = 86_400_000
MINUTE = 60_000
CALLER = "+48601234567"

EVERY_TYPE: list[dict[str, Any]] = [
    {"id": "k", "type": "kpi", "metric": "calls_waiting", "window": "live",
     "x": 0, "y": 0, "w": 3, "h": 2},
    {"id": "g", "type": "gauge", "metric": "service_level", "scope": "queue:sprzedaz",
     "x": 3, "y": 0, "w": 3, "h": 2},
    {"id": "ch", "type": "chart", "metric": "answered", "window": "60m",
     "x": 6, "y": 0, "w": 3, "h": 2},
    {"id": "fu", "type": "funnel", "x": 9, "y": 0, "w": 3, "h": 2},
    {"id": "qt", "type": "queue_table", "window": "60m", "x": 0, "y": 2, "w": 6, "h": 3},
    {"id": "ab", "type": "agent_board", "x": 6, "y": 2, "w": 6, "h": 3},
    {"id": "lb", "type": "leaderboard", "window": "today",
     "options": {"team": "bravo", "targets": True}, "x": 0, "y": 5, "w": 4, "h": 3},
    {"id": "as", "type": "agent_stats", "window": "today", "x": 4, "y": 5, "w": 4, "h": 3},
    {"id": "al", "type": "alerts", "x": 8, "y": 5, "w": 4, "h": 3},
    {"id": "cb", "type": "callbacks", "x": 0, "y": 8, "w": 4, "h": 3},
    {"id": "ph", "type": "phrases", "window": "60m", "options": {"list": "powitanie"},
     "x": 4, "y": 8, "w": 4, "h": 3},
    {"id": "sd", "type": "stalled_deals", "x": 8, "y": 8, "w": 4, "h": 3},
]  # fmt: skip
NARROWER: list[dict[str, Any]] = [
    {"id": "q2", "type": "queue_table", "window": "live", "options": {"queues": ["sales_en"]},
     "x": 0, "y": 0, "w": 6, "h": 3},
    {"id": "k2", "type": "kpi", "metric": "handled", "scope": "agent:john", "window": "today",
     "x": 6, "y": 0, "w": 3, "h": 3},
    {"id": "a2", "type": "alerts", "scope": "team:alfa", "x": 9, "y": 0, "w": 3, "h": 3},
    {"id": "c2", "type": "callbacks", "scope": "queue:sales_en", "x": 0, "y": 3, "w": 4, "h": 3},
    {"id": "s2", "type": "stalled_deals", "scope": "team:bravo", "x": 4, "y": 3, "w": 4, "h": 3},
    {"id": "b2", "type": "agent_board", "options": {"team": "alfa"},
     "x": 8, "y": 3, "w": 4, "h": 3},
    {"id": "l2", "type": "leaderboard", "window": "60m", "x": 0, "y": 6, "w": 12, "h": 3},
]  # fmt: skip


async def floor_with_data(wall: Wall) -> None:
    """Two teams of the phrase transcripts' agents, both queues, a morning of transcribed
    calls, deals closed, a stalled deal, a deal created today and a caller to call back."""
    for team in sorted(set(TEAMS.values())):
        await wall.api("POST", "/v1/teams", {"name": team})
    for agent, team in TEAMS.items():
        body = {"external_id": agent, "display_name": agent.title(), "team": team}
        await wall.api("POST", "/v1/agents", body)
    for queue in ("sprzedaz", "sales_en"):
        await wall.api("POST", "/v1/queues", {"name": queue})
    for phrase_list in LISTS:
        body = msgspec.to_builtins(phrase_list)
        body["phrases"] = list(phrase_list.phrases)
        await wall.api("POST", "/v1/phrase-lists", body)
    limits = [{"pipeline": "default", "stage": "demo", "stall_s": 86_400}]
    await wall.api("PUT", "/v1/pipeline/stall-limits", {"limits": limits})
    stream = events()
    shift = now_ms() - 1000 - stream[-1].ms
    start = stream[0].ms + shift - 1000
    await wall.post([ev("agent.login", start, agent=agent) for agent in TEAMS])
    await wall.post([{**msgspec.to_builtins(e), "ts": e.ms + shift} for e in stream])
    t = now_ms()
    await wall.post(
        [
            ev("deal.created", t - 3 * DAY, deal_id="D-1", agent="john", stage="demo", amount=900),
            ev("deal.created", t - 3 * MINUTE, deal_id="D-2", agent="kate", amount=400),
            ev("call.queued", t - 5 * MINUTE, call_id="m1", queue="sales_en", caller=CALLER),
            ev("call.abandoned", t - 4 * MINUTE, call_id="m1"),
            *(
                ev("deal.closed", t - 2 * MINUTE, agent=agent, amount=amount)
                for agent, amount in (("john", 500), ("kate", 300), ("anna", 700))
            ),
        ]
    )


async def shows_every_widget(page: Page) -> None:
    """Each widget of either dashboard with its data, whichever is on screen."""
    if await page.locator("[data-widget=k]").count():
        await expect(page.locator("[data-widget=k] [data-testid=value]")).to_have_attribute(
            "data-raw", "0"
        )
        await expect(page.locator("[data-widget=g] [data-testid=value]")).to_contain_text("%")
        await expect(page.locator("[data-widget=ch] canvas").first).to_be_attached()
        for queue in ("sprzedaz", "sales_en"):
            await expect(page.locator(f"[data-widget=qt] tr[data-queue={queue}]")).to_be_visible()
        await expect(page.locator("[data-widget=ab] [data-agent=anna]")).to_be_visible()
        await expect(page.locator("[data-widget=lb] tr[data-agent=john]")).to_be_visible()
        await expect(page.locator("[data-widget=lb] tr[data-agent=anna]")).to_have_count(0)
        await expect(page.locator("[data-widget=as] tr[data-agent=piotr]")).to_be_visible()
        await expect(page.locator("[data-widget=al] [data-testid=all-clear]")).to_be_visible()
        await expect(page.locator("[data-widget=cb] .row")).to_have_count(1)
        hits = page.locator("[data-widget=ph] [data-testid=phrase-hits]")
        await expect(hits).to_contain_text("powitanie")
        await expect(page.locator("[data-widget=sd] [data-deal=D-1]")).to_be_visible()
        created_today = page.locator("[data-widget=fu] [data-stage=new] [data-testid=funnel-count]")
        await expect(created_today).to_have_text("1", timeout=20_000)  # from the report facts
    else:
        await expect(page.locator("[data-widget=q2] tr[data-queue=sales_en]")).to_be_visible()
        await expect(page.locator("[data-widget=q2] tr[data-queue=sprzedaz]")).to_have_count(0)
        await expect(page.locator("[data-widget=k2] [data-testid=value]")).to_have_attribute(
            "data-raw", re.compile(r"^\d+$")
        )
        await expect(page.locator("[data-widget=a2] [data-testid=all-clear]")).to_be_visible()
        await expect(page.locator("[data-widget=c2] .row")).to_have_count(1)
        await expect(page.locator("[data-widget=s2] [data-deal=D-1]")).to_be_visible()
        await expect(page.locator("[data-widget=b2] [data-agent=anna]")).to_be_visible()
        await expect(page.locator("[data-widget=b2] [data-agent=john]")).to_have_count(0)
        await expect(page.locator("[data-widget=l2] tr[data-agent=kate]")).to_be_visible()
    await expect(page.locator("[data-widget] [refused]")).to_have_count(0)


def subscribed_topics(page: Page) -> set[str]:
    """Every topic the page asks its WebSocket for, from the frames it sends."""
    topics: set[str] = set()

    def frame(payload: str | bytes) -> None:
        message = msgspec.json.decode(payload)
        if isinstance(message, dict) and message.get("type") == "subscribe":
            topics.update(message["topics"])

    def socket(ws: WebSocket) -> None:
        ws.on("framesent", frame)

    page.on("websocket", socket)
    return topics


def refusals(page: Page) -> list[str]:
    """The wall's own log of topics the server refused (core/live.ts)."""
    seen: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "floorwatch live:" in message.text or message.type == "error":
            seen.append(message.text)

    page.on("console", console)
    return seen


async def derived(wall: Wall, dashboard_ids: list[int]) -> WallTopics:
    shown = []
    for id_ in dashboard_ids:
        found = await wall.api("GET", f"/v1/dashboards/{id_}")
        widgets = [Widget.model_validate(w) for w in found["widgets"]]
        shown.append(WallDashboard(found["team"], widgets, found["celebrate_wins"]))
    return wall_topics(shown)


async def test_a_display_with_every_widget_type_is_refused_nothing_it_shows(
    wall: Wall, browser: Browser
) -> None:
    await floor_with_data(wall)
    narrower = await wall.api("POST", "/v1/dashboards", {"name": "Teams", "widgets": NARROWER})
    floor = await wall.api(
        "POST",
        "/v1/dashboards",
        {
            "name": "Floor",
            "widgets": EVERY_TYPE,
            "celebrate_wins": True,
            "rotation": {"dashboards": [narrower["id"]], "every_s": 10},
        },
    )
    assert {w["type"] for w in floor["widgets"]} == set(get_args(WidgetType))
    link = await wall.api("POST", f"/v1/dashboards/{floor['id']}/display-links", {"name": "TV"})

    context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        tv = await context.new_page()
        asked = subscribed_topics(tv)
        refused = refusals(tv)
        await tv.goto(f"{wall.base_url}{link['path']}")
        name = tv.get_by_test_id("dashboard-name")
        await expect(name).to_have_text("Floor")
        await shows_every_widget(tv)
        await expect(name).to_have_text("Teams", timeout=15_000)
        await shows_every_widget(tv)
        await screenshot(tv, "display-topics-rotated-1920")
    finally:
        await context.close()
    assert refused == []

    grant = await derived(wall, [floor["id"], narrower["id"]])
    beyond = {t for t in asked if not grant.allows(parse_topic(wall.tenant_id, t), TEAMS)}
    assert beyond == set(), "the page asked for topics the server does not derive"
    unasked = grant.exact - asked
    assert unasked == set(), "the server grants topics no widget asks for"
    for window in grant.every_queue:  # the table without chosen queues: both queues
        asked_queues = {t for t in asked if t.startswith("metrics:queue:") and t.endswith(window)}
        assert asked_queues >= {f"metrics:queue:{q}:{window}" for q in ("sprzedaz", "sales_en")}
    for family in grant.agents:  # each board's agents, in the widget's window
        team_agents = {a for a, team in TEAMS.items() if family.team in (None, team)}
        wanted = {f"metrics:agent:{a}:{family.window}" for a in team_agents}
        assert wanted <= asked, family

    # the floor alone from here (the TVs below stay on it); the grant follows the saved layout
    floor = await wall.api("GET", f"/v1/dashboards/{floor['id']}")
    body = {k: floor[k] for k in ("name", "team", "widgets", "celebrate_wins", "version")}
    await wall.api("PUT", f"/v1/dashboards/{floor['id']}", body | {"rotation": None})
    for lang, locale in LANGUAGES.items():
        for width, height in SIZES:
            async with browsing(browser, width, height, locale) as seen:
                await seen.page.goto(f"{wall.base_url}/display?lang={lang}#token={link['token']}")
                await expect(seen.page.get_by_test_id("dashboard-name")).to_have_text("Floor")
                await shows_every_widget(seen.page)
                await screenshot(seen.page, f"display-topics-{lang}-{width}x{height}")
                assert seen.errors == [], seen.errors
