"""Slow and idle connections are closed (issue 18, item 6) and `X-Forwarded-For` is believed
only from configured proxies (item 8): raw sockets against a real server built exactly as
`floorwatch serve` builds it (app/core/server.py), with short timeouts, and one check against
`floorwatch serve` itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.core.config import Settings
from app.core.server import server_config
from app.main import create_app
from app.widgets.client import LiveClient, ws_url
from tests.api import live_server
from tests.conftest import make_settings
from tests.core.raw_http import RawConnection, connect, request_head
from tests.helpers import make_tenant_key

HEADER_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 1.5
KEEP_ALIVE_S = 1
MARGIN_S = 2.5  # the limit plus this is "closed"; before the fix nothing closed in 174 s


@dataclass
class Served:
    base_url: str
    server: uvicorn.Server
    settings: Settings


@pytest.fixture
def limited(sqlite_url: str) -> Callable[..., Settings]:
    def settings(**overrides: object) -> Settings:
        base: dict[str, object] = {
            "database_url": sqlite_url,
            "http_header_timeout_s": HEADER_TIMEOUT_S,
            "http_body_timeout_s": BODY_TIMEOUT_S,
            "http_keep_alive_timeout_s": KEEP_ALIVE_S,
            "http_max_header_bytes": 4096,
        }
        return make_settings(**{**base, **overrides})

    return settings


async def serve(settings: Settings) -> tuple[Served, asyncio.Task[None]]:
    config = server_config(
        create_app(settings), settings, host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return Served(f"http://127.0.0.1:{port}", server, settings), task


@pytest.fixture
async def server(limited: Callable[..., Settings]) -> AsyncIterator[Served]:
    served, task = await serve(limited())
    try:
        yield served
    finally:
        served.server.should_exit = True
        await asyncio.wait_for(task, 30)


async def closed_within(conn: RawConnection, seconds: float) -> float | None:
    """Seconds until the server closed the connection, or None if it did not in `seconds`."""
    started = time.monotonic()
    closed = await conn.closed_by_server(seconds)
    return time.monotonic() - started if closed else None


async def trickle(conn: RawConnection, byte: bytes, seconds: float) -> bool:
    """Send `byte` every 0.1 s for up to `seconds`; True once the server has closed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            await conn.send(byte)
        except ConnectionError:
            return True
        await asyncio.sleep(0.1)
        if conn.reader.at_eof():
            return True
    return False


async def test_a_silent_connection_is_closed(server: Served) -> None:
    conn = await connect(server.base_url)
    try:
        took = await closed_within(conn, HEADER_TIMEOUT_S + MARGIN_S)
    finally:
        await conn.close()
    assert took is not None, "a connection that sent nothing was kept open"
    assert took >= HEADER_TIMEOUT_S * 0.8


async def test_headers_sent_a_byte_at_a_time_are_cut_off(server: Served) -> None:
    conn = await connect(server.base_url)
    started = time.monotonic()
    try:
        await conn.send(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
        cut_off = await trickle(conn, b"X", HEADER_TIMEOUT_S + MARGIN_S)  # a line never ending
    finally:
        await conn.close()
    took = time.monotonic() - started
    assert cut_off, "headers trickled a byte at a time kept the connection"
    assert HEADER_TIMEOUT_S * 0.8 <= took <= HEADER_TIMEOUT_S + 1.0, (
        "cut off, but not by the deadline"
    )


async def test_a_trickled_body_is_cut_off(server: Served) -> None:
    conn = await connect(server.base_url)
    started = time.monotonic()
    try:
        await conn.send(
            request_head(
                "POST",
                "/v1/auth/login",
                {"Content-Type": "application/json", "Content-Length": "1000"},
            )
        )
        cut_off = await trickle(conn, b" ", BODY_TIMEOUT_S + MARGIN_S)
    finally:
        await conn.close()
    took = time.monotonic() - started
    assert cut_off, "a body trickled a byte at a time kept the connection"
    assert BODY_TIMEOUT_S * 0.8 <= took <= BODY_TIMEOUT_S + 1.0, "cut off, but not by the deadline"


async def test_an_idle_keep_alive_connection_is_closed(server: Served) -> None:
    conn = await connect(server.base_url)
    try:
        await conn.send(request_head("GET", "/healthz", {}))
        assert await conn.status() == 200
        took = await closed_within(conn, KEEP_ALIVE_S + MARGIN_S)
    finally:
        await conn.close()
    assert took is not None


async def test_oversized_headers_get_431(server: Served) -> None:
    conn = await connect(server.base_url)
    try:
        await conn.send(request_head("GET", "/healthz", {"X-Padding": "p" * 8000}))
        assert await conn.status() == 431
        assert await conn.closed_by_server(2)
    finally:
        await conn.close()


async def test_a_websocket_outlives_the_request_deadlines(server: Served) -> None:
    _, key = await make_tenant_key(server.settings.database_url)
    async with LiveClient(ws_url(server.base_url), key, ["metrics:tenant:5m"]) as live:
        async with asyncio.timeout(10):
            await live.wait_for(lambda c: "metrics:tenant:5m" in c.state)
        await asyncio.sleep(BODY_TIMEOUT_S + HEADER_TIMEOUT_S + 0.5)  # past both deadlines
        assert live.connected.is_set()
        assert live.close_codes == []


async def test_ordinary_requests_are_untouched(server: Served) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        for _ in range(3):
            assert (await client.get("/healthz")).status_code == 200
            await asyncio.sleep(HEADER_TIMEOUT_S * 0.6)  # within keep-alive, across requests
        body = await client.post("/v1/auth/login", json={"username": "x", "password": "y"})
    assert body.status_code in (401, 422)
    conn = await connect(server.base_url)
    try:  # a request whose body arrives slowly but within the deadline
        await conn.send(
            request_head(
                "POST",
                "/v1/auth/login",
                {"Content-Type": "application/json", "Content-Length": "2"},
            )
        )
        await asyncio.sleep(BODY_TIMEOUT_S * 0.5)
        await conn.send(b"{}")
        assert await conn.status() == 422
    finally:
        await conn.close()


async def test_beyond_the_concurrency_limit_requests_get_503(
    limited: Callable[..., Settings],
) -> None:
    served, task = await serve(limited(http_limit_concurrency=3, http_header_timeout_s=30))
    held = [await connect(served.base_url) for _ in range(3)]
    try:
        async with httpx.AsyncClient(base_url=served.base_url) as client:
            assert (await client.get("/healthz")).status_code == 503
    finally:
        for conn in held:
            await conn.close()
        served.server.should_exit = True
        await asyncio.wait_for(task, 30)


async def bad_logins_from(base_url: str, forwarded_for: list[str]) -> list[int]:
    async with httpx.AsyncClient(base_url=base_url) as client:
        return [
            (
                await client.post(
                    "/v1/auth/login",
                    json={"tenant": "default", "username": "nobody", "password": "wrong"},
                    headers={"X-Forwarded-For": address},
                )
            ).status_code
            for address in forwarded_for
        ]


async def test_forwarded_for_is_not_believed_from_an_unconfigured_loopback_peer(
    limited: Callable[..., Settings],
) -> None:
    """Before: uvicorn believed `X-Forwarded-For` from any loopback peer, so a local process
    (or a local proxy passing the header through) gave every attempt a new address and the
    per-address login limit never tripped."""
    settings = limited(login_ip_max_failures=3, login_max_failures=1000)
    served, task = await serve(settings)
    try:
        spoofed = [f"203.0.113.{n}" for n in range(1, 6)]
        assert await bad_logins_from(served.base_url, spoofed) == [401, 401, 401, 429, 429]
    finally:
        served.server.should_exit = True
        await asyncio.wait_for(task, 30)


async def test_forwarded_for_is_believed_from_a_configured_proxy(
    limited: Callable[..., Settings],
) -> None:
    settings = limited(
        login_ip_max_failures=3, login_max_failures=1000, forwarded_allow_ips=["127.0.0.1"]
    )
    served, task = await serve(settings)
    try:
        clients = [f"203.0.113.{n}" for n in range(1, 6)]
        assert await bad_logins_from(served.base_url, clients) == [401] * 5
    finally:
        served.server.should_exit = True
        await asyncio.wait_for(task, 30)


async def test_floorwatch_serve_closes_a_silent_connection(sqlite_url: str, tmp_path: Path) -> None:
    env = live_server.server_env(sqlite_url, http_header_timeout_s="1")
    with live_server.serve(env, tmp_path / "serve.log") as served:
        conn = await connect(served.base_url)
        try:
            took = await closed_within(conn, 1 + MARGIN_S)
        finally:
            await conn.close()
    assert took is not None, "floorwatch serve kept a silent connection open"


async def test_a_body_ending_in_a_large_chunk_is_not_taken_for_headers(server: Served) -> None:
    """Regression: the last piece of a body, arriving on its own and longer than the header
    limit, was counted as header bytes and the connection cut before the answer."""
    conn = await connect(server.base_url)
    try:
        body = b'{"username": "' + b"u" * 20_000 + b'", "password": "p"}'
        await conn.send(
            request_head(
                "POST",
                "/v1/auth/login",
                {"Content-Type": "application/json", "Content-Length": str(len(body))},
            )
            + body[:10]
        )
        await asyncio.sleep(0.2)
        await conn.send(body[10:])  # 20 KB, more than the 4 KB header limit, ends the body
        assert await conn.status() in (401, 422)
    finally:
        await conn.close()
