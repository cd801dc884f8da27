"""`floorwatch follow-queue-log` against the real server: lines appended to a real file reach
the server, a rotation loses nothing, and a restart resumes where it stopped."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from app.integrations.follow import follow_queue_log
from tests.conftest import RunningApp
from tests.helpers import eventually, make_tenant_key


def call_lines(epoch: int, call: str) -> str:
    return (
        f"{epoch}|{call}|support|NONE|ENTERQUEUE||5551234|1\n"
        f"{epoch + 5}|{call}|support|PJSIP/alice|CONNECT|5|{call}.9|2\n"
        f"{epoch + 65}|{call}|support|PJSIP/alice|COMPLETECALLER|5|60|1\n"
    )


async def test_follow_rotation_and_restart(app_server: RunningApp, tmp_path: Path) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    log = tmp_path / "queue_log"
    state = tmp_path / "queue_log.pos"
    base = int(time.time()) - 3600
    log.write_text(call_lines(base, "1000.1"))
    stop = asyncio.Event()
    task = asyncio.create_task(
        follow_queue_log(
            log, app_server.base_url, key, state_file=state, from_start=True, stop=stop
        )
    )
    async with app_server.client(key) as client:

        async def queued(n: int) -> bool:
            got = (await client.get("/v1/metrics/events")).json()
            return bool(got.get("call.queued") == n and got.get("call.ended") == n)

        await eventually(lambda: queued(1))
        with log.open("a") as f:
            f.write(call_lines(base + 100, "1000.2"))
        await eventually(lambda: queued(2))
        log.rename(tmp_path / "queue_log.1")
        log.write_text(call_lines(base + 200, "1000.3"))
        await eventually(lambda: queued(3))
        stop.set()
        await asyncio.wait_for(task, 10)
        # lines written while the follower is down are sent after the restart
        with log.open("a") as f:
            f.write(call_lines(base + 300, "1000.4"))
        stop = asyncio.Event()
        task = asyncio.create_task(
            follow_queue_log(log, app_server.base_url, key, state_file=state, stop=stop)
        )
        await eventually(lambda: queued(4))
        stop.set()
        await asyncio.wait_for(task, 10)
        counts = (await client.get("/v1/metrics/events")).json()
    assert counts["call.answered"] == 4
