"""One body-size limit for every route, larger ones for bulk input, answered with 413 before
the body is read: a declared `Content-Length` is refused without reading a byte, a chunked body
as soon as it passes the limit (issue 18, item 1). A real server over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest

from app.auth.keys import Scope
from app.core.config import Settings
from tests.auth.support import make_org
from tests.conftest import RunningApp, make_settings, start_app, stop_app
from tests.core.raw_http import chunk, connect, request_head
from tests.helpers import ev, make_tenant_key

SMALL = 4096
BULK = 64 * 1024


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(database_url=sqlite_url, max_request_body_bytes=SMALL, max_body_bytes=BULK)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[RunningApp]:
    running, task = await start_app(settings)
    try:
        yield running
    finally:
        await stop_app(running, task)


async def test_declared_length_over_the_limit_is_refused_before_any_body_is_sent(
    server: RunningApp,
) -> None:
    conn = await connect(server.base_url)
    try:
        await conn.send(
            request_head(
                "POST",
                "/v1/auth/login",
                {"Content-Type": "application/json", "Content-Length": str(200 * 1024 * 1024)},
            )
        )
        assert await conn.status() == 413  # not one byte of the 200 MB was sent
    finally:
        await conn.close()


async def test_chunked_body_is_refused_while_it_streams(server: RunningApp) -> None:
    """The body never ends: before the limit the server would wait for the rest forever."""
    conn = await connect(server.base_url)
    try:
        await conn.send(
            request_head(
                "POST",
                "/v1/auth/login",
                {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            )
        )
        await conn.send(chunk(b'{"username": "' + b"a" * 1000))
        for _ in range(4):
            await conn.send(chunk(b"a" * 1000))
        assert await conn.status() == 413
    finally:
        await conn.close()


async def test_over_limit_answer_is_the_usual_error_shape(server: RunningApp) -> None:
    async with server.client() as client:
        response = await client.post("/v1/coaching", content=b"x" * (SMALL + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert str(SMALL) in response.json()["error"]["message"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_bulk_routes_take_bodies_up_to_their_own_limit(
    server: RunningApp, settings: Settings
) -> None:
    url = settings.database_url
    tenant_id, key = await make_tenant_key(url, {Scope.ingest, Scope.read, Scope.admin})
    await make_org(url, tenant_id, {"Day": [f"a{i}" for i in range(100)]})
    events = [ev("agent.login", agent=f"a{i}", note="n" * 40) for i in range(120)]
    payload = orjson.dumps(events)
    assert SMALL < len(payload) < BULK
    async with server.client(key) as client:
        accepted = await client.post(
            "/v1/events", content=payload, headers={"Content-Type": "application/json"}
        )
        too_big = await client.post(
            "/v1/events",
            content=b"[" + b" " * BULK + b"]",
            headers={"Content-Type": "application/json"},
        )
        csv = "agent,start,end\n" + "\n".join(
            f"a{i},2026-01-01T08:00:00+00:00,2026-01-01T16:00:00+00:00" for i in range(100)
        )
        assert len(csv) > SMALL
        imported = await client.post(
            "/v1/shifts/import", content=csv, headers={"Content-Type": "text/csv"}
        )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["received"] == len(events)
    assert too_big.status_code == 413
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 100
