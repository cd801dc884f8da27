"""Alert tests drive the clock with event time: now is the latest event's time, so `for`,
`keep_firing_for`, repeat intervals and quiet hours are exact. Users log in from 127.0.0.1 in
many tests, so the per-address login limit is raised."""

from __future__ import annotations

import pytest

from app.config import ClockKind, Settings


@pytest.fixture
def engine_settings(engine_settings: Settings) -> Settings:
    return engine_settings.model_copy(
        update={"clock": ClockKind.event, "login_ip_max_failures": 10_000}
    )
