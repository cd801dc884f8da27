"""Take-over with the sales pipeline: two real worker processes on one Redis, one SIGKILLed
mid-stream of deal-heavy traffic; the survivor continues from the checkpoints and the tenant's
published figures (every window, pipeline metrics and now-metrics included) equal those of an
aggregator in this process that saw the same events without ever stopping."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path
from typing import Any

import msgspec
import pytest

from app.core.redis_client import connect_redis
from app.events.schemas import Event
from app.streams.aggregator import TenantAggregator, TenantConfig
from app.streams.keys import Keys, partition_of
from app.streams.redis_log import RedisLog
from app.streams.views import VIEW_WINDOWS, scope_decoder, scope_field
from bench.aggregate import generate
from tests.conftest import make_settings
from tests.helpers import eventually, make_tenant_key
from tests.streams.test_worker_failover import PARTITIONS, start_worker, worker_env

pytestmark = pytest.mark.slow


def traffic(tenant: int) -> list[Event]:
    """Half an hour of 12 agents working calls and deals, with ids of this tenant."""
    events = generate(12, 30, seed=tenant, pipeline=True).events
    return [msgspec.structs.replace(e, id=f"t{tenant}-{e.id}") for e in events]


async def test_a_worker_killed_mid_stream_leaves_the_pipeline_exact(
    pg_migrated: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    tenants = [(await make_tenant_key(pg_migrated))[0] for _ in range(6)]
    assert len({partition_of(t, PARTITIONS) for t in tenants}) >= 2
    env = worker_env(pg_migrated, redis_url, redis_prefix)
    workers = [start_worker(env, tmp_path / f"worker{i}.log") for i in range(2)]
    redis = connect_redis(redis_url)
    keys = Keys(redis_prefix)
    settings = make_settings()
    log = RedisLog(redis, keys, PARTITIONS, settings.dedup_retention_s * 1000)
    streams = {t: traffic(t) for t in tenants}
    expected: dict[int, dict[str, Any]] = {}
    for tenant, events in streams.items():
        agg = TenantAggregator(
            TenantConfig(tenant_id=tenant, max_call_age_s=settings.max_call_age_s)
        )
        agg.apply_batch(events)
        now = max(e.ms for e in events)
        expected[tenant] = {w: agg.metrics("tenant", w, now) for w in VIEW_WINDOWS}
        assert expected[tenant]["today"]["deals_won"] > 0
        assert expected[tenant]["live"]["deals_open"] > 0
    try:

        async def both_own_partitions() -> bool:
            owners = {await redis.get(keys.lease(p)) for p in range(PARTITIONS)}
            return None not in owners and len(owners) == 2

        await eventually(both_own_partitions, timeout=20)
        longest = max(len(events) for events in streams.values())
        for n, start in enumerate(range(0, longest, 250)):
            for tenant, events in streams.items():
                batch = events[start : start + 250]
                if batch:
                    await log.append(tenant, batch)
            if n == 3:
                workers[0].send_signal(signal.SIGKILL)
                workers[0].wait(5)
            await asyncio.sleep(0.02)

        async def exact() -> bool:
            for tenant in tenants:
                blob: Any = await redis.hget(keys.view(tenant), scope_field("tenant"))
                if blob is None or scope_decoder.decode(blob) != expected[tenant]:
                    return False
            return True

        await eventually(exact, timeout=60)
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        await redis.aclose()
    assert workers[1].returncode == 0, (tmp_path / "worker1.log").read_text()[-3000:]
