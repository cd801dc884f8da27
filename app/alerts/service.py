"""Alerts within what the caller may see: lists, history, deliveries, acknowledging and
silencing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import (
    OPEN_STATES,
    Alert,
    AlertDelivery,
    AlertDeliveryAttempt,
    AlertEvent,
    AlertSilence,
)
from app.alerts.repository import alert_out, silences
from app.alerts.schemas import (
    AlertDetail,
    AlertEventOut,
    AlertOut,
    DeliveryAttemptOut,
    DeliveryOut,
    aware,
    datetime_to_ms,
    ms_datetime,
)
from app.alerts.visibility import alert_filter
from app.auth.policy import Access
from app.core.db import utcnow
from app.core.errors import Conflict, NotFound
from app.streams.clock import wall_ms


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
