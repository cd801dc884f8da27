from __future__ import annotations

from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Query, Response

from app.auth.deps import ReadPrincipal
from app.core.deps import ServicesDep
from app.core.errors import BadRequest
from app.reports.calendar import Period
from app.reports.kpi import METRICS, Filters, GroupBy
from app.reports.render import report_csv, report_json
from app.reports.service import build_report, parse_day, tenant_today

router = APIRouter(prefix="/v1/reports", tags=["reports"])

ReportPeriod = Literal["interval", "hour", "day", "week", "month"]


def check_filters(group_by: GroupBy, filters: Filters) -> None:
    allowed = {
        GroupBy.tenant: set(),
        GroupBy.queue: {"queue"},
        GroupBy.team: {"team"},
        GroupBy.agent: {"team", "agent"},
        GroupBy.pipeline: set(),
    }[group_by]
    given = {name for name in ("queue", "team", "agent") if getattr(filters, name)}
    if given - allowed:
        raise BadRequest(
            f"filter {', '.join(sorted(given - allowed))} does not apply to "
            f"group_by={group_by.value} (allowed: {', '.join(sorted(allowed)) or 'none'})"
        )


@router.get(
    "/kpi",
    summary="KPI report by group and period (JSON or CSV)",
    description="The live API's metric catalog (" + ", ".join(METRICS) + ") per group and "
    "period, in the tenant's time zone. `from` and `to` are local dates (inclusive); week "
    "(ISO, Monday) and month reports cover whole weeks and months. Team and agent rows outside "
    "the caller's teams are left out. Agent rows carry the agent's `agent_name` (a CSV column "
    "too). CSV values are rounded (ratios 4 decimals, money 2, seconds 1); JSON is exact. "
    "`plan=true` adds plan versus actual (day, week and month reports). See docs/reports.md.",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def get_kpi_report(
    principal: ReadPrincipal,
    services: ServicesDep,
    from_: Annotated[str, Query(alias="from", description="first local date, or `today`")],
    to: Annotated[str, Query(description="last local date (inclusive), or `today`")],
    group_by: GroupBy = GroupBy.tenant,
    period: ReportPeriod = "day",
    format: Literal["json", "csv"] = "json",
    plan: bool = False,
    queue: Annotated[str | None, Query(max_length=128)] = None,
    team: Annotated[str | None, Query(max_length=128)] = None,
    agent: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    filters = Filters(queue=queue, team=team, agent=agent)
    check_filters(group_by, filters)
    async with services.db.session() as session:
        today = await tenant_today(services, session, principal.tenant_id)
        report = await build_report(
            services,
            session,
            principal.tenant_id,
            principal.access,
            group_by,
            Period(period),
            parse_day(from_, today),
            parse_day(to, today),
            filters,
            with_plan=plan,
        )
    if format == "csv":
        name = f"kpi_{group_by.value}_{period}_{report.calendar.first}_{report.calendar.last}.csv"
        return Response(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return Response(orjson.dumps(report_json(report)), media_type="application/json")
