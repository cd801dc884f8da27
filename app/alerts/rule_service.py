"""Managing alert rules within what the caller may see (app/alerts/visibility.py); changing or
deleting a rule ends its open alerts."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.channel_owners import ChannelUser, check_rule_channels
from app.alerts.models import OPEN_STATES, Alert, AlertEvent, AlertRule, AlertRuleChannel
from app.alerts.repository import rule_channels
from app.alerts.rules import RuleScope, parse_rule_scope
from app.alerts.schemas import RuleIn, RuleOut, RulePatch, aware
from app.alerts.visibility import can_see_rule_scope, rule_team, visible_rule
from app.auth.policy import Access
from app.core.db import utcnow
from app.core.errors import BadRequest, Forbidden, NotFound
from app.streams.clock import wall_ms


def rule_out(row: AlertRule, channels: Sequence[int]) -> RuleOut:
    return RuleOut.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "description": row.description,
            "enabled": row.enabled,
            "metric": row.metric,
            "scope": row.scope,
            "window": row.window,
            "op": row.op,
            "threshold": row.threshold,
            "clear_threshold": row.clear_threshold,
            "for_s": row.for_s,
            "keep_firing_for_s": row.keep_firing_for_s,
            "repeat_interval_s": row.repeat_interval_s,
            "severity": row.severity,
            "agent_state": row.agent_state,
            "agent_state_reason": row.agent_state_reason,
            "quiet_hours": row.quiet_hours,
            "against_plan": row.against_plan,
            "channels": sorted(channels),
            "team": row.team,
            "created_at": aware(row.created_at),
            "updated_at": aware(row.updated_at),
        }
    )


async def list_rules(
    session: AsyncSession, tenant_id: int, access: Access, team_of_agent: dict[str, str]
) -> list[RuleOut]:
    rows = [
        r
        for r in await session.scalars(
            select(AlertRule).where(AlertRule.tenant_id == tenant_id).order_by(AlertRule.id)
        )
        if visible_rule(r, access, team_of_agent)
    ]
    channels = await rule_channels(session, (r.id for r in rows))
    return [rule_out(r, channels.get(r.id, [])) for r in rows]


async def get_rule(
    session: AsyncSession,
    tenant_id: int,
    rule_id: int,
    access: Access,
    team_of_agent: dict[str, str],
) -> AlertRule:
    row = await session.get(AlertRule, rule_id)
    if row is None or row.tenant_id != tenant_id or not visible_rule(row, access, team_of_agent):
        raise NotFound(f"no alert rule {rule_id}")
    return row


async def rule_with_channels(session: AsyncSession, row: AlertRule) -> RuleOut:
    channels = await rule_channels(session, [row.id])
    return rule_out(row, channels.get(row.id, []))


def _check_scope(body: RuleIn, access: Access, team_of_agent: dict[str, str]) -> RuleScope:
    scope = parse_rule_scope(body.scope)
    if not can_see_rule_scope(access, scope, team_of_agent):
        raise Forbidden(f"you may not watch scope {body.scope!r}")
    return scope


def _fill(row: AlertRule, body: RuleIn, scope: RuleScope, team_of_agent: dict[str, str]) -> None:
    data = body.model_dump(exclude={"channels"})
    for key, value in data.items():
        setattr(row, key, value)
    row.team = rule_team(scope, team_of_agent)


async def _set_channels(session: AsyncSession, rule_id: int, ids: list[int]) -> None:
    await session.execute(delete(AlertRuleChannel).where(AlertRuleChannel.rule_id == rule_id))
    for channel_id in sorted(set(ids)):
        session.add(AlertRuleChannel(rule_id=rule_id, channel_id=channel_id))


async def create_rule(
    session: AsyncSession,
    tenant_id: int,
    body: RuleIn,
    access: Access,
    team_of_agent: dict[str, str],
    user: ChannelUser,
) -> RuleOut:
    scope = _check_scope(body, access, team_of_agent)
    await check_rule_channels(session, tenant_id, body.channels, user)
    row = AlertRule(tenant_id=tenant_id)
    _fill(row, body, scope, team_of_agent)
    session.add(row)
    await session.flush()
    await _set_channels(session, row.id, body.channels)
    await session.flush()
    return rule_out(row, sorted(set(body.channels)))


async def replace_rule(
    session: AsyncSession,
    tenant_id: int,
    rule_id: int,
    body: RuleIn,
    access: Access,
    team_of_agent: dict[str, str],
    actor: str,
    user: ChannelUser,
) -> tuple[RuleOut, bool]:
    """Returns the rule and whether open alerts were closed: the rule was disabled, or what it
    measures changed (metric, window, against the plan or not), which would leave an open
    alert comparing a new value with its old threshold."""
    row = await get_rule(session, tenant_id, rule_id, access, team_of_agent)
    scope = _check_scope(body, access, team_of_agent)
    kept = (await rule_channels(session, [row.id])).get(row.id, [])
    await check_rule_channels(session, tenant_id, body.channels, user, kept)
    was_enabled = row.enabled
    measured = (row.metric, row.window, row.against_plan)
    _fill(row, body, scope, team_of_agent)
    row.updated_at = utcnow()
    await _set_channels(session, row.id, body.channels)
    closed = False
    if was_enabled and not row.enabled:
        closed = await close_open_alerts(session, tenant_id, row.id, actor, "rule disabled")
    elif measured != (row.metric, row.window, row.against_plan):
        closed = await close_open_alerts(session, tenant_id, row.id, actor, "rule changed")
    await session.flush()
    return rule_out(row, sorted(set(body.channels))), closed


async def patch_rule(
    session: AsyncSession,
    tenant_id: int,
    rule_id: int,
    patch: RulePatch,
    access: Access,
    team_of_agent: dict[str, str],
    actor: str,
    user: ChannelUser,
) -> tuple[RuleOut, bool]:
    row = await get_rule(session, tenant_id, rule_id, access, team_of_agent)
    current = await rule_with_channels(session, row)
    merged = {
        **current.model_dump(exclude={"id", "team", "created_at", "updated_at"}),
        **patch.model_dump(exclude_unset=True),
    }
    try:
        body = RuleIn.model_validate(merged)
    except ValidationError as exc:
        raise BadRequest(
            "the patched rule is invalid",
            details=[
                {"field": ".".join(str(p) for p in e["loc"]) or "rule", "reason": e["msg"]}
                for e in exc.errors(include_input=False, include_url=False)
            ],
        ) from None
    return await replace_rule(session, tenant_id, rule_id, body, access, team_of_agent, actor, user)


async def delete_rule(
    session: AsyncSession,
    tenant_id: int,
    rule_id: int,
    access: Access,
    team_of_agent: dict[str, str],
    actor: str,
) -> bool:
    row = await get_rule(session, tenant_id, rule_id, access, team_of_agent)
    closed = await close_open_alerts(session, tenant_id, row.id, actor, "rule deleted")
    await session.delete(row)
    return closed


async def close_open_alerts(
    session: AsyncSession, tenant_id: int, rule_id: int, actor: str, note: str
) -> bool:
    """End the rule's open alerts (pending -> normal, firing -> resolved) without notifying.
    The version bump makes a concurrent evaluator write lose and reload."""
    rows = (
        await session.scalars(
            select(Alert).where(
                Alert.tenant_id == tenant_id,
                Alert.rule_id == rule_id,
                Alert.state.in_(OPEN_STATES),
            )
        )
    ).all()
    now = wall_ms()
    for row in rows:
        to_state = "resolved" if row.state == "firing" else "normal"
        session.add(
            AlertEvent(
                tenant_id=tenant_id,
                alert_id=row.id,
                kind="transition",
                from_state=row.state,
                to_state=to_state,
                value=row.value,
                at_ms=now,
                actor=actor,
                note=note,
            )
        )
        row.state = to_state
        row.ended_ms = now
        row.version += 1
    await session.flush()
    return any(r.state == "resolved" for r in rows)
