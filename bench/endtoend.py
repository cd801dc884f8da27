"""End to end on the redis engine: events posted over HTTP to an API process, through the Redis
stream to a worker process, whose views the API process pushes to real WebSocket clients.

One API process (`floorwatch serve --no-worker`) and one worker (`floorwatch worker`) share this
machine's 2 cores with the load generator (this process: whole calls on four queues, posted in
batches five times a second) and the client processes (`LiveClient`s, as bench/fanout.py: each
holds four topics as a wall display would). A prober posts one `call.queued` to a probe queue
every ~250 ms; its latency at a client is the time from just before the POST to the delta that
shows it. Afterwards the served event counts must reach what was posted: the rate was
sustained, not just accepted.

    python -m bench.endtoend [--clients 1000 10000] [--rate 50000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import queue
import statistics
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from typing import Any

import httpx

from app.widgets.client import ws_url
from bench.cluster import postgres_database, run_cluster
from bench.common import tenant_key
from bench.fanout import (
    LOAD_CONNECTIONS,
    WARMUP_S,
    client_process,
    post_load,
    post_probes,
    probe_latencies,
    raise_file_limit,
)
from bench.results import Row, at_least, at_most, count

DRAIN_TIMEOUT_S = 20.0


@dataclass
class Figures:
    clients: int
    connected: int
    rate: float
    p50_ms: float
    p99_ms: float
    samples: int
    missed: int
    dropped: int
    backlog_s: float
    messages_per_s: float


async def served_total(http: httpx.AsyncClient) -> int:
    reply = await http.get("/v1/metrics/events")
    reply.raise_for_status()
    return sum(reply.json().values())


async def drive(
    url: str, key: str, seconds: float, rate: int, measure: MpEvent, stop_clients: MpEvent
) -> tuple[dict[int, float], tuple[float, float], float, float]:
    """Load and probe; ({probe: sent at}, measured window, events/s posted, seconds after the
    load stopped until the served counts held every posted event)."""
    stop = asyncio.Event()
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as load_http,
        httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as probe_http,
    ):
        before = await served_total(probe_http)
        loads = [
            asyncio.create_task(post_load(load_http, rate // LOAD_CONNECTIONS, stop))
            for _ in range(LOAD_CONNECTIONS)
        ]
        probes = asyncio.create_task(post_probes(probe_http, stop))
        began = time.time()
        await asyncio.sleep(WARMUP_S)
        measure.set()
        started = time.time()
        await asyncio.sleep(seconds)
        ended = time.time()
        stop.set()
        sent, events = await probes, sum(await asyncio.gather(*loads))
        posted_for = time.time() - began
        stopped = time.monotonic()
        expected = before + events + len(sent)
        while await served_total(probe_http) < expected:
            if time.monotonic() - stopped > DRAIN_TIMEOUT_S:
                break
            await asyncio.sleep(0.05)
        backlog = time.monotonic() - stopped
        await asyncio.sleep(1.0)
        stop_clients.set()
    return sent, (started + 0.5, ended), events / posted_for, backlog


def measure(clients: int, seconds: float, rate: int, procs: int, database_url: str) -> Figures:
    with (
        tempfile.TemporaryDirectory() as logs,
        run_cluster(database_url, Path(logs), apis=1, workers=1) as cluster,
    ):
        url = cluster.api_urls[0]
        key = asyncio.run(tenant_key(database_url, f"e2e-{clients}-{time.time_ns()}"))
        ctx = mp.get_context("spawn")
        ready: mp.Queue[int] = ctx.Queue()
        results: mp.Queue[dict[str, Any]] = ctx.Queue()
        start_measuring, stop = ctx.Event(), ctx.Event()
        shares = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
        workers = [
            ctx.Process(
                target=client_process,
                args=(
                    ws_url(url),
                    key,
                    sum(shares[:i]),
                    share,
                    ready,
                    start_measuring,
                    stop,
                    results,
                    False,  # no per-message compression
                ),
                daemon=True,
            )
            for i, share in enumerate(shares)
        ]
        for worker in workers:
            worker.start()
        try:
            connected = sum(ready.get(timeout=300) for _ in workers)
            sent, window, posted, backlog = asyncio.run(
                drive(url, key, seconds, rate, start_measuring, stop)
            )
            outcomes = [results.get(timeout=300) for _ in workers]
        except queue.Empty:
            raise RuntimeError("the client processes did not answer in time") from None
        finally:
            stop.set()
            for worker in workers:
                worker.join(60)
                if worker.is_alive():
                    worker.kill()
    per_client = [seen for outcome in outcomes for seen in outcome["probes"]]
    latencies, missed = probe_latencies(sent, window, per_client)
    if not latencies:
        raise RuntimeError("no probe reached any client")
    return Figures(
        clients=clients,
        connected=connected,
        rate=posted,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=statistics.quantiles(latencies, n=100)[98] * 1000,
        samples=len(latencies),
        missed=missed,
        dropped=sum(o["dropped"] for o in outcomes),
        backlog_s=backlog,
        messages_per_s=sum(o["messages"] / o["seconds"] for o in outcomes),
    )


def rows(quick: bool) -> list[Row]:
    client_counts = (100, 1000) if quick else (1000, 10_000)
    seconds = 4.0 if quick else 8.0
    raise_file_limit(max(client_counts) + 1000)
    out: list[Row] = []
    with postgres_database() as database_url:
        for clients in client_counts:
            f = measure(clients, seconds, 50_000, 2, database_url)
            sustained = f.rate if f.backlog_s < 2.0 else f.rate * seconds / (seconds + f.backlog_s)
            note = (
                f"{f.samples:,} probe samples, {f.missed} missed, {f.dropped} clients dropped, "
                f"backlog drained {f.backlog_s:.1f} s after the load stopped, "
                f"{f.messages_per_s:,.0f} messages/s delivered"
            )
            label = f"{clients:,} WebSocket clients"
            rate_target = at_least(50_000, "≥ 50,000 events/s") if clients == 1000 else None
            p99_target = at_most(500, "< 500 ms") if clients == 1000 else None
            out += [
                Row(
                    "end to end",
                    f"sustained events/s, HTTP → redis → worker → {label}",
                    sustained,
                    count(sustained),
                    rate_target,
                ),
                Row("end to end", f"event-to-screen p50, {label}", f.p50_ms, f"{f.p50_ms:,.0f} ms"),
                Row(
                    "end to end",
                    f"event-to-screen p99, {label}",
                    f.p99_ms,
                    f"{f.p99_ms:,.0f} ms",
                    p99_target,
                    note,
                ),
            ]
            if clients >= 10_000:
                out.append(
                    Row(
                        "end to end",
                        "WebSocket clients held by one API process",
                        f.connected - f.dropped,
                        f"{f.connected - f.dropped:,}",
                        at_least(10_000, "10,000"),
                    )
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, nargs="+", default=[1000])
    parser.add_argument("--rate", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--client-processes", type=int, default=2)
    args = parser.parse_args()
    raise_file_limit(max(args.clients) + 1000)
    with postgres_database() as database_url:
        for clients in args.clients:
            f = measure(clients, args.seconds, args.rate, args.client_processes, database_url)
            print(f)


if __name__ == "__main__":
    main()
