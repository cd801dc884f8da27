"""Firing alerts reach the wall: the WebSocket `alerts:SCOPE` topics over real HTTP, on both
engines, hold the firing alerts of their scope and drop them when they resolve."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from app.widgets.client import LiveClient, ws_url
from tests.alerts.receivers import http_receiver
from tests.alerts.support import Floor, base_ms, make_floor
from tests.conftest import RunningApp
from tests.helpers import ev

S = 1000


@pytest.fixture
async def floor(app_server: RunningApp) -> AsyncIterator[Floor]:
    async with http_receiver() as receiver, make_floor(app_server, receiver) as floor:
        yield floor


def firing(client: LiveClient, topic: str) -> list[dict[str, object]]:
    state = client.state.get(topic)
    return [a for a in (state.data.values() if state else []) if a["state"] == "firing"]


async def test_alert_topics_show_firing_alerts_of_their_scope(floor: Floor) -> None:
    rule = await floor.rule(
        name="Sales queue",
        metric="calls_waiting",
        scope="queue:Sales",
        window="live",
        op=">=",
        threshold=1,
        for_s=0,
    )
    topics = ["alerts:tenant", "alerts:queue:Sales", "alerts:team:North"]
    async with LiveClient(ws_url(floor.app.base_url), floor.key, topics) as live:
        async with asyncio.timeout(10):
            await live.wait_for(lambda c: len(c.state) == 3)
        assert all(live.state[t].data == {} for t in topics)
        t0 = base_ms()
        await floor.post(ev("call.queued", t0, call_id="c1", queue="Sales"))
        async with asyncio.timeout(15):
            await live.wait_for(lambda c: len(firing(c, "alerts:tenant")) == 1)
            await live.wait_for(lambda c: len(firing(c, "alerts:queue:Sales")) == 1)
        (alert,) = firing(live, "alerts:tenant")
        assert alert["rule_id"] == rule["id"]
        assert alert["scope"] == "queue:Sales"
        assert live.state["alerts:team:North"].data == {}
        await floor.post(ev("call.answered", t0 + 5 * S, call_id="c1", agent="a1"))
        async with asyncio.timeout(15):
            await live.wait_for(lambda c: firing(c, "alerts:tenant") == [])


async def test_a_team_lead_cannot_subscribe_to_the_whole_floors_alerts(
    floor: Floor,
) -> None:
    from app.auth.roles import Role
    from tests.auth.support import make_token, make_user

    url = floor.app.settings.database_url
    lead = await make_token(
        url, await make_user(url, floor.tenant_id, "lead", Role.team_lead, teams=("North",))
    )
    async with LiveClient(
        ws_url(floor.app.base_url), lead.token, ["alerts:tenant", "alerts:team:North"]
    ) as live:
        async with asyncio.timeout(10):
            await live.wait_for(lambda c: "alerts:team:North" in c.state and bool(c.errors))
    assert "alerts:tenant" not in live.state
    assert live.errors[0].topic == "alerts:tenant"
