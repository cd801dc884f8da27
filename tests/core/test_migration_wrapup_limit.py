"""Migration 0007 turns each queue's on/off wrap-up flag into a wrap-up limit (on: none, off: 0)
on SQLite and PostgreSQL, and back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.db import Database
from app.core.migrate import downgrade, upgrade_async
from tests.conftest import new_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, of this test alone (migrated step by step here)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
        return
    with new_pg_database() as url:
        yield url


async def execute(url: str, sql: str) -> list[tuple[object, ...]]:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            result = await conn.execute(text(sql))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await db.close()


async def test_the_wrapup_flag_becomes_a_limit_and_back(database: str) -> None:
    await upgrade_async(database, "0006")
    await execute(
        database,
        "INSERT INTO tenants (name, timezone, created_at) VALUES ('m', 'UTC', CURRENT_TIMESTAMP)",
    )
    await execute(
        database,
        "INSERT INTO queues (tenant_id, name, sl_threshold_s, short_abandon_s, wrapup) "
        "SELECT id, 'on', 20, 5, true FROM tenants UNION ALL "
        "SELECT id, 'off', 20, 5, false FROM tenants",
    )

    await upgrade_async(database, "0011_wrapup_limit")
    rows = await execute(database, "SELECT name, wrapup_s FROM queues ORDER BY name")
    assert rows == [("off", 0.0), ("on", None)]

    await execute(
        database,
        "INSERT INTO queues (tenant_id, name, sl_threshold_s, short_abandon_s, wrapup_s) "
        "SELECT id, 'limited', 20, 5, 30 FROM tenants",
    )
    await asyncio.to_thread(downgrade, database, "0006")
    rows = await execute(database, "SELECT name, wrapup FROM queues ORDER BY name")
    assert [(name, bool(on)) for name, on in rows] == [
        ("limited", True),
        ("off", False),
        ("on", True),
    ]
