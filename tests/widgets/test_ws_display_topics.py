"""A display link reads over the WebSocket exactly the topics its dashboard's widgets show
(issue 18, item 3), on both engines: a floor-wide link is granted every topic of its widgets
and of its rotation, and refused the rest of the floor (an agent no widget shows, a queue not
shown, another window, the board, alerts, call-backs, deals). A widget added to the dashboard
is readable at once on the open connection; one removed is refused from the next subscription
on, and dropped from a held subscription at the hub's re-check; a display bound to another
dashboard reads that one's topics from the re-check on. The history of a chart's series is the
only history it reads."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from app.auth.keys import Scope
from app.widgets.client import LiveClient, ws_url
from app.widgets.hub import Hub
from tests.auth.support import make_org
from tests.conftest import RunningApp
from tests.helpers import ev, make_tenant_key, now_ms


def kpi(id_: str, scope: str, window: str, metric: str = "calls_waiting") -> dict[str, Any]:
    return {"id": id_, "type": "kpi", "metric": metric, "scope": scope, "window": window}


FLOOR_WIDGETS: list[dict[str, Any]] = [
    kpi("waiting", "tenant", "15m"),
    {"id": "queues", "type": "queue_table", "window": "live", "y": 2,
     "options": {"queues": ["Sales"]}},
    {"id": "sl", "type": "chart", "metric": "service_level", "scope": "queue:Sales",
     "window": "5m", "y": 4},
    {"id": "north", "type": "leaderboard", "window": "today", "y": 6,
     "options": {"team": "North"}},
    {"id": "alerts", "type": "alerts", "scope": "queue:Sales", "y": 8},
]  # fmt: skip

SHOWN = [
    "metrics:tenant:15m",
    "metrics:queue:Sales:live",
    "metrics:queue:Sales:5m",
    "board:team:North",
    "metrics:agent:n1:today",  # an agent of the leaderboard's team
    "alerts:queue:Sales",
    "dashboards:tenant",
    "messages:tenant",
    "metrics:team:South:60m",  # on the dashboard of the rotation
]
NOT_SHOWN = [
    "metrics:agent:s1:today",  # an agent of another team
    "metrics:agent:n1:15m",  # the leaderboard's agent in another window
    "metrics:queue:Care:live",  # a queue no widget shows
    "metrics:tenant:5m",
    "metrics:team:North:15m",
    "board:tenant",
    "board:team:South",
    "alerts:tenant",
    "callbacks:tenant",
    "deals:tenant",
    "phrases:tenant",
    "messages:team:North",
]


def hub_of(app: RunningApp) -> Hub:
    fastapi = app.server.config.app
    assert isinstance(fastapi, FastAPI)
    hub: Hub = fastapi.state.hub
    return hub


def errors_of(live: LiveClient) -> set[str]:
    return {e.topic or "" for e in live.errors if e.code == "forbidden"}


async def test_a_floor_display_reads_only_what_its_widgets_show(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(
        url, {Scope.ingest, Scope.read, Scope.admin}, name=f"wall-{uuid.uuid4().hex[:8]}"
    )
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]}, ("Sales", "Care"))
    async with app_server.client(key) as http:
        south = await http.post(
            "/v1/dashboards",
            json={"name": "South", "widgets": [kpi("s", "team:South", "60m")]},
        )
        assert south.status_code == 201, south.text
        floor = await http.post(
            "/v1/dashboards",
            json={
                "name": "Floor",
                "widgets": FLOOR_WIDGETS,
                "rotation": {"dashboards": [south.json()["id"]], "every_s": 30},
            },
        )
        assert floor.status_code == 201, floor.text
        dashboard = floor.json()
        link = await http.post(f"/v1/dashboards/{dashboard['id']}/display-links", json={})
        assert link.status_code == 201, link.text
        t = now_ms() - 60_000
        sent = await http.post(
            "/v1/events",
            json=[ev("agent.login", t, agent="n1"), ev("agent.login", t, agent="s1")],
        )
        assert sent.status_code == 200, sent.text
    token = link.json()["token"]

    async with LiveClient(ws_url(app_server.base_url), token, SHOWN + NOT_SHOWN) as display:
        async with asyncio.timeout(10):
            await display.wait_for(
                lambda c: len(c.state) + len(c.errors) == len(SHOWN) + len(NOT_SHOWN)
            )
            await display.wait_for(lambda c: "n1" in c.state["board:team:North"].data)
        assert sorted(display.state) == sorted(SHOWN)
        assert errors_of(display) == set(NOT_SHOWN)

        # the Care queue gets a tile and the leaderboard goes: no reconnect needed
        widgets = [w for w in FLOOR_WIDGETS if w["id"] != "north"]
        widgets.append(kpi("care", "queue:Care", "live") | {"y": 10})
        async with app_server.client(key) as http:
            saved = await http.put(
                f"/v1/dashboards/{dashboard['id']}",
                json={
                    "name": "Floor",
                    "widgets": widgets,
                    "rotation": dashboard["rotation"],
                    "version": dashboard["version"],
                },
            )
        assert saved.status_code == 200, saved.text
        display.errors.clear()
        await display.unsubscribe("metrics:queue:Care:live", "metrics:agent:n1:today")
        await display.subscribe("metrics:queue:Care:live", "metrics:agent:n1:today")
        async with asyncio.timeout(10):
            await display.wait_for(
                lambda c: "metrics:queue:Care:live" in c.state and len(c.errors) == 1
            )
        assert errors_of(display) == {"metrics:agent:n1:today"}

        # the board the leaderboard read is still held: the re-check lets go of it
        assert "board:team:North" in display.state
        display.errors.clear()
        await hub_of(app_server)._recheck_credentials()
        async with asyncio.timeout(10):
            await display.wait_for(lambda c: len(c.errors) == 1)
        assert errors_of(display) == {"board:team:North"}
        held = [c for c in hub_of(app_server).connections if c.principal.is_display]
        assert len(held) == 1
        assert "board:team:North" not in held[0].topics
        assert "metrics:queue:Care:live" in held[0].topics  # what is shown stays


async def test_a_display_reads_the_history_of_its_charts_only(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(
        url, {Scope.ingest, Scope.read, Scope.admin}, name=f"hist-{uuid.uuid4().hex[:8]}"
    )
    await make_org(url, tenant_id, {"North": ["n1"]}, ("Sales", "Care"))
    async with app_server.client(key) as http:
        floor = await http.post("/v1/dashboards", json={"name": "F", "widgets": FLOOR_WIDGETS})
        assert floor.status_code == 201, floor.text
        link = await http.post(f"/v1/dashboards/{floor.json()['id']}/display-links", json={})
    display = {"Authorization": f"Bearer {link.json()['token']}"}

    async def history(**query: str) -> httpx.Response:
        async with app_server.client() as http:
            return await http.get("/v1/metrics/history", params=query, headers=display)

    charted = await history(metric="service_level", scope="queue:Sales", window="5m")
    assert charted.status_code == 200, charted.text
    for other in (
        {"metric": "service_level", "scope": "queue:Care", "window": "5m"},
        {"metric": "service_level", "scope": "queue:Sales", "window": "15m"},
        {"metric": "calls_waiting", "scope": "tenant", "window": "15m"},  # a KPI, not a chart
        {"metric": "aht", "scope": "agent:n1", "window": "today"},
    ):
        refused = await history(**other)
        assert refused.status_code == 403, (other, refused.text)
    async with app_server.client(key) as http:  # a reader still reads any series it may see
        any_series = await http.get(
            "/v1/metrics/history", params={"metric": "aht", "scope": "agent:n1", "window": "today"}
        )
    assert any_series.status_code == 200, any_series.text


async def test_a_display_bound_to_another_dashboard_reads_that_ones_topics(
    app_server: RunningApp,
) -> None:
    url = app_server.settings.database_url
    _, key = await make_tenant_key(
        url, {Scope.ingest, Scope.read, Scope.admin}, name=f"bind-{uuid.uuid4().hex[:8]}"
    )
    async with app_server.client(key) as http:
        ids = []
        for name, window in (("Fifteen", "15m"), ("Five", "5m")):
            made = await http.post(
                "/v1/dashboards", json={"name": name, "widgets": [kpi("k", "tenant", window)]}
            )
            assert made.status_code == 201, made.text
            ids.append(made.json()["id"])
        link = await http.post(f"/v1/dashboards/{ids[0]}/display-links", json={})
        assert link.status_code == 201, link.text
    topics = ["metrics:tenant:15m", "metrics:tenant:5m"]
    async with LiveClient(ws_url(app_server.base_url), link.json()["token"], topics) as display:
        async with asyncio.timeout(10):
            await display.wait_for(lambda c: len(c.state) + len(c.errors) == 2)
        assert list(display.state) == ["metrics:tenant:15m"]
        assert errors_of(display) == {"metrics:tenant:5m"}

        async with app_server.client(key) as http:
            moved = await http.patch(
                f"/v1/users/{link.json()['id']}", json={"dashboard_id": ids[1]}
            )
        assert moved.status_code == 200, moved.text
        display.errors.clear()
        await hub_of(app_server)._recheck_credentials()
        async with asyncio.timeout(10):
            await display.wait_for(lambda c: len(c.errors) == 1)
        assert errors_of(display) == {"metrics:tenant:15m"}
        await display.unsubscribe("metrics:tenant:5m")
        await display.subscribe("metrics:tenant:5m")
        async with asyncio.timeout(10):
            await display.wait_for(lambda c: "metrics:tenant:5m" in c.state)
