"""The staleness threshold a wall uses comes from the server's settings: 50 s by default
(docs/wall.md, docs/websocket.md), sent in `welcome`, and never at or below the ping interval."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from tests.helpers import make_tenant_key
from tests.widgets.conftest import ServerFactory
from tests.widgets.raw import raw_client, receive


async def test_the_welcome_carries_the_50_s_default(memory_server: ServerFactory) -> None:
    assert Settings.model_fields["ws_stale_after_s"].default == 50.0
    async with memory_server() as app:
        _, key = await make_tenant_key(app.settings.database_url)
        url = app.base_url.replace("http", "ws", 1) + "/v1/ws"
        async with raw_client(url, key, welcome=False) as ws:
            welcome = await receive(ws)
    assert welcome["type"] == "welcome"
    assert welcome["stale_after_s"] == 50.0
    assert welcome["ping_interval_s"] < welcome["stale_after_s"]


def test_a_threshold_not_above_the_ping_interval_is_refused() -> None:
    with pytest.raises(ValidationError, match="must exceed ws_ping_interval_s"):
        Settings(ws_ping_interval_s=20, ws_stale_after_s=20)
