"""Reading alert rules, alerts and silences from the database, and presenting alert rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import OPEN_STATES, Alert, AlertRule, AlertRuleChannel, AlertSilence
from app.alerts.payloads import describe, describe_against_plan, describe_phrase
from app.alerts.quiet_hours import make_window
from app.alerts.rules import Condition, RuleSpec, parse_rule_scope
from app.alerts.schemas import (
    AlertOut,
    AlertState,
    PhraseAlertOut,
    PlanShareOut,
    aware,
    ms_datetime,
    ms_to_datetime,
)


def spec_of(rule: AlertRule, channel_ids: Iterable[int]) -> RuleSpec:
    return RuleSpec(
        id=rule.id,
        tenant_id=rule.tenant_id,
        name=rule.name,
        metric=rule.metric,
        scope=parse_rule_scope(rule.scope),
        window=rule.window,
        condition=Condition(
            op=rule.op,
            threshold=rule.threshold,
            clear_threshold=rule.clear_threshold,
            for_ms=int(rule.for_s * 1000),
            keep_firing_for_ms=int(rule.keep_firing_for_s * 1000),
        ),
        severity=rule.severity,
        agent_state=rule.agent_state,
        agent_state_reason=rule.agent_state_reason,
        against_plan=rule.against_plan,
        repeat_interval_ms=(
            int(rule.repeat_interval_s * 1000) if rule.repeat_interval_s is not None else None
        ),
        quiet_hours=tuple(
            make_window(q.get("days") or (), q["start"], q["end"]) for q in rule.quiet_hours
        ),
        channel_ids=tuple(sorted(channel_ids)),
    )


async def rule_channels(session: AsyncSession, rule_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(rule_ids)
    out: dict[int, list[int]] = defaultdict(list)
    if not ids:
        return out
    rows = await session.execute(
        select(AlertRuleChannel.rule_id, AlertRuleChannel.channel_id).where(
            AlertRuleChannel.rule_id.in_(ids)
        )
    )
    for rule_id, channel_id in rows:
        out[rule_id].append(channel_id)
    return out


async def load_enabled_rules(
    session: AsyncSession, tenant_ids: Iterable[int]
) -> dict[int, list[RuleSpec]]:
    ids = list(tenant_ids)
    out: dict[int, list[RuleSpec]] = {t: [] for t in ids}
    rules = (
        await session.scalars(
            select(AlertRule)
            .where(AlertRule.tenant_id.in_(ids), AlertRule.enabled.is_(True))
            .order_by(AlertRule.id)
        )
    ).all()
    channels = await rule_channels(session, (r.id for r in rules))
    for rule in rules:
        out[rule.tenant_id].append(spec_of(rule, channels.get(rule.id, ())))
    return out


async def open_alerts(session: AsyncSession, tenant_id: int) -> list[Alert]:
    return list(
        (
            await session.scalars(
                select(Alert).where(Alert.tenant_id == tenant_id, Alert.state.in_(OPEN_STATES))
            )
        ).all()
    )


async def silences(
    session: AsyncSession, tenant_id: int, fingerprints: Iterable[str] | None = None
) -> dict[str, int]:
    """fingerprint -> silenced until (ms), for the given fingerprints (or all)."""
    query = select(AlertSilence.fingerprint, AlertSilence.until_ms).where(
        AlertSilence.tenant_id == tenant_id
    )
    if fingerprints is not None:
        wanted = list(fingerprints)
        if not wanted:
            return {}
        query = query.where(AlertSilence.fingerprint.in_(wanted))
    return dict((await session.execute(query)).all())


def phrase_out(detail: dict[str, Any] | None) -> PhraseAlertOut | None:
    """What a phrase alert was raised for, without the text (added only for those who may
    read it: app/alerts/segments.py)."""
    if detail is None or "phrase" not in detail:
        return None
    return PhraseAlertOut(
        call_id=detail["call_id"],
        agent=detail.get("agent"),
        agent_name=detail.get("agent_name"),
        queue=detail.get("queue"),
        list=detail["list"],
        phrase=detail["phrase"],
        role=detail["role"],
        said_at=ms_datetime(detail["said_ms"]),
    )


def plan_share_out(detail: dict[str, Any] | None) -> PlanShareOut | None:
    if detail is None or "plan" not in detail:
        return None
    return PlanShareOut(actual=detail.get("actual"), plan=detail["plan"])


def summary_of(row: Alert, language: str) -> str:
    if row.detail is not None and "phrase" in row.detail:
        return describe_phrase(row.rule_name, row.detail, language)
    if row.detail is not None and "plan" in row.detail:
        return describe_against_plan(
            row.rule_name, row.metric, row.scope, row.op, row.threshold, row.value, row.detail,
            language,
        )  # fmt: skip
    return describe(
        row.rule_name, row.metric, row.window, row.scope, row.op, row.threshold, row.value, language
    )


def alert_out(row: Alert, silenced_until_ms: int | None = None, language: str = "en") -> AlertOut:
    """The alert as the API and notifications show it; `summary` in `language` (notifications
    use the tenant's, the API English: pages write their own in the reader's language). Never
    the text of a phrase alert's segment."""
    return AlertOut(
        id=row.id,
        rule_id=row.rule_id,
        rule_name=row.rule_name,
        fingerprint=row.fingerprint,
        state=cast(AlertState, row.state),
        severity=row.severity,
        metric=row.metric,
        window=row.window,
        scope=row.scope,
        team=row.team,
        op=row.op,
        threshold=row.threshold,
        value=row.value,
        summary=summary_of(row, language),
        started_at=ms_datetime(row.started_ms),
        fired_at=ms_to_datetime(row.fired_ms),
        ended_at=ms_to_datetime(row.ended_ms),
        acknowledged_at=aware(row.acknowledged_at),
        acknowledged_by=row.acknowledged_by,
        silenced_until=ms_to_datetime(silenced_until_ms),
        phrase=phrase_out(row.detail),
        plan=plan_share_out(row.detail),
    )
