"""Alert evaluation, run as an engine tick hook by whoever owns a tenant's aggregator.

Each tick, every tenant whose state changed (and every other tenant about once a second, so
waits and times in state fire without events) has its enabled rules evaluated against its live
metrics at aggregator time. Each rule instance moves through `state.step`; transitions are
written to the database before anything is announced or sent.

Open alerts (pending and firing) live in memory, loaded from the database the first time a
tenant is evaluated by a given aggregator host: a worker that takes a partition over continues
the episodes its predecessor opened instead of opening them again. Writes are conditional on
the version read (and at most one open episode per fingerprint is a unique index), so if two
processes ever evaluate the same tenant during a hand-over, one of them loses, reloads and
sends nothing: an alert fires once.

Banned-phrase rules (`banned_phrase`, `banned_phrase:LIST`) are event rules: each evaluation
reads the tenant's latest phrase hits and raises one alert per rule, call, list and phrase not
seen before (`event_key`, unique in the database in every state, so a replay after a restart or
a take-over raises nothing twice). Such an alert fires at once, stays firing for the rule's
`keep_firing_for_s` (PHRASE_FIRING_MS when 0) and then resolves without a notification.

A rule `against_plan` measures each instance's `today` figure as a share of its day plan
(app/alerts/day_plans.py); an instance without a plan today has no value.

Notifications (firing, repeat, resolved) go to the rule's channels unless the tenant is in the
rule's quiet hours, the instance is silenced, or (firing/repeat) acknowledged. A firing alert
whose notification was held back is notified once that no longer holds; `resolved` is sent only
for an alert whose firing was notified.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.channel_owners import channel_teams
from app.alerts.day_plans import DayPlanCache, DayPlans, PlanReading, reading
from app.alerts.delivery import Dispatcher
from app.alerts.feed import AlertFeed
from app.alerts.models import Alert, AlertChannel, AlertDelivery, AlertEvent, AlertSegment
from app.alerts.payloads import NotificationKind
from app.alerts.quiet_hours import is_quiet
from app.alerts.repository import alert_out, load_enabled_rules, open_alerts, silences
from app.alerts.rules import (
    PHRASE_FIRING_MS,
    RuleSpec,
    fingerprint,
    is_phrase_rule,
    phrase_fingerprint,
    phrase_rule_list,
)
from app.alerts.segments import expires_at
from app.alerts.state import Phase, Step, Track, step
from app.core.db import Database, utcnow
from app.core.logging import get_logger
from app.registry.metrics import TIME_IN_STATE
from app.streams.aggregator.phrase_lists import BANNED
from app.streams.clock import wall_ms

if TYPE_CHECKING:
    from app.streams.aggregator import AgentStatus, TenantAggregator
    from app.streams.aggregator.phrases import HitRecord
    from app.streams.host import AggregatorHost

log = get_logger(__name__)

RULES_TTL_S = 2.0
"""Rule edits made in another process are picked up within this time."""
CONTROLS_TTL_S = 1.0
"""Acknowledgements and silences are re-read at most this often while a held-back or repeat
notification waits (and always right before a transition is notified)."""
IDLE_EVALUATION_S = 1.0
"""A tenant without new events is evaluated this often (time-based rules)."""
PHRASE_HORIZON_MS = 600_000
"""A phrase hit raises an alert only while it is at most this old (aggregator time): enough for
a worker that takes a partition over to raise what its predecessor had no time to, without
raising the whole recent history for a rule just created."""


class Conflict(Exception):
    """Another process changed an open alert first."""


@dataclass(slots=True)
class OpenAlert:
    id: int
    rule_id: int
    fingerprint: str
    scope: str
    team: str | None
    track: Track
    version: int
    notified_ms: int | None


@dataclass(slots=True)
class TenantAlerts:
    host: weakref.ref[AggregatorHost]
    open: dict[str, OpenAlert]
    evaluated_at: float = 0.0
    acknowledged: set[int] = field(default_factory=set)
    silenced: dict[str, int] = field(default_factory=dict)
    controls_at: float = 0.0
    phrase_seen: dict[str, int] = field(default_factory=dict)
    """Event keys of phrase alerts raised within PHRASE_HORIZON_MS → when the phrase was said."""


@dataclass(frozen=True, slots=True)
class PhraseEvent:
    """A phrase hit a rule raises an alert for: `detail` goes to the alert row, `text` (only
    if the tenant keeps segments) to its segment until `expires_ms` (wall clock)."""

    detail: dict[str, object]
    said_ms: int
    text: str | None
    expires_ms: int


@dataclass(slots=True)
class Change:
    """What one evaluation does to one instance."""

    rule: RuleSpec
    fingerprint: str
    scope: str
    team: str | None
    value: float | None
    before: OpenAlert | None
    step: Step
    notify: NotificationKind | None = None
    alert_id: int | None = None
    phrase: PhraseEvent | None = None
    plan: PlanReading | None = None

    @property
    def detail(self) -> dict[str, object] | None:
        """What the alert row keeps besides its value: a phrase alert's hit, or the figure
        and plan of an alert against the plan."""
        if self.phrase is not None:
            return dict(self.phrase.detail)
        if self.rule.against_plan:
            if self.plan is None:  # the plan was deleted, or the new day has none
                return {"plan": None, "actual": None}
            return {"plan": self.plan.plan, "actual": self.plan.actual}
        return None


class Readings:
    """The metrics and agent board of one tenant at one instant, each computed once."""

    def __init__(self, agg: TenantAggregator, now_ms: int, plans: DayPlans | None = None) -> None:
        self.agg = agg
        self.now_ms = now_ms
        self.plans: DayPlans = plans or {}
        self._metrics: dict[tuple[str, str], dict[str, float | int | None]] = {}
        self._board: list[AgentStatus] | None = None

    def metric(self, scope: str, window: str, name: str) -> float | None:
        key = (scope, window)
        values = self._metrics.get(key)
        if values is None:
            values = self.agg.metrics(scope, window, self.now_ms)
            self._metrics[key] = values
        value = values.get(name)
        return None if value is None else float(value)

    def board(self) -> list[AgentStatus]:
        if self._board is None:
            self._board = self.agg.agent_board(self.now_ms)
        return self._board

    def queues(self) -> list[str]:
        return [s for s in self.agg.scopes() if s.startswith("queue:")]

    def time_in_state(self, rule: RuleSpec, row: AgentStatus) -> float | None:
        if row.state != rule.agent_state:
            return None
        if rule.agent_state_reason is not None and row.reason != rule.agent_state_reason:
            return None
        return max(0, self.now_ms - row.since_ms) / 1000


def instances(rule: RuleSpec, readings: Readings) -> list[tuple[str, str | None, float | None]]:
    """(instance scope, its team, value now) for every instance of the rule."""
    scope = rule.scope
    if scope.instance_kind == "agent":
        if scope.kind == "agent":
            rows = [r for r in readings.board() if r.agent == scope.name]
            if not rows:
                assert scope.name is not None
                team = readings.agg.config.agent_teams.get(scope.name)
                value = (
                    None
                    if rule.metric == TIME_IN_STATE
                    else readings.metric(f"agent:{scope.name}", rule.window, rule.metric)
                )
                return [(f"agent:{scope.name}", team, value)]
        else:
            rows = [r for r in readings.board() if scope.team is None or r.team == scope.team]
        return [
            (
                f"agent:{row.agent}",
                row.team,
                readings.time_in_state(rule, row)
                if rule.metric == TIME_IN_STATE
                else readings.metric(f"agent:{row.agent}", rule.window, rule.metric),
            )
            for row in rows
        ]
    if scope.kind == "each_queue":
        return [(q, None, readings.metric(q, rule.window, rule.metric)) for q in readings.queues()]
    if scope.kind == "tenant":
        return [("tenant", None, readings.metric("tenant", rule.window, rule.metric))]
    instance = f"{scope.kind}:{scope.name}"
    team = scope.name if scope.kind == "team" else None
    return [(instance, team, readings.metric(instance, rule.window, rule.metric))]


def phrase_rule_matches(rule: RuleSpec, hit: HitRecord, team: str | None) -> bool:
    """Whether a banned-phrase hit belongs to the rule's list and scope."""
    wanted = phrase_rule_list(rule.metric)
    if hit.kind != BANNED or (wanted is not None and hit.list != wanted):
        return False
    scope = rule.scope
    if scope.kind in ("tenant", "each_agent"):
        return scope.team is None or team == scope.team
    if scope.kind == "queue":
        return hit.queue == scope.name
    if scope.kind == "team":
        return team == scope.name
    return scope.kind == "agent" and hit.agent == scope.name


def phrase_step(rule: RuleSpec, track: Track, now_ms: int) -> Step:
    """A phrase alert stays firing for the rule's `keep_firing_for`, then resolves."""
    lasts = rule.condition.keep_firing_for_ms or PHRASE_FIRING_MS
    fired = track.fired_ms if track.fired_ms is not None else track.since_ms
    if now_ms - fired >= lasts:
        return Step(None, (Phase.firing, Phase.resolved))
    return Step(track)


def phrase_changes(
    rules: list[RuleSpec], state: TenantAlerts, agg: TenantAggregator, now_ms: int
) -> list[Change]:
    """An alert for every banned phrase hit within the horizon that a phrase rule matches and
    that raised none yet."""
    horizon = now_ms - PHRASE_HORIZON_MS
    for key in [k for k, said in state.phrase_seen.items() if said < horizon]:
        del state.phrase_seen[key]
    if not rules:
        return []
    config = agg.config
    retention_ms = int(config.segment_retention_s * 1000)
    wall_now = wall_ms()
    out: list[Change] = []
    planned: set[str] = set()
    for hit in agg.phrase_hits(now_ms):
        if hit.kind != BANNED or hit.at < horizon:
            continue
        team = config.agent_teams.get(hit.agent, hit.team) if hit.agent is not None else None
        for rule in rules:
            if not phrase_rule_matches(rule, hit, team):
                continue
            fp = phrase_fingerprint(rule.tenant_id, rule.id, hit.call_id, hit.list, hit.phrase)
            if fp in state.phrase_seen or fp in state.open or fp in planned:
                continue
            planned.add(fp)
            if hit.agent is not None:
                scope = f"agent:{hit.agent}"
            else:
                scope = f"queue:{hit.queue}" if hit.queue is not None else "tenant"
            detail: dict[str, object] = {
                "phrase": hit.phrase,
                "list": hit.list,
                "call_id": hit.call_id,
                "agent": hit.agent,
                "agent_name": config.agent_names.get(hit.agent) if hit.agent else None,
                "queue": hit.queue,
                "role": hit.role,
                "said_ms": hit.at,
            }
            event = PhraseEvent(
                detail, hit.at, hit.text, expires_at(wall_now, now_ms, hit.at, retention_ms)
            )
            track = Track(Phase.firing, hit.at, fired_ms=now_ms)
            step_ = Step(track, (Phase.normal, Phase.firing))
            out.append(Change(rule, fp, scope, team, 1.0, None, step_, phrase=event))
    return out


class AlertEvaluator:
    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher,
        feed: AlertFeed,
        rules_ttl_s: float = RULES_TTL_S,
    ) -> None:
        self.db = db
        self.dispatcher = dispatcher
        self.feed = feed
        self.rules_ttl_s = rules_ttl_s
        self._rules: dict[int, tuple[float, list[RuleSpec]]] = {}
        self._tenants: dict[int, TenantAlerts] = {}
        self._evaluated_ms: dict[int, int] = {}
        self._day_plans = DayPlanCache(db)
        self._lock = asyncio.Lock()

    def evaluated_ms(self, tenant_id: int) -> int | None:
        """Aggregator time of the tenant's last completed evaluation in this process (None if
        it was never evaluated here; a tenant whose rules are all gone is evaluated as having
        nothing to do)."""
        return self._evaluated_ms.get(tenant_id)

    def forget_plans(self, tenant_id: int) -> None:
        """The tenant's plans changed in this process: read them again at the next evaluation
        (a `TargetFeed` listener; other processes see the change within the cache's TTL)."""
        self._day_plans.forget(tenant_id)

    def invalidate(self, tenant_id: int) -> None:
        """Rules, acknowledgements or silences were changed in this process: read them again
        at the next evaluation (other processes pick changes up within their TTLs)."""
        self._rules.pop(tenant_id, None)
        self._day_plans.forget(tenant_id)
        state = self._tenants.get(tenant_id)
        if state is not None:
            state.controls_at = 0.0

    async def on_tick(self, host: AggregatorHost, changed: set[int]) -> None:
        """The engine tick hook."""
        async with self._lock:
            now = time.monotonic()
            due = [
                t
                for t in host.aggregators
                if t in changed or now - self._tenant_evaluated_at(t, host) >= IDLE_EVALUATION_S
            ]
            if not due:
                return
            await self._refresh_rules(due)
            for tenant_id in due:
                try:
                    await self._evaluate(host, tenant_id)
                except Exception:
                    log.exception("alert evaluation failed", tenant_id=tenant_id)

    def _tenant_evaluated_at(self, tenant_id: int, host: AggregatorHost) -> float:
        state = self._tenants.get(tenant_id)
        if state is None or state.host() is not host:
            return 0.0
        return state.evaluated_at

    async def _refresh_rules(self, tenant_ids: Iterable[int]) -> None:
        now = time.monotonic()
        stale = [
            t for t in tenant_ids if now - self._rules.get(t, (-1e18, []))[0] >= self.rules_ttl_s
        ]
        if not stale:
            return
        async with self.db.session() as session:
            loaded = await load_enabled_rules(session, stale)
        for tenant_id, rules in loaded.items():
            self._rules[tenant_id] = (now, rules)

    async def _tenant(self, host: AggregatorHost, tenant_id: int, now_ms: int) -> TenantAlerts:
        state = self._tenants.get(tenant_id)
        if state is not None and state.host() is host:
            return state
        async with self.db.session() as session:
            rows = await open_alerts(session, tenant_id)
            raised = (
                await session.execute(
                    select(Alert.event_key, Alert.started_ms).where(
                        Alert.tenant_id == tenant_id,
                        Alert.event_key.is_not(None),
                        Alert.started_ms >= now_ms - PHRASE_HORIZON_MS,
                    )
                )
            ).all()
        state = TenantAlerts(
            host=weakref.ref(host),
            open={
                row.fingerprint: OpenAlert(
                    id=row.id,
                    rule_id=row.rule_id or 0,
                    fingerprint=row.fingerprint,
                    scope=row.scope,
                    team=row.team,
                    track=Track(Phase(row.state), row.started_ms, fired_ms=row.fired_ms),
                    version=row.version,
                    notified_ms=row.notified_ms,
                )
                for row in rows
                if row.rule_id is not None
            },
            phrase_seen={key: said for key, said in raised if key is not None},
        )
        self._tenants[tenant_id] = state
        return state

    def forget(self, tenant_id: int) -> None:
        """Drop what is in memory for the tenant; it is reloaded from the database."""
        self._tenants.pop(tenant_id, None)
        self._rules.pop(tenant_id, None)

    # -- one tenant ---------------------------------------------------------------------------

    async def _evaluate(self, host: AggregatorHost, tenant_id: int) -> None:
        rules = self._rules.get(tenant_id, (0.0, []))[1]
        known = self._tenants.get(tenant_id)
        if not rules and (known is None or not known.open or known.host() is not host):
            if known is not None and known.host() is not host:
                self._tenants.pop(tenant_id, None)
            if tenant_id in self._evaluated_ms:  # nothing left to evaluate up to now
                self._evaluated_ms[tenant_id] = host.now_ms(tenant_id)
            return
        agg = host.aggregators[tenant_id]
        now_ms = host.now_ms(tenant_id)
        state = await self._tenant(host, tenant_id, now_ms)
        state.evaluated_at = time.monotonic()
        plans = (
            await self._day_plans.get(tenant_id, agg.config.timezone, now_ms)
            if any(rule.against_plan for rule in rules)
            else None
        )
        changes = self._plan(rules, state, Readings(agg, now_ms, plans), now_ms)
        if not changes:
            self._evaluated_ms[tenant_id] = now_ms
            return
        await self._decide_notifications(tenant_id, state, changes, agg.config.timezone, now_ms)
        effective = [c for c in changes if c.step.transition is not None or c.notify is not None]
        queued = 0
        if effective:
            try:
                queued = await self._write(tenant_id, effective, now_ms, agg.config.language)
            except (Conflict, IntegrityError) as exc:
                log.info(
                    "alert state changed elsewhere; reloading", tenant_id=tenant_id, error=str(exc)
                )
                self.forget(tenant_id)
                return
        self._apply(state, changes, now_ms)
        if queued:
            self.dispatcher.wake()
        if any(
            c.step.transition is not None and Phase.firing in c.step.transition for c in effective
        ):
            await self.feed.changed(tenant_id)
        self._evaluated_ms[tenant_id] = now_ms

    def _plan(
        self, rules: list[RuleSpec], state: TenantAlerts, readings: Readings, now_ms: int
    ) -> list[Change]:
        changes: list[Change] = []
        seen: set[str] = set()
        phrase_rules = [rule for rule in rules if is_phrase_rule(rule.metric)]
        for rule in rules:
            if is_phrase_rule(rule.metric):
                continue
            for scope, team, value in instances(rule, readings):
                fp = fingerprint(rule.tenant_id, rule.id, scope)
                seen.add(fp)
                against = (
                    reading(readings.plans, scope, rule.metric, value)
                    if rule.against_plan
                    else None
                )
                if rule.against_plan:
                    value = None if against is None else against.share
                before = state.open.get(fp)
                result = step(rule.condition, before.track if before else None, value, now_ms)
                if result.track is None and before is None:
                    continue
                changes.append(Change(rule, fp, scope, team, value, before, result, plan=against))
        by_id = {rule.id: rule for rule in rules}
        for fp, before in list(state.open.items()):
            if fp in seen:
                continue
            owner = by_id.get(before.rule_id)
            if owner is None:
                del state.open[fp]  # the rule was deleted or disabled; the API closed the alert
                continue
            if is_phrase_rule(owner.metric):
                result = phrase_step(owner, before.track, now_ms)
                changes.append(Change(owner, fp, before.scope, before.team, 1.0, before, result))
                continue
            result = step(owner.condition, before.track, None, now_ms)
            changes.append(Change(owner, fp, before.scope, before.team, None, before, result))
        changes.extend(phrase_changes(phrase_rules, state, readings.agg, now_ms))
        return changes

    async def _decide_notifications(
        self,
        tenant_id: int,
        state: TenantAlerts,
        changes: list[Change],
        timezone: str,
        now_ms: int,
    ) -> None:
        candidates: list[tuple[Change, NotificationKind]] = []
        fresh = False
        for change in changes:
            kind = self._candidate(change, now_ms)
            if kind is None or not change.rule.channel_ids:
                continue
            if is_quiet(change.rule.quiet_hours, now_ms, timezone):
                continue
            candidates.append((change, kind))
            fresh = fresh or change.step.transition is not None
        if not candidates:
            return
        if fresh or time.monotonic() - state.controls_at >= CONTROLS_TTL_S:
            await self._load_controls(tenant_id, state)
        for change, kind in candidates:
            if state.silenced.get(change.fingerprint, 0) > now_ms:
                continue
            acknowledged = change.before is not None and change.before.id in state.acknowledged
            if acknowledged and kind != "resolved":
                continue
            change.notify = kind

    @staticmethod
    def _candidate(change: Change, now_ms: int) -> NotificationKind | None:
        transition, before = change.step.transition, change.before
        if transition is not None:
            if transition[1] is Phase.firing:
                return "firing"
            if (
                transition[1] is Phase.resolved
                and before is not None
                and before.notified_ms is not None
                and not is_phrase_rule(change.rule.metric)
            ):
                return "resolved"
            return None
        if change.step.track is None or change.step.track.phase is not Phase.firing:
            return None
        assert before is not None
        if before.notified_ms is None:
            return "firing"
        repeat = change.rule.repeat_interval_ms
        if repeat is not None and now_ms - before.notified_ms >= repeat:
            return "repeat"
        return None

    async def _load_controls(self, tenant_id: int, state: TenantAlerts) -> None:
        async with self.db.session() as session:
            ids = [a.id for a in state.open.values()]
            acknowledged = (
                set(
                    (
                        await session.scalars(
                            select(Alert.id).where(
                                Alert.id.in_(ids), Alert.acknowledged_at.is_not(None)
                            )
                        )
                    ).all()
                )
                if ids
                else set()
            )
            state.silenced = await silences(session, tenant_id)
        state.acknowledged = acknowledged
        state.controls_at = time.monotonic()

    # -- writing ------------------------------------------------------------------------------

    async def _write(
        self, tenant_id: int, changes: list[Change], now_ms: int, language: str
    ) -> int:
        """Record every transition and its deliveries (the outbox) in one transaction; returns
        the number of deliveries queued."""
        async with self.db.session() as session:
            to_send: list[tuple[Change, int]] = []
            for change in changes:
                alert_id = await self._write_change(session, tenant_id, change, now_ms)
                if change.notify is not None:
                    to_send.append((change, alert_id))
            queued = await self._queue_deliveries(session, tenant_id, to_send, language)
            await session.commit()
        return queued

    async def _write_change(
        self, session: AsyncSession, tenant_id: int, change: Change, now_ms: int
    ) -> int:
        before, after, transition = change.before, change.step.track, change.step.transition
        notified = now_ms if change.notify in ("firing", "repeat") else None
        if before is None:
            assert after is not None
            assert transition is not None
            rule = change.rule
            row = Alert(
                tenant_id=tenant_id,
                rule_id=rule.id,
                rule_name=rule.name,
                fingerprint=change.fingerprint,
                scope=change.scope,
                team=change.team,
                severity=rule.severity,
                metric=rule.metric,
                window=rule.window,
                op=rule.condition.op,
                threshold=rule.condition.threshold,
                state=after.phase.value,
                value=change.value,
                started_ms=after.since_ms,
                fired_ms=after.fired_ms,
                notified_ms=notified,
                version=1,
                event_key=change.fingerprint if change.phrase is not None else None,
                detail=change.detail,
            )
            session.add(row)
            await session.flush()
            alert_id = row.id
            if change.phrase is not None and change.phrase.text is not None:
                session.add(
                    AlertSegment(
                        alert_id=alert_id,
                        tenant_id=tenant_id,
                        text=change.phrase.text,
                        expires_ms=change.phrase.expires_ms,
                    )
                )
        else:
            alert_id = before.id
            values: dict[str, object] = {"version": before.version + 1, "updated_at": utcnow()}
            if transition is not None:
                values["state"] = transition[1].value
                values["value"] = change.value
                if change.rule.against_plan:
                    values["detail"] = change.detail
                if transition[1] is Phase.firing:
                    values["fired_ms"] = now_ms
                elif transition[1] in (Phase.normal, Phase.resolved):
                    values["ended_ms"] = now_ms
            if notified is not None:
                values["notified_ms"] = notified
            result = await session.execute(
                update(Alert)
                .where(Alert.id == before.id, Alert.version == before.version)
                .values(**values)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict(f"alert {before.id} is no longer at version {before.version}")
        if transition is not None:
            session.add(
                AlertEvent(
                    tenant_id=tenant_id,
                    alert_id=alert_id,
                    kind="transition",
                    from_state=transition[0].value,
                    to_state=transition[1].value,
                    value=change.value,
                    at_ms=now_ms,
                )
            )
        change.alert_id = alert_id
        return alert_id

    async def _queue_deliveries(
        self,
        session: AsyncSession,
        tenant_id: int,
        to_send: list[tuple[Change, int]],
        language: str,
    ) -> int:
        """Add a delivery per notification and channel, due now, with the alert as it is now
        (a `firing` retried after the alert resolved still says `firing`)."""
        if not to_send:
            return 0
        channel_ids = {c for change, _ in to_send for c in change.rule.channel_ids}
        channels = {
            ch.id: ch
            for ch in (
                await session.scalars(
                    select(AlertChannel).where(
                        AlertChannel.tenant_id == tenant_id, AlertChannel.id.in_(channel_ids)
                    )
                )
            ).all()
        }
        owners = await channel_teams(session, tenant_id, channel_ids)
        await session.flush()
        rows = {
            row.id: row
            for row in (
                await session.scalars(select(Alert).where(Alert.id.in_([a for _, a in to_send])))
            ).all()
        }
        silenced = await silences(session, tenant_id, {change.fingerprint for change, _ in to_send})
        queued = 0
        due_ms = wall_ms()
        for change, alert_id in to_send:
            payload = alert_out(rows[alert_id], silenced.get(change.fingerprint), language)
            frozen = payload.model_dump(mode="json")
            assert change.notify is not None
            for channel_id in change.rule.channel_ids:
                channel = channels.get(channel_id)
                if channel is None:
                    continue
                owner = owners.get(channel_id)
                if change.phrase is not None and owner is not None and owner != change.team:
                    continue  # what an agent said goes to the agent's team's channels only
                delivery = AlertDelivery(
                    tenant_id=tenant_id,
                    alert_id=alert_id,
                    channel_id=channel.id,
                    channel_name=channel.name,
                    channel_kind=channel.kind,
                    event=change.notify,
                    status="queued",
                    payload=frozen,
                    next_attempt_ms=due_ms,
                )
                session.add(delivery)
                queued += 1
        return queued

    # -- memory -------------------------------------------------------------------------------

    @staticmethod
    def _apply(state: TenantAlerts, changes: list[Change], now_ms: int) -> None:
        for change in changes:
            after = change.step.track
            if after is None:
                state.open.pop(change.fingerprint, None)
                continue
            before = state.open.get(change.fingerprint)
            wrote = change.step.transition is not None or change.notify is not None
            if before is None:
                assert change.alert_id is not None
                state.open[change.fingerprint] = OpenAlert(
                    id=change.alert_id,
                    rule_id=change.rule.id,
                    fingerprint=change.fingerprint,
                    scope=change.scope,
                    team=change.team,
                    track=after,
                    version=1,
                    notified_ms=now_ms if change.notify is not None else None,
                )
                if change.phrase is not None:
                    state.phrase_seen[change.fingerprint] = change.phrase.said_ms
                continue
            before.track = after
            if wrote:
                before.version += 1
            if change.notify in ("firing", "repeat"):
                before.notified_ms = now_ms
