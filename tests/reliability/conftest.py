"""Fixtures of the fault tests: a PostgreSQL cluster and a Redis server of each test's own, on
free loopback ports, that the test may stop, kill and restart. The machine's shared services
(127.0.0.1:5432 and :6379) are never touched: other test runs rely on them.

Outside CI a missing server binary skips these tests; under `CI=true` it fails them.

Scenarios that mostly wait (PostgreSQL down for 30 s) are started in the background at the
suite's first test (`early_scenarios`) and their tests, which run last, await the verdict: the
suite takes about as long as its busy tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.core.migrate import upgrade_async
from tests.helpers import free_port
from tests.reliability.background import EARLY, EarlyScenarios
from tests.reliability.servers import (
    MIGRATIONS,
    PostgresCluster,
    RedisServer,
    own_postgres,
    own_redis,
    postgres_bin_dir,
    require,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Among this suite's tests, those that await background scenarios run last (when the
    scenarios are nearly done); tests elsewhere keep their places."""
    here = Path(__file__).parent
    early = {f"test_{name}" for name in EARLY}
    slots = [i for i, item in enumerate(items) if Path(str(item.path)).parent == here]
    ours = sorted((items[i] for i in slots), key=lambda item: Path(str(item.path)).stem in early)
    for i, item in zip(slots, ours, strict=True):
        items[i] = item


@pytest.fixture(scope="session", autouse=True)
async def early_scenarios(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[EarlyScenarios]:
    """Start the background scenarios whose tests were selected."""
    early = EarlyScenarios()
    selected = {Path(str(item.path)).stem for item in request.session.items}
    for name, scenario in EARLY.items():
        if f"test_{name}" in selected:
            workdir = tmp_path_factory.mktemp(name)
            early.tasks[name] = asyncio.create_task(scenario(workdir), name=name)
    try:
        yield early
    finally:
        for task in early.tasks.values():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


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
