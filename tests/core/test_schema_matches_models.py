"""The migrations build exactly the tables the ORM models declare, on both databases: a model
changed without its migration (or the reverse) fails here."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

import app.models  # noqa: F401 - every table
from app.core.db import Base, Database


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": False}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_equals_the_models(db: Database) -> None:
    async with db.engine.connect() as conn:
        found = await conn.run_sync(differences)
    assert found == []
