"""The `funnel:` topics over real HTTP and WebSocket on both engines: exact counts for a
scripted day of deals (the floor's funnel of a pipeline and each team's part), a stage change
arriving as a delta, malformed topics, and scoping (a team lead and a team's display link read
their own team's funnel and the floor's, never another team's)."""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import orjson

from app.auth.keys import Scope
from app.auth.roles import Role
from app.facts.calendar import DAY_MS
from app.widgets.client import LiveClient, Update, ws_url
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import ev, make_tenant_key, now_ms

FLOOR = "funnel:pipeline:default:today"
NORTH = "funnel:team:North:pipeline:default:today"
SOUTH = "funnel:team:South:pipeline:default:today"
MONTH = "funnel:pipeline:default:month"
BAD = ["funnel:pipeline:default:yesterday", "funnel:team:North:today", "funnel:tenant:today"]


async def send(app: RunningApp, key: str, events: list[dict[str, Any]]) -> None:
    async with app.client(key) as http:
        reply = await http.post("/v1/events", content=orjson.dumps(events))
    assert reply.status_code == 200, reply.text
    assert reply.json()["accepted"] == len(events), reply.text


def day_of_deals(start: int) -> list[dict[str, Any]]:
    """Five deals of pipeline `default` (North: n1, n2; South: s1) and one of `other`, one
    event a millisecond from `start`."""
    script: list[tuple[str, dict[str, Any]]] = [
        ("deal.created", {"deal_id": "D1", "agent": "n1", "stage": "new", "amount": 100}),
        ("deal.created", {"deal_id": "D2", "agent": "n1", "stage": "new"}),
        ("deal.created", {"deal_id": "D3", "agent": "s1", "stage": "new"}),
        ("deal.created", {"deal_id": "D4", "agent": "s1", "stage": "new"}),
        ("deal.created", {"deal_id": "D5", "agent": "n2", "stage": "new"}),
        ("deal.created", {"deal_id": "X1", "agent": "n1", "stage": "new", "pipeline": "other"}),
        ("deal.stage_changed", {"deal_id": "D1", "stage": "qualified"}),
        ("deal.stage_changed", {"deal_id": "D2", "stage": "qualified"}),
        ("deal.stage_changed", {"deal_id": "D3", "stage": "qualified"}),
        ("deal.stage_changed", {"deal_id": "D1", "stage": "proposal"}),
        ("deal.stage_changed", {"deal_id": "D3", "stage": "proposal"}),
        ("deal.stage_changed", {"deal_id": "D5", "stage": "proposal"}),  # skips qualified
        ("deal.lost", {"deal_id": "D2", "reason": "price"}),
        ("deal.won", {"deal_id": "D1", "amount": 120}),
        ("deal.won", {"deal_id": "D5", "amount": 80}),
        ("deal.won", {"deal_id": "X1", "amount": 10}),
    ]
    return [ev(kind, start + i, **fields) for i, (kind, fields) in enumerate(script)]


def counts(data: dict[str, Any], field: str) -> list[tuple[str, int]]:
    return [(step["stage"], step[field]) for step in data["steps"]]


async def test_funnel_counts_deltas_and_scoping(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(
        url, {Scope.ingest, Scope.read, Scope.admin}, name=f"funnel-{uuid.uuid4().hex[:8]}"
    )
    await make_org(url, tenant_id, {"North": ["n1", "n2"], "South": ["s1"]})
    lead = await make_user(url, tenant_id, "nl", Role.team_lead, teams=("North",))
    lead_token = (await make_token(url, lead)).token
    async with app_server.client(key) as http:
        # the team's wall asks for every funnel the test reads; only its scope's are granted
        widgets = [
            {"id": f"f{i}", "type": "funnel", "options": {"team": team} if team else {}}
            for i, team in enumerate(("North", None, "South"))
        ]
        north = await http.post(
            "/v1/dashboards", json={"name": "N", "team": "North", "widgets": widgets}
        )
        assert north.status_code == 201, north.text
        north = north.json()
        link = await http.post(f"/v1/dashboards/{north['id']}/display-links", json={})
    assert link.status_code == 201, link.text
    display_token = link.json()["token"]

    now = now_ms()
    start = max(now - 60_000, now - now % DAY_MS + 1)  # today in UTC, the tenant's zone
    await send(app_server, key, day_of_deals(start))

    def complete(c: LiveClient, topic: str, created: int) -> bool:
        copy = c.state.get(topic)
        return (
            copy is not None
            and copy.data.get("created") == created
            and any(s["stage"] == "won" and s["any_path"] for s in copy.data["steps"])
        )

    mine = [NORTH, FLOOR, SOUTH]
    updates: list[tuple[str, str]] = []

    def record(update: Update) -> None:
        updates.append((update.topic, update.kind))

    async with (
        LiveClient(ws_url(app_server.base_url), key, [FLOOR, NORTH, SOUTH, MONTH, *BAD]) as floor,
        LiveClient(ws_url(app_server.base_url), lead_token, mine) as lead_live,
        LiveClient(ws_url(app_server.base_url), display_token, mine, on_update=record) as display,
    ):
        async with asyncio.timeout(30):
            await floor.wait_for(
                lambda c: (
                    complete(c, FLOOR, 5)
                    and complete(c, NORTH, 3)
                    and complete(c, MONTH, 5)
                    and SOUTH in c.state
                    and len(c.errors) == len(BAD)
                )
            )
            for live in (lead_live, display):
                await live.wait_for(lambda c: complete(c, NORTH, 3) and complete(c, FLOOR, 5))
                await live.wait_for(lambda c: any(e.topic == SOUTH for e in c.errors))
            floor_first = copy.deepcopy(floor.state[FLOOR].data)
            north_first = copy.deepcopy(floor.state[NORTH].data)
            south_first = copy.deepcopy(floor.state[SOUTH].data)
            month = copy.deepcopy(floor.state[MONTH].data)
            # D4 moves on: the funnels show it within the feed's refresh, as a delta
            await send(app_server, key, [ev("deal.stage_changed", now_ms(), deal_id="D4",
                                            stage="qualified")])  # fmt: skip
            await floor.wait_for(
                lambda c: counts(c.state[SOUTH].data, "any_path")[1] == ("qualified", 2)
            )
            await display.wait_for(
                lambda c: counts(c.state[FLOOR].data, "any_path")[1] == ("qualified", 4)
            )
        south_after = copy.deepcopy(floor.state[SOUTH].data)
        north_seen = display.state[NORTH].data
        refused = {(e.topic, e.code) for live in (lead_live, display) for e in live.errors}
        bad = {(e.topic, e.code) for e in floor.errors}

    assert counts(floor_first, "any_path") == [
        ("new", 5), ("qualified", 3), ("proposal", 3), ("won", 2)
    ]  # fmt: skip
    assert counts(floor_first, "in_order") == [
        ("new", 5), ("qualified", 3), ("proposal", 2), ("won", 1)
    ]  # fmt: skip
    steps = floor_first["steps"]
    assert [s["any_path_next"] for s in steps] == [3 / 5, 3 / 3, 2 / 3, None]
    assert [s["in_order_next"] for s in steps] == [3 / 5, 2 / 3, 1 / 2, None]
    assert [s["in_order_cumulative"] for s in steps] == [1.0, 3 / 5, 2 / 5, 1 / 5]
    today = floor_first["from"]
    assert (floor_first["pipeline"], floor_first["team"], floor_first["period"]) == (
        "default", None, "today"
    )  # fmt: skip
    assert floor_first["to"] == today
    assert (month["period"], month["from"][-2:], month["created"]) == ("month", "01", 5)

    assert north_first["team"] == "North"
    assert counts(north_first, "any_path") == [
        ("new", 3), ("qualified", 2), ("proposal", 2), ("won", 2)
    ]  # fmt: skip
    assert counts(north_first, "in_order") == [
        ("new", 3), ("qualified", 2), ("proposal", 1), ("won", 1)
    ]  # fmt: skip
    assert south_first["created"] == 2
    assert counts(south_first, "any_path") == [
        ("new", 2), ("qualified", 1), ("proposal", 1), ("won", 0)
    ]  # fmt: skip
    assert counts(south_after, "in_order") == [
        ("new", 2), ("qualified", 2), ("proposal", 1), ("won", 0)
    ]  # fmt: skip
    assert north_seen == north_first  # the South deal's move changed nothing of North's
    assert (FLOOR, "snapshot") in updates
    assert (FLOOR, "delta") in updates  # the move reached the open wall as a delta

    assert refused == {(SOUTH, "forbidden")}
    assert bad == {(topic, "bad_topic") for topic in BAD}
