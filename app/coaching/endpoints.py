from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import Principal, ReadPrincipal, StaffPrincipal
from app.coaching.calls import linked_calls, linked_hits, may_read_text
from app.coaching.models import CoachingNoteRow
from app.coaching.schemas import CoachingImpact, CoachingIn, CoachingOut, KpiWindow
from app.coaching.service import change, get_note, list_notes, window_metrics, windows
from app.facts.scoping import agent_teams, parse_day, require_agent, tenant_today, tenant_zone
from app.services import Services, ServicesDep
from app.streams.aggregator.phrases import HitRecord

router = APIRouter(prefix="/v1/coaching", tags=["coaching"])


def _out(
    row: CoachingNoteRow, engine: Sequence[HitRecord] = (), with_text: bool = False
) -> CoachingOut:
    call_ids = list(row.call_ids or [])
    return CoachingOut(
        id=row.id,
        agent=row.agent,
        date=row.session_date,
        kind=row.kind,
        topic=row.topic,
        notes=row.notes,
        author=row.author,
        call_ids=call_ids,
        calls=linked_calls(call_ids, row.call_hits or [], engine, with_text),
    )


def author_of(principal: Principal, given: str | None) -> str:
    """A user is the author of what it writes; an API key may name the author."""
    if principal.username is not None:
        return principal.username
    return given or principal.describe()


async def _visible_note(
    session: AsyncSession, principal: Principal, note_id: int
) -> CoachingNoteRow:
    row = await get_note(session, principal.tenant_id, note_id)
    teams = await agent_teams(session, principal.tenant_id)
    require_agent(principal, row.agent, teams.get(row.agent), write=False)
    return row


async def _engine_hits(
    services: Services, principal: Principal, rows: Sequence[CoachingNoteRow]
) -> list[HitRecord]:
    """The engine's latest phrase hits, read only when a note links calls."""
    if not any(row.call_ids for row in rows):
        return []
    return await services.engine.phrase_hits(principal.tenant_id)


async def _check_agent(session: AsyncSession, principal: Principal, agent: str) -> None:
    teams = await agent_teams(session, principal.tenant_id)
    require_agent(principal, agent, teams.get(agent), write=True)


@router.get("", summary="Coaching notes, newest first")
async def get_notes(
    principal: ReadPrincipal,
    services: ServicesDep,
    agent: Annotated[str | None, Query(max_length=128)] = None,
    from_: Annotated[str | None, Query(alias="from", description="first local date")] = None,
    to: Annotated[str | None, Query(description="last local date (inclusive)")] = None,
) -> list[CoachingOut]:
    async with services.db.session() as session:
        today = await tenant_today(services, session, principal.tenant_id)
        rows = await list_notes(
            session,
            principal.tenant_id,
            agent,
            parse_day(from_, today) if from_ else None,
            parse_day(to, today) if to else None,
        )
        teams = await agent_teams(session, principal.tenant_id)
    visible = [r for r in rows if principal.access.can_see_agent(r.agent, teams.get(r.agent))]
    engine = await _engine_hits(services, principal, visible)
    return [_out(r, engine, may_read_text(principal)) for r in visible]


@router.post("", status_code=201, summary="Record a coaching or mentoring session")
async def post_note(
    principal: StaffPrincipal, services: ServicesDep, body: CoachingIn
) -> CoachingOut:
    async with services.db.session() as session:
        await _check_agent(session, principal, body.agent)
        row = CoachingNoteRow(
            tenant_id=principal.tenant_id,
            agent=body.agent,
            session_date=body.date,
            kind=body.kind,
            topic=body.topic,
            notes=body.notes,
            author=author_of(principal, body.author),
            call_ids=body.call_ids,
        )
        engine = await _engine_hits(services, principal, [row])
        row.call_hits = linked_hits([], engine, body.call_ids)
        session.add(row)
        await session.commit()
        return _out(row, engine, may_read_text(principal))


@router.get("/{note_id}", summary="One coaching note")
async def get_one_note(
    principal: ReadPrincipal, services: ServicesDep, note_id: int
) -> CoachingOut:
    async with services.db.session() as session:
        row = await _visible_note(session, principal, note_id)
    engine = await _engine_hits(services, principal, [row])
    return _out(row, engine, may_read_text(principal))


@router.put("/{note_id}", summary="Change a coaching note")
async def put_note(
    principal: StaffPrincipal, services: ServicesDep, note_id: int, body: CoachingIn
) -> CoachingOut:
    async with services.db.session() as session:
        row = await _visible_note(session, principal, note_id)
        await _check_agent(session, principal, body.agent)
        row.agent = body.agent
        row.session_date = body.date
        row.kind = body.kind
        row.topic = body.topic
        row.notes = body.notes
        row.call_ids = body.call_ids
        engine = await _engine_hits(services, principal, [row])
        row.call_hits = linked_hits(row.call_hits or [], engine, body.call_ids)
        row.author = author_of(principal, body.author or row.author)
        await session.commit()
        return _out(row, engine, may_read_text(principal))


@router.delete("/{note_id}", status_code=204, summary="Delete a coaching note")
async def delete_note(principal: StaffPrincipal, services: ServicesDep, note_id: int) -> Response:
    async with services.db.session() as session:
        row = await _visible_note(session, principal, note_id)
        await session.delete(row)
        await session.commit()
    return Response(status_code=204)


@router.get(
    "/{note_id}/impact",
    summary="The agent's KPIs in the N days before and after the session",
    description="Before: the `days` local days ending the day before the session; after: the "
    "`days` days starting the day after it (up to today while it is still running). `change` "
    "is after minus before for every metric that has both values.",
)
async def get_impact(
    principal: ReadPrincipal,
    services: ServicesDep,
    note_id: int,
    days: Annotated[int, Query(ge=1, le=92)] = 14,
) -> CoachingImpact:
    tenant_id = principal.tenant_id
    async with services.db.session() as session:
        note = await _visible_note(session, principal, note_id)
        tz = await tenant_zone(session, tenant_id)
        today = await tenant_today(services, session, tenant_id)
        teams = await agent_teams(session, tenant_id)
        (b_first, b_last), (a_first, a_last) = windows(note.session_date, days)
        before = await window_metrics(
            services, session, tenant_id, tz, principal.access, teams, note.agent, b_first, b_last
        )
        after_last = min(a_last, today)
        after = (
            await window_metrics(
                services,
                session,
                tenant_id,
                tz,
                principal.access,
                teams,
                note.agent,
                a_first,
                after_last,
            )
            if after_last >= a_first
            else dict.fromkeys(before)
        )
    return CoachingImpact(
        note=_out(note),
        days=days,
        before=KpiWindow(first=b_first, last=b_last, complete=b_last < today, metrics=before),
        after=KpiWindow(first=a_first, last=a_last, complete=a_last < today, metrics=after),
        change=change(before, after),
    )
