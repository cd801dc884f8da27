"""Coaching notes and their impact: the agent's KPIs over the N days before the session and
the N days after it (the session's own day belongs to neither)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.policy import Access
from app.coaching.models import CoachingNoteRow
from app.core.errors import NotFound
from app.facts.calendar import Period, ReportCalendar
from app.kpi.rows import agent_totals
from app.services import Services
from app.shifts.service import shift_outcomes


async def get_note(session: AsyncSession, tenant_id: int, note_id: int) -> CoachingNoteRow:
    row = await session.get(CoachingNoteRow, note_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"no coaching note {note_id}")
    return row


async def list_notes(
    session: AsyncSession,
    tenant_id: int,
    agent: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> list[CoachingNoteRow]:
    query = select(CoachingNoteRow).where(CoachingNoteRow.tenant_id == tenant_id)
    if agent is not None:
        query = query.where(CoachingNoteRow.agent == agent)
    if first is not None:
        query = query.where(CoachingNoteRow.session_date >= first)
    if last is not None:
        query = query.where(CoachingNoteRow.session_date <= last)
    query = query.order_by(CoachingNoteRow.session_date.desc(), CoachingNoteRow.id.desc())
    return list((await session.scalars(query)).all())


def windows(session_day: date, days: int) -> tuple[tuple[date, date], tuple[date, date]]:
    """([first, last] before, [first, last] after) the session day, `days` days each."""
    before = (session_day - timedelta(days=days), session_day - timedelta(days=1))
    after = (session_day + timedelta(days=1), session_day + timedelta(days=days))
    return before, after


async def window_metrics(
    services: Services,
    session: AsyncSession,
    tenant_id: int,
    tz: str,
    access: Access,
    team_of: dict[str, str],
    agent: str,
    first: date,
    last: date,
) -> dict[str, Any]:
    cal = ReportCalendar(tz, Period.whole, first, last)
    shifts = await shift_outcomes(services, session, tenant_id, cal, access, team_of)
    return await agent_totals(session, tenant_id, agent, cal, shifts)


def change(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for metric, old in before.items():
        new = after.get(metric)
        if isinstance(old, int | float) and isinstance(new, int | float):
            out[metric] = new - old
        else:
            out[metric] = None
    return out
