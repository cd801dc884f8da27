"""Fact retention on SQLite and PostgreSQL: facts past the retention are deleted and the
rollups stay as they were; a deleted fact written again is not counted twice; an old shift's
outcome is stored before its state intervals go; `floorwatch reports rebuild` refuses days
older than the retention and says so, and rebuilds newer days without touching older ones."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from app.alerts.runtime import AlertRuntime
from app.core.db import Database
from app.facts.calendar import DAY_MS
from app.facts.models import (
    AgentStateFactRow,
    CallFactRow,
    CsatFactRow,
    DealFactRow,
    FactPruneMark,
    PhraseFactRow,
)
from app.facts.phrase_rollups import PhraseRollupRow
from app.facts.retention import prune_facts
from app.facts.rollups import KpiRollupRow
from app.shifts.models import ShiftRow
from app.streams.aggregator.facts import Fact, PhraseFact
from app.streams.clock import wall_ms
from app.wiring import FACT_DERIVED, build_services
from tests.conftest import make_settings
from tests.helpers import cli_env, floorwatch, make_tenant_key
from tests.reports.support import answered, deal, state, store_facts, survey

RETENTION_DAYS = 30
NOW = wall_ms()
OLD = NOW - 40 * DAY_MS
RECENT = NOW - 2 * DAY_MS


def facts_around(base: int) -> list[Fact]:
    return [
        answered(f"c{base}", "Sales", "a1", "North", base, base + 10_000, 120, 30),
        state("a1", "North", "available", base - 3_600_000, base + 10_000),
        state("a1", "North", "on_call", base + 10_000, base + 130_000),
        deal(f"d{base}", "a1", "North", "Sales", 250.0, base + 60_000),
        survey(f"s{base}", 5, "a1", "North", "Sales", base + 200_000),
        PhraseFact(f"phrase:t{base}:greeting", f"c{base}", "greeting", "Sales", "a1", "North",
                   2, 1, 0, 0, 0, 0, 0, base + 20_000),
    ]  # fmt: skip


async def fact_counts(db: Database, tenant_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with db.session() as session:
        for model in (CallFactRow, AgentStateFactRow, DealFactRow, CsatFactRow, PhraseFactRow):
            counts[model.__tablename__] = int(
                await session.scalar(
                    select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
                )
                or 0
            )
    return counts


async def rollups(db: Database, tenant_id: int) -> list[tuple[Any, ...]]:
    """The KPI and the phrase rollup rows of the tenant."""
    out: list[tuple[Any, ...]] = []
    for model in (KpiRollupRow, PhraseRollupRow):
        table = model.__table__
        columns = [c for c in table.c if c.name != "id"]
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                select(*columns).where(table.c.tenant_id == tenant_id).order_by(*columns[:5])
            )
            out += [(model.__tablename__, *row) for row in rows.all()]
    return out


async def test_old_facts_go_rollups_stay_and_do_not_count_twice(own_database: str) -> None:
    tenant_id, _ = await make_tenant_key(own_database)
    await store_facts(own_database, tenant_id, facts_around(OLD) + facts_around(RECENT))
    db = Database(own_database)
    try:
        async with db.session() as session:
            shift = ShiftRow(
                tenant_id=tenant_id, agent="a1", start_ms=OLD - 1_800_000, end_ms=OLD + 1_800_000
            )
            session.add(shift)
            await session.commit()
        kept = await rollups(db, tenant_id)
        assert await fact_counts(db, tenant_id) == {
            "call_facts": 2,
            "agent_state_facts": 4,
            "deal_facts": 2,
            "csat_facts": 2,
            "phrase_facts": 2,
        }
        assert any(row[0] == "phrase_rollups" for row in kept)

        pruned = await prune_facts(db, RETENTION_DAYS, NOW, derived=FACT_DERIVED)

        assert (pruned.facts, pruned.settled) == (6, 1)
        assert await fact_counts(db, tenant_id) == {
            "call_facts": 1,
            "agent_state_facts": 2,
            "deal_facts": 1,
            "csat_facts": 1,
            "phrase_facts": 1,
        }
        assert await rollups(db, tenant_id) == kept
        async with db.session() as session:
            settled = await session.get(ShiftRow, shift.id)
            assert settled is not None
            assert settled.evaluated_ms is not None
            assert settled.outcome_present is True
            mark = await session.get(FactPruneMark, tenant_id)
            assert mark is not None
            assert mark.pruned_before_ms == NOW - RETENTION_DAYS * DAY_MS

        await store_facts(own_database, tenant_id, facts_around(OLD) + facts_around(RECENT))
        assert await rollups(db, tenant_id) == kept
        assert (await fact_counts(db, tenant_id))["call_facts"] == 1
        assert (await prune_facts(db, RETENTION_DAYS, NOW, derived=FACT_DERIVED)).facts == 0
    finally:
        await db.close()


async def test_rebuild_refuses_days_past_the_retention_and_keeps_their_rollups(
    own_database: str,
) -> None:
    name = f"ret-{NOW}"
    tenant_id, _ = await make_tenant_key(own_database, name=name)
    await store_facts(own_database, tenant_id, facts_around(OLD) + facts_around(RECENT))
    env = cli_env(database_url=own_database, fact_retention_days=str(RETENTION_DAYS))

    pruned = await asyncio.to_thread(floorwatch, "reports", "prune", env=env)
    assert pruned.returncode == 0, pruned.stderr
    assert "deleted 6 report facts older than 30 days" in pruned.stdout
    db = Database(own_database)
    try:
        kept = await rollups(db, tenant_id)

        refused = await asyncio.to_thread(
            floorwatch, "reports", "rebuild", "--tenant", name, "--from", "2000-01-01", env=env
        )
        assert refused.returncode == 2
        assert "cannot rebuild from 2000-01-01: report facts are kept 30 days" in refused.stderr
        assert "use --from " in refused.stderr
        assert await rollups(db, tenant_id) == kept

        rebuilt = await asyncio.to_thread(
            floorwatch, "reports", "rebuild", "--tenant", name, env=env
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert "rebuilt from 6 facts (days from " in rebuilt.stdout
        assert await rollups(db, tenant_id) == kept
    finally:
        await db.close()


async def test_the_hourly_housekeeping_round_prunes_facts(sqlite_url: str) -> None:
    """The round every serve process runs about once an hour (app/alerts/runtime.py) has the
    fact prune among its chores, with the configured retention."""
    tenant_id, _ = await make_tenant_key(sqlite_url)
    await store_facts(sqlite_url, tenant_id, facts_around(OLD) + facts_around(RECENT))
    services = build_services(
        make_settings(database_url=sqlite_url, fact_retention_days=RETENTION_DAYS)
    )
    try:
        for chore in services.part(AlertRuntime).chores:
            await chore()
        assert (await fact_counts(services.db, tenant_id))["call_facts"] == 1
    finally:
        await services.db.close()
