"""The fact writer's bound, on a real SQLite database: while the database works but is slow
(another connection holds the write lock) a full queue makes `put` wait and nothing is lost;
while writes fail (the facts table is gone) a full queue drops its oldest facts, counted, and
the newest are written once the database is back."""

from __future__ import annotations

import asyncio
import sqlite3
from functools import partial

import msgspec
from sqlalchemy import select

from app.core.db import Database
from app.facts.models import CallFactRow
from app.facts.writer import write_facts
from app.streams.aggregator.facts import CallFact
from app.streams.fact_writer import FactWriter, TenantFact
from tests.facts.test_fact_writes import every_column
from tests.helpers import eventually, make_tenant_key, sqlite_path

BOUND = 100


def call_facts(tenant_id: int, first: int, count: int) -> list[TenantFact]:
    template = every_column()[1]
    assert isinstance(template, CallFact)
    return [
        (tenant_id, msgspec.structs.replace(template, fact_id=f"call:{n}"))
        for n in range(first, first + count)
    ]


async def stored_ids(db: Database, tenant_id: int) -> set[str]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(CallFactRow.fact_id).where(CallFactRow.tenant_id == tenant_id)
        )
        return {row[0] for row in rows}


async def test_a_full_queue_waits_for_a_slow_database_and_loses_nothing(sqlite_url: str) -> None:
    tenant_id, _ = await make_tenant_key(sqlite_url)
    db = Database(sqlite_url)
    writer = FactWriter(partial(write_facts, db, derived=()), max_pending=BOUND, per_write=50)
    writer.start()
    blocker = sqlite3.connect(sqlite_path(sqlite_url), isolation_level=None, timeout=30)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        await writer.put(call_facts(tenant_id, 0, 80))
        putting = asyncio.create_task(writer.put(call_facts(tenant_id, 80, 100)))
        await asyncio.sleep(0.5)
        assert not putting.done()  # over the bound: the caller waits for room
        blocker.execute("ROLLBACK")
        await asyncio.wait_for(putting, 30)
        await writer.close()
        assert await stored_ids(db, tenant_id) == {f"call:{n}" for n in range(180)}
        assert writer.dropped == 0
    finally:
        blocker.close()
        await db.close()


async def test_a_full_queue_drops_its_oldest_facts_while_writes_fail(sqlite_url: str) -> None:
    tenant_id, _ = await make_tenant_key(sqlite_url)
    db = Database(sqlite_url)
    writer = FactWriter(partial(write_facts, db, derived=()), max_pending=BOUND)
    writer.start()
    breaker = sqlite3.connect(sqlite_path(sqlite_url), isolation_level=None, timeout=30)
    try:
        breaker.execute("ALTER TABLE call_facts RENAME TO call_facts_away")
        await writer.put(call_facts(tenant_id, 0, 80))

        async def failing() -> bool:
            return writer.failing

        await eventually(failing, timeout=10, interval=0.01)
        await asyncio.wait_for(writer.put(call_facts(tenant_id, 80, 50)), 1)  # never waits
        assert writer.dropped == 30
        breaker.execute("ALTER TABLE call_facts_away RENAME TO call_facts")
        await writer.close()
        assert await stored_ids(db, tenant_id) == {f"call:{n}" for n in range(30, 130)}
    finally:
        breaker.close()
        await db.close()
