"""Redis engine, two real worker processes: each alert fires once, not once per process; after
one worker is SIGKILLed the survivor takes its partitions over, continues the open alerts
without firing them again, and resolves each once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from app.alerts.models import Alert, AlertEvent
from app.core.config import EngineKind
from app.core.db import Database
from app.events.schemas import AgentLogin, CallAnswered, CallQueued, Event
from app.streams.keys import Keys, partition_of
from app.streams.redis_log import RedisLog
from tests.alerts.receivers import HttpReceiver, http_receiver
from tests.alerts.support import add_calls_waiting_rule
from tests.conftest import make_settings
from tests.helpers import eventually, make_tenant_key, now_ms
from tests.streams.test_worker_failover import PARTITIONS, start_worker, worker_env

pytestmark = pytest.mark.slow


def by_tenant(receiver: HttpReceiver, status: str) -> Counter[int]:
    return Counter(
        int(r.path.rsplit("/", 1)[1]) for r in receiver.requests if r.json()["status"] == status
    )


async def test_one_alert_fires_once_across_two_workers_and_a_takeover(
    pg_migrated: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    tenants = [(await make_tenant_key(pg_migrated))[0] for _ in range(6)]
    assert len({partition_of(t, PARTITIONS) for t in tenants}) >= 2
    db = Database(pg_migrated)
    redis = Redis.from_url(redis_url)
    keys = Keys(redis_prefix)
    settings = make_settings(engine=EngineKind.redis, redis_prefix=redis_prefix)
    log = RedisLog(redis, keys, PARTITIONS, settings.dedup_retention_s * 1000)
    env = {
        **worker_env(pg_migrated, redis_url, redis_prefix),
        "FLOORWATCH_ALERT_PRIVATE_DESTINATIONS": "true",
    }
    workers: list[subprocess.Popen[bytes]] = []
    try:
        async with http_receiver() as receiver:
            for tenant in tenants:
                await add_calls_waiting_rule(db, tenant, f"{receiver.url}/{tenant}", "queue:Sales")
            workers = [start_worker(env, tmp_path / f"worker{i}.log") for i in range(2)]

            async def owners() -> set[bytes | str | None]:
                return {await redis.get(keys.lease(p)) for p in range(PARTITIONS)}

            async def both_own_partitions() -> bool:
                found = await owners()
                return None not in found and len(found) == 2

            await eventually(both_own_partitions, timeout=20)

            t0 = now_ms() - 600_000
            for tenant in tenants:
                batch: list[Event] = [
                    AgentLogin(id="l1", ts=t0, agent="a1"),
                    CallQueued(id="q1", ts=t0 + 1000, call_id="c1", queue="Sales"),
                ]
                assert len((await log.append(tenant, batch)).accepted) == 2

            async def all_fired() -> bool:
                return set(by_tenant(receiver, "firing")) == set(tenants)

            await eventually(all_fired, timeout=30)
            once = Counter(tenants)
            for second in range(3):  # time passes and events keep coming: still firing
                for tenant in tenants:
                    event = AgentLogin(id=f"l{second + 2}", ts=t0 + (second + 2) * 1000, agent="a2")
                    await log.append(tenant, [event])
                await asyncio.sleep(0.7)
            assert by_tenant(receiver, "firing") == once

            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(5)

            async def survivor_owns_all() -> bool:
                found = await owners()
                return len(found) == 1 and None not in found

            await eventually(survivor_owns_all, timeout=20)
            for tenant in tenants:
                await log.append(tenant, [AgentLogin(id="l9", ts=t0 + 9000, agent="a3")])
            await asyncio.sleep(2)
            assert by_tenant(receiver, "firing") == once

            for tenant in tenants:
                answered = CallAnswered(id="a1", ts=t0 + 10_000, call_id="c1", agent="a1")
                await log.append(tenant, [answered])

            async def all_resolved() -> bool:
                return set(by_tenant(receiver, "resolved")) == set(tenants)

            await eventually(all_resolved, timeout=30)
            await asyncio.sleep(1)
            assert by_tenant(receiver, "resolved") == once
            assert by_tenant(receiver, "firing") == once

        async with db.session() as session:
            alerts = (
                await session.execute(
                    select(Alert.tenant_id, Alert.state).where(Alert.tenant_id.in_(tenants))
                )
            ).all()
            assert sorted(alerts) == sorted((t, "resolved") for t in tenants)
            fired = await session.scalar(
                select(func.count())
                .select_from(AlertEvent)
                .where(AlertEvent.tenant_id.in_(tenants), AlertEvent.to_state == "firing")
            )
            assert fired == len(tenants)
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        await redis.aclose()
        await db.close()
    assert workers[1].returncode == 0, (tmp_path / "worker1.log").read_text()[-3000:]
