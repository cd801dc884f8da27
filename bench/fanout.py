"""WebSocket fan-out: delivered messages/s and event-to-screen latency for 1,000 and 5,000
concurrent clients on one server process.

The server (`floorwatch serve`, memory engine, wall clock, default 250 ms cadence) runs in its
own process; the clients (`app.widgets.client.LiveClient`) run in separate processes. Each
client subscribes to four topics, as a wall display would: the tenant's 15-minute figures, one
queue's live and 15-minute figures, and a probe queue's live figures. While a background load
posts `--events-per-s` call events to four queues, a prober posts one `call.queued` to the probe
queue every 250 ms and notes the time; the latency of probe n at a client is the time from just
before that POST to the moment the client applied a delta showing `calls_waiting >= n`.

    python -m bench.fanout [--clients 1000 5000] [--seconds 20] [--events-per-s 10000]
                           [--update-interval-ms 250] [--engine memory|redis]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing as mp
import os
import queue
import resource
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.widgets.client import LiveClient, Update, ws_url
from bench.common import commit, machine, run_server

PROBE_TOPIC = "metrics:queue:Probe:live"
QUEUES = ("Q0", "Q1", "Q2", "Q3")
AGENTS = 200
PROBE_INTERVAL_S = 0.25
CONNECT_BATCH = 100
WARMUP_S = 3.0
LOAD_CONNECTIONS = 4
DRAIN_S = 3.0


def topics_for(index: int) -> list[str]:
    q = QUEUES[index % len(QUEUES)]
    return [PROBE_TOPIC, "metrics:tenant:15m", f"metrics:queue:{q}:live", f"metrics:queue:{q}:15m"]


# -- client processes -----------------------------------------------------------------------


@dataclass
class ClientStats:
    messages: int = 0
    probes: list[list[tuple[int, float]]] = field(default_factory=list)


def counting(stats: ClientStats, seen: list[tuple[int, float]]) -> Callable[[Update], None]:
    def on_update(update: Update) -> None:
        stats.messages += 1
        if update.topic == PROBE_TOPIC:
            waiting = update.changed.get("calls_waiting")
            if isinstance(waiting, int):
                seen.append((waiting, update.received))

    return on_update


async def run_clients(
    url: str,
    key: str,
    first_index: int,
    count: int,
    ready: mp.Queue[int],
    measure: MpEvent,
    stop: MpEvent,
    deflate: bool,
) -> dict[str, Any]:
    """Connect `count` clients, report ready, count what arrives between `measure` and
    `stop`."""
    stats = ClientStats()
    clients: list[LiveClient] = []
    for start in range(0, count, CONNECT_BATCH):
        batch = []
        for i in range(first_index + start, first_index + min(start + CONNECT_BATCH, count)):
            seen: list[tuple[int, float]] = []
            stats.probes.append(seen)
            batch.append(
                LiveClient(
                    url, key, topics_for(i), on_update=counting(stats, seen), deflate=deflate
                )
            )
        await asyncio.gather(*(c.start() for c in batch))
        clients.extend(batch)
    ready.put(len(clients))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, measure.wait)
    stats.messages = 0
    for seen in stats.probes:
        seen.clear()
    started = time.time()
    await loop.run_in_executor(None, stop.wait)
    elapsed = time.time() - started
    result = {
        "connected": len(clients),
        "messages": stats.messages,
        "seconds": elapsed,
        "dropped": sum(1 for c in clients if c.close_codes),
        "probes": [list(seen) for seen in stats.probes],
    }
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(30):
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    return result


def client_process(
    url: str,
    key: str,
    first_index: int,
    count: int,
    ready: mp.Queue[int],
    measure: MpEvent,
    stop: MpEvent,
    results: mp.Queue[dict[str, Any]],
    deflate: bool,
) -> None:
    import uvloop

    results.put(
        uvloop.run(run_clients(url, key, first_index, count, ready, measure, stop, deflate))
    )


# -- load and probes ------------------------------------------------------------------------


def load_batch(prefix: str, batch_no: int, size: int) -> list[dict[str, Any]]:
    """`size` events: whole calls (queued, answered, ended, wrap-up ended) on the four queues."""
    now = int(time.time() * 1000) - 1000
    events: list[dict[str, Any]] = []
    for n in range(size // 4):
        call = f"{prefix}-{batch_no}-{n}"
        queue_name = QUEUES[n % len(QUEUES)]
        agent = f"a{(batch_no * 31 + n) % AGENTS}"
        events += [
            {
                "id": f"{call}-q",
                "type": "call.queued",
                "ts": now,
                "call_id": call,
                "queue": queue_name,
            },
            {
                "id": f"{call}-a",
                "type": "call.answered",
                "ts": now + 1,
                "call_id": call,
                "agent": agent,
            },
            {"id": f"{call}-e", "type": "call.ended", "ts": now + 2, "call_id": call},
            {"id": f"{call}-w", "type": "call.wrapup_ended", "ts": now + 3, "call_id": call},
        ]
    return events


async def post_load(http: httpx.AsyncClient, rate: int, stop: asyncio.Event) -> int:
    """Post `rate` events/s in 5 batches a second until `stop`; returns the events sent."""
    if rate <= 0:
        await stop.wait()
        return 0
    prefix = uuid.uuid4().hex[:8]
    size = max(4, rate // 5)
    sent = 0
    next_at = time.monotonic()
    for batch_no in itertools.count():
        if stop.is_set():
            break
        reply = await http.post(
            "/v1/events", content=orjson.dumps(load_batch(prefix, batch_no, size))
        )
        reply.raise_for_status()
        sent += size
        next_at += size / rate
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    return sent


async def post_probes(http: httpx.AsyncClient, stop: asyncio.Event) -> dict[int, float]:
    """One `call.queued` on the probe queue every PROBE_INTERVAL_S: {calls waiting: sent at}."""
    sent: dict[int, float] = {}
    prefix = uuid.uuid4().hex[:8]
    for n in itertools.count(1):
        if stop.is_set():
            break
        event = {
            "id": f"probe-{prefix}-{n}",
            "type": "call.queued",
            "ts": int(time.time() * 1000) - 1000,
            "call_id": f"probe-{prefix}-{n}",
            "queue": "Probe",
        }
        sent[n] = time.time()
        (await http.post("/v1/events", content=orjson.dumps([event]))).raise_for_status()
        await asyncio.sleep(PROBE_INTERVAL_S * (0.5 + (n * 0.618) % 1.0))
    return sent


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(
    url: str,
    key: str,
    seconds: float,
    rate: int,
    measure: MpEvent,
    stop_clients: MpEvent,
    server_pid: int,
) -> tuple[dict[int, float], tuple[float, float], float, float]:
    """Warm up, then load and probe for `seconds`; ({probe: sent at}, window, events/s,
    server CPU seconds per second of the window)."""
    stop = asyncio.Event()
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as load_http,
        httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as probe_http,
    ):
        loads = [
            asyncio.create_task(post_load(load_http, rate // LOAD_CONNECTIONS, stop))
            for _ in range(LOAD_CONNECTIONS)
        ]
        probes = asyncio.create_task(post_probes(probe_http, stop))
        await asyncio.sleep(WARMUP_S)
        measure.set()
        started = time.time()
        cpu_before = cpu_seconds(server_pid)
        await asyncio.sleep(seconds)
        ended = time.time()
        server_cpu = (cpu_seconds(server_pid) - cpu_before) / (ended - started)
        stop.set()
        sent, events = await probes, sum(await asyncio.gather(*loads))
        await asyncio.sleep(DRAIN_S)
        stop_clients.set()
    return sent, (started + 0.5, ended), events / (time.time() - started + WARMUP_S), server_cpu


def probe_latencies(
    sent: dict[int, float], window: tuple[float, float], per_client: list[list[tuple[int, float]]]
) -> tuple[list[float], int]:
    """(latencies in s, probes never seen): probe n reached a client when it applied the first
    delta with `calls_waiting >= n` (several probes can land in one coalesced delta)."""
    probes = sorted((n, at) for n, at in sent.items() if window[0] <= at <= window[1])
    latencies: list[float] = []
    missed = 0
    for seen in per_client:
        i = 0
        for n, at in probes:
            while i < len(seen) and seen[i][0] < n:
                i += 1
            if i == len(seen):
                missed += 1
                continue
            latencies.append(seen[i][1] - at)
    return latencies, missed


@dataclass
class Figures:
    clients: int
    connected: int
    messages_per_s: float
    p50_ms: float
    p99_ms: float
    samples: int
    missed: int
    dropped: int
    events_per_s: float
    server_cpu: float


def measure(
    engine: str,
    clients: int,
    seconds: float,
    rate: int,
    procs: int,
    interval_ms: int,
    deflate: bool,
) -> Figures:
    with run_server(engine, {"FLOORWATCH_UPDATE_INTERVAL_MS": str(interval_ms)}) as server:
        ctx = mp.get_context("spawn")
        ready: mp.Queue[int] = ctx.Queue()
        results: mp.Queue[dict[str, Any]] = ctx.Queue()
        start_measuring, stop = ctx.Event(), ctx.Event()
        shares = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
        workers = [
            ctx.Process(
                target=client_process,
                args=(
                    ws_url(server.url),
                    server.key,
                    sum(shares[:i]),
                    share,
                    ready,
                    start_measuring,
                    stop,
                    results,
                    deflate,
                ),
                daemon=True,
            )
            for i, share in enumerate(shares)
        ]
        for worker in workers:
            worker.start()
        try:
            connected = sum(ready.get(timeout=300) for _ in workers)
            sent, window, events_per_s, server_cpu = asyncio.run(
                drive(
                    server.url,
                    server.key,
                    seconds,
                    rate,
                    start_measuring,
                    stop,
                    server.process.pid,
                )
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
    cuts = statistics.quantiles(latencies, n=100)
    return Figures(
        clients=clients,
        connected=connected,
        messages_per_s=sum(o["messages"] / o["seconds"] for o in outcomes),
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=cuts[98] * 1000,
        samples=len(latencies),
        missed=missed,
        dropped=sum(o["dropped"] for o in outcomes),
        events_per_s=events_per_s,
        server_cpu=server_cpu,
    )


def raise_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--events-per-s", type=int, default=10_000)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--engine", choices=("memory", "redis"), default="memory")
    parser.add_argument("--update-interval-ms", type=int, default=250)
    parser.add_argument(
        "--deflate", action="store_true", help="clients offer per-message compression (browsers do)"
    )
    args = parser.parse_args()
    raise_file_limit(max(args.clients) + 1000)
    print(machine())
    print(
        f"commit {commit()}, engine {args.engine}, update interval {args.update_interval_ms} ms, "
        f"{args.client_processes} client processes, compression {'on' if args.deflate else 'off'}"
    )
    for clients in args.clients:
        f = measure(
            args.engine,
            clients,
            args.seconds,
            args.events_per_s,
            args.client_processes,
            args.update_interval_ms,
            args.deflate,
        )
        print(
            f"fanout {f.clients:6,} clients: {f.messages_per_s:>9,.0f} messages/s delivered; "
            f"POST /v1/events -> client p50 {f.p50_ms:5.0f} ms, p99 {f.p99_ms:5.0f} ms "
            f"({f.samples:,} samples, {f.missed} missed, {f.dropped} clients dropped, "
            f"{f.connected:,} connected, load {f.events_per_s:,.0f} events/s, server CPU "
            f"{f.server_cpu:.2f} cores, {1e6 * f.server_cpu / max(f.messages_per_s, 1):.0f} "
            "µs per message)"
        )


if __name__ == "__main__":
    main()
