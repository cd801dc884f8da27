"""Two API processes and one worker process on one Redis: a client on either API process sees
every update, although only the worker aggregates (the API processes run no worker)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import httpx
import orjson
import pytest

from app.widgets.client import LiveClient, ws_url
from bench.common import free_port
from tests.helpers import ev, eventually, make_tenant_key, now_ms

pytestmark = pytest.mark.slow

API_ONLY = (
    "import sys, uvicorn; from app.main import create_app; "
    "uvicorn.run(create_app(run_worker=False), host='127.0.0.1', port=int(sys.argv[1]), "
    "log_level='warning')"
)


def env_for(database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "FLOORWATCH_ENGINE": "redis",
        "FLOORWATCH_DATABASE_URL": database_url,
        "FLOORWATCH_REDIS_URL": redis_url,
        "FLOORWATCH_REDIS_PREFIX": prefix,
        "FLOORWATCH_PARTITIONS": "4",
        "FLOORWATCH_LEASE_TTL_MS": "1000",
        "FLOORWATCH_UPDATE_INTERVAL_MS": "100",
        "FLOORWATCH_LOG_LEVEL": "WARNING",
    }


@contextmanager
def processes(env: dict[str, str], ports: list[int], logs: Path) -> Iterator[None]:
    """One `floorwatch worker` and an API-only server (no worker) on each port."""
    commands = {"worker": [sys.executable, "-m", "app.cli", "worker"]}
    for port in ports:
        commands[f"api-{port}"] = [sys.executable, "-c", API_ONLY, str(port)]
    with ExitStack() as files:
        procs = [
            subprocess.Popen(
                command,
                env=env,
                stdout=files.enter_context((logs / f"{name}.log").open("wb")),
                stderr=subprocess.STDOUT,
            )
            for name, command in commands.items()
        ]
        try:
            yield
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def shows(topic: str, board: str, n: int, client: LiveClient) -> bool:
    """The client shows n calls waiting and n agents on the board."""
    metrics, agents = client.state.get(topic), client.state.get(board)
    if metrics is None or agents is None:
        return False
    return metrics.data.get("calls_waiting") == n and len(agents.data) == n


async def test_a_client_on_either_api_process_sees_every_update(
    pg_migrated: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    _, key = await make_tenant_key(pg_migrated)
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    topic = "metrics:queue:Sales:live"
    board = "board:tenant"
    with processes(env_for(pg_migrated, redis_url, redis_prefix), ports, tmp_path):

        async def ready() -> bool:
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    codes = [(await http.get(f"{base}/readyz")).status_code for base in bases]
            except httpx.HTTPError:
                return False
            return codes == [200, 200]

        await eventually(ready, timeout=30)
        clients = [LiveClient(ws_url(base), key, [topic, board]) for base in bases]
        for client in clients:
            await client.start()
        try:
            t = now_ms() - 60_000
            async with httpx.AsyncClient(
                base_url=bases[0], headers={"Authorization": f"Bearer {key}"}, timeout=10
            ) as http:
                for n in range(1, 11):
                    events = [
                        ev("call.queued", t + n, call_id=f"c{n}", queue="Sales"),
                        ev("agent.login", t + n, agent=f"a{n}"),
                    ]
                    reply = await http.post("/v1/events", content=orjson.dumps(events))
                    assert reply.status_code == 200, reply.text
                    async with asyncio.timeout(15):
                        for client in clients:
                            await client.wait_for(partial(shows, topic, board, n))
        finally:
            for client in clients:
                await client.close()
    for client in clients:
        assert client.gaps == 0
        assert client.errors == []
        assert client.close_codes == []
        assert sorted(client.state[board].data) == sorted(f"a{n}" for n in range(1, 11))
