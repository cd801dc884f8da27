"""Helpers of the report tests: ingest over HTTP and wait for the facts, write facts directly,
ask for reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from app.core.db import Database
from app.events.schemas import AnyEvent
from app.integrations.replay import replay
from app.reports.facts import write_facts
from app.reports.models import AgentStateFactRow, CallFactRow
from app.streams.aggregator.facts import Fact
from tests.conftest import RunningApp
from tests.helpers import eventually


async def count_facts(database_url: str, tenant_id: int) -> tuple[int, int]:
    db = Database(database_url)
    try:
        async with db.session() as session:
            calls = await session.scalar(
                select(func.count()).select_from(CallFactRow).where(CallFactRow.tenant_id == tenant_id)
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


async def wait_for_calls(app: RunningApp, tenant_id: int, calls: int, timeout: float = 60) -> None:
    """Wait until the aggregator has written `calls` call facts for the tenant."""

    async def written() -> bool:
        return (await count_facts(app.settings.database_url, tenant_id))[0] >= calls

    await eventually(written, timeout=timeout, interval=0.2)


async def settle(app: RunningApp, tenant_id: int, timeout: float = 60) -> None:
    """Wait until the tenant's fact counts stop changing for a moment."""
    last: list[tuple[int, int]] = []

    async def stable() -> bool:
        last.append(await count_facts(app.settings.database_url, tenant_id))
        return len(last) >= 4 and last[-1] == last[-4] and last[-1] != (0, 0)

    await eventually(stable, timeout=timeout, interval=0.3)


async def store_facts(database_url: str, tenant_id: int, facts: Sequence[Fact]) -> None:
    db = Database(database_url)
    try:
        await write_facts(db, [(tenant_id, f) for f in facts])
    finally:
        await db.close()


async def kpi(app: RunningApp, key: str, **params: Any) -> dict[str, Any]:
    async with app.client(key) as client:
        response = await client.get("/v1/reports/kpi", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
