"""A per-tenant cache of something read from the database, with listeners told when it changes.

    cache.add_listener(callback)            callback(tenant_id) after the tenant's value changed
    await cache.get(tenant_id, load)        the cached value, or `await load()` when stale
    cache.invalidate(tenant_id)             forget it and call the listeners

A value loaded while an invalidation happened is returned but not kept (the generation
counter), so a change is never hidden behind a load that started before it. A change made in
another process is seen when the time-to-live runs out, unless something invalidates sooner.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from app.core.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")
Listener = Callable[[int], None]


class TenantCache(Generic[T]):
    def __init__(self, ttl_s: float, name: str) -> None:
        self.ttl_s = ttl_s
        self.name = name
        self._listeners: list[Listener] = []
        self._values: dict[int, tuple[float, T]] = {}
        self._generation: dict[int, int] = {}

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    async def get(self, tenant_id: int, load: Callable[[], Awaitable[T]]) -> T:
        hit = self._values.get(tenant_id)
        if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
            return hit[1]
        generation = self._generation.get(tenant_id, 0)
        value = await load()
        if self._generation.get(tenant_id, 0) == generation:
            self._values[tenant_id] = (time.monotonic(), value)
        return value

    def forget_all(self) -> None:
        """Drop every cached value (changes may have been missed); nobody is told."""
        self._values.clear()

    def invalidate(self, tenant_id: int) -> None:
        self._values.pop(tenant_id, None)
        self._generation[tenant_id] = self._generation.get(tenant_id, 0) + 1
        for listener in list(self._listeners):
            try:
                listener(tenant_id)
            except Exception:
                log.exception("listener failed", cache=self.name)
