"""The classic wallboard against Floorwatch, on the same calls: the cost of one refresh of
100 screens.

Classic (as VICIdial's real-time report and queue_log-based boards do it): every screen, on
every refresh, runs a query over today's calls in a PostgreSQL table. One refresh of 100 screens
is 100 such queries; its cost is the CPU time of the PostgreSQL backend that ran them (read
from /proc). The query computes, per queue, today's offered, answered, abandoned, short
abandons, calls within the service level, ASA, AHT and the longest wait: less than a Floorwatch
screen gets (one window instead of six, no gauges).

Floorwatch: `floorwatch serve` (memory engine) in its own process holds the same calls (the
events are posted to it), and 100 WebSocket clients (another process) each subscribe to every
queue's `today` figures. A trickle of new calls changes the figures every update round. The
cost of one refresh of the 100 screens is the server process's CPU time (from /proc: ingesting
the trickle, aggregating, computing the topics, encoding and writing the frames) divided by the
rounds the screens received.

The calls are the call facts of bench/aggregate.py's traffic (1,000 agents) for the hours up to
now, moved in time so that they happened today.

    python -m bench.wallboard [--hours 4]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from typing import Any

import httpx
import msgspec

from app.events.schemas import Event
from app.streams.aggregator import CallFact, TenantAggregator, TenantConfig
from app.widgets.client import LiveClient, Update, ws_url
from bench.aggregate import START_MS, generate
from bench.cluster import postgres_database
from bench.common import run_server
from bench.results import Row, at_least

SCREENS = 100
RUNS = 3
TRICKLE_POSTS = 50
TRICKLE_EVERY_S = 0.1
CLK_TCK = os.sysconf("SC_CLK_TCK")

CLASSIC_QUERY = """
SELECT queue,
       count(*) AS offered,
       count(*) FILTER (WHERE outcome = 'answered') AS answered,
       count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
       count(*) FILTER (WHERE outcome = 'abandoned' AND wait_s < 5) AS short_abandoned,
       count(*) FILTER (WHERE outcome = 'answered' AND wait_s <= 20) AS within_sl,
       avg(wait_s) FILTER (WHERE outcome = 'answered') AS asa,
       avg(talk_s + hold_s + wrapup_s) FILTER (WHERE outcome = 'answered') AS aht,
       max(wait_s) AS max_wait
FROM wallboard_calls
WHERE finished_at >= $1
GROUP BY queue
"""

CLASSIC_TABLE = """
CREATE TABLE wallboard_calls (
    call_id text PRIMARY KEY,
    queue text NOT NULL,
    agent text,
    enqueued_at timestamptz,
    finished_at timestamptz NOT NULL,
    outcome text NOT NULL,
    wait_s double precision,
    talk_s double precision NOT NULL,
    hold_s double precision NOT NULL,
    wrapup_s double precision NOT NULL
);
CREATE INDEX wallboard_calls_finished ON wallboard_calls (finished_at);
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def settle(pid: int, timeout_s: float = 180.0) -> None:
    """Wait until the server is idle (under 5 % of a core for two seconds running): after the
    day is posted it still writes that day's facts to the database in the background, which
    must not be counted in either measurement."""
    deadline = time.monotonic() + timeout_s
    quiet = 0
    while quiet < 2:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not settle within {timeout_s:.0f} s")
        before = cpu_seconds(pid)
        time.sleep(1.0)
        quiet = quiet + 1 if cpu_seconds(pid) - before < 0.05 else 0


def todays_traffic(hours: int) -> tuple[list[Event], TenantConfig]:
    """The traffic moved so that it ends now (and starts today), and its configuration."""
    traffic = generate(1000, hours * 60)
    now = int(time.time() * 1000)
    midnight = now - now % 86_400_000
    shift = max(midnight + 60_000, now - hours * 3_600_000 - 60_000) - START_MS
    events = [msgspec.structs.replace(e, ts=e.ms + shift) for e in traffic.events]
    return [e for e in events if e.ms < now], traffic.config


def call_facts(events: list[Event], config: TenantConfig) -> list[CallFact]:
    agg = TenantAggregator(config)
    agg.apply_batch(events)
    return [f for f in agg.drain_facts() if isinstance(f, CallFact) and f.queue]


# -- classic --------------------------------------------------------------------------------


async def classic_refresh_cpu(database_url: str, facts: list[CallFact]) -> list[float]:
    """CPU seconds of the PostgreSQL backend for one refresh of SCREENS screens, per run."""
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(CLASSIC_TABLE)

        def at(ms: int | None) -> datetime | None:
            return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)

        await conn.copy_records_to_table(
            "wallboard_calls",
            records=[
                (
                    f.fact_id,
                    f.queue,
                    f.agent,
                    at(f.enqueued_ms),
                    at(f.finished_ms),
                    f.outcome,
                    f.wait_s,
                    f.talk_s,
                    f.hold_s,
                    f.wrapup_s,
                )
                for f in facts
            ],
        )
        await conn.execute("ANALYZE wallboard_calls")
        backend = await conn.fetchval("SELECT pg_backend_pid()")
        now = datetime.now(UTC)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        await conn.fetch(CLASSIC_QUERY, midnight)  # warm: plan cached, pages in memory
        runs = []
        for _ in range(RUNS):
            before = cpu_seconds(backend)
            for _ in range(SCREENS):
                await conn.fetch(CLASSIC_QUERY, midnight)
            runs.append(cpu_seconds(backend) - before)
        return runs
    finally:
        await conn.close()


# -- Floorwatch -----------------------------------------------------------------------------


def counting_rounds(seqs: set[int], topic: str) -> Callable[[Update], None]:
    def on_update(update: Update) -> None:
        if update.topic == topic:
            seqs.add(update.seq)

    return on_update


async def hold_screens(
    url: str, key: str, topics: list[str], ready: MpEvent, mark: MpEvent, stop: MpEvent, out: Any
) -> None:
    """Hold the screens; put the rounds each received between `mark` and `stop`."""
    rounds: list[set[int]] = [set() for _ in range(SCREENS)]
    clients = [
        LiveClient(url, key, topics, on_update=counting_rounds(rounds[i], topics[0]))
        for i in range(SCREENS)
    ]
    await asyncio.gather(*(c.start() for c in clients))
    ready.set()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, mark.wait)
    before = [len(r) for r in rounds]
    await loop.run_in_executor(None, stop.wait)
    out.put([len(r) - b for r, b in zip(rounds, before, strict=True)])
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def screens_process(
    url: str, key: str, topics: list[str], ready: MpEvent, mark: MpEvent, stop: MpEvent, out: Any
) -> None:
    import uvloop

    uvloop.run(hold_screens(url, key, topics, ready, mark, stop, out))


async def post_all(url: str, key: str, events: list[Event]) -> None:
    """Post the day so far and wait until the server has aggregated all of it (so that none
    of that work falls into a measurement)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        for at in range(0, len(events), 5000):
            body = msgspec.json.encode(events[at : at + 5000])
            (await http.post("/v1/events", content=body)).raise_for_status()
        deadline = time.monotonic() + 120
        while sum((await http.get("/v1/metrics/events")).json().values()) < len(events):
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not aggregate the day within 120 s")
            await asyncio.sleep(0.2)


async def trickle(url: str, key: str, queues: list[str], posts: int) -> None:
    """`posts` times, every TRICKLE_EVERY_S: a new call on every queue, abandoned (the same
    work whatever the machine's load, so runs with and without screens compare)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    prefix = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        n = 0
        for _ in range(posts):
            now = int(time.time() * 1000)
            batch = []
            for q in queues:
                n += 1
                call = f"{prefix}-{n}"
                batch += [
                    {
                        "id": f"{call}-q",
                        "type": "call.queued",
                        "ts": now - 30_000,
                        "call_id": call,
                        "queue": q,
                    },
                    {"id": f"{call}-x", "type": "call.abandoned", "ts": now, "call_id": call},
                ]
            (await http.post("/v1/events", json=batch)).raise_for_status()
            await asyncio.sleep(TRICKLE_EVERY_S)


def trickle_cpu(pid: int, url: str, key: str, queues: list[str]) -> float:
    """Median CPU seconds of the server process over RUNS trickles."""
    runs = []
    for _ in range(RUNS):
        before = cpu_seconds(pid)
        asyncio.run(trickle(url, key, queues, TRICKLE_POSTS))
        runs.append(cpu_seconds(pid) - before)
    return statistics.median(runs)


def floorwatch_refresh_cpu(events: list[Event], queues: list[str]) -> float:
    """Server CPU seconds per round delivered to SCREENS screens: the CPU with the screens
    minus the CPU for the same trickle without them (ingest is not part of a refresh, as the
    classic side does not count its inserts either), per round."""
    topics = [f"metrics:queue:{q}:today" for q in queues]
    with run_server("memory") as server:
        asyncio.run(post_all(server.url, server.key, events))
        pid = server.process.pid
        settle(pid)
        without = trickle_cpu(pid, server.url, server.key, queues)
        ctx = mp.get_context("spawn")
        ready, mark, stop, out = ctx.Event(), ctx.Event(), ctx.Event(), ctx.Queue()
        proc = ctx.Process(
            target=screens_process,
            args=(ws_url(server.url), server.key, topics, ready, mark, stop, out),
            daemon=True,
        )
        proc.start()
        try:
            if not ready.wait(120):
                raise RuntimeError("the screens did not connect")
            asyncio.run(trickle(server.url, server.key, queues, 10))  # settle
            settle(pid)
            mark.set()
            time.sleep(0.5)  # the mark is taken in the other process
            with_screens = trickle_cpu(pid, server.url, server.key, queues)
            stop.set()
            rounds = statistics.median(out.get(timeout=60)) / RUNS
        finally:
            stop.set()
            proc.join(30)
            if proc.is_alive():
                proc.kill()
    print(f"wallboard: server CPU {without:.2f} s without screens, {with_screens:.2f} s with")
    if not rounds:
        raise RuntimeError("the screens received no update while measuring")
    return max(with_screens - without, 0.0) / float(rounds)


def measure(hours: int) -> tuple[float, float, int]:
    """(classic CPU s per refresh, Floorwatch CPU s per refresh, calls today)."""
    events, config = todays_traffic(hours)
    facts = call_facts(events, config)
    with postgres_database() as database_url:
        classic = statistics.median(asyncio.run(classic_refresh_cpu(database_url, facts)))
    ours = floorwatch_refresh_cpu(events, sorted(config.queues))
    return classic, ours, len(facts)


def rows(quick: bool) -> list[Row]:
    classic, ours, calls = measure(1 if quick else 3)
    what = f"{SCREENS} screens, {calls:,} calls today"
    return [
        Row(
            "wallboard",
            f"classic: SQL over the calls table per screen ({what})",
            classic,
            f"{classic * 1000:,.1f} ms CPU per refresh",
        ),
        Row(
            "wallboard",
            f"Floorwatch: one push round to the same screens ({what})",
            ours,
            f"{ours * 1000:,.2f} ms CPU per refresh",
        ),
        Row(
            "wallboard",
            "classic ÷ Floorwatch, per refresh of 100 screens",
            classic / ours,
            f"{classic / ours:,.0f}×",
            at_least(100, "≥ 100×"),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=int, default=4)
    args = parser.parse_args()
    classic, ours, calls = measure(args.hours)
    print(f"{calls:,} calls: classic {classic * 1000:.1f} ms, Floorwatch {ours * 1000:.2f} ms")


if __name__ == "__main__":
    main()
