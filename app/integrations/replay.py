"""`floorwatch replay`: read a file in a real format, order its events by time and post them to
a Floorwatch server in batches, as fast as it takes them or at N× real time."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import httpx
import msgspec

from app.events.schemas import AnyEvent
from app.integrations.common import ParseResult, text_lines
from app.streams.engine import Progress

BATCH = 1000


class ReplayFormat(StrEnum):
    technion = "technion"
    asterisk = "asterisk"
    connect_agent = "connect-agent"
    connect_ctr = "connect-ctr"
    ndjson = "ndjson"
    crm_csv = "crm-csv"


def parse_file(
    path: Path, fmt: ReplayFormat, tz: str = "UTC", *, wrapup_seconds: int | None = 0
) -> ParseResult:
    """`wrapup_seconds` applies to formats that log no end of wrap-up (asterisk: `wrapuptime`;
    None: none is sent, the queues' wrap-up limits end it)."""
    data = path.read_bytes()
    if fmt is ReplayFormat.technion:
        from app.integrations.technion import parse_technion

        return parse_technion(text_lines(data, "utf-8-sig"), tz)
    if fmt is ReplayFormat.asterisk:
        from app.integrations.asterisk import parse_queue_log

        return parse_queue_log(text_lines(data), wrapup_seconds=wrapup_seconds)
    if fmt is ReplayFormat.connect_agent:
        from app.integrations.connect import parse_agent_events

        return parse_agent_events(data)
    if fmt is ReplayFormat.connect_ctr:
        from app.integrations.connect import parse_contact_records

        return parse_contact_records(data)
    if fmt is ReplayFormat.crm_csv:
        from app.integrations.crm_csv import parse_crm_csv

        return parse_crm_csv(data.decode("utf-8-sig", errors="replace"), tz)
    return parse_ndjson(data)


def parse_ndjson(data: bytes) -> ParseResult:
    decoder = msgspec.json.Decoder(AnyEvent)
    result = ParseResult()
    for line_no, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            result.add(line_no, decoder.decode(line))
        except msgspec.MsgspecError as exc:
            result.error(line_no, str(exc))
    return result


@dataclass
class ReplaySummary:
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    seconds: float = 0.0
    rejections: list[str] = field(default_factory=list)


_encode = msgspec.json.Encoder().encode


async def post_batch(client: httpx.AsyncClient, events: Sequence[AnyEvent]) -> dict[str, object]:
    """Post one batch; retries on 429/503 (honouring Retry-After) and connection errors."""
    body = _encode(list(events))
    for attempt in range(8):
        try:
            response = await client.post(
                "/v1/events", content=body, headers={"Content-Type": "application/json"}
            )
        except httpx.TransportError:
            await asyncio.sleep(min(2**attempt * 0.25, 10))
            continue
        if response.status_code in (429, 503):
            await asyncio.sleep(float(response.headers.get("Retry-After", 2**attempt * 0.25)))
            continue
        if response.status_code not in (200, 422):
            raise RuntimeError(f"the server answered {response.status_code}: {response.text[:500]}")
        answer: dict[str, object] = response.json()
        return answer
    raise RuntimeError("the server did not take the batch after 8 attempts")


async def replay(
    events: Sequence[AnyEvent],
    url: str,
    api_key: str,
    speed: float | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ReplaySummary:
    """Post events (already in time order). `speed` None: as fast as the server takes them;
    N: N× real time, pacing batches by event time."""
    summary = ReplaySummary()
    started = time.monotonic()
    first_ms = events[0].ms if events else 0
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=60
    ) as client:
        index = 0
        while index < len(events):
            if speed is None:
                batch = events[index : index + BATCH]
            else:
                horizon = first_ms + (time.monotonic() - started) * speed * 1000
                end = index
                while end < len(events) and end - index < BATCH and events[end].ms <= horizon:
                    end += 1
                if end == index:
                    wait = (events[index].ms - horizon) / 1000 / speed
                    await asyncio.sleep(min(max(wait, 0.01), 1.0))
                    continue
                batch = events[index:end]
            answer = await post_batch(client, batch)
            summary.sent += len(batch)
            summary.accepted += int(answer["accepted"])  # type: ignore[call-overload]
            summary.duplicates += int(answer["duplicates"])  # type: ignore[call-overload]
            rejected = answer["rejected"]
            assert isinstance(rejected, list)
            summary.rejected += len(rejected)
            summary.rejections.extend(
                f"{batch[r['index']].id}: {r['reason']}" for r in rejected[:10]
            )
            index += len(batch)
            if on_progress is not None:
                on_progress(len(batch))
    summary.seconds = time.monotonic() - started
    return summary


class WaitTimedOut(Exception):
    """The server did not apply what was sent within the time allowed."""


async def wait_applied(
    url: str, api_key: str, timeout_s: float = 300.0, poll_s: float = 0.05
) -> float:
    """Wait until the server has applied to its live numbers every event this tenant had
    appended when the wait began (`GET /v1/events/progress`); the seconds it took."""
    started = time.monotonic()
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
    ) as client:
        target: str | None = None
        while True:
            response = await client.get("/v1/events/progress")
            if response.status_code != 200:
                raise RuntimeError(
                    f"the server answered {response.status_code} to /v1/events/progress: "
                    f"{response.text[:500]}"
                )
            progress = response.json()
            if target is None:
                target = progress["appended"]
                if target is None:
                    return time.monotonic() - started
            applied = progress["applied"]
            if Progress(appended=target, applied=applied).caught_up:
                return time.monotonic() - started
            if time.monotonic() - started > timeout_s:
                raise WaitTimedOut(
                    f"the server had applied up to {applied} of {target} after {timeout_s:g} s"
                )
            await asyncio.sleep(poll_s)
