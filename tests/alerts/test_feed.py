"""The wall feed: firing alerts per tenant and a signal when they change, in this process and
(redis engine) in any other process that listens on the alerts channel."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.alerts.feed import AlertFeed, in_scope, visible_to
from app.alerts.runtime import AlertRuntime
from app.alerts.schemas import AlertOut
from app.auth.policy import Access
from app.core.config import EngineKind, Settings
from app.core.db import Database
from app.core.redis_client import connect_redis
from app.streams.keys import Keys
from tests.alerts.receivers import http_receiver
from tests.alerts.support import Floor, base_ms, make_floor
from tests.conftest import ENGINES_AND_CLUSTER, RunningApp, engine_settings_of
from tests.helpers import ev, eventually


@pytest.fixture(params=ENGINES_AND_CLUSTER)
def engine_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Both engines, and the redis engine on a Redis Cluster too."""
    return engine_settings_of(request, tmp_path)


S = 1000


@pytest.fixture
async def floor(app_server: RunningApp) -> AsyncIterator[Floor]:
    async with http_receiver() as receiver, make_floor(app_server, receiver) as floor:
        yield floor


@contextlib.asynccontextmanager
async def other_process_feed(app: RunningApp) -> AsyncIterator[AlertFeed | None]:
    """What another API process would run: its own feed on its own clients."""
    settings = app.settings
    if settings.engine is not EngineKind.redis:
        yield None
        return
    db = Database(settings.database_url)
    feed = AlertFeed(
        db, connect_redis(settings.redis_url), Keys(settings.redis_prefix).alerts_channel()
    )
    await feed.start()
    try:
        yield feed
    finally:
        await feed.close()
        await db.close()


async def test_the_feed_offers_firing_alerts_and_signals_changes(floor: Floor) -> None:
    feed = floor.app.services.part(AlertRuntime).feed
    signalled: list[int] = []
    feed.add_listener(signalled.append)
    async with other_process_feed(floor.app) as remote:
        remote_signalled: list[int] = []
        if remote is not None:
            remote.add_listener(remote_signalled.append)
            assert await remote.current(floor.tenant_id) == []
        await floor.rule(
            name="Queue", metric="calls_waiting", scope="queue:Sales", op=">=", threshold=1
        )
        t0 = base_ms()
        await floor.post(ev("call.queued", t0, call_id="c1", queue="Sales"))

        async def signalled_here() -> bool:
            return floor.tenant_id in signalled

        await eventually(signalled_here)
        [alert] = await feed.current(floor.tenant_id)
        assert (alert.state, alert.scope, alert.rule_name) == ("firing", "queue:Sales", "Queue")
        if remote is not None:

            async def signalled_there() -> bool:
                return floor.tenant_id in remote_signalled

            await eventually(signalled_there)
            assert [a.id for a in await remote.current(floor.tenant_id)] == [alert.id]

        signalled.clear()
        await floor.client.post(f"/v1/alerts/{alert.id}/acknowledge")
        await eventually(signalled_here)
        [acked] = await feed.current(floor.tenant_id)
        assert acked.acknowledged_by is not None

        signalled.clear()
        await floor.post(ev("call.abandoned", t0 + 10 * S, call_id="c1"))
        await eventually(signalled_here)
        assert await feed.current(floor.tenant_id) == []
        if remote is not None:
            remote_signalled.clear()

            async def cleared_there() -> bool:
                return await remote.current(floor.tenant_id) == []

            await eventually(cleared_there)
    feed.remove_listener(signalled.append)


def alert(scope: str, team: str | None) -> AlertOut:
    now = datetime.now(UTC)
    return AlertOut(
        id=1,
        rule_id=1,
        rule_name="r",
        fingerprint="f",
        state="firing",
        severity="warning",
        metric="m",
        window="live",
        scope=scope,
        team=team,
        op=">",
        threshold=1,
        value=2,
        summary="",
        started_at=now,
        fired_at=now,
        ended_at=None,
        acknowledged_at=None,
        acknowledged_by=None,
        silenced_until=None,
    )


def test_topic_scopes_and_visibility() -> None:
    north_agent, south_team, queue = (
        alert("agent:a1", "North"),
        alert("team:South", "South"),
        alert("queue:Sales", None),
    )
    lead = Access(all_teams=False, teams=frozenset({"North"}))
    assert [visible_to(a, lead) for a in (north_agent, south_team, queue)] == [True, False, True]
    me = Access(all_teams=False, only_agent="a1")
    assert [visible_to(a, me) for a in (north_agent, south_team, queue)] == [True, False, True]
    assert in_scope(north_agent, "team:North")
    assert not in_scope(north_agent, "team:South")
    assert in_scope(south_team, "team:South")
    assert in_scope(queue, "queue:Sales")
    assert not in_scope(queue, "queue:Support")
    assert all(in_scope(a, "tenant") for a in (north_agent, south_team, queue))
