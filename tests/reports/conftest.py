"""Report tests run the real app on both engines (memory + SQLite, redis + PostgreSQL); the
replay tests use event time, so that `today` is the replayed day."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.core.config import ClockKind, Settings
from tests.conftest import RunningApp, start_app, stop_app


@pytest.fixture
async def event_app(engine_settings: Settings) -> AsyncIterator[RunningApp]:
    settings = engine_settings.model_copy(update={"clock": ClockKind.event})
    running, task = await start_app(settings)
    try:
        yield running
    finally:
        await stop_app(running, task)
