"""The embedded engine: an in-process log, de-duplication table and aggregator. One process,
nothing to install. Live state lives in memory; facts go to the database in the background
(app/streams/fact_writer.py), so the live view never waits for SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Sequence

import msgspec

from app.core.config import Settings
from app.core.logging import get_logger
from app.events.schemas import Event
from app.streams.aggregator.phrases import HitRecord
from app.streams.clock import Clock, wall_ms
from app.streams.engine import AppendResult, Engine, LiveMetrics, LogEntry, Progress
from app.streams.fact_writer import FactSink, FactWriter
from app.streams.host import AggregatorHost
from app.streams.tenant_config import TenantConfigs

log = get_logger(__name__)

MEMORY_LOG_MAX_ENTRIES = 100_000
STREAMING_GAP_S = 0.2


class SeenIds:
    """Event ids per tenant remembered for the retention time, expired in arrival order."""

    def __init__(self, retention_ms: int) -> None:
        self.retention_ms = retention_ms
        self._expiry: dict[tuple[int, str], int] = {}
        self._order: deque[tuple[int, tuple[int, str]]] = deque()

    def add(self, tenant_id: int, event_id: str, now_ms: int) -> bool:
        """Remember the id; False if it was already seen within the retention time."""
        key = (tenant_id, event_id)
        expiry = self._expiry.get(key)
        if expiry is not None and expiry > now_ms:
            return False
        self._expiry[key] = now_ms + self.retention_ms
        self._order.append((now_ms + self.retention_ms, key))
        return True

    def expire(self, now_ms: int) -> None:
        order, expiry = self._order, self._expiry
        while order and order[0][0] <= now_ms:
            at, key = order.popleft()
            if expiry.get(key) == at:
                del expiry[key]

    def __len__(self) -> int:
        return len(self._expiry)


class MemoryEngine(Engine):
    kind = "memory"

    def __init__(self, settings: Settings, configs: TenantConfigs, write_facts: FactSink) -> None:
        super().__init__()
        self.facts = FactWriter(write_facts, defer_while=self._events_streaming)
        self._appended_at = 0.0
        self.settings = settings
        self.host = AggregatorHost(configs, Clock(settings.clock))
        self.seen = SeenIds(settings.dedup_retention_s * 1000)
        self._log: dict[int, deque[LogEntry]] = {}
        self._pending: asyncio.Queue[LogEntry] = asyncio.Queue()
        self._next_offset = 1
        self._consumer: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._changed_since_tick: set[int] = set()
        self._applied_offsets: dict[int, str] = {}

    async def start(self) -> None:
        self.facts.start()
        self._consumer = asyncio.create_task(self._consume(), name="memory-aggregator")
        self._ticker = asyncio.create_task(self._tick_loop(), name="memory-ticker")

    async def _tick_loop(self) -> None:
        """Let time pass for every tenant at the update cadence and run the tick hooks."""
        interval = self.settings.update_interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            try:
                self.host.tick()
                # calls that time alone finished (wrap-up limits); nothing to do when empty
                await self.facts.put(self.host.drain_facts())
                changed, self._changed_since_tick = self._changed_since_tick, set()
                await self.run_tick_hooks(self.host, changed)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("tick failed")

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._consumer is not None:
            await self.drain()
            self._consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._consumer
            self._consumer = None
        await self.facts.close()

    def _events_streaming(self) -> bool:
        """Events were appended within the last STREAMING_GAP_S (facts wait meanwhile)."""
        return time.monotonic() - self._appended_at < STREAMING_GAP_S

    async def ping(self) -> None:
        if self._consumer is None or self._consumer.done():
            raise RuntimeError("the aggregator task is not running")

    async def append(self, tenant_id: int, events: Sequence[Event]) -> AppendResult:
        now = wall_ms()
        self.seen.expire(now)
        result = AppendResult()
        kept: list[Event] = []
        for index, event in enumerate(events):
            if self.seen.add(tenant_id, event.id, now):
                result.accepted.append(index)
                kept.append(event)
            else:
                result.duplicates.append(index)
        if kept:
            self._appended_at = time.monotonic()
            entry = LogEntry(offset=str(self._next_offset), tenant_id=tenant_id, events=kept)  # type: ignore[arg-type]
            self._next_offset += 1
            self._log.setdefault(tenant_id, deque(maxlen=MEMORY_LOG_MAX_ENTRIES)).append(entry)
            self._pending.put_nowait(entry)
        return result

    async def read_log(
        self, tenant_id: int, *, after: str | None = None, limit: int = 1000
    ) -> list[LogEntry]:
        start = int(after or 0)
        entries = [e for e in self._log.get(tenant_id, ()) if int(e.offset) > start]
        return entries[:limit]

    async def _consume(self) -> None:
        while True:
            batch = [await self._pending.get()]
            while not self._pending.empty() and len(batch) < 1000:
                batch.append(self._pending.get_nowait())
            try:
                try:
                    await self.host.apply(batch)
                finally:  # taken up, even when applying failed: nobody waits for it forever
                    for entry in batch:
                        self._applied_offsets[entry.tenant_id] = entry.offset
                for tenant_id in self.host.dirty:
                    self.notify(tenant_id)
                self._changed_since_tick |= self.host.dirty
                self.host.dirty.clear()
                await self.facts.put(self.host.drain_facts())
            except Exception:
                log.exception("aggregation failed", entries=len(batch))
            finally:
                for _ in batch:
                    self._pending.task_done()

    def backlog(self) -> int:
        """Log entries appended and not yet taken up by the aggregator (its lag)."""
        return self._pending.qsize()

    async def drain(self) -> None:
        """Wait until every appended event has been aggregated."""
        await self._pending.join()

    async def live(self, tenant_id: int, queries: Sequence[tuple[str, str]]) -> LiveMetrics | None:
        if tenant_id not in self.host.aggregators:
            return None
        at = self.host.now_ms(tenant_id)
        values = {}
        for scope, window in queries:
            got = self.host.metrics(tenant_id, scope, window)
            assert got is not None
            values[(scope, window)] = got[1]
        return LiveMetrics(at_ms=at, values=values)

    async def board(self, tenant_id: int) -> tuple[int, list[dict[str, object]]] | None:
        view = self.host.aggregators.get(tenant_id)
        if view is None:
            return None
        now = self.host.now_ms(tenant_id)
        return now, [msgspec.structs.asdict(row) for row in view.agent_board(now)]

    async def callbacks(self, tenant_id: int) -> tuple[int, list[dict[str, object]]] | None:
        view = self.host.aggregators.get(tenant_id)
        if view is None:
            return None
        now = self.host.now_ms(tenant_id)
        return now, view.callback_rows(now)

    async def deals(self, tenant_id: int) -> tuple[int, list[dict[str, object]]] | None:
        view = self.host.aggregators.get(tenant_id)
        if view is None:
            return None
        now = self.host.now_ms(tenant_id)
        return now, view.deal_rows(now)

    async def counts(self, tenant_id: int) -> dict[str, int]:
        agg = self.host.aggregators.get(tenant_id)
        return agg.counts_by_type() if agg else {}

    async def phrase_hits(self, tenant_id: int) -> list[HitRecord]:
        agg = self.host.aggregators.get(tenant_id)
        return agg.phrase_hits(self.host.now_ms(tenant_id)) if agg else []

    async def progress(self, tenant_id: int) -> Progress:
        entries = self._log.get(tenant_id)
        return Progress(
            appended=entries[-1].offset if entries else None,
            applied=self._applied_offsets.get(tenant_id),
        )
