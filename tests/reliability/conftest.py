"""Fixtures of the fault tests: a PostgreSQL cluster and a Redis server of each test's own, on
free loopback ports, that the test may stop, kill and restart. The machine's shared services
(127.0.0.1:5432 and :6379) are never touched: other test runs rely on them.

Outside CI a missing server binary skips these tests; under `CI=true` it fails them.

Scenarios that mostly wait (PostgreSQL down for 30 s) are started in the background at the
suite's first test (`early_scenarios`) and their tests await the verdict, so the suite takes
about as long as its busy tests."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from app.core.migrate import upgrade_async
from tests.conftest import IN_CI
from tests.reliability.postgres_outage import postgres_outage
from tests.reliability.servers import (
    MissingBinary,
    PostgresCluster,
    RedisServer,
    free_port,
    postgres_bin_dir,
    redis_server_bin,
)

MIGRATIONS = asyncio.Lock()
"""Alembic keeps its migration context in module globals: one migration at a time."""


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
        async with MIGRATIONS:
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


Scenario = Callable[[PostgresCluster, RedisServer, Path], Awaitable[None]]
EARLY: dict[str, Scenario] = {"postgres_outage": postgres_outage}
"""Background scenarios, by the name of the test module that awaits them (`test_NAME.py`)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Among this suite's tests, those that await background scenarios run last (when the
    scenarios are nearly done); tests elsewhere keep their places."""
    here = Path(__file__).parent
    early = {f"test_{name}" for name in EARLY}
    slots = [i for i, item in enumerate(items) if Path(str(item.path)).parent == here]
    ours = sorted((items[i] for i in slots), key=lambda item: Path(str(item.path)).stem in early)
    for i, item in zip(slots, ours, strict=True):
        items[i] = item


class EarlyScenarios:
    def __init__(self) -> None:
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def result(self, name: str) -> None:
        """The scenario's verdict: returns if it passed, raises what it raised."""
        await self.tasks[name]


async def _run_scenario(scenario: Scenario, workdir: Path) -> None:
    """The scenario on a fresh, migrated PostgreSQL cluster and a Redis of its own."""
    pg_bin = _need(postgres_bin_dir)
    redis_bin = _need(redis_server_bin)
    assert isinstance(pg_bin, Path)
    assert isinstance(redis_bin, str)
    pg = PostgresCluster(pg_bin, PostgresCluster.make_base(), free_port())
    redis = RedisServer(redis_bin, workdir / "redis", free_port())
    try:
        await pg.initdb()
        await pg.start()
        async with MIGRATIONS:
            await upgrade_async(pg.url)
        await redis.start()
        await scenario(pg, redis, workdir)
    finally:
        await redis.kill()
        await pg.destroy()


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
            early.tasks[name] = asyncio.create_task(_run_scenario(scenario, workdir), name=name)
    try:
        yield early
    finally:
        for task in early.tasks.values():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
