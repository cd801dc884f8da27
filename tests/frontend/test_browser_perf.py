"""The wall stays smooth with 500 agents on the board and 10 updates a second: frame times
(requestAnimationFrame deltas) and long tasks measured in Chromium while events stream in over
HTTP. The figures are printed and written to artifacts/perf/wall-500-agents.json
(docs/performance.md records them).

The server is a `floorwatch serve` process, as in production: in this test's process it
shared the event loop with the test, Playwright's driver and whatever earlier tests left in the
process, and on a busy machine pushed as few as 0.7 updates a second, so the window no longer
tested the browser under a stream of updates. The updates are counted where the page's main
thread is handed them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from app.core.migrate import upgrade
from tests.api.live_server import serve, server_env
from tests.auth.support import make_org
from tests.frontend.conftest import ARTIFACTS, WallClient, admin_tenant, screenshot
from tests.helpers import ev, now_ms

AGENTS = 500
UPDATES_PER_S = 10
CHANGES_PER_UPDATE = 25
MEASURE_S = 12.0
MEASURE_RUNS = 3
MIN_FRAMES_PER_S = 5
"""Updates pushed a second for a window to count: fewer means the server was starved, not
that the browser was slow (a window is measured again then, MEASURE_RUNS at most). With
fewer updates each carries more changed cards, so the page does much of the work of ten."""
MIN_POSTED_PER_S = 8
"""Batches this test managed to post a second: fewer means the test's own process was starved
(the other pytest worker shares the two cores), and the window is measured again."""
FRAME_BUDGET_MS = 3 * 1000 / 60 + 2
"""The 95th-percentile frame may take three display refreshes. requestAnimationFrame deltas
are whole refreshes plus a little timer jitter (three refreshes measured 50.1 ms), so the
bound sits between three and four refreshes, not on three."""

COUNT_FRAMES = """
window.__wsFrames = 0;
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", () => { window.__wsFrames += 1; });
  }
};
"""
"""Counts the frames the page's main thread was handed (Playwright's own frame events come
through the driver and lag behind on a busy machine)."""

INSTRUMENT = """
() => {
  const perf = { frames: [], longTasks: [], stop: false };
  window.__perf = perf;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) perf.longTasks.push(entry.duration);
  }).observe({ type: "longtask" });
  let last = performance.now();
  const frame = (now) => {
    perf.frames.push(now - last);
    last = now;
    if (!perf.stop) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def agent_ids() -> list[str]:
    return [f"agent-{i:03d}" for i in range(AGENTS)]


async def stream_changes(wall: WallClient, seconds: float, run: int = 0) -> int:
    """UPDATES_PER_S batches a second, each changing CHANGES_PER_UPDATE agents, posted on a
    fixed cadence (a slow answer does not delay the next batch); `run` keeps call ids apart."""
    rng = random.Random(5 + run)
    ids = agent_ids()
    calls = 0
    posts: list[asyncio.Task[None]] = []
    deadline = time.monotonic() + seconds
    next_at = time.monotonic()
    while time.monotonic() < deadline:
        t = now_ms()
        batch: list[dict[str, Any]] = []
        for agent in rng.sample(ids, CHANGES_PER_UPDATE):
            roll = rng.random()
            if roll < 0.45:
                calls += 1
                call = f"r{run}-p{calls}"
                queue = rng.choice(["Sales", "Support", "Billing", "Retention"])
                batch.append(ev("call.queued", t - 5000, call_id=call, queue=queue))
                batch.append(ev("call.answered", t, call_id=call, agent=agent))
            elif roll < 0.75:
                batch.append(ev("agent.state", t, agent=agent, state="available"))
            else:
                reason = rng.choice(["lunch", "coffee", "training", "meeting"])
                batch.append(ev("agent.state", t, agent=agent, state="break", reason=reason))
        posts.append(asyncio.create_task(wall.post(batch)))
        next_at += 1 / UPDATES_PER_S
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    await asyncio.gather(*posts)
    return len(posts)


@contextlib.asynccontextmanager
async def served_floor(directory: Path) -> AsyncIterator[WallClient]:
    """A `floorwatch serve` process (memory engine, updates every 100 ms) on a new SQLite
    database holding a tenant with AGENTS agents in ten teams and four queues."""
    url = f"sqlite+aiosqlite:///{directory / 'wall.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    tenant_id, tenant, key = await admin_tenant(url)
    teams = {f"Team {k + 1}": agent_ids()[k * 50 : (k + 1) * 50] for k in range(10)}
    await make_org(url, tenant_id, teams, ("Sales", "Support", "Billing", "Retention"))
    env = server_env(url, engine="memory", update_interval_ms="100")
    stack = contextlib.ExitStack()
    server = await asyncio.to_thread(stack.enter_context, serve(env, directory / "server.log"))
    try:
        yield WallClient(server.base_url, tenant, tenant_id, key)
    finally:
        await asyncio.to_thread(stack.close)


async def test_500_agents_at_10_updates_per_second(tmp_path: Path, page: Page) -> None:
    async with served_floor(tmp_path) as wall:
        t0 = now_ms() - 600_000
        await wall.post([ev("agent.login", t0 + i, agent=a) for i, a in enumerate(agent_ids())])
        kpis = [
            {
                "id": f"k{i}",
                "type": "kpi",
                "x": 2 * i,
                "y": 0,
                "w": 2,
                "h": 2,
                "metric": m,
                "window": w,
            }
            for i, (m, w) in enumerate(
                [
                    ("calls_waiting", "live"),
                    ("longest_wait", "live"),
                    ("service_level", "15m"),
                    ("asa", "15m"),
                    ("agents_on_call", "live"),
                    ("agents_available", "live"),
                ]
            )
        ]
        board = {"id": "board", "type": "agent_board", "x": 0, "y": 2, "w": 12, "h": 6}
        made = await wall.api(
            "POST", "/v1/dashboards", {"name": "Floor 500", "widgets": [*kpis, board]}
        )
        await page.add_init_script(COUNT_FRAMES)
        await wall.login(page)
        await page.goto(f"{wall.base_url}/d/{made['id']}")
        cards = page.locator("fw-agent-board .card")
        await expect(cards).to_have_count(AGENTS, timeout=20_000)

        # On a busy machine the page may still be handed far fewer updates than were posted
        # (a slow reader gets the latest state, not a backlog); such a window did not test the
        # browser under a stream of updates and is measured again.
        for run in range(MEASURE_RUNS):
            await page.evaluate(INSTRUMENT)
            started = time.monotonic()
            frames_before = await page.evaluate("() => window.__wsFrames")
            sent = await stream_changes(wall, MEASURE_S, run)
            elapsed = time.monotonic() - started
            received = await page.evaluate("() => window.__wsFrames") - frames_before
            perf = await page.evaluate("() => { window.__perf.stop = true; return window.__perf; }")
            if received / elapsed >= MIN_FRAMES_PER_S and sent / elapsed >= MIN_POSTED_PER_S:
                break
            print(
                f"\nrun {run}: {sent / elapsed:.1f} batches/s posted, "
                f"{received / elapsed:.1f} frames/s received, measuring again"
            )
        await screenshot(page, "wall-500-agents")

    frames: list[float] = perf["frames"][1:]
    long_tasks: list[float] = perf["longTasks"]
    figures = {
        "agents": AGENTS,
        "seconds": round(elapsed, 2),
        "batches_posted_per_s": round(sent / elapsed, 1),
        "ws_frames_received_per_s": round(received / elapsed, 1),
        "frames": len(frames),
        "fps": round(len(frames) / elapsed, 1),
        "frame_ms_p50": round(statistics.median(frames), 1),
        "frame_ms_p95": round(percentile(frames, 0.95), 1),
        "frame_ms_p99": round(percentile(frames, 0.99), 1),
        "frame_ms_max": round(max(frames), 1),
        "frames_over_50ms": sum(1 for f in frames if f > 50),
        "long_tasks": len(long_tasks),
        "long_task_ms_total": round(sum(long_tasks), 1),
        "long_task_ms_max": round(max(long_tasks, default=0.0), 1),
        "long_task_share": round(sum(long_tasks) / (elapsed * 1000), 3),
    }
    out = ARTIFACTS / "perf"
    out.mkdir(parents=True, exist_ok=True)
    (out / "wall-500-agents.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\nwall, 500 agents, 10 updates/s:", json.dumps(figures))

    assert figures["batches_posted_per_s"] >= MIN_POSTED_PER_S, figures
    assert figures["ws_frames_received_per_s"] >= MIN_FRAMES_PER_S, figures
    # Smooth: most frames on time, and the main thread mostly idle. The bounds leave room for
    # a shared CI machine; the recorded figures are far inside them.
    assert figures["frame_ms_p95"] <= FRAME_BUDGET_MS, figures
    assert figures["long_task_share"] <= 0.25, figures
