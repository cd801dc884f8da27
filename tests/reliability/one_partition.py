"""In-process workers on a one-partition redis engine (event clock, SQLite), for the tests that
reproduce an ownership fault step by step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from redis.asyncio import Redis

from app.core.config import ClockKind, EngineKind, Settings
from app.core.db import Database
from app.events.schemas import AgentLogin, CallQueued, Event
from app.facts.writer import write_facts
from app.streams.fact_writer import FactSink
from app.streams.tenant_config import TenantConfigs
from app.streams.worker import PartitionWorker
from app.tenant_config import tenant_configs
from app.wiring import FACT_DERIVED
from tests.conftest import make_settings


@dataclass(frozen=True)
class OnePartition:
    settings: Settings
    redis: Redis
    configs: TenantConfigs
    write_facts: FactSink

    def worker(self) -> PartitionWorker:
        return PartitionWorker(self.settings, self.redis, self.configs, self.write_facts)


@asynccontextmanager
async def one_partition(
    sqlite_url: str, redis_url: str, redis_prefix: str
) -> AsyncIterator[OnePartition]:
    settings = make_settings(
        engine=EngineKind.redis,
        database_url=sqlite_url,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        clock=ClockKind.event,
        partitions=1,
    )
    redis = Redis.from_url(redis_url)
    db = Database(sqlite_url)
    try:
        yield OnePartition(
            settings,
            redis,
            tenant_configs(db, settings.max_call_age_s),
            partial(write_facts, db, derived=FACT_DERIVED),
        )
    finally:
        await redis.aclose()
        await db.close()


def batch(n: int, base: int) -> list[Event]:
    """Two events of agent `a{n}` stamped from `base`: a login and a queued call."""
    return [
        AgentLogin(id=f"b{n}-login", ts=base + n * 10, agent=f"a{n}"),
        CallQueued(id=f"b{n}-call", ts=base + n * 10 + 1, call_id=f"c{n}", queue="Sales"),
    ]
