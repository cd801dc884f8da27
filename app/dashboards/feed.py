"""The wall's view of dashboards: each tenant's dashboard versions, and a signal when they
change, so that open walls pick up a saved layout (the `dashboards:SCOPE` WebSocket topics).

    feed.add_listener(callback)         callback(tenant_id) when a dashboard was saved here
    await feed.versions(tenant_id)      {dashboard id: (team name or None, version)}

The database is the source; `versions` caches per tenant. A save in this process drops the
cache and calls the listeners at once; a save in another API process (redis engine) is seen
when the cache expires, within CACHE_TTL_S.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select

from app.core.db import Database
from app.core.logging import get_logger
from app.dashboards.models import Dashboard
from app.org.models import Team

log = get_logger(__name__)

FeedListener = Callable[[int], None]
Versions = dict[int, tuple[str | None, int]]
CACHE_TTL_S = 5.0


class DashboardFeed:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._listeners: list[FeedListener] = []
        self._cache: dict[int, tuple[float, Versions]] = {}
        self._generation: dict[int, int] = {}

    def add_listener(self, listener: FeedListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: FeedListener) -> None:
        self._listeners.remove(listener)

    async def versions(self, tenant_id: int) -> Versions:
        hit = self._cache.get(tenant_id)
        if hit is not None and time.monotonic() - hit[0] < CACHE_TTL_S:
            return hit[1]
        generation = self._generation.get(tenant_id, 0)
        async with self.db.session() as session:
            rows = await session.execute(
                select(Dashboard.id, Team.name, Dashboard.version)
                .outerjoin(Team, Team.id == Dashboard.team_id)
                .where(Dashboard.tenant_id == tenant_id)
            )
            found: Versions = {id_: (team, version) for id_, team, version in rows.all()}
        if self._generation.get(tenant_id, 0) == generation:
            self._cache[tenant_id] = (time.monotonic(), found)
        return found

    def changed(self, tenant_id: int) -> None:
        """A dashboard of the tenant was created, saved or deleted in this process."""
        self._cache.pop(tenant_id, None)
        self._generation[tenant_id] = self._generation.get(tenant_id, 0) + 1
        for listener in list(self._listeners):
            try:
                listener(tenant_id)
            except Exception:
                log.exception("dashboard feed listener failed")


def scope_versions(versions: Versions, scope: str) -> dict[str, int]:
    """The `dashboards:SCOPE` topic's value: `tenant` holds the dashboards shared with
    everyone, `team:NAME` those shared with that team; keyed by id (as text)."""
    team = None if scope == "tenant" else scope.partition(":")[2]
    return {str(id_): version for id_, (owner, version) in versions.items() if owner == team}
