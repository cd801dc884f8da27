"""The delivery outbox in the database: which deliveries are due, who sends each, and the
record of every attempt.

A delivery row is written in the transaction that records the alert's transition (evaluator),
so it exists exactly when the transition does. A sender claims a due row by setting
`claimed_by` and `claimed_until_ms` with an update that succeeds only while nobody else holds an
unexpired claim; on PostgreSQL the candidates are read `FOR UPDATE SKIP LOCKED`, so senders in
several processes pass each other's rows by instead of queueing on them. SQLite runs one
writer at a time, and the conditional update alone decides there.

An attempt is recorded before it is made (`sending`) and completed after it. A process that dies
in between leaves its claim to expire (`CLAIM_MS`, longer than any one attempt may take); the
next claimant marks the open record `interrupted` and makes the next attempt: at least once,
never silently lost, and the receiver can recognise a repeat by the delivery id it carries.

Within one alert and channel, a delivery is due only once every earlier one has finished, so a
`resolved` never overtakes its `firing`, even while the `firing` waits between retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.alerts.channel_owners import channel_teams
from app.alerts.models import Alert, AlertChannel, AlertDelivery, AlertDeliveryAttempt
from app.alerts.payloads import NotificationKind
from app.alerts.repository import alert_out
from app.alerts.schemas import AlertOut
from app.alerts.sealing import open_config
from app.alerts.segments import texts, with_phrase_text
from app.core.db import Database, utcnow
from app.core.sealing import SecretBox, SecretUnavailable

UNFINISHED = ("queued", "delivering")
CLAIM_MS = 90_000
"""How long a claim holds: one attempt takes at most the channel's `timeout_s` (60 s at most)
plus recording it. A sender that died holding a claim delays that delivery by this much."""
INTERRUPTED = (
    "the sending process stopped during this attempt; the receiver may have got it "
    "(the next attempt carries the same delivery id)"
)


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery_id: int
    channel_id: int | None


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery, its attempt begun: everything needed to make the attempt.
    `settings` hold the channel's secrets in the clear: never log them."""

    delivery_id: int
    tenant_id: int
    channel_id: int
    settings: dict[str, Any]
    alert: AlertOut
    kind: NotificationKind
    number: int
    attempt_id: int
    first_attempt_ms: int


@dataclass(frozen=True, slots=True)
class Unsendable:
    """A claimed delivery that cannot be attempted (its channel is gone, or its secrets are
    sealed with a key this process does not have)."""

    delivery_id: int
    reason: str


async def claim_due(
    db: Database,
    sender: str,
    now_ms: int,
    limit: int,
    skip_channels: set[int],
    claim_ms: int = CLAIM_MS,
) -> list[Claimed]:
    """Claim up to `limit` due deliveries for `sender`, at most one per channel and none of
    `skip_channels` (channels this sender is already sending to)."""
    earlier = aliased(AlertDelivery)
    waits_for_earlier = exists().where(
        earlier.alert_id == AlertDelivery.alert_id,
        earlier.channel_id == AlertDelivery.channel_id,
        earlier.id < AlertDelivery.id,
        earlier.status.in_(UNFINISHED),
    )
    query = (
        select(AlertDelivery.id, AlertDelivery.channel_id)
        .where(
            AlertDelivery.status.in_(UNFINISHED),
            AlertDelivery.next_attempt_ms <= now_ms,
            or_(AlertDelivery.claimed_until_ms.is_(None), AlertDelivery.claimed_until_ms < now_ms),
            ~waits_for_earlier,
        )
        .order_by(AlertDelivery.id)
        .limit(limit * 4)
        .with_for_update(skip_locked=True, of=AlertDelivery)
    )
    if skip_channels:
        query = query.where(AlertDelivery.channel_id.not_in(skip_channels))
    claimed: list[Claimed] = []
    channels: set[int | None] = set()
    async with db.session() as session:
        for delivery_id, channel_id in (await session.execute(query)).all():
            if len(claimed) >= limit:
                break
            if channel_id is not None and channel_id in channels:
                continue
            result = await session.execute(
                update(AlertDelivery)
                .where(
                    AlertDelivery.id == delivery_id,
                    AlertDelivery.status.in_(UNFINISHED),
                    or_(
                        AlertDelivery.claimed_until_ms.is_(None),
                        AlertDelivery.claimed_until_ms < now_ms,
                    ),
                )
                .values(
                    claimed_by=sender,
                    claimed_until_ms=now_ms + claim_ms,
                    status="delivering",
                    updated_at=utcnow(),
                )
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(Claimed(delivery_id, channel_id))
                channels.add(channel_id)
        await session.commit()
    return claimed


async def _with_segment(
    session: AsyncSession, tenant_id: int, channel_id: int, alert: AlertOut
) -> AlertOut:
    """A phrase alert's segment text goes, while it is kept, to tenant-wide channels (admins
    own them) and the agent's team's channels; it is read at each attempt and never stored in
    the delivery, so it goes with its retention (app/alerts/segments.py)."""
    owner = (await channel_teams(session, tenant_id, [channel_id])).get(channel_id)
    if owner is not None and owner != alert.team:
        return alert
    text = (await texts(session, [alert.id])).get(alert.id)
    return with_phrase_text(alert, text) if text is not None else alert


async def begin_attempt(
    db: Database, delivery_id: int, sender: str, now_ms: int, box: SecretBox
) -> Job | Unsendable | None:
    """Record the next attempt of a delivery `sender` holds (`sending`), closing a record a
    dead sender left open as `interrupted`; None if the claim is no longer `sender`'s. The
    job's `settings` are opened with `box` (secrets in the clear, in memory only)."""
    async with db.session() as session:
        row = await session.get(AlertDelivery, delivery_id)
        if row is None or row.claimed_by != sender or row.status not in UNFINISHED:
            return None
        channel = (
            await session.get(AlertChannel, row.channel_id) if row.channel_id is not None else None
        )
        if channel is None:
            return Unsendable(delivery_id, "the channel was deleted")
        try:
            opened = open_config(box, dict(channel.config))
        except SecretUnavailable as exc:
            return Unsendable(delivery_id, str(exc))
        if row.payload is not None:
            alert = AlertOut.model_validate(row.payload)
        else:
            alert_row = await session.get(Alert, row.alert_id)
            assert alert_row is not None  # deliveries are deleted with their alert
            alert = alert_out(alert_row)
        if alert.phrase is not None:
            alert = await _with_segment(session, row.tenant_id, channel.id, alert)
        await session.execute(
            update(AlertDeliveryAttempt)
            .where(
                AlertDeliveryAttempt.delivery_id == delivery_id,
                AlertDeliveryAttempt.outcome == "sending",
            )
            .values(outcome="interrupted", error=INTERRUPTED)
        )
        recorded = await session.scalar(
            select(func.max(AlertDeliveryAttempt.number)).where(
                AlertDeliveryAttempt.delivery_id == delivery_id
            )
        )
        number = max(row.attempts, recorded or 0) + 1
        attempt = AlertDeliveryAttempt(
            delivery_id=delivery_id,
            number=number,
            started_at=utcnow(),
            duration_ms=0,
            outcome="sending",
        )
        session.add(attempt)
        first_attempt_ms = row.first_attempt_ms if row.first_attempt_ms is not None else now_ms
        row.attempts = number
        row.first_attempt_ms = first_attempt_ms
        await session.flush()
        job = Job(
            delivery_id=delivery_id,
            tenant_id=row.tenant_id,
            channel_id=channel.id,
            settings=opened,
            alert=alert,
            kind=row.event,  # type: ignore[arg-type]
            number=number,
            attempt_id=attempt.id,
            first_attempt_ms=first_attempt_ms,
        )
        await session.commit()
    return job


Outcome = Literal["ok", "retry", "fail"]


async def end_attempt(
    db: Database,
    job: Job,
    sender: str,
    *,
    outcome: Outcome,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    status: Literal["queued", "delivered", "failed"],
    last_error: str | None,
    next_attempt_ms: int,
) -> bool:
    """Complete the attempt record and release the claim: the delivery is `delivered`,
    `failed`, or `queued` again for `next_attempt_ms`. False if the claim had expired and
    another sender holds the delivery now (the record is completed all the same)."""
    async with db.session() as session:
        await session.execute(
            update(AlertDeliveryAttempt)
            .where(AlertDeliveryAttempt.id == job.attempt_id)
            .values(
                outcome=outcome,
                status_code=status_code,
                error=error[:500] if error else None,
                duration_ms=duration_ms,
            )
        )
        values: dict[str, Any] = {
            "status": status,
            "last_error": last_error[:500] if last_error else None,
            "claimed_by": None,
            "claimed_until_ms": None,
            "next_attempt_ms": next_attempt_ms,
            "updated_at": utcnow(),
        }
        if status != "queued":
            values["finished_at"] = utcnow()
        result = await session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id == job.delivery_id, AlertDelivery.claimed_by == sender)
            .values(**values)
        )
        await session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def fail_unattempted(db: Database, delivery_id: int, sender: str, reason: str) -> None:
    """Close a delivery `sender` holds as `failed` without an attempt (nothing was sent)."""
    async with db.session() as session:
        await session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id == delivery_id, AlertDelivery.claimed_by == sender)
            .values(
                status="failed",
                last_error=reason[:500],
                claimed_by=None,
                claimed_until_ms=None,
                finished_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        await session.commit()


async def release(db: Database, delivery_ids: list[int], sender: str) -> None:
    """Give up claims without an attempt (shutting down): the rows are due again at once."""
    if not delivery_ids:
        return
    async with db.session() as session:
        await session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id.in_(delivery_ids), AlertDelivery.claimed_by == sender)
            .values(status="queued", claimed_by=None, claimed_until_ms=None)
        )
        await session.commit()


async def unfinished(db: Database, tenant_id: int | None = None) -> int:
    """Deliveries not yet delivered or failed, of one tenant or in the whole database."""
    query = (
        select(func.count()).select_from(AlertDelivery).where(AlertDelivery.status.in_(UNFINISHED))
    )
    if tenant_id is not None:
        query = query.where(AlertDelivery.tenant_id == tenant_id)
    async with db.session() as session:
        count = await session.scalar(query)
    return int(count or 0)
