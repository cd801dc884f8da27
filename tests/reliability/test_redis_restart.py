"""Redis is killed (SIGKILL) under load and restarted from its append-only file: while it is
down, ingestion answers 503 with Retry-After, `/readyz` says not ready and the WebSocket clients
are told; afterwards everything is ready again by itself and exact."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.reliability.harness import (
    Feeder,
    answers_between,
    background,
    check_answers,
    make_tenants,
    readiness,
    report,
    told,
    wait_exact,
    wait_facts,
    wait_ready,
    wait_resynced,
    watchers,
)
from tests.reliability.servers import (
    FloorwatchProcess,
    PostgresCluster,
    RedisServer,
    floorwatch_env,
    start_all,
    stop_all,
)

pytestmark = pytest.mark.slow

OUTAGE_S = 6.0
GRACE_S = 0.25
"""Requests sent this soon after the kill are not judged (the kill and the clocks of three
processes are not instantaneous); exactness judges every answer anyway."""


async def test_redis_killed_and_restarted_under_load(
    pg_cluster: PostgresCluster, redis_server: RedisServer, tmp_path: Path
) -> None:
    tenants = await make_tenants(pg_cluster.url, 4, minutes=120, agents_per_team=12)
    env = floorwatch_env(pg_cluster.url, redis_server.url)
    apis = [FloorwatchProcess("serve", env, tmp_path / f"serve{i}.log") for i in range(2)]
    bases = [api.base_url for api in apis]
    try:
        await start_all(apis)
        feeders = [Feeder(t, bases) for t in tenants]
        async with watchers(bases, tenants[0]) as clients:
            await asyncio.gather(*(f.run(until=len(f.tenant.events) // 3) for f in feeders))
            async with background(*(f.run() for f in feeders)) as load:
                await asyncio.sleep(1.0)
                before = [(len(c.close_codes), len(c.errors)) for c in clients]
                await redis_server.kill()
                down_at = time.monotonic()
                not_ready = [await readiness(base) for base in bases]
                told_in = await told(clients, before, timeout=OUTAGE_S - 1)
                await asyncio.sleep(max(0.0, down_at + OUTAGE_S - time.monotonic()))
                # Redis accepts connections before start() has seen it answer: answers that
                # came back after the restart began are not judged as "while down"
                restarting_at = time.monotonic()
                await redis_server.start()
                up_at = time.monotonic()
                ready_s = await wait_ready(bases, timeout=60)
                await load
            fed = time.monotonic()
            expected = await wait_exact(bases[0], tenants, feeders, redis_url=redis_server.url)
            exact = time.monotonic()
            await wait_facts(pg_cluster.url, expected)
            await wait_resynced(clients, expected[tenants[0].id])
            resynced = time.monotonic()
        statuses = check_answers(feeders)
        during = answers_between(feeders, down_at + GRACE_S, restarting_at)
        assert not_ready == [503, 503], f"/readyz while Redis was down: {not_ready}"
        assert during["503"] > 0, f"no 503 while Redis was down: {during}"
        odd = [
            (round(a.sent - down_at, 3), round(a.at - down_at, 3), a.status, a.detail[:120])
            for f in feeders
            for a in f.answers
            if down_at + GRACE_S <= a.sent and a.at <= restarting_at and a.status != 503
        ]
        assert set(during) <= {"503"}, f"answers while Redis was down: {during}: {odd}"
        report(
            "Redis SIGKILL + restart",
            outage_s=OUTAGE_S,
            events=sum(len(f.acked) for f in feeders),
            answers=dict(statuses),
            answers_while_down=dict(during),
            ws_told_after_s=round(told_in, 1),
            ready_after_restart_s=round(ready_s, 1),
            exact_after_load_s=round(exact - fed, 1),
            resynced_after_restart_s=round(resynced - up_at, 1),
        )
    finally:
        await stop_all(apis)
