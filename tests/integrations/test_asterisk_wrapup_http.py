"""Asterisk's `wrapuptime` over the real server (both engines, wall clock): the follower's
`wrapup_seconds` places each end of wrap-up, or `wrapup_by_queue` leaves it to the queues'
wrap-up limits; conflicting or out-of-range settings are refused with the reason (also by the
FreeSWITCH endpoint, which takes the same two settings)."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from app.core.db import Database
from app.integrations.follow import follow_queue_log
from app.tenancy.models import Queue
from tests.conftest import RunningApp
from tests.helpers import cli_env, eventually, floorwatch, make_tenant_key

ENDPOINT = "/v1/integrations/asterisk/queue-log"


def call_lines(epoch: int, call: str, queue: str, member: str = "PJSIP/alice") -> str:
    """Queued at `epoch`, answered 5 s later by `member`, 60 s of talk."""
    return (
        f"{epoch}|{call}|{queue}|NONE|ENTERQUEUE||5551234|1\n"
        f"{epoch + 5}|{call}|{queue}|{member}|CONNECT|5|{call}9|2\n"
        f"{epoch + 65}|{call}|{queue}|{member}|COMPLETECALLER|5|60|1\n"
    )


async def queue_metrics(client: httpx.AsyncClient, queue: str) -> dict[str, Any]:
    got = await client.get("/v1/metrics", params={"scope": f"queue:{queue}", "window": "15m"})
    metrics: dict[str, Any] = got.json()[0]["metrics"]
    return metrics


async def handled(client: httpx.AsyncClient, queue: str) -> bool:
    return bool((await queue_metrics(client, queue))["handled"] == 1)


async def test_follower_places_the_end_of_wrapup_wrapup_seconds_after_the_call(
    app_server: RunningApp, tmp_path: Path
) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    log = tmp_path / "queue_log"
    log.write_text(call_lines(int(time.time()) - 600, "1000.1", "support"))
    stop = asyncio.Event()
    task = asyncio.create_task(
        follow_queue_log(
            log,
            app_server.base_url,
            key,
            state_file=tmp_path / "pos",
            from_start=True,
            wrapup_seconds=30,
            stop=stop,
        )
    )
    async with app_server.client(key) as client:
        await eventually(lambda: handled(client, "support"))
        metrics = await queue_metrics(client, "support")
    stop.set()
    await asyncio.wait_for(task, 10)
    assert (metrics["talk_time"], metrics["wrapup_time"], metrics["aht"]) == (60, 30, 90)


async def test_wrapup_by_queue_leaves_the_end_of_wrapup_to_the_queues_limit(
    app_server: RunningApp,
) -> None:
    url = app_server.settings.database_url
    tenant_id, key = await make_tenant_key(url, name=f"ast-{uuid.uuid4().hex[:8]}")
    db = Database(url)
    try:
        async with db.session() as session:
            session.add(Queue(tenant_id=tenant_id, name="sales", wrapup_s=20))
            await session.commit()
    finally:
        await db.close()
    now = int(time.time())
    body = call_lines(now - 600, "2000.1", "sales") + call_lines(
        now - 600, "2000.2", "other", "PJSIP/bob"
    )
    async with app_server.client(key) as client:
        reply = await client.post(
            ENDPOINT,
            params={"wrapup_by_queue": "true"},
            content=body,
            headers={"Content-Type": "text/plain"},
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["accepted"] == 6  # no end of wrap-up was sent
        await eventually(lambda: handled(client, "sales"))
        metrics = await queue_metrics(client, "sales")
        assert (metrics["wrapup_time"], metrics["aht"]) == (20, 80)
        # a queue left "until the platform ends it" keeps its agent in wrap-up
        assert (await queue_metrics(client, "other"))["handled"] == 0


async def test_bad_wrapup_settings_are_refused_with_the_reason(app_server: RunningApp) -> None:
    _, key = await make_tenant_key(app_server.settings.database_url)
    line = call_lines(int(time.time()) - 600, "3000.1", "support")
    async with app_server.client(key) as client:
        cases: tuple[tuple[dict[str, str | int], int, str], ...] = (
            ({"wrapup_seconds": 301}, 422, "wrapup_seconds"),
            ({"wrapup_seconds": -1}, 422, "wrapup_seconds"),
            ({"wrapup_seconds": 30, "wrapup_by_queue": "true"}, 400, "wrapup_seconds"),
        )
        for params, status, field in cases:
            reply = await client.post(
                ENDPOINT, params=params, content=line, headers={"Content-Type": "text/plain"}
            )
            assert reply.status_code == status, (params, reply.text)
            assert field in reply.text
        both = await client.post(
            "/v1/integrations/freeswitch/events",
            params={"wrapup_seconds": 30, "wrapup_by_queue": "true"},
            content=b"[]",
            headers={"Content-Type": "application/json"},
        )
        assert both.status_code == 400, both.text
        assert "not both" in both.text


def said(stderr: str) -> str:
    """The error text without the frame and line breaks of the terminal box around it."""
    return " ".join(stderr.replace("│", " ").split())


def test_replay_takes_wrapup_options_for_asterisk_only(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text(call_lines(1_700_000_000, "4000.1", "support"))
    base = ("replay", "--url", "http://127.0.0.1:9", "--api-key", "x")
    refused = floorwatch(
        *base, str(log), "--format", "technion", "--wrapup-seconds", "5", env=cli_env()
    )
    assert refused.returncode == 2
    assert "--format asterisk only" in said(refused.stderr)
    both = floorwatch(
        *base,
        str(log),
        "--format",
        "asterisk",
        "--wrapup-seconds",
        "5",
        "--wrapup-by-queue",
        env=cli_env(),
    )
    assert both.returncode == 2
    assert "not both" in said(both.stderr)
