"""A bare WebSocket client for protocol tests: exact frames in, decoded JSON out."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from websockets.asyncio.client import ClientConnection, connect


@asynccontextmanager
async def raw_client(
    url: str, key: str | None, *, welcome: bool = True, **kwargs: Any
) -> AsyncIterator[ClientConnection]:
    """Connected (with the key in the header, if any); the welcome message already read."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with connect(url, additional_headers=headers, compression=None, **kwargs) as ws:
        if welcome:
            first = await receive(ws)
            assert first["type"] == "welcome", first
        yield ws


def subscribe_json(topics: list[str], resume: dict[str, dict[str, Any]] | None = None) -> str:
    body: dict[str, Any] = {"v": 1, "type": "subscribe", "topics": topics}
    if resume:
        body["resume"] = resume
    return orjson.dumps(body).decode()


_pending: WeakKeyDictionary[ClientConnection, deque[dict[str, Any]]] = WeakKeyDictionary()


async def receive(ws: ClientConnection, skip: tuple[str, ...] = ("ping",)) -> dict[str, Any]:
    """The next message whose type is not in `skip` (within 10 s); a frame holding an array
    of messages yields them one by one."""
    pending = _pending.setdefault(ws, deque())
    async with asyncio.timeout(10):
        while True:
            if not pending:
                frame = orjson.loads(await ws.recv())
                pending.extend(frame if isinstance(frame, list) else [frame])
            message = pending.popleft()
            if message["type"] not in skip:
                return message
