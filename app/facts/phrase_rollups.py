"""Rollups of the phrase facts: the phrase sums (app/registry/sums.py, PHRASE_SUM_FIELDS) per
15-minute interval and per local day, per group and **phrase list**.

The per-list metrics (`phrase_hits:LIST`, `calls_with:LIST`, `script_adherence:LIST`) are named
by the tenant's lists, which come and go, so they cannot be columns of `kpi_rollups`: this
table has the list as part of its key (`list_name`, '' for the sums of no list: handled calls
with a transcript, banned calls, sentiment). Kinds, daily rows, time zones and the additive
upsert are those of `kpi_rollups` (app/facts/rollups.py): a queue row per segment or call
(`q`, queue '' when none), an agent row (`a`, with its team), and from them the team (`m`) and
tenant (`t`) rows, each also per local day in upper case. Written in the same transaction as
the facts, from the facts that were new, so a fact is never counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Final

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base
from app.registry.sums import PHRASE_SUM_FIELDS
from app.streams.aggregator.facts import Fact, PhraseFact

PHRASE_KEY_COLUMNS: Final = ("tenant_id", "kind", "ivl_ms", "name", "team", "list_name")

PhraseKey = tuple[int, str, int, str, str, str]
"""(tenant_id, kind, interval or day start ms, name, team, list name)."""


class PhraseRollupRow(Base):
    __tablename__ = "phrase_rollups"
    __table_args__ = (Index("uq_phrase_rollups_key", *PHRASE_KEY_COLUMNS, unique=True),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(1))
    ivl_ms: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(128))
    team: Mapped[str] = mapped_column(String(128))
    list_name: Mapped[str] = mapped_column(String(40))
    hits: Mapped[int] = mapped_column(BigInteger, default=0)
    calls_with: Mapped[int] = mapped_column(BigInteger, default=0)
    adherent: Mapped[int] = mapped_column(BigInteger, default=0)
    transcribed: Mapped[int] = mapped_column(BigInteger, default=0)
    banned_calls: Mapped[int] = mapped_column(BigInteger, default=0)
    with_sentiment: Mapped[int] = mapped_column(BigInteger, default=0)
    negative: Mapped[int] = mapped_column(BigInteger, default=0)


PhraseDeltas = dict[PhraseKey, list[int]]


def phrase_deltas(
    tenant_facts: Iterable[tuple[int, Fact]],
    interval_of: Callable[[int], int],
    kinds: tuple[str, str],
) -> PhraseDeltas:
    """The queue and agent rows the phrase facts add to; `kinds` = the queue and agent kinds."""
    queue_kind, agent_kind = kinds
    out: PhraseDeltas = defaultdict(lambda: [0] * len(PHRASE_SUM_FIELDS))
    for tenant_id, f in tenant_facts:
        if not isinstance(f, PhraseFact):
            continue
        sums = (f.hits, f.calls_with, f.adherent, f.transcribed, f.banned_calls,
                f.with_sentiment, f.negative)  # fmt: skip
        ivl = interval_of(f.ms)
        targets = [out[(tenant_id, queue_kind, ivl, f.queue or "", "", f.list_name)]]
        if f.agent is not None:
            targets.append(out[(tenant_id, agent_kind, ivl, f.agent, f.team or "", f.list_name)])
        for row in targets:
            for i, value in enumerate(sums):
                row[i] += value
    return out


def expand_phrases(
    base: PhraseDeltas,
    day_start: Callable[[int, int], int | None],
    kinds: tuple[str, str, str, str],
    daily: dict[str, str],
) -> PhraseDeltas:
    """Queue and agent rows plus the tenant rows (from the queue rows) and team rows (from the
    agent rows of agents with a team), each also per local day where `day_start` gives one.
    `kinds`: the queue, agent, team and tenant kinds."""
    queue_kind, agent_kind, team_kind, tenant_kind = kinds
    out: PhraseDeltas = defaultdict(lambda: [0] * len(PHRASE_SUM_FIELDS))

    def add(key: PhraseKey, sums: list[int]) -> None:
        row = out[key]
        for i, value in enumerate(sums):
            row[i] += value

    for key, sums in base.items():
        tenant_id, kind, ivl, _, team, list_name = key
        add(key, sums)
        if kind == queue_kind:
            add((tenant_id, tenant_kind, ivl, "", "", list_name), sums)
        elif kind == agent_kind and team:
            add((tenant_id, team_kind, ivl, team, "", list_name), sums)
    for key, sums in list(out.items()):
        tenant_id, kind, ivl, name, team, list_name = key
        day = day_start(tenant_id, ivl)
        if day is not None:
            add((tenant_id, daily[kind], day, name, team, list_name), sums)
    return out


CHUNK: Final = 400


async def upsert_phrase_rollups(conn: AsyncConnection, deltas: PhraseDeltas) -> int:
    """Add the rows' sums (creating missing rows), keys in sorted order so that concurrent
    writers lock rows in the same order. Returns rows touched."""
    if not deltas:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    table = PhraseRollupRow.__table__
    rows: list[dict[str, Any]] = []
    for key in sorted(deltas):
        row: dict[str, Any] = dict(zip(PHRASE_KEY_COLUMNS, key, strict=True))
        row.update(zip(PHRASE_SUM_FIELDS, deltas[key], strict=True))
        rows.append(row)
    stmt = dialect.insert(table)
    excluded = stmt.excluded
    updates = {c: table.c[c] + excluded[c] for c in PHRASE_SUM_FIELDS}
    upsert = stmt.on_conflict_do_update(index_elements=list(PHRASE_KEY_COLUMNS), set_=updates)
    for start in range(0, len(rows), CHUNK):
        await conn.execute(upsert, rows[start : start + CHUNK])
    return len(rows)
