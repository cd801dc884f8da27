"""Request ids, access log lines and HTTP metrics for every request.

Each request gets an id: the caller's `X-Request-ID` when it is a sane token (a proxy or a
client that wants to correlate), else a new random one. The id is bound into structlog's context
for everything logged while the request is handled, and returned in `X-Request-ID`. When the
request ends one `request` line is logged (method, route, path, status, duration, client) and the
HTTP metrics are updated by route template (`/v1/teams/{team_id}`, never the raw path, so the
metric's cardinality stays bounded). Query strings, headers and bodies are never logged: they
can carry credentials.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Final

import structlog
from starlette.datastructures import MutableHeaders
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import get_logger
from app.core.telemetry import HTTP_REQUESTS, HTTP_SECONDS

log = get_logger("floorwatch.access")

HEADER: Final = "X-Request-ID"
SANE_ID: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")
QUIET_PATHS: Final = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes and scrapes: counted in the metrics, logged only at DEBUG."""


def request_id_of(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if SANE_ID.fullmatch(text):
                return text
    return secrets.token_hex(8)


def route_of(scope: Scope) -> str:
    """The matched route's template; fixed labels for the wall's files and unmatched paths."""
    route = scope.get("route")
    if isinstance(route, Mount) or isinstance(scope.get("endpoint"), StaticFiles):
        return "(static)"
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "(unmatched)"


class RequestContext:
    """Pure ASGI middleware (WebSockets get an id bound too, but no access line)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
                return
            await self._http(scope, receive, send, request_id)

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method: str = scope["method"]
            route = route_of(scope)
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_SECONDS.labels(method=method, route=route).observe(seconds)
            path: str = scope["path"]
            client = scope.get("client")
            line = log.debug if path in QUIET_PATHS else log.info
            line(
                "request",
                method=method,
                route=route,
                path=path,
                status=status,
                duration_ms=round(seconds * 1000, 2),
                client=client[0] if client else None,
            )
