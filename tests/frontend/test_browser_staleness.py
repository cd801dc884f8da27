"""An unattended TV notices a frozen server: the wall marks itself stale `stale_after_s` after
the last thing it heard (not after the browser's minute-long close handshake on top), and
clears the mark once the server answers again.

The server runs in its own process (`floorwatch serve`), so the test can freeze it with
SIGSTOP: the TCP connection stays open and silent, as with a hung server or a dead network.
The threshold is shortened here through its setting; its 50 s default is checked in
tests/widgets/test_stale_after.py."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="dev dependency `playwright` is not installed")

from playwright.async_api import Page, expect

from tests.api.live_server import provision, serve, server_env
from tests.frontend.conftest import screenshot

STALE_AFTER_S = 4.0
PING_S = 1.0
SLACK_S = 2.0
"""Timer granularity and the test's own polling."""


async def test_a_frozen_server_shows_stale_within_the_threshold(
    page: Page, sqlite_url: str, tmp_path: Path
) -> None:
    credentials = await provision(sqlite_url)
    env = server_env(
        sqlite_url,
        ws_ping_interval_s=str(PING_S),
        ws_stale_after_s=str(STALE_AFTER_S),
        demo="false",
    )
    with serve(env, tmp_path / "server.log") as server:
        await page.goto(f"{server.base_url}/login")
        await page.fill("input[name=tenant]", credentials.tenant)
        await page.fill("input[name=username]", credentials.admin_username)
        await page.fill("input[name=password]", credentials.password)
        await page.click("button[type=submit]")
        await page.wait_for_selector("fw-grid")
        stale = page.locator("[data-testid=stale]")
        await asyncio.sleep(STALE_AFTER_S + 1)  # pings keep a quiet wall live
        await expect(stale).to_have_count(0)

        server.process.send_signal(signal.SIGSTOP)
        frozen = time.monotonic()
        try:
            await expect(stale).to_be_visible(timeout=(STALE_AFTER_S + SLACK_S) * 1000)
            waited = time.monotonic() - frozen
            await screenshot(page, "wall-stale-frozen-server")
        finally:
            server.process.send_signal(signal.SIGCONT)
        # the page counts from the last message it got: a ping up to PING_S (more on a busy
        # machine) before the server froze
        assert STALE_AFTER_S - PING_S - 1.0 <= waited <= STALE_AFTER_S + SLACK_S
        await expect(stale).to_have_count(0, timeout=20_000)
