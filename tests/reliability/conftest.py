"""Fixtures of the fault tests: a PostgreSQL cluster and a Redis server of each test's own, on
free loopback ports, that the test may stop, kill and restart. The machine's shared services
(127.0.0.1:5432 and :6379) are never touched: other test runs rely on them.

Outside CI a missing server binary skips these tests; under `CI=true` it fails them."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.core.migrate import upgrade_async
from tests.conftest import IN_CI
from tests.reliability.servers import (
    MissingBinary,
    PostgresCluster,
    RedisServer,
    free_port,
    postgres_bin_dir,
    redis_server_bin,
)


def _need(find: object) -> object:
    try:
        return find()  # type: ignore[operator]
    except MissingBinary as exc:
        if IN_CI:
            pytest.fail(f"{exc} (required under CI)")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def pg_bin() -> Path:
    found = _need(postgres_bin_dir)
    assert isinstance(found, Path)
    return found


@pytest.fixture(scope="session")
def redis_bin() -> str:
    found = _need(redis_server_bin)
    assert isinstance(found, str)
    return found


@pytest.fixture(scope="session")
async def pg_template(pg_bin: Path) -> AsyncIterator[Path]:
    """A data directory initialised and migrated once; each test's cluster starts from a copy."""
    cluster = PostgresCluster(pg_bin, PostgresCluster.make_base(), free_port())
    try:
        await cluster.initdb()
        await cluster.start()
        await upgrade_async(cluster.url)
        await cluster.stop()
        yield cluster.data
    finally:
        await cluster.destroy()


@pytest.fixture
async def pg_cluster(pg_bin: Path, pg_template: Path) -> AsyncIterator[PostgresCluster]:
    """A migrated PostgreSQL of this test's own, running; the test may stop and start it."""
    cluster = PostgresCluster(pg_bin, PostgresCluster.make_base(), free_port())
    try:
        await cluster.copy_from(pg_template)
        await cluster.start()
        yield cluster
    finally:
        await cluster.destroy()


@pytest.fixture
async def redis_server(redis_bin: str, tmp_path: Path) -> AsyncIterator[RedisServer]:
    """A Redis of this test's own (append-only file, fsync every second), running; the test
    may kill and restart it."""
    server = RedisServer(redis_bin, tmp_path / "redis", free_port())
    try:
        await server.start()
        yield server
    finally:
        await server.kill()
        shutil.rmtree(server.dir, ignore_errors=True)
