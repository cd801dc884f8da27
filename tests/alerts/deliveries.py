"""One alert of a tenant on SQLite, and notifications of it queued in the outbox for a
Dispatcher to deliver (the `fx` fixture is in conftest.py)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.alerts.models import Alert, AlertChannel, AlertDelivery, AlertDeliveryAttempt
from app.alerts.payloads import NotificationKind
from app.alerts.repository import alert_out
from app.core.db import Database
from app.streams.clock import wall_ms
from tests.helpers import make_tenant_key


@dataclass(frozen=True)
class Queued:
    delivery_id: int
    channel_id: int


@dataclass
class Fixture:
    db: Database
    tenant_id: int
    alert: Alert


def sales_sl_alert(tenant_id: int, **fields: Any) -> Alert:
    """An alert row: the Sales SL rule firing at 72 %, with `fields` changed."""
    values: dict[str, Any] = {
        "tenant_id": tenant_id,
        "rule_id": None,
        "rule_name": "Sales SL",
        "fingerprint": "f" * 32,
        "scope": "queue:Sales",
        "team": None,
        "severity": "critical",
        "metric": "service_level",
        "window": "15m",
        "op": "<",
        "threshold": 0.8,
        "state": "firing",
        "value": 0.72,
        "started_ms": 1_700_000_000_000,
        "fired_ms": 1_700_000_120_000,
    }
    return Alert(**(values | fields))


async def alert_fixture(sqlite_url: str) -> AsyncIterator[Fixture]:
    """A tenant with one firing alert, on its own SQLite database."""
    tenant_id, _ = await make_tenant_key(sqlite_url)
    db = Database(sqlite_url)
    async with db.session() as session:
        alert = sales_sl_alert(tenant_id)
        session.add(alert)
        await session.commit()
    try:
        yield Fixture(db, tenant_id, alert)
    finally:
        await db.close()


async def notification(
    fx: Fixture, settings: dict[str, Any], kind: NotificationKind = "firing"
) -> Queued:
    """A new channel with `settings` and a delivery to it in the outbox, due now."""
    async with fx.db.session() as session:
        channel = AlertChannel(
            tenant_id=fx.tenant_id,
            name=f"c{time.monotonic_ns()}",
            kind=settings["kind"],
            config=settings,
        )
        session.add(channel)
        await session.flush()
        delivery = AlertDelivery(
            tenant_id=fx.tenant_id,
            alert_id=fx.alert.id,
            channel_id=channel.id,
            channel_name=channel.name,
            channel_kind=channel.kind,
            event=kind,
            payload=alert_out(fx.alert).model_dump(mode="json"),
            next_attempt_ms=wall_ms(),
        )
        session.add(delivery)
        await session.commit()
        return Queued(delivery.id, channel.id)


async def delivery(
    fx: Fixture, delivery_id: int
) -> tuple[AlertDelivery, list[AlertDeliveryAttempt]]:
    async with fx.db.session() as session:
        row = await session.get(AlertDelivery, delivery_id)
        assert row is not None
        attempts = (
            await session.scalars(
                select(AlertDeliveryAttempt)
                .where(AlertDeliveryAttempt.delivery_id == delivery_id)
                .order_by(AlertDeliveryAttempt.number)
            )
        ).all()
        return row, list(attempts)
