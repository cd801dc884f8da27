"""The day plans rules `against_plan` compare with: per scope and metric, the standard scenario
of the day plan in force on the tenant's local date (the newest plan wins where plans overlap,
as in reports and on the wall). Read from the database at most every PLANS_TTL_S per tenant,
so a plan saved in any process is used within that time, and again when the date changes."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from app.core.db import Database
from app.plans.service import list_plans
from app.reports.calendar import local_date, zone

PLANS_TTL_S: Final = 5.0

DayPlans = Mapping[str, Mapping[str, float]]
"""scope (`tenant`, `queue:NAME`, `team:NAME`, `agent:ID`) → metric → the plan's standard."""


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
        self.ttl_s = ttl_s
        self._loaded: dict[int, tuple[float, date, dict[str, dict[str, float]]]] = {}

    async def get(self, tenant_id: int, timezone: str, now_ms: int) -> DayPlans:
        """The tenant's day plans for its local date at `now_ms` (aggregator time)."""
        day = local_date(now_ms, zone(timezone))
        cached = self._loaded.get(tenant_id)
        now = time.monotonic()
        if cached is not None and cached[1] == day and now - cached[0] < self.ttl_s:
            return cached[2]
        async with self.db.session() as session:
            plans = await list_plans(session, tenant_id, period="day", first=day, last=day)
        by_scope: dict[str, dict[str, float]] = {}
        for plan in plans:  # newest first
            by_scope.setdefault(plan.scope, {}).setdefault(plan.metric, plan.standard)
        self._loaded[tenant_id] = (now, day, by_scope)
        return by_scope

    def forget(self, tenant_id: int) -> None:
        self._loaded.pop(tenant_id, None)
