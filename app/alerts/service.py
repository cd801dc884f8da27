"""Managing rules and channels and handling alerts, within what the caller may see.

A caller sees (and so may create, change or delete) a rule whose scope it may see under the
access policy: `tenant`, queue scopes and `each_queue` are floor-wide; a team scope, an
`each_agent:team:NAME` scope or an agent scope needs that team (or agent); `each_agent` needs
every team. Alerts are filtered the same way by their own scope and team.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.channel_owners import ChannelUser, check_rule_channels
from app.alerts.channels import SECRET_FIELDS, merge_settings, parse_settings, public_settings
from app.alerts.destinations import DestinationRefused, check_literal
from app.alerts.models import (
    OPEN_STATES,
    Alert,
    AlertChannel,
    AlertDelivery,
    AlertDeliveryAttempt,
    AlertEvent,
    AlertRule,
    AlertRuleChannel,
    AlertSilence,
)
from app.alerts.repository import alert_out, rule_channels, silences
from app.alerts.rules import RuleScope, parse_rule_scope
from app.alerts.schemas import (
    AlertDetail,
    AlertEventOut,
    AlertOut,
    ChannelIn,
    ChannelOut,
    ChannelPatch,
    DeliveryAttemptOut,
    DeliveryOut,
    RuleIn,
    RuleOut,
    RulePatch,
    aware,
    datetime_to_ms,
    ms_datetime,
)
from app.alerts.sealing import config_needs_sealing, open_config, reseal_config, seal_config
from app.auth.policy import Access
from app.core.db import Database, utcnow
from app.core.errors import BadRequest, Conflict, Forbidden, NotFound
from app.core.logging import get_logger
from app.core.sealing import SecretBox, SecretUnavailable, is_sealed
from app.org.models import Team
from app.org.service import team_id_of
from app.streams.clock import wall_ms

log = get_logger(__name__)

# -- visibility -------------------------------------------------------------------------------


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


# -- channels ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    """How channels are stored and checked: secrets sealed with `box`; non-public destinations
    allowed or not (app/alerts/destinations.py)."""

    box: SecretBox
    private_destinations: bool


def channel_out(row: AlertChannel, box: SecretBox, team: str | None) -> ChannelOut:
    try:
        settings = public_settings(open_config(box, row.config))
    except SecretUnavailable as exc:
        # what can be shown without the secrets, and why they cannot be opened
        blank = dict.fromkeys(SECRET_FIELDS[row.kind], "")
        settings = {**public_settings({**row.config, **blank}), "sealed": str(exc)}
    return ChannelOut(
        id=row.id,
        name=row.name,
        kind=row.kind,
        settings=settings,
        team=team,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


async def unsealed_channels(db: Database) -> int:
    """How many channels hold a secret in the clear."""
    async with db.session() as session:
        rows = await session.scalars(select(AlertChannel))
        return sum(
            1
            for row in rows
            if any(
                isinstance(v := row.config.get(f), str) and v and not is_sealed(v)
                for f in SECRET_FIELDS[row.kind]
            )
        )


async def reseal_channels(db: Database, box: SecretBox) -> int:
    """Seal every channel secret that is plain or sealed with an older key; returns how many
    channels changed (none without a key)."""
    if not box.enabled:
        return 0
    changed = 0
    async with db.session() as session:
        for row in await session.scalars(select(AlertChannel).order_by(AlertChannel.id)):
            if not config_needs_sealing(box, row.config):
                continue
            try:
                row.config = reseal_config(box, row.config)
            except SecretUnavailable as exc:
                log.warning("alert channel not resealed", channel_id=row.id, reason=str(exc))
                continue
            changed += 1
        await session.commit()
    return changed


def _settings(data: dict[str, Any], private_ok: bool) -> dict[str, Any]:
    """Validated channel settings (secrets still open); unless `private_ok`, a host that is a
    non-public address (or `localhost`) is refused here already, not only when a delivery
    tries it."""
    try:
        config = parse_settings(data).model_dump()
    except ValidationError as exc:
        raise BadRequest(
            "invalid channel settings",
            details=[
                {"field": "settings." + ".".join(str(p) for p in e["loc"]), "reason": e["msg"]}
                for e in exc.errors(include_input=False, include_url=False)
            ],
        ) from None
    if not private_ok:
        field, host = (
            ("url", urlsplit(config["url"]).hostname or "")
            if "url" in config
            else ("smtp_host", config["smtp_host"])
        )
        try:
            check_literal(host)
        except DestinationRefused as exc:
            raise BadRequest(
                "invalid channel settings",
                details=[{"field": f"settings.{field}", "reason": str(exc)}],
            ) from None
    return config


async def list_channels(
    session: AsyncSession, tenant_id: int, box: SecretBox, user: ChannelUser
) -> list[ChannelOut]:
    rows = await session.execute(
        select(AlertChannel, Team.name)
        .outerjoin(Team, Team.id == AlertChannel.team_id)
        .where(AlertChannel.tenant_id == tenant_id)
        .order_by(AlertChannel.id)
    )
    return [channel_out(row, box, team) for row, team in rows.all() if user.may_read(team)]


async def get_channel(
    session: AsyncSession, tenant_id: int, channel_id: int, user: ChannelUser
) -> tuple[AlertChannel, str | None]:
    """The channel and its owning team, if `user` may see it (else 404, as if absent)."""
    found = (
        await session.execute(
            select(AlertChannel, Team.name)
            .outerjoin(Team, Team.id == AlertChannel.team_id)
            .where(AlertChannel.id == channel_id, AlertChannel.tenant_id == tenant_id)
        )
    ).first()
    if found is None or not user.may_read(found[1]):
        raise NotFound(f"no alert channel {channel_id}")
    return found[0], found[1]


async def _managed_channel(
    session: AsyncSession, tenant_id: int, channel_id: int, user: ChannelUser
) -> tuple[AlertChannel, str | None]:
    row, team = await get_channel(session, tenant_id, channel_id, user)
    if not user.may_manage(team):
        raise user.refuse_managing(team)
    return row, team


async def create_channel(
    session: AsyncSession,
    tenant_id: int,
    body: ChannelIn,
    policy: ChannelPolicy,
    user: ChannelUser,
) -> ChannelOut:
    if not user.may_manage(body.team):
        raise user.refuse_managing(body.team)
    team_id = await team_id_of(session, tenant_id, body.team)
    config = seal_config(policy.box, _settings(body.settings, policy.private_destinations))
    row = AlertChannel(
        tenant_id=tenant_id, name=body.name, kind=config["kind"], config=config, team_id=team_id
    )
    session.add(row)
    await _flush_unique(session, f"an alert channel named {body.name!r} exists already")
    return channel_out(row, policy.box, body.team)


async def update_channel(
    session: AsyncSession,
    tenant_id: int,
    channel_id: int,
    body: ChannelPatch,
    policy: ChannelPolicy,
    user: ChannelUser,
) -> ChannelOut:
    row, team = await _managed_channel(session, tenant_id, channel_id, user)
    if body.settings is not None:
        try:
            merged = merge_settings(open_config(policy.box, row.config), body.settings)
        except SecretUnavailable as exc:
            raise Conflict(f"{exc}: it cannot be changed, only deleted") from None
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        row.config = seal_config(policy.box, _settings(merged, policy.private_destinations))
    if body.name is not None:
        row.name = body.name
    row.updated_at = utcnow()
    await _flush_unique(session, f"an alert channel named {body.name!r} exists already")
    return channel_out(row, policy.box, team)


async def delete_channel(
    session: AsyncSession, tenant_id: int, channel_id: int, user: ChannelUser
) -> None:
    row, _ = await _managed_channel(session, tenant_id, channel_id, user)
    await session.delete(row)


async def _flush_unique(session: AsyncSession, message: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise Conflict(message) from None


# -- rules ------------------------------------------------------------------------------------


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
    """Returns the rule and whether open alerts were closed (the rule was disabled)."""
    row = await get_rule(session, tenant_id, rule_id, access, team_of_agent)
    scope = _check_scope(body, access, team_of_agent)
    kept = (await rule_channels(session, [row.id])).get(row.id, [])
    await check_rule_channels(session, tenant_id, body.channels, user, kept)
    was_enabled = row.enabled
    _fill(row, body, scope, team_of_agent)
    row.updated_at = utcnow()
    await _set_channels(session, row.id, body.channels)
    closed = False
    if was_enabled and not row.enabled:
        closed = await close_open_alerts(session, tenant_id, row.id, actor, "rule disabled")
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


# -- alerts -----------------------------------------------------------------------------------


async def list_alerts(
    session: AsyncSession,
    tenant_id: int,
    access: Access,
    *,
    states: Sequence[str],
    severity: str | None = None,
    rule_id: int | None = None,
    scope: str | None = None,
    team: str | None = None,
    limit: int = 100,
) -> list[AlertOut]:
    query = select(Alert).where(Alert.tenant_id == tenant_id, Alert.state.in_(list(states)))
    visible = alert_filter(access)
    if visible is not None:
        query = query.where(visible)
    if severity is not None:
        query = query.where(Alert.severity == severity)
    if rule_id is not None:
        query = query.where(Alert.rule_id == rule_id)
    if scope is not None:
        query = query.where(Alert.scope == scope)
    if team is not None:
        query = query.where(Alert.team == team)
    rows = (await session.scalars(query.order_by(Alert.id.desc()).limit(limit))).all()
    silenced = await silences(session, tenant_id, {r.fingerprint for r in rows})
    return [alert_out(r, silenced.get(r.fingerprint)) for r in rows]


async def get_alert(session: AsyncSession, tenant_id: int, alert_id: int, access: Access) -> Alert:
    query = select(Alert).where(Alert.tenant_id == tenant_id, Alert.id == alert_id)
    visible = alert_filter(access)
    if visible is not None:
        query = query.where(visible)
    row = await session.scalar(query)
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    return row


def event_out(event: AlertEvent, alert: Alert | None = None) -> AlertEventOut:
    return AlertEventOut(
        id=event.id,
        alert_id=event.alert_id,
        kind=event.kind,
        from_state=event.from_state,
        to_state=event.to_state,
        value=event.value,
        at=ms_datetime(event.at_ms),
        actor=event.actor,
        note=event.note,
        rule_id=alert.rule_id if alert else None,
        rule_name=alert.rule_name if alert else None,
        scope=alert.scope if alert else None,
        fingerprint=alert.fingerprint if alert else None,
    )


def delivery_out(row: AlertDelivery, attempts: Sequence[AlertDeliveryAttempt] = ()) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        alert_id=row.alert_id,
        channel_id=row.channel_id,
        channel_name=row.channel_name,
        channel_kind=row.channel_kind,
        event=row.event,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=aware(row.created_at),
        finished_at=aware(row.finished_at),
        attempt_log=[
            DeliveryAttemptOut(
                number=a.number,
                started_at=aware(a.started_at),
                duration_ms=a.duration_ms,
                status_code=a.status_code,
                outcome=a.outcome,
                error=a.error,
            )
            for a in attempts
        ],
    )


async def alert_detail(
    session: AsyncSession, tenant_id: int, alert_id: int, access: Access
) -> AlertDetail:
    row = await get_alert(session, tenant_id, alert_id, access)
    events = (
        await session.scalars(
            select(AlertEvent).where(AlertEvent.alert_id == row.id).order_by(AlertEvent.id)
        )
    ).all()
    deliveries = (
        await session.scalars(
            select(AlertDelivery).where(AlertDelivery.alert_id == row.id).order_by(AlertDelivery.id)
        )
    ).all()
    attempts = (
        await session.scalars(
            select(AlertDeliveryAttempt)
            .where(AlertDeliveryAttempt.delivery_id.in_([d.id for d in deliveries]))
            .order_by(AlertDeliveryAttempt.delivery_id, AlertDeliveryAttempt.number)
        )
    ).all()
    by_delivery: dict[int, list[AlertDeliveryAttempt]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    silenced = await silences(session, tenant_id, [row.fingerprint])
    base = alert_out(row, silenced.get(row.fingerprint))
    return AlertDetail(
        **base.model_dump(),
        events=[event_out(e) for e in events],
        deliveries=[delivery_out(d, by_delivery.get(d.id, [])) for d in deliveries],
    )


async def history(
    session: AsyncSession,
    tenant_id: int,
    access: Access,
    *,
    rule_id: int | None = None,
    fingerprint: str | None = None,
    scope: str | None = None,
    team: str | None = None,
    kind: str | None = None,
    to_state: str | None = None,
    since_ms: int | None = None,
    until_ms: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AlertEventOut]:
    query = (
        select(AlertEvent, Alert)
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .where(AlertEvent.tenant_id == tenant_id)
    )
    visible = alert_filter(access)
    if visible is not None:
        query = query.where(visible)
    filters = {
        Alert.rule_id: rule_id,
        Alert.fingerprint: fingerprint,
        Alert.scope: scope,
        Alert.team: team,
        AlertEvent.kind: kind,
        AlertEvent.to_state: to_state,
    }
    for column, value in filters.items():
        if value is not None:
            query = query.where(column == value)
    if since_ms is not None:
        query = query.where(AlertEvent.at_ms >= since_ms)
    if until_ms is not None:
        query = query.where(AlertEvent.at_ms < until_ms)
    if before_id is not None:
        query = query.where(AlertEvent.id < before_id)
    rows = (await session.execute(query.order_by(AlertEvent.id.desc()).limit(limit))).all()
    return [event_out(event, alert) for event, alert in rows]


async def list_deliveries(
    session: AsyncSession,
    tenant_id: int,
    access: Access,
    *,
    status: str | None = None,
    channel_id: int | None = None,
    alert_id: int | None = None,
    limit: int = 100,
) -> list[DeliveryOut]:
    query = (
        select(AlertDelivery)
        .join(Alert, Alert.id == AlertDelivery.alert_id)
        .where(AlertDelivery.tenant_id == tenant_id)
    )
    visible = alert_filter(access)
    if visible is not None:
        query = query.where(visible)
    if status is not None:
        query = query.where(AlertDelivery.status == status)
    if channel_id is not None:
        query = query.where(AlertDelivery.channel_id == channel_id)
    if alert_id is not None:
        query = query.where(AlertDelivery.alert_id == alert_id)
    rows = (await session.scalars(query.order_by(AlertDelivery.id.desc()).limit(limit))).all()
    return [delivery_out(r) for r in rows]


async def acknowledge(
    session: AsyncSession,
    tenant_id: int,
    alert_id: int,
    access: Access,
    actor: str,
    note: str | None,
) -> AlertOut:
    row = await get_alert(session, tenant_id, alert_id, access)
    if row.state not in OPEN_STATES:
        raise Conflict(f"alert {alert_id} is {row.state}: only an open alert can be acknowledged")
    if row.acknowledged_at is None:
        now = utcnow()
        await session.execute(
            update(Alert)
            .where(Alert.id == row.id)
            .values(acknowledged_at=now, acknowledged_by=actor)
        )
        session.add(
            AlertEvent(
                tenant_id=tenant_id,
                alert_id=row.id,
                kind="acknowledged",
                at_ms=wall_ms(),
                actor=actor,
                note=note,
            )
        )
        await session.flush()
        await session.refresh(row)
    silenced = await silences(session, tenant_id, [row.fingerprint])
    return alert_out(row, silenced.get(row.fingerprint))


async def silence(
    session: AsyncSession,
    tenant_id: int,
    alert_id: int,
    access: Access,
    actor: str,
    until: Any,
    note: str | None,
) -> AlertOut:
    row = await get_alert(session, tenant_id, alert_id, access)
    until_ms = datetime_to_ms(until)
    existing = await session.get(AlertSilence, (tenant_id, row.fingerprint))
    if existing is None:
        session.add(
            AlertSilence(
                tenant_id=tenant_id,
                fingerprint=row.fingerprint,
                until_ms=until_ms,
                created_by=actor,
            )
        )
    else:
        existing.until_ms, existing.created_by, existing.created_at = until_ms, actor, utcnow()
    session.add(
        AlertEvent(
            tenant_id=tenant_id,
            alert_id=row.id,
            kind="silenced",
            at_ms=wall_ms(),
            actor=actor,
            note=note or f"until {ms_datetime(until_ms).isoformat()}",
        )
    )
    await session.flush()
    return alert_out(row, until_ms)


async def unsilence(
    session: AsyncSession, tenant_id: int, alert_id: int, access: Access, actor: str
) -> AlertOut:
    row = await get_alert(session, tenant_id, alert_id, access)
    existing = await session.get(AlertSilence, (tenant_id, row.fingerprint))
    if existing is not None:
        await session.delete(existing)
        session.add(
            AlertEvent(
                tenant_id=tenant_id,
                alert_id=row.id,
                kind="unsilenced",
                at_ms=wall_ms(),
                actor=actor,
            )
        )
        await session.flush()
    return alert_out(row, None)
