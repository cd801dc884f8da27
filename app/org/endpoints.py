"""`/v1/teams`, `/v1/agents` (the configured roster; `GET /v1/agents` itself is the live
board) and `/v1/queues`. Admins write; every reader sees what its access allows: all queues,
the teams it sees and the agents in them. Edits reach the aggregators at once in this process
(the tenant configuration cache is invalidated) and within its TTL in other processes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from app.auth.deps import AdminPrincipal, ReadPrincipal, WallPrincipal
from app.auth.resolver import forget_all
from app.core.errors import NotFound
from app.core.logging import get_logger
from app.org.schemas import (
    NULLABLE_QUEUE_FIELDS,
    AgentCreate,
    AgentOut,
    AgentUpdate,
    QueueCreate,
    QueueOut,
    QueueUpdate,
    TeamIn,
    TeamOut,
    TenantOut,
    TenantUpdate,
)
from app.org.service import (
    get_agent,
    get_queue,
    get_team,
    list_agents,
    list_queues,
    list_teams,
    save_agent,
    save_queue,
    save_team,
    team_id_of,
    tenant_by_id,
)
from app.services import Services, ServicesDep
from app.tenancy.models import Agent, Queue, Team, Tenant

tenant_router = APIRouter(prefix="/v1/tenant", tags=["organisation"])
teams_router = APIRouter(prefix="/v1/teams", tags=["organisation"])
agents_router = APIRouter(prefix="/v1/agents", tags=["organisation"])
queues_router = APIRouter(prefix="/v1/queues", tags=["organisation"])
log = get_logger(__name__)


def _not_found(what: str) -> dict[int | str, dict[str, Any]]:
    return {404: {"description": f"no such {what} in this tenant, or not one you may see"}}


def _changed(services: Services, tenant_id: int) -> None:
    """Names of teams and agents are part of every principal's access and of the aggregator's
    configuration: both caches forget the tenant."""
    services.configs.invalidate(tenant_id)
    forget_all()


# the tenant


def _tenant_out(tenant: Tenant) -> TenantOut:
    return TenantOut(
        name=tenant.name,
        timezone=tenant.timezone,
        language="pl" if tenant.language == "pl" else "en",
        currency=tenant.currency,
        country_code=tenant.country_code,
    )


@tenant_router.get(
    "",
    summary="The tenant's name, time zone, language and currency",
    description="Every reader, and display links (their wall shows the language and currency).",
)
async def get_tenant(principal: WallPrincipal, services: ServicesDep) -> TenantOut:
    async with services.db.session() as session:
        return _tenant_out(await tenant_by_id(session, principal.tenant_id))


@tenant_router.patch(
    "",
    summary="Change the tenant's language, currency or country code (admins)",
    description="The language is that of alert notifications (the pages follow each browser); "
    "the currency is shown with revenue. The time zone is changed with care: see "
    "docs/reports.md (`floorwatch reports rebuild`).",
)
async def patch_tenant(
    body: TenantUpdate, principal: AdminPrincipal, services: ServicesDep
) -> TenantOut:
    async with services.db.session() as session:
        tenant = await tenant_by_id(session, principal.tenant_id)
        changes = body.model_dump(exclude_unset=True)
        if changes.get("language") is not None:
            tenant.language = changes["language"]
        if "currency" in changes:
            tenant.currency = changes["currency"]
        if "country_code" in changes:
            tenant.country_code = changes["country_code"]
        await session.commit()
        log.info("tenant settings changed", tenant_id=tenant.id, fields=sorted(changes))
        out = _tenant_out(tenant)
    _changed(services, principal.tenant_id)  # the aggregator's config carries the language
    return out


# teams


@teams_router.get("", summary="Teams you may see")
async def get_teams(principal: ReadPrincipal, services: ServicesDep) -> list[TeamOut]:
    async with services.db.session() as session:
        rows = await list_teams(session, principal.tenant_id)
    return [
        TeamOut(id=team.id, name=team.name, agents=count)
        for team, count in rows
        if principal.access.can_see_team(team.name)
    ]


@teams_router.post("", status_code=status.HTTP_201_CREATED, summary="Create a team (admins)")
async def post_team(body: TeamIn, principal: AdminPrincipal, services: ServicesDep) -> TeamOut:
    async with services.db.session() as session:
        team = await save_team(session, Team(tenant_id=principal.tenant_id, name=body.name))
        await session.commit()
    _changed(services, principal.tenant_id)
    return TeamOut(id=team.id, name=team.name, agents=0)


@teams_router.get("/{team_id}", summary="One team", responses=_not_found("team"))
async def get_one_team(team_id: int, principal: ReadPrincipal, services: ServicesDep) -> TeamOut:
    async with services.db.session() as session:
        rows = await list_teams(session, principal.tenant_id)
    for team, count in rows:
        if team.id == team_id and principal.access.can_see_team(team.name):
            return TeamOut(id=team.id, name=team.name, agents=count)
    raise NotFound(f"no team with id {team_id} in this tenant")


@teams_router.patch("/{team_id}", summary="Rename a team (admins)", responses=_not_found("team"))
async def patch_team(
    team_id: int, body: TeamIn, principal: AdminPrincipal, services: ServicesDep
) -> TeamOut:
    async with services.db.session() as session:
        team = await get_team(session, principal.tenant_id, team_id)
        team.name = body.name
        await save_team(session, team)
        teams = await list_teams(session, principal.tenant_id)
        count = next(c for t, c in teams if t.id == team_id)
        await session.commit()
    _changed(services, principal.tenant_id)
    return TeamOut(id=team.id, name=team.name, agents=count)


@teams_router.delete(
    "/{team_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a team (admins)",
    description="Its agents stay, without a team; users lose it from their teams.",
    responses=_not_found("team"),
)
async def delete_team(team_id: int, principal: AdminPrincipal, services: ServicesDep) -> Response:
    async with services.db.session() as session:
        await session.delete(await get_team(session, principal.tenant_id, team_id))
        await session.commit()
    _changed(services, principal.tenant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# agents


def _agent_out(agent: Agent, team: str | None) -> AgentOut:
    return AgentOut(
        id=agent.id, external_id=agent.external_id, display_name=agent.display_name, team=team
    )


@agents_router.get(
    "/roster",
    summary="Configured agents you may see",
    description="The agents configured for the tenant, with their teams (the live board, "
    "with states, is `GET /v1/agents`).",
)
async def get_roster(principal: ReadPrincipal, services: ServicesDep) -> list[AgentOut]:
    async with services.db.session() as session:
        rows = await list_agents(session, principal.tenant_id)
    return [
        _agent_out(agent, team)
        for agent, team in rows
        if principal.access.can_see_agent(agent.external_id, team)
    ]


@agents_router.post("", status_code=status.HTTP_201_CREATED, summary="Create an agent (admins)")
async def post_agent(
    body: AgentCreate, principal: AdminPrincipal, services: ServicesDep
) -> AgentOut:
    async with services.db.session() as session:
        agent = Agent(
            tenant_id=principal.tenant_id,
            external_id=body.external_id,
            display_name=body.display_name,
            team_id=await team_id_of(session, principal.tenant_id, body.team),
        )
        await save_agent(session, agent)
        await session.commit()
    _changed(services, principal.tenant_id)
    return _agent_out(agent, body.team)


@agents_router.get("/{agent_id:int}", summary="One configured agent", responses=_not_found("agent"))
async def get_one_agent(agent_id: int, principal: ReadPrincipal, services: ServicesDep) -> AgentOut:
    async with services.db.session() as session:
        agent, team = await get_agent(session, principal.tenant_id, agent_id)
    if not principal.access.can_see_agent(agent.external_id, team):
        raise NotFound(f"no agent with id {agent_id} in this tenant")
    return _agent_out(agent, team)


@agents_router.patch(
    "/{agent_id:int}", summary="Change an agent (admins)", responses=_not_found("agent")
)
async def patch_agent(
    agent_id: int, body: AgentUpdate, principal: AdminPrincipal, services: ServicesDep
) -> AgentOut:
    given = body.model_fields_set
    async with services.db.session() as session:
        agent, team = await get_agent(session, principal.tenant_id, agent_id)
        if body.external_id is not None:
            agent.external_id = body.external_id
        if "display_name" in given:
            agent.display_name = body.display_name
        if "team" in given:
            agent.team_id = await team_id_of(session, principal.tenant_id, body.team)
            team = body.team
        await save_agent(session, agent)
        await session.commit()
    _changed(services, principal.tenant_id)
    return _agent_out(agent, team)


@agents_router.delete(
    "/{agent_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an agent (admins)",
    description="Its events and facts stay; an agent user tied to it sees no agent any more.",
    responses=_not_found("agent"),
)
async def delete_agent(agent_id: int, principal: AdminPrincipal, services: ServicesDep) -> Response:
    async with services.db.session() as session:
        agent, _ = await get_agent(session, principal.tenant_id, agent_id)
        await session.delete(agent)
        await session.commit()
    _changed(services, principal.tenant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# queues


def _queue_out(queue: Queue) -> QueueOut:
    return QueueOut.model_validate(queue, from_attributes=True)


@queues_router.get(
    "",
    summary="Queues and their settings",
    description="Every reader sees every queue: queues are floor-wide.",
)
async def get_queues(principal: ReadPrincipal, services: ServicesDep) -> list[QueueOut]:
    async with services.db.session() as session:
        return [_queue_out(q) for q in await list_queues(session, principal.tenant_id)]


@queues_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a queue (admins)",
    description="Queues that are not configured use the defaults (20 s, 5 s, wrap-up until "
    "the platform ends it).",
)
async def post_queue(
    body: QueueCreate, principal: AdminPrincipal, services: ServicesDep
) -> QueueOut:
    async with services.db.session() as session:
        queue = Queue(tenant_id=principal.tenant_id, **body.model_dump())
        await save_queue(session, queue)
        await session.commit()
    _changed(services, principal.tenant_id)
    return _queue_out(queue)


@queues_router.get("/{queue_id}", summary="One queue", responses=_not_found("queue"))
async def get_one_queue(queue_id: int, principal: ReadPrincipal, services: ServicesDep) -> QueueOut:
    async with services.db.session() as session:
        return _queue_out(await get_queue(session, principal.tenant_id, queue_id))


@queues_router.patch(
    "/{queue_id}",
    summary="Change a queue's name or settings (admins)",
    description="The aggregators read the new settings at once in this process and within "
    "the configuration cache's TTL (10 s) in others.",
    responses=_not_found("queue"),
)
async def patch_queue(
    queue_id: int, body: QueueUpdate, principal: AdminPrincipal, services: ServicesDep
) -> QueueOut:
    async with services.db.session() as session:
        queue = await get_queue(session, principal.tenant_id, queue_id)
        for name, value in body.model_dump(exclude_unset=True).items():
            if value is not None or name in NULLABLE_QUEUE_FIELDS:
                setattr(queue, name, value)
        await save_queue(session, queue)
        await session.commit()
    _changed(services, principal.tenant_id)
    return _queue_out(queue)


@queues_router.delete(
    "/{queue_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a queue's settings (admins)",
    description="Calls of the queue then use the default settings; its figures stay.",
    responses=_not_found("queue"),
)
async def delete_queue(queue_id: int, principal: AdminPrincipal, services: ServicesDep) -> Response:
    async with services.db.session() as session:
        await session.delete(await get_queue(session, principal.tenant_id, queue_id))
        await session.commit()
    _changed(services, principal.tenant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
