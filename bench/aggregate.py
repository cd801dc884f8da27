"""Aggregator throughput and memory: events/s through `TenantAggregator.apply_batch` with the
full metric catalog over every scope (tenant, queues, teams, agents) and every window, and the
memory the aggregator holds per 1,000 agents after an hour of traffic.

The traffic is generated (seeded): agents log in, take calls that queued, rang and were
answered, talk (lognormal), sometimes hold or transfer, wrap up, sometimes sell or get a
survey, take breaks; a share of callers abandon. Events are sorted by time, as a log holds them.

    python -m bench.aggregate [--agents 1000] [--minutes 60] [--runs 5] [--batch 500]
                              [--wrapup-limit-s N] [--pipeline]

With `--wrapup-limit-s N` the queues with wrap-up end it by their wrap-up limit of N s (the
aggregator's own deadlines) instead of by `call.wrapup_ended` events. With `--pipeline` the
agents also work deals (created, moved, won, lost; a third of the calls tagged with one).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import time
import tracemalloc
from dataclasses import dataclass, replace

from app.core.runtime import tune_gc
from app.events.schemas import (
    AgentLogin,
    AgentLogout,
    AgentState,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallHold,
    CallQueued,
    CallResumed,
    CallRinging,
    CallTransferred,
    CallWrapupEnded,
    CsatSubmitted,
    DealClosed,
    DealCreated,
    DealLost,
    DealStageChanged,
    DealWon,
    Event,
)
from app.streams.aggregator import WINDOWS, QueueConfig, TenantAggregator, TenantConfig

START_MS = 1_738_400_400_000  # 2025-02-01 09:00 UTC (10:00 in Warsaw)
TEAM_SIZE = 15
CALLER_POOL = 3000
"""Distinct caller numbers with `--callers`: about three calls each in an hour of 1,000 agents."""
BREAK_REASONS = ("coffee", "lunch", "training", "meeting")
STAGES = ("new", "qualified", "proposal", "negotiation")
PIPELINES = ("default", "enterprise")


@dataclass(frozen=True)
class Traffic:
    config: TenantConfig
    events: list[Event]
    agents: int
    calls: int


def generate(
    agents: int,
    minutes: int,
    seed: int = 7,
    wrapup_limit_s: float | None = None,
    pipeline: bool = False,
    callers: bool = False,
) -> Traffic:
    """`agents` agents working `minutes` minutes, events sorted by time (stable). Four queues
    in five have wrap-up: ended by `call.wrapup_ended`, or by a `wrapup_limit_s` limit.

    With `pipeline`, each agent also works its deals: a third of its calls are about one of
    its open deals (tagged with `deal_id`; a new deal is created when it has few), and after
    such a call the deal may move a stage, be won or be lost.

    With `callers`, every call comes from one of CALLER_POOL numbers (drawn from a generator of
    its own, so the rest of the traffic is the same): callers who give up enter the call-back
    list, and leave it when they call again and are answered."""
    rng = random.Random(seed)
    caller_rng = random.Random(seed + 1)

    def caller() -> str | None:
        return f"+4860{caller_rng.randrange(CALLER_POOL):07d}" if callers else None

    n_queues = max(4, agents // 100)
    queues = [f"q{i:03}" for i in range(n_queues)]
    agent_ids = [f"agent{i:05}" for i in range(agents)]
    config = TenantConfig(
        tenant_id=1,
        timezone="Europe/Warsaw",
        queues={
            q: QueueConfig(wrapup_s=wrapup_limit_s if i % 5 else 0) for i, q in enumerate(queues)
        },
        agent_teams={a: f"team{i // TEAM_SIZE:04}" for i, a in enumerate(agent_ids)},
        agent_names={a: f"Agent {i}" for i, a in enumerate(agent_ids)},
    )
    end = START_MS + minutes * 60_000
    timed: list[tuple[int, int, Event]] = []
    n = 0
    calls = 0

    def emit(ts: int, event_cls: type[Event], **fields: object) -> None:
        nonlocal n
        n += 1
        timed.append((ts, n, event_cls(id=f"e{n}", ts=ts, **fields)))

    deals = 0
    for agent in agent_ids:
        t = START_MS + rng.randrange(0, 120_000)
        emit(t, AgentLogin, agent=agent)
        open_deals: list[tuple[str, int]] = []  # (deal id, stage index)
        while t < end:
            t += int(rng.expovariate(1 / 15_000))  # idle, available
            if rng.random() < 0.04:
                emit(t, AgentState, agent=agent, state="break", reason=rng.choice(BREAK_REASONS))
                t += int(rng.uniform(120_000, 600_000))
                emit(t, AgentState, agent=agent, state="available")
                continue
            calls += 1
            call_id = f"c{calls}"
            queue = rng.choice(queues)
            wait = int(rng.expovariate(1 / 12_000))
            deal: tuple[str, int] | None = None
            if pipeline and rng.random() < 0.33:
                if len(open_deals) < 4:
                    deals += 1
                    open_deals.append((f"d{deals}", 0))
                    amount = round(rng.uniform(100, 9000))
                    pipe = rng.choice(PIPELINES)
                    emit(t - wait - 1, DealCreated, deal_id=f"d{deals}", agent=agent,
                         pipeline=pipe, amount=amount)  # fmt: skip
                deal = rng.choice(open_deals)
            emit(t - wait, CallQueued, call_id=call_id, queue=queue,
                 deal_id=deal[0] if deal else None, caller=caller())  # fmt: skip
            emit(t, CallRinging, call_id=call_id, agent=agent, queue=queue)
            t += rng.randrange(1_000, 6_000)
            emit(t, CallAnswered, call_id=call_id, agent=agent, queue=queue)
            talk = int(rng.lognormvariate(11.8, 0.6))  # median ~2.2 minutes
            if rng.random() < 0.2:
                held = rng.randrange(talk // 4, talk // 2)
                emit(t + talk // 4, CallHold, call_id=call_id)
                emit(t + talk // 4 + held, CallResumed, call_id=call_id)
            t += talk
            if rng.random() < 0.03:
                emit(t, CallTransferred, call_id=call_id, to_queue=rng.choice(queues))
                continue
            emit(t, CallEnded, call_id=call_id)
            if wrapup_limit_s is not None and config.queues[queue].wrapup_s:
                t += int(wrapup_limit_s * 1000)
            elif config.queues[queue].wrapup_s != 0:
                t += int(rng.expovariate(1 / 20_000))
                emit(t, CallWrapupEnded, call_id=call_id)
            if deal is not None:
                fate = rng.random()
                if fate < 0.1:
                    emit(t + 1, DealWon, deal_id=deal[0])
                    open_deals.remove(deal)
                elif fate < 0.18:
                    emit(t + 1, DealLost, deal_id=deal[0], reason="price")
                    open_deals.remove(deal)
                elif fate < 0.45 and deal[1] + 1 < len(STAGES):
                    emit(t + 1, DealStageChanged, deal_id=deal[0], stage=STAGES[deal[1] + 1])
                    open_deals[open_deals.index(deal)] = (deal[0], deal[1] + 1)
            if rng.random() < 0.12:
                emit(t, DealClosed, agent=agent, amount=round(rng.uniform(10, 900), 2))
            if rng.random() < 0.15:
                emit(t + 30_000, CsatSubmitted, score=rng.randint(1, 5), call_id=call_id)
        emit(t, AgentLogout, agent=agent)
    # callers who give up before an agent is free
    for _ in range(calls // 12):
        calls += 1
        call_id = f"c{calls}"
        t = rng.randrange(START_MS, end)
        emit(t, CallQueued, call_id=call_id, queue=rng.choice(queues), caller=caller())
        emit(t + int(rng.expovariate(1 / 40_000)), CallAbandoned, call_id=call_id)
    timed.sort(key=lambda x: (x[0], x[1]))
    return Traffic(config, [e for _, _, e in timed], agents, calls)


@dataclass(frozen=True)
class Run:
    wall_rate: float  # events per wall-clock second
    cpu_rate: float  # events per second of this process's CPU time (robust to a busy machine)
    facts: int
    agg: TenantAggregator | None


def run_once(traffic: Traffic, batch: int, drain: bool = False) -> Run:
    """Feed the traffic in batches; with `drain`, facts are taken after every batch (as the
    service does) and their building counts in the time."""
    agg = TenantAggregator(traffic.config)
    events = traffic.events
    batches = [events[i : i + batch] for i in range(0, len(events), batch)]
    facts = 0
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    for chunk in batches:
        agg.apply_batch(chunk)
        if drain:
            facts += len(agg.drain_facts())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Run(len(events) / elapsed, len(events) / cpu, facts, agg)


def held_memory(traffic: Traffic, batch: int) -> int:
    """Bytes allocated by the aggregator and still held after the traffic (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    agg = run_once(traffic, batch).agg
    assert agg is not None
    agg.drain_facts()
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del agg
    return held


def median(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f}"


def snapshot_seconds(agg: TenantAggregator) -> tuple[float, int]:
    now = agg.clock_ms
    started = time.perf_counter()
    n = 0
    for scope in agg.scopes():
        for window in WINDOWS:
            agg.metrics(scope, window, now)
            n += 1
    return time.perf_counter() - started, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wrapup-limit-s", type=float, default=None)
    parser.add_argument(
        "--pipeline", action="store_true", help="mix in the sales pipeline (deals of the calls)"
    )
    parser.add_argument(
        "--callers", action="store_true", help="calls carry caller numbers (the call-back list)"
    )
    args = parser.parse_args()
    tune_gc()  # as `floorwatch serve` and `floorwatch worker` run

    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    started = time.perf_counter()
    traffic = generate(
        args.agents, args.minutes, args.seed, args.wrapup_limit_s, args.pipeline, args.callers
    )
    print(
        f"traffic: {args.agents} agents, {args.minutes} min, {traffic.calls} calls, "
        f"{len(traffic.events)} events (generated in {time.perf_counter() - started:.1f} s)"
    )
    for drain in (False, True):
        runs: list[Run] = []
        for _ in range(args.runs):
            if runs:
                runs[-1] = replace(runs[-1], agg=None)  # not kept alive into the next run
            runs.append(run_once(traffic, args.batch, drain))
        what = "apply_batch + drain_facts" if drain else "apply_batch"
        print(
            f"{what} (batch {args.batch}): median {median([r.wall_rate for r in runs])} "
            f"events/s wall, {median([r.cpu_rate for r in runs])} events/s of CPU time "
            f"(wall runs: {', '.join(f'{r.wall_rate:,.0f}' for r in runs)})"
            + (f"; {runs[-1].facts} facts" if drain else "")
        )
    agg = runs[-1].agg
    assert agg is not None
    spent, n = snapshot_seconds(agg)
    print(
        f"snapshot: {n} metric sets ({len(agg.scopes())} scopes x {len(WINDOWS)} windows) "
        f"in {spent * 1000:.0f} ms ({spent / n * 1e6:.1f} us each)"
    )
    del agg
    held = held_memory(traffic, args.batch)
    print(
        f"memory held after {args.minutes} min: {held / 2**20:.1f} MiB "
        f"= {held / 2**20 / args.agents * 1000:.1f} MiB per 1,000 agents (tracemalloc)"
    )


if __name__ == "__main__":
    main()
