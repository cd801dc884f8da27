"""The alerting API's request and response bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.alerts.quiet_hours import WEEKDAYS, Weekday, make_window
from app.alerts.rules import (
    Op,
    RuleError,
    Severity,
    check_against_plan,
    check_clear_threshold,
    check_metric,
    check_phrase_condition,
    parse_rule_scope,
)

AlertState = Literal["pending", "firing", "resolved", "normal"]


def ms_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def ms_to_datetime(ms: int | None) -> datetime | None:
    return None if ms is None else ms_datetime(ms)


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...
def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored one is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def datetime_to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


class QuietHoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS),
        description="Weekdays on which the window starts (default: every day).",
    )
    start: str = Field(description="`HH:MM` in the tenant's time zone.", examples=["18:00"])
    end: str = Field(
        description="`HH:MM`; at or before `start` means the window runs past midnight.",
        examples=["08:00"],
    )

    @model_validator(mode="after")
    def _check(self) -> QuietHoursIn:
        make_window(self.days, self.start, self.end)
        return self


class RuleFields(BaseModel):
    """Every field of a rule; see docs/alerts.md for what each means."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    enabled: bool = True
    metric: str = Field(
        max_length=128,
        description="A metric of the catalog (docs/metrics.md), `time_in_state`, or "
        "`banned_phrase` / `banned_phrase:LIST`: one alert per banned phrase said on a call "
        "(window `live`, `op` `>`, `threshold` 0; it stays firing for `keep_firing_for_s`, "
        "5 minutes when 0). See docs/alerts.md, Banned phrases.",
        examples=[
            "service_level",
            "calls_waiting",
            "longest_wait",
            "time_in_state",
            "banned_phrase",
        ],
    )
    scope: str = Field(
        max_length=300,
        description="`tenant`, `queue:NAME`, `team:NAME`, `agent:ID`, `each_queue`, "
        "`each_agent` or `each_agent:team:NAME`.",
    )
    window: str = Field(
        "live", description="`live` (gauges now), `5m`, `15m`, `60m`, `today` or `interval`."
    )
    op: Op = Field(description="How the value compares to the threshold when it is bad.")
    threshold: float
    clear_threshold: float | None = Field(
        None,
        description="Hysteresis: a firing alert resolves only once the value is no longer "
        "beyond this (on the healthy side of the threshold). Default: the threshold.",
    )
    for_s: float = Field(
        0.0, ge=0, le=86_400, description="How long the breach must hold before firing."
    )
    keep_firing_for_s: float = Field(
        0.0,
        ge=0,
        le=86_400,
        description="How long the clear condition must hold before a firing alert resolves.",
    )
    repeat_interval_s: float | None = Field(
        None,
        ge=1,
        le=7 * 86_400,
        description="Notify again while firing, at most this often (not when acknowledged).",
    )
    severity: Severity = "warning"
    agent_state: str | None = Field(
        None, description="For `time_in_state`: `break`, `available`, `on_call`, …"
    )
    agent_state_reason: str | None = Field(
        None, max_length=64, description="For `time_in_state`: only this break reason."
    )
    quiet_hours: list[QuietHoursIn] = Field(default_factory=list, max_length=20)
    against_plan: bool = Field(
        False,
        description="Compare the metric's `today` figure with the day plan in force today for "
        "the alert's scope (its standard scenario, `/v1/plans`): the value is then the share of "
        "the plan (1 = on plan) and `threshold` and `clear_threshold` are shares too, so "
        "`win_rate` `<` 1 fires below plan and `<` 0.9 more than 10 % below it. Needs the "
        "window `today` and a ratio or an average counted over the day (counts grow "
        "through the day and are refused); an instance without a day plan "
        "today (or with a plan of 0) has no value and raises nothing. See docs/alerts.md.",
    )
    channels: list[int] = Field(
        default_factory=list, max_length=20, description="Ids of notification channels."
    )


class RuleIn(RuleFields):
    @model_validator(mode="after")
    def _check(self) -> RuleIn:
        try:
            scope = parse_rule_scope(self.scope)
            check_metric(self.metric, scope, self.window, self.agent_state)
            check_clear_threshold(self.op, self.threshold, self.clear_threshold)
            check_phrase_condition(self.metric, self.op, self.threshold)
            check_against_plan(self.metric, self.window, self.against_plan)
        except RuleError as exc:
            raise ValueError(str(exc)) from exc
        if self.agent_state_reason is not None and self.agent_state != "break":
            raise ValueError("`agent_state_reason` only applies with `agent_state` `break`")
        return self


class RulePatch(BaseModel):
    """Any subset of the rule's fields; the merged rule is checked as a whole."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = None
    enabled: bool | None = None
    metric: str | None = None
    scope: str | None = None
    window: str | None = None
    op: Op | None = None
    threshold: float | None = None
    clear_threshold: float | None = None
    for_s: float | None = None
    keep_firing_for_s: float | None = None
    repeat_interval_s: float | None = None
    severity: Severity | None = None
    agent_state: str | None = None
    agent_state_reason: str | None = None
    quiet_hours: list[QuietHoursIn] | None = None
    against_plan: bool | None = None
    channels: list[int] | None = None


class RuleOut(RuleFields):
    id: int
    team: str | None = Field(description="The team the rule's scope belongs to, if any.")
    created_at: datetime
    updated_at: datetime


class ChannelIn(BaseModel):
    """`settings` holds the kind's fields (docs/alerts.md), `kind` included."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    settings: dict[str, Any]
    team: str | None = Field(
        None,
        description="The team that owns the channel: admins and the team's supervisors and "
        "leads manage it and may give it to rules. Null: tenant-wide, managed by admins only.",
    )


class ChannelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    settings: dict[str, Any] | None = Field(
        None, description="Fields to change; secrets not sent are kept."
    )


class ChannelOut(BaseModel):
    id: int
    name: str
    kind: str
    settings: dict[str, Any] = Field(description="Without secrets (`has_secret`, …).")
    team: str | None = Field(description="The owning team; null: tenant-wide (admins).")
    created_at: datetime
    updated_at: datetime


class PhraseAlertOut(BaseModel):
    """What a banned-phrase alert was raised for."""

    call_id: str
    agent: str | None
    agent_name: str | None = Field(description="The agent's name in the tenant, if set.")
    queue: str | None
    list: str
    phrase: str = Field(description="The phrase of the list that matched, as written there.")
    role: Literal["agent", "customer"] = Field(description="Who said it.")
    said_at: datetime = Field(description="When the segment was applied (aggregator time).")
    text: str | None = Field(
        None,
        description="The transcript segment: only for admins, supervisors and the leads of the "
        "agent's team who may see the agent, only if the tenant keeps matching segments, and "
        "only within their retention; never on the wall's `alerts:` topics, and in "
        "notifications only to tenant-wide channels and the agent's team's channels.",
    )


class PlanShareOut(BaseModel):
    """What an alert against the plan compared: `value` is `actual / plan`."""

    actual: float | None = Field(description="The metric's `today` figure, in its own unit.")
    plan: float | None = Field(
        description="The standard scenario of the day plan in force; null when the day has no "
        "plan any more (it was deleted, or a new day began without one: the alert resolves)."
    )


class AlertOut(BaseModel):
    """One alert episode, as listed, pushed to the wall and sent to channels."""

    id: int
    rule_id: int | None
    rule_name: str
    fingerprint: str = Field(description="Stable per rule and scope instance across episodes.")
    state: AlertState
    severity: str
    metric: str
    window: str
    scope: str
    team: str | None
    op: str
    threshold: float
    value: float | None = Field(description="The value at the last transition.")
    summary: str
    started_at: datetime = Field(description="When the breach started (pending since).")
    fired_at: datetime | None
    ended_at: datetime | None = Field(description="When it resolved (or went back to normal).")
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    silenced_until: datetime | None
    phrase: PhraseAlertOut | None = Field(
        None, description="`banned_phrase` alerts: what was said, by whom, on which call."
    )
    plan: PlanShareOut | None = Field(
        None,
        description="Rules `against_plan`: the figure and the plan at the last transition "
        "(`value` and `threshold` are shares of the plan).",
    )


class AlertEventOut(BaseModel):
    id: int
    alert_id: int
    kind: str = Field(description="`transition`, `acknowledged`, `silenced` or `unsilenced`.")
    from_state: str | None
    to_state: str | None
    value: float | None
    at: datetime
    actor: str | None
    note: str | None
    rule_id: int | None = None
    rule_name: str | None = None
    scope: str | None = None
    fingerprint: str | None = None


class DeliveryAttemptOut(BaseModel):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    outcome: str
    error: str | None


class DeliveryOut(BaseModel):
    id: int
    alert_id: int
    channel_id: int | None
    channel_name: str
    channel_kind: str
    event: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    attempt_log: list[DeliveryAttemptOut] = []


class AlertDetail(AlertOut):
    events: list[AlertEventOut]
    deliveries: list[DeliveryOut]


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=500)


class SilenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: datetime = Field(description="No notification for this rule instance until then.")
    note: str | None = Field(None, max_length=500)
