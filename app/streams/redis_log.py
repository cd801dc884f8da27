"""The event log on Redis Streams: one stream per partition, de-duplication and append in one
atomic Lua script, so an event is acknowledged only once the stream holds it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from redis.asyncio import Redis

from app.events.schemas import AnyEvent, Event
from app.streams.engine import AppendResult, LogEntry
from app.streams.keys import Keys, partition_of

# KEYS[1] = the partition's stream, KEYS[2] = the tenant's last appended id. ARGV[1] = prefix of
# the seen-id keys, ARGV[2] = their TTL in ms, ARGV[3] = tenant id, ARGV[4] = msgpack array of the
# event ids, ARGV[5] = the msgpack-encoded events one after another, ARGV[6] = msgpack array of
# their lengths in bytes. A constant number of arguments keeps the client's command packing cheap
# for big batches. Events never seen before are appended as ONE stream entry whose `e` field is a
# msgpack array of them (the array header is written here, so nothing is re-encoded; when all are
# new, ARGV[5] is used as it is). The seen-id keys and KEYS[2] share the stream's hash tag.
APPEND_SCRIPT = """
local ids, lengths, events = cmsgpack.unpack(ARGV[4]), cmsgpack.unpack(ARGV[6]), ARGV[5]
local parts, new, n, at = {}, {}, 0, 1
for i = 1, #ids do
  local size = lengths[i]
  if redis.call('SET', ARGV[1] .. ids[i], '1', 'NX', 'PX', ARGV[2]) then
    n = n + 1
    parts[n] = string.sub(events, at, at + size - 1)
    new[n] = i - 1
  end
  at = at + size
end
if n == 0 then return {false, new} end
local body = events
if n < #ids then body = table.concat(parts) end
local header
if n < 16 then
  header = string.char(0x90 + n)
elseif n < 65536 then
  header = string.char(0xdc, math.floor(n / 256), n % 256)
else
  header = string.char(0xdd, math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
                       math.floor(n / 256) % 256, n % 256)
end
local id = redis.call('XADD', KEYS[1], '*', 't', ARGV[3], 'e', header .. body)
redis.call('SET', KEYS[2], id)
return {id, new}
"""

_event_list = msgspec.msgpack.Decoder(list[AnyEvent])
_encoder = msgspec.msgpack.Encoder()


def decode_entry(entry_id: Any, fields: Any) -> LogEntry:
    """One stream entry (as redis-py returns it, untyped) to a log entry."""
    offset = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return LogEntry(
        offset=offset, tenant_id=int(fields[b"t"]), events=_event_list.decode(fields[b"e"])
    )


class RedisLog:
    def __init__(self, redis: Redis, keys: Keys, partitions: int, dedup_ttl_ms: int) -> None:
        self.redis = redis
        self.keys = keys
        self.partitions = partitions
        self.dedup_ttl_ms = dedup_ttl_ms
        self._append = redis.register_script(APPEND_SCRIPT)

    def partition(self, tenant_id: int) -> int:
        return partition_of(tenant_id, self.partitions)

    async def append(self, tenant_id: int, events: Sequence[Event]) -> AppendResult:
        if not events:
            return AppendResult()
        partition = self.partition(tenant_id)
        encode = _encoder.encode
        encoded = [encode(event) for event in events]
        args: list[bytes | str | int] = [
            self.keys.seen(partition, tenant_id),
            self.dedup_ttl_ms,
            tenant_id,
            encode([event.id for event in events]),
            b"".join(encoded),
            encode([len(blob) for blob in encoded]),
        ]
        _, new = await self._append(
            keys=[self.keys.events(partition), self.keys.appended(partition, tenant_id)],
            args=args,
        )
        accepted = [int(i) for i in new]
        kept = set(accepted)
        return AppendResult(
            accepted=accepted, duplicates=[i for i in range(len(events)) if i not in kept]
        )

    async def last_appended(self, tenant_id: int) -> str | None:
        got: Any = await self.redis.get(self.keys.appended(self.partition(tenant_id), tenant_id))
        return got.decode() if isinstance(got, bytes) else got

    async def read_partition(
        self, partition: int, *, after: str = "0", limit: int = 1000
    ) -> list[LogEntry]:
        rows: Any = await self.redis.xrange(
            self.keys.events(partition), min=f"({after}" if after != "0" else "-", count=limit
        )
        return [decode_entry(entry_id, fields) for entry_id, fields in rows]

    async def read_tenant(
        self, tenant_id: int, *, after: str | None = None, limit: int = 1000
    ) -> list[LogEntry]:
        partition = self.partition(tenant_id)
        found: list[LogEntry] = []
        cursor = after or "0"
        while len(found) < limit:
            entries = await self.read_partition(partition, after=cursor, limit=1000)
            if not entries:
                break
            found.extend(e for e in entries if e.tenant_id == tenant_id)
            cursor = entries[-1].offset
        return found[:limit]
