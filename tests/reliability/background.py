"""Scenarios the suite runs in the background (see conftest.py `early_scenarios`): they take a
fixed time of mostly waiting, so they overlap the busy fault tests. The test that awaits a
scenario is `test_NAME.py` for the name it is registered under in EARLY. (The soak is not one:
it measures, so it runs alone.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path

from tests.reliability.postgres_outage import postgres_outage
from tests.reliability.servers import own_postgres, own_redis

Scenario = Callable[[Path], Coroutine[None, None, None]]


async def postgres_outage_scenario(workdir: Path) -> None:
    async with own_postgres() as pg, own_redis(workdir / "redis") as redis:
        await postgres_outage(pg, redis, workdir)


EARLY: dict[str, Scenario] = {
    "postgres_outage": postgres_outage_scenario,
}


class EarlyScenarios:
    def __init__(self) -> None:
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def result(self, name: str) -> None:
        """The scenario's verdict: returns if it passed, raises what it raised."""
        await self.tasks[name]
