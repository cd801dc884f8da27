"""The walls' view of the messages: each tenant's current messages, and a signal when they
change (the `messages:SCOPE` WebSocket topics), like app/dashboards/feed.py for layouts.

    await feed.current(tenant_id)     the messages not expired when they were read
    feed.changed(tenant_id)           a message was posted or deleted here: tell the walls

A change in another API process is seen when the cache expires, within CACHE_TTL_S. A
message's expiry is applied by the page as well (`expires_at`), so a wall drops it on time
whatever the cache holds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from app.core.db import Database
from app.core.tenant_cache import TenantCache
from app.messages.models import FloorMessage
from app.tenancy.models import Dashboard, Team

CACHE_TTL_S = 5.0


def _ms(at: datetime | None) -> int | None:
    if at is None:
        return None
    return int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() * 1000)


class MessageFeed:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: TenantCache[list[dict[str, Any]]] = TenantCache(CACHE_TTL_S, "messages")
        self.add_listener = self._cache.add_listener
        self.remove_listener = self._cache.remove_listener

    async def current(self, tenant_id: int) -> list[dict[str, Any]]:
        async def load() -> list[dict[str, Any]]:
            now_ms = int(datetime.now(UTC).timestamp() * 1000)
            async with self.db.session() as session:
                rows = await session.execute(
                    select(FloorMessage, Team.name)
                    .outerjoin(Dashboard, Dashboard.id == FloorMessage.dashboard_id)
                    .outerjoin(Team, Team.id == Dashboard.team_id)
                    .where(FloorMessage.tenant_id == tenant_id)
                    .order_by(FloorMessage.id)
                )
                found: list[dict[str, Any]] = [
                    {
                        "id": row.id,
                        "text": row.text,
                        "dashboard_id": row.dashboard_id,
                        "team": team,
                        "expires_at_ms": _ms(row.expires_at),
                        "created_at_ms": _ms(row.created_at),
                    }
                    for row, team in rows.all()
                ]
            return [m for m in found if m["expires_at_ms"] is None or m["expires_at_ms"] > now_ms]

        return await self._cache.get(tenant_id, load)

    def changed(self, tenant_id: int) -> None:
        self._cache.invalidate(tenant_id)


def scope_messages(messages: list[dict[str, Any]], scope: str) -> dict[str, Any]:
    """The `messages:SCOPE` topic's value, keyed by id (as text): `tenant` holds the messages
    to every wall and to dashboards shared with everyone, `team:NAME` those to that team's
    dashboards."""
    team = None if scope == "tenant" else scope.partition(":")[2]
    return {str(m["id"]): m for m in messages if m["team"] == team}
