"""The scale-out shape of docs/deploy.md on one machine: 2 API processes (`serve --no-worker`)
and 2 workers on one Redis and one PostgreSQL. Simulated traffic for several tenants is posted
through both API processes (some batches twice, through the other process); afterwards every
API process serves exact totals, equal to one offline aggregator over the same events, and the
database holds each call fact exactly once."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import msgspec
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from app.core.db import Database
from app.events.schemas import AnyEvent
from app.facts.models import CallFactRow
from app.integrations.simulation import SimConfig, Simulator
from app.streams.aggregator import CallFact, TenantAggregator, TenantConfig
from app.streams.keys import Keys, partition_of
from bench.cluster import run_cluster
from tests.helpers import eventually, make_tenant_key

pytestmark = pytest.mark.slow

PARTITIONS = 4
TENANTS = 4
BATCH = 250


def midday_zone(now: datetime) -> str:
    """A fixed-offset zone in which `now` is about 15:00, so the simulated centre is open."""
    offset = (15 - now.hour + 12) % 24 - 12
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def simulate(seed: int, now: datetime) -> list[AnyEvent]:
    sim = Simulator(
        SimConfig(
            start=now - timedelta(hours=2),
            seed=seed,
            teams=2,
            agents_per_team=6,
            time_zone=midday_zone(now),
            id_prefix=f"scale-{seed}",
        )
    )
    return sim.run_until(int(now.timestamp() * 1000) - 1000)


def offline(
    tenant_id: int, events: list[AnyEvent]
) -> tuple[dict[str, int], dict[str, object], int]:
    """(counts by type, tenant metrics of today, call facts) from one in-process aggregator."""
    agg = TenantAggregator(TenantConfig(tenant_id=tenant_id))
    agg.apply_batch(events)
    now = max(e.ms for e in events)
    agg.advance(now)
    calls = sum(isinstance(f, CallFact) for f in agg.drain_facts())
    return agg.counts_by_type(), dict(agg.metrics("tenant", "today", now)), calls


async def call_facts(database_url: str, tenant_id: int) -> int:
    db = Database(database_url)
    try:
        async with db.session() as session:
            n = await session.scalar(
                select(func.count())
                .select_from(CallFactRow)
                .where(CallFactRow.tenant_id == tenant_id)
            )
            return int(n or 0)
    finally:
        await db.close()


async def lease_owners(redis: Redis, keys: Keys, workers: int) -> bool:
    """Every partition is owned, by `workers` different workers."""
    owners = {await redis.get(keys.lease(p)) for p in range(PARTITIONS)}
    return None not in owners and len(owners) == workers


async def every_api_serves(
    apis: list[httpx.AsyncClient], auth: dict[str, str], counts: dict[str, int]
) -> bool:
    for api in apis:
        if (await api.get("/v1/metrics/events", headers=auth)).json() != counts:
            return False
    return True


async def stored(database_url: str, tenant_id: int, calls: int) -> bool:
    return await call_facts(database_url, tenant_id) == calls


async def test_two_apis_two_workers_exact_totals(pg_migrated: str, tmp_path: Path) -> None:
    tenants = [await make_tenant_key(pg_migrated) for _ in range(TENANTS)]
    assert len({partition_of(t, PARTITIONS) for t, _ in tenants}) >= 2
    now = datetime.now(UTC)
    traffic = {tenant: simulate(seed, now) for seed, (tenant, _) in enumerate(tenants, 1)}
    env = {
        "FLOORWATCH_PARTITIONS": str(PARTITIONS),
        "FLOORWATCH_LEASE_TTL_MS": "1500",
        "FLOORWATCH_CHECKPOINT_INTERVAL_MS": "200",
        "FLOORWATCH_UPDATE_INTERVAL_MS": "100",
        "FLOORWATCH_CLOCK": "event",
    }
    cluster_cm = run_cluster(pg_migrated, tmp_path, apis=2, workers=2, env=env)
    with cluster_cm as cluster:
        keys = Keys(cluster.env["FLOORWATCH_REDIS_PREFIX"])
        redis = Redis.from_url(cluster.env["FLOORWATCH_REDIS_URL"])
        await eventually(partial(lease_owners, redis, keys, 2), timeout=30)
        apis = [httpx.AsyncClient(base_url=url, timeout=30) for url in cluster.api_urls]
        try:
            turn = itertools.cycle(apis)
            sent: Counter[int] = Counter()
            for tenant, key in tenants:
                auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
                events = traffic[tenant]
                for n, at in enumerate(range(0, len(events), BATCH)):
                    body = msgspec.json.encode(events[at : at + BATCH])
                    reply = await next(turn).post("/v1/events", content=body, headers=auth)
                    assert reply.status_code == 200, reply.text
                    sent[tenant] += reply.json()["accepted"]
                    if n % 5 == 0:  # again, through the other process: all duplicates
                        again = await next(turn).post("/v1/events", content=body, headers=auth)
                        assert again.json()["accepted"] == 0
                        next(turn)
            for tenant, _ in tenants:
                assert sent[tenant] == len(traffic[tenant])

            for tenant, key in tenants:
                counts, today, calls = offline(tenant, traffic[tenant])
                auth = {"Authorization": f"Bearer {key}"}
                await eventually(partial(every_api_serves, apis, auth, counts), timeout=60)
                for api in apis:
                    reply = await api.get(
                        "/v1/metrics", params={"scope": "tenant", "window": "today"}, headers=auth
                    )
                    metrics = reply.json()[0]["metrics"]
                    for name in ("offered", "answered", "abandoned", "handled", "deals"):
                        assert metrics[name] == today[name], name
                await eventually(partial(stored, pg_migrated, tenant, calls), timeout=30)
                assert calls > 50

            assert await lease_owners(redis, keys, 2)
        finally:
            await asyncio.gather(*(api.aclose() for api in apis))
            await redis.aclose()
    assert all(p.returncode == 0 for p in cluster.workers), cluster.log_tail()
