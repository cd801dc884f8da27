"""SIGKILL partition workers in the middle of their batches, three times, under load: the
survivors take the partitions over from their checkpoints and replay the tails; nothing is
lost, nothing is applied twice, the facts are stored once, and every number equals the
reference."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from app.streams.keys import Keys, partition_of
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

PARTITIONS = 4
OWNER_WAIT_S = 60


async def owned_by(redis: Redis, keys: Keys, pid: int) -> list[int]:
    owners: list[Any] = [await redis.get(keys.lease(p)) for p in range(PARTITIONS)]
    return [p for p, owner in enumerate(owners) if owner and f":{pid}:".encode() in owner]


async def test_sigkill_workers_mid_batch(
    pg_cluster: PostgresCluster, redis_server: RedisServer, tmp_path: Path
) -> None:
    tenants = await make_tenants(pg_cluster.url, 6, minutes=120, agents_per_team=12)
    assert len({partition_of(t.id, PARTITIONS) for t in tenants}) >= 3
    env = floorwatch_env(pg_cluster.url, redis_server.url)
    api = FloorwatchProcess("serve", env, tmp_path / "serve.log")
    workers = [FloorwatchProcess("worker", env, tmp_path / f"worker{i}.log") for i in range(2)]
    redis = Redis.from_url(redis_server.url)
    keys = Keys("fw")
    try:
        await start_all([api, *workers])
        feeders = [Feeder(t, [api.base_url], pause_s=0.3) for t in tenants]
        async with watchers([api.base_url], tenants[0]) as clients:
            started = time.monotonic()
            async with background(*(f.run() for f in feeders)) as load:
                kills = 0
                for _ in range(3):
                    # the worker process that owns the most partitions, once events flow into them
                    # (a partition of a killed worker waits for its lease to expire; on two
                    # busy cores the take-over can take several times the lease)
                    victim, owned = workers[0], list[int]()
                    deadline = time.monotonic() + OWNER_WAIT_S
                    while time.monotonic() < deadline:
                        held = [(await owned_by(redis, keys, w.pid), w) for w in workers]
                        owned, victim = max(held, key=lambda pair: len(pair[0]))
                        if owned:
                            break
                        await asyncio.sleep(0.05)
                    assert owned, f"no worker process took a partition in {OWNER_WAIT_S} s"
                    await asyncio.sleep(1.5)
                    assert not all(f.done for f in feeders), "the load ended before the kill"
                    await victim.kill()
                    kills += 1
                    await asyncio.sleep(2.0)
                    await victim.start()
                await load
            fed = time.monotonic()
            assert kills == 3
            expected = await wait_exact(api.base_url, tenants, feeders, redis_url=redis_server.url)
            exact = time.monotonic()
            await wait_facts(pg_cluster.url, expected)
            await wait_resynced(clients, expected[tenants[0].id])
        statuses = check_answers(feeders)
        await wait_ready([api.base_url], timeout=10)
        report(
            "worker SIGKILL",
            kills=kills,
            events=sum(len(f.acked) for f in feeders),
            load_s=round(fed - started, 1),
            exact_after_load_s=round(exact - fed, 1),
            facts=sum(len(e.reference.facts) for e in expected.values()),
            answers=dict(statuses),
        )
    finally:
        await redis.aclose()
        await stop_all([api, *workers])
