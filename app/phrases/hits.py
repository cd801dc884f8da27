"""`GET /v1/phrase-hits`: the latest phrases spotted in calls, for the wall's phrase widget and
the details of a banned-phrase alert. Admins and supervisors see every hit, team leads the hits
of their teams' agents; agents and display links are refused (a hit says what a person said on
a call). The segment text is there only while the tenant keeps matching segments. Walls read
the hits without text from the `phrases:SCOPE` topics (app/phrases/wall.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.auth.deps import StaffPrincipal
from app.services import ServicesDep

router = APIRouter(prefix="/v1/phrase-hits", tags=["phrases"])


class PhraseHitOut(BaseModel):
    seq: int = Field(description="the hit's number in the tenant's stream: ask `after` it")
    at: datetime = Field(description="when the segment was applied (aggregator time)")
    call_id: str
    agent: str | None
    team: str | None
    queue: str | None
    list: str
    kind: Literal["required", "banned", "signal"]
    phrase: str = Field(description="the phrase of the list that matched, as written there")
    role: Literal["agent", "customer"]
    text: str | None = Field(
        description="the segment, only if the tenant keeps matching segments (and within "
        "their retention); otherwise null"
    )


@router.get(
    "",
    summary="The latest phrase hits (at most 50), oldest first",
    description="Team leads get only their teams' agents' hits; agents and display links are "
    "refused. Walls read the latest hits without text from the WebSocket topics "
    "`phrases:tenant` and `phrases:team:NAME`. See docs/phrases.md.",
)
async def get_hits(
    principal: StaffPrincipal,
    services: ServicesDep,
    after: Annotated[int, Query(ge=0, description="only hits with a larger `seq`")] = 0,
    kind: Annotated[
        Literal["required", "banned", "signal"] | None, Query(description="one kind of list")
    ] = None,
) -> list[PhraseHitOut]:
    hits = await services.engine.phrase_hits(principal.tenant_id)
    access = principal.access
    teams: dict[str, str] = {}
    if not access.all_teams or access.only_agent is not None:
        teams = (await services.configs.get(principal.tenant_id)).agent_teams
    out = []
    for hit in hits:
        if hit.seq <= after or (kind is not None and hit.kind != kind):
            continue
        if not access.all_teams or access.only_agent is not None:
            team = teams.get(hit.agent, hit.team) if hit.agent is not None else None
            if hit.agent is None or not access.can_see_agent(hit.agent, team):
                continue
        out.append(
            PhraseHitOut.model_validate(
                {
                    "seq": hit.seq,
                    "at": datetime.fromtimestamp(hit.at / 1000, UTC),
                    "call_id": hit.call_id,
                    "agent": hit.agent,
                    "team": hit.team,
                    "queue": hit.queue,
                    "list": hit.list,
                    "kind": hit.kind,
                    "phrase": hit.phrase,
                    "role": hit.role,
                    "text": hit.text,
                }
            )
        )
    return out
