"""The WebSocket `Origin` allow-list stops cross-site WebSocket hijacking: a page of another
site cannot open `/v1/ws` riding on a user's session cookie, unless its origin is allowed."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from app.core.config import EngineKind
from tests.api.live_server import provision
from tests.auth.support import login
from tests.conftest import make_settings, start_app, stop_app

EVIL = "https://evil.example"


@pytest.mark.parametrize(
    ("allowed", "evil_gets_in"),
    [([], False), (["https://wall.example"], False), (["*"], True), ([EVIL + "/"], True)],
)
async def test_cookie_handshakes_from_other_origins(
    sqlite_url: str, allowed: list[str], evil_gets_in: bool
) -> None:
    settings = make_settings(
        engine=EngineKind.memory, database_url=sqlite_url, allowed_origins=allowed
    )
    running, task = await start_app(settings)
    try:
        credentials = await provision(sqlite_url)
        session = await login(running.base_url, "boss", tenant=credentials.tenant)
        url = running.base_url.replace("http", "ws", 1) + "/v1/ws"
        cookie = {"Cookie": f"fw_session={session.cookie}"}
        async with connect(url, origin=Origin(running.base_url), additional_headers=cookie) as own:
            assert '"welcome"' in str(await own.recv())
        if evil_gets_in:
            async with connect(url, origin=Origin(EVIL), additional_headers=cookie) as ws:
                assert '"welcome"' in str(await ws.recv())
        else:
            with pytest.raises(InvalidStatus) as refused:
                async with connect(url, origin=Origin(EVIL), additional_headers=cookie):
                    pass
            assert refused.value.response.status_code == 403
            assert b"Origin" in (refused.value.response.body or b"")
    finally:
        await stop_app(running, task)
