"""Shared pieces of the benchmarks: a real server in its own process, keys, machine facts."""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.auth.keys import Scope, create_api_key
from app.core.db import Database
from app.core.migrate import upgrade
from app.org.service import ensure_tenant

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except OSError:
        return "unknown"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def delete_prefix(client: Any, prefix: str) -> None:
    """Delete the keys under `prefix` (a sync redis client), 10,000 a command: a run leaves a
    de-duplication key per event, and a round trip per key took minutes."""
    found = list(client.scan_iter(f"{prefix}:*", count=10_000))
    for at in range(0, len(found), 10_000):
        client.unlink(*found[at : at + 10_000])


def median(values: list[float]) -> float:
    return statistics.median(values)


async def tenant_key(database_url: str, tenant: str = "bench") -> str:
    db = Database(database_url)
    try:
        async with db.session() as session:
            row = await ensure_tenant(session, tenant)
            _, key = await create_api_key(session, row, "bench", {Scope.ingest, Scope.read})
            await session.commit()
            return key
    finally:
        await db.close()


@dataclass
class Server:
    url: str
    key: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]


@contextmanager
def run_server(
    engine: str,
    extra_env: dict[str, str] | None = None,
    args: Sequence[str] = (),
    seed: Callable[[str], Coroutine[Any, Any, str]] = tenant_key,
) -> Iterator[Server]:
    """`floorwatch serve ARGS` in its own process on a fresh SQLite database (and Redis
    prefix), after `seed(database_url)` has made the tenant and returned its API key."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        key = asyncio.run(seed(url))
        port = free_port()
        prefix = f"fwbench-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "FLOORWATCH_ENGINE": engine,
            "FLOORWATCH_DATABASE_URL": url,
            "FLOORWATCH_REDIS_PREFIX": prefix,
            "FLOORWATCH_PORT": str(port),
            "FLOORWATCH_LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", *args], env=env, cwd=ROOT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            else:
                raise RuntimeError("the server did not become ready")
            yield Server(base, key, env, process)
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
            if engine == "redis":
                import redis

                client = redis.Redis.from_url(
                    env.get("FLOORWATCH_REDIS_URL", "redis://127.0.0.1:6379/0")
                )
                delete_prefix(client, prefix)
                client.close()
