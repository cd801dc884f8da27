"""The embedded engine writes facts in the background: the live view keeps up while SQLite is
slow (another connection holds its write lock) or failing (the facts table is gone for a
while), every fact still arrives once the database is back, and a shutdown writes what is
queued before the process ends. The database is a real SQLite file, blocked and broken by a
second real connection to it."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.core.config import EngineKind
from app.streams.fact_writer import FactWriter
from app.streams.memory import MemoryEngine
from tests.conftest import RunningApp, make_settings, start_app, stop_app
from tests.helpers import eventually, make_tenant_key, sqlite_path
from tests.ops.test_metrics_endpoint import scrape, value
from tests.reports.support import count_facts

CALLS_PER_BATCH = 50
BATCHES = 6
LIVE_WITHIN_S = 10.0


def whole_calls(batch: int, base_ms: int) -> list[dict[str, Any]]:
    """Complete calls (queued, answered, ended, wrap-up ended): one call fact each."""
    events: list[dict[str, Any]] = []
    for n in range(batch * CALLS_PER_BATCH, (batch + 1) * CALLS_PER_BATCH):
        call, t = f"c{n}", base_ms + n * 1000
        events += [
            {"id": f"{call}-q", "type": "call.queued", "ts": t, "call_id": call, "queue": "Q"},
            {"id": f"{call}-a", "type": "call.answered", "ts": t + 4_000, "call_id": call}
            | {"agent": f"a{n % 9}"},
            {"id": f"{call}-e", "type": "call.ended", "ts": t + 60_000, "call_id": call},
            {"id": f"{call}-w", "type": "call.wrapup_ended", "ts": t + 65_000, "call_id": call},
        ]
    return events


@pytest.fixture
def sqlite_file(sqlite_url: str) -> Path:
    return sqlite_path(sqlite_url)


@pytest.fixture
async def memory_app(sqlite_url: str) -> AsyncIterator[RunningApp]:
    settings = make_settings(engine=EngineKind.memory, database_url=sqlite_url)
    running, task = await start_app(settings)
    try:
        yield running
    finally:
        await stop_app(running, task)


@contextmanager
def other_connection(path: Path) -> Iterator[sqlite3.Connection]:
    # used from a thread: a statement waiting for the app's write lock must not block the event
    # loop the app (in this process) needs to finish that write
    conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    try:
        yield conn
    finally:
        conn.close()


def writer_of(app: RunningApp) -> FactWriter:
    engine = app.services.engine
    assert isinstance(engine, MemoryEngine)
    return engine.facts


async def post_all(app: RunningApp, key: str) -> int:
    """Post the batches one after another; the number of events accepted."""
    base_ms = int(time.time() * 1000) - 3_600_000
    accepted = 0
    async with app.client(key) as client:
        for batch in range(BATCHES):
            response = await client.post("/v1/events", json=whole_calls(batch, base_ms))
            assert response.status_code == 200, response.text
            accepted += response.json()["accepted"]
    return accepted


async def aggregated(app: RunningApp, key: str) -> int:
    async with app.client(key) as client:
        response = await client.get("/v1/metrics/events")
    assert response.status_code == 200, response.text
    return sum(response.json().values())


async def wait_live(app: RunningApp, key: str, events: int) -> None:
    async def caught_up() -> bool:
        return await aggregated(app, key) == events

    await eventually(caught_up, timeout=LIVE_WITHIN_S, interval=0.05)


async def test_the_live_view_does_not_wait_for_a_blocked_database(
    memory_app: RunningApp, sqlite_file: Path
) -> None:
    url = memory_app.settings.database_url
    tenant_id, key = await make_tenant_key(url)
    with other_connection(sqlite_file) as blocker:
        # holds the write lock: fact writes wait for it
        await asyncio.to_thread(blocker.execute, "BEGIN IMMEDIATE")
        events = await post_all(memory_app, key)
        assert events == BATCHES * CALLS_PER_BATCH * 4
        await wait_live(memory_app, key, events)
        assert await count_facts(url, tenant_id) == (0, 0)  # none could be written yet
        async with memory_app.client() as local:
            blocked = await scrape(local)
        assert value(blocked, "floorwatch_facts_pending") >= BATCHES * CALLS_PER_BATCH
        blocker.execute("ROLLBACK")

    async def all_written() -> bool:
        return (await count_facts(url, tenant_id))[0] == BATCHES * CALLS_PER_BATCH

    await eventually(all_written, timeout=30, interval=0.1)
    async with memory_app.client() as local:
        written = await scrape(local)
    assert (
        value(written, "floorwatch_facts_written_total")
        - value(blocked, "floorwatch_facts_written_total")
        >= BATCHES * CALLS_PER_BATCH
    )


async def test_a_failing_database_is_retried_and_aggregation_goes_on(
    memory_app: RunningApp, sqlite_file: Path
) -> None:
    url = memory_app.settings.database_url
    tenant_id, key = await make_tenant_key(url)
    writer = writer_of(memory_app)
    with other_connection(sqlite_file) as breaker:
        await asyncio.to_thread(breaker.execute, "ALTER TABLE call_facts RENAME TO call_facts_away")
        events = await post_all(memory_app, key)
        await wait_live(memory_app, key, events)

        async def failed() -> bool:
            return writer.failing

        await eventually(failed, timeout=10)
        more = whole_calls(BATCHES, int(time.time() * 1000) - 3_600_000)
        async with memory_app.client(key) as client:
            response = await client.post("/v1/events", json=more)
        assert response.status_code == 200, response.text
        await wait_live(memory_app, key, events + len(more))  # still aggregating
        await asyncio.to_thread(breaker.execute, "ALTER TABLE call_facts_away RENAME TO call_facts")

    async def all_written() -> bool:
        return (await count_facts(url, tenant_id))[0] == (BATCHES + 1) * CALLS_PER_BATCH

    await eventually(all_written, timeout=30, interval=0.1)
    assert writer.dropped == 0


async def test_shutdown_writes_every_queued_fact(sqlite_url: str, sqlite_file: Path) -> None:
    url = sqlite_url
    app, serving = await start_app(make_settings(engine=EngineKind.memory, database_url=url))
    tenant_id, key = await make_tenant_key(url)
    with other_connection(sqlite_file) as blocker:
        await asyncio.to_thread(blocker.execute, "BEGIN IMMEDIATE")
        events = await post_all(app, key)
        await wait_live(app, key, events)
        stopping = asyncio.create_task(stop_app(app, serving))
        await asyncio.sleep(1.0)
        assert not stopping.done()  # the shutdown waits for the queued facts
        blocker.execute("ROLLBACK")
    await stopping
    assert (await count_facts(url, tenant_id))[0] == BATCHES * CALLS_PER_BATCH
