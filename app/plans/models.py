from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class PlanRow(Base):
    """A target for `metric` of `scope` (`tenant`, `queue:X`, `team:X`, `agent:X`) in every
    `period` (`day`, `week`, `month`) that starts between `start_date` and `end_date`
    (inclusive): `standard` is the plan, `minimum` and `maximum` the pessimistic and the
    optimistic scenario (optional)."""

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_lookup", "tenant_id", "period", "scope", "metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(8))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    minimum: Mapped[float | None] = mapped_column(Float, default=None)
    standard: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float | None] = mapped_column(Float, default=None)
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
