"""Run Alembic migrations from code (`floorwatch migrate`, `make setup`, tests)."""

from __future__ import annotations

import asyncio
import threading

from alembic import command
from alembic.config import Config

from app.core.paths import project_root


def alembic_config(database_url: str) -> Config:
    root = project_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


_ONE_AT_A_TIME = threading.Lock()
"""Alembic keeps the running migration's context in module globals (`alembic.context`,
`alembic.op`): two upgrades at once in one process, from two threads, mix them up (one
migrates the other's database, or fails on a context the other removed)."""


def upgrade(database_url: str, revision: str = "head") -> None:
    with _ONE_AT_A_TIME:
        command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    with _ONE_AT_A_TIME:
        command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """Alembic's env runs its own event loop, so run it in a thread."""
    await asyncio.to_thread(upgrade, database_url, revision)
