"""Redis behind a faulty network (a TCP proxy in the test): first slow (every packet delayed),
then slower than the lease renewals (partitions change hands between the workers), then
connections cut again and again, then unreachable for a few seconds. Throughout, every answer
is a 200 for events kept or a 503 with Retry-After; the WebSocket clients are told while Redis
is unreachable; afterwards everything is ready by itself and exact."""

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
    report,
    told,
    wait_exact,
    wait_facts,
    wait_ready,
    wait_resynced,
    watchers,
)
from tests.reliability.proxy import FaultyProxy
from tests.reliability.servers import (
    FloorwatchProcess,
    PostgresCluster,
    RedisServer,
    floorwatch_env,
    start_all,
    stop_all,
)

pytestmark = pytest.mark.slow


async def test_slow_and_flaky_redis(
    pg_cluster: PostgresCluster, redis_server: RedisServer, tmp_path: Path
) -> None:
    tenants = await make_tenants(pg_cluster.url, 4, minutes=150, agents_per_team=12)
    async with FaultyProxy(redis_server.port) as proxy:
        env = floorwatch_env(pg_cluster.url, proxy.url)
        apis = [FloorwatchProcess("serve", env, tmp_path / f"serve{i}.log") for i in range(2)]
        bases = [api.base_url for api in apis]
        try:
            await start_all(apis)
            feeders = [Feeder(t, bases, pause_s=0.25) for t in tenants]
            async with watchers(bases, tenants[0]) as clients:
                async with background(*(f.run() for f in feeders)) as load:
                    await asyncio.sleep(2.0)
                    proxy.latency_s = 0.2
                    slow_at = time.monotonic()
                    await asyncio.sleep(4.0)
                    proxy.latency_s = 1.2  # a round trip outlasts the lease (1.5 s)
                    await asyncio.sleep(5.0)
                    proxy.latency_s = 0.05
                    slow_until = time.monotonic()
                    cuts = 0
                    for _ in range(5):
                        cuts += proxy.cut()
                        await asyncio.sleep(0.7)
                    before = [(len(c.close_codes), len(c.errors)) for c in clients]
                    proxy.refusing = True
                    cuts += proxy.cut()
                    down_at = time.monotonic()
                    told_in = await told(clients, before, timeout=8.0)
                    await asyncio.sleep(max(0.0, down_at + 5.0 - time.monotonic()))
                    proxy.refusing = False
                    proxy.latency_s = 0.0
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
            slow = answers_between(feeders, slow_at, slow_until)
            down = answers_between(feeders, down_at, up_at)
            assert slow["200"] > 0, f"nothing got through while Redis was slow: {slow}"
            assert down["503"] > 0, f"no 503 while Redis was unreachable: {down}"
            assert set(down) <= {"503"}, f"answers while Redis was unreachable: {down}"
            report(
                "slow and flaky Redis",
                events=sum(len(f.acked) for f in feeders),
                answers=dict(statuses),
                answers_while_slow=dict(slow),
                answers_while_unreachable=dict(down),
                connections_cut=cuts,
                ws_told_after_s=round(told_in, 1),
                ready_after_s=round(ready_s, 1),
                exact_after_load_s=round(exact - fed, 1),
                resynced_after_s=round(resynced - up_at, 1),
            )
        finally:
            await stop_all(apis)
