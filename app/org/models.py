from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
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
