"""Done-when of issue 19, live: a queue given `wrapup_s = 30` through the admin API, calls that
end with no `call.wrapup_ended`, and the real app under the wall clock (both engines).

Two calls of one agent are posted as they happened (the second ends shortly before its
wrap-up runs out): the agent is in wrap-up after each call and back in `available` exactly
30 s after each call ended - the second with nothing but wall-clock time passing, on the live
board; the first in the agent's state history. AHT holds 30 s of wrap-up per call."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from app.auth.roles import Role
from app.core.db import Database
from app.facts.models import AgentStateFactRow
from app.streams.worker import CATCH_UP_CHECKPOINT_S
from tests.auth.support import make_token, make_user
from tests.conftest import RunningApp
from tests.helpers import ev, eventually, make_tenant_key

S = 1000
TALK_S = 20
WRAPUP_S = 30
LEFT_S = 6  # the second call's wrap-up still runs this long when its events are posted


async def board(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    got = (await client.get("/v1/agents")).json()
    return {row["agent"]: row for row in got["agents"]}


def since(row: dict[str, Any]) -> int:
    return int(datetime.fromisoformat(row["since"]).timestamp() * S)


async def states(database_url: str, tenant_id: int) -> list[tuple[str, int, int]]:
    db = Database(database_url)
    try:
        async with db.session() as session:
            rows = await session.scalars(
                select(AgentStateFactRow)
                .where(AgentStateFactRow.tenant_id == tenant_id)
                .order_by(AgentStateFactRow.start_ms)
            )
            return [(r.state, r.start_ms, r.end_ms) for r in rows]
    finally:
        await db.close()


def call(call_id: str, answer: int) -> list[dict[str, Any]]:
    return [
        ev("call.queued", answer - 5 * S, call_id=call_id, queue="hotline"),
        ev("call.answered", answer, call_id=call_id, agent="ann"),
        ev("call.ended", answer + TALK_S * S, call_id=call_id),
    ]


async def test_a_wrapup_limit_sends_the_agent_back_30_s_after_each_call(
    app_server: RunningApp,
) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url, name=f"wrap-{uuid.uuid4().hex[:8]}")
    admin = await make_token(url, await make_user(url, tenant_id, "root", Role.admin))
    async with app_server.client(admin.token) as client:
        made = await client.post("/v1/queues", json={"name": "hotline", "wrapup_s": WRAPUP_S})
        assert made.status_code == 201, made.text

    end2 = int(time.time() * S) - (WRAPUP_S - LEFT_S) * S
    answer2 = end2 - TALK_S * S
    end1 = answer2 - 5 * S - WRAPUP_S * S  # available for 5 s between the calls
    answer1 = end1 - TALK_S * S
    async with app_server.client(key) as client:
        posted = await client.post("/v1/events", json=[*call("c1", answer1), *call("c2", answer2)])
        assert posted.json()["accepted"] == 6, posted.text

        async def in_wrapup() -> bool:
            return (await board(client)).get("ann", {}).get("state") == "wrapup"

        await eventually(in_wrapup, timeout=LEFT_S / 2)
        row = (await board(client))["ann"]
        assert (row["call_id"], since(row)) == ("c2", end2)

        async def available() -> bool:
            return bool((await board(client))["ann"]["state"] == "available")

        await eventually(available, timeout=LEFT_S + 10, interval=0.2)
        assert since((await board(client))["ann"]) == end2 + WRAPUP_S * S
        got = await client.get("/v1/metrics", params={"scope": "queue:hotline", "window": "15m"})
    metrics = got.json()[0]["metrics"]
    assert metrics["handled"] == 2
    assert (metrics["talk_time"], metrics["wrapup_time"]) == (TALK_S, WRAPUP_S)
    assert metrics["aht"] == TALK_S + WRAPUP_S

    expected = [
        ("on_call", answer1, end1),
        ("wrapup", end1, end1 + WRAPUP_S * S),
        ("available", end1 + WRAPUP_S * S, answer2),
        ("on_call", answer2, end2),
        ("wrapup", end2, end2 + WRAPUP_S * S),
    ]

    async def history_written() -> bool:
        return len(await states(url, tenant_id)) >= len(expected)

    # the redis worker takes a partition whose last event is older than CATCH_UP_LAG_MS for
    # one catching up, and writes its facts only every CATCH_UP_CHECKPOINT_S
    await eventually(history_written, timeout=CATCH_UP_CHECKPOINT_S + 10, interval=0.5)
    assert await states(url, tenant_id) == expected
