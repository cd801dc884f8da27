"""The aggregators of one partition (or, with the memory engine, of every tenant), their clock
and their checkpoint. Engines feed it log entries; it answers with metrics and views."""

from __future__ import annotations

import time
from collections.abc import Sequence

import msgspec

from app.core.telemetry import observe_aggregation
from app.streams.aggregator import TenantAggregator
from app.streams.aggregator.checkpoint import CheckpointUnreadable
from app.streams.aggregator.facts import Fact
from app.streams.clock import Clock
from app.streams.engine import LogEntry
from app.streams.tenant_config import TenantConfigs


class HostCheckpoint(msgspec.Struct):
    """Everything needed to continue exactly where the host stopped: state + log offset."""

    offset: str
    tenants: dict[int, bytes]
    latest_ms: dict[int, int]


class AggregatorHost:
    def __init__(self, configs: TenantConfigs, clock: Clock) -> None:
        self.configs = configs
        self.clock = clock
        self.aggregators: dict[int, TenantAggregator] = {}
        self.latest_ms: dict[int, int] = {}
        self.offset = "0"
        self.dirty: set[int] = set()
        self.applied_events = 0

    async def aggregator(self, tenant_id: int) -> TenantAggregator:
        agg = self.aggregators.get(tenant_id)
        if agg is None:
            agg = TenantAggregator(await self.configs.get(tenant_id))
            self.aggregators[tenant_id] = agg
        elif self.configs.is_stale(tenant_id):
            agg.set_config(await self.configs.get(tenant_id))
        return agg

    async def apply(self, entries: Sequence[LogEntry]) -> None:
        started, before = time.perf_counter(), self.applied_events
        for entry in entries:
            if entry.events:
                agg = await self.aggregator(entry.tenant_id)
                agg.apply_batch(entry.events)
                newest = max(ev.ms for ev in entry.events)
                if newest > self.latest_ms.get(entry.tenant_id, 0):
                    self.latest_ms[entry.tenant_id] = newest
                self.dirty.add(entry.tenant_id)
                self.applied_events += len(entry.events)
            self.offset = entry.offset
        observe_aggregation(time.perf_counter() - started, self.applied_events - before)

    def drain_facts(self) -> list[tuple[int, Fact]]:
        """Facts produced since the last call, with their tenant."""
        return [
            (tenant_id, fact)
            for tenant_id, agg in self.aggregators.items()
            for fact in agg.drain_facts()
        ]

    def has_facts(self) -> bool:
        """Facts wait to be drained, also when no event came (`tick` let time finish calls)."""
        return any(agg.has_facts for agg in self.aggregators.values())

    def now_ms(self, tenant_id: int) -> int:
        return self.clock.now(self.latest_ms.get(tenant_id, 0))

    def tick(self) -> None:
        """Let time pass: expire calls, slide windows, reset `today` at midnight."""
        for tenant_id, agg in self.aggregators.items():
            agg.advance(self.now_ms(tenant_id))

    def metrics(
        self, tenant_id: int, scope: str, window: str
    ) -> tuple[int, dict[str, float | int | None]] | None:
        agg = self.aggregators.get(tenant_id)
        if agg is None:
            return None
        now = self.now_ms(tenant_id)
        agg.advance(now)
        return now, agg.metrics(scope, window, now)

    def dump(self) -> bytes:
        return msgspec.msgpack.encode(
            HostCheckpoint(
                offset=self.offset,
                tenants={tid: agg.dump() for tid, agg in self.aggregators.items()},
                latest_ms=dict(self.latest_ms),
            )
        )

    async def restore(self, data: bytes) -> None:
        """Continue from a checkpoint. Raises CheckpointUnreadable (and changes nothing) when
        it was written in a format this version does not read; a database that cannot be
        reached for the tenants' settings raises as it is (the take-over is tried again)."""
        try:
            checkpoint = msgspec.msgpack.decode(data, type=HostCheckpoint)
        except msgspec.MsgspecError as exc:
            raise CheckpointUnreadable(f"not a partition checkpoint: {exc}") from exc
        configs = {tid: await self.configs.get(tid) for tid in checkpoint.tenants}
        aggregators = {
            tid: TenantAggregator.load(blob, configs[tid])
            for tid, blob in checkpoint.tenants.items()
        }
        self.offset = checkpoint.offset
        self.latest_ms = dict(checkpoint.latest_ms)
        self.aggregators = aggregators
        self.dirty = set(self.aggregators)
