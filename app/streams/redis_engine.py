"""The redis engine: the event log on Redis Streams, aggregation in partition workers, live
views in Redis. `floorwatch serve` runs API + worker in one process; `floorwatch worker` runs
only the worker, so N API processes and M workers can share one Redis."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

from app.core.config import Settings
from app.core.logging import get_logger
from app.core.redis_client import connect_redis
from app.events.schemas import Event
from app.streams.aggregator.phrases import HitRecord
from app.streams.clock import wall_ms
from app.streams.engine import AppendResult, Engine, LiveMetrics, LogEntry, Progress
from app.streams.fact_writer import FactSink
from app.streams.keys import Keys
from app.streams.redis_log import RedisLog
from app.streams.tenant_config import TenantConfigs
from app.streams.views import (
    AT,
    BOARD,
    CALLBACKS,
    DEALS,
    META,
    OFFSET,
    PHRASE_HITS,
    WANT_TTL_MS,
    always_written,
    at_decoder,
    board_decoder,
    callbacks_decoder,
    deals_decoder,
    hits_decoder,
    meta_decoder,
    scope_decoder,
    scope_field,
)
from app.streams.worker import PartitionWorker

log = get_logger(__name__)

FIRST_READ_WAIT_S = 2.0
"""How long a read waits for view parts asked for the first time (the owner writes them at
its next tick)."""


class RedisEngine(Engine):
    kind = "redis"

    def __init__(
        self,
        settings: Settings,
        configs: TenantConfigs,
        write_facts: FactSink,
        *,
        run_worker: bool,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.redis = connect_redis(settings.redis_url)
        self.keys = Keys(settings.redis_prefix)
        self.log = RedisLog(
            self.redis, self.keys, settings.partitions, settings.dedup_retention_s * 1000
        )
        self.worker = (
            PartitionWorker(
                settings, self.redis, configs, write_facts, tick_hook=self.run_tick_hooks
            )
            if run_worker
            else None
        )
        self._worker_task: asyncio.Task[None] | None = None
        self._updates_task: asyncio.Task[None] | None = None
        self._wanted: dict[tuple[int, str], float] = {}

    async def start(self) -> None:
        if self.worker is not None:
            self._worker_task = asyncio.create_task(self.worker.run(), name="partition-worker")
        self._updates_task = asyncio.create_task(self._listen_updates(), name="view-updates")

    async def _listen_updates(self) -> None:
        """Relay the workers' view announcements (`TENANT:OFFSET`) to the listeners.
        A lost message is healed by the next one: views are whole, not deltas."""
        channel = self.keys.updates_channel()
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(channel)
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    data = message["data"]
                    tenant, _, _ = (data.decode() if isinstance(data, bytes) else data).partition(
                        ":"
                    )
                    if tenant.isdigit():
                        self.notify(int(tenant))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("updates subscription lost; resubscribing", error=str(exc))
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def close(self) -> None:
        if self._updates_task is not None:
            self._updates_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._updates_task
        if self.worker is not None and self._worker_task is not None:
            self.worker.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._worker_task, 10)
        await self.redis.aclose()

    async def ping(self) -> None:
        await self.redis.ping()

    async def append(self, tenant_id: int, events: Sequence[Event]) -> AppendResult:
        return await self.log.append(tenant_id, events)

    async def read_log(
        self, tenant_id: int, *, after: str | None = None, limit: int = 1000
    ) -> list[LogEntry]:
        return await self.log.read_tenant(tenant_id, after=after, limit=limit)

    async def _want(self, tenant_id: int, parts: list[str]) -> bool:
        """Tell the owning worker to keep these view parts written (renewed at half their time
        to live). True if one of them was not wanted by this process before."""
        now = time.monotonic()
        due = [p for p in parts if self._wanted.get((tenant_id, p), 0.0) < now]
        if not due:
            return False
        fresh = any((tenant_id, p) not in self._wanted for p in due)
        key = self.keys.wanted(tenant_id)
        until = wall_ms() + WANT_TTL_MS
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, dict.fromkeys(due, until))
            pipe.zremrangebyscore(key, "-inf", wall_ms())
            pipe.pexpire(key, WANT_TTL_MS)
            await pipe.execute()
        for part in due:
            self._wanted[(tenant_id, part)] = now + WANT_TTL_MS / 2000
        return fresh

    async def _read_view(self, tenant_id: int, parts: list[str], *, wait: bool) -> list[Any]:
        """HMGET of `at` and the parts; with `wait`, give the worker a little time to write
        parts that were just asked for the first time."""
        fields = [AT, *parts]
        got: list[Any] = await self.redis.hmget(self.keys.view(tenant_id), fields)
        if wait and got[0] is not None and None in got:
            deadline = time.monotonic() + FIRST_READ_WAIT_S
            while None in got and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                got = await self.redis.hmget(self.keys.view(tenant_id), fields)
        return got

    async def live(self, tenant_id: int, queries: Sequence[tuple[str, str]]) -> LiveMetrics | None:
        fields = sorted({scope_field(scope) for scope, _ in queries})
        fresh = await self._want(tenant_id, [f for f in fields if not always_written(f)])
        at, *blobs = await self._read_view(tenant_id, fields, wait=fresh)
        if at is None:
            return None
        scopes = {
            field: scope_decoder.decode(blob) if blob is not None else {}
            for field, blob in zip(fields, blobs, strict=True)
        }
        return LiveMetrics(
            at_ms=at_decoder.decode(at),
            values={(s, w): scopes[scope_field(s)].get(w, {}) for s, w in queries},
        )

    async def board(self, tenant_id: int) -> tuple[int, list[dict[str, object]]] | None:
        fresh = await self._want(tenant_id, [BOARD])
        at, blob = await self._read_view(tenant_id, [BOARD], wait=fresh)
        if at is None:
            return None
        return at_decoder.decode(at), board_decoder.decode(blob) if blob is not None else []

    async def callbacks(self, tenant_id: int) -> tuple[int, list[dict[str, object]]] | None:
        fresh = await self._want(tenant_id, [CALLBACKS])
        at, blob = await self._read_view(tenant_id, [CALLBACKS], wait=fresh)
        if at is None:
            return None
        return at_decoder.decode(at), callbacks_decoder.decode(blob) if blob is not None else []

    async def deals(self, tenant_id: int) -> tuple[int, list[dict[str, object]]] | None:
        fresh = await self._want(tenant_id, [DEALS])
        at, blob = await self._read_view(tenant_id, [DEALS], wait=fresh)
        if at is None:
            return None
        return at_decoder.decode(at), deals_decoder.decode(blob) if blob is not None else []

    async def counts(self, tenant_id: int) -> dict[str, int]:
        blob: Any = await self.redis.hget(self.keys.view(tenant_id), META)
        return meta_decoder.decode(blob).counts if blob is not None else {}

    async def phrase_hits(self, tenant_id: int) -> list[HitRecord]:
        blob: Any = await self.redis.hget(self.keys.view(tenant_id), PHRASE_HITS)
        return hits_decoder.decode(blob) if blob is not None else []

    async def progress(self, tenant_id: int) -> Progress:
        appended = await self.log.last_appended(tenant_id)
        applied: Any = await self.redis.hget(self.keys.view(tenant_id), OFFSET)
        return Progress(
            appended=appended,
            applied=applied.decode() if isinstance(applied, bytes) else applied,
        )
