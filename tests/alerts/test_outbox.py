"""The delivery outbox on SQLite and PostgreSQL: several senders on one database send each
delivery once; an attempt cut short by a dead sender is recorded as `interrupted` and made
again; within one alert and channel a `resolved` waits for its `firing`, retries included."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update

from app.alerts.delivery import Backoff, Dispatcher
from app.alerts.models import AlertDelivery
from app.alerts.outbox import begin_attempt, claim_due
from app.core.sealing import SecretBox
from app.streams.clock import wall_ms
from tests.alerts.deliveries import Fixture, alert_fixture, delivery, notification
from tests.alerts.receivers import Reply, http_receiver


@pytest.fixture
async def outbox(own_database: str) -> AsyncIterator[Fixture]:
    """A firing alert on `own_database`."""
    async for fixture in alert_fixture(own_database):
        yield fixture


def webhook(url: str) -> dict[str, object]:
    return {"kind": "webhook", "url": url, "timeout_s": 5}


async def test_three_senders_send_each_delivery_once(outbox: Fixture) -> None:
    async with http_receiver() as receiver:
        queued = [await notification(outbox, webhook(receiver.url)) for _ in range(12)]
        senders = [
            Dispatcher(outbox.db, Backoff(initial_s=0.05), private_destinations=True)
            for _ in range(3)
        ]
        for sender in senders:
            sender.wake()
        assert await senders[0].idle(20)
        for sender in senders:
            await sender.close()
    sent = Counter(int(r.headers["x-floorwatch-delivery"]) for r in receiver.requests)
    assert sent == Counter({q.delivery_id: 1 for q in queued})
    for q in queued:
        row, attempts = await delivery(outbox, q.delivery_id)
        assert (row.status, row.attempts, row.claimed_by) == ("delivered", 1, None)
        assert [(a.number, a.outcome) for a in attempts] == [(1, "ok")]


async def test_a_claim_is_held_against_other_senders_until_it_expires(outbox: Fixture) -> None:
    queued = await notification(outbox, webhook("http://127.0.0.1:9/never"))
    now = wall_ms()
    [first] = await claim_due(outbox.db, "a", now, 10, set(), claim_ms=60_000)
    assert first.delivery_id == queued.delivery_id
    assert await claim_due(outbox.db, "b", now + 59_000, 10, set()) == []
    [taken] = await claim_due(outbox.db, "b", now + 61_000, 10, set())
    assert taken.delivery_id == queued.delivery_id
    assert await begin_attempt(outbox.db, queued.delivery_id, "a", now, SecretBox([])) is None


async def test_an_attempt_cut_short_is_recorded_interrupted_and_made_again(
    outbox: Fixture,
) -> None:
    async with http_receiver() as receiver:
        queued = await notification(outbox, webhook(receiver.url))
        [claimed] = await claim_due(outbox.db, "dead-sender", wall_ms(), 10, set())
        started = await begin_attempt(
            outbox.db, claimed.delivery_id, "dead-sender", wall_ms(), SecretBox([])
        )
        assert started is not None  # ... and the process dies before the send
        async with outbox.db.session() as session:
            await session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id == queued.delivery_id)
                .values(claimed_until_ms=wall_ms() - 1)
            )
            await session.commit()
        sender = Dispatcher(outbox.db, private_destinations=True)
        sender.wake()
        assert await sender.idle(10)
        await sender.close()
    assert len(receiver.requests) == 1
    row, attempts = await delivery(outbox, queued.delivery_id)
    assert (row.status, row.attempts) == ("delivered", 2)
    assert [(a.number, a.outcome) for a in attempts] == [(1, "interrupted"), (2, "ok")]
    assert attempts[0].error is not None
    assert "stopped during this attempt" in attempts[0].error


async def test_a_resolved_waits_for_its_firing_through_retries(outbox: Fixture) -> None:
    async with http_receiver([Reply(503), Reply(503)]) as receiver:
        firing = await notification(outbox, webhook(receiver.url))
        async with outbox.db.session() as session:
            resolved = AlertDelivery(
                tenant_id=outbox.tenant_id,
                alert_id=outbox.alert.id,
                channel_id=firing.channel_id,
                channel_name="same channel",
                channel_kind="webhook",
                event="resolved",
                payload=None,
                next_attempt_ms=wall_ms(),
            )
            session.add(resolved)
            await session.commit()
        sender = Dispatcher(outbox.db, Backoff(initial_s=0.2), private_destinations=True)
        sender.wake()
        await asyncio.sleep(0.1)
        assert await sender.idle(10)
        await sender.close()
    events = [r.headers["x-floorwatch-event"] for r in receiver.requests]
    assert events == ["firing", "firing", "firing", "resolved"]
