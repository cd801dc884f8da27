"""The scale-out shape on one machine: N API processes (`floorwatch serve --no-worker`) and M
workers (`floorwatch worker`) on one Redis and one fresh PostgreSQL database. Used by the
benchmarks and by tests/streams/test_scale_out.py."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from app.core.migrate import upgrade
from bench.common import delete_prefix, free_port

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_DSN = os.environ.get("FLOORWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("FLOORWATCH_TEST_REDIS", "redis://127.0.0.1:6379/0")


@contextmanager
def postgres_database(admin_dsn: str = PG_ADMIN_DSN) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database (SQLAlchemy URL), dropped afterwards."""
    import asyncpg  # type: ignore[import-untyped]

    host, _, admin_db = admin_dsn.split("://", 1)[1].rpartition("/")
    name = f"fwbench_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(f"postgresql://{host}/{admin_db}", timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        url = f"postgresql+asyncpg://{host}/{name}"
        upgrade(url)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Cluster:
    env: dict[str, str]
    api_urls: list[str]
    apis: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: Path = Path()

    def start_worker(self) -> subprocess.Popen[bytes]:
        n = len(self.workers)
        with (self.logs / f"worker{n}.log").open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "worker"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.workers.append(proc)
        return proc

    def log_tail(self, chars: int = 3000) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-chars:]}"
            for p in sorted(self.logs.glob("*.log"))
        )


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready in {timeout} s")


def stop(procs: list[subprocess.Popen[bytes]], timeout: float = 20) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextmanager
def run_cluster(
    database_url: str,
    logs: Path,
    *,
    apis: int = 1,
    workers: int = 1,
    env: dict[str, str] | None = None,
    redis_url: str = REDIS_URL,
) -> Iterator[Cluster]:
    """Start the processes on a fresh Redis prefix; stop them (SIGTERM) and delete the keys."""
    prefix = f"fwbench-{uuid.uuid4().hex[:8]}"
    full_env = {
        **os.environ,
        "FLOORWATCH_ENGINE": "redis",
        "FLOORWATCH_DATABASE_URL": database_url,
        "FLOORWATCH_REDIS_URL": redis_url,
        "FLOORWATCH_REDIS_PREFIX": prefix,
        "FLOORWATCH_LOG_LEVEL": "WARNING",
        "FLOORWATCH_CREATE_DEFAULT_TENANT": "false",
        **(env or {}),
    }
    logs.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(apis)]
    cluster = Cluster(full_env, [f"http://127.0.0.1:{p}" for p in ports], logs=logs)
    try:
        for n, port in enumerate(ports):
            with (logs / f"api{n}.log").open("wb") as out:
                cluster.apis.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "app.cli", "serve", "--no-worker"],
                        env={**full_env, "FLOORWATCH_PORT": str(port)},
                        cwd=ROOT,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        for _ in range(workers):
            cluster.start_worker()
        for url in cluster.api_urls:
            wait_ready(url)
        yield cluster
    finally:
        stop([*cluster.apis, *cluster.workers])
        import redis

        client = redis.Redis.from_url(redis_url)
        delete_prefix(client, prefix)
        client.close()
