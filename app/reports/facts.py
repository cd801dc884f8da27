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
from app.streams.aggregator.facts import AgentStateFact, CallFact, CsatFact, DealFact, Fact

ROWS: dict[type[Any], type[Any]] = {
    CallFact: CallFactRow,
    AgentStateFact: AgentStateFactRow,
    DealFact: DealFactRow,
    CsatFact: CsatFactRow,
}
CHUNK = 500


async def write_facts(db: Database, tenant_facts: Sequence[tuple[int, Fact]]) -> int:
    """Insert the facts; returns how many were given. Safe to call again with the same facts."""
    if not tenant_facts:
        return 0
    grouped: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)
    for tenant_id, fact in tenant_facts:
        row = msgspec.structs.asdict(fact)
        row["tenant_id"] = tenant_id
        grouped[ROWS[type(fact)]].append(row)
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    async with db.engine.begin() as conn:
        for model, rows in grouped.items():
            for start in range(0, len(rows), CHUNK):
                stmt = dialect.insert(model).on_conflict_do_nothing(
                    index_elements=["tenant_id", "fact_id"]
                )
                await conn.execute(stmt, rows[start : start + CHUNK])
    return len(tenant_facts)
