"""SIGTERM drains a real `floorwatch serve` process under load, on both engines: open WebSocket
clients are closed with 1012 (service restart: reconnect), the process exits by itself within
the grace period, and every batch it acknowledged was aggregated to the end: the facts of every
acknowledged call are in the database and, on the redis engine, every partition's checkpoint
is at the head of its stream (a restart replays nothing)."""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.core.config import EngineKind, Settings
from app.core.db import Database
from app.facts.models import CallFactRow
from app.ops.lag import offset_at_head
from app.streams.keys import Keys
from app.widgets.protocol import RECONNECTABLE, CloseCode
from tests.api.live_server import ServerProcess, provision, serve, server_env
from tests.helpers import eventually

EXIT_WITHIN_S = 20.0
_calls = itertools.count()


def call_batch(base_ms: int, calls: int) -> list[dict[str, object]]:
    """Complete calls (queued, answered, ended, wrap-up ended), each ending in this batch."""
    events: list[dict[str, object]] = []
    for _ in range(calls):
        n = next(_calls)
        call = f"c{n}"
        t = base_ms + n * 1000
        events += [
            {"id": f"{call}-q", "type": "call.queued", "ts": t, "call_id": call, "queue": "Q"},
            {"id": f"{call}-a", "type": "call.answered", "ts": t + 5_000, "call_id": call}
            | {"agent": f"a{n % 7}", "queue": "Q"},
            {"id": f"{call}-e", "type": "call.ended", "ts": t + 60_000, "call_id": call},
            {"id": f"{call}-w", "type": "call.wrapup_ended", "ts": t + 70_000, "call_id": call},
        ]
    return events


async def feed(server: ServerProcess, key: str, acked: list[int], stop: asyncio.Event) -> None:
    """Post batches of 5 calls until the server goes away; note the calls it acknowledged."""
    base_ms = int(time.time() * 1000) - 3_600_000
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        while not stop.is_set():
            batch = call_batch(base_ms, 5)
            try:
                answer = await client.post(
                    "/v1/events", json=batch, headers={"Authorization": f"Bearer {key}"}
                )
            except httpx.TransportError:
                return
            if answer.status_code == 200:
                acked.append(answer.json()["accepted"] // 4)


async def close_code(url: str, key: str, opened: asyncio.Event) -> int | None:
    async with connect(url, additional_headers={"Authorization": f"Bearer {key}"}) as ws:
        await ws.recv()  # welcome
        opened.set()
        try:
            async with asyncio.timeout(EXIT_WITHIN_S):
                while True:
                    await ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    return None


async def call_facts(database_url: str, tenant_id: int) -> int:
    db = Database(database_url)
    try:
        async with db.session() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(CallFactRow)
                .where(CallFactRow.tenant_id == tenant_id)
            )
            return int(count or 0)
    finally:
        await db.close()


async def checkpoints_at_head(settings: Settings) -> list[int]:
    """Partitions whose checkpoint is not at the last entry of their stream."""
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url)
    keys = Keys(settings.redis_prefix)
    behind = []
    try:
        for number in range(settings.partitions):
            last: Any = await redis.xrevrange(keys.events(number), count=1)
            if not last:
                continue
            blob: Any = await redis.get(keys.checkpoint(number))
            offset = offset_at_head(blob or b"")
            if offset != last[0][0].decode():
                behind.append(number)
    finally:
        await redis.aclose()
    return behind


async def test_sigterm_drains_and_closes_sockets_with_a_reconnect_hint(
    engine_settings: Settings, tmp_path: Path
) -> None:
    credentials = await provision(engine_settings.database_url)
    env = server_env(
        engine_settings.database_url,
        engine=engine_settings.engine.value,
        redis_url=engine_settings.redis_url,
        redis_prefix=engine_settings.redis_prefix,
        partitions=str(engine_settings.partitions),
        clock="event",
        checkpoint_interval_ms="60000",  # the checkpoint at the head must come from the drain
    )
    with serve(env, tmp_path / "server.log") as server:
        acked: list[int] = []
        stop, opened = asyncio.Event(), asyncio.Event()
        ws_url = server.base_url.replace("http", "ws", 1) + "/v1/ws"
        closing = [
            asyncio.create_task(close_code(ws_url, credentials.read_key, opened)) for _ in range(3)
        ]
        await asyncio.wait_for(opened.wait(), 10)
        feeders = [
            asyncio.create_task(feed(server, credentials.ingest_key, acked, stop)) for _ in range(3)
        ]

        async def under_load() -> bool:
            return sum(acked) >= 100

        await eventually(under_load, timeout=30)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        codes = await asyncio.gather(*closing)
        exit_code = await asyncio.to_thread(server.process.wait, EXIT_WITHIN_S)
        stopped_after = time.monotonic() - signalled
        stop.set()
        await asyncio.gather(*feeders)
        log = server.log()
    assert codes == [CloseCode.service_restart] * 3, log[-3000:]
    assert all(code in RECONNECTABLE for code in codes)
    assert exit_code in (0, -signal.SIGTERM), log[-3000:]  # uvicorn re-raises the signal
    assert stopped_after < EXIT_WITHIN_S
    assert await call_facts(engine_settings.database_url, credentials.tenant_id) == sum(acked)
    if engine_settings.engine is EngineKind.redis:
        assert await checkpoints_at_head(engine_settings) == []
    assert "Traceback" not in log, log[-3000:]
