"""Create a tenant's queues, teams and agents from a simulated roster (demo, simulator, bench)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.integrations.simulation import Roster
from app.tenancy.models import Agent, Queue, Team


async def provision_roster(session: AsyncSession, tenant_id: int, roster: Roster) -> None:
    """Idempotent: existing queues, teams and agents (by name) are updated, not duplicated."""
    queues = {
        q.name: q
        for q in (await session.scalars(select(Queue).where(Queue.tenant_id == tenant_id))).all()
    }
    for rq in roster.queues:
        queue = queues.get(rq.name) or Queue(tenant_id=tenant_id, name=rq.name)
        queue.sl_threshold_s = float(rq.sl_threshold_s)
        queue.short_abandon_s = float(rq.short_abandon_s)
        queue.wrapup_s = rq.wrapup_s
        session.add(queue)
    teams = {
        t.name: t
        for t in (await session.scalars(select(Team).where(Team.tenant_id == tenant_id))).all()
    }
    for rt in roster.teams:
        if rt.name not in teams:
            teams[rt.name] = Team(tenant_id=tenant_id, name=rt.name)
            session.add(teams[rt.name])
    await session.flush()
    agents = {
        a.external_id: a
        for a in (await session.scalars(select(Agent).where(Agent.tenant_id == tenant_id))).all()
    }
    for ra in roster.agents:
        agent = agents.get(ra.id) or Agent(tenant_id=tenant_id, external_id=ra.id)
        agent.display_name = ra.name
        agent.team_id = teams[ra.team].id
        session.add(agent)
    await session.flush()
