"""The day plans rules `against_plan` compare with: per scope and metric, the standard scenario
of the day plan in force on the tenant's local date (`plans.service.day_standards`: the newest
plan wins where plans overlap, as in reports and on the wall). Read from the database at most
every PLANS_TTL_S per tenant, so a plan saved in any process is used within that time, and
again when the tenant's date changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from app.core.db import Database
from app.core.tenant_cache import TenantCache
from app.facts.calendar import local_date, zone
from app.plans.service import day_standards

PLANS_TTL_S: Final = 5.0

DayPlans = Mapping[str, Mapping[str, float]]
"""scope (`tenant`, `queue:NAME`, `team:NAME`, `agent:ID`, `pipeline:NAME`) → metric → the
plan's standard."""


@dataclass(frozen=True, slots=True)
class PlanReading:
    """One instance measured against its plan: `share` is `actual / plan` (None without a
    figure, or with a plan of 0, which no share can be taken of)."""

    actual: float | None
    plan: float

    @property
    def share(self) -> float | None:
        if self.actual is None or self.plan == 0:
            return None
        return self.actual / self.plan


def reading(plans: DayPlans, scope: str, metric: str, actual: float | None) -> PlanReading | None:
    """The instance against its day plan; None when it has none today."""
    plan = plans.get(scope, {}).get(metric)
    return None if plan is None else PlanReading(actual, plan)


class DayPlanCache:
    def __init__(self, db: Database, ttl_s: float = PLANS_TTL_S) -> None:
        self.db = db
        self._cache: TenantCache[tuple[date, DayPlans]] = TenantCache(ttl_s, "day plans")

    async def get(self, tenant_id: int, timezone: str, now_ms: int) -> DayPlans:
        """The tenant's day plans for its local date at `now_ms` (aggregator time)."""
        day = local_date(now_ms, zone(timezone))

        async def load() -> tuple[date, DayPlans]:
            async with self.db.session() as session:
                return day, await day_standards(session, tenant_id, day)

        loaded_day, plans = await self._cache.get(tenant_id, load)
        if loaded_day != day:  # the tenant's midnight passed since they were read
            self._cache.invalidate(tenant_id)
            loaded_day, plans = await self._cache.get(tenant_id, load)
        return plans

    def forget(self, tenant_id: int) -> None:
        self._cache.invalidate(tenant_id)
