"""Two real worker processes on one Redis; one is SIGKILLed mid-stream. The survivor takes its
partitions over from their checkpoints and the final counts are exact."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.core.config import EngineKind
from app.core.redis_client import connect_redis
from app.events.schemas import AgentLogin, CallAnswered, CallQueued, Event
from app.streams.keys import Keys, partition_of
from app.streams.redis_log import RedisLog
from app.streams.views import META, meta_decoder
from tests.conftest import REDIS_KINDS, make_settings, redis_of_kind
from tests.helpers import eventually, make_tenant_key, now_ms


@pytest.fixture(params=REDIS_KINDS)
def redis_url(request: pytest.FixtureRequest) -> str:
    """The single Redis server and a Redis Cluster."""
    return redis_of_kind(request)


pytestmark = pytest.mark.slow

PARTITIONS = 4


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def worker_env(database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "FLOORWATCH_ENGINE": "redis",
        "FLOORWATCH_DATABASE_URL": database_url,
        "FLOORWATCH_REDIS_URL": redis_url,
        "FLOORWATCH_REDIS_PREFIX": prefix,
        "FLOORWATCH_PARTITIONS": str(PARTITIONS),
        "FLOORWATCH_LEASE_TTL_MS": "1000",
        "FLOORWATCH_CHECKPOINT_INTERVAL_MS": "100",
        "FLOORWATCH_UPDATE_INTERVAL_MS": "100",
        "FLOORWATCH_CLOCK": "event",
        "FLOORWATCH_LOG_LEVEL": "INFO",
    }


async def test_sigkill_worker_mid_stream_loses_nothing_and_counts_nothing_twice(
    pg_migrated: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    tenants = [(await make_tenant_key(pg_migrated))[0] for _ in range(8)]
    assert len({partition_of(t, PARTITIONS) for t in tenants}) >= 2
    env = worker_env(pg_migrated, redis_url, redis_prefix)
    workers = [start_worker(env, tmp_path / f"worker{i}.log") for i in range(2)]
    redis = connect_redis(redis_url)
    keys = Keys(redis_prefix)
    settings = make_settings(engine=EngineKind.redis, redis_prefix=redis_prefix)
    log = RedisLog(redis, keys, PARTITIONS, settings.dedup_retention_s * 1000)
    expected: dict[int, Counter[str]] = {t: Counter() for t in tenants}
    try:

        async def both_own_partitions() -> bool:
            owners = {await redis.get(keys.lease(p)) for p in range(PARTITIONS)}
            return None not in owners and len(owners) == 2

        await eventually(both_own_partitions, timeout=20)

        base = now_ms() - 3_600_000
        seq = 0
        for round_ in range(60):
            for tenant in tenants:
                batch: list[Event] = []
                for _ in range(50):
                    seq += 1
                    t = base + seq
                    kind = seq % 3
                    if kind == 0:
                        batch.append(AgentLogin(id=f"e{seq}", ts=t, agent=f"a{seq % 40}"))
                    elif kind == 1:
                        batch.append(CallQueued(id=f"e{seq}", ts=t, call_id=f"c{seq}", queue="Q"))
                    else:
                        batch.append(
                            CallAnswered(id=f"e{seq}", ts=t, call_id=f"c{seq - 1}", agent="a1")
                        )
                result = await log.append(tenant, batch)
                assert len(result.accepted) == len(batch)
                for event in batch:
                    expected[tenant][type(event).__struct_config__.tag] += 1  # type: ignore[index]
            if round_ == 25:
                workers[0].send_signal(signal.SIGKILL)
                workers[0].wait(5)
            await asyncio.sleep(0.02)

        async def exact() -> bool:
            for tenant in tenants:
                blob: Any = await redis.hget(keys.view(tenant), META)
                if blob is None:
                    return False
                if meta_decoder.decode(blob).counts != dict(expected[tenant]):
                    return False
            return True

        await eventually(exact, timeout=40)
        survivor = workers[1].pid
        owners: set[Any] = {await redis.get(keys.lease(p)) for p in range(PARTITIONS)}
        assert len(owners) == 1
        owner = next(iter(owners))
        assert owner is not None
        assert f":{survivor}:" in owner.decode()
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
