"""The per-process hub of the WebSocket API.

The hub keeps one `LiveTopic` per (tenant, topic name, view) that a connection of this process
holds. The view is None for every topic but the call-back list's, whose numbers are whole or
masked by who reads them (`app.callbacks.service.number_view`): one state per view, shared by
every connection with that view, so a floor of walls and supervisors costs two or three states
of a `callbacks:` topic, not one per connection.
Engine listeners mark tenants dirty; at most every `update_interval_ms` (and at least every
second, so waits and sliding windows tick without events, and so a lost pub/sub announcement
heals) the hub re-reads the dirty tenants' live state from the engine once, diffs each topic
against its last value and, where something changed, encodes one delta with the next sequence
number and notes the topic on every subscriber (`Connection.notify`); the flusher task then
writes to each such connection what its client lacks (see app/widgets/connection.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import time
from collections.abc import Hashable, Iterable

from app.alerts.feed import in_scope
from app.alerts.runtime import AlertRuntime
from app.alerts.schemas import AlertOut
from app.auth.principal import Principal
from app.auth.resolver import resolve_credential
from app.callbacks.service import NumberView, Row, number_view, rows_of, wall_row
from app.core.logging import get_logger
from app.dashboards.display_grants import DisplayGrants
from app.dashboards.feed import DashboardFeed, scope_versions
from app.dashboards.topics import Topic, TopicError, TopicKind, can_subscribe, parse_topic
from app.dashboards.wall_topics import WallTopics
from app.messages.feed import MessageFeed, scope_messages
from app.phrases.wall import phrases_state
from app.plans.feed import TargetFeed, scope_targets
from app.services import Services
from app.streams.aggregator.deal_list import WON_PREFIX
from app.widgets.connection import Connection
from app.widgets.funnels import FunnelFeed
from app.widgets.live import LiveTopic, State
from app.widgets.protocol import (
    CloseCode,
    Error,
    Ping,
    Position,
    Resumed,
    Unsubscribed,
    encode,
)
from app.widgets.trends import TrendRecorder

log = get_logger(__name__)

TICK_S = 1.0
"""Every subscribed tenant is recomputed at least this often."""
FETCH_TIMEOUT_S = 5.0
STALE_AFTER_S = 2.0
"""A tenant whose live state could not be read for this long (Redis down or too slow) has the
connections that were shown its numbers closed with 1013 (try again later), so that no client
keeps showing numbers that silently stopped being live: clients mark them stale and reconnect
with back-off. The topics are forgotten, so a reconnecting client is never told `resumed` on
old numbers; it gets a snapshot once the live state can be read again."""
TOPIC_LINGER_S = 30.0
CREDENTIAL_RECHECK_S = 60.0
"""A connection whose credential was revoked is closed within about this long."""
CONCURRENT_FETCHES = 32
FLUSH_BATCH = 200


class Hub:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.engine = services.engine
        self.epoch_prefix = secrets.token_hex(4)
        self.topics: dict[tuple[int, str, Hashable], LiveTopic] = {}
        self.by_tenant: dict[int, dict[tuple[str, Hashable], LiveTopic]] = {}
        self.connections: set[Connection] = set()
        self.dirty: set[int] = set()
        self.rounds = 0
        self._epochs = itertools.count(1)
        self._locks: dict[int, asyncio.Lock] = {}
        self._wake = asyncio.Event()
        self._to_flush: list[Connection] = []
        self._flush_wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._fetch_slots = asyncio.Semaphore(CONCURRENT_FETCHES)
        self._failing_since: dict[int, float] = {}
        self.trends = TrendRecorder(services)
        self.funnels = FunnelFeed(services)
        self.alert_feed = services.part(AlertRuntime).feed
        self.dashboard_feed = services.part(DashboardFeed)
        self.message_feed = services.part(MessageFeed)
        self.target_feed = services.part(TargetFeed)
        self.display_grants = DisplayGrants(services.db, self.dashboard_feed)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self.engine.add_listener(self.on_update)
        self.alert_feed.add_listener(self.on_update)
        self.dashboard_feed.add_listener(self.on_update)
        self.message_feed.add_listener(self.on_update)
        self.target_feed.add_listener(self.on_update)
        self._tasks = [
            asyncio.create_task(self._update_loop(), name="ws-hub-updates"),
            asyncio.create_task(self._heartbeat_loop(), name="ws-hub-heartbeat"),
            asyncio.create_task(self._flush_loop(), name="ws-hub-flush"),
        ]
        await self.trends.start()

    async def close(self) -> None:
        await self.trends.close()
        with contextlib.suppress(ValueError):
            self.engine.remove_listener(self.on_update)
        with contextlib.suppress(ValueError):
            self.alert_feed.remove_listener(self.on_update)
        with contextlib.suppress(ValueError):
            self.dashboard_feed.remove_listener(self.on_update)
        with contextlib.suppress(ValueError):
            self.message_feed.remove_listener(self.on_update)
        with contextlib.suppress(ValueError):
            self.target_feed.remove_listener(self.on_update)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for conn in list(self.connections):
            conn.kill(CloseCode.service_restart, "server restarting: reconnect")
        await asyncio.gather(*(c.stop() for c in list(self.connections)), return_exceptions=True)

    def on_update(self, tenant_id: int) -> None:
        """Engine listener: quick, never raises."""
        if tenant_id in self.by_tenant:
            self.dirty.add(tenant_id)
            self._wake.set()

    # -- connections and subscriptions ------------------------------------------------------

    def register(self, conn: Connection) -> None:
        self.connections.add(conn)

    def schedule(self, conn: Connection) -> None:
        """A connection has something to send: the flusher will see to it."""
        self._to_flush.append(conn)
        self._flush_wake.set()

    async def _flush_loop(self) -> None:
        """Flush the connections that have something to send, one after the other: sockets
        that take their frame at once cost no task switch; one that makes us wait is handed to
        its own task (`Connection.flush`). Yields to the loop every FLUSH_BATCH connections."""
        while True:
            await self._flush_wake.wait()
            self._flush_wake.clear()
            pending, self._to_flush = self._to_flush, []
            for index, conn in enumerate(pending, 1):
                await conn.flush()
                if index % FLUSH_BATCH == 0:
                    await asyncio.sleep(0)

    def unregister(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for name in list(conn.topics):
            live = conn.untrack(name)
            if live is not None:
                self._leave(conn, live)

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
        self.topics.pop((topic.tenant_id, *live.key), None)
        tenant_topics = self.by_tenant.get(topic.tenant_id)
        if tenant_topics is not None:
            tenant_topics.pop(live.key, None)
            if not tenant_topics:
                del self.by_tenant[topic.tenant_id]
                self._locks.pop(topic.tenant_id, None)
                self.dirty.discard(topic.tenant_id)

    async def subscribe(
        self, conn: Connection, names: Iterable[str], resume: dict[str, Position]
    ) -> None:
        """Each topic is answered with an error, `resumed` (the client's position is current)
        or, through the connection's sender, a snapshot."""
        new: list[LiveTopic] = []
        principal = conn.principal
        wall = await self.display_grants.topics(principal) if principal.is_display else None
        if wall is None:
            teams = await self.team_of_agent(principal)
        else:
            teams = await self.wall_agent_teams(principal, wall)
        for name in names:
            try:
                topic = parse_topic(conn.principal.tenant_id, name)
            except TopicError as exc:
                conn.reply(encode(Error(code="bad_topic", message=str(exc), topic=name)))
                continue
            if not can_subscribe(principal, topic, teams):
                denied = Error(code="forbidden", message="you may not see this topic", topic=name)
                conn.reply(encode(denied))
                continue
            if wall is not None and not wall.allows(topic, teams):
                conn.reply(encode(not_on_the_wall(name)))
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
            position = resume.get(name)
            if (
                position is not None
                and live.state is not None
                and (position.epoch, position.seq) == (live.epoch, live.seq)
            ):
                conn.reply(encode(Resumed(topic=name, epoch=live.epoch, seq=live.seq)))
                conn.track(live, live.seq)
            else:
                conn.track(live, 0)
                if live.state is None:
                    new.append(live)
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
        view = topic_view(conn.principal, topic)
        key = (topic.tenant_id, topic.name, view)
        live = self.topics.get(key)
        if live is None:
            live = LiveTopic(topic, f"{self.epoch_prefix}-{next(self._epochs)}", view)
            self.topics[key] = live
            self.by_tenant.setdefault(topic.tenant_id, {})[live.key] = live
        live.subscribers.add(conn)
        live.idle_since = None
        conn.topics[topic.name] = live
        return live

    def unsubscribe(self, conn: Connection, names: Iterable[str]) -> None:
        gone = []
        for name in names:
            live = conn.untrack(name)
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
            started = time.monotonic()
            try:
                async with asyncio.timeout(FETCH_TIMEOUT_S):
                    values = await self._fetch(tenant_id, lives)
            except Exception as exc:
                log.warning("live state unavailable", tenant=tenant_id, error=repr(exc))
                since = self._failing_since.setdefault(tenant_id, started)
                if time.monotonic() - since >= STALE_AFTER_S:
                    self._invalidate(tenant_id)
                return
            self._failing_since.pop(tenant_id, None)
            for live, (at_ms, state) in zip(lives, values, strict=True):
                if live.update(state, at_ms):
                    for conn in live.subscribers:
                        conn.notify(live)

    def _invalidate(self, tenant_id: int) -> None:
        """The tenant's live state is unavailable: close every connection that was shown its
        numbers (1013, try again later) and forget those numbers (see STALE_AFTER_S)."""
        for live in list(self.by_tenant.get(tenant_id, {}).values()):
            if live.state is None:
                continue
            for conn in list(live.subscribers):
                conn.kill(CloseCode.try_again_later, "live data unavailable; reconnect later")
            self._drop(live)

    async def _fetch(self, tenant_id: int, lives: list[LiveTopic]) -> list[tuple[int, State]]:
        """Read the live state behind the topics with one `live` and one `board` call (and the
        alert, dashboard and funnel feeds, which cache); (time, state) for each of `lives`, in
        order."""
        topics = [live.topic for live in lives]
        queries = sorted(
            {(t.scope, t.window) for t in topics if t.kind is TopicKind.metrics and t.window}
        )
        live = await self.engine.live(tenant_id, queries) if queries else None
        board = None
        if any(t.kind is TopicKind.board for t in topics):
            board = await self.engine.board(tenant_id)
        alerts = None
        if any(t.kind is TopicKind.alerts for t in topics):
            alerts = await self.alert_feed.current(tenant_id)
        callbacks: tuple[int, list[Row]] = (0, [])
        if any(t.kind is TopicKind.callbacks for t in topics):
            got = await self.engine.callbacks(tenant_id)
            if got is not None:
                callbacks = (got[0], rows_of(got[1]))
        phrase_hits = None
        agent_teams: dict[str, str] = {}
        if any(t.kind is TopicKind.phrases for t in topics):
            phrase_hits = await self.engine.phrase_hits(tenant_id)
        if any(t.kind in (TopicKind.phrases, TopicKind.targets) for t in topics):
            agent_teams = (await self.services.configs.get(tenant_id)).agent_teams
        targets = None
        if any(t.kind is TopicKind.targets for t in topics):
            targets = await self.target_feed.current(tenant_id)
        deals = None
        if any(t.kind is TopicKind.deals for t in topics):
            deals = await self.engine.deals(tenant_id)
        dashboards = None
        if any(t.kind is TopicKind.dashboards for t in topics):
            dashboards = await self.dashboard_feed.versions(tenant_id)
        messages = None
        if any(t.kind is TopicKind.messages for t in topics):
            messages = await self.message_feed.current(tenant_id)
        funnel_topics = [t for t in topics if t.kind is TopicKind.funnel]
        funnels = await self.funnels.states(tenant_id, funnel_topics) if funnel_topics else {}
        out: list[tuple[int, State]] = []
        for live_topic, topic in zip(lives, topics, strict=True):
            if topic.kind is TopicKind.metrics:
                assert topic.window is not None
                values = live.values.get((topic.scope, topic.window)) if live else None
                out.append((live.at_ms if live else 0, dict(values or {})))
            elif topic.kind is TopicKind.board:
                at_ms, rows = board if board else (0, [])
                out.append((at_ms, board_state(topic, rows)))
            elif topic.kind is TopicKind.callbacks:
                assert isinstance(live_topic.view, NumberView)
                at_ms, entries = callbacks
                out.append((at_ms, callbacks_state(topic, entries, live_topic.view)))
            elif topic.kind is TopicKind.phrases:
                hits = phrase_hits or []
                at_ms = hits[-1].at if hits else int(time.time() * 1000)
                out.append((at_ms, phrases_state(topic.scope, hits, agent_teams)))
            elif topic.kind is TopicKind.deals:
                at_ms, rows = deals if deals else (0, [])
                out.append((at_ms, deals_state(topic, rows)))
            elif topic.kind is TopicKind.dashboards:
                now_ms = int(time.time() * 1000)
                out.append((now_ms, scope_versions(dashboards or {}, topic.scope)))
            elif topic.kind is TopicKind.messages:
                now_ms = int(time.time() * 1000)
                out.append((now_ms, scope_messages(messages or [], topic.scope)))
            elif topic.kind is TopicKind.targets:
                assert targets is not None
                now_ms = int(time.time() * 1000)
                out.append((now_ms, scope_targets(targets, topic.scope, agent_teams)))
            elif topic.kind is TopicKind.funnel:
                out.append(funnels[topic.name])
            else:
                out.append((int(time.time() * 1000), alerts_state(topic, alerts or [])))
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
                conn.check(now, settings.ws_idle_timeout_s, settings.ws_send_timeout_s)
            if now >= next_ping:
                next_ping = now + settings.ws_ping_interval_s
                ping = encode(Ping(id=int(time.time() * 1000)))
                for conn in list(self.connections):
                    conn.reply(ping)
            if now >= next_check:
                next_check = now + CREDENTIAL_RECHECK_S
                await self._recheck_credentials()

    async def _recheck_credentials(self) -> None:
        """Close connections whose credential was revoked or expired, or that may no longer
        see a topic they hold (a user's role or teams changed), since they opened; drop from a
        display's connections the topics no widget of its dashboards shows any more."""
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
                    await self._change_views(conn)
                else:
                    conn.kill(CloseCode.forbidden, "no longer allowed to see a subscribed topic")
            if principal.is_display:
                await self._drop_topics_off_the_wall(principal, conns)

    async def _drop_topics_off_the_wall(
        self, principal: Principal, conns: list[Connection]
    ) -> None:
        """A display keeps only the topics its dashboards still show: one whose widget was
        removed is refused now (the wall itself let go of it when it reloaded the layout)."""
        wall = await self.display_grants.topics(principal)
        teams = await self.wall_agent_teams(principal, wall)
        for conn in conns:
            gone = [n for n, live in conn.topics.items() if not wall.allows(live.topic, teams)]
            for name in gone:
                live = conn.untrack(name)
                if live is not None:
                    self._leave(conn, live)
                conn.reply(encode(not_on_the_wall(name)))

    async def wall_agent_teams(self, principal: Principal, wall: WallTopics) -> dict[str, str]:
        """The agents' teams where a display's wall needs them (a team's per-agent figures,
        or a display limited to one team)."""
        teams = await self.team_of_agent(principal)
        if wall.needs_agent_teams and not teams:
            teams = (await self.services.configs.get(principal.tenant_id)).agent_teams
        return teams

    async def _change_views(self, conn: Connection) -> None:
        """Move a connection whose principal changed (a lead given other teams) to the views
        it now has: it gets the new view's snapshot, and stops getting the old one's numbers."""
        new: list[LiveTopic] = []
        for live in list(conn.topics.values()):
            if topic_view(conn.principal, live.topic) == live.view:
                continue
            conn.untrack(live.topic.name)
            self._leave(conn, live)
            moved = self._join(conn, live.topic)
            conn.track(moved, 0)
            if moved.state is None:
                new.append(moved)
        if new:
            await self._refresh(conn.principal.tenant_id, new)


def not_on_the_wall(topic: str) -> Error:
    return Error(
        code="forbidden",
        message="a display reads only the topics its dashboard's widgets show",
        topic=topic,
    )


def alerts_state(topic: Topic, alerts: list[AlertOut]) -> State:
    """The firing alerts under the topic's scope, keyed by alert id."""
    return {
        str(alert.id): alert.model_dump(mode="json")
        for alert in alerts
        if in_scope(alert, topic.scope)
    }


def board_state(topic: Topic, rows: list[dict[str, object]]) -> State:
    """The board of a topic keyed by agent: all agents (`tenant`), a team's, or those on a
    call of a queue."""
    if topic.scope == "tenant":
        return {str(row["agent"]): row for row in rows}
    field = "team" if topic.scope_kind == "team" else "call_queue"
    name = topic.scope_name
    return {str(row["agent"]): row for row in rows if row.get(field) == name}


def topic_view(principal: Principal, topic: Topic) -> Hashable:
    """The view of `topic` that `principal` gets: the numbers it may see whole on a call-back
    topic (the rule of `GET /v1/callbacks`); None for the topics that are alike for all."""
    return number_view(principal) if topic.kind is TopicKind.callbacks else None


def callbacks_state(topic: Topic, rows: list[Row], view: NumberView) -> State:
    """The call-back list of a topic keyed by entry id, each number whole where `view` shows
    it whole, else masked (app/callbacks/service.py): every entry (`tenant`) or a queue's."""
    queue = topic.scope_name if topic.scope_kind == "queue" else None
    return {
        str(row.id): wall_row(row, view.whole(row))
        for row in rows
        if queue is None or row.queue == queue
    }


def deals_state(topic: Topic, rows: list[dict[str, object]]) -> State:
    """The deal list of a topic: stalled deals keyed by deal id, recent wins by `won:` and the
    deal id (app/streams/aggregator/deal_list.py); every deal (`tenant`), a pipeline's, or
    those owned by a team's agents now."""
    field = {"pipeline": "pipeline", "team": "team"}.get(topic.scope_kind)
    name = topic.scope_name
    return {
        (WON_PREFIX if row["kind"] == "won" else "") + str(row["id"]): row
        for row in rows
        if field is None or row.get(field) == name
    }
