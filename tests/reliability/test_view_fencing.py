"""A worker that lost its partition without noticing yet (a lease that expired during a long
pause: CPU starvation, a slow network) must not overwrite the view its successor wrote.

Found by the API-process kill test on a loaded machine: the leases changed hands several
times, and a tenant's counts stayed 50 events short for good. Owners write only the view parts
that changed since they last wrote them, so a stale write by the former owner was never
repaired. Reproduced here step by step with two in-process workers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from app.core.config import Settings
from app.streams.keys import Keys
from app.streams.redis_log import RedisLog
from app.streams.views import META, meta_decoder
from app.streams.worker import PartitionWorker
from tests.helpers import make_tenant_key, now_ms
from tests.reliability.one_partition import batch, one_partition


@pytest.fixture
async def setup(
    sqlite_url: str, redis_url: str, redis_prefix: str
) -> AsyncIterator[tuple[Settings, Redis, Callable[[], PartitionWorker]]]:
    async with one_partition(sqlite_url, redis_url, redis_prefix) as found:
        yield found.settings, found.redis, found.worker


async def test_a_former_owner_cannot_overwrite_its_successors_view(
    sqlite_url: str, setup: tuple[Settings, Redis, Callable[[], PartitionWorker]]
) -> None:
    settings, redis, new_worker = setup
    tenant, _ = await make_tenant_key(sqlite_url)
    keys = Keys(settings.redis_prefix)
    log = RedisLog(redis, keys, 1, settings.dedup_retention_s * 1000)
    former = new_worker()
    successor = new_worker()
    base = now_ms() - 60_000

    async def counts() -> dict[str, int]:
        blob: Any = await redis.hget(keys.view(tenant), META)
        return meta_decoder.decode(blob).counts

    await former._acquire()
    assert 0 in former.owned
    await log.append(tenant, batch(1, base))
    await former.consume_once(block_ms=10)
    await former.publish_views()
    assert await counts() == {"agent.login": 1, "call.queued": 1}

    # the former owner reads batch 2 but stalls before publishing; its lease expires meanwhile
    await log.append(tenant, batch(2, base))
    await former.consume_once(block_ms=10)
    await redis.delete(keys.lease(0))

    await successor._acquire()
    assert 0 in successor.owned
    await log.append(tenant, batch(3, base))
    while await successor.consume_once(block_ms=10):
        pass
    await successor.publish_views()
    everything = {"agent.login": 3, "call.queued": 3}
    assert await counts() == everything

    await former.publish_views()  # wakes up, still believing it owns the partition
    await successor.publish_views()
    assert await counts() == everything, "the former owner's stale view replaced the new one"
    assert 0 not in former.owned, "the former owner should notice it lost the partition"


async def test_a_successor_replaying_the_tail_never_shows_fewer_events(
    sqlite_url: str,
    setup: tuple[Settings, Redis, Callable[[], PartitionWorker]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by `replay --wait` on a loaded machine: a worker that lost its lease took the
    partition back from an old checkpoint and wrote its views while it replayed the tail, so the
    counts fell from 10,059 calls to 209 after the wait had seen them all applied."""
    settings, redis, new_worker = setup
    tenant, _ = await make_tenant_key(sqlite_url)
    keys = Keys(settings.redis_prefix)
    log = RedisLog(redis, keys, 1, settings.dedup_retention_s * 1000)
    former = new_worker()
    successor = new_worker()
    base = now_ms() - 60_000

    async def counts() -> dict[str, int]:
        blob: Any = await redis.hget(keys.view(tenant), META)
        return meta_decoder.decode(blob).counts

    await former._acquire()
    for n in range(1, 4):
        await log.append(tenant, batch(n, base))
    while await former.consume_once(block_ms=10):
        pass
    await former.publish_views()
    everything = {"agent.login": 3, "call.queued": 3}
    assert await counts() == everything
    await redis.delete(keys.lease(0))  # gone without a checkpoint: the successor starts at 0

    await successor._acquire()
    assert 0 in successor.owned
    monkeypatch.setattr(successor, "_read_count", lambda: 1)
    await successor.consume_once(block_ms=10)  # one of the three entries
    await successor.publish_views()
    assert await counts() == everything, "the view went back while the tail was replayed"

    while await successor.consume_once(block_ms=10):
        pass
    await log.append(tenant, batch(4, base))
    await successor.consume_once(block_ms=10)
    await successor.publish_views()
    assert await counts() == {"agent.login": 4, "call.queued": 4}
