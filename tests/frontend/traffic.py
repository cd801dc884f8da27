"""Realistic traffic for the browser tests: the demo's simulated call centre, an hour back-filled
and then played live, posted over HTTP like any integration."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import msgspec

from app.core.db import Database
from app.integrations.demo import demo_config
from app.integrations.provision import provision_roster
from app.integrations.simulation import Simulator
from app.integrations.simulation.live import stream_live
from tests.frontend.conftest import Wall


def as_json(events: list[object]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = msgspec.to_builtins(events)
    return out


@asynccontextmanager
async def simulated_floor(wall: Wall, seed: int = 7) -> AsyncIterator[Simulator]:
    """Provision the roster, post an hour of history, keep posting live events until exit."""
    sim = Simulator(demo_config(datetime.now(UTC), seed=seed))
    db = Database(wall.app.settings.database_url)
    try:
        async with db.session() as session:
            await provision_roster(session, wall.tenant_id, sim.roster())
            await session.commit()
    finally:
        await db.close()
    wall.app.services.configs.invalidate(wall.tenant_id)
    backfill = sim.run_until(int(time.time() * 1000))
    for start in range(0, len(backfill), 2000):
        await wall.post(as_json(list(backfill[start : start + 2000])))

    async def play() -> None:
        async for batch in stream_live(sim, 1.0, time.time, tick_s=0.5):
            await wall.post(as_json(list(batch)))

    task = asyncio.create_task(play())
    try:
        yield sim
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
