from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import Principal, ReadPrincipal, StaffPrincipal
from app.core.errors import BadRequest, Forbidden, NotFound
from app.facts.scoping import agent_teams, parse_day, tenant_today
from app.kpi.rows import GroupBy
from app.plans.feed import TargetFeed
from app.plans.models import PlanRow
from app.plans.progress import plan_progress, plan_visible
from app.plans.schemas import PlanIn, PlanOut, PlanProgress
from app.plans.service import (
    PlanInput,
    apply_input,
    check_plan,
    get_plan,
    list_plans,
    scope_group,
)
from app.services import ServicesDep

router = APIRouter(prefix="/v1/plans", tags=["plans"])


def _out(row: PlanRow) -> PlanOut:
    return PlanOut(
        id=row.id,
        metric=row.metric,
        scope=row.scope,
        period=row.period,
        start_date=row.start_date,
        end_date=row.end_date,
        minimum=row.minimum,
        standard=row.standard,
        maximum=row.maximum,
        note=row.note,
    )


def _input(body: PlanIn) -> PlanInput:
    plan = PlanInput(
        metric=body.metric,
        scope=body.scope,
        period=body.period,
        start_date=body.start_date,
        end_date=body.end_date,
        standard=body.standard,
        minimum=body.minimum,
        maximum=body.maximum,
        note=body.note,
    )
    try:
        check_plan(plan)
    except ValueError as exc:
        field = str(exc).partition(":")[0]
        raise BadRequest(str(exc), details=[{"field": field, "reason": str(exc)}]) from exc
    return plan


async def _check_write(session: AsyncSession, principal: Principal, scope: str) -> None:
    """Tenant, queue and pipeline plans need a caller who sees every team; team and agent plans
    need the team (or the agent's team) to be the caller's."""
    group_by, _ = scope_group(scope)
    if group_by in (GroupBy.tenant, GroupBy.queue, GroupBy.pipeline):
        if not principal.access.all_teams:
            raise Forbidden(
                "only callers who see every team may plan for the tenant, a queue or a pipeline"
            )
        return
    if not principal.access.can_see_scope(scope, await agent_teams(session, principal.tenant_id)):
        raise Forbidden(f"you may not plan for {scope} (not in your teams)")


async def _visible_plan(session: AsyncSession, principal: Principal, plan_id: int) -> PlanRow:
    row = await get_plan(session, principal.tenant_id, plan_id)
    if not plan_visible(principal.access, row, await agent_teams(session, principal.tenant_id)):
        raise NotFound(f"no plan {plan_id}")
    return row


@router.get("/progress", summary="Progress to plan on a date (today by default)")
async def get_progress(
    principal: ReadPrincipal,
    services: ServicesDep,
    date: Annotated[str, Query(description="a local date, or `today`")] = "today",
) -> list[PlanProgress]:
    async with services.db.session() as session:
        day = parse_day(date, await tenant_today(services, session, principal.tenant_id))
        items = await plan_progress(services, session, principal.tenant_id, principal.access, day)
    return [PlanProgress.model_validate(item) for item in items]


@router.get("", summary="Plans, newest first")
async def get_plans(
    principal: ReadPrincipal,
    services: ServicesDep,
    metric: str | None = None,
    scope: str | None = None,
    period: str | None = None,
    from_: Annotated[str | None, Query(alias="from", description="in force on or after")] = None,
    to: Annotated[str | None, Query(description="in force on or before")] = None,
) -> list[PlanOut]:
    async with services.db.session() as session:
        today = await tenant_today(services, session, principal.tenant_id)
        rows = await list_plans(
            session,
            principal.tenant_id,
            period=period,
            first=parse_day(from_, today) if from_ else None,
            last=parse_day(to, today) if to else None,
            metric=metric,
            scope=scope,
        )
        teams = await agent_teams(session, principal.tenant_id)
    return [_out(r) for r in rows if plan_visible(principal.access, r, teams)]


@router.post("", status_code=201, summary="Create a plan")
async def post_plan(principal: StaffPrincipal, services: ServicesDep, body: PlanIn) -> PlanOut:
    plan = _input(body)
    async with services.db.session() as session:
        await _check_write(session, principal, plan.scope)
        row = PlanRow(tenant_id=principal.tenant_id)
        apply_input(row, plan)
        session.add(row)
        await session.commit()
        services.part(TargetFeed).changed(principal.tenant_id)
        return _out(row)


@router.get("/{plan_id}", summary="One plan")
async def get_one_plan(principal: ReadPrincipal, services: ServicesDep, plan_id: int) -> PlanOut:
    async with services.db.session() as session:
        return _out(await _visible_plan(session, principal, plan_id))


@router.put("/{plan_id}", summary="Change a plan")
async def put_plan(
    principal: StaffPrincipal, services: ServicesDep, plan_id: int, body: PlanIn
) -> PlanOut:
    plan = _input(body)
    async with services.db.session() as session:
        row = await _visible_plan(session, principal, plan_id)
        await _check_write(session, principal, row.scope)
        await _check_write(session, principal, plan.scope)
        apply_input(row, plan)
        await session.commit()
        services.part(TargetFeed).changed(principal.tenant_id)
        return _out(row)


@router.delete("/{plan_id}", status_code=204, summary="Delete a plan")
async def delete_plan(principal: StaffPrincipal, services: ServicesDep, plan_id: int) -> Response:
    async with services.db.session() as session:
        row = await _visible_plan(session, principal, plan_id)
        await _check_write(session, principal, row.scope)
        await session.delete(row)
        await session.commit()
    services.part(TargetFeed).changed(principal.tenant_id)
    return Response(status_code=204)
