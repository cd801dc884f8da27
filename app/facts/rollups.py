"""15-minute interval rollups of the facts, kept up to date as facts are written.

Why incremental at write time: the facts writer inserts with `ON CONFLICT DO NOTHING ...
RETURNING`, so it knows exactly which facts are new; their contributions are summed per
(interval, queue) and (interval, agent, team) in Python and added to the rollup rows with one
additive upsert per batch, in the same transaction as the facts. A replayed fact is not
returned, so it is never counted twice, and a report never has to refresh anything first.

Attribution follows the live aggregator (docs/metrics.md): a call counts as answered in the
interval of its answer, as abandoned or left in the interval it left the queue, and its handle
time in the interval it finished (wrap-up end); agent state intervals are split over the 15-
minute intervals they cover. Intervals are UTC quarter hours, which are the local quarter hours
of every time zone in use (all offsets are whole quarter hours), so the rollup does not depend
on the tenant's time zone and survives a change of it.

Kinds of rows (`name` is the group: a queue, an agent, a team; `''` = none):

- `q` a queue's call, deal and survey sums;
- `a` the sums attributed to an agent (`team` = its team then) and its time in each state;
- `m` a team: the sums of its agents' rows;
- `t` the tenant: call, deal and survey sums of all queues, state times of all agents;
- `p` a sales pipeline: the sums of the deal events of its deals (not added to the tenant:
  those sums reach it through the queue rows, as every deal's do).

Each kind also exists per local day in upper case (`Q`, `A`, `M`, `T`, with `ivl_ms` = the
local midnight), in the tenant's time zone recorded in `kpi_rollup_zones` when the tenant's
first rollup was written. Day, week and month reports read the daily rows (a month is ~31
rows per group instead of ~3,000) as long as the tenant's time zone is still the recorded
one; after a change of time zone they fall back to the 15-minute rows (always right) and new
daily rows are not written until `rebuild_rollups` records the new zone.

The phrase facts have rollups of their own with the same kinds and zones and the phrase list in
the key (app/facts/phrase_rollups.py), written and rebuilt here with these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Database
from app.facts.models import (
    AgentStateFactRow,
    CallbackFactRow,
    CallFactRow,
    CsatFactRow,
    DealFactRow,
    PhraseFactRow,
    PipelineFactRow,
)
from app.facts.phrase_rollups import (
    PhraseRollupRow,
    expand_phrases,
    phrase_deltas,
    upsert_phrase_rollups,
)
from app.registry.sums import ADDITIVE_SUMS, STATES
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
from app.tenancy.models import Tenant

INTERVAL_MS: Final = 15 * 60 * 1000
QUEUE: Final = "q"
AGENT: Final = "a"
TEAM: Final = "m"
TENANT: Final = "t"
PIPELINE: Final = "p"
DAILY: Final = {QUEUE: "Q", AGENT: "A", TEAM: "M", TENANT: "T", PIPELINE: "P"}
NO_MAX: Final = -1
MICROS: Final = 1_000_000

STATE_MS_COLUMNS: Final = {
    "ringing": "ringing_ms",
    "on_call": "on_call_ms",
    "wrapup": "wrapup_state_ms",
    "available": "available_ms",
    "break": "break_ms",
}
"""Agent state (app/registry/sums.py STATES) -> its rollup column of agent x ms."""
SUM_COLUMNS: Final = (*ADDITIVE_SUMS, *(STATE_MS_COLUMNS[state] for state in STATES))
"""The additive measures, in this order everywhere (deltas, SQL sums)."""
COL: Final = {name: i for i, name in enumerate(SUM_COLUMNS)}
STATE_COLUMNS: Final = {state: COL[column] for state, column in STATE_MS_COLUMNS.items()}
STATE_INDEXES: Final = tuple(sorted(STATE_COLUMNS.values()))
KEY_COLUMNS: Final = ("tenant_id", "kind", "ivl_ms", "name", "team")


class KpiRollupRow(Base):
    __tablename__ = "kpi_rollups"
    __table_args__ = (
        Index("uq_kpi_rollups_key", "tenant_id", "kind", "ivl_ms", "name", "team", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(1))
    ivl_ms: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(128))
    team: Mapped[str] = mapped_column(String(128))
    answered: Mapped[int] = mapped_column(BigInteger, default=0)
    answered_known: Mapped[int] = mapped_column(BigInteger, default=0)
    answered_within_sl: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    abandoned: Mapped[int] = mapped_column(BigInteger, default=0)
    short_abandoned: Mapped[int] = mapped_column(BigInteger, default=0)
    left_queue: Mapped[int] = mapped_column(BigInteger, default=0)
    unanswered_unknown: Mapped[int] = mapped_column(BigInteger, default=0)
    handled: Mapped[int] = mapped_column(BigInteger, default=0)
    talk_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    hold_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    wrapup_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    transfers: Mapped[int] = mapped_column(BigInteger, default=0)
    expired: Mapped[int] = mapped_column(BigInteger, default=0)
    deals: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    csat_responses: Mapped[int] = mapped_column(BigInteger, default=0)
    csat_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    csat_satisfied: Mapped[int] = mapped_column(BigInteger, default=0)
    ringing_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    on_call_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    wrapup_state_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    available_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    break_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    max_wait_ms: Mapped[int] = mapped_column(BigInteger, default=NO_MAX)
    deals_created: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    deals_won: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    deals_lost: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    close_ms: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    closed_known: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    effort_ms: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    effort_known: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class KpiRollupZone(Base):
    """The time zone a tenant's daily rollup rows are cut in."""

    __tablename__ = "kpi_rollup_zones"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64))


RollupKey = tuple[int, str, int, str, str]
"""(tenant_id, kind, interval start ms, name, team)."""


class Delta:
    """The contributions of some facts to one rollup row."""

    __slots__ = ("max_wait", "sums")

    def __init__(self) -> None:
        self.sums = [0] * len(SUM_COLUMNS)
        self.max_wait = NO_MAX

    def wait(self, wait_ms: int) -> None:
        if wait_ms > self.max_wait:
            self.max_wait = wait_ms

    def add(self, other: Delta) -> None:
        mine, theirs = self.sums, other.sums
        for i, value in enumerate(theirs):
            mine[i] += value
        if other.max_wait > self.max_wait:
            self.max_wait = other.max_wait

    def sums_from(self, other: Delta, indexes: Iterable[int]) -> None:
        """Add only these sums (no maximum)."""
        mine, theirs = self.sums, other.sums
        for i in indexes:
            mine[i] += theirs[i]


def interval_of(ms: int) -> int:
    return ms - ms % INTERVAL_MS


def _ms(seconds: float | None) -> int:
    """Fact durations are the aggregator's integer milliseconds / 1000: this restores them."""
    return 0 if seconds is None else round(seconds * 1000)


class DeltaBuilder:
    """Sums the contributions of facts per rollup key."""

    def __init__(self) -> None:
        self.deltas: dict[RollupKey, Delta] = defaultdict(Delta)

    def _queue(self, tenant_id: int, ms: int, queue: str | None) -> Delta:
        return self.deltas[(tenant_id, QUEUE, interval_of(ms), queue or "", "")]

    def _agent(self, tenant_id: int, ms: int, agent: str, team: str | None) -> Delta:
        return self.deltas[(tenant_id, AGENT, interval_of(ms), agent, team or "")]

    def _targets(
        self, tenant_id: int, ms: int, queue: str | None, agent: str | None, team: str | None
    ) -> list[Delta]:
        targets = [self._queue(tenant_id, ms, queue)]
        if agent is not None:
            targets.append(self._agent(tenant_id, ms, agent, team))
        return targets

    def add(self, tenant_id: int, fact: Fact) -> None:
        if isinstance(fact, CallFact):
            self.add_call(tenant_id, fact)
        elif isinstance(fact, AgentStateFact):
            self.add_state(tenant_id, fact)
        elif isinstance(fact, PipelineFact):
            self.add_pipeline(tenant_id, fact)
        elif isinstance(fact, CallbackFact):
            return  # the call-back report reads its facts itself (app/callbacks/report.py)
        elif isinstance(fact, PhraseFact):
            return  # rolled up per phrase list (app/facts/phrase_rollups.py)
        elif isinstance(fact, DealFact):
            for d in self._targets(tenant_id, fact.ms, fact.queue, fact.agent, fact.team):
                d.sums[COL["deals"]] += 1
                d.sums[COL["revenue_micros"]] += round(fact.amount * MICROS)
        else:
            for d in self._targets(tenant_id, fact.ms, fact.queue, fact.agent, fact.team):
                d.sums[COL["csat_responses"]] += 1
                d.sums[COL["csat_sum"]] += fact.score
                d.sums[COL["csat_satisfied"]] += 1 if fact.score >= 4 else 0

    def add_pipeline(self, tenant_id: int, f: PipelineFact) -> None:
        """Pipeline sums to the queue-less row (the tenant's), the owner's and the pipeline's
        rows; a win's deal and revenue also to the queue of its call, as the live queue scope
        counts them."""
        if f.kind == "stage":
            return
        targets = [self._queue(tenant_id, f.ms, None)]
        if f.agent is not None:
            targets.append(self._agent(tenant_id, f.ms, f.agent, f.team))
        targets.append(self.deltas[(tenant_id, PIPELINE, interval_of(f.ms), f.pipeline, "")])
        for d in targets:
            s = d.sums
            if f.kind == "created":
                s[COL["deals_created"]] += 1
            elif f.kind == "lost":
                s[COL["deals_lost"]] += 1
            else:
                s[COL["deals_won"]] += 1
                if f.close_ms is not None:
                    s[COL["close_ms"]] += f.close_ms
                    s[COL["closed_known"]] += 1
                if f.effort_ms is not None:
                    s[COL["effort_ms"]] += f.effort_ms
                    s[COL["effort_known"]] += 1
        if f.kind != "won":
            return
        micros = round((f.amount or 0) * MICROS)
        if f.queue is not None:
            targets[0] = self._queue(tenant_id, f.ms, f.queue)
        for d in targets:
            d.sums[COL["deals"]] += 1
            d.sums[COL["revenue_micros"]] += micros

    def add_call(self, tenant_id: int, f: CallFact) -> None:
        known = f.wait_s is not None
        wait = _ms(f.wait_s)
        if f.direction == "inbound" and f.answered_ms is not None:
            for d in self._targets(tenant_id, f.answered_ms, f.queue, f.agent, f.team):
                s = d.sums
                s[COL["answered"]] += 1
                if known:
                    s[COL["answered_known"]] += 1
                    s[COL["answered_within_sl"]] += 1 if f.within_sl else 0
                    s[COL["wait_ms"]] += wait
                    d.wait(wait)
        elif f.outcome in ("abandoned", "left_queue"):
            d = self._queue(tenant_id, f.finished_ms, f.queue)
            s = d.sums
            if f.outcome == "abandoned":
                s[COL["abandoned"]] += 1
                s[COL["short_abandoned"]] += 1 if f.short_abandon else 0
                if known:
                    d.wait(wait)
            else:
                s[COL["left_queue"]] += 1
            s[COL["unanswered_unknown"]] += 0 if known else 1
        if f.outcome not in ("answered", "expired") and not f.transfers:
            return
        agent = f.agent if f.answered_ms is not None else None
        for d in self._targets(tenant_id, f.finished_ms, f.queue, agent, f.team):
            s = d.sums
            s[COL["transfers"]] += f.transfers
            if f.outcome == "answered":
                s[COL["handled"]] += 1
                s[COL["talk_ms"]] += _ms(f.talk_s)
                s[COL["hold_ms"]] += _ms(f.hold_s)
                s[COL["wrapup_ms"]] += _ms(f.wrapup_s)
            elif f.outcome == "expired":
                s[COL["expired"]] += 1

    def add_state(self, tenant_id: int, f: AgentStateFact) -> None:
        column = STATE_COLUMNS.get(f.state)
        if column is None or f.end_ms <= f.start_ms:
            return
        start = f.start_ms
        while start < f.end_ms:
            ivl = interval_of(start)
            end = min(f.end_ms, ivl + INTERVAL_MS)
            self._agent(tenant_id, ivl, f.agent, f.team).sums[column] += end - start
            start = end


def rollup_deltas(tenant_facts: Iterable[tuple[int, Fact]]) -> dict[RollupKey, Delta]:
    builder = DeltaBuilder()
    for tenant_id, fact in tenant_facts:
        builder.add(tenant_id, fact)
    return builder.deltas


def _greatest(dialect_name: str, a: Any, b: Any) -> Any:
    return func.greatest(a, b) if dialect_name == "postgresql" else func.max(a, b)


CHUNK: Final = 400


def expand(
    base: dict[RollupKey, Delta], day_start: Callable[[int, int], int | None]
) -> dict[RollupKey, Delta]:
    """Queue and agent deltas plus the team and tenant rows they add to, each also per local
    day where `day_start(tenant_id, interval)` gives the day (None: no daily rows)."""
    out: dict[RollupKey, Delta] = defaultdict(Delta)
    for key, delta in base.items():
        tenant_id, kind, ivl, name, team = key
        out[key].add(delta)
        tenant_row = out[(tenant_id, TENANT, ivl, "", "")]
        if kind == AGENT:
            tenant_row.sums_from(delta, STATE_INDEXES)
            if team:
                out[(tenant_id, TEAM, ivl, team, "")].add(delta)
        elif kind == QUEUE:
            tenant_row.add(delta)
    for key, delta in list(out.items()):
        tenant_id, kind, ivl, name, team = key
        day = day_start(tenant_id, ivl)
        if day is not None:
            out[(tenant_id, DAILY[kind], day, name, team)].add(delta)
    return out


async def daily_zones(conn: AsyncConnection, tenant_ids: Iterable[int]) -> dict[int, str]:
    """The zone to cut daily rows in, per tenant: recorded on first use; a tenant whose time
    zone changed since is left out (no daily rows until a rebuild)."""
    ids = sorted(set(tenant_ids))
    if not ids:
        return {}
    current = dict(
        (await conn.execute(select(Tenant.id, Tenant.timezone).where(Tenant.id.in_(ids)))).all()
    )
    zones = KpiRollupZone.__table__
    recorded = dict(
        (
            await conn.execute(
                select(zones.c.tenant_id, zones.c.timezone).where(zones.c.tenant_id.in_(ids))
            )
        ).all()
    )
    missing = [
        {"tenant_id": t, "timezone": current[t]} for t in ids if t in current and t not in recorded
    ]
    if missing:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        await conn.execute(
            dialect.insert(zones).on_conflict_do_nothing(index_elements=["tenant_id"]), missing
        )
        recorded.update(
            (
                await conn.execute(
                    select(zones.c.tenant_id, zones.c.timezone).where(zones.c.tenant_id.in_(ids))
                )
            ).all()
        )
    return {t: tz for t, tz in recorded.items() if current.get(t) == tz}


async def daily_zone(conn: AsyncConnection | AsyncSession, tenant_id: int) -> str | None:
    """The zone of the tenant's daily rows if it is still the tenant's time zone."""
    zones = KpiRollupZone.__table__
    row = (
        await conn.execute(
            select(zones.c.timezone, Tenant.timezone)
            .join(Tenant, Tenant.id == zones.c.tenant_id)
            .where(zones.c.tenant_id == tenant_id)
        )
    ).first()
    if row is None or row[0] != row[1]:
        return None
    return str(row[0])


class DayStarts:
    """Local midnight (epoch ms) of the day of a quarter hour, per tenant zone, memoised."""

    def __init__(self, zones: dict[int, str]) -> None:
        self.zones = {t: ZoneInfo(z) for t, z in zones.items()}
        self.memo: dict[tuple[int, int], int] = {}

    def __call__(self, tenant_id: int, ivl: int) -> int | None:
        tz = self.zones.get(tenant_id)
        if tz is None:
            return None
        found = self.memo.get((tenant_id, ivl))
        if found is None:
            local = datetime.fromtimestamp(ivl / 1000, UTC).astimezone(tz)
            midnight = datetime(local.year, local.month, local.day, tzinfo=tz)
            found = self.memo[(tenant_id, ivl)] = int(midnight.timestamp() * 1000)
        return found


async def add_to_rollups(conn: AsyncConnection, base: dict[RollupKey, Delta]) -> int:
    """Add queue and agent deltas, and the team, tenant and daily rows they make, to the rollup
    rows (creating missing rows). Keys are written in sorted order so that concurrent writers
    lock rows in the same order. Returns rows touched."""
    if not base:
        return 0
    zones = await daily_zones(conn, (key[0] for key in base))
    deltas = expand(base, DayStarts(zones))
    name = conn.dialect.name
    dialect = postgresql if name == "postgresql" else sqlite
    table = KpiRollupRow.__table__
    rows: list[dict[str, Any]] = []
    for key in sorted(deltas):
        delta = deltas[key]
        row: dict[str, Any] = dict(zip(KEY_COLUMNS, key, strict=True))
        row.update(zip(SUM_COLUMNS, delta.sums, strict=True))
        row["max_wait_ms"] = delta.max_wait
        rows.append(row)
    stmt = dialect.insert(table)
    excluded = stmt.excluded
    updates: dict[str, Any] = {c: table.c[c] + excluded[c] for c in SUM_COLUMNS}
    updates["max_wait_ms"] = _greatest(name, table.c.max_wait_ms, excluded.max_wait_ms)
    upsert = stmt.on_conflict_do_update(index_elements=list(KEY_COLUMNS), set_=updates)
    for start in range(0, len(rows), CHUNK):
        await conn.execute(upsert, rows[start : start + CHUNK])
    return len(rows)


async def add_to_phrase_rollups(
    conn: AsyncConnection, tenant_facts: Iterable[tuple[int, Fact]], since_ms: int | None = None
) -> int:
    """Add the phrase facts among `tenant_facts` to the phrase rollups (app/reports/
    phrase_rollups.py), in the kinds, intervals and daily zones of the KPI rollups; rows
    before `since_ms` are left out. Returns rows touched."""
    base = phrase_deltas(tenant_facts, interval_of, (QUEUE, AGENT))
    if since_ms is not None:
        base = {key: sums for key, sums in base.items() if key[2] >= since_ms}
    if not base:
        return 0
    zones = await daily_zones(conn, (key[0] for key in base))
    deltas = expand_phrases(base, DayStarts(zones), (QUEUE, AGENT, TEAM, TENANT), DAILY)
    return await upsert_phrase_rollups(conn, deltas)


FACT_BATCH: Final = 20_000


FACT_TABLES: Final[tuple[tuple[Any, Any], ...]] = (
    (CallFactRow, CallFact),
    (AgentStateFactRow, AgentStateFact),
    (DealFactRow, DealFact),
    (CsatFactRow, CsatFact),
    (PipelineFactRow, PipelineFact),
    (CallbackFactRow, CallbackFact),
    (PhraseFactRow, PhraseFact),
)


FACT_TIME_COLUMNS: Final = {
    CallFactRow: "finished_ms",
    AgentStateFactRow: "end_ms",
    DealFactRow: "ms",
    CsatFactRow: "ms",
    PipelineFactRow: "ms",
    CallbackFactRow: "closed_ms",
    PhraseFactRow: "ms",
}
"""The time after which a fact adds nothing to the rollups (a call's answer, abandon and
handle time all fall at or before its finish; a state interval is split up to its end)."""


async def rebuild_rollups(db: Database, tenant_id: int, since_ms: int | None = None) -> int:
    """Recompute a tenant's rollups from its facts (after restoring facts from a backup, or for
    facts written before the rollup table existed). Returns the facts read.

    `since_ms` None: everything, and the tenant's time zone is recorded again for the daily
    rows. Otherwise a local midnight of the tenant: only the rows from then on are rebuilt
    (from facts that reach that far) and older rows are left as they are — how rollups whose
    facts were deleted by the retention (app/facts/retention.py) are kept."""
    read = 0
    async with db.engine.begin() as conn:
        stale = delete(KpiRollupRow).where(KpiRollupRow.tenant_id == tenant_id)
        phrases = delete(PhraseRollupRow).where(PhraseRollupRow.tenant_id == tenant_id)
        if since_ms is None:
            await conn.execute(stale)
            await conn.execute(phrases)
            await conn.execute(delete(KpiRollupZone).where(KpiRollupZone.tenant_id == tenant_id))
        else:
            await conn.execute(stale.where(KpiRollupRow.ivl_ms >= since_ms))
            await conn.execute(phrases.where(PhraseRollupRow.ivl_ms >= since_ms))
        for model, struct in FACT_TABLES:
            table = model.__table__
            columns = [table.c[name] for name in struct.__struct_fields__]
            last_id = 0
            while True:
                query = (
                    select(table.c.id, *columns)
                    .where(table.c.tenant_id == tenant_id, table.c.id > last_id)
                    .order_by(table.c.id)
                    .limit(FACT_BATCH)
                )
                if since_ms is not None:
                    query = query.where(table.c[FACT_TIME_COLUMNS[model]] >= since_ms)
                rows = (await conn.execute(query)).all()
                if not rows:
                    break
                last_id = rows[-1][0]
                read += len(rows)
                facts = [(tenant_id, struct(*row[1:])) for row in rows]
                deltas = rollup_deltas(facts)
                if since_ms is not None:
                    deltas = {k: d for k, d in deltas.items() if k[2] >= since_ms}
                await add_to_rollups(conn, deltas)
                await add_to_phrase_rollups(conn, facts, since_ms)
    return read
