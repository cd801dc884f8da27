"""The 2-minute soak of `make test` (bench/soak.py; the one-hour soak is run by hand): memory
flat, no error, totals exact. It runs in the background during the fault tests; this test
waits for its verdict."""

from __future__ import annotations

import pytest

from tests.reliability.background import EarlyScenarios

pytestmark = pytest.mark.slow


async def test_soak_two_minutes(early_scenarios: EarlyScenarios) -> None:
    await early_scenarios.result("soak")
