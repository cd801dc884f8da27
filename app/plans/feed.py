"""The wall's view of per-person plans: each agent's day target (the standard scenario) for
today, for the leaderboard's targets mode (the `targets:SCOPE` WebSocket topics).

    await feed.current(tenant_id)      WallTargets: the tenant's local date and, per agent
                                       id, {metric: standard} of the day plans in force today
    feed.changed(tenant_id)            a plan was saved or deleted here: tell the walls
    scope_targets(targets, scope, team_of)   the topic's value for `tenant` or `team:NAME`

Only day plans of `agent:ID` scopes on WALL_TARGET_METRICS reach a wall, and only their
standard figure: a wall compares the agent's `today` figure with the plan of that same day
(week and month plans are not prorated onto a day; docs/wall.md). Like the dashboards feed,
a change in another API process is seen when the cache expires, within CACHE_TTL_S; so is the
tenant's midnight.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from app.core.db import Database
from app.core.tenant_cache import TenantCache
from app.facts.calendar import local_date, zone
from app.kpi.rows import METRICS
from app.plans.service import LOWER_IS_BETTER, day_standards
from app.registry.metrics import LIVE_METRICS, REGISTRY
from app.registry.specs import BadSide, MetricKind
from app.streams.clock import wall_ms
from app.streams.engine import Engine
from app.tenancy.models import Tenant

CACHE_TTL_S = 5.0
WALL_TARGET_METRICS: Final = tuple(
    name
    for name in LIVE_METRICS
    if name in METRICS
    and name not in LOWER_IS_BETTER
    and REGISTRY[name].kind is MetricKind.counter
    and REGISTRY[name].bad is BadSide.below
)
"""Counters where more is better, planned in reports and live per agent (deals won, revenue,
deals, handled calls, ...): the metrics a leaderboard may show against a target."""


@dataclass(frozen=True, slots=True)
class WallTargets:
    day: date
    by_agent: dict[str, dict[str, float]] = field(default_factory=dict)


class TargetFeed:
    def __init__(self, db: Database, engine: Engine) -> None:
        self.db = db
        self.engine = engine
        self._cache: TenantCache[WallTargets] = TenantCache(CACHE_TTL_S, "targets")
        self.add_listener = self._cache.add_listener
        self.remove_listener = self._cache.remove_listener

    async def _today(self, tz_name: str, tenant_id: int) -> date:
        """The tenant's local date by its live clock (event time under `clock=event`)."""
        board = await self.engine.board(tenant_id)
        return local_date(board[0] if board else wall_ms(), zone(tz_name))

    async def current(self, tenant_id: int) -> WallTargets:
        async def load() -> WallTargets:
            async with self.db.session() as session:
                tenant = await session.get(Tenant, tenant_id)
                if tenant is None:
                    return WallTargets(local_date(wall_ms(), zone("UTC")))
                day = await self._today(tenant.timezone, tenant_id)
                standards = await day_standards(session, tenant_id, day)
            by_agent = {
                scope.partition(":")[2]: wall_metrics
                for scope, metrics in standards.items()
                if scope.startswith("agent:")
                and (wall_metrics := {m: v for m, v in metrics.items() if m in WALL_TARGET_METRICS})
            }
            return WallTargets(day, by_agent)

        return await self._cache.get(tenant_id, load)

    def changed(self, tenant_id: int) -> None:
        self._cache.invalidate(tenant_id)


def scope_targets(targets: WallTargets, scope: str, team_of: Mapping[str, str]) -> dict[str, Any]:
    """The `targets:SCOPE` topic's value: `{"date": "2026-12-07", "period": "day", "agents":
    {agent id: {metric: standard}}}`, every agent's for `tenant`, for `team:NAME` only the
    agents of that team now (`team_of` maps agent ids to team names)."""
    team = None if scope == "tenant" else scope.partition(":")[2]
    agents = {
        agent: dict(metrics)
        for agent, metrics in sorted(targets.by_agent.items())
        if team is None or team_of.get(agent) == team
    }
    return {"date": targets.day.isoformat(), "period": "day", "agents": agents}
