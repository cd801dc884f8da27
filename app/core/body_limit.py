"""One request-body limit for the whole app, answered with 413 before the body is read.

A body declared larger than its route's limit (`Content-Length`) is refused before the
application sees the request, so not a byte of it is read. A chunked body (no length) is
counted as it streams in: the chunk that crosses the limit is never handed on; the 413 goes out
at once and the application is told the client left (`http.disconnect`), so whatever it was
doing with the body stops and its own answer is dropped. The connection stays open (a client
that sends its whole body before reading the answer still gets the 413): the server discards
the rest of the body without keeping it, for at most the body deadline (app/core/server.py).
Routes that take large bodies (ingestion, adapters, CSV imports) get a larger limit by path
prefix.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PayloadTooLarge, error_body


class BodySizeLimit:
    """Pure ASGI middleware: `default` bytes for every HTTP request, `larger` maps a path
    prefix to its own limit (the longest matching prefix wins)."""

    def __init__(self, app: ASGIApp, *, default: int, larger: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.larger = sorted(larger.items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.larger:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        state = _Stream(limit, receive, send)
        await self.app(scope, state.receive, state.send)


class _Stream:
    """Counts the body as the application reads it and answers 413 when it passes the limit."""

    def __init__(self, limit: int, receive: Receive, send: Send) -> None:
        self.limit = limit
        self.received = 0
        self.refused = False
        self.started = False
        self._receive = receive
        self._send = send

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        self.received += len(message.get("body", b""))
        if self.received <= self.limit:
            return message
        if not self.started:
            await _refuse(self._send, self.limit)
        self.refused = True
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.refused:
            return  # the 413 (or the answer cut short) stands; the application's is dropped
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _refuse(send: Send, limit: int) -> None:
    error = PayloadTooLarge(f"the request body is larger than the limit of {limit} bytes")
    body = orjson.dumps(error_body(error.code, error.message, error.details))
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
