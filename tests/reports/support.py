"""Helpers of the report tests: ingest over HTTP and wait for the facts, write facts directly,
ask for reports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.core.db import Database
from app.events.schemas import AnyEvent
from app.facts.models import AgentStateFactRow, CallFactRow
from app.facts.writer import write_facts
from app.integrations.provision import provision_roster
from app.integrations.replay import replay
from app.integrations.simulation import Roster, SimConfig, Simulator
from app.streams.aggregator.facts import AgentStateFact, CallFact, CsatFact, DealFact, Fact
from app.wiring import FACT_DERIVED
from tests.conftest import RunningApp
from tests.helpers import eventually


async def count_facts(database_url: str, tenant_id: int) -> tuple[int, int]:
    db = Database(database_url)
    try:
        async with db.session() as session:
            calls = await session.scalar(
                select(func.count())
                .select_from(CallFactRow)
                .where(CallFactRow.tenant_id == tenant_id)
            )
            states = await session.scalar(
                select(func.count())
                .select_from(AgentStateFactRow)
                .where(AgentStateFactRow.tenant_id == tenant_id)
            )
            return int(calls or 0), int(states or 0)
    finally:
        await db.close()


async def ingest(app: RunningApp, key: str, events: Sequence[AnyEvent]) -> None:
    """Post the events over HTTP; every one must be accepted."""
    summary = await replay(events, app.base_url, key)
    assert summary.accepted == len(events), summary.rejections[:5]


async def wait_for_calls(app: RunningApp, tenant_id: int, calls: int) -> None:
    """Wait until the aggregator has written `calls` call facts for the tenant."""

    async def written() -> bool:
        return (await count_facts(app.settings.database_url, tenant_id))[0] >= calls

    await eventually(written, timeout=60, interval=0.2)


async def settle(app: RunningApp, tenant_id: int) -> None:
    """Wait until the tenant's fact counts stop changing for a moment."""
    last: list[tuple[int, int]] = []

    async def stable() -> bool:
        last.append(await count_facts(app.settings.database_url, tenant_id))
        return len(last) >= 4 and last[-1] == last[-4] and last[-1] != (0, 0)

    await eventually(stable, timeout=60, interval=0.3)


async def store_facts(database_url: str, tenant_id: int, facts: Sequence[Fact]) -> None:
    db = Database(database_url)
    try:
        await write_facts(db, [(tenant_id, f) for f in facts], derived=FACT_DERIVED)
    finally:
        await db.close()


async def kpi(app: RunningApp, key: str, **params: Any) -> dict[str, Any]:
    async with app.client(key) as client:
        response = await client.get("/v1/reports/kpi", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def provision(database_url: str, tenant_id: int, roster: Roster) -> None:
    """The simulated centre's queues (with their thresholds), teams and agents."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            await provision_roster(session, tenant_id, roster)
            await session.commit()
    finally:
        await db.close()


def simulated_day(
    day: date,
    tz: str,
    teams: int,
    agents_per_team: int,
    seed: int,
    transcripts: bool = False,
) -> Simulator:
    """A simulator positioned at local midnight of `day`, with unique ids for this test
    (`transcripts`: with transcript segments against the demo's phrase lists)."""
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    return Simulator(
        SimConfig(
            start=start,
            seed=seed,
            teams=teams,
            agents_per_team=agents_per_team,
            time_zone=tz,
            id_prefix=f"t{uuid.uuid4().hex[:8]}",
            transcripts=transcripts,
        )
    )


def distinct_calls(events: Sequence[AnyEvent]) -> int:
    return len({getattr(e, "call_id", None) for e in events} - {None})


def at(tz: str, y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, fold: int = 0) -> int:
    """Epoch ms of a local wall-clock time (`fold=1`: the second of a repeated hour)."""
    local = datetime(y, mo, d, h, mi, s, tzinfo=ZoneInfo(tz), fold=fold)
    return int(local.timestamp() * 1000)


def answered(
    call_id: str,
    queue: str | None,
    agent: str | None,
    team: str | None,
    enqueued: int,
    answered_ms: int,
    talk_s: float,
    wrapup_s: float = 0.0,
    sl_threshold_s: float = 20.0,
) -> CallFact:
    ended = answered_ms + round(talk_s * 1000)
    finished = ended + round(wrapup_s * 1000)
    wait = answered_ms - enqueued
    return CallFact(
        fact_id=f"call:{call_id}:1:{enqueued}",
        call_id=call_id,
        direction="inbound",
        outcome="answered",
        queue=queue,
        agent=agent,
        team=team,
        enqueued_ms=enqueued,
        answered_ms=answered_ms,
        ended_ms=ended,
        wrapup_ended_ms=finished,
        finished_ms=finished,
        wait_s=wait / 1000,
        talk_s=talk_s,
        hold_s=0.0,
        wrapup_s=wrapup_s,
        transfers=0,
        short_abandon=False,
        within_sl=wait <= sl_threshold_s * 1000,
    )


def abandoned(call_id: str, queue: str, enqueued: int, gone: int, short_s: float = 5) -> CallFact:
    wait = gone - enqueued
    return CallFact(
        fact_id=f"call:{call_id}:1:{enqueued}",
        call_id=call_id,
        direction="inbound",
        outcome="abandoned",
        queue=queue,
        agent=None,
        team=None,
        enqueued_ms=enqueued,
        answered_ms=None,
        ended_ms=gone,
        wrapup_ended_ms=None,
        finished_ms=gone,
        wait_s=wait / 1000,
        talk_s=0.0,
        hold_s=0.0,
        wrapup_s=0.0,
        transfers=0,
        short_abandon=wait < short_s * 1000,
        within_sl=False,
    )


def state(
    agent: str, team: str | None, name: str, start: int, end: int, reason: str | None = None
) -> AgentStateFact:
    return AgentStateFact(f"state:{agent}:{start}", agent, team, name, reason, start, end)


def deal(
    fact_id: str, agent: str, team: str | None, queue: str | None, amount: float, ms: int
) -> DealFact:
    return DealFact(fact_id, agent, team, queue, None, amount, "EUR", ms)


def survey(
    fact_id: str, score: int, agent: str | None, team: str | None, queue: str | None, ms: int
) -> CsatFact:
    return CsatFact(fact_id, score, agent, team, queue, None, ms)
