"""What a display link may read live: the topics of its dashboard and of the dashboards of its
rotation (app/dashboards/wall_topics.py), kept in step with their saved layouts.

A grant is remembered per display user with the versions of the dashboards it was derived
from, and derived again once the dashboard feed (app/dashboards/feed.py) holds other versions:
a save in this process at once, one in another API process within the feed's cache time —
which is also when that process's walls are told to reload the layout, so a widget added to a
dashboard is readable by the time the wall asks for its topics, and one removed is refused
from the next subscription on.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.principal import Principal
from app.core.db import Database
from app.dashboards.feed import DashboardFeed, Versions
from app.dashboards.service import list_dashboards, viewer_of
from app.dashboards.wall_topics import WallDashboard, WallTopics, wall_topics

NOTHING = WallTopics()


@dataclass(frozen=True, slots=True)
class _Grant:
    seen: dict[int, tuple[str | None, int] | None]
    """The dashboards the grant depends on, at the versions it was derived from (None: absent)."""
    topics: WallTopics


class DisplayGrants:
    def __init__(self, db: Database, feed: DashboardFeed) -> None:
        self.db = db
        self.feed = feed
        self._grants: dict[tuple[int, int], _Grant] = {}

    async def topics(self, principal: Principal) -> WallTopics:
        """The live topics of a display's wall (nothing for a display bound to no dashboard)."""
        if principal.user_id is None or principal.dashboard_id is None:
            return NOTHING
        key = (principal.user_id, principal.dashboard_id)
        versions = await self.feed.versions(principal.tenant_id)
        grant = self._grants.get(key)
        if grant is None or any(versions.get(id_) != seen for id_, seen in grant.seen.items()):
            grant = await self._derive(principal, versions)
            if grant is None:
                return NOTHING  # bound elsewhere since: the next principal will say where
            self._grants[key] = grant
        return grant.topics

    async def _derive(self, principal: Principal, versions: Versions) -> _Grant | None:
        """From the dashboards the display may see (GET /v1/dashboards answers the same:
        its own and those of its rotation shared like it or with everyone). `versions` was
        read before the dashboards, so a save in between makes the grant derived again."""
        async with self.db.session() as session:
            viewer = await viewer_of(session, principal)
            if viewer.bound_dashboard is None or viewer.bound_dashboard != principal.dashboard_id:
                return None
            shown = await list_dashboards(session, viewer)
        depends = {viewer.bound_dashboard, *viewer.bound_rotation}
        topics = wall_topics(WallDashboard(d.team, d.widgets, d.celebrate_wins) for d in shown)
        return _Grant({id_: versions.get(id_) for id_ in depends}, topics)
