"""The resolver authenticates a WebSocket handshake the way it authenticates a request: by the
session cookie a browser sends (the cookie is HttpOnly, so page scripts cannot send it any
other way) or by a bearer header; re-resolving the same credential after a logout fails.

A probe socket route is added to the real app, served by uvicorn, and reached with the
`websockets` client."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import WebSocket
from fastapi.routing import APIWebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.auth.deps import resolve_api_key
from app.auth.resolver import credential_of
from app.auth.roles import Role
from app.core.config import Settings
from app.main import create_app
from app.services import Services
from tests.auth.support import bearer, login, make_org, make_token, make_user
from tests.helpers import make_tenant_key


async def whoami(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    credential = credential_of(websocket)
    principal = await resolve_api_key(services, credential) if credential else None
    await websocket.accept()
    if principal is None or credential is None:
        await websocket.close(4001, "unauthenticated")
        return
    await websocket.send_text(
        json.dumps(
            {
                "user": principal.username,
                "kind": principal.kind,
                "teams": sorted(principal.access.teams),
                "still_valid": (await resolve_api_key(services, credential)) is not None,
            }
        )
    )
    await websocket.receive_text()  # "recheck": the client has logged out meanwhile
    again = await resolve_api_key(services, credential)
    await websocket.send_text(json.dumps({"still_valid": again is not None}))
    await websocket.close()


@pytest.fixture
async def probe_server(engine_settings: Settings) -> AsyncIterator[str]:
    app = create_app(engine_settings)
    # first, ahead of any catch-all mount (the static wall pages)
    app.router.routes.insert(0, APIWebSocketRoute("/test/whoami", whoami))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def test_handshake_with_session_cookie_and_with_bearer(
    probe_server: str, engine_settings: Settings
) -> None:
    url = engine_settings.database_url
    name = f"ws-{uuid.uuid4().hex[:8]}"
    tenant_id, _ = await make_tenant_key(url, name=name)
    await make_org(url, tenant_id, {"North": ["n1"]})
    user_id = await make_user(url, tenant_id, "lead", Role.team_lead, teams=("North",))
    session = await login(f"http://{probe_server}", "lead", tenant=name)
    socket_url = f"ws://{probe_server}/test/whoami"

    async with connect(socket_url, additional_headers=session.headers(csrf=False)) as ws:
        first = json.loads(await ws.recv())
        assert first == {
            "user": "lead",
            "kind": "session",
            "teams": ["North"],
            "still_valid": True,
        }
        async with httpx.AsyncClient(base_url=f"http://{probe_server}") as client:
            out = await client.post("/v1/auth/logout", headers=session.headers())
            assert out.status_code == 204
        await ws.send("recheck")
        assert json.loads(await ws.recv()) == {"still_valid": False}

    token = await make_token(url, user_id)
    async with connect(socket_url, additional_headers=bearer(token.token)) as ws:
        assert json.loads(await ws.recv())["kind"] == "user_token"

    with pytest.raises(ConnectionClosed) as closed:
        async with connect(socket_url, additional_headers=session.headers()) as ws:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4001
