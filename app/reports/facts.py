"""Write the aggregators' facts to the SQL database in batches, idempotently (a fact already
stored, by tenant and fact id, is skipped), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy.dialects import postgresql, sqlite

from app.core.db import Database
from app.reports.models import AgentStateFactRow, CallFactRow, CsatFactRow, DealFactRow
from app.reports.rollups import add_to_rollups, rollup_deltas
from app.shifts.outcomes import invalidate_shift_outcomes
from app.streams.aggregator.facts import AgentStateFact, CallFact, CsatFact, DealFact, Fact

ROWS: dict[type[Any], type[Any]] = {
    CallFact: CallFactRow,
    AgentStateFact: AgentStateFactRow,
    DealFact: DealFactRow,
    CsatFact: CsatFactRow,
}
CHUNK = 500


async def write_facts(db: Database, tenant_facts: Sequence[tuple[int, Fact]]) -> int:
    """Insert the facts; returns how many were given. Safe to call again with the same facts.

    In the same transaction, the facts that were new (returned by the insert; a fact stored
    already is not) are added to the 15-minute rollups and mark the shifts they touch for
    re-evaluation, so derived data never counts a fact twice."""
    if not tenant_facts:
        return 0
    grouped: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)
    by_key: dict[tuple[int, str], Fact] = {}
    for tenant_id, fact in tenant_facts:
        row = msgspec.structs.asdict(fact)
        row["tenant_id"] = tenant_id
        grouped[ROWS[type(fact)]].append(row)
        by_key[(tenant_id, fact.fact_id)] = fact
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    async with db.engine.begin() as conn:
        inserted: list[tuple[int, Fact]] = []
        for model, rows in grouped.items():
            for start in range(0, len(rows), CHUNK):
                stmt = (
                    dialect.insert(model)
                    .on_conflict_do_nothing(index_elements=["tenant_id", "fact_id"])
                    .returning(model.tenant_id, model.fact_id)
                )
                result = await conn.execute(stmt, rows[start : start + CHUNK])
                inserted.extend((t, by_key[(t, f)]) for t, f in result.all())
        await add_to_rollups(conn, rollup_deltas(inserted))
        await invalidate_shift_outcomes(conn, inserted)
    return len(tenant_facts)
