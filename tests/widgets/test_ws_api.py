"""`/v1/ws` with real WebSocket clients against the real server over real HTTP, both engines."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.core.config import Settings
from app.widgets.client import LiveClient, Update, ws_url
from tests.conftest import ENGINES_AND_CLUSTER, RunningApp, engine_settings_of
from tests.helpers import ev, make_tenant_key, now_ms
from tests.widgets.raw import raw_client, receive, subscribe_json


@pytest.fixture(params=ENGINES_AND_CLUSTER)
def engine_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Both engines, and the redis engine on a Redis Cluster too (view updates reach the API
    process over the cluster's pub/sub)."""
    return engine_settings_of(request, tmp_path)


async def post(app: RunningApp, key: str, events: list[dict[str, Any]]) -> None:
    async with app.client(key) as client:
        reply = await client.post("/v1/events", content=orjson.dumps(events))
    assert reply.status_code == 200, reply.text
    assert reply.json()["accepted"] == len(events)


async def rest_metrics(app: RunningApp, key: str, scope: str, window: str) -> dict[str, Any]:
    async with app.client(key) as client:
        reply = await client.get("/v1/metrics", params={"scope": scope, "window": window})
    assert reply.status_code == 200, reply.text
    metrics: dict[str, Any] = reply.json()[0]["metrics"]
    return metrics


async def collect_until(live: LiveClient, done: Any) -> list[Update]:
    got: list[Update] = []
    async with asyncio.timeout(15):
        while True:
            update = await live.next_update()
            got.append(update)
            if done(update):
                return got


async def test_snapshot_then_ordered_deltas_after_events_over_http(app_server: RunningApp) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    topics = ["metrics:queue:Sales:live", "metrics:tenant:15m", "board:tenant"]
    async with LiveClient(ws_url(app_server.base_url), key, topics) as live:
        async with asyncio.timeout(10):
            first = [await live.next_update() for _ in topics]
        assert sorted(u.topic for u in first) == sorted(topics)
        assert {u.kind for u in first} == {"snapshot"}
        t = now_ms() - 60_000
        for i in range(5):
            await post(
                app_server,
                key,
                [
                    ev("call.queued", t + i, call_id=f"c{i}", queue="Sales"),
                    ev("agent.login", t + i, agent=f"a{i}"),
                ],
            )
            await asyncio.sleep(0.1)

        def settled(update: Update) -> bool:
            waiting = live.state.get("metrics:queue:Sales:live")
            board = live.state.get("board:tenant")
            if waiting is None or board is None:
                return False
            return waiting.data.get("calls_waiting") == 5 and len(board.data) == 5

        updates = first + await collect_until(live, settled)
    by_topic: dict[str, list[Update]] = {}
    for update in updates:
        by_topic.setdefault(update.topic, []).append(update)
    for topic, seen in by_topic.items():
        assert seen[0].kind == "snapshot", topic
        assert all(u.kind == "delta" for u in seen[1:]), topic
        seqs = [u.seq for u in seen]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), (topic, seqs)
    assert len(by_topic["metrics:queue:Sales:live"]) >= 2
    board = live.state["board:tenant"].data
    assert sorted(board) == [f"a{i}" for i in range(5)]
    assert {row["state"] for row in board.values()} == {"available"}
    rest = await rest_metrics(app_server, key, "queue:Sales", "live")
    assert rest["calls_waiting"] == live.state["metrics:queue:Sales:live"].data["calls_waiting"]


async def test_resume_at_the_current_sequence_number_or_get_a_snapshot_when_stale(
    app_server: RunningApp,
) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    topic = "metrics:agent:ann:live"  # counts only: nothing here changes with time alone
    url = ws_url(app_server.base_url)
    t = now_ms() - 60_000
    async with LiveClient(url, key, [topic]) as first:
        async with asyncio.timeout(10):
            await first.next_update()
        await post(app_server, key, [ev("agent.login", t, agent="ann")])
        async with asyncio.timeout(10):
            await first.wait_for(lambda c: c.state[topic].data.get("agents_available") == 1)
        current = first.state[topic]
        epoch, seq = current.epoch, current.seq
    assert seq >= 2

    async with raw_client(url, key) as ws:
        await ws.send(subscribe_json([topic], {topic: {"epoch": epoch, "seq": seq}}))
        resumed = await receive(ws)
        assert resumed["type"] == "resumed"
        assert (resumed["epoch"], resumed["seq"]) == (epoch, seq)
        await post(app_server, key, [ev("agent.state", t + 1, agent="ann", state="break")])
        delta = await receive(ws)
        assert delta["type"] == "delta"
        assert delta["seq"] == seq + 1
        assert delta["set"]["agents_break"] == 1
        assert delta["set"]["agents_available"] == 0

        async with raw_client(url, key) as stale:
            await stale.send(subscribe_json([topic], {topic: {"epoch": epoch, "seq": seq}}))
            snapshot = await receive(stale)
        assert snapshot["type"] == "snapshot"
        assert (snapshot["epoch"], snapshot["seq"]) == (epoch, seq + 1)
        assert snapshot["data"]["agents_break"] == 1

        async with raw_client(url, key) as other_epoch:
            await other_epoch.send(subscribe_json([topic], {topic: {"epoch": "x", "seq": seq + 1}}))
            snapshot = await receive(other_epoch)
        assert snapshot["type"] == "snapshot"
        assert snapshot["seq"] == seq + 1


async def test_a_tenant_never_sees_another_tenants_topics(app_server: RunningApp) -> None:
    url = app_server.settings.database_url
    _, key_a = await make_tenant_key(url)
    _, key_b = await make_tenant_key(url)
    topics = ["metrics:queue:Sales:live", "board:tenant", "metrics:tenant:15m"]
    endpoint = ws_url(app_server.base_url)
    t = now_ms() - 60_000
    async with LiveClient(endpoint, key_a, topics) as a, LiveClient(endpoint, key_b, topics) as b:
        async with asyncio.timeout(10):
            await a.wait_for(lambda c: len(c.state) == 3)
            await b.wait_for(lambda c: len(c.state) == 3)
        await post(
            app_server,
            key_b,
            [ev("call.queued", t, call_id="b1", queue="Sales"), ev("agent.login", t, agent="bob")],
        )
        async with asyncio.timeout(10):
            await b.wait_for(
                lambda c: (
                    c.state["metrics:queue:Sales:live"].data.get("calls_waiting") == 1
                    and "bob" in c.state["board:tenant"].data
                )
            )
        await post(app_server, key_a, [ev("agent.login", t, agent="ann")])
        async with asyncio.timeout(10):
            await a.wait_for(lambda c: "ann" in c.state["board:tenant"].data)
        await asyncio.sleep(0.3)
    assert list(a.state["board:tenant"].data) == ["ann"]
    assert list(b.state["board:tenant"].data) == ["bob"]
    assert a.state["metrics:queue:Sales:live"].data.get("calls_waiting", 0) == 0
    assert not a.errors
    assert not b.errors
