"""The 1-minute soak of `make test` (bench/soak.py; the one-hour soak is run by hand): memory
flat, no error, totals exact. It measures, so it runs alone (not in the background of the
fault tests), on a PostgreSQL and a Redis of its own."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bench.soak import SoakConfig, run_soak, summary
from tests.reliability.harness import report
from tests.reliability.servers import RedisServer, own_postgres

pytestmark = pytest.mark.slow

SOAK = SoakConfig(minutes=1, tenants=6, agents_per_team=15, speed=120, clients=30)
"""Six tenants of 60 agents at 120× real time (two simulated hours each), with 30 WebSocket
client slots connecting and disconnecting."""


async def test_soak_one_minute(pg_template: Path, redis_server: RedisServer) -> None:
    async with own_postgres(pg_template) as pg:
        config = dataclasses.replace(SOAK, redis_url=redis_server.url, database_url=pg.url)
        result = await run_soak(config)
    report(
        "soak",
        minutes=config.minutes,
        events=result.events,
        events_per_s=result.events_per_s,
        peak_events_per_s=result.peak_events_per_s,
        requests=result.requests,
        retried=dict(result.retried),
        ws_connects=result.ws_connects,
        ws_snapshots=result.ws_snapshots,
        rss_start_mb=result.rss_start_mb,
        rss_max_mb=result.rss_max_mb,
        rss_end_mb=result.rss_end_mb,
        steady_from_s=result.steady_from_s,
        rss_slope_mb_per_min=result.rss_slope_mb_per_min,
        rss_growth_steady_mb=result.rss_growth_steady_mb,
        fds=[result.fds_start, result.fds_end],
        redis_used_mb_end=result.redis_used_mb_end,
        exact_after_s=result.exact_after_s,
        problems=result.problems[:10],
    )
    assert result.ok, summary(result)
