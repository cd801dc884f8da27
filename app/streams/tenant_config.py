"""Each tenant's aggregator configuration, cached: aggregators pick up edits within `ttl_s`.

What a configuration holds is read from the database by the loader the application wires in
(app/tenant_config.py), so the engine does not reach into the tables of other packages."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from app.streams.aggregator.config import TenantConfig

TenantConfigLoader = Callable[[int], Awaitable[TenantConfig]]


class TenantConfigs:
    def __init__(self, load: TenantConfigLoader, ttl_s: float = 10.0) -> None:
        self.load = load
        self.ttl_s = ttl_s
        self._cache: dict[int, tuple[float, TenantConfig]] = {}

    async def get(self, tenant_id: int) -> TenantConfig:
        hit = self._cache.get(tenant_id)
        if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
            return hit[1]
        config = await self.load(tenant_id)
        self._cache[tenant_id] = (time.monotonic(), config)
        return config

    def is_stale(self, tenant_id: int) -> bool:
        hit = self._cache.get(tenant_id)
        return hit is None or time.monotonic() - hit[0] >= self.ttl_s

    def invalidate(self, tenant_id: int | None = None) -> None:
        if tenant_id is None:
            self._cache.clear()
        else:
            self._cache.pop(tenant_id, None)
