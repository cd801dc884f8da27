from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
    """The language of what the server writes for the tenant (alert notifications): en, pl."""
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    """ISO 4217 code revenue is shown in; None: amounts without a currency."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    country_code: Mapped[str | None] = mapped_column(String(3), default=None)
    """Calling code given to national caller numbers (`48`); None: numbers stay as sent."""


class Queue(Base):
    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    sl_threshold_s: Mapped[float] = mapped_column(default=20.0)
    short_abandon_s: Mapped[float] = mapped_column(default=5.0)
    # None: wrap-up until the platform ends it; 0: no wrap-up; N: ends by itself after N s
    wrapup_s: Mapped[float | None] = mapped_column(default=None)
    sl_target: Mapped[float] = mapped_column(default=0.8, server_default="0.8")
    """The share of calls to answer within `sl_threshold_s` (0.8 with 20 s: "80/20"); the
    wall's service-level colours and gauge targets for this queue."""


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))


class Agent(Base):
    """An agent as named in events (`agent` field = `external_id`), optionally in one team."""

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("tenant_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None, index=True
    )


class Dashboard(Base):
    """A named grid of widgets. `team_id` None: shared with the whole tenant; otherwise
    shared with that team's people (and admins); deleting the team deletes its dashboards,
    so a team's board never widens to the whole tenant. `widgets` is the validated list of
    `app.dashboards.schemas.Widget` as JSON. `version` is bumped by every write, and a write
    names the version it read (optimistic concurrency between two editors)."""

    __tablename__ = "dashboards"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), default=None, index=True
    )
    widgets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    rotation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    celebrate_wins: Mapped[bool] = mapped_column(default=False, server_default=false())
    """`app.dashboards.schemas.Rotation` as JSON: the dashboards a wall cycles through."""
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)
    updated_by: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
