"""Progress to plan on one date: for every plan in force that day, the actual value of its
metric and scope over the plan's period containing the date (the day, its ISO week or its
month), so far."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.policy import Access
from app.facts.calendar import Period, ReportCalendar
from app.facts.scoping import agent_teams, live_now, tenant_zone
from app.kpi.rows import empty_metrics, kpi_rows
from app.plans.models import PlanRow
from app.plans.service import attainment, list_plans, plan_versus_actual, scope_group
from app.registry.metrics import SHIFT_METRICS
from app.services import Services
from app.shifts.outcomes import ShiftOutcome
from app.shifts.service import shift_outcomes


def plan_visible(access: Access, plan: PlanRow, team_of: dict[str, str]) -> bool:
    return access.can_see_scope(plan.scope, team_of)


async def plan_progress(
    services: Services, session: AsyncSession, tenant_id: int, access: Access, day: date
) -> list[dict[str, Any]]:
    tz = await tenant_zone(session, tenant_id)
    team_of = await agent_teams(session, tenant_id)
    now, _ = await live_now(services, tenant_id)
    plans = [
        p
        for p in await list_plans(session, tenant_id, first=day, last=day)
        if plan_visible(access, p, team_of)
    ]
    by_period: dict[str, list[PlanRow]] = defaultdict(list)
    for plan in plans:
        by_period[plan.period].append(plan)
    out: list[dict[str, Any]] = []
    for period, group in by_period.items():
        cal = ReportCalendar(tz, Period(period), day, day)
        shifts: list[ShiftOutcome] = []
        if any(p.metric in SHIFT_METRICS for p in group):
            shifts = await shift_outcomes(services, session, tenant_id, cal, access, team_of)
        needed = {scope_group(p.scope)[0] for p in group}
        actual: dict[str, dict[str, Any]] = {}
        for group_by in needed:
            rows = await kpi_rows(
                session, tenant_id, group_by, cal, access, shifts=shifts, team_of=team_of.get
            )
            for row in rows:
                actual[row.scope(group_by)] = row.metrics
        span = cal.end_ms - cal.start_ms
        elapsed = min(1.0, max(0.0, (now - cal.start_ms) / span))
        for plan in sorted(group, key=lambda p: p.id):
            metrics = actual.get(plan.scope) or empty_metrics(scope_group(plan.scope)[0])
            value = metrics.get(plan.metric)
            versus = plan_versus_actual(plan, value)
            out.append(
                {
                    "plan_id": plan.id,
                    "metric": plan.metric,
                    "scope": plan.scope,
                    "period": plan.period,
                    "period_start": cal.iso(cal.start_ms),
                    "period_end": cal.iso(cal.end_ms),
                    "elapsed": elapsed,
                    **{k: versus[k] for k in ("actual", "minimum", "standard", "maximum")},
                    "deviation": versus["deviation"],
                    "deviation_pct": versus["deviation_pct"],
                    "progress": attainment(plan.metric, value, plan.standard),
                    "level": versus["level"],
                }
            )
    out.sort(key=lambda item: item["plan_id"])
    return out
