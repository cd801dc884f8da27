"""Browser tests: the built wall display in Debian's headless Chromium (driven by Playwright's
Python package with its bundled driver; no browser download), against the real server over
real HTTP and WebSocket.

Outside CI a missing Chromium or an unbuildable frontend skips these tests; under `CI=true`
they fail, like every other missing service. The test modules skip themselves outside CI when
the `playwright` package (a dev dependency) is not installed."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import orjson
import pytest
import uvicorn

from app.auth.keys import Scope
from app.auth.roles import Role
from app.core.config import EngineKind, Settings
from app.core.migrate import upgrade
from tests.auth.support import PASSWORD, make_user
from tests.conftest import RunningApp, make_settings, require, stop_app
from tests.helpers import free_port, make_tenant_key

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("FLOORWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1920, "height": 1080}


@pytest.fixture(scope="session")
def frontend_built() -> Path:
    """frontend/dist, rebuilt if a source changed (`make -C frontend build` is a no-op else)."""
    if shutil.which("npm") is not None and (FRONTEND / "package-lock.json").is_file():
        result = subprocess.run(
            ["make", "-C", str(FRONTEND), "build"], capture_output=True, text=True, timeout=600
        )
        if result.returncode != 0:
            require("the frontend build", RuntimeError(result.stdout + result.stderr))
    index = FRONTEND / "dist" / "index.html"
    if not index.is_file():
        require("the built frontend", FileNotFoundError(f"{index} (run `make setup`)"))
    return index.parent


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).is_file():
        require("Chromium", FileNotFoundError(f"{CHROMIUM} (apt-get install -y chromium)"))
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(frontend_built: Path, chromium: str) -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def serve_on(settings: Settings, port: int) -> tuple[RunningApp, asyncio.Task[None]]:
    """Like tests.conftest.start_app, on a chosen port (so a restarted server is found again)."""
    from app.main import create_app

    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    return RunningApp(f"http://127.0.0.1:{port}", settings, server), task


@dataclass
class WallClient:
    """A tenant on a running server, with an ingest/read/admin API key and an admin user."""

    base_url: str
    tenant: str
    tenant_id: int
    key: str
    username: str = "chief"

    async def post(self, events: list[dict[str, Any]]) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            reply = await client.post(
                "/v1/events",
                content=orjson.dumps(events),
                headers={"Authorization": f"Bearer {self.key}"},
            )
        assert reply.status_code == 200, reply.text

    async def api(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            reply = await client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {self.key}"}
            )
        assert reply.status_code < 300, reply.text
        return reply.json() if reply.content else None

    async def login(self, page: Page) -> None:
        await page.goto(f"{self.base_url}/login")
        await page.fill("input[name=tenant]", self.tenant)
        await page.fill("input[name=username]", self.username)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_selector("fw-grid")


@dataclass
class Wall(WallClient):
    """A WallClient on a server in this process (its services reachable, restartable)."""

    app: RunningApp = field(kw_only=True)
    task: asyncio.Task[None] = field(kw_only=True)
    port: int = field(kw_only=True)

    async def stop(self) -> None:
        await stop_app(self.app, self.task)

    async def restart(self) -> None:
        self.app, self.task = await serve_on(self.app.settings, self.port)
        self.base_url = self.app.base_url


async def admin_tenant(database_url: str) -> tuple[int, str, str]:
    """A new tenant with an ingest/read/admin key and the admin user `chief`: (id, name, key)."""
    tenant_id, key = await make_tenant_key(database_url, {Scope.ingest, Scope.read, Scope.admin})
    await make_user(database_url, tenant_id, "chief", Role.admin)
    return tenant_id, await tenant_name(database_url, tenant_id), key


@pytest.fixture
def wall_settings(tmp_path: Path) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'wall.sqlite3'}"
    upgrade(url)
    return make_settings(
        engine=EngineKind.memory, database_url=url, update_interval_ms=100, environment="test"
    )


@asynccontextmanager
async def running_wall(settings: Settings) -> AsyncIterator[Wall]:
    port = free_port()
    app, task = await serve_on(settings, port)
    wall: Wall | None = None
    try:
        tenant_id, tenant, key = await admin_tenant(settings.database_url)
        wall = Wall(app.base_url, tenant, tenant_id, key, app=app, task=task, port=port)
        yield wall
    finally:
        await stop_app(wall.app if wall else app, wall.task if wall else task)


@pytest.fixture
async def wall(wall_settings: Settings) -> AsyncIterator[Wall]:
    async with running_wall(wall_settings) as running:
        yield running


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=VIEWPORT, locale="en-US")  # type: ignore[arg-type]
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        await context.close()
    assert errors == [], f"errors in the page: {errors}"


async def tenant_name(database_url: str, tenant_id: int) -> str:
    from app.core.db import Database
    from app.tenancy.models import Tenant

    db = Database(database_url)
    try:
        async with db.session() as session:
            tenant = await session.get(Tenant, tenant_id)
            assert tenant is not None
            return tenant.name
    finally:
        await db.close()


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path))
    return path
