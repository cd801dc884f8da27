"""Alert history retention: ended episodes past the retention go with everything recorded about
them, open and recent ones stay, expired silences go; on both databases, and from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.alerts.models import Alert, AlertDelivery, AlertDeliveryAttempt, AlertEvent, AlertSilence
from app.alerts.retention import DAY_MS, prune_alert_history
from app.core.db import Database
from tests.alerts.deliveries import sales_sl_alert
from tests.helpers import cli_env, floorwatch, make_tenant_key

NOW_MS = 1_790_000_000_000


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Pruning works on the whole database: PostgreSQL is one of this test's own (the `db`
    fixture of tests/conftest.py opens it)."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_own_migrated"
    url: str = request.getfixturevalue(fixture)
    return url


async def episode(db: Database, tenant_id: int, name: str, state: str, ended_ms: int | None) -> int:
    """An alert with one history event and one delivery of one attempt."""
    async with db.session() as session:
        alert = sales_sl_alert(
            tenant_id,
            fingerprint=name.ljust(32, "0"),
            rule_name=name,
            state=state,
            started_ms=(ended_ms or NOW_MS) - 60_000,
            ended_ms=ended_ms,
        )
        session.add(alert)
        await session.flush()
        session.add(
            AlertEvent(
                tenant_id=tenant_id,
                alert_id=alert.id,
                kind="transition",
                from_state="pending",
                to_state=state,
                value=0.5,
                at_ms=alert.started_ms,
            )
        )
        delivery = AlertDelivery(
            tenant_id=tenant_id,
            alert_id=alert.id,
            channel_id=None,
            channel_name="hook",
            channel_kind="webhook",
            event="firing",
        )
        session.add(delivery)
        await session.flush()
        session.add(
            AlertDeliveryAttempt(delivery_id=delivery.id, number=1, duration_ms=3, outcome="ok")
        )
        await session.commit()
        return alert.id


async def counts(db: Database) -> dict[str, int]:
    async with db.session() as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Alert, AlertEvent, AlertDelivery, AlertDeliveryAttempt, AlertSilence)
        }


async def test_ended_episodes_past_the_retention_go_with_their_records(db: Database) -> None:
    tenant_id, _ = await make_tenant_key(db.url)
    old = NOW_MS - 31 * DAY_MS
    gone = [
        await episode(db, tenant_id, "old-resolved", "resolved", old),
        await episode(db, tenant_id, "old-normal", "normal", old - DAY_MS),
    ]
    kept = [
        await episode(db, tenant_id, "recent", "resolved", NOW_MS - 29 * DAY_MS),
        await episode(db, tenant_id, "open-for-long", "firing", None),
    ]
    async with db.session() as session:
        session.add(
            AlertSilence(
                tenant_id=tenant_id, fingerprint="a" * 32, until_ms=NOW_MS - 1, created_by="lead"
            )
        )
        session.add(
            AlertSilence(
                tenant_id=tenant_id, fingerprint="b" * 32, until_ms=NOW_MS + 1, created_by="lead"
            )
        )
        await session.commit()

    pruned = await prune_alert_history(db, 30, NOW_MS)

    assert (pruned.alerts, pruned.silences) == (2, 1)
    assert await counts(db) == {
        "alerts": 2,
        "alert_events": 2,
        "alert_deliveries": 2,
        "alert_delivery_attempts": 2,
        "alert_silences": 1,
    }
    async with db.session() as session:
        left = set(await session.scalars(select(Alert.id)))
    assert left == set(kept)
    assert not left & set(gone)
    again = await prune_alert_history(db, 30, NOW_MS)
    assert (again.alerts, again.silences) == (0, 0)


async def test_the_cli_prunes_with_the_given_retention(sqlite_url: str, tmp_path: Path) -> None:
    db = Database(sqlite_url)
    try:
        tenant_id, _ = await make_tenant_key(sqlite_url)
        from app.streams.clock import wall_ms

        await episode(db, tenant_id, "ten-days-ago", "resolved", wall_ms() - 10 * DAY_MS)
        await episode(db, tenant_id, "yesterday", "resolved", wall_ms() - DAY_MS)
    finally:
        await db.close()
    env = cli_env(database_url=sqlite_url)
    done = floorwatch("alerts", "prune", "--days", "7", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "deleted 1 ended alert episodes and 0 expired silences"
