"""One client connection: the topics it holds at which version, what it still lacks, and how
that reaches the socket.

Updates are not queued. When a topic changes, the connection only notes the topic; when it is
flushed, it sends each noted topic from the version the client has to the newest one
(`LiveTopic.catch_up`: the shared deltas, or the shared snapshot when the client is far behind).
A client that reads slowly therefore gets the latest state, never a backlog, and costs at most
one pending entry per topic. Replies to the client's own requests (and pings) are queued,
bounded by `reply_limit`.

Flushing is done by the hub's one flusher task, connection after connection, as long as each
socket takes its frame at once (the usual case: a write to a socket with room in its buffer).
A connection whose socket makes the flusher wait gets its own task until it has caught up, so
it delays nobody. A client whose socket takes nothing for the send timeout, or that lets its
replies pile up, is closed with 4008.
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
from app.core.telemetry import observe_websocket_closed
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
        schedule: Callable[[Connection], None],
    ) -> None:
        """`schedule(conn)` asks the hub to call `conn.flush()` soon."""
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
        self._schedule = schedule
        self._scheduled = False
        self._unsent: deque[str] = deque()
        self._own_sender: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        self._broken = False

    def __repr__(self) -> str:
        return f"<Connection {self.id} tenant={self.principal.tenant_id}>"

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
            self._wake()

    def reply(self, text: str) -> None:
        """Queue an answer to the client (or a ping); a client that lets `reply_limit` of them
        pile up is not reading and is closed."""
        if self.closing is not None:
            return
        if len(self.replies) >= self.reply_limit:
            self.kill(CloseCode.slow_consumer, "slow consumer: replies are not being read")
            return
        self.replies.append(text)
        self._wake()

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

    # -- sending ----------------------------------------------------------------------------

    def _wake(self) -> None:
        if not self._scheduled and self._own_sender is None:
            self._scheduled = True
            self._schedule(self)

    async def flush(self) -> None:
        """Send what the client lacks, as long as the socket takes each frame at once; if it
        makes us wait, hand the rest to this connection's own sender task."""
        self._scheduled = False
        if self._own_sender is not None or self.closing is not None or self._broken:
            return
        unsent = self._unsent
        unsent.extend(frames(self.take()))
        while unsent:
            try:
                async with asyncio.timeout(0):
                    await self._send(unsent[0])
            except TimeoutError:
                self._own_sender = asyncio.create_task(self._send_own(), name=f"ws-send-{self.id}")
                return
            except Exception:
                self._broken = True  # the socket is gone; the endpoint sees the disconnect
                return
            unsent.popleft()
            self.frames_sent += 1

    async def _send_own(self) -> None:
        """Write until the client has caught up, however long its socket takes; then leave
        the connection to the flusher again."""
        unsent = self._unsent
        try:
            while True:
                if not unsent:
                    unsent.extend(frames(self.take()))
                    if not unsent:
                        return
                self.sending_since = time.monotonic()
                await self._send(unsent[0])
                self.sending_since = None
                unsent.popleft()
                self.frames_sent += 1
        except Exception:
            self._broken = True
        finally:
            self._own_sender = None

    # -- liveness ---------------------------------------------------------------------------

    def check(self, now: float, idle_timeout_s: float, send_timeout_s: float) -> None:
        if now - self.last_received > idle_timeout_s:
            self.kill(CloseCode.idle_timeout, "idle timeout: no message from the client")
        elif self.sending_since is not None and now - self.sending_since > send_timeout_s:
            self.kill(CloseCode.slow_consumer, "slow consumer: the socket is not read")

    # -- closing ----------------------------------------------------------------------------

    def kill(self, code: int, reason: str) -> None:
        """Stop sending and close the socket with `code` (aborted if it cannot even take the
        close frame). Safe to call more than once."""
        if self.closing is not None:
            return
        self.closing = (code, reason)
        self.replies.clear()
        self.changed.clear()
        self._unsent.clear()
        if self._own_sender is not None:
            self._own_sender.cancel()
        self._closer = asyncio.create_task(self._close_socket(code, reason))
        observe_websocket_closed(code)
        log.info("websocket closed by the server", connection=self.id, code=code, reason=reason)

    async def _close_socket(self, code: int, reason: str) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await self._close(code, reason)
        except Exception:  # TimeoutError included: the socket cannot even take the close frame
            self._abort()

    async def stop(self) -> None:
        """Called by the endpoint when the connection is over, whoever ended it."""
        if self._own_sender is not None and not self._own_sender.done():
            self._own_sender.cancel()
        for task in (self._own_sender, self._closer):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
