from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.auth.deps import Principal, ReadPrincipal, WallPrincipal
from app.core.errors import BadRequest, Forbidden
from app.registry.metrics import ALL_SPECS, BREAK_REASON_PREFIX
from app.registry.schemas import MetricCatalog, metric_out
from app.registry.scopes import parse_scope, scope_forms
from app.services import Services, ServicesDep
from app.streams.aggregator import LIVE, WINDOWS, empty_metrics

router = APIRouter(prefix="/v1", tags=["metrics"])

ALL_WINDOWS = (LIVE, *WINDOWS)
CATALOG = MetricCatalog(
    metrics=[metric_out(spec) for spec in ALL_SPECS], break_reason_prefix=BREAK_REASON_PREFIX
)


class MetricsSnapshot(BaseModel):
    scope: str = Field(
        description="`tenant`, `queue:NAME`, `team:NAME`, `agent:ID` or `pipeline:NAME`"
    )
    window: str = Field(description="one of " + ", ".join(f"`{w}`" for w in ALL_WINDOWS))
    at: datetime = Field(description="the time the values hold for")
    metrics: dict[str, float | int | None] = Field(
        description="the metric catalog (docs/metrics.md); null where a denominator is zero"
    )


class AgentRow(BaseModel):
    agent: str
    name: str | None = None
    team: str | None = None
    state: str
    reason: str | None = None
    since: datetime | None = None
    call_id: str | None = None
    call_queue: str | None = None
    handled_today: int = 0


class AgentBoard(BaseModel):
    at: datetime
    agents: list[AgentRow]


def checked_scope(scope: str) -> str:
    """The scope as given, or 400 naming the forms a scope takes."""
    if parse_scope(scope) is None:
        raise BadRequest(
            f"invalid scope {scope!r}: expected {scope_forms()}",
            details=[{"field": "scope", "reason": "unknown scope form"}],
        )
    return scope


async def team_of_agent(principal: Principal, services: Services) -> dict[str, str]:
    """The agents' teams, read only for callers limited to some teams or one agent."""
    access = principal.access
    if access.all_teams and access.only_agent is None:
        return {}
    return (await services.configs.get(principal.tenant_id)).agent_teams


async def refuse_hidden_scopes(principal: Principal, services: Services, scopes: list[str]) -> None:
    teams = await team_of_agent(principal, services)
    hidden = [s for s in scopes if not principal.access.can_see_scope(s, teams)]
    if hidden:
        raise Forbidden(
            f"you may not see {', '.join(hidden)}: only the tenant, queues, your teams and "
            "their agents (agents: only themselves)",
            details=[{"field": "scope", "reason": f"not visible: {s}"} for s in hidden],
        )


def at_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@router.get(
    "/metrics/catalog",
    summary="Every metric: name, kind, unit, which way is bad, labels, thresholds, scopes",
    description="The metric registry (docs/metrics.md): what the wall, the report and alert "
    "pages read to label, format and colour every value. The same for every tenant. Display "
    "links may read it (their wall does).",
)
async def get_catalog(principal: WallPrincipal) -> MetricCatalog:
    return CATALOG


@router.get(
    "/metrics",
    summary="Live metrics of one or more scopes and windows",
    description="Every combination of the given `scope` and `window` values is returned. A scope "
    "that has seen no events yet returns zeros and nulls, as a quiet queue would. A scope the "
    "caller may not see (another team, an agent outside its teams) is refused with 403.",
)
async def get_metrics(
    principal: ReadPrincipal,
    services: ServicesDep,
    scope: Annotated[list[str], Query(description="repeatable: `tenant`, `queue:NAME`, ...")] = [  # noqa: B006
        "tenant"
    ],
    window: Annotated[list[str], Query(description="repeatable: " + ", ".join(ALL_WINDOWS))] = [  # noqa: B006
        "15m"
    ],
) -> list[MetricsSnapshot]:
    scopes = [checked_scope(s) for s in scope]
    await refuse_hidden_scopes(principal, services, scopes)
    for w in window:
        if w not in ALL_WINDOWS:
            raise BadRequest(
                f"invalid window {w!r}: expected one of {', '.join(ALL_WINDOWS)}",
                details=[{"field": "window", "reason": "unknown window"}],
            )
    queries = [(s, w) for s in scopes for w in window]
    if len(queries) > 500:
        raise BadRequest("at most 500 scope × window combinations per request")
    live = await services.engine.live(principal.tenant_id, queries)
    at_ms = live.at_ms if live else 0
    return [
        MetricsSnapshot(
            scope=s,
            window=w,
            at=at_datetime(at_ms),
            metrics=(live.values.get((s, w)) if live else None) or empty_metrics(s, w),
        )
        for s, w in queries
    ]


@router.get(
    "/agents",
    summary="The live agent board",
    description="Only the agents the caller may see: its teams' agents (agents: themselves).",
)
async def get_agents(
    principal: ReadPrincipal,
    services: ServicesDep,
    team: str | None = None,
    queue: str | None = None,
    state: str | None = None,
) -> AgentBoard:
    got = await services.engine.board(principal.tenant_id)
    at_ms, rows = got if got else (0, [])
    teams = await team_of_agent(principal, services)
    agents = []
    for row in rows:
        agent_team = row.get("team")
        agent_id = str(row.get("agent"))
        if not principal.access.can_see_agent(
            agent_id, teams.get(agent_id, agent_team if isinstance(agent_team, str) else None)
        ):
            continue
        if team is not None and row.get("team") != team:
            continue
        if queue is not None and row.get("call_queue") != queue:
            continue
        if state is not None and row.get("state") != state:
            continue
        since = row.get("since_ms")
        agents.append(
            AgentRow.model_validate(
                {**row, "since": at_datetime(since) if isinstance(since, int) else None}
            )
        )
    return AgentBoard(at=at_datetime(at_ms), agents=agents)


@router.get("/metrics/events", summary="Exact count of aggregated events per type")
async def get_event_counts(principal: ReadPrincipal, services: ServicesDep) -> dict[str, int]:
    return await services.engine.counts(principal.tenant_id)
