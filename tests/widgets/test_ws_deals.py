"""The `deals:` topics over real HTTP and WebSocket on both engines: the stalled deals oldest
first with owner names, a win arriving as a delta, and scoping (a team lead and a team's
display link see only their team's deals, never the tenant's or another team's)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson

from app.auth.keys import Scope
from app.auth.roles import Role
from app.widgets.client import LiveClient, Update, ws_url
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import ev, make_tenant_key, now_ms

NORTH = ["deals:team:North"]
FLOOR = ["deals:tenant", "deals:pipeline:default", "deals:team:South"]


async def send(app: RunningApp, key: str, events: list[dict[str, Any]]) -> None:
    async with app.client(key) as http:
        reply = await http.post("/v1/events", content=orjson.dumps(events))
    assert reply.status_code == 200, reply.text
    assert reply.json()["accepted"] == len(events), reply.text


async def test_stalled_deals_wins_and_scoping(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(
        url, {Scope.ingest, Scope.read, Scope.admin}, name=f"deals-{uuid.uuid4().hex[:8]}"
    )
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]})
    lead = await make_user(url, tenant_id, "nl", Role.team_lead, teams=("North",))
    lead_token = (await make_token(url, lead)).token
    async with app_server.client(key) as http:
        limits = {"limits": [{"pipeline": "default", "stage": "demo", "stall_s": 60}]}
        assert (await http.put("/v1/pipeline/stall-limits", json=limits)).status_code == 200
        # the team's wall asks for every deal list; only its team's is granted (its scope)
        widgets = [
            {"id": f"d{i}", "type": "stalled_deals", "scope": scope.removeprefix("deals:")}
            for i, scope in enumerate(NORTH + FLOOR)
        ]
        north = await http.post(
            "/v1/dashboards", json={"name": "N", "team": "North", "widgets": widgets}
        )
        assert north.status_code == 201, north.text
        north = north.json()
        link = await http.post(f"/v1/dashboards/{north['id']}/display-links", json={})
    assert link.status_code == 201, link.text
    display_token = link.json()["token"]

    t = now_ms() - 600_000
    await send(
        app_server,
        key,
        [
            ev("agent.login", t, agent="n1"),
            ev("agent.login", t, agent="s1"),
            ev("deal.created", t, deal_id="D-2", agent="n1", stage="demo", amount=900),
            ev("deal.created", t - 60_000, deal_id="D-1", agent="s1", stage="demo", amount=50),
            ev("deal.created", t, deal_id="D-3", agent="n1", stage="offer", amount=7),
        ],
    )
    updates: list[tuple[str, str, list[str]]] = []

    def record(update: Update) -> None:
        updates.append((update.topic, update.kind, sorted(update.changed)))

    async with (
        LiveClient(ws_url(app_server.base_url), key, FLOOR + NORTH) as floor,
        LiveClient(ws_url(app_server.base_url), lead_token, NORTH + FLOOR) as lead_live,
        LiveClient(
            ws_url(app_server.base_url), display_token, NORTH + FLOOR, on_update=record
        ) as display,
    ):
        async with asyncio.timeout(15):
            await floor.wait_for(
                lambda c: len(c.state) == 4 and len(c.state["deals:tenant"].data) == 2
            )
            for live in (lead_live, display):
                await live.wait_for(
                    lambda c: (
                        len(c.errors) == len(FLOOR)
                        and "deals:team:North" in c.state
                        and "D-2" in c.state["deals:team:North"].data
                    )
                )
            await send(app_server, key, [ev("deal.won", now_ms(), deal_id="D-2", amount=1250)])
            await display.wait_for(lambda c: "won:D-2" in c.state["deals:team:North"].data)
            await floor.wait_for(lambda c: "won:D-2" in c.state["deals:tenant"].data)
            await lead_live.wait_for(lambda c: "won:D-2" in c.state["deals:team:North"].data)

        tenant_rows = floor.state["deals:tenant"].data
        south_rows = floor.state["deals:team:South"].data
        north_rows = display.state["deals:team:North"].data
        refused = {(e.topic, e.code) for live in (lead_live, display) for e in live.errors}
    assert refused == {(topic, "forbidden") for topic in FLOOR}
    assert list(tenant_rows) == ["D-1", "won:D-2"]
    assert list(floor.state["deals:pipeline:default"].data) == list(tenant_rows)
    assert list(south_rows) == ["D-1"]
    assert list(north_rows) == ["won:D-2"]  # D-2 is won; D-3 sits in a 7-day stage
    stalled = tenant_rows["D-1"]
    assert (stalled["owner"], stalled["team"], stalled["stage"]) == ("s1", "South", "demo")
    assert (stalled["since"], stalled["limit_s"], stalled["amount"]) == (t - 60_000, 60, 50)
    won = north_rows["won:D-2"]
    assert (won["kind"], won["owner"], won["team"], won["amount"]) == ("won", "n1", "North", 1250)
    # the win reached the team's wall as a delta after its first copy; nothing else reached it
    assert ("deals:team:North", "delta", ["won:D-2"]) in updates
    assert all(topic == "deals:team:North" for topic, _, _ in updates)
