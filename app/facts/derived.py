"""Data kept outside the fact store but derived from its facts (the outcomes of shifts, judged
from agent-state facts). The fact store does not know who derives what: the writer and the
retention are handed the derived data to keep right, by the one place that wires the
application (app/wiring.py) and by the command line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.db import Database
from app.streams.aggregator.facts import Fact


class DerivedFromFacts(Protocol):
    async def facts_added(self, conn: AsyncConnection, added: Sequence[tuple[int, Fact]]) -> None:
        """New facts were written (by tenant), in the writer's open transaction: forget what
        they change."""

    async def facts_expiring(
        self, db: Database, tenant_id: int, before_ms: int, now_ms: int
    ) -> int:
        """The tenant's facts older than `before_ms` are about to be deleted: settle (store)
        what is derived from them; returns how many things were settled."""
