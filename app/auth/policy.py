"""What a caller may see inside its tenant. One place decides; every route and socket topic asks.

Queues and the tenant total are floor-wide aggregates that every role may read. Teams and
agents are the private part: a caller limited to some teams sees only those teams and the
agents in them; an agent sees only itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Access:
    all_teams: bool = True
    teams: frozenset[str] = frozenset()
    only_agent: str | None = None

    @classmethod
    def everything(cls) -> Access:
        return cls(all_teams=True)

    def can_see_team(self, team: str | None) -> bool:
        if self.only_agent is not None:
            return False
        return self.all_teams or (team is not None and team in self.teams)

    def can_see_agent(self, agent: str, team: str | None) -> bool:
        if self.only_agent is not None:
            return agent == self.only_agent
        return self.all_teams or (team is not None and team in self.teams)

    def can_see_scope(self, scope: str, team_of_agent: dict[str, str]) -> bool:
        """`scope` as in the metrics API: `tenant`, `queue:NAME`, `team:NAME`, `agent:ID`,
        `pipeline:NAME` (pipelines are floor-wide, like queues)."""
        kind, _, name = scope.partition(":")
        if kind in ("tenant", "queue", "pipeline"):
            return True
        if kind == "team":
            return self.can_see_team(name)
        if kind == "agent":
            return self.can_see_agent(name, team_of_agent.get(name))
        return False
