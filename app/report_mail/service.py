"""Who may schedule which report, and the schedule store.

A schedule of the whole floor needs an admin or a supervisor of all teams; a team's schedule
(`team`) the admins, supervisors and team leads who see that team. The channel must be an
e-mail channel the caller may manage (app/alerts/channel_owners.py). Others' schedules answer
404, as if they did not exist.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.channel_owners import ChannelUser
from app.alerts.models import AlertChannel
from app.auth.principal import Principal
from app.core.errors import BadRequest, Forbidden, NotFound
from app.org.service import team_id_of
from app.report_mail.models import ReportSchedule
from app.report_mail.schemas import ScheduleIn, ScheduleOut
from app.tenancy.models import Team


def may_manage(principal: Principal, team: str | None) -> bool:
    if principal.is_admin:
        return True
    access = principal.access
    if team is None:
        return access.all_teams and access.only_agent is None
    return access.can_see_team(team)


def _out(row: ReportSchedule, team: str | None) -> ScheduleOut:
    return ScheduleOut(
        id=row.id,
        name=row.name,
        frequency=row.frequency,
        weekday=row.weekday,
        hour=row.hour,
        group_by=row.group_by,
        recipients=list(row.recipients),
        channel_id=row.channel_id,
        team=team,
        last_period=row.last_period,
        last_sent_at=row.last_sent_at,
        last_error=row.last_error,
        created_by=row.created_by,
    )


async def _rows(
    session: AsyncSession, principal: Principal
) -> list[tuple[ReportSchedule, str | None]]:
    rows = await session.execute(
        select(ReportSchedule, Team.name)
        .outerjoin(Team, Team.id == ReportSchedule.team_id)
        .where(ReportSchedule.tenant_id == principal.tenant_id)
        .order_by(ReportSchedule.id)
    )
    return [(row, team) for row, team in rows.all() if may_manage(principal, team)]


async def list_schedules(session: AsyncSession, principal: Principal) -> list[ScheduleOut]:
    return [_out(row, team) for row, team in await _rows(session, principal)]


async def _check(session: AsyncSession, principal: Principal, body: ScheduleIn) -> int | None:
    """The team's id; refuses a scope or channel the caller may not use."""
    if not may_manage(principal, body.team):
        where = f"team {body.team!r}" if body.team else "the whole floor"
        raise Forbidden(f"{principal.describe()} may not schedule reports of {where}")
    channel = await session.get(AlertChannel, body.channel_id)
    channel_team = None
    if channel is not None and channel.team_id is not None:
        channel_team = await session.scalar(select(Team.name).where(Team.id == channel.team_id))
    user = ChannelUser(principal.is_admin, principal.access)
    if (
        channel is None
        or channel.tenant_id != principal.tenant_id
        or channel.kind != "email"
        or not user.may_manage(channel_team)
    ):
        reason = f"no e-mail channel with id {body.channel_id} that you may manage"
        raise BadRequest(reason, details=[{"field": "channel_id", "reason": reason}])
    return await team_id_of(session, principal.tenant_id, body.team)


async def create_schedule(
    session: AsyncSession, principal: Principal, body: ScheduleIn
) -> ScheduleOut:
    team_id = await _check(session, principal, body)
    row = ReportSchedule(
        tenant_id=principal.tenant_id,
        name=body.name,
        frequency=body.frequency,
        weekday=body.weekday,
        hour=body.hour,
        group_by=body.group_by.value,
        recipients=list(body.recipients),
        channel_id=body.channel_id,
        team_id=team_id,
        created_by=principal.username or principal.describe(),
    )
    session.add(row)
    await session.flush()
    return _out(row, body.team)


async def delete_schedule(session: AsyncSession, principal: Principal, schedule_id: int) -> None:
    for row, _ in await _rows(session, principal):
        if row.id == schedule_id:
            await session.delete(row)
            await session.flush()
            return
    raise NotFound(f"no report schedule with id {schedule_id}")
