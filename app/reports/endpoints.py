from __future__ import annotations

import csv
import io
from typing import Annotated, Final, Literal

import orjson
from fastapi import APIRouter, Query, Response

from app.auth.deps import ReadPrincipal
from app.core.csv_cells import csv_cell
from app.core.errors import BadRequest
from app.facts.calendar import Period, ReportCalendar
from app.facts.scoping import parse_day, tenant_today, tenant_zone
from app.kpi.rows import METRICS, Filters, GroupBy
from app.reports.funnel import pipeline_funnel
from app.reports.render import report_csv, report_json
from app.reports.service import build_report
from app.services import ServicesDep

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
    description="The live API's metric catalog (" + ", ".join(METRICS) + ", then per "
    "phrase list `phrase_hits:LIST`, `calls_with:LIST` and, for `required` lists, "
    "`script_adherence:LIST`, for the tenant's lists and every list counted in the range; the "
    "answer's `metrics` names them all in order) per group and "
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


FUNNEL_FIELDS: Final = (
    "stage",
    "in_order",
    "any_path",
    "in_order_next",
    "in_order_cumulative",
    "any_path_next",
    "any_path_cumulative",
)


@router.get(
    "/funnel",
    summary="The funnel of a sales pipeline over a period (JSON or CSV)",
    description="Per step (a stage, then `won`): the deals that entered it between `from` and "
    "`to` (local dates, inclusive), counted **in order** (deals created in the period that "
    "entered every earlier step in the funnel's order) and over **any path** (deals that "
    "entered the step, whatever they did before), as HubSpot's funnel reports count them; "
    "next-step conversion (step k+1 / step k) and cumulative conversion (step / created). "
    "`stages` sets the steps and their order (repeatable; `won` for the win); without it the "
    "stages entered are ordered by how many deals entered them, then `won`. Pipelines are "
    "floor-wide: every reader may see them. The wall's funnel widget shows the same counts "
    "live over today, this week or this month (WebSocket topic `funnel:pipeline:NAME:PERIOD`, "
    "docs/websocket.md). See docs/reports.md.",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def get_funnel_report(
    principal: ReadPrincipal,
    services: ServicesDep,
    from_: Annotated[str, Query(alias="from", description="first local date, or `today`")],
    to: Annotated[str, Query(description="last local date (inclusive), or `today`")],
    pipeline: Annotated[str, Query(min_length=1, max_length=128)] = "default",
    stages: Annotated[
        list[str] | None, Query(max_length=50, description="repeatable: the steps in order")
    ] = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    if stages is not None:
        bad = [s for s in stages if not 1 <= len(s) <= 128]
        if bad or len(set(stages)) != len(stages):
            raise BadRequest(
                "`stages` must name each step once, 1 to 128 characters each",
                details=[{"field": "stages", "reason": "empty, too long or repeated"}],
            )
    async with services.db.session() as session:
        today = await tenant_today(services, session, principal.tenant_id)
        tz = await tenant_zone(session, principal.tenant_id)
        try:
            cal = ReportCalendar(tz, Period.whole, parse_day(from_, today), parse_day(to, today))
        except ValueError as exc:
            raise BadRequest(str(exc), details=[{"field": "to", "reason": str(exc)}]) from exc
        funnel = await pipeline_funnel(
            session, principal.tenant_id, pipeline, cal.start_ms, cal.end_ms, stages
        )
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FUNNEL_FIELDS)
        writer.writerow(["created", funnel.created, funnel.created, "", "", "", ""])
        for step in funnel.steps:
            row = [getattr(step, name) for name in FUNNEL_FIELDS]
            writer.writerow(
                [csv_cell(row[0])] + ["" if v is None else round(v, 4) for v in row[1:]]
            )
        name = f"funnel_{cal.first}_{cal.last}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    body = {
        "timezone": tz,
        "pipeline": funnel.pipeline,
        "from": cal.first.isoformat(),
        "to": cal.last.isoformat(),
        "created": funnel.created,
        "steps": [{name: getattr(step, name) for name in FUNNEL_FIELDS} for step in funnel.steps],
    }
    return Response(orjson.dumps(body), media_type="application/json")
