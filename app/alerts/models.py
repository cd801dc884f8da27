"""Alert rules, notification channels, alert episodes and their history.

Times the evaluator reasons with (pending since, fired, resolved, notified, silenced until) are
epoch milliseconds of the aggregator clock, so event-time replays and tests are exact; `*_at`
columns are wall-clock bookkeeping.

An alert row is one episode of one rule instance (fingerprint): it opens as `pending` (or
directly `firing` when the rule has no `for`), and closes as `normal` (pending that never fired)
or `resolved`. At most one episode per fingerprint is open at a time; a partial unique index
makes that hold across processes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")

OPEN_STATES = ("pending", "firing")


class AlertChannel(Base):
    """Where notifications go. `config` holds the kind's settings including secrets (HMAC
    secret, SMTP password, chat webhook URLs); the API never returns them. `team_id` None:
    the tenant's (admins manage it); otherwise that team's (app/alerts/channel_owners.py);
    deleting the team deletes its channels, so a team's channel never widens to the tenant."""

    __tablename__ = "alert_channels"
    __table_args__ = (Index("uq_alert_channels_name", "tenant_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AlertRule(Base):
    __tablename__ = "alert_rules"
    __table_args__ = (Index("ix_alert_rules_tenant", "tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    metric: Mapped[str] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(String(300))
    team: Mapped[str | None] = mapped_column(String(128), default=None)
    window: Mapped[str] = mapped_column(String(16))
    op: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float] = mapped_column(Float)
    clear_threshold: Mapped[float | None] = mapped_column(Float, default=None)
    for_s: Mapped[float] = mapped_column(Float, default=0.0)
    keep_firing_for_s: Mapped[float] = mapped_column(Float, default=0.0)
    repeat_interval_s: Mapped[float | None] = mapped_column(Float, default=None)
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    agent_state: Mapped[str | None] = mapped_column(String(64), default=None)
    agent_state_reason: Mapped[str | None] = mapped_column(String(64), default=None)
    quiet_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    against_plan: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AlertRuleChannel(Base):
    __tablename__ = "alert_rule_channels"

    rule_id: Mapped[int] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("alert_channels.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Alert(Base):
    """One episode of one rule instance. `version` is bumped by every evaluator write, which
    is conditional on the version it read (optimistic concurrency between processes)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_open_fingerprint",
            "tenant_id",
            "fingerprint",
            unique=True,
            sqlite_where=text("state IN ('pending', 'firing')"),
            postgresql_where=text("state IN ('pending', 'firing')"),
        ),
        Index("ix_alerts_tenant_state", "tenant_id", "state"),
        Index("ix_alerts_tenant_started", "tenant_id", "started_ms"),
        Index("uq_alerts_event_key", "tenant_id", "event_key", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="SET NULL"), index=True
    )
    rule_name: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(300))
    team: Mapped[str | None] = mapped_column(String(128))
    severity: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str] = mapped_column(String(128))
    window: Mapped[str] = mapped_column(String(16))
    op: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    started_ms: Mapped[int] = mapped_column(BigInteger)
    fired_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    ended_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    notified_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    event_key: Mapped[str | None] = mapped_column(String(64), default=None)
    """An alert raised by one event (a banned phrase said on a call) carries the event's key:
    unique in the tenant in every state, so the event raises one alert however often it is
    seen (a replay after a restart or a take-over). Null for threshold alerts."""
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    """What the event was (`phrase`: call, agent, queue, list, phrase, role); never the text."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AlertSegment(Base):
    """The transcript segment a phrase alert was raised for: personal data, kept only when the
    tenant keeps matching segments, until `expires_ms` (wall clock: the segment retention,
    counted from when it was said), then deleted by the alert housekeeping and hidden from
    then on by every reader."""

    __tablename__ = "alert_segments"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    expires_ms: Mapped[int] = mapped_column(BigInteger, index=True)


class AlertSilence(Base):
    """Notifications for one fingerprint are held back until `until_ms` (every episode)."""

    __tablename__ = "alert_silences"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    until_ms: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertEvent(Base):
    """The history of an alert: state transitions, acknowledgements and silences."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_tenant_at", "tenant_id", "at_ms"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    at_ms: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str | None] = mapped_column(String(200), default=None)
    note: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertDelivery(Base):
    """One notification of one alert to one channel, and the outbox entry that sends it
    (app/alerts/outbox.py): `queued` (due at `next_attempt_ms`), `delivering` (claimed by
    `claimed_by` until `claimed_until_ms`), then `delivered` or `failed` (gave up or a
    permanent error). `dropped` is only found in history written before the outbox.

    Written in the transaction that records the alert's transition, with the `payload` as it
    was then, so a notification survives a restart and says what happened when it happened."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index("ix_alert_deliveries_tenant_status", "tenant_id", "status"),
        Index("ix_alert_deliveries_status_due", "status", "next_attempt_ms"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_channels.id", ondelete="SET NULL"), index=True
    )
    channel_name: Mapped[str] = mapped_column(String(200))
    channel_kind: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    first_attempt_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    claimed_until_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)


class AlertDeliveryAttempt(Base):
    """One attempt, written before it is made (`outcome` `sending`) and completed after it:
    an attempt cut short by a crash stays as `interrupted`, so every attempt has one record."""

    __tablename__ = "alert_delivery_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("alert_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(500), default=None)
