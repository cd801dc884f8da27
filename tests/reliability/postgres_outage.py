"""The PostgreSQL outage scenario (tests/reliability/test_postgres_outage.py)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.reliability.harness import (
    Feeder,
    answers_between,
    background,
    check_answers,
    make_tenants,
    readiness,
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

OUTAGE_S = 30.0


async def postgres_outage(pg: PostgresCluster, redis: RedisServer, logs: Path) -> None:
    """PostgreSQL stopped for 30 s under load: ingestion answers 200 only for events it kept
    (the credentials it has cached still work for a few seconds), otherwise 503 with
    Retry-After, never a 500; `/readyz` says not ready; facts wait and are written once the
    database is back; then everything is ready again by itself and exact."""
    tenants = await make_tenants(pg.url, 3, minutes=150, agents_per_team=10)
    env = floorwatch_env(pg.url, redis.url)
    apis = [FloorwatchProcess("serve", env, logs / "serve.log")]
    workers = [FloorwatchProcess("worker", env, logs / "worker.log")]
    bases = [api.base_url for api in apis]
    try:
        await start_all([*apis, *workers])
        feeders = [Feeder(t, bases, pause_s=0.25) for t in tenants]
        async with watchers(bases, tenants[0]) as clients:
            async with background(*(f.run() for f in feeders)) as load:
                await asyncio.sleep(3.0)
                await pg.stop()
                down_at = time.monotonic()
                await asyncio.sleep(1.0)
                not_ready = [await readiness(base) for base in bases]
                await asyncio.sleep(max(0.0, down_at + OUTAGE_S - time.monotonic()))
                await pg.start()
                up_at = time.monotonic()
                ready_s = await wait_ready(bases, timeout=60)
                await load
            fed = time.monotonic()
            expected = await wait_exact(bases[0], tenants, feeders, redis_url=redis.url)
            exact = time.monotonic()
            await wait_facts(pg.url, expected)
            facts = time.monotonic()
            await wait_resynced(clients, expected[tenants[0].id])
        statuses = check_answers(feeders)
        during = answers_between(feeders, down_at, up_at)
        assert not_ready == [503], f"/readyz while PostgreSQL was down: {not_ready}"
        assert during["503"] > 0, f"no 503 while PostgreSQL was down: {during}"
        report(
            "PostgreSQL stopped 30 s",
            outage_s=OUTAGE_S,
            events=sum(len(f.acked) for f in feeders),
            answers=dict(statuses),
            answers_while_down=dict(during),
            ready_after_restart_s=round(ready_s, 1),
            exact_after_load_s=round(exact - fed, 1),
            facts_after_load_s=round(facts - fed, 1),
        )
    finally:
        await stop_all([*apis, *workers])
