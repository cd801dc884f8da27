"""The HTTP server `floorwatch serve` runs: uvicorn, with every connection bounded in time.

uvicorn closes a connection idle between requests after `timeout_keep_alive`, but has no
timeout while a request arrives: a client that opens a connection and sends nothing, sends
headers a byte at a time, or trickles its body held the connection (and its memory) for as
long as it liked, and httptools accepts headers of any size. `GuardedHttpTools` adds, per
connection:

- a **header deadline**: a request's headers must be complete within `http_header_timeout_s`
  of the connection opening or of the request's first byte, else the connection is closed
  (a silent connection included);
- a **body deadline**: the body must be complete within `http_body_timeout_s` of the headers;
- a **header size limit**: more than `http_max_header_bytes` before the headers end is
  answered `431` and the connection closed.

`server_config` builds the uvicorn configuration from the settings: these, the keep-alive
timeout, the concurrency limit (503 beyond it) and the proxies whose `X-Forwarded-For` is
believed (none unless configured).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.core.config import Settings

HEADERS_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 33\r\nconnection: close\r\n\r\n"
    b"request header fields too large\r\n"
)
REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 17\r\nconnection: close\r\n\r\n"
    b"request timed out"
)


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    header_timeout_s: float
    body_timeout_s: float
    max_header_bytes: int

    @classmethod
    def of(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            header_timeout_s=settings.http_header_timeout_s,
            body_timeout_s=settings.http_body_timeout_s,
            max_header_bytes=settings.http_max_header_bytes,
        )


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body deadlines and a header size limit
    (subclassed per configuration by `guarded_protocol`)."""

    limits: ClassVar[ConnectionLimits]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        self._awaiting_headers = True
        self._in_body = False
        self._header_bytes = 0
        self._heads = 0
        super().connection_made(transport)
        self._arm(self.limits.header_timeout_s, REQUEST_TIMEOUT)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers and self._deadline is None:
            self._arm(self.limits.header_timeout_s, REQUEST_TIMEOUT)  # a new request begins
        heads_before, was_awaiting = self._heads, self._awaiting_headers
        super().data_received(data)
        if was_awaiting and self._awaiting_headers and self._heads == heads_before:
            # the whole chunk was part of one request's headers: they must not grow past the
            # limit (a chunk that ends a body is not counted, though headers wait after it)
            self._header_bytes += len(data)
            if self._header_bytes > self.limits.max_header_bytes:
                self._refuse(HEADERS_TOO_LARGE)

    def on_headers_complete(self) -> None:
        self._heads += 1
        self._awaiting_headers = False
        self._header_bytes = 0
        self._disarm()
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.limits.max_header_bytes:
            self._refuse(HEADERS_TOO_LARGE)  # the request never reaches the application
            return
        self._in_body = True
        self._arm(self.limits.body_timeout_s, None)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.transport.is_closing():
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_body = False
        self._awaiting_headers = True
        self._disarm()
        if self.transport.is_closing():
            return  # refused at its headers: no request cycle was started
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # the WebSocket protocol has its own pings and idle timeout
        self._awaiting_headers = False
        super().handle_websocket_upgrade()

    def _arm(self, delay: float, answer: bytes | None) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(delay, self._expire, answer)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self, answer: bytes | None) -> None:
        self._deadline = None
        if self.cycle is not None and not self.cycle.response_complete and self._in_body:
            answer = None  # the application is reading the body: it sees the disconnect
        self._refuse(answer)

    def _refuse(self, answer: bytes | None) -> None:
        self._disarm()
        if self.transport.is_closing():
            return
        if answer is not None and (self.cycle is None or self.cycle.response_complete):
            self.transport.write(answer)
        self.transport.close()


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedHttpTools]:
    return type("GuardedHttpToolsWithLimits", (GuardedHttpTools,), {"limits": limits})


def server_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration of `floorwatch serve` (tests pass `port=0` and the like)."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": guarded_protocol(ConnectionLimits.of(settings)),
        "log_level": settings.log_level.lower(),
        "timeout_graceful_shutdown": 10,
        "timeout_keep_alive": settings.http_keep_alive_timeout_s,
        "limit_concurrency": settings.http_limit_concurrency,
        "ws_max_size": settings.ws_max_message_bytes,
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": ",".join(settings.forwarded_allow_ips) or None,
        "log_config": None,  # uvicorn logs through app/core/logging.py (JSON with log_json)
        "access_log": False,  # app/ops/requests.py logs each request, with its id
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)
