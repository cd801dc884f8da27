"""Memory of a worker holding a big tenant: RSS of a real `floorwatch worker` process (redis
engine, wall clock) after a full hour of simulated traffic for 1,000 and 10,000 agents, with
the agent board and every team's scope wanted by a display.

The simulator (teams of 25 agents, the afternoon peak of its day curve) runs here, in the
bench process, and appends its events straight to the Redis stream (the HTTP path has its own
benchmark); the worker aggregates them and writes the views and facts as in production.

    python -m bench.memory [--agents 1000 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from app.core.db import Database
from app.integrations.provision import provision_roster
from app.integrations.simulation import Roster, SimConfig, Simulator
from app.org.service import create_tenant
from app.streams.keys import Keys
from app.streams.redis_log import RedisLog
from app.streams.views import BOARD, META, WANT_TTL_MS, meta_decoder, scope_field
from bench.cluster import postgres_database, run_cluster
from bench.results import Row, at_most

AGENTS_PER_TEAM = 25
APPEND_BATCH = 1000
PARTITIONS = 4


def midday_zone(now: datetime) -> str:
    """A fixed-offset zone in which `now` is about 15:00 (the simulated centre is busy)."""
    offset = (15 - now.hour + 12) % 24 - 12
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def rss_mib(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) in MiB, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def simulator(agents: int, now: datetime) -> Simulator:
    return Simulator(
        SimConfig(
            start=now - timedelta(hours=1),
            seed=5,
            teams=agents // AGENTS_PER_TEAM,
            agents_per_team=AGENTS_PER_TEAM,
            time_zone=midday_zone(now),
            id_prefix=f"mem-{agents}-{now.timestamp():.0f}",
        )
    )


async def new_tenant(database_url: str, name: str, roster: Roster) -> int:
    """A tenant with the simulated roster (teams, agents, queues) in the database."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            tenant = await create_tenant(session, name, roster.time_zone)
            await provision_roster(session, tenant.id, roster)
            await session.commit()
            return tenant.id
    finally:
        await db.close()


async def feed(env: dict[str, str], tenant: int, sim: Simulator, until_ms: int) -> int:
    """Append the simulated traffic up to `until_ms`; wait until the worker's view counts all
    of it, with the board and every team wanted. Returns the number of events."""
    redis = Redis.from_url(env["FLOORWATCH_REDIS_URL"])
    keys = Keys(env["FLOORWATCH_REDIS_PREFIX"])
    log = RedisLog(redis, keys, PARTITIONS, 86_400_000)
    try:
        teams = {f"team:{t.name}" for t in sim.roster().teams}
        until = int(time.time() * 1000) + WANT_TTL_MS
        wanted = {BOARD: until, **{scope_field(t): until for t in teams}}
        await redis.zadd(keys.wanted(tenant), wanted)
        events = 0
        batch: list[Any] = []
        for event in sim.iter_events(until_ms):
            batch.append(event)
            if len(batch) == APPEND_BATCH:
                await log.append(tenant, batch)
                events += len(batch)
                batch = []
        if batch:
            await log.append(tenant, batch)
            events += len(batch)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            blob: Any = await redis.hget(keys.view(tenant), META)
            if blob is not None and sum(meta_decoder.decode(blob).counts.values()) >= events:
                break
            await asyncio.sleep(0.2)
        else:
            raise RuntimeError("the worker did not catch up within 120 s")
        await asyncio.sleep(3)  # a few rounds of views and a checkpoint with everything held
        return events
    finally:
        await redis.aclose()


def measure(agents: int, database_url: str) -> tuple[float, float, int]:
    """(RSS MiB, peak RSS MiB, events) of a worker holding `agents` agents' hour."""
    now = datetime.now(UTC)
    sim = simulator(agents, now)
    tenant = asyncio.run(new_tenant(database_url, f"mem-{agents}-{time.time_ns()}", sim.roster()))
    env = {"FLOORWATCH_PARTITIONS": str(PARTITIONS)}
    with (
        tempfile.TemporaryDirectory() as logs,
        run_cluster(database_url, Path(logs), apis=0, workers=1, env=env) as cluster,
    ):
        events = asyncio.run(feed(cluster.env, tenant, sim, int(now.timestamp() * 1000) - 1000))
        rss, peak = rss_mib(cluster.workers[0].pid)
    return rss, peak, events


def rows(quick: bool) -> list[Row]:
    out = []
    with postgres_database() as database_url:
        for agents in (1000,) if quick else (1000, 10_000):
            rss, peak, events = measure(agents, database_url)
            out.append(
                Row(
                    "memory",
                    f"worker RSS, {agents:,} agents, an hour of traffic ({events:,} events) "
                    "in the windows",
                    rss,
                    f"{rss:,.0f} MB",
                    at_most(500, "< 500 MB") if agents == 10_000 else None,
                    f"peak {peak:,.0f} MB",
                )
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, nargs="+", default=[1000, 10_000])
    args = parser.parse_args()
    with postgres_database() as database_url:
        for agents in args.agents:
            rss, peak, events = measure(agents, database_url)
            print(f"{agents:,} agents, {events:,} events: RSS {rss:.0f} MiB (peak {peak:.0f})")


if __name__ == "__main__":
    main()
