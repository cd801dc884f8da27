"""The same Alembic migrations upgrade an empty SQLite file and an empty PostgreSQL database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import inspect

from app.core.db import Database
from app.core.migrate import downgrade, upgrade_async

TABLES = {
    "tenants",
    "queues",
    "teams",
    "agents",
    "api_keys",
    "call_facts",
    "agent_state_facts",
    "deal_facts",
    "csat_facts",
    "alembic_version",
}


async def tables(url: str) -> set[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await db.close()


async def test_sqlite_upgrade_and_downgrade(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
    await upgrade_async(url)
    assert await tables(url) >= TABLES
    await upgrade_async(url)  # idempotent
    await asyncio.to_thread(downgrade, url, "base")
    assert await tables(url) == {"alembic_version"}


async def test_postgres_upgrade(pg_migrated: str) -> None:
    assert await tables(pg_migrated) >= TABLES
