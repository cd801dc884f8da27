"""The per-process hub of the WebSocket API.

The hub keeps one `LiveTopic` per (tenant, topic name) that any connection of this process is
subscribed to. Engine listeners mark tenants dirty; at most every `update_interval_ms` (and at
least every second, so waits and sliding windows tick without events, and so a lost pub/sub
announcement heals) the hub re-reads the dirty tenants' live state from the engine once, diffs
each topic against its last value and, where something changed, encodes one `delta` with the
next sequence number and hands the same text to every subscriber's bounded queue.

Each connection has its own sender task, so a client that does not read only fills its own
queue. When the queue is full the client is sent fresh snapshots instead of the backlog; if the
queue fills again before those were written (or the socket accepts nothing for
`ws_send_timeout_s`), the connection is closed with 4008.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from app.auth.principal import Principal
from app.auth.resolver import resolve_credential
from app.core.logging import get_logger
from app.core.services import Services
from app.widgets.protocol import (
    CloseCode,
    Delta,
    Error,
    Ping,
    Position,
    Resumed,
    Snapshot,
    Unsubscribed,
    encode,
)
from app.widgets.topics import Topic, TopicError, TopicKind, can_subscribe, parse_topic

log = get_logger(__name__)

TICK_S = 1.0
"""Every subscribed tenant is recomputed at least this often."""
FETCH_TIMEOUT_S = 5.0
TOPIC_LINGER_S = 30.0
CREDENTIAL_RECHECK_S = 60.0
"""A connection whose credential was revoked is closed within about this long."""
CONCURRENT_FETCHES = 32
FRAME_BUDGET = 64 * 1024
"""Queued messages are batched into one frame up to about this many characters."""

State = dict[str, Any]
SendText = Callable[[str], Awaitable[None]]
CloseSocket = Callable[[int, str], Awaitable[None]]


def take_frame(queue: deque[str]) -> tuple[str, int]:
    """The next frame's text and how many messages it holds: one message alone, or what is
    queued (up to FRAME_BUDGET characters) as one JSON array, so a client that gets several
    topics' deltas in one round costs one socket write, not several. The messages are the
    shared pre-encoded texts, joined, not encoded again."""
    first = queue.popleft()
    if not queue or len(first) >= FRAME_BUDGET:
        return first, 1
    parts = [first]
    size = len(first)
    while queue and size + len(queue[0]) < FRAME_BUDGET:
        text = queue.popleft()
        parts.append(text)
        size += len(text) + 1
    if len(parts) == 1:
        return first, 1
    return "[" + ",".join(parts) + "]", len(parts)


def diff(old: State, new: State) -> tuple[State, list[str]]:
    """(keys whose value is new or changed with their new value, keys that are gone)."""
    missing = object()
    changed = {key: value for key, value in new.items() if old.get(key, missing) != value}
    gone = [key for key in old if key not in new]
    return changed, gone


class LiveTopic:
    """One topic of one tenant in this process: its last value, version and subscribers."""

    def __init__(self, topic: Topic, epoch: str) -> None:
        self.topic = topic
        self.epoch = epoch
        self.seq = 0
        self.at_ms = 0
        self.state: State | None = None
        self.subscribers: set[Connection] = set()
        self.idle_since: float | None = None
        self._snapshot: str | None = None

    def snapshot(self) -> str:
        if self._snapshot is None:
            assert self.state is not None
            self._snapshot = encode(
                Snapshot(
                    topic=self.topic.name,
                    epoch=self.epoch,
                    seq=self.seq,
                    at=self.at_ms,
                    data=self.state,
                )
            )
        return self._snapshot

    def update(self, state: State, at_ms: int) -> str | None:
        """Take the new value; returns the encoded delta, or None if nothing changed (the
        first value is not a delta: the subscribers waiting for it get the snapshot)."""
        if self.state is None:
            self.state, self.at_ms, self.seq = state, at_ms, 1
            self._snapshot = None
            return None
        changed, gone = diff(self.state, state)
        if not changed and not gone:
            return None
        self.seq += 1
        self.state, self.at_ms = state, at_ms
        self._snapshot = None
        return encode(Delta(topic=self.topic.name, seq=self.seq, at=at_ms, set=changed, unset=gone))


class Connection:
    """One client: its subscriptions and its bounded queue of encoded frames. The endpoint
    runs `receive`; the sender task owned here writes the queue to the socket."""

    _ids = itertools.count(1)

    def __init__(
        self,
        principal: Principal,
        credential: str,
        send: SendText,
        close: CloseSocket,
        abort: Callable[[], None],
        queue_size: int,
    ) -> None:
        self.id = next(self._ids)
        self.principal = principal
        self.credential = credential
        self.topics: dict[str, LiveTopic] = {}
        self.queue: deque[str] = deque()
        self.queue_size = queue_size
        self.last_received = time.monotonic()
        self.sending_since: float | None = None
        self.closing: tuple[int, str] | None = None
        self._send = send
        self._close = close
        self._abort = abort
        self._ready = asyncio.Event()
        self._resync_left = 0
        self._sender: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<Connection {self.id} tenant={self.principal.tenant_id}>"

    def start(self) -> None:
        self._sender = asyncio.create_task(self._send_loop(), name=f"ws-send-{self.id}")

    # -- queueing ---------------------------------------------------------------------------

    def offer(self, text: str) -> None:
        """Queue an update; a full queue is replaced by fresh snapshots, and a queue that fills
        up again before those were written closes the connection."""
        if self.closing is not None:
            return
        if len(self.queue) < self.queue_size:
            self.queue.append(text)
            self._ready.set()
        elif self._resync_left:
            self.kill(CloseCode.slow_consumer, "slow consumer: could not keep up")
        else:
            self.resync()

    def reply(self, text: str) -> None:
        """Queue an answer to the client's own request (allowed past the limit, up to twice)."""
        if self.closing is not None:
            return
        if len(self.queue) >= 2 * self.queue_size:
            self.kill(CloseCode.slow_consumer, "slow consumer: replies are not being read")
            return
        self.queue.append(text)
        self._ready.set()

    def resync(self) -> None:
        self.queue.clear()
        self.queue.extend(t.snapshot() for t in self.topics.values() if t.state is not None)
        self._resync_left = max(1, len(self.queue))
        self._ready.set()
        log.info("websocket client lagging: sent snapshots", connection=self.id)

    async def _send_loop(self) -> None:
        queue, ready = self.queue, self._ready
        while True:
            if not queue:
                ready.clear()
                await ready.wait()
                continue
            text, count = take_frame(queue)
            self.sending_since = time.monotonic()
            try:
                await self._send(text)
            except Exception:
                return  # the socket is gone; the endpoint sees the disconnect
            self.sending_since = None
            if self._resync_left:
                self._resync_left = max(0, self._resync_left - count)

    # -- closing ----------------------------------------------------------------------------

    def kill(self, code: int, reason: str) -> None:
        """Stop sending and close the socket with `code` (aborted if it cannot even take the
        close frame). Safe to call more than once."""
        if self.closing is not None:
            return
        self.closing = (code, reason)
        self.queue.clear()
        if self._sender is not None:
            self._sender.cancel()
        self._closer = asyncio.create_task(self._close_socket(code, reason))

    async def _close_socket(self, code: int, reason: str) -> None:
        try:
            async with asyncio.timeout(2.0):
                await self._close(code, reason)
        except Exception:  # TimeoutError included: the socket cannot even take the close frame
            self._abort()

    async def stop(self) -> None:
        """Called by the endpoint when the connection is over, whoever ended it."""
        for task in (self._sender, self._closer):
            if task is not None and not task.done():
                if task is self._sender:
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


class Hub:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.engine = services.engine
        self.epoch_prefix = secrets.token_hex(4)
        self.topics: dict[tuple[int, str], LiveTopic] = {}
        self.by_tenant: dict[int, dict[str, LiveTopic]] = {}
        self.connections: set[Connection] = set()
        self.dirty: set[int] = set()
        self.rounds = 0
        self._epochs = itertools.count(1)
        self._locks: dict[int, asyncio.Lock] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._fetch_slots = asyncio.Semaphore(CONCURRENT_FETCHES)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self.engine.add_listener(self.on_update)
        self._tasks = [
            asyncio.create_task(self._update_loop(), name="ws-hub-updates"),
            asyncio.create_task(self._heartbeat_loop(), name="ws-hub-heartbeat"),
        ]

    async def close(self) -> None:
        with contextlib.suppress(ValueError):
            self.engine.remove_listener(self.on_update)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for conn in list(self.connections):
            conn.kill(CloseCode.going_away, "server shutting down")
        await asyncio.gather(*(c.stop() for c in list(self.connections)), return_exceptions=True)

    def on_update(self, tenant_id: int) -> None:
        """Engine listener: quick, never raises."""
        if tenant_id in self.by_tenant:
            self.dirty.add(tenant_id)
            self._wake.set()

    # -- connections and subscriptions ------------------------------------------------------

    def register(self, conn: Connection) -> None:
        self.connections.add(conn)
        conn.start()

    def unregister(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for live in list(conn.topics.values()):
            self._leave(conn, live)
        conn.topics.clear()

    def _leave(self, conn: Connection, live: LiveTopic) -> None:
        live.subscribers.discard(conn)
        if not live.subscribers:
            live.idle_since = time.monotonic()

    def _drop_idle_topics(self, now: float) -> None:
        """Forget topics nobody subscribed to for TOPIC_LINGER_S. Until then they are kept up
        to date, so a client that reconnects soon can resume where it was."""
        for live in list(self.topics.values()):
            if live.idle_since is not None and now - live.idle_since > TOPIC_LINGER_S:
                self._drop(live)

    def _drop(self, live: LiveTopic) -> None:
        topic = live.topic
        self.topics.pop((topic.tenant_id, topic.name), None)
        tenant_topics = self.by_tenant.get(topic.tenant_id)
        if tenant_topics is not None:
            tenant_topics.pop(topic.name, None)
            if not tenant_topics:
                del self.by_tenant[topic.tenant_id]
                self._locks.pop(topic.tenant_id, None)
                self.dirty.discard(topic.tenant_id)

    async def subscribe(
        self, conn: Connection, names: Iterable[str], resume: dict[str, Position]
    ) -> None:
        """Answer each topic with a snapshot, `resumed` or an error (all queued on `conn`)."""
        new: list[LiveTopic] = []
        teams = await self.team_of_agent(conn.principal)
        for name in names:
            try:
                topic = parse_topic(conn.principal.tenant_id, name)
            except TopicError as exc:
                conn.reply(encode(Error(code="bad_topic", message=str(exc), topic=name)))
                continue
            if not can_subscribe(conn.principal, topic, teams):
                denied = Error(code="forbidden", message="you may not see this topic", topic=name)
                conn.reply(encode(denied))
                continue
            if name not in conn.topics and len(conn.topics) >= self.settings.ws_max_subscriptions:
                conn.reply(
                    encode(
                        Error(
                            code="too_many_subscriptions",
                            message=f"at most {self.settings.ws_max_subscriptions} topics per "
                            "connection",
                            topic=name,
                        )
                    )
                )
                continue
            live = self._join(conn, topic)
            if live.state is None:
                new.append(live)
                continue
            position = resume.get(name)
            if position is not None and position.epoch == live.epoch and position.seq == live.seq:
                conn.reply(encode(Resumed(topic=name, epoch=live.epoch, seq=live.seq)))
            else:
                conn.reply(live.snapshot())
        by_tenant: dict[int, list[LiveTopic]] = {}
        for live in new:
            by_tenant.setdefault(live.topic.tenant_id, []).append(live)
        for tenant_id, lives in by_tenant.items():
            await self._refresh(tenant_id, lives)

    async def team_of_agent(self, principal: Principal) -> dict[str, str]:
        """Agents' teams, read only for callers limited to some teams or one agent."""
        access = principal.access
        if access.all_teams and access.only_agent is None:
            return {}
        return (await self.services.configs.get(principal.tenant_id)).agent_teams

    def _join(self, conn: Connection, topic: Topic) -> LiveTopic:
        key = (topic.tenant_id, topic.name)
        live = self.topics.get(key)
        if live is None:
            live = LiveTopic(topic, f"{self.epoch_prefix}-{next(self._epochs)}")
            self.topics[key] = live
            self.by_tenant.setdefault(topic.tenant_id, {})[topic.name] = live
        live.subscribers.add(conn)
        live.idle_since = None
        conn.topics[topic.name] = live
        return live

    def unsubscribe(self, conn: Connection, names: Iterable[str]) -> None:
        gone = []
        for name in names:
            live = conn.topics.pop(name, None)
            if live is not None:
                self._leave(conn, live)
                gone.append(name)
        conn.reply(encode(Unsubscribed(topics=gone)))

    # -- updates ----------------------------------------------------------------------------

    async def _update_loop(self) -> None:
        interval = self.settings.update_interval_ms / 1000
        last_round = 0.0
        next_tick = time.monotonic() + TICK_S
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, next_tick - time.monotonic())):
                    await self._wake.wait()
            wait = last_round + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._wake.clear()
            last_round = time.monotonic()
            if last_round >= next_tick:
                self._drop_idle_topics(last_round)
                tenants = set(self.by_tenant)
                next_tick = last_round + TICK_S
            else:
                tenants = self.dirty & set(self.by_tenant)
            self.dirty.clear()
            if tenants:
                await asyncio.gather(*(self._refresh(t) for t in tenants))
            self.rounds += 1

    async def _refresh(self, tenant_id: int, only: list[LiveTopic] | None = None) -> None:
        """Recompute the tenant's topics (or only the given new ones) and send what changed.
        Rounds and first snapshots of one tenant never interleave (one lock per tenant)."""
        lock = self._locks.setdefault(tenant_id, asyncio.Lock())
        async with lock, self._fetch_slots:
            if only is not None:
                lives = [t for t in only if t.state is None and t.subscribers]
            else:
                lives = list(self.by_tenant.get(tenant_id, {}).values())
            if not lives:
                return
            try:
                async with asyncio.timeout(FETCH_TIMEOUT_S):
                    values = await self._fetch(tenant_id, [live.topic for live in lives])
            except Exception as exc:
                log.warning("live state unavailable", tenant=tenant_id, error=repr(exc))
                return
            for live in lives:
                at_ms, state = values[live.topic.name]
                first = live.state is None
                delta = live.update(state, at_ms)
                if delta is not None:
                    for conn in list(live.subscribers):
                        conn.offer(delta)
                elif first:
                    snapshot = live.snapshot()
                    for conn in list(live.subscribers):
                        conn.reply(snapshot)

    async def _fetch(self, tenant_id: int, topics: list[Topic]) -> dict[str, tuple[int, State]]:
        """Read the live state behind the topics with one `live` and one `board` call."""
        queries = sorted(
            {(t.scope, t.window) for t in topics if t.kind is TopicKind.metrics and t.window}
        )
        live = await self.engine.live(tenant_id, queries) if queries else None
        board = None
        if any(t.kind is TopicKind.board for t in topics):
            board = await self.engine.board(tenant_id)
        out: dict[str, tuple[int, State]] = {}
        for topic in topics:
            if topic.kind is TopicKind.metrics:
                assert topic.window is not None
                values = live.values.get((topic.scope, topic.window)) if live else None
                out[topic.name] = (live.at_ms if live else 0, dict(values or {}))
            elif topic.kind is TopicKind.board:
                at_ms, rows = board if board else (0, [])
                out[topic.name] = (at_ms, board_state(topic, rows))
            else:
                out[topic.name] = (0, {})
        return out

    # -- liveness ---------------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        settings = self.settings
        next_ping = time.monotonic() + settings.ws_ping_interval_s
        next_check = time.monotonic() + CREDENTIAL_RECHECK_S
        while True:
            await asyncio.sleep(min(1.0, settings.ws_ping_interval_s))
            now = time.monotonic()
            for conn in list(self.connections):
                if now - conn.last_received > settings.ws_idle_timeout_s:
                    conn.kill(CloseCode.idle_timeout, "idle timeout: no message from the client")
                elif (
                    conn.sending_since is not None
                    and now - conn.sending_since > settings.ws_send_timeout_s
                ):
                    conn.kill(CloseCode.slow_consumer, "slow consumer: the socket is not read")
            if now >= next_ping:
                next_ping = now + settings.ws_ping_interval_s
                ping = encode(Ping(id=int(time.time() * 1000)))
                for conn in list(self.connections):
                    conn.offer(ping)
            if now >= next_check:
                next_check = now + CREDENTIAL_RECHECK_S
                await self._recheck_credentials()

    async def _recheck_credentials(self) -> None:
        """Close connections whose credential was revoked or expired, or that may no longer
        see a topic they hold (a user's role or teams changed), since they opened."""
        by_credential: dict[str, list[Connection]] = {}
        for conn in self.connections:
            by_credential.setdefault(conn.credential, []).append(conn)
        for credential, conns in by_credential.items():
            try:
                resolved = await resolve_credential(self.services, credential)
            except Exception as exc:
                log.warning("credential re-check failed", error=repr(exc))
                return
            if resolved is None:
                for conn in conns:
                    conn.kill(CloseCode.unauthenticated, "the credential was revoked or expired")
                continue
            principal = resolved.principal
            teams = await self.team_of_agent(principal)
            for conn in conns:
                if all(can_subscribe(principal, t.topic, teams) for t in conn.topics.values()):
                    conn.principal = principal
                else:
                    conn.kill(CloseCode.forbidden, "no longer allowed to see a subscribed topic")


def board_state(topic: Topic, rows: list[dict[str, object]]) -> State:
    """The board of a topic keyed by agent: all agents (`tenant`), a team's, or those on a
    call of a queue."""
    if topic.scope == "tenant":
        return {str(row["agent"]): row for row in rows}
    field = "team" if topic.scope_kind == "team" else "call_queue"
    name = topic.scope_name
    return {str(row["agent"]): row for row in rows if row.get(field) == name}
