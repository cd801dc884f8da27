"""PostgreSQL stopped for 30 s under load (tests/reliability/postgres_outage.py). The scenario
was started in the background at the suite's first test; this test waits for its verdict."""

from __future__ import annotations

import pytest

from tests.reliability.background import EarlyScenarios

pytestmark = pytest.mark.slow


async def test_postgres_stopped_for_30_s_under_load(early_scenarios: EarlyScenarios) -> None:
    await early_scenarios.result("postgres_outage")
