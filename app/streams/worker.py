"""The partition worker of the redis engine.

Each partition is owned by exactly one worker at a time through a lease (a Redis key with a
TTL that the owner renews). The owner keeps the partition's aggregators in memory, reads the
stream from its checkpoint on, publishes live views, and checkpoints state + stream offset
atomically. A worker that dies loses its leases; another takes the partitions over from their
last checkpoints and replays the tails: nothing lost, nothing applied twice. Checkpoint writes
are fenced by the lease, so a worker that lost a partition can never overwrite its successor.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import socket
import time
import uuid
from typing import Any, Final

from redis.asyncio.cluster import RedisCluster
from redis.exceptions import NoScriptError, RedisError

from app.core.config import ClockKind, Settings
from app.core.logging import get_logger
from app.core.redis_client import RedisClient
from app.core.telemetry import CHECKPOINTS_UNREADABLE
from app.streams.aggregator.checkpoint import CheckpointUnreadable
from app.streams.aggregator.facts import Fact
from app.streams.clock import Clock, wall_ms
from app.streams.engine import TickHook, offset_order
from app.streams.fact_writer import FACTS_PER_WRITE, FactSink
from app.streams.host import AggregatorHost
from app.streams.keys import Keys
from app.streams.redis_log import decode_entry
from app.streams.tenant_config import TenantConfigs
from app.streams.views import AT, IDLE_REFRESH_S, OFFSET, WrittenView, compute_parts

log = get_logger(__name__)
UNREADABLE_KEPT_S: Final = 7 * 24 * 3600

READ_EVENTS = 20_000
CHECKPOINT_COST_SHARE = 10
"""A partition is checkpointed at most every `checkpoint_interval_ms` and at most every ten
times as long as taking its last checkpoint took: the state (an hour of records) grows with the
event rate, and a fixed cadence would let a busy partition spend most of its time dumping it."""
CATCH_UP_LAG_MS = 5_000
CATCH_UP_CHECKPOINT_S = 30.0
"""While a partition catches up (its last applied entry older than CATCH_UP_LAG_MS), it is
checkpointed at most every CATCH_UP_CHECKPOINT_S: writing the replayed tail's facts (about one
per event, in this process) would otherwise take most of the CPU the replay needs, and the wall
displays wait for the replay, not for the reports. A worker that dies meanwhile leaves its
successor a longer tail, at most that long."""
STOP_GRACE_S = 2.0
"""How long a stopping worker lets its loops finish the round in flight before cancelling."""
VIEW_GAP_S = 0.05
"""Shortest time between two publications of the views (new events wake the views loop)."""
CLUSTER_BLOCK_MS = 50
"""On a Redis Cluster, how long a round waits for new entries when none were there: each
partition is read on its own (see `_read_cluster`), so a partition with news waits for the
others' blocking reads to end."""

RENEW_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: lease, checkpoint, stream. ARGV: owner, checkpoint blob, offset to trim before.
CHECKPOINT_SCRIPT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
if ARGV[3] ~= '0' then redis.call('XTRIM', KEYS[3], 'MINID', ARGV[3]) end
return 1
"""


# KEYS: the tenant's view (a hash). ARGV: the writer's epoch, the channel to announce on ('' for
# none), the announcement, the number n of fields to delete, those n fields, then field/value
# pairs to set. A write from an older epoch (a former owner) is refused; the first write of a
# newer one replaces the whole view. The epoch is kept in the view's `epoch` field.
VIEW_SCRIPT = """
local epoch = tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')
if epoch < current then return 0 end
if epoch > current then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'epoch', ARGV[1])
end
local n = tonumber(ARGV[4])
for i = 5, 4 + n do redis.call('HDEL', KEYS[1], ARGV[i]) end
for i = 5 + n, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
"""


def _entry_id(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def catching_up(offset: str, now_ms: int) -> bool:
    """The entry at `offset` (a stream id: append time in ms, sequence) was appended more than
    CATCH_UP_LAG_MS before `now_ms`: a take-over replaying a tail, or a backlog. Before the
    first entry (offset "0") nothing is known yet: not catching up."""
    ms, _, _ = offset.partition("-")
    return ms.isdigit() and 0 < int(ms) < now_ms - CATCH_UP_LAG_MS


class OwnedPartition:
    def __init__(
        self, number: int, host: AggregatorHost, epoch: int, views_from: str | None = None
    ) -> None:
        self.number = number
        self.host = host
        self.epoch = epoch
        """Fencing token of this ownership (Keys.epoch): view writes carry it."""
        self.views_from = views_from
        """The stream's last entry when this worker took the partition over: its views are
        written once the state has reached it. Until then the views its predecessor wrote stay,
        so that the walls' numbers never go back to the checkpoint's while the tail is
        replayed (they stand still instead, and staleness shows if that lasts)."""
        self.held_dirty: set[int] = set()
        """Tenants changed while the views were held, written when they are released."""
        self.checkpointed_offset = host.offset
        self.checkpointed_at = time.monotonic()
        self.checkpoint_cost = 0.0
        """Seconds the last checkpoint's state took to take (it blocks the loop meanwhile)."""
        self.pending_facts: list[tuple[int, Fact]] = []
        self.checkpointing: asyncio.Task[bool] | None = None
        self.views: dict[int, WrittenView] = {}


class PartitionWorker:
    def __init__(
        self,
        settings: Settings,
        redis: RedisClient,
        configs: TenantConfigs,
        write_facts: FactSink,
        tick_hook: TickHook | None = None,
    ) -> None:
        self.settings = settings
        self.write_facts = write_facts
        self.redis = redis
        self.keys = Keys(settings.redis_prefix)
        self.configs = configs
        self.clock = Clock(settings.clock)
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.owned: dict[int, OwnedPartition] = {}
        self.tick_hook = tick_hook
        self.cluster = isinstance(redis, RedisCluster)
        self._renew = redis.register_script(RENEW_SCRIPT)
        self._release = redis.register_script(RELEASE_SCRIPT)
        self._checkpoint = redis.register_script(CHECKPOINT_SCRIPT)
        self._write_view = redis.register_script(VIEW_SCRIPT)
        self._stop = asyncio.Event()
        self._applied = asyncio.Event()
        self._events_per_entry = 1.0

    # -- ownership --------------------------------------------------------------------------

    async def _live_workers(self) -> int:
        now = wall_ms()
        key = self.keys.workers()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {self.id: now + self.settings.lease_ttl_ms})
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zcard(key)
            _, _, live = await pipe.execute()
        return max(1, int(live))

    async def _renew_leases(self) -> None:
        for number in list(self.owned):
            ok = await self._renew(
                keys=[self.keys.lease(number)], args=[self.id, self.settings.lease_ttl_ms]
            )
            if not ok:
                log.warning("lease lost", partition=number, worker=self.id)
                self.owned.pop(number, None)

    async def _acquire(self) -> None:
        share = math.ceil(self.settings.partitions / await self._live_workers())
        while len(self.owned) > share:
            number = max(self.owned)
            if not await self._checkpoint_partition(self.owned[number]):
                break  # kept until a checkpoint is written; tried again next round
            await self._release(keys=[self.keys.lease(number)], args=[self.id])
            self.owned.pop(number, None)
            log.info("partition released for balance", partition=number, worker=self.id)
        for number in range(self.settings.partitions):
            if len(self.owned) >= share:
                break
            if number in self.owned:
                continue
            got = await self.redis.set(
                self.keys.lease(number), self.id, nx=True, px=self.settings.lease_ttl_ms
            )
            if got:
                await self._take_over(number)

    async def _take_over(self, number: int) -> None:
        host = AggregatorHost(self.configs, self.clock)
        blob: Any = await self.redis.get(self.keys.checkpoint(number))
        if blob is not None:
            try:
                await host.restore(blob)
            except CheckpointUnreadable as exc:
                host = await self._replay_without_checkpoint(number, blob, exc)
        last: Any = await self.redis.xrevrange(self.keys.events(number), count=1)
        views_from = _entry_id(last[0][0]) if last else None
        epoch = int(await self.redis.incr(self.keys.epoch(number)))
        self.owned[number] = OwnedPartition(number, host, epoch, views_from)
        log.info("partition taken over", partition=number, worker=self.id, offset=host.offset)

    async def _replay_without_checkpoint(
        self, number: int, blob: bytes, error: CheckpointUnreadable
    ) -> AggregatorHost:
        """A checkpoint this version cannot read (another format version, or damaged) must not
        leave the partition without an owner: the partition is rebuilt from the oldest entry its
        stream still holds (FLOORWATCH_STREAM_RETENTION_S at least), which is exact for what
        the stream holds and misses what was trimmed before it. The unreadable checkpoint is
        kept aside for a week for diagnosis, and the next checkpoint replaces it."""
        log.error(
            "checkpoint unreadable: the partition is rebuilt from its stream; totals from "
            "before the stream's oldest entry are missing from its windows",
            partition=number,
            worker=self.id,
            reason=str(error),
        )
        CHECKPOINTS_UNREADABLE.inc()
        await self.redis.set(self.keys.unreadable_checkpoint(number), blob, ex=UNREADABLE_KEPT_S)
        return AggregatorHost(self.configs, self.clock)

    async def _lease_loop(self) -> None:
        interval = self.settings.lease_ttl_ms / 3000
        while not self._stop.is_set():
            try:
                await self._renew_leases()
                await self._acquire()
            except Exception:
                log.exception("lease maintenance failed", worker=self.id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), interval)

    # -- consumption ------------------------------------------------------------------------

    def _begin_checkpoint(self, part: OwnedPartition) -> asyncio.Task[bool] | None:
        """Take the partition's new facts and its state as of now, and write them in the
        background while consumption goes on (the database is the slow part). None if one is
        still being written or nothing changed."""
        if part.checkpointing is not None and not part.checkpointing.done():
            return None
        part.checkpointed_at = time.monotonic()
        if (
            part.host.offset == part.checkpointed_offset
            and not part.pending_facts
            and not part.host.has_facts()
        ):
            return None
        began = time.monotonic()
        facts = part.pending_facts + part.host.drain_facts()
        part.pending_facts = []
        state = part.host.dump()
        part.checkpoint_cost = time.monotonic() - began
        part.checkpointing = asyncio.create_task(
            self._write_checkpoint(part, facts, state, part.host.offset),
            name=f"checkpoint-p{part.number}",
        )
        return part.checkpointing

    async def _write_checkpoint(
        self, part: OwnedPartition, facts: list[tuple[int, Fact]], state: bytes, offset: str
    ) -> bool:
        """Write the facts, then the checkpoint. Facts first: if writing them fails, no
        checkpoint is taken (they are kept for the next try), and a successor replays the tail
        and produces them again (they are idempotent)."""
        try:
            for at in range(0, len(facts), FACTS_PER_WRITE):
                await self.write_facts(facts[at : at + FACTS_PER_WRITE])
        except Exception:
            part.pending_facts[:0] = facts  # the ones written are skipped when written again
            log.exception("writing facts failed; checkpoint postponed", partition=part.number)
            return False
        try:
            ok = await self._checkpoint(
                keys=[
                    self.keys.lease(part.number),
                    self.keys.checkpoint(part.number),
                    self.keys.events(part.number),
                ],
                args=[self.id, state, self._trim_point(offset)],
            )
        except RedisError as exc:
            log.warning("writing the checkpoint failed", partition=part.number, error=str(exc))
            return False
        if not ok:
            log.warning("checkpoint refused: lease lost", partition=part.number, worker=self.id)
            if self.owned.get(part.number) is part:  # not a newer ownership of the same worker
                self.owned.pop(part.number)
            return False
        part.checkpointed_offset = offset
        return True

    async def _checkpoint_partition(self, part: OwnedPartition) -> bool:
        """Checkpoint now and wait until it is written (before a release or a shutdown)."""
        if part.checkpointing is not None:
            await asyncio.gather(part.checkpointing, return_exceptions=True)
        task = self._begin_checkpoint(part)
        return True if task is None else await task

    def _trim_point(self, offset: str) -> str:
        """Trim the stream before this id: never past the checkpoint, and keep at least the
        configured retention so recent history can still be read back."""
        if offset == "0":
            return "0"
        cutoff = (wall_ms() - self.settings.stream_retention_s * 1000, 0)
        ms, _, seq = offset.partition("-")
        point = min((int(ms), int(seq or 0)), cutoff)
        return f"{point[0]}-{point[1]}" if point[0] > 0 else "0"

    async def consume_once(self, block_ms: int = 200) -> int:
        """Read and apply one round of new entries from every owned partition."""
        if not self.owned:
            await asyncio.sleep(block_ms / 1000)
            return 0
        reading = {self.keys.events(n): p for n, p in self.owned.items()}
        streams: dict[Any, Any] = {key: p.host.offset for key, p in reading.items()}
        reply = await self._read(streams, self._read_count(), block_ms)
        applied = 0
        for key, rows in reply or []:
            part = reading[key.decode() if isinstance(key, bytes) else key]
            if self.owned.get(part.number) is not part:
                # lost during the read (and perhaps taken over again, from the checkpoint):
                # these rows follow the old position, not the new owner's
                continue
            entries = [decode_entry(entry_id, fields) for entry_id, fields in rows]
            await part.host.apply(entries)
            events = sum(len(e.events) for e in entries)
            applied += events
            self._events_per_entry += 0.2 * (events / len(entries) - self._events_per_entry)
        if applied:
            self._applied.set()
        return applied

    async def _read(self, streams: dict[Any, Any], count: int, block_ms: int) -> list[Any]:
        """New entries of the streams, `[(key, rows), …]`, waiting up to `block_ms` for some."""
        if self.cluster:
            return await self._read_cluster(streams, count)
        reply: Any = await self.redis.xread(streams, count=count, block=block_ms)
        return list(reply or [])

    async def _read_cluster(self, streams: dict[Any, Any], count: int) -> list[Any]:
        """A Redis Cluster refuses one XREAD over streams in different slots (each partition
        has its own): read every stream on its own, all at once; if none had anything, once
        more blocking for up to CLUSTER_BLOCK_MS."""
        for block in (None, CLUSTER_BLOCK_MS):
            replies: list[Any] = await asyncio.gather(
                *(
                    self.redis.xread({key: offset}, count=count, block=block)
                    for key, offset in streams.items()
                )
            )
            found = [row for reply in replies for row in reply or []]
            if found:
                return found
        return []

    def _read_count(self) -> int:
        """Stream entries to read per partition and round: about READ_EVENTS events (an entry
        is one ingest batch, of 1 to 10,000 events), at most `stream_batch` entries. Bounded
        rounds keep the decoded batch small in memory and let views go out between rounds
        while a worker catches up."""
        wanted = READ_EVENTS / max(1.0, self._events_per_entry)
        return max(1, min(self.settings.stream_batch, int(wanted)))

    async def _consume_loop(self) -> None:
        interval = self.settings.checkpoint_interval_ms / 1000
        while not self._stop.is_set():
            try:
                await self.consume_once()
                now = time.monotonic()
                for part in list(self.owned.values()):
                    due = max(interval, CHECKPOINT_COST_SHARE * part.checkpoint_cost)
                    if catching_up(part.host.offset, wall_ms()):
                        due = max(due, CATCH_UP_CHECKPOINT_S)
                    if now - part.checkpointed_at >= due:
                        self._begin_checkpoint(part)
            except Exception:
                log.exception("consumption failed", worker=self.id)
                await asyncio.sleep(0.5)

    async def _views_loop(self) -> None:
        """Publish views as soon as new events were applied, at most every VIEW_GAP_S, and at
        least every `update_interval_ms` (time passing, parts newly wanted). API processes
        coalesce what they push to screens at `update_interval_ms` on their side: waiting a
        whole interval here too would stack two waits in every event-to-screen latency."""
        interval = self.settings.update_interval_ms / 1000
        gap = min(VIEW_GAP_S, interval)
        while not self._stop.is_set():
            began = time.monotonic()
            self._applied.clear()
            try:
                await self.publish_views()
            except Exception:
                log.exception("publishing views failed", worker=self.id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._applied.wait(), interval)
            rest = began + gap - time.monotonic()
            if rest > 0:
                await asyncio.sleep(rest)

    async def _wanted(self, tenants: list[int]) -> dict[int, set[str]]:
        """The view parts API processes currently want, per tenant."""
        if not tenants:
            return {}
        now = wall_ms()
        async with self.redis.pipeline(transaction=False) as pipe:
            for tenant_id in tenants:
                pipe.zrangebyscore(self.keys.wanted(tenant_id), now, "+inf")
            replies: list[Any] = await pipe.execute()
        return {
            t: {m.decode() for m in members}
            for t, members in zip(tenants, replies, strict=True)
            if members
        }

    @staticmethod
    def _views_due(part: OwnedPartition, dirty: set[int]) -> set[int] | None:
        """The tenants whose views changed, or None while the partition's views are held
        (`OwnedPartition.views_from`)."""
        if part.views_from is None:
            return dirty
        if offset_order(part.host.offset) < offset_order(part.views_from):
            part.held_dirty |= dirty
            return None
        part.views_from = None
        released, part.held_dirty = part.held_dirty | dirty, set()
        return released

    async def publish_views(self) -> None:
        """Write what changed in the views of the owned tenants that are due (new events, a
        second passed under the wall clock, or a part newly wanted) and announce them."""
        owned = list(self.owned.values())
        wanted = await self._wanted([t for part in owned for t in part.host.aggregators])
        now = time.monotonic()
        wall = self.clock.kind is ClockKind.wall
        announce = self.keys.updates_channel()
        writers: list[OwnedPartition] = []
        async with self.redis.pipeline(transaction=False) as pipe:
            for part in owned:
                host = part.host
                host.tick()
                dirty, host.dirty = host.dirty, set()
                due = self._views_due(part, dirty)
                due_tenants = set() if due is None else due
                for tenant_id, agg in host.aggregators.items() if due is not None else ():
                    written = part.views.setdefault(tenant_id, WrittenView())
                    want = wanted.get(tenant_id, set())
                    if not (
                        tenant_id in due_tenants
                        or (wall and now - written.computed_at >= IDLE_REFRESH_S)
                        or not want <= written.parts.keys()
                    ):
                        continue
                    written.computed_at = now
                    parts = compute_parts(agg, host.now_ms(tenant_id), want)
                    parts[OFFSET] = host.offset.encode()
                    changed, gone = written.changes(parts)
                    if not changed and not gone:
                        continue
                    channel = announce if gone or changed.keys() - {AT, OFFSET} else ""
                    args: list[Any] = [part.epoch, channel, f"{tenant_id}:{host.offset}"]
                    args += [len(gone), *gone]
                    for name, value in changed.items():
                        args += [name, value]
                    await self._write_view(
                        keys=[self.keys.view(tenant_id)],
                        args=args,
                        client=pipe,  # type: ignore[arg-type]  # redis-py queues it in a pipeline
                    )
                    writers.append(part)
                if self.tick_hook is not None:
                    await self.tick_hook(host, dirty)
            if len(pipe):
                try:
                    results = await pipe.execute()
                except Exception as exc:
                    for part in writers:
                        part.views.clear()  # not known what was written: all again next round
                    if isinstance(exc, NoScriptError):  # a cluster node lost its script cache
                        await self.redis.script_load(VIEW_SCRIPT)
                    raise
                for part, ok in zip(writers, results, strict=True):
                    if not ok and self.owned.get(part.number) is part:
                        log.warning("view refused: partition taken over", partition=part.number)
                        self.owned.pop(part.number, None)

    async def run(self) -> None:
        """Run until `stop()`: then checkpoint, release the leases and return."""
        if self.cluster:  # pipelines of a cluster do not load scripts themselves
            with contextlib.suppress(RedisError):
                await self.redis.script_load(VIEW_SCRIPT)
        tasks = [
            asyncio.create_task(self._lease_loop(), name="worker-leases"),
            asyncio.create_task(self._consume_loop(), name="worker-consume"),
            asyncio.create_task(self._views_loop(), name="worker-views"),
        ]
        try:
            await self._stop.wait()
            # each loop checks `_stop` between rounds: letting the round in flight end leaves
            # no command cut off half-way on a connection (a cluster client leaks those)
            await asyncio.wait(tasks, timeout=STOP_GRACE_S)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._shutdown()

    async def _shutdown(self) -> None:
        for part in list(self.owned.values()):
            with contextlib.suppress(Exception):
                if await self._checkpoint_partition(part):
                    await self._release(keys=[self.keys.lease(part.number)], args=[self.id])
        self.owned.clear()
        with contextlib.suppress(Exception):
            await self.redis.zrem(self.keys.workers(), self.id)

    def stop(self) -> None:
        self._stop.set()
