"""Topics follow what the user may see: a team lead gets its team's topics and the floor-wide
ones, and is refused the other teams', their agents' and the tenant-wide board (both engines)."""

from __future__ import annotations

import asyncio
import uuid

import orjson

from app.auth.roles import Role
from app.widgets.client import LiveClient, ws_url
from tests.auth.support import make_org, make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import ev, make_tenant_key, now_ms

ALLOWED = [
    "metrics:tenant:15m",
    "metrics:queue:Sales:live",
    "metrics:team:North:15m",
    "metrics:agent:n1:live",
    "board:team:North",
    "alerts:team:North",
]
REFUSED = [
    "metrics:team:South:15m",
    "metrics:agent:s1:live",
    "board:team:South",
    "board:tenant",
    "board:queue:Sales",
    "alerts:tenant",
]


async def test_a_team_lead_sees_only_its_team_and_the_floor(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url, name=f"scope-{uuid.uuid4().hex[:8]}")
    await make_org(url, tenant_id, {"North": ["n1"], "South": ["s1"]})
    lead = await make_user(url, tenant_id, "lead", Role.team_lead, teams=("North",))
    token = await make_token(url, lead)
    t = now_ms() - 60_000
    async with app_server.client(key) as http:
        logins = [ev("agent.login", t, agent="n1"), ev("agent.login", t, agent="s1")]
        reply = await http.post("/v1/events", content=orjson.dumps(logins))
        assert reply.status_code == 200, reply.text

    async with LiveClient(ws_url(app_server.base_url), token.token, ALLOWED + REFUSED) as live:
        async with asyncio.timeout(10):
            await live.wait_for(
                lambda c: len(c.state) == len(ALLOWED) and len(c.errors) == len(REFUSED)
            )
            await live.wait_for(lambda c: "n1" in c.state["board:team:North"].data)
    assert sorted(live.state) == sorted(ALLOWED)
    assert sorted((e.topic or "", e.code) for e in live.errors) == sorted(
        (topic, "forbidden") for topic in REFUSED
    )
    assert list(live.state["board:team:North"].data) == ["n1"]
