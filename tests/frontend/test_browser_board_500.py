"""A board of 500 agents under a stream of updates (10 batches a second, 25 agents each) shows,
once the stream stops, exactly the server's board: every card, every state. The server is a
`floorwatch serve` process (memory engine, updates every 100 ms), as in production.

How smooth the page stays meanwhile (frame times, long tasks) is measured by the `wall`
benchmark (bench/wall_frames.py), not here: a timed test fails on a busy machine, not on a slow
page."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from app.core.migrate import upgrade
from bench.wall_frames import AGENTS, QUEUES, UPDATES_PER_S, agent_ids, stream_changes
from tests.api.live_server import serve, server_env
from tests.auth.support import make_org
from tests.frontend.conftest import WallClient, admin_tenant, screenshot
from tests.helpers import ev, now_ms

STREAM_S = 4.0


@contextlib.asynccontextmanager
async def served_floor(directory: Path) -> AsyncIterator[WallClient]:
    """A `floorwatch serve` process (memory engine, updates every 100 ms) on a new SQLite
    database holding a tenant with AGENTS agents in ten teams and four queues."""
    url = f"sqlite+aiosqlite:///{directory / 'wall.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    tenant_id, tenant, key = await admin_tenant(url)
    teams = {f"Team {k + 1}": agent_ids()[k * 50 : (k + 1) * 50] for k in range(10)}
    await make_org(url, tenant_id, teams, QUEUES)
    env = server_env(url, engine="memory", update_interval_ms="100")
    stack = contextlib.ExitStack()
    server = await asyncio.to_thread(stack.enter_context, serve(env, directory / "server.log"))
    try:
        yield WallClient(server.base_url, tenant, tenant_id, key)
    finally:
        await asyncio.to_thread(stack.close)


async def board_states(page: Page) -> dict[str, str]:
    cards = page.locator("fw-agent-board .card")
    pairs: list[list[str]] = await cards.evaluate_all(
        "cards => cards.map(card => [card.dataset.agent, card.dataset.state])"
    )
    return dict(pairs)


async def server_states(wall: WallClient) -> dict[str, str]:
    board = await wall.api("GET", "/v1/agents")
    return {row["agent"]: row["state"] for row in board["agents"]}


async def test_500_agents_under_a_stream_of_updates_end_as_the_server_has_them(
    tmp_path: Path, page: Page
) -> None:
    async with served_floor(tmp_path) as wall:
        t0 = now_ms() - 600_000
        await wall.post([ev("agent.login", t0 + i, agent=a) for i, a in enumerate(agent_ids())])
        metrics = ["calls_waiting", "agents_on_call", "agents_available"]
        kpis = [
            {"id": f"k{i}", "type": "kpi", "x": 2 * i, "y": 0, "w": 2, "h": 2, "metric": metric}
            for i, metric in enumerate(metrics)
        ]
        board = {"id": "board", "type": "agent_board", "x": 0, "y": 2, "w": 12, "h": 6}
        made = await wall.api(
            "POST", "/v1/dashboards", {"name": "Floor 500", "widgets": [*kpis, board]}
        )
        await wall.login(page)
        await page.goto(f"{wall.base_url}/d/{made['id']}")
        await expect(page.locator("fw-agent-board .card")).to_have_count(AGENTS, timeout=20_000)
        assert set((await board_states(page)).values()) == {"available"}

        sent = await stream_changes(wall.post, STREAM_S)
        assert sent >= STREAM_S * UPDATES_PER_S * 0.5
        deadline = time.monotonic() + 20
        while True:  # the server's board may still be applying the last batches
            expected = await server_states(wall)
            shown = await board_states(page)
            if shown == expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        states = Counter(expected.values())
        assert len(expected) == AGENTS
        assert states["break"] > 0, states
        assert states["on_call"] > 0, states
        wrong = {a: (shown.get(a), s) for a, s in expected.items() if shown.get(a) != s}
        assert not wrong, f"{len(wrong)} cards differ from the server (shown, server): {wrong}"
        await screenshot(page, "wall-500-agents")
