"""What the reports, shifts, plans and coaching routes need to know about the caller and the
tenant: whether it may see an agent, which team an agent is in, the tenant's time zone, the
live clock, the tenant's today and the day a request names. Writing (shifts, plans, coaching
notes) is for staff: `StaffPrincipal`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import Principal
from app.core.errors import BadRequest, Forbidden, NotFound
from app.facts.calendar import FIRST_DATE, LAST_DATE, local_date, zone
from app.services import Services
from app.streams.clock import wall_ms
from app.tenancy.models import Agent, Team, Tenant


@dataclass(frozen=True, slots=True)
class OpenState:
    """An agent's current state (from the live board): in `state` since `since_ms`."""

    state: str
    since_ms: int


def require_agent(principal: Principal, agent: str, team: str | None, write: bool) -> None:
    """Raise unless the caller may see (and, for `write`, manage) this agent. Unseen agents
    are reported as not found, so that their existence does not leak."""
    if not principal.access.can_see_agent(agent, team):
        if write:
            raise Forbidden(f"you may not manage agent {agent!r} (not in your teams)")
        raise NotFound(f"no agent {agent!r} in your teams")


async def agent_teams(session: AsyncSession, tenant_id: int) -> dict[str, str]:
    """Agent id -> team name, for the agents that have a team."""
    rows = await session.execute(
        select(Agent.external_id, Team.name)
        .join(Team, Agent.team_id == Team.id)
        .where(Agent.tenant_id == tenant_id)
    )
    return {agent: team for agent, team in rows.all()}  # noqa: C416 (rows are Row objects)


async def roster_teams(session: AsyncSession, tenant_id: int) -> dict[str, str | None]:
    """Every agent id registered in the tenant -> its team name, None for one without a team."""
    rows = await session.execute(
        select(Agent.external_id, Team.name)
        .outerjoin(Team, Agent.team_id == Team.id)
        .where(Agent.tenant_id == tenant_id)
    )
    return {agent: team for agent, team in rows.all()}  # noqa: C416 (rows are Row objects)


async def agent_names(session: AsyncSession, tenant_id: int) -> dict[str, str]:
    """Agent id -> display name, for the agents that have one."""
    rows = await session.execute(
        select(Agent.external_id, Agent.display_name).where(
            Agent.tenant_id == tenant_id, Agent.display_name != ""
        )
    )
    return {agent: name for agent, name in rows.all() if name}


async def tenant_zone(session: AsyncSession, tenant_id: int) -> str:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} does not exist")
    return tenant.timezone


async def live_now(services: Services, tenant_id: int) -> tuple[int, dict[str, OpenState]]:
    """The tenant's clock (aggregator time under `clock=event`, else the wall clock) and the
    states agents are in now, from the live board."""
    got = await services.engine.board(tenant_id)
    if got is None:
        return wall_ms(), {}
    now, rows = got
    states: dict[str, OpenState] = {}
    for row in rows:
        state, since, agent = row.get("state"), row.get("since_ms"), row.get("agent")
        if (
            isinstance(state, str)
            and isinstance(since, int)
            and isinstance(agent, str)
            and state != "logged_out"
        ):
            states[agent] = OpenState(state, since)
    return now, states


def parse_day(value: str, today: date) -> date:
    """`today`, `yesterday` or an ISO date."""
    text = value.strip().lower()
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(
            f"expected a date such as 2024-03-31, `today` or `yesterday`, got {value!r}",
            details=[{"field": "date", "reason": "not a date"}],
        ) from exc
    if not FIRST_DATE <= day <= LAST_DATE:
        raise BadRequest(
            f"expected a date from {FIRST_DATE} to {LAST_DATE}, got {day}",
            details=[{"field": "date", "reason": "out of range"}],
        )
    return day


async def tenant_today(services: Services, session: AsyncSession, tenant_id: int) -> date:
    """The local date of the tenant's clock (event time under `clock=event`)."""
    tz = await tenant_zone(session, tenant_id)
    now, _ = await live_now(services, tenant_id)
    return local_date(now, zone(tz))
