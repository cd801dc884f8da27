"""A partition lost and taken over again by the same worker while that worker was blocked
reading its stream: the entries the read returns belong to the old ownership's position and
must not be applied to the new one (restored from the checkpoint, at another position).

Found by the Redis restart test: after the restart every lease had expired, workers took their
partitions over again within milliseconds, and a tenant's counts stayed short for good (the
entries between the checkpoint and the old position were skipped; had the checkpoint been
ahead, entries would have been applied twice). Reproduced here with one in-process worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.streams.keys import Keys
from app.streams.redis_log import RedisLog
from app.streams.worker import PartitionWorker
from tests.helpers import make_tenant_key, now_ms
from tests.reliability.one_partition import batch, one_partition


@pytest.fixture
async def worker(
    sqlite_url: str, redis_url: str, redis_prefix: str
) -> AsyncIterator[PartitionWorker]:
    async with one_partition(sqlite_url, redis_url, redis_prefix) as setup:
        yield setup.worker()


async def test_entries_read_before_a_take_over_are_not_applied_to_the_new_owner(
    sqlite_url: str, worker: PartitionWorker
) -> None:
    tenant, _ = await make_tenant_key(sqlite_url)
    keys = Keys(worker.settings.redis_prefix)
    log = RedisLog(worker.redis, keys, 1, worker.settings.dedup_retention_s * 1000)
    base = now_ms() - 60_000

    await worker._acquire()
    await log.append(tenant, batch(1, base))
    await worker.consume_once(block_ms=10)  # no checkpoint written yet

    reading = asyncio.create_task(worker.consume_once(block_ms=3000))
    await asyncio.sleep(0.3)  # blocked in XREAD after batch 1
    worker.owned.pop(0)  # the lease expired during a pause ...
    await worker._take_over(0)  # ... and the worker took the partition over again
    await log.append(tenant, batch(2, base))
    await reading
    while await worker.consume_once(block_ms=10):
        pass

    aggregator: Any = worker.owned[0].host.aggregators[tenant]
    assert aggregator.counts_by_type() == {"agent.login": 2, "call.queued": 2}
