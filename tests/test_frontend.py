"""Serving the built wall display (app/frontend.py): SPA fallback, API 404s, cache policy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.core.error_handlers import install_error_handlers
from app.frontend import IMMUTABLE, REVALIDATE, mount_frontend


def app_with(dist: Path) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/v1/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    mount_frontend(app, dist)
    return app


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><fw-app></fw-app>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return tmp_path


@pytest.fixture
async def client(dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with(dist))
    async with httpx.AsyncClient(transport=transport, base_url="http://wall.test") as client:
        yield client


async def test_index_and_client_routes_get_the_page_revalidated(client: httpx.AsyncClient) -> None:
    for path in ("/", "/login", "/d/3", "/display"):
        reply = await client.get(path)
        assert reply.status_code == 200, path
        assert "<fw-app>" in reply.text
        assert reply.headers["cache-control"] == REVALIDATE
        assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    etag = (await client.get("/")).headers["etag"]
    again = await client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304


async def test_hashed_assets_are_immutable_and_missing_ones_404(client: httpx.AsyncClient) -> None:
    asset = await client.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == IMMUTABLE
    assert (await client.get("/assets/index-gone.js")).status_code == 404
    icon = await client.get("/favicon.svg")
    assert icon.headers["cache-control"] == "public, max-age=3600"


async def test_api_paths_keep_their_json_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/ping")).json() == {"pong": "yes"}
    missing = await client.get("/v1/no-such-route")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "http_404"


async def test_an_unbuilt_frontend_says_how_to_build_it(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=app_with(tmp_path / "nothing"))
    async with httpx.AsyncClient(transport=transport, base_url="http://wall.test") as client:
        reply = await client.get("/")
    assert reply.status_code == 503
    assert "make setup" in reply.text
