"""Build a KPI report: the tenant's calendar, the rollup sums, the shifts' outcomes, plans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.policy import Access
from app.core.errors import BadRequest
from app.facts.calendar import (
    Period,
    ReportCalendar,
)
from app.facts.rollups import TENANT
from app.facts.scoping import agent_names, agent_teams, tenant_zone
from app.kpi.phrase_rows import PhraseLists, report_lists
from app.kpi.rows import (
    KEY_FIELDS,
    METRICS,
    Filters,
    GroupBy,
    KpiRow,
    kpi_rows,
    rollup_kind,
)
from app.plans.service import PLAN_PERIODS, PlanIndex, attach_plans, list_plans
from app.services import Services
from app.shifts.outcomes import ShiftOutcome
from app.shifts.service import shift_outcomes

MAX_BUCKETS: Final = 3000
"""A report has at most this many periods (a month of 15-minute intervals is 2976)."""


@dataclass(slots=True)
class KpiReport:
    timezone: str
    group_by: GroupBy
    calendar: ReportCalendar
    rows: list[KpiRow]
    planned: set[str] = field(default_factory=set)
    agent_names: dict[str, str] = field(default_factory=dict)
    """Display names of the agents (agent reports), so that rows read as people, not ids."""
    phrase_lists: PhraseLists = field(default_factory=PhraseLists)

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Every metric of the rows, in order: METRICS, then the per-list phrase metrics."""
        return (*METRICS, *self.phrase_lists.metric_names)

    @property
    def key_fields(self) -> tuple[str, ...]:
        return KEY_FIELDS[self.group_by]


async def build_report(
    services: Services,
    session: AsyncSession,
    tenant_id: int,
    access: Access,
    group_by: GroupBy,
    period: Period,
    first: date,
    last: date,
    filters: Filters = Filters(),
    with_plan: bool = False,
) -> KpiReport:
    tz = await tenant_zone(session, tenant_id)
    try:
        cal = ReportCalendar(tz, period, first, last)
    except ValueError as exc:
        raise BadRequest(str(exc), details=[{"field": "to", "reason": str(exc)}]) from exc
    if cal.count() > MAX_BUCKETS:
        raise BadRequest(
            f"the report would have {cal.count()} periods; at most {MAX_BUCKETS}: "
            "choose a longer period or a shorter range"
        )
    team_of = await agent_teams(session, tenant_id)
    shifts: Sequence[ShiftOutcome] = ()
    if group_by not in (GroupBy.queue, GroupBy.pipeline):
        shifts = await shift_outcomes(
            services,
            session,
            tenant_id,
            cal,
            access,
            team_of,
            team=filters.team,
            agent=filters.agent,
        )
    lists = PhraseLists()
    if group_by is not GroupBy.pipeline:
        kind = await rollup_kind(session, tenant_id, TENANT, cal)
        lists = await report_lists(session, tenant_id, kind, cal)
    rows = await kpi_rows(
        session, tenant_id, group_by, cal, access, filters, shifts, team_of.get, lists
    )
    report = KpiReport(tz, group_by, cal, rows, phrase_lists=lists)
    if group_by is GroupBy.agent:
        report.agent_names = await agent_names(session, tenant_id)
    if with_plan and period in PLAN_PERIODS:
        plans = await list_plans(
            session, tenant_id, period=period.value, first=cal.first, last=cal.last
        )
        report.planned = attach_plans(rows, group_by, PlanIndex(plans), cal.first_date)
    return report
