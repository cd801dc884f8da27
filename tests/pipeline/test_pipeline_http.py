"""The pipeline over the real app and real HTTP: live pipeline metrics per scope, and stall
limits set through `/v1/pipeline/stall-limits` reaching `deals_stalled` at once."""

from __future__ import annotations

from typing import Any

import httpx

from app.auth.keys import Scope
from tests.conftest import RunningApp
from tests.helpers import ev, eventually, make_tenant_key, now_ms

HOUR_MS = 3_600_000
MINUTE_MS = 60_000


async def live(client: httpx.AsyncClient, scope: str, window: str = "live") -> dict[str, Any]:
    answer = await client.get("/v1/metrics", params={"scope": scope, "window": window})
    assert answer.status_code == 200, answer.text
    metrics: dict[str, Any] = answer.json()[0]["metrics"]
    return metrics


async def test_stall_limits_api_and_their_effect(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    _, key = await make_tenant_key(url, scopes={Scope.ingest, Scope.read, Scope.admin})
    t = now_ms()
    events = [
        ev("deal.created", t - 10 * HOUR_MS, deal_id="d1", agent="ann", pipeline="b2b",
           stage="offer", amount=1000),
        ev("deal.created", t - 10 * HOUR_MS, deal_id="d2", agent="bob", pipeline="b2b",
           amount=250.5),
        ev("deal.stage_changed", t - 3 * HOUR_MS, deal_id="d2", stage="qualified"),
        ev("deal.created", t - 50 * MINUTE_MS, deal_id="d3", agent="ann", amount=40),
        ev("deal.won", t - 20 * MINUTE_MS, deal_id="d3"),
        ev("deal.lost", t - 10 * MINUTE_MS, deal_id="d4", reason="price"),
    ]  # fmt: skip
    async with app_server.client(key) as client:
        assert (await client.post("/v1/events", json=events)).status_code == 200

        async def applied() -> bool:
            return bool((await live(client, "tenant", "60m"))["deals_lost"] == 1)

        await eventually(applied)
        b2b = await live(client, "pipeline:b2b")
        assert b2b["deals_open"] == 2
        assert b2b["deals_open:offer"] == 1
        assert b2b["deals_open:qualified"] == 1
        assert b2b["pipeline_value"] == 1250.5
        assert b2b["deals_stalled"] == 0
        today = await live(client, "tenant", "60m")
        assert (today["deals_won"], today["deals_lost"], today["win_rate"]) == (1, 1, 0.5)
        assert today["time_to_close"] == 1800.0
        assert today["revenue"] == 40.0
        agent = await live(client, "agent:ann", "60m")
        assert (agent["deals_created"], agent["deals_won"], agent["deals_open"]) == (1, 1, 1)

        initial = await client.get("/v1/pipeline/stall-limits")
        assert initial.json() == {"default_s": 604800.0, "limits": []}
        limits = [
            {"pipeline": "b2b", "stage": "offer", "stall_s": 5 * 3600},
            {"pipeline": "b2b", "stage": "qualified", "stall_s": 4 * 3600},
        ]
        put = await client.put("/v1/pipeline/stall-limits", json={"limits": limits})
        assert put.status_code == 200, put.text
        assert put.json()["limits"] == limits
        # the aggregator reads its settings with the tenant's next events
        await client.post("/v1/events", json=[ev("agent.login", t, agent="cid")])

        async def stalled() -> bool:
            return bool((await live(client, "pipeline:b2b"))["deals_stalled"] == 1)

        await eventually(stalled)
        b2b = await live(client, "pipeline:b2b")
        assert b2b["deals_stalled:offer"] == 1
        assert "deals_stalled:qualified" not in b2b

        twice = await client.put(
            "/v1/pipeline/stall-limits", json={"limits": [limits[0], limits[0]]}
        )
        assert twice.status_code == 422
        assert "listed twice" in twice.text
        negative = await client.put(
            "/v1/pipeline/stall-limits",
            json={"limits": [{"pipeline": "b2b", "stage": "x", "stall_s": 0}]},
        )
        assert negative.status_code == 422
        assert "stall_s" in negative.text
        assert (await client.get("/v1/pipeline/stall-limits")).json()["limits"] == limits

    _, reader = await make_tenant_key(url, scopes={Scope.read})
    async with app_server.client(reader) as client:
        refused = await client.put("/v1/pipeline/stall-limits", json={"limits": []})
        assert refused.status_code == 403
        other = await client.get("/v1/pipeline/stall-limits")
        assert other.json()["limits"] == []  # another tenant's limits are its own
        bad = await client.get("/v1/metrics", params={"scope": "pipeline:"})
        assert bad.status_code == 400
