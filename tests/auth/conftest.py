"""The auth tests run on both engines like the rest; every test logs in from 127.0.0.1, so the
per-address login limit is raised here (the throttle tests set their own limits)."""

from __future__ import annotations

import pytest

from app.core.config import Settings


@pytest.fixture
def engine_settings(engine_settings: Settings) -> Settings:
    return engine_settings.model_copy(update={"login_ip_max_failures": 10_000})
