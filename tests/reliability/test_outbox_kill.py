"""SIGKILL between firing and sending: a real `floorwatch serve` (memory engine, PostgreSQL)
commits an alert's transition and its delivery, and is killed before it sends; restarted, it
sends the notification, and the real receiver gets it exactly once.

To land the kill in that window every time, the test installs a trigger in the server's
database that holds the update taking a delivery from `queued` to `delivering` (the sender's
claim) for HOLD_S seconds: when that update is seen waiting there, the delivery row is
committed (it is visible to the test) and nothing has been sent (the claim comes before the
send). The trigger is dropped before the restart; the killed process's claim never committed,
so the row is due again as it was.

Before the outbox (deliveries queued in process memory, marked `delivering` before the send)
this test failed: the restarted server never sent the notification."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

from app.alerts.models import Alert, AlertDelivery, AlertDeliveryAttempt, AlertEvent
from app.core.db import Database
from tests.alerts.receivers import http_receiver
from tests.alerts.support import add_calls_waiting_rule
from tests.helpers import cli_env, ev, eventually, make_tenant_key, now_ms
from tests.reliability.harness import report
from tests.reliability.servers import FloorwatchProcess, PostgresCluster

HOLD_S = 5
QUIET_AFTER_S = 4.0
"""How long the receiver is watched after the notification arrived, for a second copy: more
than the sender's poll interval (1 s) several times over."""

HOLD_CLAIMS = [
    f"""
    CREATE FUNCTION fault_hold_claim() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        IF NEW.status = 'delivering' AND OLD.status = 'queued' THEN
            PERFORM pg_sleep({HOLD_S});
        END IF;
        RETURN NEW;
    END
    $fn$
    """,
    """
    CREATE TRIGGER fault_hold_claim BEFORE UPDATE ON alert_deliveries
    FOR EACH ROW EXECUTE FUNCTION fault_hold_claim()
    """,
]


async def claim_held(db: Database) -> bool:
    async with db.session() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event = 'PgSleep'"
            )
        )
    return bool(waiting)


async def delivery_rows(db: Database) -> list[AlertDelivery]:
    async with db.session() as session:
        return list((await session.scalars(select(AlertDelivery))).all())


async def test_sigkill_between_commit_and_send_notifies_exactly_once(
    pg_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = pg_cluster.url
    tenant_id, key = await make_tenant_key(url)
    db = Database(url)
    env = cli_env(
        environment="test",
        engine="memory",
        database_url=url,
        clock="event",
        create_default_tenant="false",
        alert_private_destinations="true",
        update_interval_ms="100",
        log_level="WARNING",
    )
    server = FloorwatchProcess("serve", env, tmp_path / "serve.log")
    try:
        async with http_receiver() as receiver:
            # firing for an hour of event time after the queue empties: the one `firing` only
            await add_calls_waiting_rule(
                db, tenant_id, receiver.url, "tenant", keep_firing_for_s=3600
            )
            async with db.session() as session:
                for statement in HOLD_CLAIMS:
                    await session.execute(text(statement))
                await session.commit()
            await server.start()
            await server.wait_ready()

            async with httpx.AsyncClient(
                base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}
            ) as client:
                answer = await client.post(
                    "/v1/events", json=[ev("call.queued", now_ms(), call_id="c1", queue="Sales")]
                )
                assert answer.status_code == 200, answer.text

            async def committed_and_held() -> bool:
                return bool(await delivery_rows(db)) and await claim_held(db)

            await eventually(committed_and_held, timeout=30)
            assert receiver.requests == []
            await server.kill()
            killed_at = time.monotonic()

            async with db.session() as session:  # waits for the dead claim to roll back
                await session.execute(text("DROP TRIGGER fault_hold_claim ON alert_deliveries"))
                await session.commit()
            [row] = await delivery_rows(db)
            assert (row.status, row.attempts) == ("queued", 0)
            assert receiver.requests == []

            restarted_at = time.monotonic()
            await server.start()
            await server.wait_ready()

            async def received() -> bool:
                return bool(receiver.requests)

            await eventually(received, timeout=30)
            sent_after_s = receiver.requests[0].at - restarted_at
            await asyncio.sleep(QUIET_AFTER_S)
            assert len(receiver.requests) == 1, [r.json() for r in receiver.requests]
    finally:
        await server.stop()
        await db.close()
    [request] = receiver.requests
    assert request.json()["status"] == "firing"
    assert request.headers["x-floorwatch-delivery"] == str(row.id)
    row, attempts, alerts, fired = await outcome(url)
    assert (row.status, row.attempts) == ("delivered", 1)
    assert [(a.number, a.outcome, a.status_code) for a in attempts] == [(1, "ok", 200)]
    assert (alerts, fired) == (1, 1)
    report(
        "outbox: serve SIGKILLed between the delivery's commit and its send",
        notifications_received=1,
        attempts_recorded=len(attempts),
        restart_to_sent_s=round(sent_after_s, 2),
        kill_to_sent_s=round(request.at - killed_at, 2),
    )


async def outcome(url: str) -> tuple[AlertDelivery, list[AlertDeliveryAttempt], int, int]:
    """The one delivery, its attempts, the alert episodes and the firing transitions."""
    db = Database(url)
    try:
        [row] = await delivery_rows(db)
        async with db.session() as session:
            attempts = (
                await session.scalars(
                    select(AlertDeliveryAttempt).where(AlertDeliveryAttempt.delivery_id == row.id)
                )
            ).all()
            alerts = await session.scalar(select(func.count()).select_from(Alert))
            fired = await session.scalar(
                select(func.count()).select_from(AlertEvent).where(AlertEvent.to_state == "firing")
            )
        return row, list(attempts), int(alerts or 0), int(fired or 0)
    finally:
        await db.close()
