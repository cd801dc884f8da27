"""The latest phrase hits as a wall reads them (`phrases:SCOPE`, docs/websocket.md): who, which
list and phrase, which side said it and when, **never the segment text** (nor the call), so
display links may read them. A team's topic holds only its agents' hits, by the agent's team
in the tenant's configuration (or the hit's own team when the agent is not configured)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from app.streams.aggregator.phrases import HitRecord

WALL_HITS: Final = 20
"""The latest hits a topic carries (the engine keeps a few more for the staff API)."""


def wall_hit(hit: HitRecord, team: str | None) -> dict[str, object]:
    return {
        "seq": hit.seq,
        "at_ms": hit.at,
        "agent": hit.agent,
        "team": team,
        "list": hit.list,
        "kind": hit.kind,
        "phrase": hit.phrase,
        "role": hit.role,
    }


def phrases_state(
    scope: str, hits: list[HitRecord], agent_teams: Mapping[str, str]
) -> dict[str, dict[str, object]]:
    """The latest `WALL_HITS` hits under `scope` (`tenant` or `team:NAME`), keyed by `seq`."""
    out: list[dict[str, object]] = []
    only_team = scope.partition(":")[2] if scope.startswith("team:") else None
    for hit in hits:
        team = agent_teams.get(hit.agent, hit.team) if hit.agent is not None else hit.team
        if only_team is not None and (hit.agent is None or team != only_team):
            continue
        out.append(wall_hit(hit, team))
    return {str(row["seq"]): row for row in out[-WALL_HITS:]}
