"""Ingest throughput: events/s for `POST /v1/events` with batches of 1, 100 and 1,000 events,
on each engine. The load generator is wrk (a separate process, LuaJIT-built unique bodies);
each figure is the median of several runs.

    python -m bench.ingest [--runs 3] [--seconds 8]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import time
import uuid

from bench.common import ROOT, machine, median, run_server
from bench.results import Row, at_least, count

BATCHES = (1, 100, 1000)
CONNECTIONS = {1: 64, 100: 16, 1000: 8}


def wrk(url: str, key: str, batch: int, seconds: int) -> tuple[float, int]:
    """Run wrk once; returns (requests/s, non-2xx responses)."""
    ts = str(int(time.time() * 1000) - 3_600_000)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS[batch]}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "wrk_events.lua"),
            url,
            "--",
            str(batch),
            key,
            ts,
            uuid.uuid4().hex[:8],
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, int(errors.group(1)) if errors else 0


def measure(runs: int, seconds: int) -> dict[tuple[str, int], float]:
    results: dict[tuple[str, int], float] = {}
    for engine in ("memory", "redis"):
        # the redis engine's API process only (its workers are measured elsewhere)
        with run_server(engine, args=["--no-worker"] if engine == "redis" else []) as server:
            for batch in BATCHES:
                wrk(server.url, server.key, batch, 2)  # warm-up
                figures = []
                for _ in range(runs):
                    rps, errors = wrk(server.url, server.key, batch, seconds)
                    if errors:
                        raise RuntimeError(f"{errors} non-2xx answers ({engine}, batch {batch})")
                    figures.append(rps * batch)
                results[(engine, batch)] = median(figures)
                rate = results[(engine, batch)]
                print(f"ingest {engine:6} batch {batch:5}: {rate:>10,.0f} events/s")
    return results


BATCHED_TARGET = at_least(100_000, "≥ 100,000 events/s")


def rows(runs: int, seconds: int) -> list[Row]:
    return [
        Row(
            "ingest",
            f"`POST /v1/events`, {engine} engine, batches of {batch:,}",
            rate,
            count(rate),
            BATCHED_TARGET if batch >= 100 else None,
        )
        for (engine, batch), rate in measure(runs, seconds).items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    print(machine())
    measure(args.runs, args.seconds)


if __name__ == "__main__":
    main()
