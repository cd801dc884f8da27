"""Topic names of the WebSocket API and who may subscribe to them.

    metrics:SCOPE:WINDOW   metrics:tenant:15m, metrics:queue:Sales:5m, metrics:agent:a-17:today
    board:SCOPE            board:tenant, board:team:Blue, board:queue:Sales
    alerts:SCOPE           alerts:tenant, alerts:team:Blue
    dashboards:SCOPE       dashboards:tenant, dashboards:team:Blue (versions, to reload a layout)
    messages:SCOPE         messages:tenant, messages:team:Blue (messages to the floor)
    callbacks:SCOPE        callbacks:tenant, callbacks:queue:Sales (the call-back list; numbers
                           whole or masked by who reads, see app/callbacks/service.py)
    phrases:SCOPE          phrases:tenant, phrases:team:Blue (the latest phrase hits, no text)
    deals:SCOPE            deals:tenant, deals:pipeline:default, deals:team:Blue (stalled deals
                           and recent wins)
    targets:SCOPE          targets:tenant, targets:team:Blue (each agent's day plan for today,
                           the standard figure of the leaderboard's plannable metrics)
    funnel:SCOPE:PERIOD    funnel:pipeline:default:today, funnel:team:Blue:pipeline:default:week
                           (a pipeline's funnel over today, this week or this month; a team's
                           part of it)

SCOPE is `tenant`, `queue:NAME`, `team:NAME` or (metrics and deals) `pipeline:NAME`, (metrics
only) `agent:ID`. A funnel's scope is `pipeline:NAME` or `team:TEAM:pipeline:NAME` (the team
name ends at its first `:pipeline:`).
A NAME may itself hold colons: the window is the part after the last colon. A topic never names
a tenant: it is always resolved inside the caller's own tenant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.auth.principal import Principal
from app.registry.scopes import MAX_NAME_LENGTH, parse_scope, scope_forms
from app.streams.aggregator import LIVE, WINDOWS

MAX_TOPIC_LENGTH = 300
METRIC_WINDOWS = (LIVE, *WINDOWS)


class TopicKind(StrEnum):
    metrics = "metrics"
    board = "board"
    alerts = "alerts"
    dashboards = "dashboards"
    messages = "messages"
    callbacks = "callbacks"
    phrases = "phrases"
    deals = "deals"
    targets = "targets"
    funnel = "funnel"


FUNNEL_PERIODS = ("today", "week", "month")
TEAM_PIPELINE_SEPARATOR = ":pipeline:"
SCOPE_KINDS: dict[TopicKind, tuple[str, ...]] = {
    TopicKind.metrics: ("queue", "team", "agent", "pipeline"),
    TopicKind.board: ("queue", "team"),
    TopicKind.alerts: ("queue", "team"),
    TopicKind.dashboards: ("team",),
    TopicKind.messages: ("team",),
    TopicKind.callbacks: ("queue",),
    TopicKind.phrases: ("team",),
    TopicKind.deals: ("pipeline", "team"),
    TopicKind.targets: ("team",),
    TopicKind.funnel: ("pipeline", "team"),
}


class TopicError(ValueError):
    """The topic name is malformed; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class Topic:
    tenant_id: int
    name: str
    kind: TopicKind
    scope: str
    window: str | None = None
    """A metric topic's window; a funnel's period."""
    pipeline: str | None = None
    """A funnel's pipeline (its scope is the pipeline or a team)."""

    @property
    def scope_kind(self) -> str:
        return self.scope.partition(":")[0]

    @property
    def scope_name(self) -> str:
        return self.scope.partition(":")[2]


def _check_scope(kind: TopicKind, scope: str, name: str) -> None:
    allowed = SCOPE_KINDS[kind]
    if parse_scope(scope, allowed) is None:
        raise TopicError(
            f"invalid scope {scope!r} in topic {name!r}: expected {scope_forms(allowed)}"
        )


def parse_topic(tenant_id: int, name: str) -> Topic:
    """The topic `name` inside tenant `tenant_id`; raises TopicError if `name` is malformed."""
    if not name or len(name) > MAX_TOPIC_LENGTH:
        raise TopicError(f"a topic name has 1 to {MAX_TOPIC_LENGTH} characters")
    head, sep, rest = name.partition(":")
    try:
        kind = TopicKind(head)
    except ValueError:
        raise TopicError(
            f"unknown topic {name!r}: expected `metrics:SCOPE:WINDOW`, `board:SCOPE`, "
            "`alerts:SCOPE`, `dashboards:SCOPE`, `messages:SCOPE`, `callbacks:SCOPE`, "
            "`phrases:SCOPE`, `deals:SCOPE`, `targets:SCOPE` or `funnel:SCOPE:PERIOD`"
        ) from None
    if not sep:
        raise TopicError(f"topic {name!r} lacks its scope, e.g. `{kind}:tenant`")
    if kind is TopicKind.metrics:
        scope, sep, window = rest.rpartition(":")
        if not sep or window not in METRIC_WINDOWS:
            raise TopicError(
                f"topic {name!r} must end with a window: one of {', '.join(METRIC_WINDOWS)}"
            )
        _check_scope(kind, scope, name)
        return Topic(tenant_id, name, kind, scope, window)
    if kind is TopicKind.funnel:
        return _funnel_topic(tenant_id, name, rest)
    _check_scope(kind, rest, name)
    return Topic(tenant_id, name, kind, rest)


def _funnel_topic(tenant_id: int, name: str, rest: str) -> Topic:
    scope, sep, period = rest.rpartition(":")
    if not sep or period not in FUNNEL_PERIODS:
        periods = ", ".join(FUNNEL_PERIODS)
        raise TopicError(f"topic {name!r} must end with a period: one of {periods}")
    pipeline = None
    if scope.startswith("pipeline:"):
        pipeline = scope.partition(":")[2]
    elif scope.startswith("team:"):
        team, sep, pipeline = scope.partition(TEAM_PIPELINE_SEPARATOR)
        scope = team if sep else ""
    if not pipeline or len(pipeline) > MAX_NAME_LENGTH:
        raise TopicError(
            f"invalid scope in topic {name!r}: expected `funnel:pipeline:NAME:PERIOD` or "
            "`funnel:team:TEAM:pipeline:NAME:PERIOD`"
        )
    _check_scope(TopicKind.funnel, scope, name)
    return Topic(tenant_id, name, TopicKind.funnel, scope, period, pipeline)


def can_subscribe(
    principal: Principal, topic: Topic, team_of_agent: Mapping[str, str] | None = None
) -> bool:
    """The one permission check of the WebSocket API (`app.auth.policy.Access` decides).

    Metrics follow the metrics API: the tenant and queues are floor-wide; a team or an agent
    only for callers who may see that team or agent (`team_of_agent` maps agent ids to their
    teams; only needed for callers limited to some teams). A board or the alerts of a team need
    that team; the tenant's or a queue's (which list agents of any team) need every team.
    The dashboards shared with everyone, and the messages to them, are everyone's; a team's
    need that team. The call-back list is every wall reader's: each reader gets its numbers
    whole or masked by `app.callbacks.service.number_view` (the hub keeps one state per view).
    The latest phrase hits name agents, so they go like a board: a team's need that team, the
    tenant's every team (they carry no segment text, so display links may read them). The
    deal list names owners: a team's needs that team, the tenant's or a pipeline's every team.
    Per-person targets go like a board too: a team's (the plans of its agents) need that team,
    the tenant's every team. A pipeline's funnel holds counts only and is floor-wide like the
    pipeline's metrics; a team's part of it needs that team."""
    if principal.tenant_id != topic.tenant_id or not principal.reads_wall:
        return False
    access = principal.access
    if topic.kind in (TopicKind.metrics, TopicKind.funnel):
        return access.can_see_scope(topic.scope, dict(team_of_agent or {}))
    if topic.kind is TopicKind.callbacks:
        return True
    if topic.scope_kind == "team":
        return access.can_see_team(topic.scope_name)
    if topic.kind in (TopicKind.dashboards, TopicKind.messages):
        return True
    return access.all_teams and access.only_agent is None
