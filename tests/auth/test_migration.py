"""Migration 0003 creates the user tables on SQLite and PostgreSQL, and goes back down."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.core.db import Database
from app.core.migrate import downgrade, upgrade_async

USER_TABLES = {"users", "user_teams", "user_sessions", "user_tokens", "login_throttle"}


async def tables(url: str) -> set[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await db.close()


async def insert_user_with_role(url: str, role: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            tenant = (
                await conn.execute(
                    text(
                        "INSERT INTO tenants (name, timezone, created_at) "
                        "VALUES (:n, 'UTC', CURRENT_TIMESTAMP) RETURNING id"
                    ),
                    {"n": f"mig-{role}"},
                )
            ).scalar_one()
            await conn.execute(
                text(
                    "INSERT INTO users (tenant_id, username, display_name, password_hash, role, "
                    "all_teams, disabled, created_at, password_changed_at) VALUES "
                    "(:t, 'u', '', 'x', :r, false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"t": tenant, "r": role},
            )
    finally:
        await db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_migrated")
    return url


async def test_user_tables_exist_and_roles_are_checked(migrated: str) -> None:
    assert await tables(migrated) >= USER_TABLES
    await insert_user_with_role(migrated, "display")
    with pytest.raises(IntegrityError):
        await insert_user_with_role(migrated, "root")


async def test_downgrade_to_0002_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
    await upgrade_async(url)
    await asyncio.to_thread(downgrade, url, "0002")
    left = await tables(url)
    assert not USER_TABLES & left
    assert {"tenants", "api_keys", "call_facts"} <= left
    await upgrade_async(url)
    assert await tables(url) >= USER_TABLES
