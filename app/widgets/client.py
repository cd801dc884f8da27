"""A small asyncio client for the WebSocket API (`/v1/ws`), for integrators, tests and benches.

    async with LiveClient("ws://127.0.0.1:8000/v1/ws", api_key, ["metrics:tenant:15m"]) as live:
        async for update in live.updates():
            print(update.topic, update.data["service_level"])

It keeps the current value of every subscribed topic in `state`, applies deltas in sequence
order, asks for a fresh snapshot when it sees a gap, answers the server's pings, and after a
dropped connection reconnects with back-off and resumes each topic from its epoch and sequence
number (the server answers `resumed` if nothing was missed, a snapshot otherwise). It gives up
on close codes that need a fix first (4000 protocol error, 4001 unauthenticated, 4003 forbidden).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Origin

from app.widgets.protocol import (
    RECONNECTABLE,
    Auth,
    Delta,
    Error,
    Ping,
    Pong,
    Position,
    Resumed,
    ServerMessage,
    Snapshot,
    Subscribe,
    Unsubscribe,
    Unsubscribed,
    Welcome,
    encode,
    server_decoder,
)

T = TypeVar("T")

MAX_FRAME_BYTES = 64 * 1024 * 1024
"""Largest frame accepted from the server (a big board's snapshot can be megabytes)."""


@dataclass(slots=True)
class TopicState:
    epoch: str
    seq: int
    at: int
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Update:
    """A snapshot or delta as applied: `data` is the topic's whole value after it."""

    topic: str
    kind: Literal["snapshot", "delta"]
    seq: int
    at: int
    data: dict[str, Any]
    changed: dict[str, Any]
    removed: list[str]
    received: float = field(default_factory=time.time)


class LiveClosed(Exception):
    """The server closed the connection for good (or reconnecting is off)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"closed by the server: {code} {reason}".strip())
        self.code = code
        self.reason = reason


def keep_last(items: list[T], item: T, limit: int = 100) -> None:
    """Append, keeping only the last `limit` items (a client may live for months)."""
    items.append(item)
    del items[:-limit]


def ws_url(base_url: str) -> str:
    """`http://host:port` (or `https://…`) to the WebSocket API's URL."""
    if base_url.startswith("http"):
        base_url = "ws" + base_url[4:]
    return base_url.rstrip("/") + "/v1/ws"


class LiveClient:
    def __init__(
        self,
        url: str,
        token: str,
        topics: Iterable[str] = (),
        *,
        origin: str | None = None,
        auth_message: bool = False,
        reconnect: bool = True,
        max_backoff_s: float = 10.0,
        open_timeout_s: float = 10.0,
        on_update: Callable[[Update], None] | None = None,
        deflate: bool = False,
    ) -> None:
        """`auth_message=True` authenticates the way a browser does (first message) instead of
        with the `Authorization` header. With `on_update`, updates go to the callback instead
        of `updates()`. `deflate=True` offers per-message compression, as browsers do."""
        self.url = url
        self.token = token
        self.topics: list[str] = list(dict.fromkeys(topics))
        self.origin = origin
        self.auth_message = auth_message
        self.reconnect = reconnect
        self.max_backoff_s = max_backoff_s
        self.open_timeout_s = open_timeout_s
        self.on_update = on_update
        self.deflate = deflate
        self.state: dict[str, TopicState] = {}
        self.welcome: Welcome | None = None
        self.errors: list[Error] = []
        self.resumed: list[Resumed] = []
        self.close_codes: list[int] = []
        self.connects = 0
        self.gaps = 0
        self.connected = asyncio.Event()
        self._queue: asyncio.Queue[Update | LiveClosed] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._awaiting_snapshot: set[str] = set()
        self._runner: asyncio.Task[None] | None = None
        self._closed: LiveClosed | None = None
        self._closing = False
        self._background: set[asyncio.Task[None]] = set()

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (raising if the handshake or authentication fails) and keep the connection
        up in the background."""
        ws = await self._open()
        self._runner = asyncio.create_task(self._run(ws), name="live-client")

    async def close(self) -> None:
        self.reconnect = False
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner

    async def __aenter__(self) -> LiveClient:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # -- requests ---------------------------------------------------------------------------

    async def subscribe(self, *topics: str) -> None:
        fresh = [t for t in topics if t not in self.topics]
        self.topics.extend(fresh)
        self._awaiting_snapshot.update(fresh)
        if fresh and self._ws is not None:
            await self._send(Subscribe(topics=fresh))

    async def unsubscribe(self, *topics: str) -> None:
        self.topics = [t for t in self.topics if t not in topics]
        for topic in topics:
            self.state.pop(topic, None)
        if self._ws is not None:
            await self._send(Unsubscribe(topics=list(topics)))

    async def ping(self, id_: str | int | None = None) -> None:
        await self._send(Ping(id=id_))

    # -- reading ----------------------------------------------------------------------------

    async def updates(self) -> AsyncIterator[Update]:
        """Every applied snapshot and delta, in order; raises LiveClosed when the connection is
        closed for good."""
        while True:
            item = await self._queue.get()
            if isinstance(item, LiveClosed):
                raise item
            yield item

    async def next_update(self) -> Update:
        """The next update (wrap in `asyncio.timeout`)."""
        item = await self._queue.get()
        if isinstance(item, LiveClosed):
            raise item
        return item

    async def wait_for(self, predicate: Callable[[LiveClient], bool]) -> None:
        """Wait until `predicate(self)` holds (wrap in `asyncio.timeout`)."""
        while not predicate(self):
            if self._closed is not None:
                raise self._closed
            await asyncio.sleep(0.01)

    # -- internals --------------------------------------------------------------------------

    async def _open(self) -> ClientConnection:
        headers = {} if self.auth_message else {"Authorization": f"Bearer {self.token}"}
        ws = await connect(
            self.url,
            additional_headers=headers,
            origin=Origin(self.origin) if self.origin else None,
            compression="deflate" if self.deflate else None,
            open_timeout=self.open_timeout_s,
            max_size=MAX_FRAME_BYTES,
            max_queue=None,
        )
        try:
            if self.auth_message:
                await ws.send(encode(Auth(token=self.token)))
            async with asyncio.timeout(self.open_timeout_s):
                first = server_decoder.decode(await ws.recv())
            if isinstance(first, list):
                first = first[0]
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else 1006
            raise LiveClosed(code, exc.rcvd.reason if exc.rcvd else "") from None
        if not isinstance(first, Welcome):
            await ws.close()
            raise LiveClosed(1002, f"expected a welcome message, got {type(first).__name__}")
        self.welcome = first
        self.connects += 1
        self._ws = ws
        self._awaiting_snapshot = set(self.topics)
        if self.topics:
            resume = {
                t: Position(epoch=s.epoch, seq=s.seq)
                for t, s in self.state.items()
                if t in self.topics
            }
            await self._send(Subscribe(topics=self.topics, resume=resume))
        self.connected.set()
        return ws

    async def _send(self, message: Subscribe | Unsubscribe | Ping | Pong | Auth) -> None:
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(encode(message))

    async def _run(self, ws: ClientConnection) -> None:
        backoff = 0.1
        while True:
            code, reason = 1006, ""
            try:
                async for raw in ws:
                    await self._dispatch(raw)
                    backoff = 0.1
                if ws.close_code is not None:
                    code, reason = ws.close_code, ws.close_reason or ""
            except ConnectionClosed as exc:
                if exc.rcvd is not None:
                    code, reason = exc.rcvd.code, exc.rcvd.reason
            self._ws = None
            self.connected.clear()
            if self._closing:
                return
            keep_last(self.close_codes, code)
            if not self.reconnect or code not in RECONNECTABLE:
                self._finish(LiveClosed(code, reason))
                return
            while True:
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, self.max_backoff_s)
                try:
                    ws = await self._open()
                    break
                except LiveClosed as exc:
                    if exc.code not in RECONNECTABLE:
                        self._finish(exc)
                        return
                except InvalidStatus as exc:
                    if exc.response.status_code < 500:
                        self._finish(LiveClosed(1008, f"reconnect refused: {exc}"))
                        return
                except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake):
                    continue

    def _finish(self, closed: LiveClosed) -> None:
        self._closed = closed
        self._queue.put_nowait(closed)

    async def _dispatch(self, raw: str | bytes) -> None:
        try:
            decoded = server_decoder.decode(raw)
        except msgspec.DecodeError:
            decoded = self._decode_each(raw)
        for message in decoded if isinstance(decoded, list) else [decoded]:
            await self._handle(message)

    @staticmethod
    def _decode_each(raw: str | bytes) -> list[ServerMessage]:
        """Decode message by message, skipping those of types this client does not know
        (a newer server may send them; version 1 clients ignore them)."""
        try:
            items = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            return []
        known = []
        for item in items if isinstance(items, list) else [items]:
            with contextlib.suppress(msgspec.ValidationError):
                known.append(msgspec.convert(item, ServerMessage))
        return known

    async def _handle(self, message: ServerMessage) -> None:
        if isinstance(message, Delta):
            self._apply_delta(message)
        elif isinstance(message, Snapshot):
            self._apply_snapshot(message)
        elif isinstance(message, Ping):
            await self._send(Pong(id=message.id))
        elif isinstance(message, Resumed):
            self._awaiting_snapshot.discard(message.topic)
            keep_last(self.resumed, message)
        elif isinstance(message, Error):
            keep_last(self.errors, message)
        elif isinstance(message, Unsubscribed):
            pass

    def _apply_snapshot(self, message: Snapshot) -> None:
        if message.topic not in self.topics:
            return
        self._awaiting_snapshot.discard(message.topic)
        self.state[message.topic] = TopicState(
            message.epoch, message.seq, message.at, dict(message.data)
        )
        data = dict(message.data)
        self._emit(Update(message.topic, "snapshot", message.seq, message.at, data, data, []))

    def _apply_delta(self, message: Delta) -> None:
        topic = message.topic
        current = self.state.get(topic)
        if current is None or topic in self._awaiting_snapshot:
            return
        if message.seq <= current.seq:
            return
        if message.seq != current.seq + 1:
            self.gaps += 1
            self._awaiting_snapshot.add(topic)
            resume = {topic: Position(epoch=current.epoch, seq=current.seq)}
            task = asyncio.get_running_loop().create_task(
                self._send(Subscribe(topics=[topic], resume=resume))
            )
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return
        data = current.data
        data.update(message.set)
        for key in message.unset:
            data.pop(key, None)
        current.seq, current.at = message.seq, message.at
        self._emit(
            Update(topic, "delta", message.seq, message.at, dict(data), message.set, message.unset)
        )

    def _emit(self, update: Update) -> None:
        if self.on_update is not None:
            self.on_update(update)
        else:
            self._queue.put_nowait(update)
