from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class ReportSchedule(Base):
    """A report sent every day or week (`frequency`; `weekday` 0 = Monday for weekly) at
    `hour` local time of the tenant, for the day or week before, grouped by `group_by`, to
    `recipients` through the e-mail channel `channel_id`. `team_id`: only that team's figures
    (a team lead's schedule); None: the whole floor. `last_period` is the period last sent
    (`2026-12-07`, `2026-W49`); a sender holds `claimed_until_ms` while it sends."""

    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    frequency: Mapped[str] = mapped_column(String(8))
    weekday: Mapped[int | None] = mapped_column(default=None)
    hour: Mapped[int] = mapped_column(default=7)
    group_by: Mapped[str] = mapped_column(String(8))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), default=None
    )
    last_period: Mapped[str | None] = mapped_column(String(16), default=None)
    last_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
