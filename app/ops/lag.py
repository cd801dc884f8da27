"""How far the aggregators are behind the event log, per partition, read at scrape time.

Memory engine: one partition; the entries appended and not yet taken up by the aggregator.
Redis engine: for each partition, the age of the oldest stream entry after the partition's
checkpoint (0 when the checkpoint is at the head) and the stream's length. Any API process can
read these from Redis, whichever worker owns the partition; the checkpoint trails the applied
offset by at most `checkpoint_interval_ms`, so a healthy partition shows at most about that.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import msgspec

from app.streams.engine import Engine

CHECKPOINT_HEAD_BYTES = 128


class _OffsetOnly(msgspec.Struct):
    offset: str


@dataclass(frozen=True, slots=True)
class PartitionLag:
    partition: int
    entries: int | None
    seconds: float | None
    length: int | None


def offset_at_head(blob: bytes) -> str | None:
    """The `offset` of a checkpoint (app/streams/host.py `HostCheckpoint`, msgpack: a map whose
    first key is `offset`) read from its first bytes only; None if they do not look like that."""
    if not blob:
        return None
    kind = blob[0]
    position = 1 if 0x80 <= kind <= 0x8F else 3 if kind == 0xDE else 5 if kind == 0xDF else -1
    if position < 0 or blob[position : position + 7] != b"\xa6offset":
        return None
    position += 7
    if position >= len(blob):
        return None
    kind = blob[position]
    if 0xA0 <= kind <= 0xBF:
        length, position = kind & 0x1F, position + 1
    elif kind == 0xD9 and position + 1 < len(blob):
        length, position = blob[position + 1], position + 2
    else:
        return None
    if position + length > len(blob):
        return None
    return blob[position : position + length].decode("ascii", errors="replace")


def stream_id_ms(entry_id: Any) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    return int(text.partition("-")[0])


async def partition_lags(engine: Engine) -> list[PartitionLag]:
    from app.streams.memory import MemoryEngine
    from app.streams.redis_engine import RedisEngine

    if isinstance(engine, MemoryEngine):
        return [PartitionLag(0, engine.backlog(), None, None)]
    if isinstance(engine, RedisEngine):
        return await _redis_lags(engine)
    return []


async def _redis_lags(engine: Any) -> list[PartitionLag]:
    redis, keys, count = engine.redis, engine.keys, engine.settings.partitions
    async with redis.pipeline(transaction=False) as pipe:
        for number in range(count):
            pipe.getrange(keys.checkpoint(number), 0, CHECKPOINT_HEAD_BYTES - 1)
            pipe.xlen(keys.events(number))
        heads_and_lengths: list[Any] = await pipe.execute()
    offsets: list[str] = []
    for number in range(count):
        head: bytes = heads_and_lengths[2 * number] or b""
        offset = offset_at_head(head)
        if offset is None and head:
            blob: Any = await redis.get(keys.checkpoint(number))
            offset = msgspec.msgpack.decode(blob, type=_OffsetOnly).offset if blob else None
        offsets.append(offset or "0")
    async with redis.pipeline(transaction=False) as pipe:
        for number, offset in enumerate(offsets):
            start = "-" if offset == "0" else f"({offset}"
            pipe.xrange(keys.events(number), min=start, count=1)
        oldest: list[Any] = await pipe.execute()
    now_ms = time.time() * 1000
    return [
        PartitionLag(
            partition=number,
            entries=None,
            seconds=max(0.0, (now_ms - stream_id_ms(rows[0][0])) / 1000) if rows else 0.0,
            length=int(heads_and_lengths[2 * number + 1]),
        )
        for number, rows in enumerate(oldest)
    ]
