"""Fixtures of the fault tests: a PostgreSQL cluster and a Redis server of each test's own, on
free loopback ports, that the test may stop, kill and restart. The machine's shared services
(127.0.0.1:5432 and :6379) are never touched: other test runs rely on them.

Outside CI a missing server binary skips these tests; under `CI=true` it fails them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.core.migrate import upgrade_async
from tests.helpers import free_port
from tests.reliability.servers import (
    MIGRATIONS,
    PostgresCluster,
    RedisServer,
    own_postgres,
    own_redis,
    postgres_bin_dir,
    require,
)


@pytest.fixture(scope="session")
async def pg_template() -> AsyncIterator[Path]:
    """A data directory initialised and migrated once; each test's cluster starts from a copy."""
    cluster = PostgresCluster(require(postgres_bin_dir), PostgresCluster.make_base(), free_port())
    try:
        await cluster.initdb()
        await cluster.start()
        async with MIGRATIONS:
            await upgrade_async(cluster.url)
        await cluster.stop()
        yield cluster.data
    finally:
        await cluster.destroy()


@pytest.fixture
async def pg_cluster(pg_template: Path) -> AsyncIterator[PostgresCluster]:
    """A migrated PostgreSQL of this test's own, running; the test may stop and start it."""
    async with own_postgres(pg_template) as cluster:
        yield cluster


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[RedisServer]:
    """A Redis of this test's own (append-only file, fsync every second), running; the test
    may kill and restart it."""
    async with own_redis(tmp_path / "redis") as server:
        yield server
