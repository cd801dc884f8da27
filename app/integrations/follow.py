"""`floorwatch follow-queue-log`: tail Asterisk's queue_log and post new lines in batches.

The position is committed only after the server accepted a batch, so a crash or restart
re-sends at most one batch (the server drops the repeated events by their deterministic ids).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import httpx

from app.integrations.tail import FileFollower, LineBatch, default_state_path

ENDPOINT = "/v1/integrations/asterisk/queue-log"
MAX_BACKOFF_S = 30.0


async def post_lines(
    client: httpx.AsyncClient,
    batch: LineBatch,
    stop: asyncio.Event,
    wrapup_seconds: int | None = 0,
) -> dict[str, object] | None:
    """Post one batch until the server takes it (retrying on 429/5xx and network errors).
    Returns the server's answer, or None if stopped first. `wrapup_seconds`: the queues'
    `wrapuptime` (the server places each end of wrap-up that long after the call's end), or
    None to leave the end of wrap-up to the queues' wrap-up limits."""
    body = "\n".join(batch.lines).encode() + b"\n"
    params: dict[str, str | int] = (
        {"wrapup_by_queue": "true"}
        if wrapup_seconds is None
        else {"wrapup_seconds": wrapup_seconds}
    )
    delay = 0.5
    while not stop.is_set():
        try:
            response = await client.post(
                ENDPOINT,
                content=body,
                params=params,
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
            if response.status_code == 200:
                answer: dict[str, object] = response.json()
                return answer
            if response.status_code in (400, 401, 403, 413, 422):
                raise RuntimeError(
                    f"the server refused the batch: {response.status_code} {response.text[:300]}"
                )
            retry_after = response.headers.get("Retry-After")
            if retry_after and retry_after.isdigit():
                delay = float(retry_after)
        except httpx.TransportError:
            pass
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, MAX_BACKOFF_S)
    return None


async def follow_queue_log(
    path: Path,
    url: str,
    api_key: str,
    *,
    state_file: Path | None = None,
    from_start: bool = False,
    wrapup_seconds: int | None = 0,
    stop: asyncio.Event | None = None,
    report: Callable[[LineBatch, dict[str, object]], None] | None = None,
) -> None:
    stop = stop or asyncio.Event()
    async with (
        FileFollower(
            path, state_file or default_state_path(path), from_start=from_start
        ) as follower,
        httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
        ) as client,
    ):
        stopper = asyncio.create_task(_stop_follower(stop, follower))
        try:
            while (batch := await follower.next_batch()) is not None:
                answer = await post_lines(client, batch, stop, wrapup_seconds)
                if answer is None:
                    break
                follower.commit(batch)
                if report is not None:
                    report(batch, answer)
        finally:
            stopper.cancel()


async def _stop_follower(stop: asyncio.Event, follower: FileFollower) -> None:
    await stop.wait()
    follower.stop()
