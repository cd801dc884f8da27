"""SIGKILL an API process while it ingests: the requests it was serving fail without an
answer, the clients retry them on the other process (de-duplication keeps each event once),
the killed process is restarted (as a supervisor would) and its WebSocket clients reconnect and
resync; every acknowledged event is counted exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.reliability.harness import (
    Feeder,
    background,
    check_answers,
    make_tenants,
    report,
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


async def test_sigkill_api_process_while_it_ingests(
    pg_cluster: PostgresCluster, redis_server: RedisServer, tmp_path: Path
) -> None:
    tenants = await make_tenants(pg_cluster.url, 4, minutes=120, agents_per_team=12)
    env = floorwatch_env(pg_cluster.url, redis_server.url)
    apis = [FloorwatchProcess("serve", env, tmp_path / f"serve{i}.log") for i in range(2)]
    bases = [api.base_url for api in apis]
    victim = apis[0]
    inflight: Counter[str] = Counter()
    try:
        await start_all(apis)
        feeders = [Feeder(t, bases, inflight=inflight) for t in tenants]
        async with watchers(bases, tenants[0]) as clients:
            async with background(*(f.run() for f in feeders)) as load:
                await asyncio.sleep(2.0)
                for _ in range(500):
                    if inflight[victim.base_url] >= 2:
                        break
                    await asyncio.sleep(0.005)
                in_flight_at_kill = inflight[victim.base_url]
                await victim.kill()
                killed_at = time.monotonic()
                await asyncio.sleep(2.0)
                await victim.start()
                ready_s = await wait_ready(bases, timeout=60)
                await load
            fed = time.monotonic()
            expected = await wait_exact(bases[0], tenants, feeders, redis_url=redis_server.url)
            exact = time.monotonic()
            await wait_facts(pg_cluster.url, expected)
            await wait_resynced(clients, expected[tenants[0].id])
            resynced = time.monotonic()
            reconnects = clients[0].connects - 1
        statuses = check_answers(feeders, transport_errors=True)
        assert in_flight_at_kill > 0, "no request was under way on the killed process"
        assert statuses["no answer"] > 0, "no request failed: the kill did not hit ingestion"
        assert reconnects >= 1, "the WebSocket client of the killed process never reconnected"
        report(
            "API process SIGKILL",
            events=sum(len(f.acked) for f in feeders),
            requests_in_flight_at_kill=in_flight_at_kill,
            answers=dict(statuses),
            ready_after_restart_s=round(ready_s, 1),
            exact_after_load_s=round(exact - fed, 1),
            resynced_after_kill_s=round(resynced - killed_at, 1),
        )
    finally:
        await stop_all(apis)
