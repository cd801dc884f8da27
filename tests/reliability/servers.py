"""Throwaway servers for the fault tests: a PostgreSQL cluster and a Redis server of their own
on free loopback ports (the machine's shared ones are never stopped), and Floorwatch processes
(`floorwatch serve` / `floorwatch worker`) started the way an operator would start them.

Everything here is asynchronous so that several fault scenarios can share one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import redis.asyncio as aioredis

from app.core.migrate import upgrade_async
from tests.conftest import IN_CI
from tests.helpers import free_port

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0


class MissingBinary(RuntimeError):
    """A server binary the fault tests need is not installed."""


MIGRATIONS = asyncio.Lock()
"""Alembic keeps its migration context in module globals: one migration at a time."""


def require(find: Callable[[], T]) -> T:
    """`find()`; a missing binary skips the test, or fails it under CI."""
    try:
        return find()
    except MissingBinary as exc:
        if IN_CI:
            pytest.fail(f"{exc} (required under CI)")
        pytest.skip(str(exc))


def postgres_bin_dir() -> Path:
    """The newest `/usr/lib/postgresql/*/bin` (Debian), else the directory of `initdb` on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb is not None and shutil.which("pg_ctl") is not None:
        return Path(initdb).parent
    raise MissingBinary("PostgreSQL server binaries (initdb, pg_ctl) are not installed")


def redis_server_bin() -> str:
    found = shutil.which("redis-server")
    if found is None:
        raise MissingBinary("redis-server is not installed")
    return found


async def run(*args: str, timeout: float = 60.0) -> str:
    """Run a command to completion; raise with its output if it fails."""
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    async with asyncio.timeout(timeout):
        out, _ = await proc.communicate()
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{text[-3000:]}")
    return text


class PostgresCluster:
    """A cluster of its own in a temporary directory: trust authentication, loopback only.

    initdb refuses to run as root, so as root the cluster belongs to (and runs as) the
    `postgres` user through `runuser`."""

    def __init__(self, bin_dir: Path, base: Path, port: int) -> None:
        self.bin_dir = bin_dir
        self.base = base
        self.data = base / "data"
        self.port = port
        self.log = base / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def make_base() -> Path:
        """A directory the cluster's user can reach (pytest's tmp dirs are private to root)."""
        base = Path(tempfile.mkdtemp(prefix="fw-pg-"))
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(base, user.pw_uid, user.pw_gid)
        return base

    def _as_owner(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)

    async def initdb(self) -> None:
        await run(
            *self._as_owner(
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            )
        )

    async def copy_from(self, template: Path) -> None:
        """Start from a copy of an initialised (and migrated) data directory."""
        await run("cp", "-a", str(template), str(self.data))

    async def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        await run(
            *self._as_owner(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.log),
                "-w",
                "-t",
                "30",
                "start",
            )
        )

    async def stop(self) -> None:
        """A clean, fast shutdown: connected clients are disconnected at once."""
        await run(
            *self._as_owner(
                str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
            )
        )

    async def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            await self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class RedisServer:
    """`redis-server` with an append-only file (fsync every second), as production runs it."""

    def __init__(self, binary: str, directory: Path, port: int) -> None:
        self.binary = binary
        self.dir = directory
        self.port = port
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = await asyncio.create_subprocess_exec(
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
            "--logfile",
            str(self.dir / "redis.log"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                try:
                    if await client.ping():
                        loading = (await client.info("persistence")).get("loading")
                        if not loading:
                            return
                except (aioredis.ConnectionError, OSError):
                    pass
                if self.proc.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start: {self.log_tail()}")
                await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    def log_tail(self) -> str:
        path = self.dir / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"

    async def kill(self) -> None:
        """SIGKILL: no chance to flush anything beyond what it already wrote."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(10):
                    await self.proc.wait()
            except TimeoutError:
                await self.kill()


def floorwatch_env(
    database_url: str, redis_url: str, prefix: str = "fw", **overrides: str
) -> dict[str, str]:
    """The environment of Floorwatch processes of the redis engine, with fast leases and
    checkpoints and event-time clock (so results are deterministic and equal to the
    reference)."""
    env = {
        **os.environ,
        "FLOORWATCH_ENVIRONMENT": "test",
        "FLOORWATCH_ENGINE": "redis",
        "FLOORWATCH_DATABASE_URL": database_url,
        "FLOORWATCH_REDIS_URL": redis_url,
        "FLOORWATCH_REDIS_PREFIX": prefix,
        "FLOORWATCH_PARTITIONS": "4",
        "FLOORWATCH_LEASE_TTL_MS": "1500",
        "FLOORWATCH_CHECKPOINT_INTERVAL_MS": "300",
        "FLOORWATCH_UPDATE_INTERVAL_MS": "100",
        "FLOORWATCH_CLOCK": "event",
        "FLOORWATCH_CREATE_DEFAULT_TENANT": "false",
        "FLOORWATCH_LOG_LEVEL": "WARNING",
    }
    env.update({f"FLOORWATCH_{k.upper()}": v for k, v in overrides.items()})
    return env


class FloorwatchProcess:
    """`python -m app.cli serve` (API + worker) or `worker`, its output in a log file."""

    def __init__(self, kind: str, env: dict[str, str], log: Path, port: int | None = None) -> None:
        if kind not in ("serve", "worker"):
            raise ValueError(f"kind must be `serve` or `worker`, got {kind!r}")
        self.kind = kind
        self.env = env
        self.log = log
        self.port = port if port is not None or kind == "worker" else free_port()
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        assert self.port is not None, "a worker serves no HTTP"
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self) -> None:
        args = [sys.executable, "-m", "app.cli", self.kind]
        if self.kind == "serve":
            args += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"--- start {self.starts} ---\n".encode())
            out.flush()
            self.proc = await asyncio.create_subprocess_exec(
                *args, env=self.env, cwd=ROOT, stdout=out, stderr=asyncio.subprocess.STDOUT
            )

    async def wait_ready(self, timeout: float = 2 * START_TIMEOUT_S) -> None:
        """Until `/readyz` answers 200 (serve) or the process is up (worker)."""
        if self.kind == "worker":
            await asyncio.sleep(0)
            return
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                assert self.proc is not None
                if self.proc.returncode is not None:
                    raise RuntimeError(f"{self.kind} exited early: {self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.base_url}/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.kind} not ready within {timeout} s: {self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (drain), then SIGKILL after `timeout`; the exit code."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(timeout):
                    await self.proc.wait()
            except TimeoutError:
                await self.kill()
        return self.proc.returncode


async def start_all(procs: list[FloorwatchProcess]) -> None:
    for proc in procs:
        await proc.start()
    await asyncio.gather(*(proc.wait_ready() for proc in procs))


async def stop_all(procs: list[FloorwatchProcess]) -> None:
    await asyncio.gather(*(proc.stop() for proc in procs), return_exceptions=True)


@contextlib.asynccontextmanager
async def own_postgres(template: Path | None = None) -> AsyncIterator[PostgresCluster]:
    """A migrated cluster of our own (a copy of `template`, or made and migrated here)."""
    cluster = PostgresCluster(require(postgres_bin_dir), PostgresCluster.make_base(), free_port())
    try:
        if template is not None:
            await cluster.copy_from(template)
            await cluster.start()
        else:
            await cluster.initdb()
            await cluster.start()
            async with MIGRATIONS:
                await upgrade_async(cluster.url)
        yield cluster
    finally:
        await cluster.destroy()


@contextlib.asynccontextmanager
async def own_redis(directory: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(require(redis_server_bin), directory, free_port())
    try:
        await server.start()
        yield server
    finally:
        await server.kill()  # its directory (log, append-only file) stays for the post-mortem
