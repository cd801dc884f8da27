"""The funnel topics wait for the database; the rest of a wall does not: a database that cannot
be read keeps each funnel at its last value (empty if it had none) instead of failing the
round that also carries the engine's live topics."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any, cast

from app.dashboards.topics import parse_topic
from app.services import Services
from app.widgets.funnels import FunnelFeed


class BrokenEngine:
    async def board(self, tenant_id: int) -> Any:
        raise ConnectionError("database and engine unreachable")


async def test_an_unreadable_database_keeps_the_last_funnel() -> None:
    services = cast(Services, SimpleNamespace(engine=BrokenEngine()))
    feed = FunnelFeed(services, refresh_s=0.0)
    shown = parse_topic(1, "funnel:pipeline:default:today")
    never = parse_topic(1, "funnel:pipeline:b2b:week")
    feed._values[(1, shown.name)] = (time.monotonic() - 60, 123, {"created": 4, "steps": []})
    got = await feed.states(1, [shown, never])
    assert got == {shown.name: (123, {"created": 4, "steps": []}), never.name: (0, {})}
