"""The same Alembic migrations upgrade an empty SQLite file and an empty PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from app.core.db import Database
from app.core.migrate import upgrade

TABLES = {"tenants", "queues", "teams", "agents", "api_keys", "alembic_version"}


async def tables(url: str) -> set[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await db.close()


async def test_sqlite_upgrade_and_downgrade(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    assert TABLES <= await tables(url)
    upgrade(url)  # idempotent
    from alembic import command

    from app.core.migrate import alembic_config

    command.downgrade(alembic_config(url), "base")
    assert await tables(url) == {"alembic_version"}


async def test_postgres_upgrade(pg_migrated: str) -> None:
    assert TABLES <= await tables(pg_migrated)
