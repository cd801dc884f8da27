"""Rate limits per API key and per user (app/core/rate_limit.py): over real HTTP on both
engines, and shared through Redis by two API servers of the redis engine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.core.config import EngineKind, Settings
from app.core.rate_limit import MemoryRateLimiter
from tests.api.live_server import provision
from tests.auth.support import login
from tests.conftest import ENGINES_AND_CLUSTER, RunningApp, engine_settings_of, start_app, stop_app


@pytest.fixture(params=ENGINES_AND_CLUSTER)
def engine_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Both engines, and the redis engine on a Redis Cluster too."""
    return engine_settings_of(request, tmp_path)


LIMIT = 5
WINDOW_S = 86_400.0
"""Windows are aligned to the epoch: a day-long one does not restart in the middle of a test."""
LIMITS = {"rate_limit_api_key": LIMIT, "rate_limit_user": LIMIT, "rate_limit_window_s": WINDOW_S}


async def test_a_window_counts_up_to_the_limit_then_says_how_long_to_wait() -> None:
    limiter = MemoryRateLimiter(window_s=60.0)

    answers = [await limiter.hit("key:1", 3) for _ in range(4)]
    other = await limiter.hit("key:2", 3)

    assert answers[:3] == [None, None, None]
    assert answers[3] is not None
    assert 0 < answers[3] <= 60
    assert other is None


async def test_memory_limiter_restarts_each_window() -> None:
    limiter = MemoryRateLimiter(window_s=0.2)
    await asyncio.sleep(limiter.window(time.time())[1])  # at the start of a window
    assert await limiter.hit("user:1", 1) is None
    refused = await limiter.hit("user:1", 1)
    assert refused is not None
    await asyncio.sleep(refused + 0.01)
    assert await limiter.hit("user:1", 1) is None


@pytest.fixture
async def limited(engine_settings: Settings) -> AsyncIterator[RunningApp]:
    running, task = await start_app(engine_settings.model_copy(update=LIMITS))
    try:
        yield running
    finally:
        await stop_app(running, task)


async def test_each_api_key_and_each_user_has_its_own_budget(limited: RunningApp) -> None:
    credentials = await provision(limited.settings.database_url)
    async with limited.client() as client:
        by_key = [
            await client.get("/v1/teams", headers=credentials.bearer(credentials.read_key))
            for _ in range(LIMIT + 1)
        ]
        other_key = await client.get("/v1/teams", headers=credentials.bearer(credentials.admin_key))
        ingest = await client.post(
            "/v1/events", json=[], headers=credentials.bearer(credentials.ingest_key)
        )
    assert [r.status_code for r in by_key] == [200] * LIMIT + [429]
    refused = by_key[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW_S
    assert credentials.read_key not in refused.text
    assert other_key.status_code == 200
    assert ingest.status_code == 200


async def test_a_users_sessions_and_tokens_share_one_budget(limited: RunningApp) -> None:
    credentials = await provision(limited.settings.database_url)
    session = await login(limited.base_url, "boss", tenant=credentials.tenant)
    token = credentials.bearer(credentials.admin_token)
    async with limited.client() as client:
        statuses = [
            (await client.get("/v1/auth/me", headers=headers)).status_code
            for headers in [token, session.headers()] * 3
        ]
    assert statuses == [200] * LIMIT + [429]


async def test_api_servers_of_the_redis_engine_share_the_counts(
    engine_settings: Settings,
) -> None:
    if engine_settings.engine is not EngineKind.redis:
        pytest.skip("the memory engine runs one process")
    settings = engine_settings.model_copy(update=LIMITS)
    first, first_task = await start_app(settings)
    second, second_task = await start_app(settings)
    try:
        credentials = await provision(settings.database_url)
        headers = credentials.bearer(credentials.read_key)
        statuses = []
        for n in range(LIMIT + 1):
            server = first if n % 2 == 0 else second
            async with server.client() as client:
                statuses.append((await client.get("/v1/teams", headers=headers)).status_code)
    finally:
        await stop_app(second, second_task)
        await stop_app(first, first_task)
    assert statuses == [200] * LIMIT + [429]
