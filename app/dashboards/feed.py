"""The wall's view of dashboards: each tenant's dashboard versions, and a signal when they
change, so that open walls pick up a saved layout (the `dashboards:SCOPE` WebSocket topics).

    feed.add_listener(callback)         callback(tenant_id) when a dashboard was saved here
    await feed.versions(tenant_id)      {dashboard id: (team name or None, version)}

The database is the source; `versions` caches per tenant. A save in this process drops the
cache and calls the listeners at once; a save in another API process (redis engine) is seen
when the cache expires, within CACHE_TTL_S.
"""

from __future__ import annotations

from sqlalchemy import select

from app.core.db import Database
from app.core.tenant_cache import TenantCache
from app.tenancy.models import Dashboard, Team

Versions = dict[int, tuple[str | None, int]]
CACHE_TTL_S = 5.0


class DashboardFeed:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: TenantCache[Versions] = TenantCache(CACHE_TTL_S, "dashboards")
        self.add_listener = self._cache.add_listener
        self.remove_listener = self._cache.remove_listener

    async def versions(self, tenant_id: int) -> Versions:
        async def load() -> Versions:
            async with self.db.session() as session:
                rows = await session.execute(
                    select(Dashboard.id, Team.name, Dashboard.version)
                    .outerjoin(Team, Team.id == Dashboard.team_id)
                    .where(Dashboard.tenant_id == tenant_id)
                )
                return {id_: (team, version) for id_, team, version in rows.all()}

        return await self._cache.get(tenant_id, load)

    def changed(self, tenant_id: int) -> None:
        """A dashboard of the tenant was created, saved or deleted in this process."""
        self._cache.invalidate(tenant_id)


def scope_versions(versions: Versions, scope: str) -> dict[str, int]:
    """The `dashboards:SCOPE` topic's value: `tenant` holds the dashboards shared with
    everyone, `team:NAME` those shared with that team; keyed by id (as text)."""
    team = None if scope == "tenant" else scope.partition(":")[2]
    return {str(id_): version for id_, (owner, version) in versions.items() if owner == team}
