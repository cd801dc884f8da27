"""The facts writer on both databases (SQLite through SQLAlchemy, PostgreSQL by COPY into a
temporary table): every column round-trips, writing again inserts nothing and leaves the
rollups as they were, a fact id twice in one batch is written once (its first occurrence),
and a write that fails leaves nothing behind, in any table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.db import Database
from app.events.schemas import CallAbandoned, CallConnected, CallDialed, CallQueued
from app.facts.phrase_rollups import PhraseRollupRow
from app.facts.rollups import KpiRollupRow
from app.facts.writer import ROWS, write_facts
from app.streams.aggregator import TenantAggregator
from app.streams.aggregator.facts import (
    AgentStateFact,
    CallbackFact,
    CallFact,
    CsatFact,
    DealFact,
    Fact,
    PhraseFact,
    PipelineFact,
)
from app.wiring import FACT_DERIVED
from bench.aggregate import generate
from tests.helpers import make_tenant_key
from tests.phrases import transcripts

T0 = 1_738_400_400_000  # 2025-02-01 09:00 UTC


async def new_tenant(db: Database) -> int:
    tenant_id, _ = await make_tenant_key(db.url)
    return tenant_id


def every_column() -> list[Fact]:
    """Each kind with its optional fields empty and set, both booleans, fractions, large
    epoch times, non-ASCII names and the longest strings the columns take."""
    long = "x" * 128
    return [
        CallFact(
            "call:a:1:1", "a", "inbound", "answered", "Sales", "Zoë Łukasz", "Nord",
            T0, T0 + 12_345, T0 + 99_001, T0 + 130_000, T0 + 130_000,
            12.345, 86.656, 3.001, 30.999, 2, False, True,
        ),
        CallFact(
            "call:b:2:2", "b", "outbound", "no_answer", None, None, None,
            None, None, None, None, T0 + 1,
            None, 0.0, 0.0, 0.0, 0, True, False,
        ),
        CallFact(
            f"call:{long}", long, "inbound", "abandoned", long, long, long,
            T0 + 2**31, None, T0 + 2**31 + 7, None, T0 + 2**32,
            1e-3, 1e9, 0.5, 0.25, 2**31 - 1, True, True,
        ),
        AgentStateFact("state:a:1", "Zoë Łukasz", "Nord", "break", "lunch ☕", T0, T0 + 900_001),
        AgentStateFact("state:b:2", "b", None, "available", None, T0 + 5, T0 + 6),
        DealFact("deal:1", "Zoë Łukasz", "Nord", "Sales", "a", 1234.56, "EUR", T0 + 7),
        DealFact("deal:2", "b", None, None, None, 0.01, None, T0 + 8),
        CsatFact("csat:1", 5, "Zoë Łukasz", "Nord", "Sales", "a", T0 + 9),
        CsatFact("csat:2", 1, None, None, None, None, T0 + 10),
        PipelineFact("pipeline:1", "won", "d1", "Zoë B2B", "négociation", "Zoë Łukasz", "Nord",
                     "Sales", 1234.56, 86_400_001, 2**31 + 5, T0 - 86_400_001, T0 + 11),
        PipelineFact(f"pipeline:{long}", "stage", long, long, long, None, None, None,
                     None, None, None, None, T0 + 12),
        CallbackFact("callback:1:1", 1, "Sales", "returned_by_us", T0, T0 + 5, T0 + 11, 2, 1,
                     600_000),
        CallbackFact(f"callback:{long}", 2**40, None, "dismissed", T0 + 2**32, T0 + 2**32,
                     T0 + 2**32 + 1, 1, 0, None),
        PhraseFact("phrase:s1:rezygnacja", "a", "rezygnacja", "Sales", "Zoë Łukasz", "Nord",
                   3, 1, 0, 0, 0, 0, 0, T0 + 13),
        PhraseFact(f"phrase:{long}:", long, "", None, None, None, 0, 0, 0, 1, 1, 1, 1,
                   T0 + 2**32),
    ]  # fmt: skip


def traffic_facts(agents: int = 40, minutes: int = 45) -> list[Fact]:
    """Facts of the benchmark traffic, through the real aggregator."""
    traffic = generate(agents, minutes, pipeline=True)
    agg = TenantAggregator(traffic.config)
    agg.apply_batch(traffic.events)
    after = agg.clock_ms + 1000  # and two callers who hung up, one of them called back
    agg.apply_batch(
        [
            CallQueued(id="cb1", ts=after, call_id="cb-1", queue="Sales", caller="+48601000001"),
            CallAbandoned(id="cb2", ts=after + 60_000, call_id="cb-1"),
            CallQueued(id="cb3", ts=after, call_id="cb-2", queue="Sales", caller="+48601000002"),
            CallAbandoned(id="cb4", ts=after + 60_000, call_id="cb-2"),
            CallDialed(id="cb5", ts=after + 120_000, call_id="cb-3", agent="cb-agent",
                       caller="+48601000001"),
            CallConnected(id="cb6", ts=after + 130_000, call_id="cb-3", agent="cb-agent"),
        ]
    )  # fmt: skip
    phrases = TenantAggregator(transcripts.config())  # and a morning of transcripts
    phrases.apply_batch(transcripts.events())
    return [*agg.drain_facts(), *phrases.drain_facts()]


async def stored_facts(db: Database, tenant_id: int) -> list[Fact]:
    """The tenant's facts read back column by column into their structs, by kind and id
    (sorted here: the database's collation may order ids otherwise)."""
    out: list[Fact] = []
    async with db.engine.connect() as conn:
        for struct, model in ROWS.items():
            table = model.__table__
            columns = [table.c[name] for name in struct.__struct_fields__]
            rows = await conn.execute(select(*columns).where(table.c.tenant_id == tenant_id))
            out.extend(struct(*row) for row in rows)
    return by_kind_and_id(out)


async def rollups(db: Database, tenant_id: int) -> list[tuple[Any, ...]]:
    """The KPI and the phrase rollup rows of the tenant."""
    out: list[tuple[Any, ...]] = []
    for model in (KpiRollupRow, PhraseRollupRow):
        table = model.__table__
        columns = [c for c in table.c if c.name not in ("id", "tenant_id")]
        async with db.engine.connect() as conn:
            rows = await conn.execute(select(*columns).where(table.c.tenant_id == tenant_id))
            out += sorted((model.__tablename__, *row) for row in rows)
    return out


def by_kind_and_id(facts: Sequence[Fact]) -> list[Fact]:
    order = list(ROWS)
    return sorted(facts, key=lambda f: (order.index(type(f)), f.fact_id))


async def write(db: Database, tenant_id: int, facts: Sequence[Fact]) -> None:
    await write_facts(db, [(tenant_id, f) for f in facts], derived=FACT_DERIVED)


async def test_every_column_round_trips(db: Database) -> None:
    tenant_id = await new_tenant(db)
    facts = every_column()
    await write(db, tenant_id, facts)
    stored = await stored_facts(db, tenant_id)
    assert stored == by_kind_and_id(facts)
    for got in stored:  # equal values of another type (1 for True, 2.0 for 2) would pass ==
        want = next(f for f in facts if f.fact_id == got.fact_id)
        types = [type(v) for v in msgspec.structs.astuple(got)]
        assert types == [type(v) for v in msgspec.structs.astuple(want)], got.fact_id


async def test_writing_again_inserts_nothing_and_keeps_the_rollups(db: Database) -> None:
    facts = traffic_facts()
    kinds = {type(f) for f in facts}
    assert kinds == set(ROWS), kinds
    assert len(facts) > 2 * 500  # more than one statement per table on SQLite
    tenant_id = await new_tenant(db)
    await write(db, tenant_id, facts)
    stored, rolled = await stored_facts(db, tenant_id), await rollups(db, tenant_id)
    assert stored == by_kind_and_id(facts)
    assert rolled
    await write(db, tenant_id, facts)
    assert await stored_facts(db, tenant_id) == stored
    assert await rollups(db, tenant_id) == rolled
    # a batch of old and new facts: only the new ones count, as if written once
    more = every_column()
    await write(db, tenant_id, [*facts[::2], *more, *facts[1::2]])
    once = await new_tenant(db)
    await write(db, once, [*facts, *more])
    assert await stored_facts(db, tenant_id) == await stored_facts(db, once)
    assert await rollups(db, tenant_id) == await rollups(db, once)


async def test_a_fact_id_twice_in_one_batch_is_written_once_as_first_given(
    db: Database,
) -> None:
    facts = every_column()
    call, state = facts[0], facts[3]
    assert isinstance(call, CallFact)
    assert isinstance(state, AgentStateFact)
    other_call = msgspec.structs.replace(call, talk_s=1.0, queue="Other")
    other_state = msgspec.structs.replace(state, end_ms=state.end_ms + 60_000)
    tenant_id = await new_tenant(db)
    await write(db, tenant_id, [call, *facts, other_call, state, other_state])
    once = await new_tenant(db)
    await write(db, once, facts)
    assert await stored_facts(db, tenant_id) == by_kind_and_id(facts)
    assert await rollups(db, tenant_id) == await rollups(db, once)


async def test_a_failed_write_leaves_nothing_and_the_next_one_works(db: Database) -> None:
    """The deal's tenant does not exist: its insert fails after the call facts' insert, and
    nothing of the batch stays (facts and rollups are one transaction)."""
    tenant_id = await new_tenant(db)
    facts = every_column()
    stray = DealFact("deal:stray", "a", None, None, None, 1.0, None, T0)
    batch = [(tenant_id, f) for f in facts if isinstance(f, CallFact)] + [(-1, stray)]
    with pytest.raises((IntegrityError, asyncpg.ForeignKeyViolationError)):
        await write_facts(db, batch, derived=FACT_DERIVED)
    assert await stored_facts(db, tenant_id) == []
    assert await rollups(db, tenant_id) == []
    await write(db, tenant_id, facts)
    assert await stored_facts(db, tenant_id) == by_kind_and_id(facts)
