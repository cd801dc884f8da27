"""Server-side trend history: the live values of the series that walls chart, sampled so that a
freshly opened wall draws the last hour at once (a TV switched on at 10:00 shows 9:00-10:00).

A series is (tenant, scope, window, metric). The recorder samples every series of a chart
widget on any dashboard (re-read every DISCOVER_S, and at once when a dashboard is saved in
this process), plus any series asked for through `GET /v1/metrics/history` in the last
ASKED_TTL_S. Each sample is exactly what the live aggregator answered at that moment
(`engine.live`), taken every `trend_sample_s`; KEEP_MS are kept, in this process's memory. An
API process that started a moment ago therefore has only that moment; the page keeps adding
its own live samples either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from typing import Final

from sqlalchemy import select

from app.core.logging import get_logger
from app.dashboards.feed import DashboardFeed
from app.services import Services
from app.tenancy.models import Dashboard

log = get_logger(__name__)

KEEP_MS: Final = 65 * 60 * 1000
DISCOVER_S: Final = 60.0
ASKED_TTL_S: Final = 2 * 3600.0
MAX_ASKED_PER_TENANT: Final = 200
"""Series a tenant's callers may add by asking; beyond, asking returns what is recorded but
starts nothing (so that nobody can make the server sample arbitrary names without end)."""

SeriesKey = tuple[str, str, str]
"""(scope, window, metric) inside one tenant."""
Point = tuple[int, float | int | None]


class TrendRecorder:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.sample_s = services.settings.trend_sample_s
        self.points: dict[int, dict[SeriesKey, deque[Point]]] = defaultdict(dict)
        self.charted: dict[int, set[SeriesKey]] = {}
        self.asked: dict[tuple[int, SeriesKey], float] = {}
        self._discover_due = 0.0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.services.part(DashboardFeed).add_listener(self._rediscover)
        self._task = asyncio.create_task(self._loop(), name="trend-recorder")

    async def close(self) -> None:
        with contextlib.suppress(ValueError):
            self.services.part(DashboardFeed).remove_listener(self._rediscover)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def history(self, tenant_id: int, series: SeriesKey, since_ms: int) -> list[Point]:
        """The samples of `series` from `since_ms` on; recording starts with the first ask."""
        key = (tenant_id, series)
        if key in self.asked or self._asked_count(tenant_id) < MAX_ASKED_PER_TENANT:
            self.asked[key] = time.monotonic()
        found = self.points.get(tenant_id, {}).get(series)
        return [p for p in found if p[0] >= since_ms] if found else []

    def _asked_count(self, tenant_id: int) -> int:
        return sum(1 for asker, _ in self.asked if asker == tenant_id)

    def _rediscover(self, _tenant_id: int) -> None:
        self._discover_due = 0.0

    async def _loop(self) -> None:
        while True:
            started = time.monotonic()
            try:
                if started >= self._discover_due:
                    self.charted = await self._charted_series()
                    self._discover_due = started + DISCOVER_S
                await self._sample(started)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("trend sampling failed", error=repr(exc))
            await asyncio.sleep(max(0.0, started + self.sample_s - time.monotonic()))

    async def _charted_series(self) -> dict[int, set[SeriesKey]]:
        out: dict[int, set[SeriesKey]] = defaultdict(set)
        async with self.services.db.session() as session:
            rows = await session.execute(select(Dashboard.tenant_id, Dashboard.widgets))
            for tenant_id, widgets in rows.all():
                for w in widgets or []:
                    if w.get("type") == "chart" and w.get("metric"):
                        out[tenant_id].add((w.get("scope") or "tenant", w["window"], w["metric"]))
        return out

    def _wanted(self, now: float) -> dict[int, set[SeriesKey]]:
        wanted: dict[int, set[SeriesKey]] = defaultdict(set)
        for tenant_id, series in self.charted.items():
            wanted[tenant_id] |= series
        for (tenant_id, asked_series), asked_at in list(self.asked.items()):
            if now - asked_at > ASKED_TTL_S:
                del self.asked[(tenant_id, asked_series)]
            else:
                wanted[tenant_id].add(asked_series)
        return wanted

    async def _sample(self, now: float) -> None:
        wanted = self._wanted(now)
        for tenant_id in set(self.points) - set(wanted):
            del self.points[tenant_id]
        for tenant_id, series in wanted.items():
            queries = sorted({(scope, window) for scope, window, _ in series})
            live = await self.services.engine.live(tenant_id, queries)
            if live is None:
                continue
            mine = self.points[tenant_id]
            for gone in set(mine) - series:
                del mine[gone]
            oldest = live.at_ms - KEEP_MS
            for key in series:
                scope, window, metric = key
                values = live.values.get((scope, window)) or {}
                points = mine.setdefault(key, deque())
                if points and points[-1][0] >= live.at_ms:
                    continue
                points.append((live.at_ms, values.get(metric)))
                while points and points[0][0] < oldest:
                    points.popleft()
