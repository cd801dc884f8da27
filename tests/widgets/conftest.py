"""Fixtures of the WebSocket tests: a server with WebSocket settings of the test's choosing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from app.core.config import EngineKind
from app.core.migrate import upgrade
from tests.conftest import RunningApp, make_settings, start_app, stop_app

ServerFactory = Callable[..., AbstractAsyncContextManager[RunningApp]]


@pytest.fixture
def memory_server(tmp_path: Path) -> ServerFactory:
    """`async with memory_server(ws_idle_timeout_s=1) as app:` a memory-engine server (on a
    fresh SQLite database, one per test)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'fw.sqlite3'}"
    upgrade(url)

    @asynccontextmanager
    async def serve(**overrides: object) -> AsyncIterator[RunningApp]:
        settings = make_settings(engine=EngineKind.memory, database_url=url, **overrides)
        running, task = await start_app(settings)
        try:
            yield running
        finally:
            await stop_app(running, task)

    return serve
