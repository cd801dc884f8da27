"""The `targets:` topics over real HTTP and WebSocket on both engines: each agent's day plan
(standard scenario) for today beside the agent's live figure, only day plans of agents on
plannable counters, a plan change arriving as a delta, and scoping (a team lead and a team's
display link get their team's targets only, never the tenant's or another team's)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from app.auth.keys import Scope
from app.auth.roles import Role
from app.widgets.client import LiveClient, ws_url
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import earlier_today_ms, ev, make_tenant_key

NORTH = ["targets:team:North"]
FLOOR = ["targets:tenant", "targets:team:South"]
N1_FIGURES = "metrics:agent:n1:today"


def plan(
    metric: str, scope: str, standard: float, period: str = "day", **more: Any
) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    body: dict[str, Any] = {
        "metric": metric,
        "scope": scope,
        "period": period,
        "start_date": (today - timedelta(days=1)).isoformat(),
        "end_date": (today + timedelta(days=1)).isoformat(),
        "standard": standard,
    }
    body.update(more)
    return body


async def test_targets_scoping_and_changes(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(
        url, {Scope.ingest, Scope.read, Scope.admin}, name=f"targets-{uuid.uuid4().hex[:8]}"
    )
    await make_org(url, tenant_id, {"North": ["n1", "n2"], "South": ["s1"]})
    lead = await make_user(url, tenant_id, "nl", Role.team_lead, teams=("North",))
    lead_token = (await make_token(url, lead)).token
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    async with app_server.client(key) as http:
        plans = [
            plan("deals_won", "agent:n1", 4, minimum=2, maximum=6),
            plan("revenue", "agent:n1", 1000),  # replaced by the newer plan below
            plan("revenue", "agent:n1", 2500),
            plan("revenue", "agent:s1", 5000),
            plan("deals_won", "agent:n2", 9, period="week"),  # not a day plan
            plan("aht", "agent:n2", 300),  # not a counter a leaderboard shows
            plan("deals_won", "team:North", 20),  # not a person's
            {**plan("deals", "agent:n2", 3), "end_date": yesterday},  # over
        ]
        created = []
        for body in plans:
            reply = await http.post("/v1/plans", json=body)
            assert reply.status_code == 201, reply.text
            created.append(reply.json())
        # each team's wall asks for every target list the test reads; its scope decides
        widgets = [
            {
                "id": f"t{i}",
                "type": "leaderboard",
                "window": "today",
                "options": {"targets": True, **({"team": team} if team else {})},
            }
            for i, team in enumerate(("North", None, "South"))
        ]
        made = {}
        for name, team in (("N", "North"), ("S", "South")):
            reply = await http.post(
                "/v1/dashboards", json={"name": name, "team": team, "widgets": widgets}
            )
            assert reply.status_code == 201, reply.text
            made[team] = reply.json()
        north, south = made["North"], made["South"]
        north_link = await http.post(f"/v1/dashboards/{north['id']}/display-links", json={})
        south_link = await http.post(f"/v1/dashboards/{south['id']}/display-links", json={})
        t = await earlier_today_ms(600_000, 120_000)
        events = [ev("agent.login", t, agent="n1")]
        for i, amount in enumerate((400, 350.5, 1000)):
            events.append(
                ev("deal.won", t + 1000 * (i + 1), deal_id=f"W-{i}", agent="n1", amount=amount)
            )
        sent = await http.post("/v1/events", content=orjson.dumps(events))
        assert sent.status_code == 200, sent.text
        assert sent.json()["accepted"] == len(events), sent.text
    assert north_link.status_code == south_link.status_code == 201
    async with app_server.client(north_link.json()["token"]) as wall_http:
        for path in ("/v1/plans", "/v1/plans/progress", f"/v1/plans/{created[0]['id']}"):
            assert (await wall_http.get(path)).status_code == 403, path  # the socket only
    today = datetime.now(UTC).date().isoformat()
    n1_targets = {"deals_won": 4.0, "revenue": 2500.0}

    base = ws_url(app_server.base_url)
    async with (
        LiveClient(base, key, [*FLOOR, *NORTH, N1_FIGURES]) as floor,
        LiveClient(base, lead_token, [*NORTH, *FLOOR, N1_FIGURES]) as lead_live,
        LiveClient(base, north_link.json()["token"], [*NORTH, *FLOOR]) as north_wall,
        LiveClient(base, south_link.json()["token"], [*NORTH, *FLOOR]) as south_wall,
    ):
        async with asyncio.timeout(15):
            await floor.wait_for(
                lambda c: (
                    all(t in c.state for t in FLOOR + NORTH)
                    and (c.state[N1_FIGURES].data.get("deals_won") or 0) == 3
                )
            )
            for live in (lead_live, north_wall):
                await live.wait_for(lambda c: len(c.errors) == len(FLOOR) and NORTH[0] in c.state)
            await south_wall.wait_for(
                lambda c: len(c.errors) == 2 and "targets:team:South" in c.state
            )
            await lead_live.wait_for(lambda c: N1_FIGURES in c.state)
        figures = floor.state[N1_FIGURES].data
        assert (figures["deals_won"], figures["revenue"]) == (3, 1750.5)
        assert floor.state["targets:tenant"].data == {
            "date": today,
            "period": "day",
            "agents": {"n1": n1_targets, "s1": {"revenue": 5000.0}},
        }
        assert floor.state["targets:team:South"].data["agents"] == {"s1": {"revenue": 5000.0}}
        for live in (floor, lead_live, north_wall):
            assert live.state["targets:team:North"].data == {
                "date": today,
                "period": "day",
                "agents": {"n1": n1_targets},
            }
        assert lead_live.state[N1_FIGURES].data["deals_won"] == 3
        refused = {(e.topic, e.code) for live in (lead_live, north_wall) for e in live.errors}
        assert refused == {(topic, "forbidden") for topic in FLOOR}
        south_refused = {(e.topic, e.code) for e in south_wall.errors}
        assert south_refused == {
            ("targets:tenant", "forbidden"),
            ("targets:team:North", "forbidden"),
        }
        assert south_wall.state["targets:team:South"].data["agents"] == {"s1": {"revenue": 5000.0}}

        # a changed plan reaches the walls at once; a deleted one goes
        async with app_server.client(key) as http:
            changed = await http.put(
                f"/v1/plans/{created[0]['id']}", json=plan("deals_won", "agent:n1", 5)
            )
            assert changed.status_code == 200, changed.text
            gone = await http.delete(f"/v1/plans/{created[3]['id']}")
            assert gone.status_code == 204
        async with asyncio.timeout(3):  # the cache lives 5 s: this is the change's own signal
            await north_wall.wait_for(
                lambda c: c.state["targets:team:North"].data["agents"]["n1"]["deals_won"] == 5
            )
            await south_wall.wait_for(lambda c: c.state["targets:team:South"].data["agents"] == {})
            await floor.wait_for(
                lambda c: (
                    c.state["targets:tenant"].data["agents"]
                    == {"n1": {"deals_won": 5.0, "revenue": 2500.0}}
                )
            )
