"""How long report facts are kept: facts (calls, agent state intervals, deals, surveys) older
than `fact_retention_days` are deleted; the 15-minute and daily rollups, which reports read,
stay. A fact's age is taken from the time it counts at: a call's finish, a state interval's
end, a deal's or survey's time.

Every process that runs alerting prunes about once an hour (AlertRuntime's housekeeping, with
the alert history); `floorwatch reports prune` does it at once. Deletes go in batches of
PRUNE_BATCH rows, one short transaction each.

Three things keep the rollups right once facts are gone:

- Before a tenant's facts are deleted, the data derived from them is settled
  (`DerivedFromFacts.facts_expiring`): every finished shift that starts before the cutoff and
  has no stored outcome is judged and its outcome stored (app/shifts/outcomes.py), so the
  adherence of old shifts does not change when their state intervals go.
- The cutoff is recorded per tenant (`fact_prune_marks`) before anything is deleted, and the
  facts writer skips facts older than it: a fact that was deleted and arrives again (a replay of
  old events) is not counted in the rollups a second time.
- `floorwatch reports rebuild` recomputes rollups only from the first whole day whose facts are
  all kept (`rebuild_floor_ms`); older days keep their rollups and cannot be rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.db import Database
from app.core.logging import get_logger
from app.facts.calendar import DAY_MS
from app.facts.derived import DerivedFromFacts
from app.facts.models import (
    FactPruneMark,
)
from app.facts.rollups import FACT_TABLES, FACT_TIME_COLUMNS
from app.streams.aggregator.facts import Fact

log = get_logger(__name__)

PRUNE_BATCH: Final = 5000

FACT_TIMES: Final[tuple[tuple[Any, Any], ...]] = tuple(
    (model, getattr(model, column)) for model, column in FACT_TIME_COLUMNS.items()
)
"""Each fact table with the column of the time its facts count at (rollups.FACT_TIME_COLUMNS)."""
_TIME_FIELD: Final = {struct: FACT_TIME_COLUMNS[model] for model, struct in FACT_TABLES}


@dataclass(frozen=True, slots=True)
class PrunedFacts:
    facts: int
    settled: int
    """Derived things stored before their facts went (the outcomes of shifts)."""


def cutoff_ms(retention_days: int, now_ms: int) -> int:
    return now_ms - retention_days * DAY_MS


def fact_time(fact: Fact) -> int:
    """The time a fact counts at, which decides its age."""
    time_ms: int = getattr(fact, _TIME_FIELD[type(fact)])
    return time_ms


async def prune_marks(conn: AsyncConnection, tenant_ids: Iterable[int]) -> dict[int, int]:
    """Each tenant's recorded cutoff (tenants never pruned are left out)."""
    ids = sorted(set(tenant_ids))
    if not ids:
        return {}
    rows = await conn.execute(
        select(FactPruneMark.tenant_id, FactPruneMark.pruned_before_ms).where(
            FactPruneMark.tenant_id.in_(ids)
        )
    )
    return {int(tenant_id): int(before) for tenant_id, before in rows.all()}


async def _record_mark(db: Database, tenant_id: int, before_ms: int) -> None:
    async with db.engine.begin() as conn:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(FactPruneMark).values(tenant_id=tenant_id, pruned_before_ms=before_ms)
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id"], set_={"pruned_before_ms": before_ms}
            )
        )


async def prune_facts(
    db: Database, retention_days: int, now_ms: int, *, derived: Sequence[DerivedFromFacts]
) -> PrunedFacts:
    """Delete every tenant's facts older than `retention_days` before `now_ms`."""
    before_ms = cutoff_ms(retention_days, now_ms)
    async with db.session() as session:
        tenant_ids: set[int] = set()
        for model, column in FACT_TIMES:
            tenant_ids.update(
                (
                    await session.scalars(
                        select(model.tenant_id).where(column < before_ms).distinct()
                    )
                ).all()
            )
    facts = settled = 0
    for tenant_id in sorted(tenant_ids):
        for keeper in derived:
            settled += await keeper.facts_expiring(db, tenant_id, before_ms, now_ms)
        await _record_mark(db, tenant_id, before_ms)
        for model, column in FACT_TIMES:
            while True:
                async with db.engine.begin() as conn:
                    ids = (
                        (
                            await conn.execute(
                                select(model.id)
                                .where(model.tenant_id == tenant_id, column < before_ms)
                                .limit(PRUNE_BATCH)
                            )
                        )
                        .scalars()
                        .all()
                    )
                    if not ids:
                        break
                    await conn.execute(delete(model).where(model.id.in_(ids)))
                facts += len(ids)
    return PrunedFacts(facts, settled)


async def prune_facts_once(
    db: Database,
    retention_days: int | None,
    now_ms: int,
    *,
    derived: Sequence[DerivedFromFacts],
) -> None:
    """One housekeeping round; a failure is logged and left for the next round."""
    if retention_days is None:
        return
    try:
        pruned = await prune_facts(db, retention_days, now_ms, derived=derived)
    except Exception as exc:  # housekeeping must outlive a database outage
        log.warning("fact prune failed", error=f"{type(exc).__name__}: {exc}")
        return
    if pruned.facts:
        log.info("report facts pruned", facts=pruned.facts, settled=pruned.settled)


def rebuild_floor_ms(retention_days: int | None, now_ms: int, mark_ms: int | None) -> int | None:
    """The earliest time whose facts are all still kept (None: every fact is): the later of
    the retention's cutoff and the tenant's recorded prune mark."""
    floors = [m for m in (mark_ms,) if m is not None]
    if retention_days is not None:
        floors.append(cutoff_ms(retention_days, now_ms))
    return max(floors) if floors else None
