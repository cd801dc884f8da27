"""The WebSocket handshake checks, limits, timeouts and slow clients (memory engine)."""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.auth.keys import Scope
from app.widgets.client import LiveClient, LiveClosed, Update, ws_url
from app.widgets.hub import Hub
from app.widgets.protocol import CloseCode
from tests.conftest import RunningApp
from tests.helpers import ev, make_tenant_key, now_ms
from tests.widgets.conftest import ServerFactory
from tests.widgets.raw import raw_client, receive, subscribe_json


def hub_of(app: RunningApp) -> Hub:
    hub: Hub = app.server.config.app.state.hub  # type: ignore[union-attr]
    return hub


async def post(app: RunningApp, key: str, events: list[dict[str, Any]]) -> None:
    async with app.client(key) as client:
        reply = await client.post("/v1/events", content=orjson.dumps(events))
    assert reply.status_code == 200, reply.text


async def close_code(ws: Any) -> int:
    """Read until the server closes (within 15 s); the close code it sent."""
    async with asyncio.timeout(15):
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as exc:
            closed = exc
    assert closed.rcvd is not None, "closed without a close frame"
    return closed.rcvd.code


async def test_handshake_refusals_answer_in_http(memory_server: ServerFactory) -> None:
    async with memory_server(allowed_origins=["https://wall.example"]) as app:
        url = ws_url(app.base_url)
        _, key = await make_tenant_key(app.settings.database_url)
        _, ingest_only = await make_tenant_key(app.settings.database_url, scopes={Scope.ingest})
        cases = [
            ({"Origin": "https://evil.example", "Authorization": f"Bearer {key}"}, url, 403),
            ({"Authorization": "Bearer fw_not-a-key"}, url, 401),
            ({"Authorization": f"Bearer {ingest_only}"}, url, 403),
            ({}, url + f"?token={key}", 400),
        ]
        for headers, target, status in cases:
            with pytest.raises(InvalidStatus) as refused:
                async with connect(target, additional_headers=headers):
                    pass
            assert refused.value.response.status_code == status, headers
            body = orjson.loads(refused.value.response.body or b"{}")
            assert body["error"]["code"] in {"forbidden", "unauthorized", "bad_request"}
            assert key not in body["error"]["message"]

        for origin in ("https://wall.example", app.base_url):
            async with raw_client(url, key, origin=origin) as ws:
                await ws.send(orjson.dumps({"v": 1, "type": "ping", "id": 7}).decode())
                assert await receive(ws) == {"type": "pong", "v": 1, "id": 7}


async def test_no_credentials_or_bad_ones_close_the_socket(memory_server: ServerFactory) -> None:
    async with memory_server() as app:
        url = ws_url(app.base_url)
        _, key = await make_tenant_key(app.settings.database_url)
        _, ingest_only = await make_tenant_key(app.settings.database_url, scopes={Scope.ingest})

        async with connect(url) as ws:
            await ws.send(subscribe_json(["metrics:tenant:15m"]))
            assert await close_code(ws) == CloseCode.unauthenticated
        for token, code in (("fw_wrong", CloseCode.unauthenticated), (ingest_only, 4003)):
            async with connect(url) as ws:
                await ws.send(orjson.dumps({"v": 1, "type": "auth", "token": token}).decode())
                assert await close_code(ws) == code
        with pytest.raises(LiveClosed) as closed:
            async with LiveClient(url, "fw_wrong", auth_message=True):
                pass
        assert closed.value.code == CloseCode.unauthenticated

        async with LiveClient(url, key, ["metrics:tenant:live"], auth_message=True) as browser:
            async with asyncio.timeout(10):
                update = await browser.next_update()
        assert update.kind == "snapshot"
        assert browser.welcome is not None
        assert browser.welcome.max_message_bytes == app.settings.ws_max_message_bytes


async def test_bad_messages_and_limits(memory_server: ServerFactory) -> None:
    async with memory_server(ws_max_message_bytes=2048, ws_max_subscriptions=2) as app:
        url = ws_url(app.base_url)
        _, key = await make_tenant_key(app.settings.database_url)
        async with raw_client(url, key) as ws:
            await ws.send("{not json")
            assert (await receive(ws))["code"] == "bad_message"
            await ws.send(orjson.dumps({"v": 1, "type": "launch"}).decode())
            assert (await receive(ws))["code"] == "bad_message"
            await ws.send(subscribe_json(["metrics:tenant:2h", "board:tenant", "alerts:tenant"]))
            got = [await receive(ws) for _ in range(3)]
            assert got[0] == {
                "type": "error",
                "v": 1,
                "code": "bad_topic",
                "message": "topic 'metrics:tenant:2h' must end with a window: one of live, 5m, "
                "15m, 60m, today, interval",
                "topic": "metrics:tenant:2h",
            }
            assert {m["type"] for m in got[1:]} == {"snapshot"}
            alerts = next(m for m in got if m.get("topic") == "alerts:tenant")
            assert alerts["data"] == {}
            await ws.send(subscribe_json(["metrics:tenant:5m"]))
            assert (await receive(ws))["code"] == "too_many_subscriptions"
            await ws.send(orjson.dumps({"v": 1, "type": "unsubscribe", "topics": ["board:tenant"]}))
            assert await receive(ws) == {"type": "unsubscribed", "v": 1, "topics": ["board:tenant"]}
            await ws.send(orjson.dumps({"v": 2, "type": "ping"}).decode())
            assert await close_code(ws) == CloseCode.protocol_error
        async with raw_client(url, key) as ws:
            await ws.send(subscribe_json(["board:tenant"] * 300))
            assert await close_code(ws) == CloseCode.message_too_big


async def test_a_client_sending_too_many_messages_is_closed(
    memory_server: ServerFactory,
) -> None:
    """Issue 18, item 8: 500 pings got 500 pongs. Now the burst is answered, the rest closes
    the connection with 4029; a client within the rate is never bothered."""
    async with memory_server(ws_max_messages_per_s=5, ws_message_burst=20) as app:
        url = ws_url(app.base_url)
        _, key = await make_tenant_key(app.settings.database_url)
        async with raw_client(url, key) as flood:
            for n in range(500):
                try:
                    await flood.send(orjson.dumps({"v": 1, "type": "ping", "id": str(n)}).decode())
                except ConnectionClosed:
                    break
            pongs = 0
            closed: ConnectionClosed | None = None
            async with asyncio.timeout(15):
                try:
                    while True:
                        message = orjson.loads(await flood.recv())
                        batch = message if isinstance(message, list) else [message]
                        pongs += sum(1 for m in batch if m["type"] == "pong")
                except ConnectionClosed as exc:
                    closed = exc
            assert closed is not None
            assert closed.rcvd is not None
            assert closed.rcvd.code == CloseCode.rate_limited
            assert pongs <= 25, pongs  # at most the burst (replies still queued are dropped)
        async with raw_client(url, key) as calm:
            for n in range(30):  # 6 s at 5 a second: the bucket refills as fast as it drains
                await calm.send(orjson.dumps({"v": 1, "type": "ping", "id": str(n)}).decode())
                assert (await receive(calm))["type"] == "pong"
                await asyncio.sleep(0.2)


async def test_a_silent_client_is_closed_for_idleness(memory_server: ServerFactory) -> None:
    async with memory_server(ws_ping_interval_s=0.3, ws_idle_timeout_s=1.0) as app:
        url = ws_url(app.base_url)
        _, key = await make_tenant_key(app.settings.database_url)
        async with raw_client(url, key) as silent:
            started = time.monotonic()
            assert await close_code(silent) == CloseCode.idle_timeout
            assert 0.9 < time.monotonic() - started < 4
        # the client library answers pings and stays connected
        async with LiveClient(url, key, ["alerts:tenant"]) as live:
            await asyncio.sleep(2.5)
            assert live.connected.is_set()
            assert live.close_codes == []


async def test_waits_tick_without_events(memory_server: ServerFactory) -> None:
    async with memory_server(update_interval_ms=250) as app:
        _, key = await make_tenant_key(app.settings.database_url)
        await post(app, key, [ev("call.queued", now_ms() - 5000, call_id="c1", queue="Sales")])
        topic = "metrics:queue:Sales:live"
        seen: list[float] = []
        async with LiveClient(ws_url(app.base_url), key, [topic]) as live:
            async with asyncio.timeout(10):
                while len(seen) < 4:  # the first two may come from the POST itself
                    update = await live.next_update()
                    if "longest_wait" in update.changed:
                        seen.append(update.data["longest_wait"])
        assert seen == sorted(seen)
        assert seen[-1] - seen[0] >= 1.5
        assert seen[0] >= 4.5


async def test_the_client_reconnects_and_resumes(memory_server: ServerFactory) -> None:
    async with memory_server() as app:
        _, key = await make_tenant_key(app.settings.database_url)
        topic = "metrics:queue:Sales:live"
        async with LiveClient(ws_url(app.base_url), key, [topic]) as live:
            async with asyncio.timeout(10):
                await live.next_update()
                for conn in list(hub_of(app).connections):
                    conn.kill(CloseCode.going_away, "test restart")
                await live.wait_for(lambda c: c.connects == 2 and bool(c.resumed))
                await post(app, key, [ev("call.queued", now_ms(), call_id="c1", queue="Sales")])
                await live.wait_for(lambda c: c.state[topic].data.get("calls_waiting") == 1)
        assert live.close_codes[0] == CloseCode.going_away
        assert live.resumed[0].topic == topic
        assert live.gaps == 0


def latency_record(sent: dict[int, float], out: list[float], topic: str) -> Any:
    def on_update(update: Update) -> None:
        if update.topic == topic and update.kind == "delta":
            waiting = update.changed.get("calls_waiting")
            if isinstance(waiting, int) and waiting in sent:
                out.append(update.received - sent[waiting])

    return on_update


async def test_a_client_that_does_not_read_does_not_delay_the_others(
    memory_server: ServerFactory,
) -> None:
    async with memory_server(ws_queue_size=8, ws_send_timeout_s=2.0) as app:
        url = ws_url(app.base_url)
        _, key = await make_tenant_key(app.settings.database_url)
        probe = "metrics:queue:Probe:live"
        topics = [probe, "board:tenant"]
        t = now_ms() - 600_000
        agents = 400
        await post(app, key, [ev("agent.login", t, agent=f"agent-{i:04}") for i in range(agents)])
        hub = hub_of(app)

        # the stuck client: a small receive buffer, and a library queue of one message
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", int(app.base_url.rsplit(":", 1)[1])))
        stuck = await connect(
            url,
            sock=sock,
            additional_headers={"Authorization": f"Bearer {key}"},
            compression=None,
            max_queue=1,
        )
        await stuck.send(subscribe_json(topics))
        await receive(stuck)
        (stuck_conn,) = hub.connections

        sent: dict[int, float] = {}
        latencies: list[list[float]] = [[] for _ in range(5)]
        fast = [
            LiveClient(url, key, topics, on_update=latency_record(sent, latencies[i], probe))
            for i in range(5)
        ]
        for client in fast:
            await client.start()
        most_pending = 0
        rounds = 0
        try:
            # every round changes every agent's row (about 90 kB of board delta) and queues
            # one probe call; go on until the server gives up on the stuck client
            while stuck_conn.closing is None and rounds < 300:
                rounds += 1
                on_break = rounds % 2 == 1
                batch = [
                    ev(
                        "agent.state",
                        t + rounds * 1000,
                        agent=f"agent-{i:04}",
                        state="break" if on_break else "available",
                        **({"reason": f"{rounds:04}".ljust(64, "x")} if on_break else {}),
                    )
                    for i in range(agents)
                ]
                batch.append(
                    ev("call.queued", t + rounds * 1000, call_id=f"p{rounds}", queue="Probe")
                )
                sent[rounds] = time.time()
                await post(app, key, batch)
                await asyncio.sleep(0.1)
                pending = [len(c.replies) + len(c.changed) for c in hub.connections]
                most_pending = max([most_pending, *pending])
            async with asyncio.timeout(10):
                for client in fast:
                    await client.wait_for(
                        lambda c: c.state[probe].data.get("calls_waiting") == rounds
                    )
            stuck_code = await close_code(stuck)
            fast_closes = [code for client in fast for code in client.close_codes]
        finally:
            for client in fast:
                await client.close()
            await stuck.close()
        assert stuck_code == CloseCode.slow_consumer
        assert most_pending <= app.settings.ws_queue_size + len(topics)
        assert rounds >= 10
        for seen in latencies:
            assert len(seen) >= 0.7 * rounds
            assert statistics.median(seen) < 0.5
            assert max(seen) < 1.5
        assert fast_closes == []
