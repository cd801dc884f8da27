"""The engine interface: an event log with de-duplication, the aggregators behind it, and the
live views they produce. Two implementations: `memory` (one process) and `redis` (scale-out)."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgspec

from app.events.schemas import AnyEvent, Event

if TYPE_CHECKING:
    from app.streams.aggregator.phrases import HitRecord
    from app.streams.host import AggregatorHost


@dataclass(slots=True)
class AppendResult:
    """Indices (into the appended sequence) of the events kept and of those already seen."""

    accepted: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)


class LogEntry(msgspec.Struct, frozen=True):
    """One append as stored in the log: a tenant's batch of new events."""

    offset: str
    tenant_id: int
    events: list[AnyEvent]


class LiveMetrics(msgspec.Struct):
    at_ms: int
    values: dict[tuple[str, str], dict[str, float | int | None]]


def offset_order(offset: str) -> tuple[int, int]:
    """A log offset as something to compare: a stream id `MS-SEQ` (redis engine) or an entry
    number (memory engine)."""
    first, _, second = offset.partition("-")
    return int(first), int(second or 0)


@dataclass(frozen=True, slots=True)
class Progress:
    """How far the aggregator has got with one tenant's events: the offset of the tenant's
    last append, and the offset up to which the log has been applied to what `/v1/metrics`
    serves (on the redis engine, the tenant's published view). None: nothing yet."""

    appended: str | None
    applied: str | None

    @property
    def caught_up(self) -> bool:
        return self.appended is None or (
            self.applied is not None and offset_order(self.applied) >= offset_order(self.appended)
        )


UpdateListener = Callable[[int], None]
TickHook = Callable[["AggregatorHost", set[int]], Awaitable[None]]
"""Called by whoever owns aggregators (the memory engine; on the redis engine, the worker that
owns a partition) after each tick, with the host and the tenants whose state changed since the
last tick. Alert evaluation runs here, so it happens exactly once per tenant."""


class Engine(ABC):
    """Listeners added with `add_listener` are called with a tenant id whenever that tenant's
    live state has changed (after events were aggregated; on the redis engine, when a worker
    announces a new view). They must be quick and must not raise."""

    kind: str

    def __init__(self) -> None:
        self._listeners: list[UpdateListener] = []
        self._tick_hooks: list[TickHook] = []

    def add_tick_hook(self, hook: TickHook) -> None:
        self._tick_hooks.append(hook)

    async def run_tick_hooks(self, host: AggregatorHost, changed: set[int]) -> None:
        for hook in self._tick_hooks:
            try:
                await hook(host, changed)
            except asyncio.CancelledError:
                raise
            except Exception:
                logging.getLogger(__name__).exception("tick hook failed")

    def add_listener(self, listener: UpdateListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: UpdateListener) -> None:
        self._listeners.remove(listener)

    def notify(self, tenant_id: int) -> None:
        for listener in self._listeners:
            listener(tenant_id)

    @abstractmethod
    async def start(self) -> None:
        """Open clients and start background tasks."""

    @abstractmethod
    async def close(self) -> None:
        """Stop background tasks (draining what is in flight) and close clients."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise if the engine cannot take events now."""

    @abstractmethod
    async def append(self, tenant_id: int, events: Sequence[Event]) -> AppendResult:
        """De-duplicate by event id and append the new events to the tenant's log.

        Returns only once the log holds them: an accepted event is never lost."""

    @abstractmethod
    async def read_log(
        self, tenant_id: int, *, after: str | None = None, limit: int = 1000
    ) -> list[LogEntry]:
        """The tenant's log entries after `after` (oldest first)."""

    @abstractmethod
    async def live(self, tenant_id: int, queries: Sequence[tuple[str, str]]) -> LiveMetrics | None:
        """Live metrics of (scope, window) pairs; None if nothing was aggregated yet.
        A scope the tenant has not seen yet gets the empty catalog (zeros and nulls)."""

    @abstractmethod
    async def board(self, tenant_id: int) -> tuple[int, list[dict[str, object]]] | None:
        """The live agent board (time of the view, rows)."""

    @abstractmethod
    async def callbacks(self, tenant_id: int) -> tuple[int, list[dict[str, object]]] | None:
        """The call-back list (time of the view, rows of `TenantAggregator.callback_rows`;
        numbers whole: whoever shows them masks them by role, app/callbacks/service.py)."""

    @abstractmethod
    async def deals(self, tenant_id: int) -> tuple[int, list[dict[str, object]]] | None:
        """The wall's deal list (time of the view, rows of `TenantAggregator.deal_rows`:
        stalled open deals and recent wins)."""

    @abstractmethod
    async def counts(self, tenant_id: int) -> dict[str, int]:
        """Exact count of aggregated events per type."""

    @abstractmethod
    async def phrase_hits(self, tenant_id: int) -> list[HitRecord]:
        """The tenant's latest phrase hits, oldest first (docs/phrases.md)."""

    @abstractmethod
    async def progress(self, tenant_id: int) -> Progress:
        """The tenant's last appended and applied offsets."""
