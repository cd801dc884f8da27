"""What a rule says, in pure terms: its scope, metric, window and condition, checked against the
metric catalog (docs/metrics.md), and the evaluation-time form the evaluator works with.

Rule scopes:

    tenant                 the whole floor
    queue:NAME             one queue
    team:NAME              one team
    agent:ID               one agent
    each_queue             every queue, one alert per queue
    each_agent             every agent, one alert per agent
    each_agent:team:NAME   every agent of team NAME, one alert per agent

An instance scope (what one alert is about) is always `tenant`, `queue:NAME`, `team:NAME` or
`agent:ID`.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal

from app.alerts.quiet_hours import QuietWindow
from app.registry.metrics import (
    AGENT_GAUGES,
    AGENT_TIME_METRICS,
    BREAK_REASON_PREFIX,
    CALL_METRICS,
    CALLBACK_METRICS,
    CALLBACK_WINDOWED,
    DEALS_OPEN_PREFIX,
    DEALS_STALLED_PREFIX,
    PIPELINE_CALL_METRICS,
    PIPELINE_GAUGES,
    PIPELINE_METRICS,
    QUEUE_GAUGES,
    TIME_IN_STATE,
    is_phrase_metric,
    spec_of,
)
from app.registry.scopes import parse_scope, scope_forms
from app.registry.specs import MetricKind
from app.streams.aggregator.catalog import LIVE, WINDOWS

Op = Literal[">", ">=", "<", "<="]
Severity = Literal["info", "warning", "critical"]

OPS: Final[dict[str, Callable[[float, float], bool]]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
RULE_WINDOWS: Final = (LIVE, *WINDOWS)

AGENT_STATES: Final = ("available", "ringing", "on_call", "wrapup", "break", "logged_out")
WINDOWED_METRICS: Final = (
    frozenset(CALL_METRICS) | frozenset(AGENT_TIME_METRICS) | frozenset(PIPELINE_METRICS)
)
SCOPE_KINDS: Final = ("tenant", "queue", "team", "agent", "each_queue", "each_agent")
BANNED_PHRASE: Final = "banned_phrase"
"""The event rule: one alert per banned phrase said on a call (`banned_phrase` for every
`banned` list, `banned_phrase:LIST` for one), not a threshold on a metric."""
PHRASE_FIRING_MS: Final = 300_000
"""How long a phrase alert stays firing when its rule sets no `keep_firing_for_s`."""


def is_phrase_rule(metric: str) -> bool:
    base, sep, name = metric.partition(":")
    return base == BANNED_PHRASE and (not sep or 0 < len(name) <= 40)


def phrase_rule_list(metric: str) -> str | None:
    """The one list a `banned_phrase:LIST` rule watches (None: every banned list)."""
    return metric.partition(":")[2] or None


class RuleError(ValueError):
    """The rule is inconsistent; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class RuleScope:
    """A parsed rule scope: `kind` is one of SCOPE_KINDS; `name` the queue, team or agent of a
    fixed scope; `team` the team an `each_agent:team:NAME` scope is limited to."""

    kind: str
    name: str | None = None
    team: str | None = None

    @property
    def per_instance(self) -> bool:
        return self.kind.startswith("each_")

    @property
    def instance_kind(self) -> str:
        """The kind of the scopes of this rule's alerts."""
        return {"each_queue": "queue", "each_agent": "agent"}.get(self.kind, self.kind)


def parse_rule_scope(scope: str) -> RuleScope:
    if scope in ("each_queue", "each_agent"):
        return RuleScope(scope)
    named = parse_scope(scope)
    if named is not None:
        return RuleScope(named.kind, named.name)
    kind, _, rest = scope.partition(":")
    team = parse_scope(rest, ("team",)) if kind == "each_agent" else None
    if team is not None and team.name is not None:
        return RuleScope("each_agent", team=team.name)
    raise RuleError(
        f"invalid scope {scope!r}: expected "
        + scope_forms(more=("`each_queue`", "`each_agent`", "`each_agent:team:NAME`"))
    )


def check_metric(metric: str, scope: RuleScope, window: str, agent_state: str | None) -> None:
    """Raise RuleError unless `metric` exists for this kind of scope in this window."""
    if window not in RULE_WINDOWS:
        raise RuleError(f"invalid window {window!r}: expected one of {', '.join(RULE_WINDOWS)}")
    kind = scope.instance_kind
    if metric == TIME_IN_STATE:
        if kind != "agent":
            raise RuleError(
                "`time_in_state` is a per-agent metric: use scope `agent:ID`, `each_agent` or "
                "`each_agent:team:NAME`"
            )
        if agent_state not in AGENT_STATES:
            raise RuleError(
                f"`time_in_state` needs `agent_state`, one of {', '.join(AGENT_STATES)}"
            )
        return
    if agent_state is not None:
        raise RuleError("`agent_state` only applies to the metric `time_in_state`")
    if is_phrase_rule(metric):
        if window != LIVE:
            raise RuleError(f"`{metric}` fires on each banned phrase said: use the window `live`")
        if kind in ("pipeline", "each_queue"):
            raise RuleError(f"`{metric}` watches agents' calls: use scope `tenant`, a queue, a "
                            "team, an agent, `each_agent` or `each_agent:team:NAME`")  # fmt: skip
        return
    if metric in WINDOWED_METRICS:
        if window == LIVE:
            raise RuleError(f"`{metric}` is counted over a window: use one of {', '.join(WINDOWS)}")
        if metric in AGENT_TIME_METRICS and kind in ("queue", "pipeline"):
            raise RuleError(f"`{metric}` is an agent-time metric: not available per {kind}")
        if metric in PIPELINE_METRICS and kind == "queue":
            raise RuleError(f"`{metric}` is a pipeline metric: not available per queue")
        if kind == "pipeline" and metric in CALL_METRICS and metric not in PIPELINE_CALL_METRICS:
            raise RuleError(f"`{metric}` counts calls: a pipeline has none")
        return
    if metric in PIPELINE_GAUGES or (
        metric.startswith((DEALS_OPEN_PREFIX, DEALS_STALLED_PREFIX))
        and metric not in (DEALS_OPEN_PREFIX, DEALS_STALLED_PREFIX)
    ):
        if kind == "queue":
            raise RuleError(f"`{metric}` counts deals: use scope `tenant`, a pipeline, a team or "
                            "an agent")  # fmt: skip
        return
    if kind == "pipeline":
        raise RuleError(f"`{metric}` is not a metric of a pipeline: see docs/metrics.md")
    if is_phrase_metric(metric):
        if window == LIVE:
            raise RuleError(f"`{metric}` is counted over a window: use one of {', '.join(WINDOWS)}")
        return
    if metric in QUEUE_GAUGES:
        if kind not in ("tenant", "queue"):
            raise RuleError(f"`{metric}` is a queue gauge: use scope `tenant` or a queue")
        return
    if metric in AGENT_GAUGES or (
        metric.startswith(BREAK_REASON_PREFIX) and len(metric) > len(BREAK_REASON_PREFIX)
    ):
        if kind == "queue":
            raise RuleError(f"`{metric}` counts agents: use scope `tenant`, a team or an agent")
        return
    if metric in CALLBACK_METRICS:
        if kind not in ("tenant", "queue"):
            raise RuleError(f"`{metric}` is a call-back list metric: use scope `tenant` or a queue")
        if window == LIVE and any(spec.name == metric for spec in CALLBACK_WINDOWED):
            raise RuleError(f"`{metric}` is counted over a window: use one of {', '.join(WINDOWS)}")
        return
    raise RuleError(f"unknown metric {metric!r}: see docs/metrics.md for the catalog")


PLAN_WINDOW: Final = "today"
PLAN_KINDS: Final = (MetricKind.ratio, MetricKind.average)
"""Metrics whose figure so far today can be held against the day's plan at any hour. A count
or a total grows through the day: against the whole day's plan it would be "below plan" from
every morning on."""


def check_against_plan(metric: str, window: str, against_plan: bool) -> None:
    """A rule against the plan compares a metric's `today` figure with the day plan of the
    alert's scope (every kind of rule scope has plans): the metric must be one plans are made
    for, counted over the day, and a ratio or an average (PLAN_KINDS)."""
    if not against_plan:
        return
    if window != PLAN_WINDOW:
        raise RuleError("`against_plan` compares the day's figure with the day plan: use the "
                        "window `today`")  # fmt: skip
    if metric not in WINDOWED_METRICS:
        raise RuleError(f"`against_plan` needs a metric counted over the day that plans are "
                        f"made for (docs/metrics.md), not {metric!r}")  # fmt: skip
    spec = spec_of(metric)
    if spec is None or spec.kind not in PLAN_KINDS:
        raise RuleError(f"`{metric}` grows through the day, so against the whole day's plan it "
                        "would be below plan every morning: `against_plan` takes a ratio or an "
                        "average (win_rate, service_level, aht, …)")  # fmt: skip


def check_clear_threshold(op: str, threshold: float, clear_threshold: float | None) -> None:
    """The clear threshold lies on the healthy side of the threshold (or equals it)."""
    if clear_threshold is None:
        return
    if op in (">", ">=") and clear_threshold > threshold:
        raise RuleError(
            f"with `{op}` the alert clears below the threshold: clear_threshold must be "
            f"<= {threshold}"
        )
    if op in ("<", "<=") and clear_threshold < threshold:
        raise RuleError(
            f"with `{op}` the alert clears above the threshold: clear_threshold must be "
            f">= {threshold}"
        )


def fingerprint(tenant_id: int, rule_id: int, instance_scope: str) -> str:
    """Stable id of one rule instance: the same for every episode, every process, every run."""
    return hashlib.sha256(f"{tenant_id}/{rule_id}/{instance_scope}".encode()).hexdigest()[:32]


def phrase_fingerprint(
    tenant_id: int, rule_id: int, call_id: str, list_name: str, phrase: str
) -> str:
    """One phrase alert: a rule, a call, a list and a phrase (said twice on the call, it is
    one alert). Also the alert's `event_key`."""
    key = f"{tenant_id}/{rule_id}/phrase/{call_id}/{list_name}/{phrase}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def check_phrase_condition(metric: str, op: str, threshold: float) -> None:
    if is_phrase_rule(metric) and (op != ">" or threshold != 0):
        raise RuleError(f"`{metric}` fires on every phrase said: use `op` `>` and `threshold` 0")


@dataclass(frozen=True, slots=True)
class Condition:
    """When an instance breaches, and when it counts as recovered.

    Firing starts when `value op threshold` has held for `for_ms`. It ends when the clear
    condition (`not value op clear_threshold`, where the clear threshold defaults to the
    threshold) has held for `keep_firing_for_ms`. A missing value (a ratio with nothing to
    divide, an agent no longer in the state) breaches nothing and counts as recovered."""

    op: str
    threshold: float
    clear_threshold: float | None = None
    for_ms: int = 0
    keep_firing_for_ms: int = 0

    def breaches(self, value: float | None) -> bool:
        return value is not None and OPS[self.op](value, self.threshold)

    def recovered(self, value: float | None) -> bool:
        if value is None:
            return True
        clear = self.threshold if self.clear_threshold is None else self.clear_threshold
        return not OPS[self.op](value, clear)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as the evaluator runs it."""

    id: int
    tenant_id: int
    name: str
    metric: str
    scope: RuleScope
    window: str
    condition: Condition
    severity: str
    agent_state: str | None = None
    agent_state_reason: str | None = None
    against_plan: bool = False
    repeat_interval_ms: int | None = None
    quiet_hours: tuple[QuietWindow, ...] = ()
    channel_ids: tuple[int, ...] = field(default=())
