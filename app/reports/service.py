"""Build a KPI report: the tenant's calendar, the rollup sums, the shifts' outcomes, plans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.policy import Access
from app.core.errors import BadRequest
from app.plans.service import PLAN_PERIODS, PlanIndex, attach_plans, list_plans
from app.reports.calendar import (
    FIRST_DATE,
    LAST_DATE,
    Period,
    ReportCalendar,
    local_date,
    zone,
)
from app.reports.kpi import (
    KEY_FIELDS,
    METRICS,
    Filters,
    GroupBy,
    KpiRow,
    kpi_rows,
    rollup_kind,
)
from app.reports.phrase_report import PhraseLists, report_lists
from app.reports.rollups import TENANT
from app.reports.scoping import agent_names, agent_teams, live_now, tenant_zone
from app.services import Services
from app.shifts.outcomes import ShiftOutcome, evaluate_shifts
from app.shifts.service import shift_records

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


def parse_day(value: str, today: date) -> date:
    """`today`, `yesterday` or an ISO date."""
    text = value.strip().lower()
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(
            f"expected a date such as 2024-03-31, `today` or `yesterday`, got {value!r}",
            details=[{"field": "date", "reason": "not a date"}],
        ) from exc
    if not FIRST_DATE <= day <= LAST_DATE:
        raise BadRequest(
            f"expected a date from {FIRST_DATE} to {LAST_DATE}, got {day}",
            details=[{"field": "date", "reason": "out of range"}],
        )
    return day


async def tenant_today(services: Services, session: AsyncSession, tenant_id: int) -> date:
    """The local date of the tenant's clock (event time under `clock=event`)."""
    tz = await tenant_zone(session, tenant_id)
    now, _ = await live_now(services, tenant_id)
    return local_date(now, zone(tz))


async def shift_outcomes(
    services: Services,
    session: AsyncSession,
    tenant_id: int,
    cal: ReportCalendar,
    access: Access,
    team_of: dict[str, str],
    filters: Filters = Filters(),
) -> list[ShiftOutcome]:
    """Outcomes of the shifts that start in the report's range and that the caller may see."""
    now, open_states = await live_now(services, tenant_id)
    agents = [filters.agent] if filters.agent else None
    rows = await shift_records(session, tenant_id, cal.start_ms, cal.end_ms, agents)
    rows = [
        r
        for r in rows
        if access.can_see_agent(r.agent, team_of.get(r.agent))
        and (filters.team is None or team_of.get(r.agent) == filters.team)
    ]
    return await evaluate_shifts(session, tenant_id, rows, open_states, now)


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
        shifts = await shift_outcomes(services, session, tenant_id, cal, access, team_of, filters)
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
