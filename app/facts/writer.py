"""Write the aggregators' facts to the SQL database in batches, idempotently (a fact already
stored, by tenant and fact id, is skipped), on SQLite and PostgreSQL alike.

Only the facts that were new (returned by the insert) go on to the 15-minute rollups and mark
the shifts they touch, in the same transaction, so derived data never counts a fact twice. A
fact id given twice in one batch is written once, as its first occurrence.

Two ways in, one result:

- PostgreSQL: per fact table, a temporary table (dropped at commit) is filled by binary COPY
  of plain tuples (`msgspec.structs.astuple`) through the asyncpg connection under the
  SQLAlchemy one, in the same transaction; then one `INSERT ... SELECT ... ON CONFLICT
  (tenant_id, fact_id) DO NOTHING RETURNING tenant_id, fact_id` moves the rows. Why: with
  SQLAlchemy's multi-row VALUES (insertmanyvalues) the worker spent about 18% of its CPU
  compiling parameters and building a dict per fact, CPU taken from aggregation in the same
  process. Per 1,000 facts of the bench traffic, 5,000 a transaction: 27 -> 6 ms of CPU when
  none is new (a take-over's replay), 65 -> 45 ms with the rollups when all are
  (docs/performance.md, "What was made faster").
- SQLite (the embedded default): `INSERT ... VALUES ... ON CONFLICT DO NOTHING RETURNING`
  through SQLAlchemy, in statements of 512, 256, ... or 1 rows. Each row count is another SQL
  text, and Python's sqlite3 keeps up to 128 prepared statements per connection, outside the
  Python heap; with any count from 1 to 500, a long run kept filling that cache with large
  statements (the 60-minute soak's memory grew day by day, docs/reliability.md). Ten shapes
  per table stay in the cache and are reused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import msgspec
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.db import Database
from app.facts.derived import DerivedFromFacts
from app.facts.models import (
    AgentStateFactRow,
    CallbackFactRow,
    CallFactRow,
    CsatFactRow,
    DealFactRow,
    PhraseFactRow,
    PipelineFactRow,
)
from app.facts.retention import fact_time, prune_marks
from app.facts.rollups import add_to_phrase_rollups, add_to_rollups, rollup_deltas
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

ROWS: dict[type[Any], type[Any]] = {
    CallFact: CallFactRow,
    AgentStateFact: AgentStateFactRow,
    DealFact: DealFactRow,
    CsatFact: CsatFactRow,
    PipelineFact: PipelineFactRow,
    CallbackFact: CallbackFactRow,
    PhraseFact: PhraseFactRow,
}
LARGEST_CHUNK = 512
"""The most rows a statement writes on SQLite; the others write half as many, and so on."""

FactKey = tuple[int, str]
Item = TypeVar("Item")
"""(tenant_id, fact_id)."""


@dataclass(frozen=True, slots=True)
class CopyPlan:
    """The statements that move one kind of fact into its table on PostgreSQL. Row tuples are
    the struct's fields in order, then the tenant id (`columns`)."""

    columns: tuple[str, ...]
    temp: str
    create: str
    insert: str


def copy_plan(struct: type[Any]) -> CopyPlan:
    table = ROWS[struct].__tablename__
    columns = (*struct.__struct_fields__, "tenant_id")
    names = ", ".join(columns)
    temp = f"new_{table}"
    return CopyPlan(
        columns=columns,
        temp=temp,
        # the column types of the real table, none of its constraints or defaults (no `id`)
        create=(
            f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA"
        ),
        insert=(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {temp}"
            " ON CONFLICT (tenant_id, fact_id) DO NOTHING RETURNING tenant_id, fact_id"
        ),
    )


COPY_PLANS: Final = {struct: copy_plan(struct) for struct in ROWS}


async def write_facts(
    db: Database,
    tenant_facts: Sequence[tuple[int, Fact]],
    *,
    derived: Sequence[DerivedFromFacts],
) -> int:
    """Insert the facts; returns how many were given. Safe to call again with the same facts.

    In the same transaction, the facts that were new (returned by the insert; a fact stored
    already is not) are added to the 15-minute rollups and handed to the `derived` data (the
    shifts they touch are marked for re-evaluation), so derived data never counts a fact
    twice. Facts older than the tenant's
    prune mark (app/facts/retention.py) are skipped: they were counted before their
    deletion."""
    if not tenant_facts:
        return 0
    facts: dict[FactKey, Fact] = {}
    for tenant_id, fact in tenant_facts:
        key = (tenant_id, fact.fact_id)
        if key not in facts:
            facts[key] = fact
    async with db.engine.begin() as conn:
        # read in this transaction, not cached: a prune in another process may just have
        # moved the mark (one indexed read per transaction of up to FACTS_PER_WRITE facts)
        marks = await prune_marks(conn, {tenant_id for tenant_id, _ in facts})
        if marks:
            facts = {
                key: fact
                for key, fact in facts.items()
                if key[0] not in marks or fact_time(fact) >= marks[key[0]]
            }
        if conn.dialect.name == "postgresql":
            inserted = await _copy_new(conn, facts)
        else:
            inserted = await _insert_new(conn, facts)
        await add_to_rollups(conn, rollup_deltas(inserted))
        await add_to_phrase_rollups(conn, inserted)
        for keeper in derived:
            await keeper.facts_added(conn, inserted)
    return len(tenant_facts)


async def _copy_new(conn: AsyncConnection, facts: dict[FactKey, Fact]) -> list[tuple[int, Fact]]:
    """PostgreSQL: COPY into temporary tables, then move the new rows (see the module)."""
    grouped: dict[type[Any], list[tuple[Any, ...]]] = defaultdict(list)
    astuple = msgspec.structs.astuple
    for (tenant_id, _), fact in facts.items():
        grouped[type(fact)].append((*astuple(fact), tenant_id))
    inserted: list[tuple[int, Fact]] = []
    for struct, rows in grouped.items():
        plan = COPY_PLANS[struct]
        # through SQLAlchemy first: its asyncpg adapter opens the transaction (BEGIN) lazily,
        # on the first statement, and the COPY must run inside it
        await conn.exec_driver_sql(plan.create)
        driver = (await conn.get_raw_connection()).driver_connection
        if driver is None or not driver.is_in_transaction():
            raise RuntimeError("expected the asyncpg connection to be in the open transaction")
        await driver.copy_records_to_table(plan.temp, records=rows, columns=plan.columns)
        returned = await driver.fetch(plan.insert)
        inserted.extend((t, facts[(t, f)]) for t, f in returned)
    return inserted


async def _insert_new(conn: AsyncConnection, facts: dict[FactKey, Fact]) -> list[tuple[int, Fact]]:
    """SQLite: multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING through SQLAlchemy."""
    grouped: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)
    for (tenant_id, _), fact in facts.items():
        row = msgspec.structs.asdict(fact)
        row["tenant_id"] = tenant_id
        grouped[ROWS[type(fact)]].append(row)
    inserted: list[tuple[int, Fact]] = []
    for model, rows in grouped.items():
        stmt = (
            sqlite.insert(model)
            .on_conflict_do_nothing(index_elements=["tenant_id", "fact_id"])
            .returning(model.tenant_id, model.fact_id)
        )
        for chunk in shaped_chunks(rows):
            result = await conn.execute(stmt, chunk)
            inserted.extend((t, facts[(t, f)]) for t, f in result.all())
    return inserted


def shaped_chunks(rows: list[Item], largest: int = LARGEST_CHUNK) -> Iterator[list[Item]]:
    """`rows` in order, in chunks of `largest` rows while that many are left, then of the powers
    of two in the binary form of the rest (300 rows: 256, 32, 8, 4): few distinct sizes."""
    start, size = 0, largest
    while start < len(rows):
        while size > len(rows) - start:
            size //= 2
        yield rows[start : start + size]
        start += size
