"""Scenarios the suite runs in the background (see conftest.py `early_scenarios`): they take a
fixed time of mostly waiting, so they overlap the busy fault tests. The test that awaits a
scenario is `test_NAME.py` for the name it is registered under in EARLY."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine
from pathlib import Path

from bench.soak import SoakConfig, run_soak, summary
from tests.reliability.harness import report
from tests.reliability.postgres_outage import postgres_outage
from tests.reliability.servers import own_postgres, own_redis

Scenario = Callable[[Path], Coroutine[None, None, None]]

SOAK = SoakConfig(minutes=2, tenants=6, agents_per_team=15, speed=120, clients=30)
"""The soak of `make test`: two minutes of six tenants of 60 agents at 120× real time (four
simulated hours each), with 30 WebSocket client slots connecting and disconnecting, on a
PostgreSQL and a Redis of its own."""


async def postgres_outage_scenario(workdir: Path) -> None:
    async with own_postgres() as pg, own_redis(workdir / "redis") as redis:
        await postgres_outage(pg, redis, workdir)


async def soak_scenario(workdir: Path) -> None:
    async with own_postgres() as pg, own_redis(workdir / "redis") as redis:
        config = dataclasses.replace(SOAK, redis_url=redis.url, database_url=pg.url)
        result = await run_soak(config)
    report(
        "soak",
        minutes=config.minutes,
        events=result.events,
        events_per_s=result.events_per_s,
        peak_events_per_s=result.peak_events_per_s,
        ws_connects=result.ws_connects,
        ws_snapshots=result.ws_snapshots,
        rss_start_mb=result.rss_start_mb,
        rss_max_mb=result.rss_max_mb,
        rss_end_mb=result.rss_end_mb,
        rss_slope_mb_per_min=result.rss_slope_mb_per_min,
        fds=[result.fds_start, result.fds_end],
        retried=dict(result.retried),
        problems=result.problems[:10],
    )
    assert result.ok, summary(result)


EARLY: dict[str, Scenario] = {
    "postgres_outage": postgres_outage_scenario,
    "soak": soak_scenario,
}


class EarlyScenarios:
    def __init__(self) -> None:
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def result(self, name: str) -> None:
        """The scenario's verdict: returns if it passed, raises what it raised."""
        await self.tasks[name]
