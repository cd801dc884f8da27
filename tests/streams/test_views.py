"""Views of the redis engine: the owner writes the tenant and queue scopes always, other parts
only once an API process asked for them, and only what changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.alerts.runtime import AlertRuntime
from app.core.config import ClockKind, EngineKind
from app.events.schemas import AgentLogin, CallAnswered, CallQueued, Event
from app.streams.redis_engine import RedisEngine
from app.streams.views import AT, BOARD, META, scope_field
from app.wiring import build_services
from tests.conftest import REDIS_KINDS, make_settings, redis_of_kind
from tests.helpers import eventually, make_tenant_key, now_ms


@pytest.fixture(params=REDIS_KINDS)
def redis_url(request: pytest.FixtureRequest) -> str:
    """The single Redis server and a Redis Cluster."""
    return redis_of_kind(request)


@pytest.fixture
async def engine(pg_migrated: str, redis_url: str, redis_prefix: str) -> AsyncIterator[RedisEngine]:
    settings = make_settings(
        engine=EngineKind.redis,
        database_url=pg_migrated,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        clock=ClockKind.event,
    )
    services = build_services(settings)
    assert isinstance(services.engine, RedisEngine)
    await services.engine.start()
    try:
        yield services.engine
    finally:
        await services.engine.close()
        await services.part(AlertRuntime).close()
        await services.db.close()


def traffic(base: int) -> list[Event]:
    return [
        AgentLogin(id="e1", ts=base, agent="ann"),
        AgentLogin(id="e2", ts=base + 1, agent="bob"),
        CallQueued(id="e3", ts=base + 2, call_id="c1", queue="Sales"),
        CallAnswered(id="e4", ts=base + 5_002, call_id="c1", agent="ann"),
        CallQueued(id="e5", ts=base + 6_000, call_id="c2", queue="Support"),
    ]


async def fields(engine: RedisEngine, tenant: int) -> set[str]:
    got: Any = await engine.redis.hkeys(engine.keys.view(tenant))
    return {f.decode() for f in got}


async def test_parts_are_written_when_wanted_and_read_back_exactly(
    pg_migrated: str, engine: RedisEngine
) -> None:
    tenant, _ = await make_tenant_key(pg_migrated)
    await engine.append(tenant, traffic(now_ms() - 60_000))

    async def tenant_written() -> bool:
        return await engine.counts(tenant) == {
            "agent.login": 2,
            "call.queued": 2,
            "call.answered": 1,
        }

    await eventually(tenant_written)
    written = await fields(engine, tenant)
    assert {META, AT, scope_field("tenant"), scope_field("queue:Sales")} <= written
    assert scope_field("agent:ann") not in written
    assert BOARD not in written

    live = await engine.live(tenant, [("agent:ann", "15m"), ("queue:Sales", "15m")])
    assert live is not None
    assert live.values[("agent:ann", "15m")]["answered"] == 1
    assert live.values[("queue:Sales", "15m")]["asa"] == 5.0
    assert scope_field("agent:ann") in await fields(engine, tenant)

    got = await engine.board(tenant)
    assert got is not None
    at_ms, rows = got
    assert at_ms > 0
    assert {(r["agent"], r["state"]) for r in rows} == {("ann", "on_call"), ("bob", "available")}


async def test_a_tenant_never_aggregated_has_no_view(engine: RedisEngine) -> None:
    assert await engine.live(987_654, [("tenant", "live")]) is None
    assert await engine.board(987_654) is None
    assert await engine.counts(987_654) == {}
