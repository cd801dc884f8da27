"""How long alert history is kept: an ended episode (`resolved` or `normal`) is deleted with
its history, deliveries and delivery attempts once it ended more than `alert_retention_days`
ago; expired silences go too, and so do the transcript segments of phrase alerts whose
segment retention ended (the alert itself stays, without its text). Open episodes are never
deleted, however old.

Every process that runs alerting prunes about once an hour (AlertRuntime's housekeeping, from a
random point of the first hour on); `floorwatch alerts prune` does it at once. Deletes go in
batches of PRUNE_BATCH episodes, one short transaction each, so a first prune of a large
history never holds locks for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass

from sqlalchemy import delete, select

from app.alerts.models import (
    Alert,
    AlertDelivery,
    AlertDeliveryAttempt,
    AlertEvent,
    AlertSegment,
    AlertSilence,
)
from app.alerts.segments import prune_segments
from app.core.db import Database
from app.core.logging import get_logger
from app.streams.clock import wall_ms

log = get_logger(__name__)

ENDED_STATES = ("resolved", "normal")
PRUNE_BATCH = 1000
PRUNE_EVERY_S = 3600.0
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Pruned:
    alerts: int
    silences: int
    segments: int = 0


async def prune_alert_history(db: Database, retention_days: int, now_ms: int) -> Pruned:
    """Delete episodes that ended more than `retention_days` before `now_ms`, and silences
    that expired before it."""
    ended_before = now_ms - retention_days * DAY_MS
    alerts = 0
    while True:
        async with db.session() as session:
            ids = list(
                await session.scalars(
                    select(Alert.id)
                    .where(Alert.state.in_(ENDED_STATES), Alert.ended_ms < ended_before)
                    .order_by(Alert.id)
                    .limit(PRUNE_BATCH)
                )
            )
            if not ids:
                break
            deliveries = select(AlertDelivery.id).where(AlertDelivery.alert_id.in_(ids))
            await session.execute(
                delete(AlertDeliveryAttempt).where(AlertDeliveryAttempt.delivery_id.in_(deliveries))
            )
            await session.execute(delete(AlertDelivery).where(AlertDelivery.alert_id.in_(ids)))
            await session.execute(delete(AlertEvent).where(AlertEvent.alert_id.in_(ids)))
            await session.execute(delete(AlertSegment).where(AlertSegment.alert_id.in_(ids)))
            await session.execute(delete(Alert).where(Alert.id.in_(ids)))
            await session.commit()
        alerts += len(ids)
    async with db.session() as session:
        result = await session.execute(delete(AlertSilence).where(AlertSilence.until_ms < now_ms))
        segments = await prune_segments(session, now_ms)
        await session.commit()
    silences: int = result.rowcount  # type: ignore[attr-defined]
    return Pruned(alerts, silences, segments)


async def prune_once(db: Database, retention_days: int) -> None:
    """One housekeeping round: prune, log what went; a failure is logged and left for the next
    round (the database may be down for a while)."""
    try:
        pruned = await prune_alert_history(db, retention_days, wall_ms())
    except Exception as exc:  # housekeeping must outlive a database outage
        log.warning("alert history prune failed", error=f"{type(exc).__name__}: {exc}")
        return
    if pruned.alerts or pruned.silences or pruned.segments:
        log.info(
            "alert history pruned",
            alerts=pruned.alerts,
            silences=pruned.silences,
            segments=pruned.segments,
        )


def first_round_delay_s() -> float:
    """A random point of the first hour, so that processes started together do not prune
    together."""
    return random.uniform(0, PRUNE_EVERY_S)


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
