"""Alert tests drive the clock with event time: now is the latest event's time, so `for`,
`keep_firing_for`, repeat intervals and quiet hours are exact. Users log in from 127.0.0.1 in
many tests, so the per-address login limit is raised."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.core.config import ClockKind, Settings
from tests.alerts.deliveries import Fixture, alert_fixture


@pytest.fixture
def engine_settings(engine_settings: Settings) -> Settings:
    return engine_settings.model_copy(
        update={"clock": ClockKind.event, "login_ip_max_failures": 10_000}
    )


@pytest.fixture
async def fx(sqlite_url: str) -> AsyncIterator[Fixture]:
    async for fixture in alert_fixture(sqlite_url):
        yield fixture
