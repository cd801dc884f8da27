"""Shared fixtures: real SQLite/PostgreSQL databases, real Redis (own key prefix per test),
and the real app served over real HTTP by uvicorn on a free loopback port.

Outside CI a missing PostgreSQL or Redis skips the tests that need it; under `CI=true` it
fails them, so a green CI run always means the real services were exercised."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
import uvicorn
from fastapi import FastAPI

from app.core.config import ClockKind, EngineKind, Settings
from app.core.db import Database
from app.core.migrate import upgrade
from app.core.redis_client import is_cluster_url
from app.services import Services

PG_ADMIN_DSN = os.environ.get("FLOORWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("FLOORWATCH_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(service: str, error: Exception) -> None:
    if IN_CI:
        pytest.fail(f"{service} is not reachable under CI: {error}")
    pytest.skip(f"{service} is not reachable: {error}")


@pytest.fixture(scope="session")
def single_redis_url() -> str:
    """The machine's Redis server."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require("Redis", exc)
    return REDIS_URL


@pytest.fixture(scope="session")
def redis_url(single_redis_url: str) -> str:
    """The Redis of the redis-engine tests: the single server, unless a module runs on both
    (`redis_of_kind`)."""
    return single_redis_url


@pytest.fixture(scope="session")
def redis_cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A three-master Redis Cluster of this session (tests/redis_cluster.py), stopped at its
    end. Outside CI a cluster that cannot start skips the tests; under CI it fails them."""
    from tests.redis_cluster import ClusterUnavailable, redis_cluster

    try:
        with redis_cluster(tmp_path_factory.mktemp("redis-cluster")) as url:
            yield url
    except ClusterUnavailable as exc:
        require("A Redis Cluster", exc)


REDIS_KINDS = ["single", "cluster"]


def redis_of_kind(request: pytest.FixtureRequest) -> str:
    """For a `redis_url` fixture parametrized over REDIS_KINDS: the single server's URL or the
    session cluster's (`redis+cluster://`). A module runs its redis-engine tests on both with

        @pytest.fixture(params=REDIS_KINDS)
        def redis_url(request: pytest.FixtureRequest) -> str:
            return redis_of_kind(request)
    """
    fixture = "redis_cluster_url" if request.param == "cluster" else "single_redis_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"fwtest-{uuid.uuid4().hex[:10]}"
    yield prefix
    if is_cluster_url(redis_url):
        from tests.redis_cluster import delete_keys

        delete_keys(redis_url, f"{prefix}:*")
        return
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*", count=1000):
        client.delete(key)
    client.close()


def _pg_admin() -> tuple[str, str]:
    """(host part, admin db) from PG_ADMIN_DSN."""
    rest = PG_ADMIN_DSN.split("://", 1)[1]
    host, _, db = rest.rpartition("/")
    return host, db


@contextmanager
def new_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (its SQLAlchemy URL), dropped when left."""
    import asyncpg  # type: ignore[import-untyped]

    host, admin_db = _pg_admin()
    name = f"fwtest_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(f"postgresql://{host}/{admin_db}", timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        require("PostgreSQL", exc)
    try:
        yield f"postgresql+asyncpg://{host}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    with new_pg_database() as url:
        yield url


@pytest.fixture
def pg_own_migrated() -> Iterator[str]:
    """A migrated PostgreSQL database of this test alone (for what works on a whole
    database, such as housekeeping), dropped after it."""
    with new_pg_database() as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite_url", "pg_own_migrated"])
def own_database(request: pytest.FixtureRequest) -> str:
    """A migrated database of each kind with nobody else's rows in it (for what works on a
    whole database: pruning, claiming from an outbox)."""
    url: str = request.getfixturevalue(request.param)
    return url


@pytest.fixture(scope="session")
def pg_migrated(pg_database: str) -> str:
    upgrade(pg_database)
    return pg_database


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'floorwatch.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database of each kind: SQLite of this test, the session's PostgreSQL."""
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_migrated")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A client of `database_url`, closed after the test."""
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.close()


def make_settings(**overrides: object) -> Settings:
    base: dict[str, object] = {
        "environment": "test",
        "log_level": "WARNING",
        "create_default_tenant": True,
        "update_interval_ms": 50,
        "checkpoint_interval_ms": 200,
        "lease_ttl_ms": 3000,
        "partitions": 4,
        # the alert receivers of the tests listen on loopback
        "alert_private_destinations": True,
    }
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


@dataclass
class RunningApp:
    base_url: str
    settings: Settings
    server: uvicorn.Server

    @property
    def services(self) -> Services:
        """The server's own clients (the app runs in this process, over real HTTP)."""
        app = self.server.config.app
        assert isinstance(app, FastAPI)
        services: Services = app.state.services
        return services

    def client(self, key: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)


async def start_app(settings: Settings) -> tuple[RunningApp, asyncio.Task[None]]:
    from app.main import create_app

    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return RunningApp(f"http://127.0.0.1:{port}", settings, server), task


async def stop_app(running: RunningApp, task: asyncio.Task[None]) -> None:
    running.server.should_exit = True
    await asyncio.wait_for(task, 30)


ENGINES = ["memory", "redis"]
ENGINES_AND_CLUSTER = [*ENGINES, "redis-cluster"]


def engine_settings_of(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for the engine named by `request.param`: memory on SQLite, redis on
    PostgreSQL with the single Redis server or (`redis-cluster`) the session's cluster."""
    if request.param == "memory":
        url = f"sqlite+aiosqlite:///{tmp_path / 'fw.sqlite3'}"
        upgrade(url)
        return make_settings(engine=EngineKind.memory, database_url=url)
    if request.param == "redis-cluster":
        # the cluster is the session's alone and goes with it: its keys need no cleaning
        redis_url_: str = request.getfixturevalue("redis_cluster_url")
        prefix = f"fwtest-{uuid.uuid4().hex[:10]}"
    else:
        redis_url_ = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix")
    pg: str = request.getfixturevalue("pg_migrated")
    return make_settings(
        engine=EngineKind.redis, database_url=pg, redis_url=redis_url_, redis_prefix=prefix
    )


@pytest.fixture(params=ENGINES)
def engine_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for each engine: memory on SQLite, redis on PostgreSQL. A module runs on the
    Redis Cluster too by overriding this fixture with `params=ENGINES_AND_CLUSTER`."""
    return engine_settings_of(request, tmp_path)


@pytest.fixture
async def app_server(engine_settings: Settings) -> AsyncIterator[RunningApp]:
    running, task = await start_app(engine_settings)
    try:
        yield running
    finally:
        await stop_app(running, task)


@pytest.fixture
async def event_app(engine_settings: Settings) -> AsyncIterator[RunningApp]:
    """The real app on event time, so that `today` is the day of the events replayed."""
    settings = engine_settings.model_copy(update={"clock": ClockKind.event})
    running, task = await start_app(settings)
    try:
        yield running
    finally:
        await stop_app(running, task)


RELIABILITY = Path(__file__).parent / "reliability"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a `slow` test go first, the rest keep their order. `make test` hands whole
    files to its workers in this order (`--dist loadfile --no-loadscope-reorder`), so the
    longest start first and the suite ends on short files on every worker; xdist's own order
    (most tests first) left the one-test fault scenarios for a tail of minute-long tests.

    Among the slow files, each fault scenario (tests/reliability: its own PostgreSQL, Redis
    and several Floorwatch processes) is followed by two others, so that about one scenario
    runs at a time instead of all of them at once on two cores."""
    files: dict[Path, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.path, []).append(item)
    slow = [p for p, its in files.items() if any(i.get_closest_marker("slow") for i in its)]
    scenarios = [p for p in slow if p.is_relative_to(RELIABILITY)]
    others = [p for p in slow if not p.is_relative_to(RELIABILITY)]
    order: list[Path] = []
    while scenarios or others:
        if scenarios:
            order.append(scenarios.pop(0))
        order.extend(others[:2])
        del others[:2]
    placed = set(order)
    order.extend(p for p in files if p not in placed)
    items[:] = [item for path in order for item in files[path]]
