"""Who may see and change which dashboard, and the dashboard store.

Reading: a tenant-wide dashboard (no team) is for everyone in the tenant; a team's dashboard
for those who may see that team (its team leads and supervisors, supervisors of all teams,
admins, tenant-wide API keys). A display user sees the one dashboard it is bound to and the
dashboards of that dashboard's rotation that are shared like it or with the whole tenant.
Changing: admins everything; supervisors of all teams the tenant-wide dashboards; supervisors
and team leads the dashboards of the teams they see. Agents and displays change nothing.
A dashboard the caller may not see answers 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.auth.principal import Principal
from app.auth.roles import Role
from app.core.errors import BadRequest, Conflict, Forbidden, NotFound
from app.dashboards.defaults import DEFAULT_NAME, default_widgets, team_dashboard_name
from app.dashboards.schemas import DashboardIn, DashboardOut, DashboardUpdate, Rotation, Widget
from app.org.service import team_id_of
from app.tenancy.models import Dashboard, Team

EDITOR_ROLES = frozenset({Role.supervisor, Role.team_lead})


@dataclass(frozen=True, slots=True)
class Viewer:
    """A caller as far as dashboards are concerned. `bound_dashboard`: display users only."""

    principal: Principal
    bound_dashboard: int | None = None
    bound_team: str | None = None
    bound_rotation: frozenset[int] = frozenset()

    @property
    def is_display(self) -> bool:
        return self.principal.role is Role.display

    def can_read(self, dashboard_id: int, team: str | None) -> bool:
        if self.is_display:
            if dashboard_id == self.bound_dashboard:
                return True
            return dashboard_id in self.bound_rotation and team in (None, self.bound_team)
        return team is None or self.principal.access.can_see_team(team)

    def can_edit(self, team: str | None) -> bool:
        principal = self.principal
        if principal.is_admin:
            return True
        if principal.role not in EDITOR_ROLES:
            return False
        if team is None:
            return principal.access.all_teams and principal.access.only_agent is None
        return principal.access.can_see_team(team)

    @property
    def actor(self) -> str:
        principal = self.principal
        return principal.username if principal.username else principal.describe()


async def viewer_of(session: AsyncSession, principal: Principal) -> Viewer:
    if principal.role is not Role.display or principal.user_id is None:
        return Viewer(principal)
    bound = await session.scalar(select(User.dashboard_id).where(User.id == principal.user_id))
    rows = await _rows(session, principal.tenant_id, bound) if bound is not None else []
    if not rows:
        return Viewer(principal, bound)
    row, team = rows[0]
    rotation = Rotation.model_validate(row.rotation).dashboards if row.rotation else []
    return Viewer(principal, bound, team, frozenset(rotation))


def _out(viewer: Viewer, row: Dashboard, team: str | None) -> DashboardOut:
    return DashboardOut(
        id=row.id,
        name=row.name,
        team=team,
        widgets=[Widget.model_validate(w) for w in row.widgets],
        version=row.version,
        rotation=Rotation.model_validate(row.rotation) if row.rotation else None,
        celebrate_wins=row.celebrate_wins,
        can_edit=viewer.can_edit(team),
        created_by=row.created_by,
        updated_by=row.updated_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _widgets_json(widgets: list[Widget]) -> list[dict[str, Any]]:
    return [w.model_dump(mode="json", exclude_defaults=False) for w in widgets]


async def _rows(
    session: AsyncSession, tenant_id: int, dashboard_id: int | None = None
) -> list[tuple[Dashboard, str | None]]:
    query = (
        select(Dashboard, Team.name)
        .outerjoin(Team, Team.id == Dashboard.team_id)
        .where(Dashboard.tenant_id == tenant_id)
        .order_by(Dashboard.id)
    )
    if dashboard_id is not None:
        query = query.where(Dashboard.id == dashboard_id)
    return [(row, team) for row, team in (await session.execute(query)).all()]


async def list_dashboards(session: AsyncSession, viewer: Viewer) -> list[DashboardOut]:
    """The dashboards the viewer may see; for a caller limited to some teams, their teams'
    dashboards first (the wall opens the first one)."""
    rows = await _rows(session, viewer.principal.tenant_id)
    if viewer.is_display:
        rows.sort(key=lambda found: found[0].id != viewer.bound_dashboard)
    elif not viewer.principal.access.all_teams:
        rows.sort(key=lambda found: (found[1] is None, found[0].id))
    return [_out(viewer, row, team) for row, team in rows if viewer.can_read(row.id, team)]


async def _visible(
    session: AsyncSession, viewer: Viewer, dashboard_id: int
) -> tuple[Dashboard, str | None]:
    rows = await _rows(session, viewer.principal.tenant_id, dashboard_id)
    if not rows or not viewer.can_read(dashboard_id, rows[0][1]):
        raise NotFound(f"no dashboard with id {dashboard_id} in this tenant")
    return rows[0]


async def get_dashboard(session: AsyncSession, viewer: Viewer, dashboard_id: int) -> DashboardOut:
    row, team = await _visible(session, viewer, dashboard_id)
    return _out(viewer, row, team)


async def editable(
    session: AsyncSession, viewer: Viewer, dashboard_id: int
) -> tuple[Dashboard, str | None]:
    """The dashboard, if the caller may change it (404 if it may not even see it)."""
    row, team = await _visible(session, viewer, dashboard_id)
    if not viewer.can_edit(team):
        raise Forbidden(f"{viewer.principal.describe()} may not change dashboard {row.id}")
    return row, team


def _refuse_team(viewer: Viewer, team: str | None) -> Forbidden:
    where = f"team {team!r}" if team else "the whole tenant"
    return Forbidden(f"{viewer.principal.describe()} may not share dashboards with {where}")


async def _name_free(
    session: AsyncSession, tenant_id: int, name: str, dashboard_id: int | None = None
) -> None:
    clash = await session.scalar(
        select(Dashboard.id).where(
            Dashboard.tenant_id == tenant_id,
            Dashboard.name == name,
            Dashboard.id != (dashboard_id or 0),
        )
    )
    if clash is not None:
        raise Conflict(
            f"a dashboard named {name!r} exists already in this tenant",
            details=[{"field": "name", "reason": "taken"}],
        )


def _rotation_json(body: DashboardIn) -> dict[str, Any] | None:
    return body.rotation.model_dump(mode="json") if body.rotation else None


async def _check_rotation(
    session: AsyncSession, viewer: Viewer, dashboard_id: int | None, body: DashboardIn
) -> None:
    """Every dashboard of a rotation exists in the tenant, is not this one, and is shared
    with the whole tenant or with this dashboard's team: whoever sees this dashboard (its
    display links included) may see them all."""
    if body.rotation is None:
        return
    rows = await _rows(session, viewer.principal.tenant_id)
    teams = {row.id: team for row, team in rows if viewer.can_read(row.id, team)}
    for position, other in enumerate(body.rotation.dashboards):
        if other == dashboard_id:
            reason = "a dashboard does not rotate to itself"
        elif other not in teams:
            reason = f"no dashboard with id {other} in this tenant"
        elif teams[other] not in (None, body.team):
            where = f"team {body.team!r}" if body.team else "the whole tenant"
            reason = (
                f"dashboard {other} is shared with team {teams[other]!r}, not with {where}: "
                "not everyone who sees this dashboard may see it"
            )
        else:
            continue
        raise BadRequest(
            reason, details=[{"field": f"rotation.dashboards.{position}", "reason": reason}]
        )


async def create_dashboard(
    session: AsyncSession, viewer: Viewer, body: DashboardIn
) -> DashboardOut:
    if not viewer.can_edit(body.team):
        raise _refuse_team(viewer, body.team)
    tenant_id = viewer.principal.tenant_id
    await _name_free(session, tenant_id, body.name)
    await _check_rotation(session, viewer, None, body)
    row = Dashboard(
        tenant_id=tenant_id,
        name=body.name,
        team_id=await team_id_of(session, tenant_id, body.team),
        widgets=_widgets_json(body.widgets),
        rotation=_rotation_json(body),
        celebrate_wins=body.celebrate_wins,
        created_by=viewer.actor,
        updated_by=viewer.actor,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return _out(viewer, row, body.team)


async def update_dashboard(
    session: AsyncSession, viewer: Viewer, dashboard_id: int, body: DashboardUpdate
) -> DashboardOut:
    row, team = await editable(session, viewer, dashboard_id)
    if body.team != team and not viewer.can_edit(body.team):
        raise _refuse_team(viewer, body.team)
    if row.version != body.version:
        raise Conflict(
            f"dashboard {row.id} was changed by {row.updated_by or 'someone'} since version "
            f"{body.version} (now {row.version}): reload it and apply the change again",
            details=[{"field": "version", "reason": "stale"}],
        )
    await _name_free(session, row.tenant_id, body.name, row.id)
    await _check_rotation(session, viewer, row.id, body)
    row.rotation = _rotation_json(body)
    row.celebrate_wins = body.celebrate_wins
    row.name = body.name
    row.team_id = await team_id_of(session, row.tenant_id, body.team)
    row.widgets = _widgets_json(body.widgets)
    row.version += 1
    row.updated_by = viewer.actor
    await session.flush()
    await session.refresh(row)
    return _out(viewer, row, body.team)


async def delete_dashboard(session: AsyncSession, viewer: Viewer, dashboard_id: int) -> None:
    row, _ = await editable(session, viewer, dashboard_id)
    await session.delete(row)
    await session.flush()


async def ensure_default_dashboard(session: AsyncSession, tenant_id: int) -> bool:
    """Create the default dashboard if the tenant has none; True if it did. Safe against a
    concurrent call (the name is unique per tenant): the loser sees the winner's row."""
    count = await session.scalar(
        select(func.count()).select_from(Dashboard).where(Dashboard.tenant_id == tenant_id)
    )
    if count:
        return False
    try:
        async with session.begin_nested():
            session.add(
                Dashboard(
                    tenant_id=tenant_id,
                    name=DEFAULT_NAME,
                    widgets=_widgets_json(default_widgets()),
                    created_by="floorwatch",
                    updated_by="floorwatch",
                )
            )
    except IntegrityError:
        return False
    return True


async def ensure_team_dashboards(session: AsyncSession, viewer: Viewer) -> bool:
    """Give a team lead's teams that have no dashboard of their own the team's overview
    (app/dashboards/defaults.py); True if any was created. A taken name is left alone."""
    principal = viewer.principal
    if principal.role is not Role.team_lead or principal.access.all_teams:
        return False
    tenant_id = principal.tenant_id
    have = {team for _, team in await _rows(session, tenant_id) if team is not None}
    created = False
    for team in sorted(principal.access.teams - have):
        team_id = await team_id_of(session, tenant_id, team)
        try:
            async with session.begin_nested():
                session.add(
                    Dashboard(
                        tenant_id=tenant_id,
                        name=team_dashboard_name(team),
                        team_id=team_id,
                        widgets=_widgets_json(default_widgets(team)),
                        created_by="floorwatch",
                        updated_by="floorwatch",
                    )
                )
        except IntegrityError:
            continue
        created = True
    return created
