"""What of the alerts a caller may see (and so manage), under the access policy.

A caller sees a rule whose scope it may see: `tenant`, queue scopes and `each_queue` are
floor-wide; a team scope, an `each_agent:team:NAME` scope or an agent scope needs that team (or
agent); `each_agent` needs every team. Alerts are filtered the same way by their own scope and
team.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_

from app.alerts.models import Alert, AlertRule
from app.alerts.rules import RuleScope, parse_rule_scope
from app.auth.policy import Access


def can_see_rule_scope(access: Access, scope: RuleScope, team_of_agent: dict[str, str]) -> bool:
    if scope.kind in ("tenant", "queue", "each_queue"):
        return True
    if scope.kind == "team":
        return access.can_see_team(scope.name)
    if scope.kind == "agent":
        assert scope.name is not None
        return access.can_see_agent(scope.name, team_of_agent.get(scope.name))
    if scope.team is not None:
        return access.can_see_team(scope.team)
    return access.only_agent is None and access.all_teams


def rule_team(scope: RuleScope, team_of_agent: dict[str, str]) -> str | None:
    if scope.kind == "team":
        return scope.name
    if scope.kind == "agent":
        assert scope.name is not None
        return team_of_agent.get(scope.name)
    return scope.team


def alert_filter(access: Access) -> ColumnElement[bool] | None:
    """The SQL form of `feed.visible_to` for alert rows."""
    floor_wide = or_(
        Alert.scope == "tenant",
        Alert.scope.startswith("queue:", autoescape=True),
        Alert.scope.startswith("pipeline:", autoescape=True),
    )
    if access.only_agent is not None:
        return or_(floor_wide, Alert.scope == f"agent:{access.only_agent}")
    if access.all_teams:
        return None
    return or_(
        floor_wide,
        Alert.scope.in_([f"team:{t}" for t in access.teams]),
        (Alert.scope.startswith("agent:") & Alert.team.in_(list(access.teams))),
    )


def visible_rule(rule: AlertRule, access: Access, team_of_agent: dict[str, str]) -> bool:
    return can_see_rule_scope(access, parse_rule_scope(rule.scope), team_of_agent)
