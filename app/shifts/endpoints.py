from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import Principal, ReadPrincipal, StaffPrincipal
from app.core.errors import BadRequest, FloorwatchError, PayloadTooLarge
from app.facts.calendar import local_midnight_ms, zone
from app.facts.scoping import (
    agent_teams,
    live_now,
    parse_day,
    require_agent,
    roster_teams,
    tenant_today,
    tenant_zone,
)
from app.services import Services, ServicesDep
from app.shifts.models import ShiftRow
from app.shifts.outcomes import MINUTE_MS, ShiftOutcome, evaluate_shifts
from app.shifts.schemas import ShiftImportResult, ShiftIn, ShiftOut, ShiftOutcomeOut
from app.shifts.service import (
    AgentCheck,
    ShiftInput,
    create_shift,
    delete_shift,
    get_shift,
    import_shifts,
    list_shifts,
    parse_shift_csv,
    to_ms,
    update_shift,
)

router = APIRouter(prefix="/v1/shifts", tags=["shifts"])


def _out(row: ShiftRow, outcome: ShiftOutcome, team: str | None, tz_name: str) -> ShiftOut:
    tz = zone(tz_name)
    return ShiftOut(
        id=row.id,
        agent=row.agent,
        team=team,
        start=datetime.fromtimestamp(row.start_ms / 1000, UTC).astimezone(tz),
        end=datetime.fromtimestamp(row.end_ms / 1000, UTC).astimezone(tz),
        break_minutes=row.break_minutes,
        note=row.note,
        outcome=ShiftOutcomeOut(
            status=outcome.status,
            present=outcome.present,
            absent=outcome.absent,
            late_minutes=outcome.late_ms / MINUTE_MS,
            early_leave_minutes=outcome.early_leave_ms / MINUTE_MS,
            productive_minutes=outcome.productive_ms / MINUTE_MS,
            adherence=outcome.adherence,
        ),
    )


async def _render(
    services: Services, session: AsyncSession, tenant_id: int, rows: list[ShiftRow]
) -> list[ShiftOut]:
    tz = await tenant_zone(session, tenant_id)
    teams = await agent_teams(session, tenant_id)
    now, open_states = await live_now(services, tenant_id)
    outcomes = await evaluate_shifts(session, tenant_id, rows, open_states, now)
    return [_out(r, o, teams.get(r.agent), tz) for r, o in zip(rows, outcomes, strict=True)]


async def _input(session: AsyncSession, principal: Principal, body: ShiftIn) -> ShiftInput:
    tz = zone(await tenant_zone(session, principal.tenant_id))
    try:
        start, end = to_ms(body.start, tz), to_ms(body.end, tz)
    except ValueError as exc:
        raise BadRequest(str(exc), details=[{"field": "start/end", "reason": str(exc)}]) from exc
    roster = await roster_teams(session, principal.tenant_id)
    require_agent(principal, body.agent, roster.get(body.agent), write=True)
    if body.agent not in roster:
        raise _unknown_agent(body.agent)
    return ShiftInput(body.agent, start, end, body.break_minutes, body.note)


def _unknown_agent(agent: str) -> BadRequest:
    reason = f"unknown agent {agent!r}: add it under Administration, Agents first"
    return BadRequest(reason, details=[{"field": "agent", "reason": reason}])


async def _agent_check(session: AsyncSession, principal: Principal) -> AgentCheck:
    """The refusal a roster line's agent meets: not the caller's to plan (checked first, as for
    one shift, so that a team lead learns nothing of other teams), or not registered."""
    roster = await roster_teams(session, principal.tenant_id)

    def refusal(agent: str) -> FloorwatchError | None:
        try:
            require_agent(principal, agent, roster.get(agent), write=True)
        except FloorwatchError as refused:
            return refused
        return None if agent in roster else _unknown_agent(agent)

    return refusal


async def _visible_shift(session: AsyncSession, principal: Principal, shift_id: int) -> ShiftRow:
    row = await get_shift(session, principal.tenant_id, shift_id)
    teams = await agent_teams(session, principal.tenant_id)
    require_agent(principal, row.agent, teams.get(row.agent), write=False)
    return row


@router.get("", summary="Shifts starting between two local dates, with how they were kept")
async def get_shifts(
    principal: ReadPrincipal,
    services: ServicesDep,
    from_: Annotated[str, Query(alias="from", description="first local date, or `today`")],
    to: Annotated[str, Query(description="last local date (inclusive), or `today`")],
    agent: Annotated[str | None, Query(max_length=128)] = None,
    team: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=20_000)] = 5000,
) -> list[ShiftOut]:
    tenant_id = principal.tenant_id
    async with services.db.session() as session:
        tz = zone(await tenant_zone(session, tenant_id))
        today = await tenant_today(services, session, tenant_id)
        first, last = parse_day(from_, today), parse_day(to, today)
        start = local_midnight_ms(first, tz)
        end = local_midnight_ms(last + timedelta(days=1), tz)
        teams = await agent_teams(session, tenant_id)
        rows = await list_shifts(session, tenant_id, start, end, [agent] if agent else None)
        rows = [
            r
            for r in rows
            if principal.access.can_see_agent(r.agent, teams.get(r.agent))
            and (team is None or teams.get(r.agent) == team)
        ][:limit]
        return await _render(services, session, tenant_id, rows)


@router.post("", status_code=201, summary="Plan a shift")
async def post_shift(principal: StaffPrincipal, services: ServicesDep, body: ShiftIn) -> ShiftOut:
    async with services.db.session() as session:
        row = await create_shift(
            session, principal.tenant_id, await _input(session, principal, body)
        )
        await session.commit()
        return (await _render(services, session, principal.tenant_id, [row]))[0]


@router.post(
    "/import",
    summary="Import shifts from CSV",
    description="Body: CSV lines `agent,start,end[,break_minutes[,note]]` (a header line is "
    "allowed). Times in the tenant's local time or ISO 8601 with an offset. A shift of the same "
    "agent with the same start is replaced. All or nothing: any bad or overlapping line rejects "
    "the whole file with the list of problems.",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_shift_csv(
    principal: StaffPrincipal, services: ServicesDep, request: Request
) -> ShiftImportResult:
    body = await request.body()
    if len(body) > services.settings.max_body_bytes:
        raise PayloadTooLarge(f"the CSV is larger than {services.settings.max_body_bytes} bytes")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest("expected a UTF-8 CSV body") from exc
    async with services.db.session() as session:
        tz = zone(await tenant_zone(session, principal.tenant_id))
        shifts = parse_shift_csv(text, tz, await _agent_check(session, principal))
        result = await import_shifts(session, principal.tenant_id, shifts)
        await session.commit()
    return ShiftImportResult(created=result.created, updated=result.updated)


@router.get("/{shift_id}", summary="One shift, with how it was kept")
async def get_one_shift(principal: ReadPrincipal, services: ServicesDep, shift_id: int) -> ShiftOut:
    async with services.db.session() as session:
        row = await _visible_shift(session, principal, shift_id)
        return (await _render(services, session, principal.tenant_id, [row]))[0]


@router.put("/{shift_id}", summary="Change a shift")
async def put_shift(
    principal: StaffPrincipal, services: ServicesDep, shift_id: int, body: ShiftIn
) -> ShiftOut:
    async with services.db.session() as session:
        row = await _visible_shift(session, principal, shift_id)
        await update_shift(session, row, await _input(session, principal, body))
        await session.commit()
        return (await _render(services, session, principal.tenant_id, [row]))[0]


@router.delete("/{shift_id}", status_code=204, summary="Delete a shift")
async def remove_shift(principal: StaffPrincipal, services: ServicesDep, shift_id: int) -> Response:
    async with services.db.session() as session:
        row = await _visible_shift(session, principal, shift_id)
        await delete_shift(session, row)
        await session.commit()
    return Response(status_code=204)
