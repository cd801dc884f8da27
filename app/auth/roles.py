"""User roles, and what each role may do (scopes) and see (`Access`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.auth.keys import Scope
from app.auth.policy import Access


class Role(StrEnum):
    admin = "admin"
    """Everything in the tenant, including users, teams, agents, queues and API keys."""
    supervisor = "supervisor"
    """Reads every team (`all_teams`) or the chosen teams."""
    team_lead = "team_lead"
    """Reads the own teams."""
    agent = "agent"
    """Reads the own numbers (and the floor-wide queue and tenant figures)."""
    display = "display"
    """A wall display: reads its dashboard and exactly the live topics its widgets show
    (app/dashboards/wall_topics.py), within the dashboard's scope — the whole floor for a
    tenant-wide dashboard, that team for a team's dashboard, nothing without one — and nothing
    else: no reports, coaching, shifts, alerts set-up, users or tokens (it holds no scope; the
    routes a wall needs accept it by name, see `Principal.reads_wall`)."""


@dataclass(frozen=True, slots=True)
class DisplayDashboard:
    """The dashboard a display user is bound to: `team` None means shared tenant-wide."""

    team: str | None


STAFF_ROLES = frozenset({Role.admin, Role.supervisor, Role.team_lead})


def scopes_for_role(role: Role) -> frozenset[Scope]:
    """Users read; admins also administer; displays hold no scope (a display link is a
    credential on a wall anyone walks past: it reads its wall, never the `read` routes).
    Ingestion stays with API keys."""
    if role is Role.admin:
        return frozenset({Scope.read, Scope.admin})
    if role is Role.display:
        return frozenset()
    return frozenset({Scope.read})


def access_for_role(
    role: Role,
    *,
    all_teams: bool,
    teams: frozenset[str],
    agent: str | None,
    dashboard: DisplayDashboard | None = None,
) -> Access:
    """`teams` are team names; `agent` is the external id of the agent an `agent` user is;
    `dashboard` the dashboard a display shows."""
    if role is Role.display and dashboard is not None:
        if dashboard.team is None:
            return Access.everything()
        return Access(all_teams=False, teams=frozenset({dashboard.team}))
    if role is Role.admin or (role is Role.supervisor and all_teams):
        return Access.everything()
    if role in (Role.supervisor, Role.team_lead):
        return Access(all_teams=False, teams=teams)
    if role is Role.agent and agent is not None:
        return Access(all_teams=False, only_agent=agent)
    return Access(all_teams=False)
