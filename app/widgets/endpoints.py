"""`/v1/ws`: the WebSocket API (docs/websocket.md).

Handshake checks, in order: the `Origin` (browsers) against the allow-list, then the credential
the REST API accepts (`app.auth.resolver.resolve`): `Authorization: Bearer` with an API key or a
personal token, or the session cookie of a browser login. A refused handshake gets an HTTP
answer in the usual error shape (403 origin, 400 token in the URL, 401 bad credential, 403 no
`read` scope, 503 full). A browser page holding a token (it cannot set headers) opens the socket
without one and sends an `auth` message first; failing that the socket is closed with 4001 or
4003. Tokens are never accepted in the URL: URLs end up in access logs.

The Origin check is what keeps another site's page from riding on a user's session cookie
(cross-site WebSocket hijacking); a handshake is a GET, so there is no CSRF token to check.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import msgspec
import orjson
from fastapi import APIRouter, WebSocket
from fastapi.responses import Response
from starlette.datastructures import Headers

from app.auth.principal import Principal
from app.auth.resolver import credential_of, resolve, resolve_credential
from app.auth.sessions import SESSION_TOKEN_PREFIX
from app.core.errors import (
    BadRequest,
    FloorwatchError,
    Forbidden,
    Unauthorized,
    Unavailable,
    error_body,
)
from app.core.logging import get_logger
from app.services import Services
from app.widgets.connection import Connection
from app.widgets.history_endpoint import router as history_router
from app.widgets.hub import Hub
from app.widgets.message_rate import MessageRate
from app.widgets.protocol import (
    PROTOCOL_VERSION,
    Auth,
    CloseCode,
    Error,
    Ping,
    Pong,
    Subscribe,
    Unsubscribe,
    Welcome,
    client_decoder,
    encode,
)

router = APIRouter(tags=["live"])
router.include_router(history_router)
log = get_logger(__name__)

AUTH_TIMEOUT_S = 10.0
"""A connection opened without a key must send its `auth` message within this long."""


def origin_allowed(headers: Headers, allowed: list[str]) -> bool:
    """No `Origin` (not a browser), the server's own origin, or one on the allow-list."""
    origin = headers.get("origin")
    if origin is None or "*" in allowed:
        return True
    if origin.rstrip("/") in (a.rstrip("/") for a in allowed):
        return True
    host = headers.get("host")
    return host is not None and urlsplit(origin).netloc == host


async def deny(websocket: WebSocket, error: FloorwatchError) -> None:
    """Refuse the handshake with an HTTP answer (where the server supports it, else 403)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(
            Response(
                orjson.dumps(error_body(error.code, error.message)),
                status_code=error.status_code,
                headers=error.headers,
                media_type="application/json",
            )
        )
    else:
        await websocket.close(1008, error.message[:120])


def check_principal(principal: Principal | None) -> FloorwatchError | None:
    if principal is None:
        return Unauthorized("invalid, expired or revoked credential")
    if not principal.reads_wall:
        return Forbidden(f"{principal.describe()} lacks the `read` scope")
    return None


def transport_abort(websocket: WebSocket) -> None:
    """Drop the TCP connection of a client that does not even take a close frame. ASGI has no
    such message; uvicorn's protocol object (the owner of `receive`) holds the transport."""
    owner: Any = getattr(websocket._receive, "__self__", None)
    transport: Any = getattr(owner, "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        transport.abort()


class AuthFailed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def first_message_auth(websocket: WebSocket, services: Services) -> tuple[str, Principal]:
    """Read the `auth` message of a connection opened without a credential: (token,
    principal). API keys and personal tokens only: a session token stays in its cookie."""
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_S):
            message = await websocket.receive()
    except TimeoutError:
        raise AuthFailed(CloseCode.unauthenticated, "no `auth` message in time") from None
    raw = message.get("text") or message.get("bytes")
    if message["type"] == "websocket.disconnect" or raw is None:
        raise AuthFailed(CloseCode.unauthenticated, "no `auth` message")
    if too_big(raw, services.settings.ws_max_message_bytes):
        raise AuthFailed(CloseCode.message_too_big, "message too big")
    try:
        auth = client_decoder.decode(raw)
    except msgspec.DecodeError:
        auth = None
    if not isinstance(auth, Auth):
        raise AuthFailed(CloseCode.unauthenticated, "authenticate first: send an `auth` message")
    resolved = None
    if not auth.token.startswith(SESSION_TOKEN_PREFIX):
        resolved = await resolve_credential(services, auth.token)
    principal = resolved.principal if resolved else None
    refusal = check_principal(principal)
    if refusal is not None:
        code = CloseCode.forbidden if isinstance(refusal, Forbidden) else CloseCode.unauthenticated
        raise AuthFailed(code, refusal.message)
    assert principal is not None
    return auth.token, principal


def too_big(raw: str | bytes, limit: int) -> bool:
    if isinstance(raw, bytes) or len(raw) * 4 <= limit:
        return len(raw) > limit
    return len(raw) > limit or len(raw.encode()) > limit


@router.websocket("/v1/ws", name="live_updates")
async def live_updates(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    hub: Hub = websocket.app.state.hub
    settings = services.settings
    if not origin_allowed(websocket.headers, settings.allowed_origins):
        await deny(websocket, Forbidden("this Origin is not allowed (FLOORWATCH_ALLOWED_ORIGINS)"))
        return
    if "token" in websocket.query_params:
        await deny(
            websocket,
            BadRequest(
                "never put a token in the URL: use `Authorization: Bearer` or an `auth` message"
            ),
        )
        return
    credential = credential_of(websocket)
    principal: Principal | None = None
    if credential is not None:
        resolved = await resolve(websocket, services)
        principal = resolved.principal if resolved else None
        refusal = check_principal(principal)
        if refusal is not None:
            await deny(websocket, refusal)
            return
    if len(hub.connections) >= settings.ws_max_connections:
        await deny(websocket, Unavailable("too many live connections on this server", 5))
        return
    await websocket.accept()
    if principal is None or credential is None:
        try:
            credential, principal = await first_message_auth(websocket, services)
        except AuthFailed as failed:
            await websocket.close(failed.code, failed.reason)
            return
    conn = Connection(
        principal,
        credential,
        websocket.send_text,
        websocket.close,
        lambda: transport_abort(websocket),
        settings.ws_queue_size,
        hub.schedule,
    )
    await serve(websocket, hub, conn)


async def serve(websocket: WebSocket, hub: Hub, conn: Connection) -> None:
    settings = hub.settings
    conn.reply(
        encode(
            Welcome(
                tenant=conn.principal.tenant_name,
                ping_interval_s=settings.ws_ping_interval_s,
                stale_after_s=settings.ws_stale_after_s,
                idle_timeout_s=settings.ws_idle_timeout_s,
                max_message_bytes=settings.ws_max_message_bytes,
                max_subscriptions=settings.ws_max_subscriptions,
                update_interval_ms=settings.update_interval_ms,
            )
        )
    )
    hub.register(conn)
    log.debug("websocket opened", connection=conn.id, tenant=conn.principal.tenant_id)
    rate = MessageRate(settings.ws_max_messages_per_s, settings.ws_message_burst)
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            conn.last_received = time.monotonic()
            raw = message.get("text") or message.get("bytes")
            if raw is None or conn.closing is not None:
                continue
            if not rate.allow():
                conn.kill(
                    CloseCode.rate_limited,
                    f"more than {settings.ws_message_burst} messages at once or "
                    f"{settings.ws_max_messages_per_s:g} a second",
                )
                continue
            if too_big(raw, settings.ws_max_message_bytes):
                conn.kill(
                    CloseCode.message_too_big,
                    f"messages are limited to {settings.ws_max_message_bytes} bytes",
                )
                continue
            await handle(hub, conn, raw)
    finally:
        hub.unregister(conn)
        await conn.stop()
        log.debug("websocket closed", connection=conn.id, close=conn.closing)


async def handle(hub: Hub, conn: Connection, raw: str | bytes) -> None:
    try:
        message = client_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        conn.reply(encode(Error(code="bad_message", message=f"not a v1 message: {exc}")))
        return
    if message.v != PROTOCOL_VERSION:
        conn.kill(CloseCode.protocol_error, f"unsupported protocol version {message.v}; use 1")
        return
    if isinstance(message, Subscribe):
        await hub.subscribe(conn, message.topics, message.resume)
    elif isinstance(message, Unsubscribe):
        hub.unsubscribe(conn, message.topics)
    elif isinstance(message, Ping):
        conn.reply(encode(Pong(id=message.id)))
    elif isinstance(message, Auth):
        conn.reply(encode(Error(code="bad_message", message="already authenticated")))
