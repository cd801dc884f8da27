"""Take-over: how long a worker needs to take over a partition whose stream holds 1,000,000
events after the last checkpoint, and the replay rate.

The events (bench/aggregate.py's traffic: 1,000 agents, whole calls, breaks, sales, surveys)
are appended to one partition's stream with no worker running, so no checkpoint covers them.
Then a fresh `floorwatch worker` starts; the time is taken from the moment it holds the
partition's lease to the moment its published view counts every event (its live state is
current). Facts produced by the replay are written to PostgreSQL in the background and are not
waited for. Each run deletes the checkpoint and the view first, so every run replays it all.

    python -m bench.recovery [--events 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from app.streams.keys import Keys, partition_of
from app.streams.redis_log import RedisLog
from app.streams.views import META, meta_decoder
from bench.aggregate import generate
from bench.cluster import postgres_database, run_cluster
from bench.memory import new_tenant
from bench.results import Row, at_most, count

PARTITIONS = 4
APPEND_BATCH = 1000
AGENTS = 1000
EVENTS_PER_MINUTE = 1_600
"""About what bench/aggregate.py's traffic makes a minute for 1,000 agents (a little less)."""


async def append_all(redis_url: str, prefix: str, tenant: int, events: list[Any]) -> float:
    """Append the events in batches; returns events/s."""
    redis = Redis.from_url(redis_url)
    log = RedisLog(redis, Keys(prefix), PARTITIONS, 86_400_000)
    started = time.perf_counter()
    try:
        for at in range(0, len(events), APPEND_BATCH):
            await log.append(tenant, events[at : at + APPEND_BATCH])
    finally:
        await redis.aclose()
    return len(events) / (time.perf_counter() - started)


async def take_over(env: dict[str, str], tenant: int, events: int, started: float) -> float:
    """Seconds from the lease being taken to a view counting every event."""
    redis = Redis.from_url(env["FLOORWATCH_REDIS_URL"])
    keys = Keys(env["FLOORWATCH_REDIS_PREFIX"])
    lease = keys.lease(partition_of(tenant, PARTITIONS))
    try:
        leased = None
        deadline = started + 180
        while time.monotonic() < deadline:
            if leased is None and await redis.exists(lease):
                leased = time.monotonic()
            blob: Any = await redis.hget(keys.view(tenant), META)
            if blob is not None and sum(meta_decoder.decode(blob).counts.values()) >= events:
                assert leased is not None
                return time.monotonic() - leased
            await asyncio.sleep(0.02)
        raise RuntimeError("the worker did not catch up within 180 s")
    finally:
        await redis.aclose()


async def forget(env: dict[str, str], tenant: int) -> None:
    """Delete the checkpoint, lease and view, so the next worker replays everything."""
    redis = Redis.from_url(env["FLOORWATCH_REDIS_URL"])
    keys = Keys(env["FLOORWATCH_REDIS_PREFIX"])
    partition = partition_of(tenant, PARTITIONS)
    try:
        await redis.delete(keys.checkpoint(partition), keys.lease(partition), keys.view(tenant))
    finally:
        await redis.aclose()


def measure(n_events: int, runs: int) -> tuple[list[float], float, int]:
    """(take-over seconds per run, append events/s, events)."""
    minutes = n_events // EVENTS_PER_MINUTE + 5
    began = time.monotonic()
    events = generate(AGENTS, minutes).events[:n_events]
    print(f"recovery: {len(events):,} events generated in {time.monotonic() - began:.1f} s")
    times = []
    with postgres_database() as database_url, tempfile.TemporaryDirectory() as logs:
        from app.integrations.simulation.roster import Roster

        tenant = asyncio.run(
            new_tenant(
                database_url,
                f"recovery-{time.time_ns()}",
                Roster(time_zone="UTC", teams=(), queues=()),
            )
        )
        env = {"FLOORWATCH_PARTITIONS": str(PARTITIONS)}
        with run_cluster(database_url, Path(logs), apis=0, workers=0, env=env) as cluster:
            rate = asyncio.run(
                append_all(
                    cluster.env["FLOORWATCH_REDIS_URL"],
                    cluster.env["FLOORWATCH_REDIS_PREFIX"],
                    tenant,
                    events,
                )
            )
            print(f"recovery: appended at {rate:,.0f} events/s")
            for _ in range(runs):
                asyncio.run(forget(cluster.env, tenant))
                started = time.monotonic()
                worker = cluster.start_worker()
                try:
                    times.append(asyncio.run(take_over(cluster.env, tenant, len(events), started)))
                finally:
                    worker.kill()
                    worker.wait(10)
                print(
                    f"recovery: take-over {times[-1]:.1f} s, "
                    f"{time.monotonic() - started:.1f} s from the worker's start"
                )
    return times, rate, len(events)


def rows(quick: bool) -> list[Row]:
    times, append_rate, events = measure(100_000 if quick else 1_000_000, 1 if quick else 3)
    seconds = statistics.median(times)
    return [
        Row(
            "recovery",
            f"take-over of a partition with {events:,} events after its checkpoint "
            "(lease taken → live state current)",
            seconds,
            f"{seconds:.1f} s",
            at_most(10, "< 10 s"),
            f"runs: {', '.join(f'{t:.1f}' for t in times)} s",
        ),
        Row("recovery", "replay rate", events / seconds, count(events / seconds)),
        Row(
            "recovery",
            "append straight to the Redis stream (de-duplication + XADD, batches of 1,000)",
            append_rate,
            count(append_rate),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times, rate, events = measure(args.events, args.runs)
    print(f"{events:,} events appended at {rate:,.0f}/s; take-over: {times} s")


if __name__ == "__main__":
    main()
