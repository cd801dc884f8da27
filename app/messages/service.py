"""Who may post, list and take down which message, and the message store.

A message goes where its author may change dashboards (app.dashboards.service.Viewer): to a
dashboard of a team the author sees (team leads: their teams' dashboards), or, for admins and
supervisors of all teams, to a dashboard shared with everyone or to every wall (no
dashboard). Listing and deleting follow the same rule; others' messages answer 404.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Database
from app.core.errors import BadRequest, Forbidden, NotFound
from app.core.logging import get_logger
from app.dashboards.service import Viewer
from app.messages.models import FloorMessage
from app.messages.schemas import MAX_LIFETIME_DAYS, MessageIn, MessageOut
from app.tenancy.models import Dashboard, Team

log = get_logger(__name__)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def _dashboard(
    session: AsyncSession, tenant_id: int, dashboard_id: int
) -> tuple[str, str | None] | None:
    """(name, team) of a dashboard of the tenant, or None."""
    row = (
        await session.execute(
            select(Dashboard.name, Team.name)
            .outerjoin(Team, Team.id == Dashboard.team_id)
            .where(Dashboard.tenant_id == tenant_id, Dashboard.id == dashboard_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is None:
        return
    if expires_at.tzinfo is None:
        reason = "give a time zone, e.g. 2026-12-07T14:30:00+01:00 or …Z"
    elif expires_at <= now:
        reason = "must be in the future"
    elif expires_at > now + timedelta(days=MAX_LIFETIME_DAYS):
        reason = f"must be within {MAX_LIFETIME_DAYS} days"
    else:
        return
    raise BadRequest(f"expires_at {reason}", details=[{"field": "expires_at", "reason": reason}])


async def post_message(session: AsyncSession, viewer: Viewer, body: MessageIn) -> MessageOut:
    tenant_id = viewer.principal.tenant_id
    now = datetime.now(UTC)
    _check_expiry(body.expires_at, now)
    name: str | None = None
    team: str | None = None
    if body.dashboard_id is not None:
        found = await _dashboard(session, tenant_id, body.dashboard_id)
        if found is None or not viewer.can_read(body.dashboard_id, found[1]):
            reason = f"no dashboard with id {body.dashboard_id} in this tenant"
            raise BadRequest(reason, details=[{"field": "dashboard_id", "reason": reason}])
        name, team = found
    if not viewer.can_edit(team):
        where = (
            f"the dashboards of team {team!r}"
            if team
            else (
                f"dashboard {name!r}, shared with everyone" if name else "every wall of the tenant"
            )
        )
        raise Forbidden(f"{viewer.principal.describe()} may not post messages to {where}")
    row = FloorMessage(
        tenant_id=tenant_id,
        dashboard_id=body.dashboard_id,
        text=body.text,
        # In UTC: SQLite keeps a time's fields without its offset.
        expires_at=body.expires_at.astimezone(UTC) if body.expires_at else None,
        created_by=viewer.actor,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return _out(row, name, team)


def _out(row: FloorMessage, dashboard: str | None, team: str | None) -> MessageOut:
    return MessageOut(
        id=row.id,
        text=row.text,
        dashboard_id=row.dashboard_id,
        dashboard=dashboard,
        team=team,
        expires_at=_aware(row.expires_at) if row.expires_at else None,
        created_by=row.created_by,
        created_at=_aware(row.created_at),
    )


async def _rows(
    session: AsyncSession, viewer: Viewer
) -> list[tuple[FloorMessage, str | None, str | None]]:
    rows = await session.execute(
        select(FloorMessage, Dashboard.name, Team.name)
        .outerjoin(Dashboard, Dashboard.id == FloorMessage.dashboard_id)
        .outerjoin(Team, Team.id == Dashboard.team_id)
        .where(FloorMessage.tenant_id == viewer.principal.tenant_id)
        .order_by(FloorMessage.id.desc())
    )
    return [(row, name, team) for row, name, team in rows.all() if viewer.can_edit(team)]


async def list_messages(session: AsyncSession, viewer: Viewer) -> list[MessageOut]:
    """The messages on the walls now that the caller may take down, newest first."""
    now = datetime.now(UTC)
    return [
        _out(row, name, team)
        for row, name, team in await _rows(session, viewer)
        if row.expires_at is None or _aware(row.expires_at) > now
    ]


async def delete_message(session: AsyncSession, viewer: Viewer, message_id: int) -> None:
    for row, _, _ in await _rows(session, viewer):
        if row.id == message_id:
            await session.delete(row)
            await session.flush()
            return
    raise NotFound(f"no message with id {message_id} that you may take down")


async def delete_expired(db: Database, now: datetime) -> int:
    """Delete the messages whose time on the walls is over; returns how many."""
    async with db.session() as session:
        gone = await session.execute(
            delete(FloorMessage).where(
                FloorMessage.expires_at.is_not(None),
                FloorMessage.expires_at <= now.astimezone(UTC),
            )
        )
        await session.commit()
    return int(getattr(gone, "rowcount", 0) or 0)


async def delete_expired_once(db: Database) -> None:
    """One housekeeping round; a failure is logged and left for the next round."""
    try:
        deleted = await delete_expired(db, datetime.now(UTC))
    except Exception as exc:  # housekeeping must outlive a database outage
        log.warning("expired floor messages not deleted", error=f"{type(exc).__name__}: {exc}")
        return
    if deleted:
        log.info("expired floor messages deleted", messages=deleted)
