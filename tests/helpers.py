"""Test helpers: tenants and API keys made directly in the database, event builders."""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.auth.keys import Scope, create_api_key, find_api_key
from app.core.db import Database
from app.org.service import create_tenant

_counter = itertools.count()


def floorwatch(
    *args: str, env: dict[str, str], stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `floorwatch` command line (`python -m app.cli ARGS`) to its end."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        input=stdin,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def cli_env(**settings: str) -> dict[str, str]:
    """This process's environment without its FLOORWATCH_ settings, plus `settings` (keys
    without the prefix, e.g. `database_url=…`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORWATCH_")}
    env.update({f"FLOORWATCH_{key.upper()}": value for key, value in settings.items()})
    return env


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def make_tenant_key(
    database_url: str,
    scopes: set[Scope] | None = None,
    timezone: str = "UTC",
    name: str | None = None,
) -> tuple[int, str]:
    """Create a tenant with a unique name and a key for it; returns (tenant id, key)."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            tenant = await create_tenant(session, name or f"t-{uuid.uuid4().hex[:8]}", timezone)
            _, key = await create_api_key(
                session, tenant, "test", scopes or {Scope.ingest, Scope.read}
            )
            await session.commit()
            return tenant.id, key
    finally:
        await db.close()


def sqlite_path(url: str) -> Path:
    """The file of a `sqlite+aiosqlite:///PATH` URL (the `sqlite_url` fixture's)."""
    return Path(url.split("///", 1)[1])


def now_ms() -> int:
    return int(time.time() * 1000)


async def earlier_today_ms(ago_ms: int, span_ms: int) -> int:
    """A time about `ago_ms` before now (`span_ms` <= `ago_ms`) from which events `span_ms` long
    all lie in the past and in today's UTC date, so that a test asking for today's report finds
    them whenever it runs: just after midnight it starts them at midnight, waiting until they fit
    if they do not yet; in the last minute of a day it waits for the next."""
    day = 86_400_000
    now = now_ms()
    if day - now % day < 60_000:
        await asyncio.sleep((day - now % day + 1000) / 1000)
        now = now_ms()
    if now % day < span_ms + 1000:
        await asyncio.sleep((span_ms + 1000 - now % day) / 1000)
        now = now_ms()
    return max(now - ago_ms, now - now % day + 1000)


def ev(type_: str, ts: int | str | None = None, **fields: Any) -> dict[str, Any]:
    """A canonical event as JSON-ready dict with a fresh id (pass `id=` to fix it)."""
    event: dict[str, Any] = {"id": f"e{next(_counter)}-{uuid.uuid4().hex[:6]}", "type": type_}
    event["ts"] = now_ms() if ts is None else ts
    event.update(fields)
    return event


async def eventually(
    probe: Callable[[], Awaitable[bool]], timeout: float = 15.0, interval: float = 0.05
) -> None:
    """Wait until `probe()` is true; fail with a clear message after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await probe():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


async def tenant_of(database_url: str, key: str) -> int:
    db = Database(database_url)
    try:
        async with db.session() as session:
            row = await find_api_key(session, key)
            assert row is not None
            return row.tenant_id
    finally:
        await db.close()
