"""PostgreSQL stopped for 30 s under load (tests/reliability/postgres_outage.py).

It runs in the foreground. It used to run in the background from the suite's first test, but
the tests share one event loop that turns only while an async test runs: behind a row of
synchronous tests its waits ran out without a look, and every xdist worker started a copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.postgres_outage import postgres_outage
from tests.reliability.servers import PostgresCluster, RedisServer

pytestmark = pytest.mark.slow


async def test_postgres_stopped_for_30_s_under_load(
    pg_cluster: PostgresCluster, redis_server: RedisServer, tmp_path: Path
) -> None:
    await postgres_outage(pg_cluster, redis_server, tmp_path)
