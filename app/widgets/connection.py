"""One client connection: the topics it holds at which version, what it still lacks, and the
sender task that writes it to the socket.

Updates are not queued. When a topic changes, the connection only notes the topic; its sender,
when the socket is ready, sends each noted topic from the version the client has to the newest
one (`LiveTopic.catch_up`: the shared deltas, or the shared snapshot when the client is far
behind). A client that reads slowly therefore gets the latest state, never a backlog, and costs
at most one pending entry per topic. Replies to the client's own requests (and pings) are queued,
bounded by `reply_limit`. A client whose socket takes nothing for the send timeout, or that lets
its replies pile up, is closed with 4008.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable

from app.auth.principal import Principal
from app.core.logging import get_logger
from app.widgets.live import LiveTopic
from app.widgets.protocol import CloseCode

log = get_logger(__name__)

FRAME_BUDGET = 64 * 1024
"""Messages sent at once are joined into frames of up to about this many characters."""
CLOSE_TIMEOUT_S = 2.0

SendText = Callable[[str], Awaitable[None]]
CloseSocket = Callable[[int, str], Awaitable[None]]


def frames(parts: list[str]) -> list[str]:
    """Messages as frames: one message alone, or several (up to FRAME_BUDGET characters) as a
    JSON array, so a client that gets several topics at once costs one socket write. The parts
    are the shared encoded texts, joined, not encoded again."""
    out: list[str] = []
    group: list[str] = []
    size = 0
    for part in parts:
        if group and size + len(part) >= FRAME_BUDGET:
            out.append(group[0] if len(group) == 1 else "[" + ",".join(group) + "]")
            group, size = [], 0
        group.append(part)
        size += len(part) + 1
    if group:
        out.append(group[0] if len(group) == 1 else "[" + ",".join(group) + "]")
    return out


class Connection:
    _ids = itertools.count(1)

    def __init__(
        self,
        principal: Principal,
        credential: str,
        send: SendText,
        close: CloseSocket,
        abort: Callable[[], None],
        reply_limit: int,
    ) -> None:
        self.id = next(self._ids)
        self.principal = principal
        self.credential = credential
        self.topics: dict[str, LiveTopic] = {}
        self.versions: dict[str, int] = {}
        self.changed: dict[str, LiveTopic] = {}
        self.replies: deque[str] = deque()
        self.reply_limit = reply_limit
        self.last_received = time.monotonic()
        self.sending_since: float | None = None
        self.closing: tuple[int, str] | None = None
        self.frames_sent = 0
        self._send = send
        self._close = close
        self._abort = abort
        self._ready = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<Connection {self.id} tenant={self.principal.tenant_id}>"

    def start(self) -> None:
        self._sender = asyncio.create_task(self._send_loop(), name=f"ws-send-{self.id}")

    # -- what the client holds --------------------------------------------------------------

    def track(self, live: LiveTopic, version: int) -> None:
        """The client holds `live` at `version` (0: nothing yet); it is sent what it lacks."""
        name = live.topic.name
        self.topics[name] = live
        self.versions[name] = version
        if live.state is not None and version != live.seq:
            self.notify(live)

    def untrack(self, name: str) -> LiveTopic | None:
        self.versions.pop(name, None)
        self.changed.pop(name, None)
        return self.topics.pop(name, None)

    def notify(self, live: LiveTopic) -> None:
        """`live` has a version this client may lack (cheap: called for every subscriber)."""
        if self.closing is None:
            self.changed[live.topic.name] = live
            self._ready.set()

    def reply(self, text: str) -> None:
        """Queue an answer to the client (or a ping); a client that lets `reply_limit` of them
        pile up is not reading and is closed."""
        if self.closing is not None:
            return
        if len(self.replies) >= self.reply_limit:
            self.kill(CloseCode.slow_consumer, "slow consumer: replies are not being read")
            return
        self.replies.append(text)
        self._ready.set()

    def take(self) -> list[str]:
        """Everything the client lacks now, in order: the replies, then each changed topic
        brought to its newest version."""
        parts = list(self.replies)
        self.replies.clear()
        for name, live in self.changed.items():
            have = self.versions.get(name)
            if have is None:
                continue  # unsubscribed meanwhile
            parts.extend(live.catch_up(have))
            self.versions[name] = live.seq
        self.changed.clear()
        return parts

    # -- liveness ---------------------------------------------------------------------------

    def check(self, now: float, idle_timeout_s: float, send_timeout_s: float) -> None:
        if now - self.last_received > idle_timeout_s:
            self.kill(CloseCode.idle_timeout, "idle timeout: no message from the client")
        elif self.sending_since is not None and now - self.sending_since > send_timeout_s:
            self.kill(CloseCode.slow_consumer, "slow consumer: the socket is not read")

    async def _send_loop(self) -> None:
        ready = self._ready
        while True:
            if not self.replies and not self.changed:
                ready.clear()
                await ready.wait()
                continue
            for frame in frames(self.take()):
                self.sending_since = time.monotonic()
                try:
                    await self._send(frame)
                except Exception:
                    return  # the socket is gone; the endpoint sees the disconnect
                self.sending_since = None
                self.frames_sent += 1

    # -- closing ----------------------------------------------------------------------------

    def kill(self, code: int, reason: str) -> None:
        """Stop sending and close the socket with `code` (aborted if it cannot even take the
        close frame). Safe to call more than once."""
        if self.closing is not None:
            return
        self.closing = (code, reason)
        self.replies.clear()
        self.changed.clear()
        if self._sender is not None:
            self._sender.cancel()
        self._closer = asyncio.create_task(self._close_socket(code, reason))
        log.info("websocket closed by the server", connection=self.id, code=code, reason=reason)

    async def _close_socket(self, code: int, reason: str) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await self._close(code, reason)
        except Exception:  # TimeoutError included: the socket cannot even take the close frame
            self._abort()

    async def stop(self) -> None:
        """Called by the endpoint when the connection is over, whoever ended it."""
        if self._sender is not None and not self._sender.done():
            self._sender.cancel()
        for task in (self._sender, self._closer):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
