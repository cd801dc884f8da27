"""A database or Redis that cannot be reached is a 503 with Retry-After on every route, never
a 500 (`app.core.error_handlers.is_outage`), with real failed connections."""

from __future__ import annotations

import sqlite3

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.core.config import EngineKind
from app.core.db import Database
from app.core.error_handlers import is_outage
from tests.conftest import make_settings, start_app, stop_app
from tests.helpers import free_port


async def test_unreachable_postgresql_is_an_outage() -> None:
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres")
    try:
        with pytest.raises(ConnectionRefusedError) as caught:
            await db.ping()
    finally:
        await db.close()
    assert is_outage(caught.value)


async def test_unreachable_redis_is_an_outage() -> None:
    client = aioredis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(aioredis.ConnectionError) as caught:
            await client.get("k")
    finally:
        await client.aclose()
    assert is_outage(caught.value)


async def test_a_constraint_violation_is_not_an_outage() -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
            with pytest.raises(IntegrityError) as caught:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        await db.close()
    assert not is_outage(caught.value)
    assert not is_outage(ValueError("bad input"))
    assert not is_outage(sqlite3.OperationalError("no such table: t"))


async def test_requests_get_503_with_retry_after_while_the_database_is_unreachable() -> None:
    settings = make_settings(
        engine=EngineKind.memory,
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres",
        create_default_tenant=False,
    )
    running, task = await start_app(settings)
    try:
        async with running.client("fw_not_a_real_key_but_looked_up") as http:
            metrics = await http.get("/v1/metrics")
            ingest = await http.post("/v1/events", content=b"[]")
            ready = await http.get("/readyz")
    finally:
        await stop_app(running, task)
    for reply in (metrics, ingest, ready):
        assert reply.status_code == 503, reply.text
        assert reply.headers["retry-after"].isdigit()
    assert metrics.json()["error"]["code"] == "unavailable"
