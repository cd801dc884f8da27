"""A checkpoint the new owner cannot read (written by another format version, or damaged) must
not leave its partition without an owner: it used to raise inside the take-over, the lease loop
only logged it, and no worker ever served the partition again. Now the partition is rebuilt
from its stream, said loudly, and the unreadable checkpoint is kept aside."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from app.core.telemetry import CHECKPOINTS_UNREADABLE
from app.streams.aggregator.checkpoint import VERSION
from app.streams.keys import Keys
from app.streams.redis_log import RedisLog
from app.streams.views import META, meta_decoder
from tests.helpers import make_tenant_key, now_ms
from tests.reliability.one_partition import OnePartition, batch, one_partition


def other_version(checkpoint: bytes) -> bytes:
    """The same partition checkpoint with every tenant's format version changed."""
    host: dict[str, Any] = msgspec.msgpack.decode(checkpoint)
    for tenant, blob in host["tenants"].items():
        machine = msgspec.msgpack.decode(blob)
        assert machine["version"] == VERSION
        machine["version"] = VERSION + 1
        host["tenants"][tenant] = msgspec.msgpack.encode(machine)
    return msgspec.msgpack.encode(host)


@pytest.mark.parametrize("damage", ["format_version", "garbage"])
async def test_unreadable_checkpoint_is_rebuilt_from_the_stream(
    sqlite_url: str,
    redis_url: str,
    redis_prefix: str,
    damage: str,
) -> None:
    async with one_partition(sqlite_url, redis_url, redis_prefix) as found:
        await run(found, sqlite_url, damage)


async def run(found: OnePartition, sqlite_url: str, damage: str) -> None:
    settings, redis = found.settings, found.redis
    tenant, _ = await make_tenant_key(sqlite_url)
    keys = Keys(settings.redis_prefix)
    log = RedisLog(redis, keys, 1, settings.dedup_retention_s * 1000)
    base = now_ms() - 60_000

    first = found.worker()
    await first._acquire()
    for n in (1, 2):
        await log.append(tenant, batch(n, base))
    while await first.consume_once(block_ms=10):
        pass
    assert await first._checkpoint_partition(first.owned[0])
    written: Any = await redis.get(keys.checkpoint(0))
    broken = other_version(written) if damage == "format_version" else b"\x93not a checkpoint"
    await redis.set(keys.checkpoint(0), broken)
    await redis.delete(keys.lease(0))
    await log.append(tenant, batch(3, base))

    before = CHECKPOINTS_UNREADABLE._value.get()
    successor = found.worker()
    await successor._acquire()
    assert 0 in successor.owned, "the partition was left without an owner"
    assert CHECKPOINTS_UNREADABLE._value.get() == before + 1
    assert await redis.get(keys.unreadable_checkpoint(0)) == broken
    while await successor.consume_once(block_ms=10):
        pass
    await successor.publish_views()
    blob: Any = await redis.hget(keys.view(tenant), META)
    assert meta_decoder.decode(blob).counts == {"agent.login": 3, "call.queued": 3}
    assert await successor._checkpoint_partition(successor.owned[0])
    assert await redis.get(keys.checkpoint(0)) != broken


async def test_a_readable_checkpoint_is_still_restored(
    sqlite_url: str, redis_url: str, redis_prefix: str
) -> None:
    """The control: the same steps without damage restore the checkpoint's offset."""
    async with one_partition(sqlite_url, redis_url, redis_prefix) as found:
        tenant, _ = await make_tenant_key(sqlite_url)
        keys = Keys(found.settings.redis_prefix)
        log = RedisLog(found.redis, keys, 1, found.settings.dedup_retention_s * 1000)
        first = found.worker()
        await first._acquire()
        await log.append(tenant, batch(1, now_ms() - 60_000))
        while await first.consume_once(block_ms=10):
            pass
        assert await first._checkpoint_partition(first.owned[0])
        await found.redis.delete(keys.lease(0))
        successor = found.worker()
        await successor._acquire()
        assert successor.owned[0].host.offset == first.owned[0].host.offset != "0"
        assert await found.redis.get(keys.unreadable_checkpoint(0)) is None
