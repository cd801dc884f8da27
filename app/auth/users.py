"""Users of a tenant: the rules that tie a role to teams, an agent or a dashboard, and the
Principal a user's credentials resolve to."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User, UserTeam
from app.auth.principal import CredentialKind, Principal
from app.auth.roles import DisplayDashboard, Role, access_for_role, scopes_for_role
from app.core.errors import BadRequest, Conflict, NotFound
from app.tenancy.models import Agent, Dashboard, Team, Tenant

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._@+-]{0,99}$"
_USERNAME = re.compile(USERNAME_PATTERN)


def normalize_username(raw: str) -> str:
    return raw.strip().lower()


def check_username(raw: str) -> str:
    name = normalize_username(raw)
    if not _USERNAME.match(name):
        raise BadRequest(
            f"invalid username {raw!r}: expected 1-100 characters of letters, digits and "
            "`. _ @ + -`, starting with a letter or digit",
            details=[{"field": "username", "reason": "invalid characters or length"}],
        )
    return name


@dataclass(frozen=True, slots=True)
class RoleFields:
    """What a role is tied to: `teams` (names) for supervisors without `all_teams` and team
    leads, `agent` (external id) for agents, `dashboard_id` for displays."""

    role: Role
    all_teams: bool = False
    teams: frozenset[str] = frozenset()
    agent: str | None = None
    dashboard_id: int | None = None

    def check(self) -> None:
        def refuse(field_name: str, reason: str) -> BadRequest:
            return BadRequest(
                f"{reason} (role `{self.role}`)",
                details=[{"field": field_name, "reason": reason}],
            )

        if self.all_teams and self.role is not Role.supervisor:
            raise refuse("all_teams", "`all_teams` is for supervisors only")
        if self.teams and self.role not in (Role.supervisor, Role.team_lead):
            raise refuse("teams", "`teams` is for supervisors and team leads only")
        if self.teams and self.all_teams:
            raise refuse("teams", "give either `all_teams` or `teams`, not both")
        if self.role is Role.agent and not self.agent:
            raise refuse("agent", "an agent user needs `agent`: the agent id it is")
        if self.agent and self.role is not Role.agent:
            raise refuse("agent", "`agent` is for agent users only")
        if self.dashboard_id is not None and self.role is not Role.display:
            raise refuse("dashboard_id", "`dashboard_id` is for display users only")


@dataclass(frozen=True, slots=True)
class UserView:
    """A user with its team names, and its agent's external id and team (agent users)."""

    user: User
    teams: list[str] = field(default_factory=list)
    agent: str | None = None
    agent_team: str | None = None
    dashboard: DisplayDashboard | None = None

    @property
    def role(self) -> Role:
        return Role(self.user.role)


async def team_ids_by_name(
    session: AsyncSession, tenant_id: int, names: frozenset[str]
) -> dict[str, int]:
    if not names:
        return {}
    rows = await session.execute(
        select(Team.name, Team.id).where(Team.tenant_id == tenant_id, Team.name.in_(names))
    )
    found = dict(rows.all())
    missing = sorted(names - found.keys())
    if missing:
        raise BadRequest(
            f"no team named {', '.join(repr(m) for m in missing)} in this tenant",
            details=[{"field": "teams", "reason": "unknown team"}],
        )
    return found


async def agent_id_by_external(session: AsyncSession, tenant_id: int, external_id: str) -> int:
    agent_id = await session.scalar(
        select(Agent.id).where(Agent.tenant_id == tenant_id, Agent.external_id == external_id)
    )
    if agent_id is None:
        raise BadRequest(
            f"no agent {external_id!r} in this tenant (create it under /v1/agents first)",
            details=[{"field": "agent", "reason": "unknown agent"}],
        )
    return agent_id


async def views_of(session: AsyncSession, users: Sequence[User]) -> list[UserView]:
    """Load the teams and agents of `users` in two queries."""
    ids = [u.id for u in users]
    teams: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        rows = await session.execute(
            select(UserTeam.user_id, Team.name)
            .join(Team, Team.id == UserTeam.team_id)
            .where(UserTeam.user_id.in_(ids))
            .order_by(Team.name)
        )
        for user_id, name in rows:
            teams[user_id].append(name)
    agent_ids = {u.agent_id for u in users if u.agent_id is not None}
    agents: dict[int, tuple[str, str | None]] = {}
    if agent_ids:
        rows2 = await session.execute(
            select(Agent.id, Agent.external_id, Team.name)
            .outerjoin(Team, Team.id == Agent.team_id)
            .where(Agent.id.in_(agent_ids))
        )
        agents = {agent_id: (ext, team) for agent_id, ext, team in rows2}
    dashboard_ids = {u.dashboard_id for u in users if u.dashboard_id is not None}
    dashboards: dict[tuple[int, int], DisplayDashboard] = {}
    if dashboard_ids:
        rows3 = await session.execute(
            select(Dashboard.id, Dashboard.tenant_id, Team.name)
            .outerjoin(Team, Team.id == Dashboard.team_id)
            .where(Dashboard.id.in_(dashboard_ids))
        )
        dashboards = {
            (dashboard_id, tenant_id): DisplayDashboard(team)
            for dashboard_id, tenant_id, team in rows3
        }
    views = []
    for user in users:
        agent, agent_team = (None, None)
        if user.agent_id is not None:
            agent, agent_team = agents.get(user.agent_id, (None, None))
        dashboard = (
            dashboards.get((user.dashboard_id, user.tenant_id))  # never another tenant's
            if user.dashboard_id is not None
            else None
        )
        views.append(UserView(user, teams[user.id], agent, agent_team, dashboard))
    return views


async def view_of(session: AsyncSession, user: User) -> UserView:
    return (await views_of(session, [user]))[0]


def may_see_user(principal: Principal, view: UserView) -> bool:
    """Admins and all-teams callers see every user; team-scoped callers see themselves, the
    members of their teams and the agent users of agents in their teams."""
    access = principal.access
    if access.only_agent is None and access.all_teams:
        return True
    if view.user.id == principal.user_id:
        return True
    if access.only_agent is not None:
        return False
    if any(team in access.teams for team in view.teams):
        return True
    return view.agent is not None and access.can_see_agent(view.agent, view.agent_team)


def principal_for(
    view: UserView,
    tenant_name: str,
    kind: CredentialKind,
    *,
    session_id: int | None = None,
    token_id: int | None = None,
) -> Principal:
    user = view.user
    role = view.role
    return Principal(
        tenant_id=user.tenant_id,
        tenant_name=tenant_name,
        scopes=scopes_for_role(role),
        access=access_for_role(
            role,
            all_teams=user.all_teams,
            teams=frozenset(view.teams),
            agent=view.agent,
            dashboard=view.dashboard,
        ),
        kind=kind,
        user_id=user.id,
        username=user.username,
        role=role,
        session_id=session_id,
        token_id=token_id,
        dashboard_id=user.dashboard_id if view.dashboard is not None else None,
    )


async def tenant_name_of(session: AsyncSession, tenant_id: int) -> str:
    name = await session.scalar(select(Tenant.name).where(Tenant.id == tenant_id))
    return name or ""


async def find_login_user(session: AsyncSession, tenant: str, username: str) -> User | None:
    return await session.scalar(
        select(User)
        .join(Tenant, Tenant.id == User.tenant_id)
        .where(Tenant.name == tenant, User.username == normalize_username(username))
    )


async def get_user(session: AsyncSession, tenant_id: int, user_id: int) -> User:
    user = await session.scalar(select(User).where(User.id == user_id, User.tenant_id == tenant_id))
    if user is None:
        raise NotFound(f"no user with id {user_id} in this tenant")
    return user


async def list_users(session: AsyncSession, tenant_id: int) -> list[User]:
    rows = await session.scalars(
        select(User).where(User.tenant_id == tenant_id).order_by(User.username)
    )
    return list(rows.all())


async def set_teams(session: AsyncSession, user: User, team_ids: dict[str, int]) -> None:
    await session.execute(delete(UserTeam).where(UserTeam.user_id == user.id))
    session.add_all(UserTeam(user_id=user.id, team_id=i) for i in team_ids.values())
    await session.flush()


async def check_dashboard_in_tenant(
    session: AsyncSession, tenant_id: int, dashboard_id: int
) -> None:
    """A display may be bound only to a dashboard of its own tenant; another tenant's id is
    refused exactly as one that does not exist (ids must not reveal what exists elsewhere)."""
    found = await session.scalar(
        select(Dashboard.id).where(Dashboard.id == dashboard_id, Dashboard.tenant_id == tenant_id)
    )
    if found is None:
        raise BadRequest(
            f"no dashboard with id {dashboard_id} in this tenant",
            details=[{"field": "dashboard_id", "reason": "unknown dashboard"}],
        )


async def apply_role_fields(session: AsyncSession, user: User, fields: RoleFields) -> None:
    """Check `fields` and store them on `user` (teams replaced)."""
    fields.check()
    team_ids = await team_ids_by_name(session, user.tenant_id, fields.teams)
    user.role = fields.role.value
    user.all_teams = fields.all_teams
    user.agent_id = (
        await agent_id_by_external(session, user.tenant_id, fields.agent) if fields.agent else None
    )
    if fields.dashboard_id is not None:
        await check_dashboard_in_tenant(session, user.tenant_id, fields.dashboard_id)
    user.dashboard_id = fields.dashboard_id
    await session.flush()
    await set_teams(session, user, team_ids)


async def create_user(
    session: AsyncSession,
    tenant_id: int,
    *,
    username: str,
    password_hash: str,
    fields: RoleFields,
    display_name: str = "",
) -> User:
    name = check_username(username)
    taken = await session.scalar(
        select(User.id).where(User.tenant_id == tenant_id, User.username == name)
    )
    if taken is not None:
        raise Conflict(f"username {name!r} is taken in this tenant")
    fields.check()
    user = User(
        tenant_id=tenant_id,
        username=name,
        display_name=display_name,
        password_hash=password_hash,
        role=fields.role.value,
    )
    session.add(user)
    await session.flush()
    await apply_role_fields(session, user, fields)
    return user


async def check_an_admin_remains(session: AsyncSession, tenant_id: int) -> None:
    """Refuse a change that leaves the tenant without an enabled admin (call after the
    change, before the commit)."""
    count = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.tenant_id == tenant_id,
            User.role == Role.admin.value,
            User.disabled.is_(False),
        )
    )
    if not count:
        raise Conflict("this would leave the tenant without an enabled admin")
