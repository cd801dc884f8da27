"""Security headers on every answer and a content security policy on every page, over real
HTTP (app/core/security_headers.py); request ids on every answer (app/ops/requests.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from app.core.config import EngineKind
from app.core.security_headers import API_POLICY, DOCS_POLICY, HSTS, WALL_POLICY
from app.frontend import FRONTEND_DIST
from tests.conftest import RunningApp, make_settings, start_app, stop_app
from tests.helpers import eventually

BUILT = (FRONTEND_DIST / "index.html").is_file()
"""`make setup` builds the wall; without it `/` is the "not built" page (HTML all the same)."""
COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.fixture(params=[True, False], ids=["https", "plain-http"])
async def server(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[RunningApp]:
    settings = make_settings(
        engine=EngineKind.memory, database_url=sqlite_url, cookie_secure=request.param
    )
    running, task = await start_app(settings)
    try:
        yield running
    finally:
        await stop_app(running, task)


async def test_every_answer_carries_the_headers_and_pages_a_policy(server: RunningApp) -> None:
    async with server.client() as client:
        answers = {
            "api": await client.get("/healthz"),
            "api error": await client.get("/v1/teams"),
            "docs": await client.get("/docs"),
            "redoc": await client.get("/redoc"),
            "wall": await client.get("/"),
        }
        if BUILT:
            answers["wall route"] = await client.get("/d/3")
    for name, answer in answers.items():
        for header, expected in COMMON.items():
            assert answer.headers.get(header) == expected, (name, header)
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy, name
        if server.settings.cookie_secure:
            assert answer.headers["strict-transport-security"] == HSTS, name
        else:
            assert "strict-transport-security" not in answer.headers, name
    assert answers["api"].headers["content-security-policy"] == API_POLICY
    assert answers["api error"].status_code == 401
    assert answers["docs"].headers["content-security-policy"] == DOCS_POLICY
    assert answers["redoc"].headers["content-security-policy"] == DOCS_POLICY
    assert answers["wall"].headers["content-type"].startswith("text/html")
    assert answers["wall"].headers["content-security-policy"] == WALL_POLICY
    if BUILT:
        assert answers["wall route"].headers["content-security-policy"] == WALL_POLICY


async def test_requests_are_counted_by_route_template(server: RunningApp) -> None:
    from tests.ops.test_metrics_endpoint import local_samples, value

    name = "floorwatch_http_requests_total"
    before = local_samples()
    async with server.client() as client:
        await client.get("/d/3")
        await client.get("/v1/teams/5")
    expected = [{"method": "GET", "route": "/v1/teams/{team_id}", "status": "401"}]
    if BUILT:
        expected.append({"method": "GET", "route": "(static)", "status": "200"})

    def counted() -> list[float]:
        after = local_samples()
        return [value(after, name, **labels) - value(before, name, **labels) for labels in expected]

    async def all_counted() -> bool:
        return all(count >= 1 for count in counted())

    # the server counts a request once it has sent the answer, which the client may have
    # read a moment before
    await eventually(all_counted, timeout=5)
    assert counted() == [1] * len(expected), expected


async def test_every_answer_has_a_request_id(server: RunningApp) -> None:
    async with server.client() as client:
        fresh = [await client.get("/healthz") for _ in range(2)]
        echoed = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a:42"})
        refused = await client.get("/healthz", headers={"X-Request-ID": "x" * 65})
        odd = await client.get("/healthz", headers={"X-Request-ID": "a b<script>"})
    ids = [answer.headers["x-request-id"] for answer in fresh]
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    assert ids[0] != ids[1]
    assert echoed.headers["x-request-id"] == "lb-7f3a:42"
    for answer in (refused, odd):
        assert re.fullmatch(r"[0-9a-f]{16}", answer.headers["x-request-id"])
