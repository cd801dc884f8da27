"""`floorwatch reports rebuild`: which days of a tenant's rollups may be recomputed from its
facts, and doing it. Days older than the fact retention (or the tenant's last prune) have lost
their facts: a rebuild of them is refused, with the reason, since it would replace their
rollups with nothing."""

from __future__ import annotations

from datetime import date

from app.core.db import Database
from app.facts.calendar import local_date, local_midnight_ms, zone
from app.facts.retention import prune_marks, rebuild_floor_ms
from app.facts.rollups import rebuild_rollups
from app.org.service import get_tenant_by_name


class RebuildRefused(Exception):
    """The rebuild asked for cannot be done; the message says why."""


def first_whole_day(floor_ms: int, timezone: str) -> date:
    """The first local day that starts at or after `floor_ms`."""
    tz = zone(timezone)
    day = local_date(floor_ms, tz)
    if local_midnight_ms(day, tz) < floor_ms:
        day = date.fromordinal(day.toordinal() + 1)
    return day


async def rebuild_tenant(
    db: Database, tenant: str, since: str | None, retention_days: int | None, now_ms: int
) -> str:
    """Rebuild the tenant's rollups from `since` (a local date, or the oldest day allowed);
    returns what was done, in a line."""
    async with db.session() as session:
        row = await get_tenant_by_name(session, tenant)
        if row is None:
            raise RebuildRefused(f"no tenant named {tenant!r}")
        conn = await session.connection()
        mark = (await prune_marks(conn, [row.id])).get(row.id)
    floor_ms = rebuild_floor_ms(retention_days, now_ms, mark)
    oldest = first_whole_day(floor_ms, row.timezone) if floor_ms is not None else None
    if since is None:
        day = oldest
    else:
        try:
            day = date.fromisoformat(since)
        except ValueError as exc:
            raise RebuildRefused(f"--from must be a date (YYYY-MM-DD), got {since!r}") from exc
        if oldest is not None and day < oldest:
            why = (
                f"report facts are kept {retention_days} days (FLOORWATCH_FACT_RETENTION_DAYS)"
                if retention_days is not None
                else "an earlier prune deleted older report facts"
            )
            raise RebuildRefused(
                f"cannot rebuild from {day}: {why}, so days before {oldest} have no facts left "
                f"and keep the rollups they have; use --from {oldest} or later"
            )
    if day is None:
        read = await rebuild_rollups(db, row.id)
        return f"rollups of {tenant!r} rebuilt from {read} facts"
    read = await rebuild_rollups(db, row.id, local_midnight_ms(day, zone(row.timezone)))
    return f"rollups of {tenant!r} rebuilt from {read} facts (days from {day} on)"
