"""POST /v1/events against the real app over real HTTP, on both engines."""

from __future__ import annotations

from pathlib import Path

import msgspec
import orjson
import pytest

from app.core.config import Settings
from tests.conftest import ENGINES_AND_CLUSTER, RunningApp, engine_settings_of
from tests.helpers import ev, eventually, make_tenant_key, now_ms, tenant_of


@pytest.fixture(params=ENGINES_AND_CLUSTER)
def engine_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Both engines, and the redis engine on a Redis Cluster too."""
    return engine_settings_of(request, tmp_path)


async def test_batch_of_10000_is_accepted_and_read_back_in_order(app_server: RunningApp) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    base = now_ms() - 3_600_000
    events = [
        ev("call.queued", base + i, call_id=f"c{i}", queue="Sales", id=f"id-{i}")
        for i in range(10_000)
    ]
    async with app_server.client(key) as client:
        response = await client.post("/v1/events", content=orjson.dumps(events))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "received": 10_000,
        "accepted": 10_000,
        "duplicates": 0,
        "rejected": [],
        "duplicate_indices": [],
    }
    tenant_id = await tenant_of(app_server.settings.database_url, key)
    entries = await app_server.services.engine.read_log(tenant_id, limit=100_000)
    ids = [e.id for entry in entries for e in entry.events]
    assert ids == [f"id-{i}" for i in range(10_000)]


async def test_mixed_batch_keeps_every_good_event_and_names_every_bad_one(
    app_server: RunningApp,
) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    t = now_ms() - 1000
    batch = [
        ev("call.queued", t, call_id="a", queue="Sales"),
        ev("call.queued", t, queue="Sales"),  # no call_id
        ev("call.nonsense", t, call_id="b"),
        ev("csat.submitted", t, score=9),
        ev("call.queued", now_ms() + 3_600_000, call_id="c", queue="Sales"),  # future
        {
            "id": "x",
            "type": "call.queued",
            "ts": "2026-01-01T10:00:00",
            "call_id": "d",
            "queue": "Q",
        },
        ev("call.answered", t, call_id="a", agent="ann"),
    ]
    async with app_server.client(key) as client:
        response = await client.post("/v1/events", json=batch)
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2
    reasons = {r["index"]: r["reason"] for r in body["rejected"]}
    assert sorted(reasons) == [1, 2, 3, 4, 5]
    assert "call_id" in reasons[1]
    assert "type" in reasons[2]
    assert "score" in reasons[3]
    assert "future" in reasons[4]
    assert "timezone" in reasons[5]


async def test_ndjson_and_duplicates(app_server: RunningApp) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    t = now_ms() - 1000
    events = [ev("agent.login", t, agent=f"a{i}", id=f"dup-{i}") for i in range(5)]
    body = b"\n".join(msgspec.json.encode(e) for e in events) + b"\n\n"
    headers = {"Content-Type": "application/x-ndjson"}
    async with app_server.client(key) as client:
        first = await client.post("/v1/events", content=body, headers=headers)
        again = await client.post("/v1/events", content=body, headers=headers)
        both = await client.post("/v1/events", json=[events[0], events[0]])

        async def counted() -> bool:
            got = (await client.get("/v1/metrics/events")).json()
            return bool(got.get("agent.login") == 5)

        await eventually(counted)
        assert (await client.get("/v1/metrics/events")).json() == {"agent.login": 5}
    assert first.json()["accepted"] == 5
    assert again.status_code == 200
    assert again.json()["accepted"] == 0
    assert again.json()["duplicates"] == 5
    assert both.json()["duplicates"] == 2


async def test_a_key_of_another_tenant_never_reaches_this_tenants_log(
    app_server: RunningApp,
) -> None:
    url = app_server.settings.database_url
    _, key_a = await make_tenant_key(url)
    _, key_b = await make_tenant_key(url)
    t = now_ms() - 1000
    async with app_server.client(key_a) as a, app_server.client(key_b) as b:
        await a.post("/v1/events", json=[ev("agent.login", t, agent="x", id="same")])
        # the same event id in another tenant is not a duplicate of this one
        reply = await b.post("/v1/events", json=[ev("agent.login", t, agent="y", id="same")] * 1)
        assert reply.json()["accepted"] == 1

        async def both_counted() -> bool:
            got_a = (await a.get("/v1/metrics/events")).json()
            got_b = (await b.get("/v1/metrics/events")).json()
            return bool(got_a == {"agent.login": 1} and got_b == {"agent.login": 1})

        await eventually(both_counted)
        board_a = (await a.get("/v1/agents")).json()["agents"]
        assert [row["agent"] for row in board_a] == ["x"]


async def test_auth_errors(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    from app.auth.keys import Scope

    _, read_only = await make_tenant_key(url, scopes={Scope.read})
    body = [ev("agent.login", agent="x")]
    async with app_server.client() as anonymous:
        missing = await anonymous.post("/v1/events", json=body)
        wrong = await anonymous.post(
            "/v1/events", json=body, headers={"Authorization": "Bearer fw_notakey"}
        )
        scoped = await anonymous.post(
            "/v1/events", json=body, headers={"Authorization": f"Bearer {read_only}"}
        )
        metrics = await anonymous.get("/v1/metrics")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    assert wrong.status_code == 401
    assert scoped.status_code == 403
    assert metrics.status_code == 401


async def test_limits_and_malformed_bodies(app_server: RunningApp) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    async with app_server.client(key) as client:
        too_many = await client.post(
            "/v1/events", json=[ev("agent.login", agent="x") for _ in range(10_001)]
        )
        too_big = await client.post("/v1/events", content=b"[" + b" " * (6 * 1024 * 1024) + b"]")
        not_json = await client.post("/v1/events", content=b"[{")
        not_array = await client.post("/v1/events", json={"id": "1"})
        bad_type = await client.post(
            "/v1/events", content=b"x", headers={"Content-Type": "text/csv"}
        )
        all_bad = await client.post("/v1/events", json=[{"id": "1", "type": "call.queued"}])
    assert too_many.status_code == 413
    assert "10000" in too_many.json()["error"]["message"]
    assert too_big.status_code == 413
    assert str(5 * 1024 * 1024) in too_big.json()["error"]["message"]
    assert not_json.status_code == 400
    assert not_array.status_code == 400
    assert bad_type.status_code == 415
    assert all_bad.status_code == 422
    assert all_bad.json()["rejected"][0]["index"] == 0


async def test_health_and_readiness(app_server: RunningApp) -> None:
    async with app_server.client() as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "engine": "ok"}
