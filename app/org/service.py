"""Tenants and their structure."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest, Conflict, NotFound
from app.tenancy.models import Agent, Queue, Team, Tenant

DEFAULT_TENANT = "default"


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name)") from exc
    return name


async def get_tenant_by_name(session: AsyncSession, name: str) -> Tenant | None:
    return await session.scalar(select(Tenant).where(Tenant.name == name))


async def tenant_by_id(session: AsyncSession, tenant_id: int) -> Tenant:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"no tenant with id {tenant_id}")
    return tenant


async def create_tenant(session: AsyncSession, name: str, timezone: str = "UTC") -> Tenant:
    if await get_tenant_by_name(session, name) is not None:
        raise ValueError(f"tenant {name!r} exists already")
    tenant = Tenant(name=name, timezone=check_timezone(timezone))
    session.add(tenant)
    await session.flush()
    return tenant


async def ensure_tenant(session: AsyncSession, name: str, timezone: str = "UTC") -> Tenant:
    tenant = await get_tenant_by_name(session, name)
    if tenant is None:
        tenant = await create_tenant(session, name, timezone)
    return tenant


def _taken(kind: str, name: str) -> Conflict:
    return Conflict(
        f"a {kind} named {name!r} exists already in this tenant",
        details=[{"field": "name" if kind != "agent" else "external_id", "reason": "taken"}],
    )


async def list_teams(session: AsyncSession, tenant_id: int) -> list[tuple[Team, int]]:
    """Teams with the number of agents in each, by name."""
    rows = await session.execute(
        select(Team, func.count(Agent.id))
        .outerjoin(Agent, Agent.team_id == Team.id)
        .where(Team.tenant_id == tenant_id)
        .group_by(Team.id)
        .order_by(Team.name)
    )
    return [(team, count) for team, count in rows]


async def get_team(session: AsyncSession, tenant_id: int, team_id: int) -> Team:
    team = await session.scalar(select(Team).where(Team.id == team_id, Team.tenant_id == tenant_id))
    if team is None:
        raise NotFound(f"no team with id {team_id} in this tenant")
    return team


async def team_id_of(session: AsyncSession, tenant_id: int, name: str | None) -> int | None:
    if name is None:
        return None
    team_id = await session.scalar(
        select(Team.id).where(Team.tenant_id == tenant_id, Team.name == name)
    )
    if team_id is None:
        raise BadRequest(
            f"no team named {name!r} in this tenant",
            details=[{"field": "team", "reason": "unknown team"}],
        )
    return team_id


async def save_team(session: AsyncSession, team: Team) -> Team:
    """Insert or update; a duplicate name is a Conflict."""
    clash = await session.scalar(
        select(Team.id).where(
            Team.tenant_id == team.tenant_id, Team.name == team.name, Team.id != (team.id or 0)
        )
    )
    if clash is not None:
        raise _taken("team", team.name)
    session.add(team)
    await session.flush()
    return team


async def list_agents(session: AsyncSession, tenant_id: int) -> list[tuple[Agent, str | None]]:
    """Agents with their team's name, by external id."""
    rows = await session.execute(
        select(Agent, Team.name)
        .outerjoin(Team, Team.id == Agent.team_id)
        .where(Agent.tenant_id == tenant_id)
        .order_by(Agent.external_id)
    )
    return [(agent, team) for agent, team in rows]


async def get_agent(
    session: AsyncSession, tenant_id: int, agent_id: int
) -> tuple[Agent, str | None]:
    row = (
        await session.execute(
            select(Agent, Team.name)
            .outerjoin(Team, Team.id == Agent.team_id)
            .where(Agent.id == agent_id, Agent.tenant_id == tenant_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no agent with id {agent_id} in this tenant")
    agent, team = row
    return agent, team


async def save_agent(session: AsyncSession, agent: Agent) -> Agent:
    clash = await session.scalar(
        select(Agent.id).where(
            Agent.tenant_id == agent.tenant_id,
            Agent.external_id == agent.external_id,
            Agent.id != (agent.id or 0),
        )
    )
    if clash is not None:
        raise _taken("agent", agent.external_id)
    session.add(agent)
    await session.flush()
    return agent


async def list_queues(session: AsyncSession, tenant_id: int) -> list[Queue]:
    rows = await session.scalars(
        select(Queue).where(Queue.tenant_id == tenant_id).order_by(Queue.name)
    )
    return list(rows.all())


async def get_queue(session: AsyncSession, tenant_id: int, queue_id: int) -> Queue:
    queue = await session.scalar(
        select(Queue).where(Queue.id == queue_id, Queue.tenant_id == tenant_id)
    )
    if queue is None:
        raise NotFound(f"no queue with id {queue_id} in this tenant")
    return queue


async def save_queue(session: AsyncSession, queue: Queue) -> Queue:
    clash = await session.scalar(
        select(Queue.id).where(
            Queue.tenant_id == queue.tenant_id,
            Queue.name == queue.name,
            Queue.id != (queue.id or 0),
        )
    )
    if clash is not None:
        raise _taken("queue", queue.name)
    session.add(queue)
    await session.flush()
    return queue
