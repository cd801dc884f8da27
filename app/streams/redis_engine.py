"""The redis engine: the event log on Redis Streams, aggregation in partition workers, live
views in Redis. `floorwatch serve` runs API + worker in one process; `floorwatch worker` runs
only the worker, so N API processes and M workers can share one Redis."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import msgspec
from redis.asyncio import Redis

from app.config import Settings
from app.core.logging import get_logger
from app.events.schemas import Event
from app.streams.engine import AppendResult, Engine, LiveMetrics, LogEntry, TenantView
from app.streams.keys import Keys
from app.streams.redis_log import RedisLog
from app.streams.tenant_config import TenantConfigs
from app.streams.worker import PartitionWorker

_view_decoder = msgspec.msgpack.Decoder(TenantView)
log = get_logger(__name__)


def connect_redis(url: str) -> Redis:
    return Redis.from_url(
        url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30
    )


class RedisEngine(Engine):
    kind = "redis"

    def __init__(self, settings: Settings, configs: TenantConfigs, *, run_worker: bool) -> None:
        super().__init__()
        self.settings = settings
        self.redis = connect_redis(settings.redis_url)
        self.keys = Keys(settings.redis_prefix)
        self.log = RedisLog(
            self.redis, self.keys, settings.partitions, settings.dedup_retention_s * 1000
        )
        self.worker = (
            PartitionWorker(settings, self.redis, configs, tick_hook=self.run_tick_hooks)
            if run_worker
            else None
        )
        self._worker_task: asyncio.Task[None] | None = None
        self._updates_task: asyncio.Task[None] | None = None

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
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

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

    async def view(self, tenant_id: int) -> TenantView | None:
        blob: Any = await self.redis.get(self.keys.view(tenant_id))
        return None if blob is None else _view_decoder.decode(blob)

    async def live(self, tenant_id: int, queries: Sequence[tuple[str, str]]) -> LiveMetrics | None:
        view = await self.view(tenant_id)
        if view is None:
            return None
        return LiveMetrics(
            at_ms=view.at_ms,
            values={(s, w): view.metrics.get(s, {}).get(w, {}) for s, w in queries},
        )

    async def board(self, tenant_id: int) -> tuple[int, list[dict[str, object]]] | None:
        view = await self.view(tenant_id)
        return None if view is None else (view.at_ms, view.board)

    async def counts(self, tenant_id: int) -> dict[str, int]:
        view = await self.view(tenant_id)
        return view.counts if view else {}
